"""Fetching named trials' pages from the live registries into a cassette, each page read
by the parser as it comes: ``record`` (fresh cassettes) and ``doctor --live`` (a
self-check whose pages can be attached to a bug report) share it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.check.derive import Derived, derive
from monitor.errors import HostUnavailableError, InputError, MonitorError

if TYPE_CHECKING:
    from monitor.core import Monitor


@dataclass
class RecordedPage:
    registry: str
    trial: str
    language: str
    url: str
    derived: Derived | None = None
    error: str | None = None
    fetched: bool = True  # False: the host could not be asked (no network, a block)


def recorded_pages(monitor: Monitor, texts: Sequence[str], out: Path,
                   languages: Sequence[str] = ()) -> Iterator[RecordedPage]:
    """Every page of each trial in ``languages`` (default: every language its registry
    has), fetched at each registry's own pace and written to the cassette ``out``."""
    from monitor.fetch import Fetcher
    from monitor.fetch.cassette import RecordingTransport

    refs = [monitor.ref(text) for text in texts]
    try:
        transport = RecordingTransport(out, max_bytes=monitor.config.http.max_page_bytes)
    except OSError as error:
        raise InputError(f"cannot write cassettes to {out}: {error.strerror or error}") \
            from None
    with Fetcher(monitor.config.http, transport=transport,
                 host_intervals=monitor.host_intervals()) as fetcher:
        for ref in refs:
            registry = monitor.registries[ref.registry]
            try:
                resolved = registry.resolve(ref, lambda url: fetcher.get_html(url).text)
            except MonitorError as error:
                yield RecordedPage(ref.registry, ref.label, "-", "", error=str(error),
                                   fetched=_answered(error))
                continue
            for language in languages or registry.all_languages:
                url = registry.page_url(resolved, language)
                page = RecordedPage(ref.registry, resolved.label, language, url)
                try:
                    fetched = fetcher.get_html(url)
                    page.derived = derive(registry, fetched.text, language, url, resolved)
                except MonitorError as error:
                    page.error = str(error)
                    page.fetched = _answered(error)
                yield page


def _answered(error: MonitorError) -> bool:
    """Whether the registry gave an answer to judge its parser by (a page, a 404, an
    error page) rather than none at all (no network, a block, an outage, a timeout)."""
    if isinstance(error, HostUnavailableError):
        return False
    return getattr(error, "reason", None) not in ("network", "timeout", "server_error",
                                                  "rate_limited")


def record_cassette(monitor: Monitor, texts: Sequence[str], out: Path,
                    languages: Sequence[str] = ()) -> list[tuple[str, bool]]:
    """One line per page recorded, and whether the parser read it."""
    lines = []
    for page in recorded_pages(monitor, texts, out, languages):
        where = f"recorded {page.trial} [{page.language}] {page.url}"
        lines.append((f"{where}, but: {page.error}" if page.error else where,
                      page.error is None))
    return lines
