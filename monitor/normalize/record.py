"""The canonical trial record: one shape for every registry.

Diffing, storage, alerts and reports only ever see this shape, so a new registry needs
nothing but a parser and a normalizer that fill it in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

STATUSES = (
    "not_yet_recruiting",
    "recruiting",
    "enrolling_by_invitation",
    "active_not_recruiting",
    "suspended",
    "terminated",
    "completed",
    "unknown",
)


@dataclass
class TrialRecord:
    """One registry page's content, normalized.

    Dates are ISO ``YYYY-MM-DD`` strings (or None); ``fields`` keeps every raw field as
    ``{section: {label: value}}`` so that what the canonical fields leave out still
    diffs. Titles and conditions are English where the page has English (they are
    compared across registries), Japanese only where it has none; the ``*_ja`` fields
    hold the Japanese side where the page has one, so neither language is lost.
    ``registry_ids`` holds the registry's own IDs beside the public one (UMIN-CTR's
    receipt number), by name.
    """

    registry: str
    trial_id: str
    language: str
    url: str
    registry_ids: dict[str, str] = field(default_factory=dict)
    title_public: str | None = None
    title_scientific: str | None = None
    title_public_ja: str | None = None
    title_scientific_ja: str | None = None
    status: str = "unknown"
    status_raw: str | None = None
    date_registered: str | None = None
    date_disclosed: str | None = None
    date_last_modified: str | None = None
    date_start: str | None = None
    date_completion: str | None = None
    target_sample_size: int | None = None
    secondary_ids: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    conditions_ja: list[str] = field(default_factory=list)
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialRecord:
        """A record from its stored JSON; keys this release does not know are dropped
        (a newer parser's), keys it lacks take their defaults (an older parser's)."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})

    def get(self, name: str) -> Any:
        return getattr(self, name, None)


CANONICAL_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(TrialRecord) if f.name != "fields"
)
