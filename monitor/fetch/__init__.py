"""Fetching: the only layer that imports httpx (the transport is the test seam)."""

from monitor.fetch.cassette import (
    CassetteError,
    Interaction,
    RecordingTransport,
    ReplayTransport,
    load_cassette,
)
from monitor.fetch.client import DEFAULT_USER_AGENT, Download, Fetcher, HttpSettings, Page
from monitor.fetch.decode import decode_html
from monitor.fetch.hosts import HostEvent, HostState, host_key

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
