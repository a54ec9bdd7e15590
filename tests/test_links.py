"""Following UMIN ↔ jRCT links, and flagging where the two records disagree."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import SEARCH_EN, VIEW_EN, cassette_body

from monitor.cli.main import cli
from monitor.diff.consistency import ConsistencyRules, compare_linked
from monitor.pipeline import Checker
from monitor.registries.base import TrialRef

HTML = {"content-type": "text/html; charset=UTF-8"}
JRCT_JA = "https://jrct.niph.go.jp/latest-detail/jRCT2063200014"


def umin_page(version: int) -> bytes:
    return cassette_body(f"umin-R000047329-v{version}", VIEW_EN)


def jrct_page(version: int) -> bytes:
    return cassette_body(f"jrct-jRCT2063200014-v{version}", JRCT_JA)


def serve(httpx_mock, url: str, body: bytes) -> None:
    httpx_mock.add_response(url=url, content=body, headers=HTML)


@pytest.fixture
def checker(store, fetcher, registries):
    return Checker(store, fetcher, registries)


def run(checker, rows):
    return list(checker.run(rows))


def test_umin_check_follows_its_jrct_twin_once(httpx_mock, checker, store):
    serve(httpx_mock, VIEW_EN, umin_page(1))
    serve(httpx_mock, JRCT_JA, jrct_page(1))
    umin, _ = store.watch(TrialRef("umin", receipt_number="R000047329"), source="cli", typed="x")
    # the same trial named twice in one pass is still fetched once
    outcomes = run(checker, [umin, umin])
    assert [(o.trial, o.registry, o.outcome) for o in outcomes] == [
        ("UMIN000041461", "umin", "new"), ("jRCT2063200014", "jrct", "new")]
    assert [str(r.url) for r in httpx_mock.get_requests()] == [VIEW_EN, JRCT_JA]
    [twin] = store.linked(umin.id)
    assert (twin.registry, twin.trial_id, twin.watched) == ("jrct", "jRCT2063200014", False)
    assert [t.trial_id for t in store.linked(twin.id)] == ["UMIN000041461"]


def test_watched_jrct_trial_reaches_its_umin_twin(httpx_mock, checker, store):
    serve(httpx_mock, JRCT_JA, jrct_page(1))
    httpx_mock.add_response(url=SEARCH_EN, headers=HTML,
                            content=cassette_body("umin-R000047329-v1", SEARCH_EN))
    serve(httpx_mock, VIEW_EN, umin_page(1))
    jrct, _ = store.watch(TrialRef("jrct", trial_id="jRCT2063200014"), source="cli", typed="x")
    outcomes = run(checker, [jrct])
    assert [(o.registry, o.outcome) for o in outcomes] == [("jrct", "new"), ("umin", "new")]
    [twin] = store.linked(jrct.id)
    assert (twin.trial_id, twin.receipt_number) == ("UMIN000041461", "R000047329")


def test_status_disagreement_opens_and_closes_as_changes(httpx_mock, checker, store):
    for body in (umin_page(1), umin_page(1), umin_page(2)):
        serve(httpx_mock, VIEW_EN, body)
    for body in (jrct_page(1), jrct_page(2), jrct_page(2)):
        serve(httpx_mock, JRCT_JA, body)
    umin, _ = store.watch(TrialRef("umin", receipt_number="R000047329"), source="cli", typed="x")

    first = run(checker, [umin])
    assert all(o.registry != "consistency" for o in first)  # they agree

    second = run(checker, [umin])  # jRCT now says 募集終了, UMIN still recruiting
    [flag] = [o for o in second if o.registry == "consistency"]
    assert flag.trial == "UMIN000041461 ↔ jRCT2063200014"
    status = next(c for c in flag.changes if c.field == "consistency.status")
    assert (status.old, status.new, status.severity) == (
        None, {"umin": "recruiting", "jrct": "active_not_recruiting"}, "high")

    third = run(checker, [umin])  # UMIN catches up: the disagreement closes
    [closed] = [o for o in third if o.registry == "consistency"]
    status = next(c for c in closed.changes if c.field == "consistency.status")
    assert status.new is None and status.old["jrct"] == "active_not_recruiting"
    assert store.open_disagreements(umin.id, store.linked(umin.id)[0].id) == {}


def test_same_disagreement_is_not_news_twice(httpx_mock, checker, store):
    serve(httpx_mock, VIEW_EN, umin_page(1))
    serve(httpx_mock, JRCT_JA, jrct_page(2))
    serve(httpx_mock, VIEW_EN, umin_page(1))
    serve(httpx_mock, JRCT_JA, jrct_page(2))
    umin, _ = store.watch(TrialRef("umin", receipt_number="R000047329"), source="cli", typed="x")
    assert any(o.registry == "consistency" for o in run(checker, [umin]))
    assert not any(o.registry == "consistency" for o in run(checker, [umin]))


def test_follow_links_off(httpx_mock, checker, store):
    serve(httpx_mock, VIEW_EN, umin_page(1))
    umin, _ = store.watch(TrialRef("umin", receipt_number="R000047329"), source="cli", typed="x")
    assert len(list(checker.run([umin], follow_links=False))) == 1
    assert store.linked(umin.id) == []


def test_compare_linked_rules():
    a = {"registry": "umin", "status": "enrolling_by_invitation", "target_sample_size": 10,
         "date_last_modified": "2025-03-03", "title_scientific": "A study of X in Y",
         "title_public": None}
    b = {"registry": "jrct", "status": "recruiting", "target_sample_size": 12,
         "date_last_modified": "2025-12-01", "title_scientific": "A STUDY of X in Y.",
         "title_public": "非代償性肝硬変"}
    found = {d.field: d for d in compare_linked(a, b)}
    assert set(found) == {"target_sample_size", "date_last_modified"}
    assert "umin may be out of date" in found["date_last_modified"].note
    assert compare_linked(a, b, ConsistencyRules(max_days_apart=365))[0].field == \
        "target_sample_size"
    b["title_scientific"] = "Something else entirely about Z"
    assert "title_scientific" in {d.field for d in compare_linked(a, b)}
    assert compare_linked({**a, "status": "unknown"}, {**b, "status": "completed"})[0].field \
        != "status"


def test_cli_shows_both_registries(httpx_mock, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[http]\nmin_interval = "0s"\nmax_retries = 0\n'
                      '[[watch]]\nid = "R000047329"\n', encoding="utf-8")
    for body in (umin_page(1), umin_page(1)):
        serve(httpx_mock, VIEW_EN, body)
    for body in (jrct_page(1), jrct_page(2)):
        serve(httpx_mock, JRCT_JA, body)

    def cmd(*args):
        result = CliRunner().invoke(cli, ["--config", str(config), *args])
        assert result.exit_code == 0, result.output
        return result.output

    cmd("check")
    second = cmd("check")
    assert "jRCT2063200014 [ja]  CHANGED → version 2" in second
    assert "UMIN000041461 ↔ jRCT2063200014  CONSISTENCY: 1 change (1 high)" in second

    changes = json.loads(cmd("diff", "UMIN000041461", "--format", "json"))
    assert {c["registry"] for c in changes} == {"jrct"}  # UMIN has one version so far
    assert {"field": "status", "old": "recruiting", "new": "active_not_recruiting",
            "severity": "high", "registry": "jrct", "trial_id": "jRCT2063200014",
            "language": "ja"} in changes
    text = cmd("diff", "UMIN000041461")
    assert "UMIN000041461 (UMIN-CTR, en)" in text and "jRCT2063200014 (jRCT, ja)" in text

    listed = json.loads(cmd("list", "--format", "json"))
    assert [(t["trial_id"], t["linked_from"]) for t in listed] == [
        ("UMIN000041461", None), ("jRCT2063200014", "UMIN000041461")]
    assert listed[0]["disagreements"][0]["field"] == "status"
    assert "status differs" in cmd("list")

    history = json.loads(cmd("history", "jRCT2063200014", "--format", "json"))
    assert [(h["registry"], h["version"]) for h in history] == [
        ("jrct", 1), ("jrct", 2), ("umin", 1)]

    report = json.loads(cmd("consistency", "--format", "json"))
    assert report[0]["trials"] == {"umin": "UMIN000041461", "jrct": "jRCT2063200014"}
    assert report[0]["disagreements"][0]["values"] == {"umin": "recruiting",
                                                       "jrct": "active_not_recruiting"}
    text = cmd("consistency", "UMIN000041461")
    assert "HIGH    status: umin recruiting, jrct active_not_recruiting" in text


def test_parse_jrct_offline(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(jrct_page(1))
    result = CliRunner().invoke(cli, ["parse", str(page), "--registry", "jrct", "--format",
                                      "json"])
    record = json.loads(result.output)
    assert (record["trial_id"], record["status"], record["date_registered"],
            record["target_sample_size"]) == ("jRCT2063200014", "recruiting", "2020-08-26", 10)
