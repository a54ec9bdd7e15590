"""What every registry module provides, so that the core never names a registry.

A registry knows its IDs and URLs, its page layout and labels, how its raw fields map
onto the canonical record, its config section, and which of its raw fields matter most.
The core hands it a ``fetch`` callable when it must look something up (a UMIN ID → its
receipt number), so a registry module itself does no I/O.

Registry-specific IDs (UMIN's receipt number) are *keys*: named strings kept beside the
public trial ID, in :class:`TrialRef` and ``TrialRecord.registry_ids``, stored in a table
of their own. The core only ever matches them by name and value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol
from urllib.parse import urlsplit

from monitor.config.section import Section, format_duration, is_loopback_url, parse_duration
from monitor.diff.policy import DiffRules
from monitor.errors import ConfigError
from monitor.normalize.record import TrialRecord
from monitor.parse.html import ParsedPage

if TYPE_CHECKING:
    from monitor.registries.listing import ListingEntry

# fetch(url) -> decoded page text; raises FetchError / NotFoundError
FetchText = Callable[[str], str]

# No public registry is asked more often than this, whatever the config says.
POLITENESS_FLOOR = 1.0


@dataclass(frozen=True)
class TrialRef:
    """A trial as the user named it: whatever IDs are known so far.

    ``trial_id`` is the registry's public ID (UMIN000041461, jRCT2063200014); ``keys`` are
    the registry's other IDs by name (``receipt_number`` → R000047329 for UMIN-CTR).
    ``language`` is set when the user gave a page URL of one language.
    """

    registry: str
    trial_id: str | None = None
    keys: tuple[tuple[str, str], ...] = ()
    language: str | None = None

    def key(self, name: str) -> str | None:
        return dict(self.keys).get(name)

    @property
    def label(self) -> str:
        return self.trial_id or next((value for _, value in self.keys), "?")

    def with_ids(self, trial_id: str | None = None, keys: Mapping[str, str] | None = None
                 ) -> TrialRef:
        merged = {**dict(self.keys), **{k: v for k, v in (keys or {}).items() if v}}
        return replace(self, trial_id=trial_id or self.trial_id,
                       keys=tuple(sorted(merged.items())))


@dataclass(frozen=True)
class RegistrySettings:
    """What every registry's config section holds; a registry may extend it."""

    base_url: str
    languages: tuple[str, ...]
    min_interval: float  # seconds between two requests to this registry's hosts


def read_common_settings(section: Section, *, default_base_url: str,
                         languages: tuple[str, ...], default_languages: tuple[str, ...],
                         default_min_interval: str, http_min_interval: float | None,
                         never_faster_than_default: bool = False
                         ) -> tuple[str, tuple[str, ...], float]:
    """``base_url``, ``languages`` and ``min_interval`` of a registry's section.

    ``min_interval`` falls back to ``[http] min_interval`` when that is set, else to the
    registry's own default (with ``never_faster_than_default``, the fallback never goes
    below the default: for a registry whose firewall punishes bursts). Below one second
    is refused for a public host.
    """
    base_url = section.url("base_url", default_base_url)
    chosen = section.string_list("languages", default_languages, allowed=languages,
                                 what="languages")
    floor = 0.0 if is_loopback_url(base_url) else POLITENESS_FLOOR
    reason = "to be polite to a public registry"
    if section.has("min_interval") or http_min_interval is None:
        return base_url, chosen, section.duration("min_interval", default_min_interval,
                                                  minimum=floor, floor_reason=reason)
    interval = http_min_interval
    if never_faster_than_default and floor:  # a stand-in on this machine has no firewall
        interval = max(interval, parse_duration(default_min_interval, "default"))
    if interval < floor:
        raise ConfigError(f"[http] min_interval = {format_duration(interval)}: at least "
                          f"{format_duration(floor)} for {section.name} ({base_url}), {reason}")
    return base_url, chosen, interval


class BulkListing(Protocol):
    """A registry's whole-registry listing (UMIN-CTR's daily CSV): one download tells which
    trials changed and which are new, so that pages are fetched only when needed."""

    url: str
    max_page_age: float  # seconds: a page older than this is fetched whatever the listing says

    def read(self, path: Path) -> Iterator[ListingEntry]:
        """Every row of a downloaded listing file; raises BulkDataError (after the rows
        read so far) when the file is not whole."""
        ...


class Registry(Protocol):
    """The interface of a registry module (see ``monitor.registries.umin``)."""

    name: ClassVar[str]  # config section and stored registry name: "umin"
    title: ClassVar[str]  # as people know it: "UMIN-CTR"
    all_languages: ClassVar[tuple[str, ...]]  # the page languages it has
    parser_version: ClassVar[str]  # bumped when parsing reads any page differently
    id_example: ClassVar[str]  # shown in error messages: "UMIN000041461 or R000047329"

    settings: RegistrySettings
    rules: DiffRules
    bulk: BulkListing | None

    @property
    def hosts(self) -> frozenset[str]:
        """Every host its pages may be named by (old hosts included)."""
        ...

    @property
    def fetch_hosts(self) -> frozenset[str]:
        """The hosts this monitor actually sends requests to."""
        ...

    def parse_input(self, text: str) -> TrialRef | None:
        """The trial that ``text`` (an ID or a page URL) names, or None if not ours."""
        ...

    def resolve(self, ref: TrialRef, fetch: FetchText) -> TrialRef:
        """Fill in whatever IDs fetching a page needs, looking them up if necessary."""
        ...

    def page_url(self, ref: TrialRef, language: str) -> str:
        """The URL of the trial's page in ``language`` (``ref`` already resolved)."""
        ...

    def parse_page(self, text: str, language: str | None = None) -> ParsedPage:
        """Raw fields of a page; ParseError if it lacks what every such page has."""
        ...

    def normalize(self, page: ParsedPage, url: str) -> TrialRecord:
        """The canonical record of a parsed page."""
        ...


def page_host(registry: Registry) -> str:
    """The host a registry's trial pages are fetched from (its bulk listing may live on
    another): a pause of this host is what holds its trials' checks."""
    return urlsplit(registry.settings.base_url).netloc.lower()


class RegistryType(Protocol):
    """A registry class: reads its config section, then builds the registry."""

    name: ClassVar[str]

    @classmethod
    def read_settings(cls, section: Section, http_min_interval: float | None
                      ) -> RegistrySettings: ...

    def __call__(self, settings: RegistrySettings) -> Registry: ...
