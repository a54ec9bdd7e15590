"""``compare_linked``: where a trial's records in two registries disagree.

The two registries describe one trial and drift apart; a researcher wants to know when
one says "recruiting" and the other "no longer recruiting", or the sample sizes differ.
Pure: two canonical records in, a list of disagreements out. Only values both records
state are compared, in terms both vocabularies share.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from monitor.config.model import ConsistencyRules
from monitor.diff.severity import Severity
from monitor.normalize.record import TrialRecord
from monitor.normalize.values import has_japanese

# Statuses that mean the same thing across the two vocabularies.
_STATUS_CLASS = {"enrolling_by_invitation": "recruiting"}


@dataclass(frozen=True)
class Disagreement:
    """One field on which two linked records disagree; ``values`` by registry."""

    field: str
    values: dict[str, Any]
    severity: Severity
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


def title_similarity(a: str | None, b: str | None) -> float | None:
    """How alike two titles are, from 0 to 1, the same whichever comes first; None when
    either is missing or not English (a Japanese title cannot be compared with the other
    registry's English one).

    Token-set ratio: the words both titles share count fully, so the same study phrased
    with a subtitle, an acronym or a phase note added stays alike, and word order does
    not matter.
    """
    from rapidfuzz import fuzz  # only a check comparing twins needs it

    left, right = _comparable_title(a), _comparable_title(b)
    if not left or not right:
        return None
    return fuzz.token_set_ratio(left, right) / 100


def compare_linked(a: TrialRecord, b: TrialRecord,
                   rules: ConsistencyRules | None = None) -> list[Disagreement]:
    """Disagreements between two linked records, most severe first."""
    rules = rules or ConsistencyRules()
    ra, rb = a.registry, b.registry
    found: list[Disagreement] = []

    sa, sb = a.status, b.status
    if sa != "unknown" and sb != "unknown" and \
            _STATUS_CLASS.get(sa, sa) != _STATUS_CLASS.get(sb, sb):
        found.append(Disagreement("status", {ra: sa, rb: sb}, Severity.HIGH,
                                  f"{ra} says {sa}, {rb} says {sb}"))

    na, nb = a.target_sample_size, b.target_sample_size
    if na is not None and nb is not None and na != nb:
        found.append(Disagreement("target_sample_size", {ra: na, rb: nb}, Severity.MEDIUM,
                                  f"{ra} plans {na} participants, {rb} {nb}"))

    da, db = _date(a.date_last_modified), _date(b.date_last_modified)
    if da and db and abs((da - db).days) > rules.max_days_apart:
        newer, older = (ra, rb) if da > db else (rb, ra)
        found.append(Disagreement(
            "date_last_modified", {ra: da.isoformat(), rb: db.isoformat()}, Severity.LOW,
            f"{newer} was updated {abs((da - db).days)} days after {older}: "
            f"{older} may be out of date"))

    for name in ("title_scientific", "title_public"):
        score = title_similarity(a.get(name), b.get(name))
        if score is not None and score < rules.min_title_similarity:
            found.append(Disagreement(name, {ra: a.get(name), rb: b.get(name)}, Severity.LOW,
                                      f"the titles differ ({score:.0%} alike)"))
    return found


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _comparable_title(title: str | None) -> str:
    """Lower-case words and digits only; "" for a title with Japanese in it."""
    if not title or has_japanese(title):
        return ""
    text = unicodedata.normalize("NFKC", title).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()
