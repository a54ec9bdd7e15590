"""The CLI as a user meets it: output, exit codes, and one-line errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import (
    CASSETTES,
    LOCAL_SEARCH_EN,
    LOCAL_VIEW_EN,
    SEARCH_EN,
    VIEW_EN,
    cassette_body,
    write_config,
)

from monitor.cli.main import cli

HTML = {"content-type": "text/html; charset=UTF-8"}
SEED_EN = CASSETTES / "umin-R000047329-v1" / "view-en.html"
SEED_JA = CASSETTES / "umin-R000047329-v1" / "view-ja.html"


@pytest.fixture
def config(tmp_path):
    return write_config(tmp_path, "[links]\nfollow = false\n")


def run(*args, config=None):
    prefix = ["--config", str(config)] if config else []
    return CliRunner().invoke(cli, [*prefix, *map(str, args)])


def assert_one_line_error(result, code, text):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line]
    assert lines[-1].startswith("error: ") and text in lines[-1]


# --- parse -------------------------------------------------------------------------


def test_parse_seed_page_prints_the_canonical_record():
    result = run("parse", SEED_EN, "--registry", "umin")
    assert result.exit_code == 0, result.output
    lines = dict(line.split(None, 1) for line in result.output.splitlines() if line)
    assert lines["trial_id"] == "UMIN000041461"
    assert lines["status"] == "Open public recruiting"  # the registry's words
    assert lines["date_last_modified"] == "2025-03-03"
    assert lines["target_sample_size"] == "10"
    assert lines["secondary_ids"] == "jRCT2063200014"


@pytest.mark.parametrize("page", [SEED_EN, SEED_JA])
def test_parse_json_is_the_canonical_record(page):
    result = run("parse", page, "--registry", "umin", "--format", "json")
    record = json.loads(result.output)
    assert record["registry"] == "umin"
    assert record["registry_ids"] == {"receipt_number": "R000047329"}
    assert record["status"] == "recruiting" and record["target_sample_size"] == 10
    assert record["fields"]["Eligibility"]["Target sample size"] == "10"


def test_parse_truncated_page(tmp_path):
    page = tmp_path / "cut.html"
    page.write_bytes(cassette_body("umin-faults", VIEW_EN, 2))
    result = run("parse", page, "--registry", "umin")
    assert_one_line_error(result, 1, "UMIN-CTR view page")


def test_parse_non_html(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(b"%PDF-1.7 not a page")
    assert_one_line_error(run("parse", page, "--registry", "umin"), 1, "not an HTML page")


def test_parse_missing_file(tmp_path):
    assert_one_line_error(run("parse", tmp_path / "none.html", "--registry", "umin"), 2,
                          "cannot read")


# --- watching ----------------------------------------------------------------------


def test_add_list_remove(config):
    result = run("add", "UMIN000041461", "R000020832", config=config)
    assert result.output.splitlines() == ["watching UMIN000041461", "watching R000020832"]
    assert run("add", "umin000041461", config=config).output == \
        "already watching UMIN000041461\n"
    listed = json.loads(run("list", "--format", "json", config=config).output)
    assert [t["trial_id"] or t["keys"]["receipt_number"] for t in listed] == [
        "UMIN000041461", "R000020832"]
    url = "https://upload.umin.ac.jp/cgi-open-bin/ctr_e/ctr_view.cgi?recptno=R000020832"
    assert run("remove", url, config=config).output == \
        "stopped watching R000020832 (history kept)\n"
    assert len(json.loads(run("list", "--format", "json", config=config).output)) == 1


@pytest.mark.parametrize("bad", ["NCT01234567", "UMIN12345", "R123", "https://example.org/x"])
def test_unknown_id_format(config, bad):
    result = run("add", "UMIN000041461", bad, config=config)
    assert_one_line_error(result, 2, "is not a trial ID this monitor knows")
    assert "watching" not in result.output  # nothing added when any ID is bad


def test_config_watch_cannot_be_removed_from_the_cli(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[[watch]]\nid = "UMIN000041461"\n', encoding="utf-8")
    assert_one_line_error(run("remove", "UMIN000041461", config=path), 2,
                          "is listed under [[watch]]")


def test_bad_watch_id_in_config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[[watch]]\nid = "UMIN0041461"\n', encoding="utf-8")
    assert_one_line_error(run("list", config=path), 2, "[[watch]] #1: 'UMIN0041461' is not")


def test_bad_config_value(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[http]\ntimeout = "soon"\n', encoding="utf-8")
    assert_one_line_error(run("list", config=path), 2, "[http] timeout = 'soon'")


def test_commands_on_an_unwatched_trial(config):
    for command in ("history", "diff", "check", "remove"):
        assert_one_line_error(run(command, "R000047329", config=config), 2,
                              "R000047329 is not watched: add it with")


# --- check, history, diff ------------------------------------------------------------


def serve_page(httpx_mock, body):
    httpx_mock.add_response(url=LOCAL_VIEW_EN, content=body, headers=HTML)


def test_check_history_diff(httpx_mock, config):
    v1 = cassette_body("umin-R000047329-v1", VIEW_EN)
    v2 = cassette_body("umin-R000047329-v2", VIEW_EN)
    httpx_mock.add_response(url=LOCAL_SEARCH_EN, content=cassette_body(
        "umin-R000047329-v1", SEARCH_EN), headers=HTML)
    for body in (v1, v2, v2):
        serve_page(httpx_mock, body)
    run("add", "UMIN000041461", config=config)
    first = run("check", config=config)
    assert first.exit_code == 0
    assert first.output == ("UMIN000041461 (UMIN-CTR) [en]  first version stored "
                            "(Recruitment status: Open public recruiting, last modified "
                            "2025-03-03)\n")
    only_one = run("diff", "UMIN000041461", config=config)
    assert "only one version so far" in only_one.output
    second = run("check", "R000047329", config=config)
    assert "CHANGED → version 2: 2 changes (High 1, Medium 1)" in second.output
    assert "High    Recruitment status: Open public recruiting → No longer recruiting" \
        in second.output
    assert "active_not_recruiting" not in second.output  # people's words, not identifiers
    japanese = run("check", "--lang", "ja", config=config)
    assert "第2版から変更なし（試験進捗状況：募集終了、最終更新日：2025-06-10）" in japanese.output
    serve_page(httpx_mock, v2)
    third = run("check", "--format", "json", config=config)
    assert json.loads(third.output)["pages"][0]["outcome"] == "unchanged"

    history = json.loads(run("history", LOCAL_VIEW_EN, "--format", "json",
                             config=config).output)
    assert [(v["version"], v["status"]) for v in history] == [
        (1, "recruiting"), (2, "active_not_recruiting")]
    assert history[1]["changes"][0]["field"] == "status"
    assert history[1]["record"]["status"] == "active_not_recruiting"  # the whole record
    assert history[1]["record"]["fields"]  # raw fields included

    changes = json.loads(run("diff", "UMIN000041461", "--format", "json", config=config).output)
    assert changes[0] == {"field": "status", "old": "recruiting",
                          "new": "active_not_recruiting", "severity": "high",
                          "registry": "umin", "trial_id": "UMIN000041461", "language": "en",
                          "from_version": 1, "to_version": 2}
    markdown = run("diff", "R000047329", "--format", "markdown", config=config).output
    assert "| High | Recruitment status | Open public recruiting | No longer recruiting |" \
        in markdown
    text = run("history", "UMIN000041461", config=config).output
    assert "first version" in text and "2 changes (High 1, Medium 1)" in text
    same = run("diff", "UMIN000041461", "--from", "2", "--to", "2", config=config)
    assert same.exit_code == 0 and "version 2 → 2" not in same.output
    assert_one_line_error(run("diff", "UMIN000041461", "--from", "5", config=config), 2,
                          "--from 5: UMIN000041461 [en] has versions 1 to 2")
    assert_one_line_error(run("diff", "UMIN000041461", "--from", "0", config=config), 2,
                          "--from 0: UMIN000041461 [en] has versions 1 to 2")
    assert_one_line_error(run("diff", "UMIN000041461", "--from", "2", "--to", "1",
                              config=config), 2, "--from 2 is after --to 1")


def test_check_failure_exits_non_zero_with_the_reason(httpx_mock, config):
    httpx_mock.add_response(url=LOCAL_VIEW_EN.replace("R000047329", "R000000000"),
                            status_code=404)
    run("add", "R000000000", config=config)
    result = run("check", config=config)
    assert result.exit_code == 1
    assert result.output.startswith("R000000000 (UMIN-CTR) [en]  failed: UMIN-CTR has no page "
                                    "for R000000000")
    listed = json.loads(run("list", "--format", "json", config=config).output)
    assert listed[0]["consecutive_failures"] == 1


def test_check_with_nothing_watched(config):
    assert_one_line_error(run("check", config=config), 2, "no trials watched")


def test_markdown_escapes_registry_text(httpx_mock, config):
    v1 = cassette_body("umin-R000047329-v1", VIEW_EN)
    v2 = v1.replace(b"0836-22-2428", b"&lt;script&gt;alert(1)&lt;/script&gt; | x")
    serve_page(httpx_mock, v1)
    serve_page(httpx_mock, v2)
    run("add", "R000047329", config=config)
    run("check", config=config)
    run("check", config=config)
    markdown = run("diff", "R000047329", "--format", "markdown", config=config).output
    assert "<script>" not in markdown
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| x" in markdown


def test_markdown_can_make_no_link_image_or_html(httpx_mock, config):
    v1 = cassette_body("umin-R000047329-v1", VIEW_EN)
    v2 = v1.replace(b"0836-22-2428", b"[click me](javascript:alert(4)) ![x](http://e.x/i.png) "
                    b"https://evil.example/auto www.evil.example")
    serve_page(httpx_mock, v1)
    serve_page(httpx_mock, v2)
    run("add", "R000047329", config=config)
    run("check", config=config)
    run("check", config=config)
    import markdown_it

    markdown = run("diff", "R000047329", "--format", "markdown", config=config).output
    for flavour in ("commonmark", "gfm-like"):  # gfm-like links bare addresses (linkify)
        rendered = markdown_it.MarkdownIt(flavour).render(markdown)
        assert "<a " not in rendered and "<img" not in rendered
        assert "click me" in rendered and "evil.example/auto" in rendered  # kept, as text


def test_replay_option_uses_cassettes(tmp_path):
    config = tmp_path / "replay.toml"  # the registries' real hosts, answered from disk
    config.write_text("[links]\nfollow = false\n[umin]\nuse_csv = false\n", encoding="utf-8")
    run("add", "UMIN000041461", config=config)
    from monitor.store import HostRow, Store
    store = Store(tmp_path / "ctr-monitor.db")  # a live check found the host unreachable
    store.hosts.save(HostRow("center6.umin.ac.jp", "unreachable", "2026-01-01T00:00:00Z",
                             "2999-01-01T00:00:00Z", 300.0, "cannot resolve"))
    store.close()
    first = run("--replay", CASSETTES / "umin-R000047329-v1", "check", config=config)
    second = run("--replay", CASSETTES / "umin-R000047329-v2", "check", config=config)
    assert "first version stored" in first.output
    assert "cannot be reached" not in first.output  # a replay asks no host: not its news
    assert "Open public recruiting → No longer recruiting" in second.output


def test_record_writes_a_replayable_cassette(httpx_mock, config, tmp_path):
    serve_page(httpx_mock, cassette_body("umin-R000047329-v1", VIEW_EN))
    out = tmp_path / "fresh"
    result = run("record", "R000047329", "--language", "en", "--out", out, config=config)
    assert result.exit_code == 0, result.output
    assert f"cassette written to {out}" in result.output
    run("add", "R000047329", config=config)
    assert "first version stored" in run("--replay", out, "check", config=config).output


def test_record_and_replay_together_is_a_usage_error(config, tmp_path):
    result = run("--record", tmp_path / "a", "--replay", tmp_path / "b", "list", config=config)
    assert result.exit_code == 2 and "cannot be used together" in result.output


def test_readme_offline_demo(tmp_path):
    """The README's no-network demo, with the example config (database moved aside)."""
    from conftest import ROOT

    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(text.replace('database = "ctr-monitor.db"',
                                   f'database = "{tmp_path / "demo.db"}"'), encoding="utf-8")
    first = run("--replay", CASSETTES / "seed-v1", "check", config=config)
    assert first.exit_code == 0, first.output
    assert "UMIN000041461 (UMIN-CTR) [en]  first version stored" in first.output
    assert "jRCT2063200014 (jRCT) [ja]  first version stored" in first.output
    second = run("--replay", CASSETTES / "seed-v2", "check", config=config)
    assert second.exit_code == 0, second.output
    assert "Open public recruiting → No longer recruiting" in second.output
    assert "now disagree: UMIN-CTR says No longer recruiting, jRCT says Recruiting" \
        in second.output


