"""Times as the monitor stores them: UTC, ISO 8601 to the millisecond, ``Z``-suffixed,
so that stored times sort as text."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_time(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now() -> str:
    return iso_time(datetime.now(UTC).timestamp())


def timestamp(value: str) -> float:
    """The POSIX time of a stored ISO time."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).timestamp()
