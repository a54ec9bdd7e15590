"""Shared fixtures: cassettes served through pytest-httpx, configs, fetchers, stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.fetch import Fetcher, HttpSettings, load_cassette
from monitor.registries import build_registries
from monitor.store import Store

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"
BASE = "https://center6.umin.ac.jp/cgi-open-bin"
VIEW_EN = f"{BASE}/ctr_e/ctr_view.cgi?recptno=R000047329"
VIEW_JA = f"{BASE}/ctr/ctr_view.cgi?recptno=R000047329"
SEARCH_EN = f"{BASE}/ctr_e/index.cgi?sort=03&function=04&ctrno=UMIN000041461"


def cassette_body(name: str, url: str, index: int = 0) -> bytes:
    """The ``index``-th recorded body for ``url`` in cassette ``name``."""
    matches = [i for i in load_cassette(CASSETTES / name) if i.url == url]
    return matches[index].body


def page_text(name: str, url: str) -> str:
    return cassette_body(name, url).decode("utf-8")


def serve(httpx_mock, name: str, *urls: str, reusable: bool = False) -> None:
    """Register a cassette's responses (all, or those for ``urls``) with pytest-httpx."""
    for interaction in load_cassette(CASSETTES / name):
        if urls and interaction.url not in urls:
            continue
        httpx_mock.add_response(
            url=interaction.url, status_code=interaction.status, headers=interaction.headers,
            content=interaction.body, is_reusable=reusable, is_optional=reusable)


class FakeTime:
    """A clock and sleep that advance together, so pacing and backoff tests are instant
    and can assert exactly how long the client chose to wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def fetcher(fake_time):
    settings = HttpSettings(user_agent="ctr-monitor-tests/1 (contact: tests@example.org)",
                            timeout=5, min_interval=0, max_retries=2, backoff=1)
    with Fetcher(settings, sleep=fake_time.sleep, clock=fake_time.clock) as client:
        yield client


@pytest.fixture
def store(tmp_path):
    db = Store(tmp_path / "monitor.db")
    yield db
    db.close()


@pytest.fixture
def registries():
    return build_registries()


@pytest.fixture
def umin(registries):
    return registries["umin"]


@pytest.fixture
def seed_en() -> str:
    return page_text("umin-R000047329-v1", VIEW_EN)


@pytest.fixture
def seed_ja() -> str:
    return page_text("umin-R000047329-v1", VIEW_JA)