def test_replay_ignores_pauses_seen_without_network(tmp_path):
    """The README says: no network? replay the cassettes. A pause recorded by the failed
    live check must not hold the replay."""
    config = tmp_path / "config.toml"
    config.write_text("[links]\nfollow = false\n[umin]\nuse_csv = false\n", encoding="utf-8")
    from monitor.store import HostRow, Store
    from monitor.times import iso_time, utc_now

    store = Store(tmp_path / "ctr-monitor.db")
    with store.transaction():
        store.hosts.save(HostRow(host="center6.umin.ac.jp", kind="unreachable",
                                 since=utc_now(), until=iso_time(4_000_000_000),
                                 cooldown=300))
    store.close()
    run("add", "R000047329", config=config)
    result = run("--replay", CASSETTES / "umin-R000047329-v1", "check", config=config)
    assert result.exit_code == 0, result.output
    assert "first version stored" in result.output


def test_record_into_an_unusable_directory(config, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run("record", "R000047329", "--out", blocker / "cassette", config=config)
    assert_one_line_error(result, 2, "cannot write cassettes to")
    run("add", "R000047329", config=config)
    result = run("--record", blocker / "cassette", "check", config=config)
    assert_one_line_error(result, 2, "cannot write cassettes to")


def test_a_missing_secret_is_refused_before_the_database_is_made(tmp_path, monkeypatch):
    monkeypatch.delenv("CTR_TEST_ABSENT_SECRET", raising=False)
    database = tmp_path / "fresh.db"
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{database}"\n[[watch]]\nid = "R000047329"\n'
                      '[[alerts.webhook]]\nurl = "https://hooks.example.org/x"\n'
                      'secret_env = "CTR_TEST_ABSENT_SECRET"\n', encoding="utf-8")
    for command in (["check"], ["run"], ["alerts", "--retry"]):
        result = run(*command, config=config)
        assert result.exit_code == 2, result.output
        assert "CTR_TEST_ABSENT_SECRET" in result.output
        assert not database.exists(), command


