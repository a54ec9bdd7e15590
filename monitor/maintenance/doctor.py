"""``doctor``: does the parser still read the registries right?

Offline, it re-parses each trial's latest stored raw page with the current parser and
tells, per registry and language, which canonical fields were found, which labels the
parser did not know, and which pages no longer parse; with the registry listings it also
shows where freshly parsed pages disagreed with the registry's own CSV. ``--live``
fetches one known trial per registry and language, politely, says the same, and saves
the pages as a cassette to attach to a bug report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.check.derive import derive
from monitor.errors import MonitorError
from monitor.fetch import decode_html
from monitor.normalize.record import TrialRecord

if TYPE_CHECKING:
    from monitor.core import Monitor

# What a page should give, in the order shown; the first ones every page has.
REQUIRED = ("trial_id", "status", "title_scientific", "date_last_modified")
SHOWN = (*REQUIRED, "title_public", "date_registered", "date_start", "date_completion",
         "target_sample_size", "conditions", "secondary_ids", "title_public_ja",
         "title_scientific_ja")
# The seed trial and its jRCT twin: known to exist in both languages of both registries.
LIVE_DEFAULTS = ("R000047329", "jRCT2063200014")


@dataclass
class PageHealth:
    registry: str
    language: str
    trial: str
    url: str
    error: str | None = None
    found: dict[str, bool] = field(default_factory=dict)
    unknown_labels: list[str] = field(default_factory=list)
    fetched: bool = True  # False: the registry could not be asked; the parser untested

    @property
    def missing_required(self) -> list[str]:
        return [name for name in REQUIRED if not self.found.get(name)]

    @property
    def ok(self) -> bool:
        return self.error is None and not self.missing_required

    def to_dict(self) -> dict[str, Any]:
        return {"registry": self.registry, "language": self.language, "trial": self.trial,
                "url": self.url, "ok": self.ok, "fetched": self.fetched, "error": self.error,
                "found": self.found,
                "missing_required": self.missing_required,
                "unknown_labels": self.unknown_labels}


@dataclass
class DoctorReport:
    pages: list[PageHealth]
    live: bool
    cassette: str | None = None
    unknown_labels: list[dict[str, Any]] = field(default_factory=list)  # seen by checks
    listing_disagreements: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(page.ok for page in self.pages)

    @property
    def unfetched(self) -> list[PageHealth]:
        """Pages the registry never gave (no network, a block, an outage): they say
        nothing of the parsers."""
        return [page for page in self.pages if not page.fetched]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "live": self.live, "cassette": self.cassette,
                "unfetched": len(self.unfetched),
                "pages": [page.to_dict() for page in self.pages],
                "unknown_labels_seen": self.unknown_labels,
                "listing_disagreements": self.listing_disagreements}


def found_fields(record: TrialRecord) -> dict[str, bool]:
    values = {name: record.get(name) for name in SHOWN}
    return {name: value not in (None, "", [], "unknown") for name, value in values.items()}


def offline(monitor: Monitor, texts: Sequence[str] = ()) -> DoctorReport:
    store = monitor.store
    rows = [monitor.find(text) for text in texts] if texts else store.trials.all()
    pages = []
    for row in rows:
        registry = monitor.registries[row.registry]
        for language in store.versions.languages(row.id):
            latest = store.versions.latest(row.id, language)
            if latest is None or not latest.page:
                continue
            url = latest.record.url
            health = PageHealth(row.registry, language, row.label, url)
            try:
                raw = store.versions.raw_page(latest.page)
                if raw is None:
                    raise MonitorError("its stored page is missing")
                text = decode_html(raw, store.versions.page_content_type(latest.page), url)
                derived = derive(registry, text, language, url)
                health.found = found_fields(derived.record)
                health.unknown_labels = list(derived.unknown_labels)
            except MonitorError as error:
                health.error = str(error)
            pages.append(health)
    return DoctorReport(pages, live=False, unknown_labels=store.health.unknown_labels(),
                        listing_disagreements=store.health.listing_disagreements())


def live(monitor: Monitor, texts: Sequence[str], out: Path) -> DoctorReport:
    """Fetch each trial's pages in every language its registry has, politely (each
    registry's own pace), into a cassette at ``out``."""
    from monitor.maintenance.recording import recorded_pages

    pages = []
    for page in recorded_pages(monitor, texts or LIVE_DEFAULTS, out):
        health = PageHealth(page.registry, page.language, page.trial, page.url,
                            error=page.error, fetched=page.fetched)
        if page.derived is not None:
            health.found = found_fields(page.derived.record)
            health.unknown_labels = list(page.derived.unknown_labels)
        pages.append(health)
    saved = any(page.fetched for page in pages)  # a cassette of nothing helps nobody
    return DoctorReport(pages, live=True, cassette=str(out) if saved else None)
