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
                            timeout=5, min_interval=0, max_retries=2, backoff=1, deadline=60)
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


def make_config(tmp_path, text: str = "", *, csv: bool = False, **replace_config):
    """A config as a user would write it, with every registry asked without delay (the
    politeness floor is for public hosts; these requests never leave the process) and
    the daily CSV off unless a test is about it."""
    import dataclasses
    import tomllib

    from monitor.config import build_config

    config = build_config(tomllib.loads(text), tmp_path / "config.toml")
    registries = {}
    for name, settings in config.registries.items():
        changes = {"min_interval": 0.0}
        if hasattr(settings, "use_csv") and not csv:
            changes["use_csv"] = False
        registries[name] = dataclasses.replace(settings, **changes)
    return dataclasses.replace(config, registries=registries, **replace_config)


def make_monitor(tmp_path, text: str = "", *, fetcher=None, csv: bool = False, env=None,
                 clock=None, owner: str = "cli"):
    import time

    from monitor.core import Monitor

    return Monitor(make_config(tmp_path, text, csv=csv), fetcher=fetcher, env=env or {},
                   clock=clock or time.time, owner=owner)


# The registries as a user's config would name stand-ins on this machine: politeness
# floors are for public hosts, so these may be asked without delay. pytest-httpx answers
# them in-process.
LOCAL_UMIN = "http://127.0.0.1:8001"
LOCAL_JRCT = "http://127.0.0.1:8002"
LOCAL_CONFIG = f"""
[http]
max_retries = 0
[umin]
base_url = "{LOCAL_UMIN}"
min_interval = "0s"
use_csv = false
[jrct]
base_url = "{LOCAL_JRCT}"
min_interval = "0s"
"""
LOCAL_VIEW_EN = VIEW_EN.replace("https://center6.umin.ac.jp", LOCAL_UMIN)
LOCAL_VIEW_JA = VIEW_JA.replace("https://center6.umin.ac.jp", LOCAL_UMIN)
LOCAL_SEARCH_EN = SEARCH_EN.replace("https://center6.umin.ac.jp", LOCAL_UMIN)
LOCAL_JRCT_JA = f"{LOCAL_JRCT}/latest-detail/jRCT2063200014"
LOCAL_JRCT_EN = f"{LOCAL_JRCT}/en-latest-detail/jRCT2063200014"


def write_config(tmp_path, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(LOCAL_CONFIG + extra, encoding="utf-8")
    return path
