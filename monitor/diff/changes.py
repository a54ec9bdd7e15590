"""``Change``: one field's change between two versions of a trial record, and the
field names a change can carry.

A change names a canonical field (``status``, ``target_sample_size``…), a raw field as
``fields.<section>.<label>``, or a consistency field as ``consistency.<field>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor.diff.severity import Severity

# What linked records are compared on (see monitor.diff.consistency).
CONSISTENCY_FIELDS = ("status", "target_sample_size", "date_last_modified",
                      "title_scientific", "title_public")


@dataclass(frozen=True)
class Change:
    """One field's change; ``old``/``new`` are None where the field was absent.
    ``languages`` are the page languages it was seen on, once changes of a trial's
    several language pages are merged."""

    field: str
    old: Any
    new: Any
    severity: Severity
    languages: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"field": self.field, "old": self.old, "new": self.new,
                                "severity": self.severity.value}
        if self.languages:
            data["languages"] = list(self.languages)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        return cls(data["field"], data.get("old"), data.get("new"),
                   Severity.parse(data.get("severity")) or Severity.LOW,
                   tuple(data.get("languages") or ()))


def flatten_fields(fields: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Any]:
    """``{section: {label: value}}`` → ``{"fields.<section>.<label>": value}``."""
    return {
        f"fields.{section}.{label}": value
        for section, labels in (fields or {}).items()
        for label, value in labels.items()
    }


def most_severe_first(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda change: change.severity.rank)
