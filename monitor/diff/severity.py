"""How much a change matters: one type, one order, used everywhere.

A ``str`` enum, so a severity is stored, compared with config text and written to JSON as
its plain name (``"high"``), while code sorts and filters by :attr:`Severity.rank`.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for the most severe: sort keys put high first."""
        return _ORDER.index(self)

    def at_least(self, minimum: Severity) -> bool:
        return self.rank <= minimum.rank

    @classmethod
    def parse(cls, value: object) -> Severity | None:
        """The severity named by ``value`` (any case), or None."""
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            return None


_ORDER = (Severity.HIGH, Severity.MEDIUM, Severity.LOW)
SEVERITIES: tuple[str, ...] = tuple(s.value for s in _ORDER)
