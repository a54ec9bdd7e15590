"""The installed command against a real HTTP server on 127.0.0.1 that changes a page."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import SEARCH_EN, VIEW_EN
from servers import RegistryServer, free_port, serving

JRCT_JA = "https://jrct.mhlw.go.jp/latest-detail/jRCT2063200014"
JRCT_EN = "https://jrct.mhlw.go.jp/en-latest-detail/jRCT2063200014"
PATHS = {url: "/" + url.split("/", 3)[3] for url in (SEARCH_EN, VIEW_EN, JRCT_JA, JRCT_EN)}


@pytest.fixture
def registry():
    with serving(RegistryServer()) as server:
        yield server


def ctr_monitor(config, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=60)


def write_config(tmp_path, base_url: str, follow_links: bool = False):
    path = tmp_path / "config.toml"
    path.write_text(f"""
[storage]
database = "e2e.db"
[http]
user_agent = "ctr-monitor-e2e (contact: tests@example.org)"
min_interval = "0s"
max_retries = 1
timeout = "5s"
deadline = "10s"
[umin]
base_url = "{base_url}"
use_csv = false
[jrct]
base_url = "{base_url}"
languages = ["ja", "en"]
[links]
follow = {"true" if follow_links else "false"}
[[watch]]
id = "UMIN000041461"
""", encoding="utf-8")
    return path


def test_two_versions_then_no_change(registry, tmp_path):
    config = write_config(tmp_path, registry.base_url)
    registry.load("umin-R000047329-v1")
    first = ctr_monitor(config, "check")
    assert first.returncode == 0, first.stderr
    assert ("first version stored (Recruitment status: Open public recruiting, last modified "
            "2025-03-03)") in first.stdout

    registry.load("umin-R000047329-v2")
    second = ctr_monitor(config, "check")
    assert second.returncode == 0, second.stderr
    assert "CHANGED → version 2" in second.stdout

    third = ctr_monitor(config, "check", "--format", "json")
    assert json.loads(third.stdout)["pages"][0]["outcome"] == "unchanged"

    history = json.loads(ctr_monitor(config, "history", "UMIN000041461", "--format",
                                     "json").stdout)
    assert [v["version"] for v in history] == [1, 2]
    changes = json.loads(ctr_monitor(config, "diff", "R000047329", "--format", "json").stdout)
    assert {"field": "status", "old": "recruiting", "new": "active_not_recruiting",
            "severity": "high", "registry": "umin", "trial_id": "UMIN000041461",
            "language": "en", "from_version": 1, "to_version": 2} in changes

    paths = [path for path, _ in registry.requests]
    assert paths.count(PATHS[SEARCH_EN]) == 1  # the receipt number is looked up once
    assert paths.count(PATHS[VIEW_EN]) == 3
    assert {agent for _, agent in registry.requests} == {
        "ctr-monitor-e2e (contact: tests@example.org)"}


def test_unreachable_registry_is_one_line_and_non_zero(tmp_path):
    port = free_port()  # nothing listens on it
    config = write_config(tmp_path, f"http://127.0.0.1:{port}")
    result = ctr_monitor(config, "check")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert f"cannot reach 127.0.0.1:{port}" in result.stdout


def test_jrct_twin_followed_once_per_check(registry, tmp_path):
    config = write_config(tmp_path, registry.base_url, follow_links=True)
    registry.load("umin-R000047329-v1")
    registry.load("jrct-jRCT2063200014-v1")
    first = ctr_monitor(config, "check")
    assert first.returncode == 0, first.stderr
    for language in ("ja", "en"):
        assert (f"jRCT2063200014 (jRCT) [{language}]  first version stored (Recruitment "
                "status: Recruiting") in first.stdout

    registry.load("jrct-jRCT2063200014-v2")  # jRCT says 募集終了; UMIN still recruiting
    second = ctr_monitor(config, "check")
    assert second.returncode == 0, second.stderr
    assert "UMIN000041461 (UMIN-CTR) ↔ jRCT2063200014 (jRCT)\n    now disagree" in second.stdout

    paths = [path for path, _ in registry.requests]
    assert paths.count(PATHS[JRCT_JA]) == 2 and paths.count(PATHS[JRCT_EN]) == 2
    assert paths.count(PATHS[VIEW_EN]) == 2

    changes = json.loads(ctr_monitor(config, "diff", "UMIN000041461", "--format",
                                     "json").stdout)
    assert {"field": "status", "old": "recruiting", "new": "active_not_recruiting",
            "severity": "high", "registry": "jrct", "trial_id": "jRCT2063200014",
            "language": "ja", "from_version": 1, "to_version": 2} in changes
    report = json.loads(ctr_monitor(config, "consistency", "--format", "json").stdout)
    assert report[0]["disagreements"][0]["field"] == "status"
