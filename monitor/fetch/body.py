"""Reading a response body with a cap on what it may cost.

httpx decodes ``Content-Encoding`` a whole network chunk at a time: one 64 KB gzip
chunk can inflate to 64 MB, and zstd or brotli far more, before any size check sees
it. So the fetcher asks only for the codings it can bound (gzip, deflate), reads the
raw bytes, and inflates them here with zlib's ``max_length``, so that the cap counts
decoded bytes and nothing beyond it is ever produced.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator

import httpx

from monitor.errors import FetchError

ACCEPT_ENCODING = "gzip, deflate"
_IDENTITY = {"", "identity"}
_GZIP = {"gzip", "x-gzip"}


def too_large(url: str, limit: int) -> FetchError:
    return FetchError(f"{url} sent more than {limit:,} bytes: not a registry page "
                      "(raise [http] max_page_bytes if it really is one)", reason="too_large")


class _Inflater:
    """One gzip or deflate layer, inflated at most ``room`` bytes at a time."""

    def __init__(self, coding: str, url: str) -> None:
        self.coding, self.url = coding, url
        self._wbits = zlib.MAX_WBITS | 32 if coding in _GZIP else 0  # 0: decided on first bytes
        self._inflate: zlib._Decompress | None = None

    def _start(self, data: bytes) -> None:
        if self._wbits == 0:  # deflate: zlib-wrapped as the RFC says, or raw as IIS sends
            wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._wbits = zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS
        self._inflate = zlib.decompressobj(self._wbits)

    def feed(self, data: bytes, room: int) -> bytes:
        """Inflate ``data``; raises OverflowError past ``room`` decoded bytes."""
        out: list[bytes] = []
        produced = 0
        while data:
            if self._inflate is None:
                self._start(data)
            assert self._inflate is not None
            piece = self._inflate.decompress(data, room - produced + 1)
            out.append(piece)
            produced += len(piece)
            if produced > room:
                raise OverflowError
            if self._inflate.eof:
                rest = self._inflate.unused_data
                # Concatenated gzip members are one body; anything else after the end is
                # padding some servers add, and browsers ignore it too.
                data = rest if self.coding in _GZIP and rest.startswith(b"\x1f\x8b") else b""
                self._inflate = None if data else self._inflate
            else:
                data = self._inflate.unconsumed_tail
        return b"".join(out)

    def finish(self) -> None:
        """A compressed body that stops before its end is a truncated page."""
        if self._inflate is not None and not self._inflate.eof:
            raise FetchError(f"{self.url}: the {self.coding} body stops short (truncated)",
                             reason="network")


class _Identity:
    def feed(self, data: bytes, room: int) -> bytes:
        if len(data) > room:
            raise OverflowError
        return data

    def finish(self) -> None:
        pass


def body_decoder(content_encoding: str | None, url: str) -> _Identity | _Inflater:
    """A decoder (``feed(raw, room) -> decoded``, ``finish()``) for the response's
    content coding; FetchError for a coding we did not ask for, or a stack of them."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    codings = [c for c in codings if c not in _IDENTITY]
    if not codings:
        return _Identity()
    if len(codings) > 1 or codings[0] not in _GZIP | {"deflate"}:
        raise FetchError(f"{url} sent Content-Encoding {content_encoding!r}, which we did not "
                         f"ask for (we accept {ACCEPT_ENCODING})", reason="undecodable")
    return _Inflater(codings[0], url)


def read_decoded(response: httpx.Response, limit: int, url: str, *,
                 check: Callable[[], None] | None = None) -> bytes:
    """The decoded body, at most ``limit`` bytes (FetchError ``too_large`` beyond it, with
    nothing more read); ``check`` runs between chunks (deadline, cancel)."""
    if response.is_stream_consumed:  # built in memory (a mock, a cassette): decoded already
        if check is not None:
            check()
        if len(response.content) > limit:
            raise too_large(url, limit)
        return response.content
    length = response.headers.get("content-length", "")
    if not response.headers.get("content-encoding") and length.isdigit() and int(length) > limit:
        raise too_large(url, limit)
    decoder = body_decoder(response.headers.get("content-encoding"), url)
    parts: list[bytes] = []
    size = 0
    for chunk in response.iter_raw():
        if check is not None:
            check()
        try:
            piece = decoder.feed(chunk, limit - size)
        except OverflowError:
            raise too_large(url, limit) from None
        except zlib.error as error:
            raise FetchError(f"{url}: the compressed body is corrupt ({error})",
                             reason="undecodable") from None
        size += len(piece)
        parts.append(piece)
    decoder.finish()
    return b"".join(parts)


def raw_chunks(response: httpx.Response) -> Iterator[bytes]:
    """The body as sent (no content decoding); a response built in memory (a mock, a
    cassette) only has its content."""
    if response.is_stream_consumed:
        yield response.content
    else:
        yield from response.iter_raw()
