"""What every registry module provides, so the pipeline never names a registry.

A registry knows its IDs and URLs, its page layout and labels, and how its raw fields
map onto the canonical record. The pipeline hands it a ``fetch`` callable when it must
look something up (a UMIN ID → receipt number), so the module itself does no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from monitor.normalize.record import TrialRecord
from monitor.parse.html import ParsedPage

# fetch(url) -> decoded page text; raises FetchError / NotFoundError
FetchText = Callable[[str], str]


@dataclass(frozen=True)
class TrialRef:
    """A trial as the user named it: whatever IDs are known so far.

    ``trial_id`` is the registry's public ID (UMIN000041461); ``receipt_number`` is
    UMIN's page key (R000047329), None for registries without one. ``language`` is set
    when the user gave a page URL of one language.
    """

    registry: str
    trial_id: str | None = None
    receipt_number: str | None = None
    language: str | None = None

    @property
    def label(self) -> str:
        return self.trial_id or self.receipt_number or "?"

    def with_ids(self, trial_id: str | None, receipt_number: str | None) -> TrialRef:
        return replace(
            self,
            trial_id=trial_id or self.trial_id,
            receipt_number=receipt_number or self.receipt_number,
        )


class Registry(Protocol):
    """The interface of a registry module (see ``monitor.registries.umin``)."""

    name: str
    title: str
    languages: tuple[str, ...]

    def parse_input(self, text: str) -> TrialRef | None:
        """The trial that ``text`` (an ID or a page URL) names, or None if not ours."""

    def resolve(self, ref: TrialRef, fetch: FetchText) -> TrialRef:
        """Fill in whatever IDs fetching a page needs, looking them up if necessary."""

    def page_url(self, ref: TrialRef, language: str) -> str:
        """The URL of the trial's page in ``language`` (``ref`` already resolved)."""

    def parse_page(self, text: str, language: str | None = None) -> ParsedPage:
        """Raw fields of a page; ParseError if it lacks what every such page has."""

    def normalize(self, page: ParsedPage, url: str) -> TrialRecord:
        """The canonical record of a parsed page."""

    def canonical_sources(self) -> dict[str, str]:
        """``{raw field path: canonical field}`` for raw fields a canonical one covers,
        so that a diff reports a change once, under its canonical name."""

    def severity_rules(self) -> list[tuple[str, str]]:
        """``(field path glob, severity)`` rules for this registry's raw fields."""
