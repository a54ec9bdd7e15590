"""Bytes → text, deliberately: a mislabelled page is decoded right or refused.

httpx never reads ``<meta charset>`` and silently replaces undecodable bytes; UMIN's
first meta tag says ``charset="ja"``, and a UMIN server has been seen labelling its
UTF-8 pages ISO-8859-1. Decoding by the label would garble every Japanese field into a
false change, so labels are only hints:

1. Bytes that are valid UTF-8 and contain multi-byte sequences are UTF-8, whatever the
   labels say. Real Shift_JIS or EUC-JP Japanese text is essentially never valid
   UTF-8 (their lead bytes are UTF-8 continuation bytes), so this never misreads one.
2. Otherwise the declared charsets (header, then ``<meta>``), then Shift_JIS (cp932)
   and EUC-JP (euc_jis_2004) are tried strictly, in that order.
3. Every candidate text is checked for mojibake (UTF-8 read as Latin-1/cp1252, EUC-JP
   read as Shift_JIS, C1 control characters); a garbled reading is refused and the
   next candidate tried. If none is clean: FetchError ``garbled`` or ``undecodable``,
   never a garbled text.
"""

from __future__ import annotations

import codecs
import re

from monitor.errors import FetchError
from monitor.normalize.japanese import japanese_count

_META_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")
_FALLBACKS = ("cp932", "euc_jis_2004")
# What these labels mean in practice (as in browsers): Shift_JIS is Windows-31J, EUC-JP
# includes the NEC special characters (Ⅰ, ①…; euc_jis_2004 has them at the same codes),
# ISO-8859-1 and ASCII are windows-1252.
_ALIASES = {"shift_jis": "cp932", "euc_jp": "euc_jis_2004", "iso8859-1": "cp1252",
            "ascii": "cp1252"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))

# UTF-8 read as Latin-1 or cp1252: a lead byte's character followed by characters whose
# byte is a continuation byte (0x80-0xBF in either table), e.g. "Ã©", "ã\x81\x82", "æ\x97¥".
_CP1252_HIGH = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_CONT = f"[\u0080-\u00bf{_CP1252_HIGH}]"
_UTF8_AS_LATIN = re.compile(f"[\u00c2-\u00df]{_CONT}|[\u00e0-\u00ef]{_CONT}{{2}}|"
                            f"[\u00f0-\u00f4]{_CONT}{{3}}")
_C1 = re.compile("[\u0080-\u009f]")
_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def declared_charset(content_type: str | None) -> str | None:
    match = re.search(r"charset\s*=\s*\"?([^\s;\"]+)", content_type or "", re.IGNORECASE)
    return match.group(1) if match else None


def _known_codec(name: str) -> str | None:
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None  # e.g. UMIN's bogus charset="ja"
    return _ALIASES.get(codec, codec)


def garbled(text: str, *, utf8: bool = False) -> str | None:
    """Why ``text`` looks like a wrong decoding, or None if it looks clean. ``utf8``:
    the text is a valid UTF-8 reading, where a stray C1 character is the page's own."""
    utf8_as_latin = sum(1 for m in _UTF8_AS_LATIN.finditer(text) if _is_utf8_run(m.group()))
    if utf8_as_latin >= 2:
        return f"UTF-8 read as a Western encoding ({utf8_as_latin} sequences like 'Ã©')"
    if not utf8 and len(_C1.findall(text)) >= 2:
        return "control characters (0x80-0x9F) in the text"
    japanese = japanese_count(text)
    halfwidth = len(_HALFWIDTH_KANA.findall(text))
    if halfwidth >= 8 and halfwidth * 3 > japanese:
        return f"mostly half-width katakana ({halfwidth} of {japanese}): EUC-JP read as Shift_JIS?"
    private = len(_PRIVATE_USE.findall(text))
    if private >= 8:
        return f"{private} private-use characters: a legacy Japanese encoding misread?"
    return None


def _is_utf8_run(run: str) -> bool:
    for table in ("latin-1", "cp1252"):
        try:
            run.encode(table).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        return True
    return False


def _candidates(content: bytes, content_type: str | None) -> list[str]:
    names = [declared_charset(content_type),
             *(m.decode("ascii", "ignore") for m in _META_CHARSET.findall(content[:4096])),
             *_FALLBACKS]
    found: list[str] = []
    for name in names:
        codec = _known_codec(name) if name else None
        if codec and codec not in found and not codec.startswith("utf"):
            found.append(codec)
    return found


def decode_html(content: bytes, content_type: str | None, url: str) -> str:
    """The page's text; FetchError for an empty, non-HTML, undecodable or garbled body."""
    answered = "returned" if "://" in url else "holds"  # a server's answer, or a file
    if not content.strip():
        raise FetchError(f"{url} {answered} an empty body" if "://" in url
                         else f"{url} is empty", reason="empty")
    kind = media_type(content_type)
    if kind not in _HTML_TYPES or content.startswith(_BINARY_MAGIC) or b"\x00" in content[:2048]:
        shown = kind or "binary data"
        raise FetchError(f"{url} {answered} {shown}, not an HTML page", reason="not_html")
    text = _decode(content, content_type, url)
    if "<" not in text[:4096]:
        raise FetchError(f"{url} {answered} text that is not HTML", reason="not_html")
    return text


def _decode(content: bytes, content_type: str | None, url: str) -> str:
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return _clean(content.decode(codec, "strict"), codec, url)
    if content.isascii():
        return content.decode("ascii")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return _clean(text, "utf-8", url)
    tried: list[str] = ["utf-8"]
    refusals: list[str] = []
    for codec in _candidates(content, content_type):
        tried.append(codec)
        try:
            text = content.decode(codec)
        except UnicodeDecodeError:
            continue
        why = garbled(text)
        if why is None:
            return text
        refusals.append(f"{codec}: {why}")
    if refusals:
        raise FetchError(f"{url}: every reading of the body is garbled ({'; '.join(refusals)})",
                         reason="garbled")
    raise FetchError(f"{url}: the body is not valid in any of {', '.join(tried)}",
                     reason="undecodable")


def _clean(text: str, codec: str, url: str) -> str:
    why = garbled(text, utf8=True)
    if why is not None:
        raise FetchError(f"{url}: the page reads as {codec} but is garbled ({why})",
                         reason="garbled")
    return text
