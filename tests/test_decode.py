"""Decoding bytes deliberately: declared charsets, UMIN's bogus meta, fallbacks, refusals."""

from __future__ import annotations

import pytest
from conftest import VIEW_EN, VIEW_JA, cassette_body

from monitor.errors import FetchError
from monitor.fetch import decode_html
from monitor.fetch.decode import garbled

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


# --- mislabelled charsets: decoded right or refused, never garbled ---------------------------

REAL_PAGES = {
    "umin-ja": JA_PAGE,
    "umin-en": cassette_body("umin-R000047329-v1", VIEW_EN),
    "jrct-ja": cassette_body("jrct-jRCTs051180190",
                             "https://jrct.mhlw.go.jp/latest-detail/jRCTs051180190"),
}
WRONG_LABELS = ["text/html; charset=ISO-8859-1", "text/html; charset=windows-1252",
                "text/html; charset=shift_jis", "text/html; charset=euc-jp", "text/html",
                "text/html; charset=ja"]


@pytest.mark.parametrize("label", WRONG_LABELS)
@pytest.mark.parametrize("name", sorted(REAL_PAGES))
def test_utf8_pages_under_any_label_decode_as_utf8(name, label):
    body = REAL_PAGES[name]
    assert decode_html(body, label, "u") == body.decode("utf-8")


def test_the_umin_mislabel_through_the_fetcher(httpx_mock, fetcher):
    httpx_mock.add_response(url=VIEW_JA, content=JA_PAGE,
                            headers={"content-type": "text/html; charset=ISO-8859-1"})
    page = fetcher.get_html(VIEW_JA)
    assert "非代償性肝硬変" in page.text and "ã" not in page.text


def _legacy_copy(codec: str) -> tuple[str, bytes]:
    label = {"cp932": "Shift_JIS", "euc_jis_2004": "EUC-JP"}[codec]
    text = JA_PAGE.decode("utf-8").replace("charset=UTF-8", f"charset={label}")
    return text, text.encode(codec)


@pytest.mark.parametrize("label", [*WRONG_LABELS, "text/html; charset=utf-8"])
@pytest.mark.parametrize("codec", ["cp932", "euc_jis_2004"])  # EUC-JP with NEC characters
def test_real_legacy_encoded_copies_decode_under_any_label(codec, label):
    text, body = _legacy_copy(codec)
    assert decode_html(body, label, "u") == text


@pytest.mark.parametrize("name", sorted(REAL_PAGES))
def test_mojibake_is_recognised_and_real_pages_are_clean(name):
    text = REAL_PAGES[name].decode("utf-8")
    assert garbled(text, utf8=True) is None
    if name.endswith("ja"):
        assert garbled(REAL_PAGES[name].decode("latin-1")) is not None
        assert garbled(REAL_PAGES[name].decode("cp1252", "replace")) is not None
        euc_as_sjis = _legacy_copy("euc_jis_2004")[1].decode("cp932", "replace")
        assert "half-width katakana" in (garbled(euc_as_sjis) or "")


def test_double_encoded_utf8_is_refused_not_stored():
    twice = JA_PAGE.decode("utf-8").encode("utf-8").decode("latin-1").encode("utf-8")
    with pytest.raises(FetchError) as caught:
        decode_html(twice, "text/html; charset=utf-8", "https://x/page")
    assert caught.value.reason == "garbled" and "UTF-8 read as a Western" in str(caught.value)


def test_a_latin1_label_on_bytes_that_fit_nothing_is_refused():
    body = b"<html><body>" + "非代償性肝硬変".encode()[:-1] * 20 + b"</body></html>"
    with pytest.raises(FetchError) as caught:
        decode_html(body, "text/html; charset=ISO-8859-1", "https://x/page")
    assert caught.value.reason in ("garbled", "undecodable")
