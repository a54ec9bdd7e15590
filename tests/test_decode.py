"""Decoding bytes deliberately: declared charsets, UMIN's bogus meta, fallbacks, refusals."""

from __future__ import annotations

import pytest
from conftest import VIEW_JA, cassette_body

from monitor.errors import FetchError
from monitor.fetch import decode_html

JA_PAGE = cassette_body("umin-R000047329-v1", VIEW_JA)


def test_umin_bogus_meta_charset_still_decodes_utf8():
    assert b'charset="ja"' in JA_PAGE
    text = decode_html(JA_PAGE, None, "u")
    assert "非代償性肝硬変" in text


def test_header_charset_wins():
    body = "<html><body>非代償性肝硬変</body></html>".encode("cp932")
    assert "非代償性肝硬変" in decode_html(body, "text/html; charset=Shift_JIS", "u")


def test_japanese_legacy_encodings_fall_back():
    body = '<html><meta charset="ja"><body>限定募集中</body></html>'.encode("euc_jp")
    assert "限定募集中" in decode_html(body, "text/html", "u")


def test_undecodable_body_is_an_error():
    body = b"<html>" + bytes(range(0x80, 0x100)) * 4 + b"</html>"
    with pytest.raises(FetchError, match="not valid in any of"):
        decode_html(body, "text/html; charset=utf-8", "https://x/page")


@pytest.mark.parametrize("body, content_type", [
    (b'{"error": "unexpected"}', "application/json"),
    (b"%PDF-1.7 binary", "application/octet-stream"),
    (b"%PDF-1.7 binary", "text/html"),
    (b"\x89PNG\r\n\x1a\n....", ""),
])
def test_non_html_bodies_are_refused(body, content_type):
    with pytest.raises(FetchError, match="not an HTML page") as caught:
        decode_html(body, content_type, "https://x/page")
    assert caught.value.reason == "not_html"


def test_plain_text_without_markup_is_refused():
    with pytest.raises(FetchError, match="not HTML"):
        decode_html(b"Service temporarily unavailable", "text/plain", "https://x/page")


@pytest.mark.parametrize("body", [b"", b"  \n\t "])
def test_empty_body_is_an_error(body):
    with pytest.raises(FetchError, match="empty body") as caught:
        decode_html(body, "text/html", "https://x/page")
    assert caught.value.reason == "empty"
