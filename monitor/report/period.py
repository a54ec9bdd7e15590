"""``--since``: the start of a report's period, as a person writes it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from monitor.config.section import parse_duration
from monitor.errors import ConfigError, InputError
from monitor.store import iso_time


def since_time(value: str | None, default_days: int, now: datetime | None = None) -> str:
    """A date (2026-11-01) or a duration back from now (7d, 12h); a moment in the future
    is refused (a report of it would always be empty)."""
    now = now or datetime.now(UTC)
    if value is None:
        moment = now - timedelta(days=default_days)
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            moment = datetime.fromisoformat(value.strip()).replace(tzinfo=UTC)
        except ValueError:
            raise InputError(f"--since {value}: not a date (use YYYY-MM-DD or 7d)") from None
    else:
        try:
            seconds = parse_duration(value, "--since", maximum=100 * 365 * 86400)
        except ConfigError:
            raise InputError(f"--since {value}: use a date (2026-11-01) or a duration back "
                             "from now (7d, 12h)") from None
        moment = now - timedelta(seconds=seconds)
    if moment > now:
        raise InputError(f"--since {value}: that is in the future; give a past date or a "
                         "duration back from now (7d)")
    return iso_time(moment.timestamp())
