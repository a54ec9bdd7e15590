"""Fetching: the only layer that imports httpx (the transport is the test seam)."""

from monitor.fetch.cassette import (
    CassetteError,
    Interaction,
    RecordingTransport,
    ReplayTransport,
    load_cassette,
)
from monitor.fetch.client import DEFAULT_USER_AGENT, Fetcher, HttpSettings, Page
from monitor.fetch.decode import decode_html

__all__ = [
    "DEFAULT_USER_AGENT",
    "CassetteError",
    "Fetcher",
    "HttpSettings",
    "Interaction",
    "Page",
    "RecordingTransport",
    "ReplayTransport",
    "decode_html",
    "load_cassette",
]
