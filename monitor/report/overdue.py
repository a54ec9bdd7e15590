"""Overdue flags: a trial whose record looks abandoned.

Registrants forget to update: a trial still "recruiting" months after its last
follow-up date, or not touched for years, is a record a coordinator should chase. Pure:
a canonical record and today's date in, a list of flags out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from monitor.config.model import OverdueRules
from monitor.normalize.record import TrialRecord

OPEN_STATUSES = ("not_yet_recruiting", "recruiting", "enrolling_by_invitation")
CLOSED_STATUSES = ("completed", "terminated")


@dataclass(frozen=True)
class OverdueFlag:
    """``past_completion``: still open ``days`` after its completion date ``since``;
    ``stale``: not modified for ``days`` since ``since`` while not completed."""

    kind: str
    days: int
    since: str
    status: str

    def text(self) -> str:  # the English sentence; reports translate by kind
        if self.kind == "past_completion":
            return (f"still {self.status.replace('_', ' ')} {self.days} days after its "
                    f"completion date ({self.since})")
        return f"not modified for {self.days} days (since {self.since}) while not completed"

    def __str__(self) -> str:
        return self.text()


def overdue_flags(record: TrialRecord, today: date,
                  rules: OverdueRules | None = None) -> list[OverdueFlag]:
    return facts_overdue(record.status, record.date_completion, record.date_last_modified,
                         today, rules)


def facts_overdue(status: str, date_completion: str | None, date_last_modified: str | None,
                  today: date, rules: OverdueRules | None = None) -> list[OverdueFlag]:
    """:func:`overdue_flags` from the three facts it reads (a listing of thousands of
    trials has them as plain columns, and need not build a record for each)."""
    rules = rules or OverdueRules()
    flags = []
    completion = _date(date_completion)
    if status in OPEN_STATUSES and completion and \
            (today - completion).days > rules.completion_grace_days:
        flags.append(OverdueFlag("past_completion", (today - completion).days,
                                 completion.isoformat(), status))
    modified = _date(date_last_modified)
    if status not in CLOSED_STATUSES and modified and \
            (today - modified).days > rules.stale_after_days:
        flags.append(OverdueFlag("stale", (today - modified).days, modified.isoformat(),
                                 status))
    return flags


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
