"""A registry's whole-registry listing (UMIN-CTR's daily CSV), row by row: enough of
each trial to tell whether its page changed, and whether it is new and matches a query."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ListingEntry:
    """One trial as the registry's listing last showed it."""

    registry: str
    trial_id: str
    keys: dict[str, str] = field(default_factory=dict)
    status: str | None = None
    status_raw: str | None = None
    date_last_modified: str | None = None
    date_registered: str | None = None
    target_sample_size: int | None = None
    title_ja: str | None = None
    title_en: str | None = None
    title_public_ja: str | None = None
    title_public_en: str | None = None
    conditions_ja: tuple[str, ...] = ()
    conditions_en: tuple[str, ...] = ()
    first_seen_at: str = ""  # set by the store
    last_seen_at: str = ""

    @property
    def title(self) -> str | None:
        """The English title where there is one (scientific, then public)."""
        return self.title_en or self.title_public_en or self.title_ja or self.title_public_ja
