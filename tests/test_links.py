"""Linked UMIN-CTR ↔ jRCT records as the command line shows them."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import LOCAL_JRCT_JA, LOCAL_VIEW_EN, VIEW_EN, cassette_body, write_config

from monitor.cli.main import cli

HTML = {"content-type": "text/html; charset=UTF-8"}
JRCT_JA = "https://jrct.mhlw.go.jp/latest-detail/jRCT2063200014"


def umin_page(version: int) -> bytes:
    return cassette_body(f"umin-R000047329-v{version}", VIEW_EN)


def jrct_page(version: int) -> bytes:
    return cassette_body(f"jrct-jRCT2063200014-v{version}", JRCT_JA)


def serve(httpx_mock, url: str, body: bytes) -> None:
    httpx_mock.add_response(url=url, content=body, headers=HTML)


def test_cli_shows_both_registries(httpx_mock, tmp_path):
    config = write_config(tmp_path, '[[watch]]\nid = "R000047329"\n')
    for body in (umin_page(1), umin_page(1)):
        serve(httpx_mock, LOCAL_VIEW_EN, body)
    for body in (jrct_page(1), jrct_page(2)):
        serve(httpx_mock, LOCAL_JRCT_JA, body)

    def cmd(*args):
        result = CliRunner().invoke(cli, ["--config", str(config), *args])
        assert result.exit_code == 0, result.output
        return result.output

    cmd("check")
    second = cmd("check")
    assert "jRCT2063200014 (jRCT) [ja]  CHANGED → version 2" in second
    assert "UMIN000041461 (UMIN-CTR) ↔ jRCT2063200014 (jRCT)\n    now disagree: UMIN-CTR " \
           "says Open public recruiting, jRCT says Not Recruiting" in second

    changes = json.loads(cmd("diff", "UMIN000041461", "--format", "json"))
    assert {c["registry"] for c in changes} == {"jrct"}  # UMIN has one version so far
    assert {"field": "status", "old": "recruiting", "new": "active_not_recruiting",
            "severity": "high", "registry": "jrct", "trial_id": "jRCT2063200014",
            "language": "ja", "from_version": 1, "to_version": 2} in changes
    text = cmd("diff", "UMIN000041461")
    assert "UMIN000041461 (UMIN-CTR, English): only one version so far" in text
    assert "jRCT2063200014 (jRCT, Japanese): version 1 → 2" in text
    assert "Recruitment status: Recruiting → Not Recruiting" in text

    listed = json.loads(cmd("list", "--format", "json"))
    assert [(t["trial_id"], t["linked_from"]) for t in listed] == [
        ("UMIN000041461", None), ("jRCT2063200014", "UMIN000041461")]
    assert listed[0]["links"][0]["disagreements"][0]["field"] == "status"
    assert "jRCT2063200014 differs: Recruitment status" in cmd("list")

    history = json.loads(cmd("history", "jRCT2063200014", "--format", "json"))
    assert [(h["registry"], h["version"]) for h in history] == [
        ("jrct", 1), ("jrct", 2), ("umin", 1)]

    report = json.loads(cmd("consistency", "--format", "json"))
    assert report[0]["trials"] == {"umin": "UMIN000041461", "jrct": "jRCT2063200014"}
    assert report[0]["disagreements"][0]["values"] == {"umin": "recruiting",
                                                       "jrct": "active_not_recruiting"}
    text = cmd("consistency", "UMIN000041461")
    assert "High    UMIN-CTR says Open public recruiting, jRCT says Not Recruiting" in text
    japanese = cmd("consistency", "UMIN000041461", "--lang", "ja")
    assert "UMIN-CTRでは「一般募集中」、jRCTでは「募集終了」" in japanese


def test_parse_jrct_offline(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(jrct_page(1))
    result = CliRunner().invoke(cli, ["parse", str(page), "--registry", "jrct", "--format",
                                      "json"])
    record = json.loads(result.output)
    assert (record["trial_id"], record["status"], record["date_registered"],
            record["target_sample_size"]) == ("jRCT2063200014", "recruiting", "2020-08-26", 10)
