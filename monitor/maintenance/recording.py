"""``record``: fresh cassettes from the live registries, each page parsed as it comes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.check.derive import derive
from monitor.errors import InputError, MonitorError

if TYPE_CHECKING:
    from monitor.core import Monitor


def record_cassette(monitor: Monitor, texts: Sequence[str], out: Path,
                    languages: Sequence[str] = ()) -> list[tuple[str, bool]]:
    from monitor.fetch import Fetcher
    from monitor.fetch.cassette import RecordingTransport

    refs = [monitor.ref(text) for text in texts]
    try:
        transport = RecordingTransport(out, max_bytes=monitor.config.http.max_page_bytes)
    except OSError as error:
        raise InputError(f"cannot write cassettes to {out}: {error.strerror or error}") \
            from None
    intervals = {host: registry.settings.min_interval
                 for registry in monitor.registries.values() for host in registry.fetch_hosts}
    lines = []
    with Fetcher(monitor.config.http, transport=transport, host_intervals=intervals) as fetcher:
        for ref in refs:
            registry = monitor.registries[ref.registry]
            resolved = registry.resolve(ref, lambda url: fetcher.get_html(url).text)
            for language in languages or registry.all_languages:
                url = registry.page_url(resolved, language)
                try:
                    page = fetcher.get_html(url)
                    derive(registry, page.text, language, url, resolved)
                except MonitorError as error:
                    lines.append((f"recorded {resolved.label} [{language}] {url}, but: {error}",
                                  False))
                    continue
                lines.append((f"recorded {resolved.label} [{language}] {url}", True))
    return lines
