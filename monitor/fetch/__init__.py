"""Fetching: the only layer that imports httpx (the transport is the test seam).

Names load when first used, so a command that only reads the database, or only the
config, never loads the HTTP client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.lazy import lazy_exports

if TYPE_CHECKING:
    from monitor.fetch.cassette import (
        CassetteError,
        Interaction,
        RecordingTransport,
        ReplayTransport,
        load_cassette,
    )
    from monitor.fetch.client import Download, Fetcher, Page
    from monitor.fetch.decode import decode_html
    from monitor.fetch.hosts import HostEvent, HostState, host_key
    from monitor.fetch.settings import DEFAULT_USER_AGENT, HttpSettings

_MODULES = {
    "CassetteError": "cassette", "Interaction": "cassette", "RecordingTransport": "cassette",
    "ReplayTransport": "cassette", "load_cassette": "cassette", "Download": "client",
    "Fetcher": "client", "Page": "client", "decode_html": "decode", "HostEvent": "hosts",
    "HostState": "hosts", "host_key": "hosts", "DEFAULT_USER_AGENT": "settings",
    "HttpSettings": "settings",
}


__getattr__ = lazy_exports(globals(), {name: f".{module}" for name, module in _MODULES.items()})


__all__ = [
    "DEFAULT_USER_AGENT",
    "CassetteError",
    "Download",
    "Fetcher",
    "HostEvent",
    "HostState",
    "HttpSettings",
    "Interaction",
    "Page",
    "RecordingTransport",
    "ReplayTransport",
    "decode_html",
    "host_key",
    "load_cassette",
]
