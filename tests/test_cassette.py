"""Cassettes: the committed ones load, replay serves them in order, record writes them."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest
from conftest import CASSETTES, SEARCH_EN, VIEW_EN

from monitor.errors import FetchError
from monitor.fetch import (
    CassetteError,
    Fetcher,
    HttpSettings,
    RecordingTransport,
    ReplayTransport,
    load_cassette,
)


@pytest.mark.parametrize("name", sorted(p.name for p in CASSETTES.iterdir() if p.is_dir()))
def test_committed_cassettes_load(name):
    interactions = load_cassette(CASSETTES / name)
    hosts = ("https://center6.umin.ac.jp/", "https://jrct.mhlw.go.jp/",
             "https://upload.umin.ac.jp/ctr_csv/")
    assert interactions and all(i.url.startswith(hosts) and i.body for i in interactions
                                if i.status == 200 and "empty" not in i.body_file)


def test_replay_serves_recordings_in_order_then_repeats_the_last():
    transport = ReplayTransport(CASSETTES / "umin-faults")
    with httpx.Client(transport=transport) as client:
        statuses = [client.get(VIEW_EN).status_code for _ in range(8)]
    assert statuses == [503, 429, 200, 200, 200, 200, 200, 200]


def test_replay_miss_is_a_clear_error():
    transport = ReplayTransport(CASSETTES / "umin-R000047329-v1")
    with httpx.Client(transport=transport) as client, pytest.raises(CassetteError,
                                                                    match="--record"):
        client.get("https://center6.umin.ac.jp/cgi-open-bin/ctr_e/ctr_view.cgi?recptno=R1")


def test_missing_cassette_directory(tmp_path):
    with pytest.raises(CassetteError, match="no cassette at"):
        ReplayTransport(tmp_path / "nothing")


def test_record_then_replay_round_trip(tmp_path):
    served = {VIEW_EN: (200, "<html><body>page</body></html>"),
              SEARCH_EN: (200, "<html><body>search</body></html>")}

    def live(request: httpx.Request) -> httpx.Response:
        status, body = served[str(request.url)]
        return httpx.Response(status, html=body, headers={"set-cookie": "session=secret"})

    out = tmp_path / "fresh"
    settings = HttpSettings(min_interval=0, max_retries=0)
    with Fetcher(settings, transport=RecordingTransport(out, httpx.MockTransport(live))) as f:
        f.get_html(SEARCH_EN)
        f.get_html(VIEW_EN)
    index = json.loads((out / "cassette.json").read_text())
    assert [i["request"]["url"] for i in index["interactions"]] == [SEARCH_EN, VIEW_EN]
    assert all("set-cookie" not in i["response"]["headers"] for i in index["interactions"])
    with Fetcher(settings, transport=ReplayTransport(out)) as f:
        assert "page" in f.get_html(VIEW_EN).text
        assert "search" in f.get_html(SEARCH_EN).text


def test_a_replay_miss_through_the_fetcher_fails_at_once_without_retries():
    calls = []
    transport = ReplayTransport(CASSETTES / "umin-R000047329-v1")
    original = transport.handle_request

    def counted(request):
        calls.append(request.url)
        return original(request)

    transport.handle_request = counted
    settings = HttpSettings(min_interval=0, max_retries=3)
    with Fetcher(settings, transport=transport) as fetcher, pytest.raises(CassetteError):
        fetcher.get_html("https://center6.umin.ac.jp/cgi-open-bin/ctr_e/ctr_view.cgi?recptno=R1")
    assert len(calls) == 1
    assert fetcher.host_states() == {}  # a missing recording says nothing about the host


def test_recording_a_compressed_answer_keeps_the_page_readable(tmp_path):
    page = b"<html><body>" + "非代償性肝硬変".encode() * 50 + b"</body></html>"

    def live(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept-encoding"] == "gzip, deflate"
        return httpx.Response(200, headers={"content-type": "text/html; charset=UTF-8",
                                            "content-encoding": "gzip"},
                              stream=httpx.ByteStream(gzip.compress(page)))

    out = tmp_path / "gz"
    settings = HttpSettings(min_interval=0, max_retries=0)
    with Fetcher(settings, transport=RecordingTransport(out, httpx.MockTransport(live))) as f:
        assert f.get_html(VIEW_EN).content == page
    [interaction] = load_cassette(out)
    assert interaction.body == page and "content-encoding" not in interaction.headers
    with Fetcher(settings, transport=ReplayTransport(out)) as f:
        assert "非代償性肝硬変" in f.get_html(VIEW_EN).text


def test_recording_caps_what_it_reads(tmp_path):
    def live(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/html"},
                              stream=httpx.ByteStream(b"<html>" + b"x" * 5000))

    recorder = RecordingTransport(tmp_path / "big", httpx.MockTransport(live), max_bytes=1000)
    with Fetcher(HttpSettings(min_interval=0, max_retries=0), transport=recorder) as f, \
            pytest.raises(FetchError) as caught:
        f.get_html(VIEW_EN)
    assert caught.value.reason == "too_large"
