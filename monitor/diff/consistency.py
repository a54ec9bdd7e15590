"""``compare_linked``: where a trial's UMIN-CTR and jRCT records disagree.

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
from difflib import SequenceMatcher
from typing import Any

# Statuses that mean the same thing across the two vocabularies.
_STATUS_CLASS = {"enrolling_by_invitation": "recruiting"}


@dataclass(frozen=True)
class Disagreement:
    """One field on which two linked records disagree; ``values`` by registry."""

    field: str
    values: dict[str, Any]
    severity: str
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ConsistencyRules:
    max_days_apart: int = 180  # last-modified dates further apart than this disagree
    min_title_similarity: float = 0.6


def compare_linked(a: dict[str, Any], b: dict[str, Any],
                   rules: ConsistencyRules = ConsistencyRules()) -> list[Disagreement]:
    """Disagreements between two linked records, most severe first."""
    ra, rb = a["registry"], b["registry"]
    found: list[Disagreement] = []

    sa, sb = a.get("status"), b.get("status")
    if sa not in (None, "unknown") and sb not in (None, "unknown") and \
            _STATUS_CLASS.get(sa, sa) != _STATUS_CLASS.get(sb, sb):
        found.append(Disagreement("status", {ra: sa, rb: sb}, "high",
                                  f"{ra} says {sa}, {rb} says {sb}"))

    na, nb = a.get("target_sample_size"), b.get("target_sample_size")
    if na is not None and nb is not None and na != nb:
        found.append(Disagreement("target_sample_size", {ra: na, rb: nb}, "medium",
                                  f"{ra} plans {na} participants, {rb} {nb}"))

    da, db = _date(a.get("date_last_modified")), _date(b.get("date_last_modified"))
    if da and db and abs((da - db).days) > rules.max_days_apart:
        newer, older = (ra, rb) if da > db else (rb, ra)
        found.append(Disagreement(
            "date_last_modified", {ra: da.isoformat(), rb: db.isoformat()}, "low",
            f"{newer} was updated {abs((da - db).days)} days after {older}: "
            f"{older} may be out of date"))

    for name in ("title_scientific", "title_public"):
        ta, tb = _comparable_title(a.get(name)), _comparable_title(b.get(name))
        if ta and tb and SequenceMatcher(None, ta, tb).ratio() < rules.min_title_similarity:
            found.append(Disagreement(name, {ra: a.get(name), rb: b.get(name)}, "low",
                                      "the titles differ"))
    return found


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _comparable_title(title: str | None) -> str:
    """Lower-case letters and digits only; "" for a title with Japanese in it, which
    cannot be compared with the other registry's English one."""
    if not title or re.search(r"[\u3040-\u30ff\u3400-\u9fff]", title):
        return ""
    text = unicodedata.normalize("NFKC", title).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()