def test_ids_typed_full_width_and_urls_without_their_id(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{tmp_path / "x.db"}"\n', encoding="utf-8")
    assert run("add", "ＵＭＩＮ０００041461", config=config).output == \
        "watching UMIN000041461\n"
    broken = run("add", "https://center6.umin.ac.jp/cgi-open-bin/ctr_e/ctr_view.cgi?"
                 "recptno=R12", config=config)
    assert broken.exit_code == 2
    assert "is not the page of a trial this monitor reads (is its trial ID whole?)" in \
        broken.output
    nothing = run("search", '"', config=config)
    assert nothing.exit_code == 2 and "has no letter or digit" in nothing.output


def test_no_config_in_the_folder_is_said_where_nothing_is_watched(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    listed = run("list")
    assert listed.exit_code == 0
    assert "(no config.toml in this folder: the defaults apply" in listed.output
    checked = run("check")
    assert checked.exit_code == 2 and "no config.toml in this folder" in checked.output


def test_command_line_mistakes_are_one_line_too(tmp_path):
    import subprocess
    import sys

    for args, words in ((["list", "--bogus"], "No such option '--bogus'"),
                        (["frobnicate"], "No such command 'frobnicate'"),
                        (["parse", "x.html"], "Missing option '--registry'. Choose from: "
                                              "jrct, umin")):
        result = subprocess.run([sys.executable, "-m", "monitor", *args], cwd=tmp_path,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), \
            result.stderr
        assert words in result.stderr and "--help`)" in result.stderr


def test_search_finds_a_trial_by_its_id_and_by_the_listing_s_other_language(tmp_path):
    """Only the English page of the seed trial is fetched; the daily listing has its
    Japanese title, so 肝硬変 finds it, titled in Japanese for a Japanese reader."""
    from conftest import ROOT

    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(text.replace('database = "ctr-monitor.db"',
                                   f'database = "{tmp_path / "demo.db"}"'), encoding="utf-8")
    assert run("--replay", CASSETTES / "seed-v1", "check", config=config).exit_code == 0
    found = run("search", "肝硬変", "--lang", "ja", config=config).output
    assert "UMIN000041461 (UMIN-CTR)" in found and "jRCT2063200014 (jRCT)" in found
    assert "非代償性肝硬変患者に対する自己骨髄間葉系幹細胞の有効性及び安全性の検討" in found
    by_id = run("search", "R000047329", config=config).output
    assert by_id.startswith("UMIN000041461 (UMIN-CTR)")
    assert run("--replay", CASSETTES / "seed-v2", "check", config=config).exit_code == 0
    report = run("report", "--lang", "ja", config=config).output  # the listing's title
    assert "UMIN000041461 (UMIN-CTR) — 非代償性肝硬変患者に対する自己骨髄間葉系幹細胞" in report


def test_ctr_monitor_alone_shows_its_help(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "monitor"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert "Usage: ctr-monitor [OPTIONS] COMMAND" in result.stdout + result.stderr
    assert "Commands:" in result.stdout + result.stderr and "error:" not in result.stderr


def test_a_config_watch_not_checked_yet_says_so(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{tmp_path / "x.db"}"\n'
                      '[[watch]]\nid = "R000047329"\n', encoding="utf-8")
    assert_one_line_error(run("history", "R000047329", config=config), 2,
                          "is listed under [[watch]] but not checked yet")
    assert_one_line_error(run("history", "UMIN000099999", config=config), 2,
                          "is not watched: add it")
