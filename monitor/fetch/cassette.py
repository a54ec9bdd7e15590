"""Recorded registry responses ("cassettes"), written and replayed at the transport.

A cassette is a directory: ``cassette.json`` lists the interactions in the order they
happened, and each response body sits beside it as its own file, so a page can be
read and diffed like any other file. The same directory serves three uses: tests
replay it through pytest-httpx, ``--replay DIR`` replays it through the product's own
transport, and ``--record DIR`` writes it from the live registries.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from monitor.errors import MonitorError
from monitor.fetch.body import read_decoded
from monitor.fetch.deadline import deadline_transport

FORMAT = "ctr-monitor-cassette/1"
INDEX = "cassette.json"
# Response headers worth keeping: what the product reads, nothing session-specific.
KEPT_HEADERS = ("content-type", "retry-after", "last-modified", "etag", "location")


class CassetteError(MonitorError):
    exit_code = 2  # a cassette directory the user named that cannot serve

    """A cassette that is missing, malformed, or lacks the response asked for."""


@dataclass
class Interaction:
    method: str
    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    body_file: str = ""

    def to_response(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(self.status, headers=self.headers, content=self.body,
                              request=request)


def load_cassette(directory: str | Path) -> list[Interaction]:
    """The interactions of a cassette directory, bodies loaded."""
    directory = Path(directory)
    index = directory / INDEX
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CassetteError(f"no cassette at {directory} ({INDEX} missing): "
                            "record one with --record DIR") from None
    except json.JSONDecodeError as error:
        raise CassetteError(f"{index} is not valid JSON ({error})") from None
    if data.get("format") != FORMAT:
        raise CassetteError(f"{index}: unknown format {data.get('format')!r}, expected {FORMAT}")
    interactions = []
    for item in data.get("interactions", []):
        request, response = item["request"], item["response"]
        body_file = response.get("body_file", "")
        body = (directory / body_file).read_bytes() if body_file else b""
        interactions.append(Interaction(request.get("method", "GET"), request["url"],
                                        int(response["status"]), dict(response.get("headers", {})),
                                        body, body_file))
    return interactions


class ReplayTransport(httpx.BaseTransport):
    """Serves a cassette's responses: for each URL, its recordings in order, the last
    one again once they run out. A URL the cassette lacks is an error, never a guess."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._queues: dict[tuple[str, str], list[Interaction]] = {}
        for interaction in load_cassette(directory):
            key = (interaction.method.upper(), str(httpx.URL(interaction.url)))
            self._queues.setdefault(key, []).append(interaction)
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        key = (request.method.upper(), str(request.url))
        with self._lock:
            queue = self._queues.get(key)
            if not queue:
                raise CassetteError(f"cassette {self.directory} has no response for "
                                    f"{request.method} {request.url}: record it with --record")
            interaction = queue.pop(0) if len(queue) > 1 else queue[0]
        return interaction.to_response(request)


class RecordingTransport(httpx.BaseTransport):
    """Passes requests to a real transport and writes every response to a cassette."""

    def __init__(self, directory: str | Path, inner: httpx.BaseTransport | None = None, *,
                 max_bytes: int = 1024 * 1024) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        # The live transport obeys the calling Fetcher's deadline like its own would.
        self.inner = inner or deadline_transport()
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        index = self.directory / INDEX
        self._data: dict[str, Any] = (
            json.loads(index.read_text(encoding="utf-8")) if index.exists()
            else {"format": FORMAT, "interactions": []})

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """The response with its body read (capped, decoded: the cassette keeps the page
        as a readable file) and its transfer headers dropped to match."""
        response = self.inner.handle_request(request)
        try:
            body = read_decoded(response, self.max_bytes, str(request.url))
        finally:
            response.close()
        with self._lock:
            self._write(request, response, body)
        headers = [(k, v) for k, v in response.headers.multi_items()
                   if k.lower() not in ("content-encoding", "content-length",
                                        "transfer-encoding")]
        return httpx.Response(response.status_code, headers=headers, content=body,
                              request=request, extensions=response.extensions)

    def _write(self, request: httpx.Request, response: httpx.Response, body: bytes) -> None:
        interactions = self._data["interactions"]
        number = len(interactions) + 1
        body_file = f"{number:03d}-{_slug(str(request.url))}{_extension(response)}" if body else ""
        if body_file:
            (self.directory / body_file).write_bytes(body)
        headers = {k: v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}
        interactions.append({
            "request": {"method": request.method, "url": str(request.url)},
            "response": {"status": response.status_code, "headers": headers,
                         "body_file": body_file},
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        })
        index = self.directory / INDEX
        tmp = index.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._data, indent=2, ensure_ascii=False) + "\n",
                       encoding="utf-8")
        tmp.replace(index)

    def close(self) -> None:
        self.inner.close()


def _slug(url: str) -> str:
    parts = urlsplit(url)
    text = f"{parts.path.strip('/').replace('/', '-')}-{parts.query}"
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:80]


def _extension(response: httpx.Response) -> str:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return {"text/html": ".html", "application/json": ".json", "text/plain": ".txt",
            "application/xhtml+xml": ".html"}.get(kind, ".bin")
