"""Overdue flags: a trial whose record looks abandoned.

Registrants forget to update: a trial still "recruiting" months after its last
follow-up date, or not touched for years, is a record a coordinator should chase. Pure:
a canonical record and today's date in, a list of one-line flags out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

OPEN_STATUSES = ("not_yet_recruiting", "recruiting", "enrolling_by_invitation")
CLOSED_STATUSES = ("completed", "terminated")


@dataclass(frozen=True)
class OverdueRules:
    stale_after_days: int = 365  # not modified for longer while not completed
    completion_grace_days: int = 0  # recruiting this long past the completion date


def overdue_flags(record: dict[str, Any], today: date,
                  rules: OverdueRules = OverdueRules()) -> list[str]:
    flags = []
    status = record.get("status")
    completion = _date(record.get("date_completion"))
    if status in OPEN_STATUSES and completion and \
            (today - completion).days > rules.completion_grace_days:
        flags.append(f"still {status.replace('_', ' ')} {(today - completion).days} days "
                     f"after its completion date ({completion.isoformat()})")
    modified = _date(record.get("date_last_modified"))
    if status not in CLOSED_STATUSES and modified and \
            (today - modified).days > rules.stale_after_days:
        flags.append(f"not modified for {(today - modified).days} days "
                     f"(since {modified.isoformat()}) while not completed")
    return flags


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
