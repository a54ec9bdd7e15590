"""The HTTP client: User-Agent, pacing per host, retries, Retry-After, final errors."""

from __future__ import annotations

import httpx
import pytest
from conftest import VIEW_EN, FakeTime, cassette_body

from monitor.errors import FetchError, HostBlockedError, NotFoundError
from monitor.fetch import Fetcher, HttpSettings
from monitor.fetch.client import retry_after_seconds

PAGE = cassette_body("umin-R000047329-v1", VIEW_EN)
HTML = {"content-type": "text/html; charset=UTF-8"}


def make_fetcher(fake: FakeTime, **settings) -> Fetcher:
    options = dict(user_agent="ctr-monitor-tests/1 (contact: tests@example.org)", timeout=5,
                   min_interval=0, max_retries=3, backoff=1, max_wait=60)
    options.update(settings)
    return Fetcher(HttpSettings(**options), sleep=fake.sleep, clock=fake.clock,
                   wall_clock=fake.clock)


def test_user_agent_and_page(httpx_mock, fetcher):
    httpx_mock.add_response(url=VIEW_EN, content=PAGE, headers=HTML)
    page = fetcher.get_html(VIEW_EN)
    request = httpx_mock.get_request()
    assert request.headers["user-agent"] == "ctr-monitor-tests/1 (contact: tests@example.org)"
    assert page.status_code == 200 and page.attempts == 1
    assert "UMIN000041461" in page.text and page.content == PAGE


def test_redirects_are_followed(httpx_mock, fetcher):
    old = VIEW_EN.replace("center6", "upload")
    httpx_mock.add_response(url=old, status_code=301, headers={"location": VIEW_EN})
    httpx_mock.add_response(url=VIEW_EN, content=PAGE, headers=HTML)
    assert fetcher.get_html(old).url == VIEW_EN


def test_requests_to_one_host_are_paced(httpx_mock, fake_time):
    httpx_mock.add_response(url=VIEW_EN, content=PAGE, headers=HTML, is_reusable=True)
    other = "https://jrct.niph.go.jp/latest-detail/jRCT2063200014"
    httpx_mock.add_response(url=other, content=b"<html>x</html>", headers=HTML)
    with make_fetcher(fake_time, min_interval=5) as fetcher:
        fetcher.get_html(VIEW_EN)
        fetcher.get_html(other)  # another host: no wait
        assert fake_time.sleeps == []
        fake_time.now += 2
        fetcher.get_html(VIEW_EN)
        assert fake_time.sleeps == [pytest.approx(3)]


def test_server_errors_are_retried_with_backoff(httpx_mock, fake_time):
    for status in (503, 502):
        httpx_mock.add_response(url=VIEW_EN, status_code=status)
    httpx_mock.add_response(url=VIEW_EN, content=PAGE, headers=HTML)
    with make_fetcher(fake_time) as fetcher:
        page = fetcher.get_html(VIEW_EN)
    assert page.attempts == 3
    assert len(fake_time.sleeps) == 2
    assert 1 <= fake_time.sleeps[0] <= 2 and 2 <= fake_time.sleeps[1] <= 3  # exp + jitter


def test_retry_after_is_honoured(httpx_mock, fake_time):
    httpx_mock.add_response(url=VIEW_EN, status_code=429, headers={"retry-after": "7"})
    httpx_mock.add_response(url=VIEW_EN, content=PAGE, headers=HTML)
    with make_fetcher(fake_time, min_interval=1) as fetcher:
        fetcher.get_html(VIEW_EN)
    assert sum(fake_time.sleeps) == pytest.approx(7)


def test_retry_after_beyond_max_wait_is_a_block_without_hammering(httpx_mock, fake_time):
    httpx_mock.add_response(url=VIEW_EN, status_code=429, headers={"retry-after": "3600"})
    with make_fetcher(fake_time, max_wait=60) as fetcher, pytest.raises(HostBlockedError) as caught:
        fetcher.get_html(VIEW_EN)
    assert caught.value.reason == "blocked" and caught.value.host == "center6.umin.ac.jp"
    assert "asking for 3600 s" in str(caught.value) and not caught.value.deferred
    assert caught.value.until == pytest.approx(fake_time.now + 3600)  # its own ask > cooldown
    assert len(httpx_mock.get_requests()) == 1


def test_retries_exhausted_is_a_one_line_error(httpx_mock, fake_time):
    httpx_mock.add_response(url=VIEW_EN, status_code=503, is_reusable=True)
    with make_fetcher(fake_time, max_retries=2) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get_html(VIEW_EN)
    assert len(httpx_mock.get_requests()) == 3
    assert caught.value.reason == "server_error" and caught.value.attempts == 3
    assert str(caught.value) == f"{VIEW_EN} answered 503 Service Unavailable after 3 attempts"


@pytest.mark.parametrize("status, reason", [(404, "not_found"), (403, "blocked"),
                                            (400, "http_400"), (410, "not_found")])
def test_client_errors_are_not_retried(httpx_mock, fetcher, status, reason):
    httpx_mock.add_response(url=VIEW_EN, status_code=status)
    with pytest.raises(FetchError) as caught:
        fetcher.get_html(VIEW_EN)
    assert caught.value.reason == reason and caught.value.status_code == status
    assert len(httpx_mock.get_requests()) == 1
    if status == 404:
        assert isinstance(caught.value, NotFoundError)


def test_timeouts_and_resets_are_retried(httpx_mock, fake_time):
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), url=VIEW_EN)
    httpx_mock.add_exception(httpx.RemoteProtocolError("reset"), url=VIEW_EN)
    httpx_mock.add_response(url=VIEW_EN, content=PAGE, headers=HTML)
    with make_fetcher(fake_time) as fetcher:
        assert fetcher.get_html(VIEW_EN).attempts == 3


def test_persistent_timeout_message(httpx_mock, fake_time):
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), url=VIEW_EN, is_reusable=True)
    with make_fetcher(fake_time, max_retries=1) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get_html(VIEW_EN)
    assert caught.value.reason == "timeout"
    assert "timed out after 5 s (2 attempts)" in str(caught.value)


def test_unreachable_host_message(httpx_mock, fake_time):
    httpx_mock.add_exception(httpx.ConnectError("Name or service not known"), url=VIEW_EN,
                             is_reusable=True)
    with make_fetcher(fake_time, max_retries=0) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get_html(VIEW_EN)
    assert str(caught.value).startswith("cannot reach center6.umin.ac.jp")
    assert "base_url" in str(caught.value) and caught.value.reason == "unreachable"


def test_retry_after_parsing():
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_refusals_slow_a_host_down_and_it_recovers_gradually(fake_time):
    from monitor.fetch.client import HostPacer

    pacer = HostPacer(2.0, clock=fake_time.clock, sleep=fake_time.sleep)
    for expected in (2, 4, 8, 16, 16):
        pacer.done("h", refused=True)
        assert pacer.slowdown("h") == expected
    assert pacer.blocked_for("h") == pytest.approx(32)
    steps = []
    for _ in range(4):
        pacer.done("h")
        steps.append(pacer.slowdown("h"))
    assert steps == sorted(steps, reverse=True) and steps[-1] > 1  # gradual, not a reset
    assert pacer.slowdown("other") == 1


def test_cancel_stops_new_requests(httpx_mock, fake_time):
    from monitor.fetch.client import Cancelled

    with make_fetcher(fake_time) as fetcher:
        fetcher.cancel()
        with pytest.raises(Cancelled):
            fetcher.get_html(VIEW_EN)
    assert httpx_mock.get_requests() == []
