"""Bytes → text, deliberately.

httpx never reads ``<meta charset>`` and silently replaces undecodable bytes; UMIN's
first meta tag says ``charset="ja"``. Guessing wrong garbles every Japanese field into
a false change, so decoding is strict: the declared charsets first, then UTF-8 and the
usual Japanese encodings, and a clear error when nothing fits.
"""

from __future__ import annotations

import codecs
import re

from monitor.errors import FetchError

_META_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")
_FALLBACKS = ("utf-8", "cp932", "euc_jp")


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def declared_charset(content_type: str | None) -> str | None:
    match = re.search(r"charset\s*=\s*\"?([^\s;\"]+)", content_type or "", re.IGNORECASE)
    return match.group(1) if match else None


def _known_codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None  # e.g. UMIN's bogus charset="ja"


def decode_html(content: bytes, content_type: str | None, url: str) -> str:
    """The page's text; FetchError for an empty, non-HTML or undecodable body."""
    if not content.strip():
        raise FetchError(f"{url} returned an empty body", reason="empty")
    kind = media_type(content_type)
    if kind not in _HTML_TYPES or content.startswith(_BINARY_MAGIC) or b"\x00" in content[:2048]:
        shown = kind or "binary data"
        raise FetchError(f"{url} returned {shown}, not an HTML page", reason="not_html")
    candidates: list[str] = []
    for name in (declared_charset(content_type),
                 *(m.decode("ascii", "ignore") for m in _META_CHARSET.findall(content[:4096])),
                 *_FALLBACKS):
        codec = _known_codec(name) if name else None
        if codec and codec not in candidates:
            candidates.append(codec)
    for codec in candidates:
        try:
            text = content.decode(codec)
        except UnicodeDecodeError:
            continue
        if "<" not in text[:4096]:
            raise FetchError(f"{url} returned text that is not HTML", reason="not_html")
        return text
    raise FetchError(
        f"{url}: the body is not valid in any of {', '.join(candidates)}", reason="undecodable"
    )
