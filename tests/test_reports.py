"""What people read: reports (text, Markdown, JSON, HTML), the Atom feed, alerts, the watch
list — in English and Japanese, each change counted once, registry text escaped."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
from datetime import date

import feedparser
import markdown_it
import pytest
from click.testing import CliRunner
from conftest import (
    LOCAL_JRCT_JA,
    LOCAL_VIEW_EN,
    LOCAL_VIEW_JA,
    VIEW_EN,
    VIEW_JA,
    cassette_body,
    write_config,
)

from monitor.alert.messages import email_html, email_text, headline, slack_text
from monitor.cli.main import cli
from monitor.config import OverdueRules
from monitor.normalize.record import TrialRecord
from monitor.report import overdue_flags

HTML = {"content-type": "text/html; charset=UTF-8"}
HOSTILE = b"[click me](javascript:alert(4)) &lt;script&gt;alert(1)&lt;/script&gt;"
JRCT_JA = "https://jrct.mhlw.go.jp/latest-detail/jRCT2063200014"


def edited(cassette: str, url: str, second: bool) -> bytes:
    body = cassette_body(cassette, url)
    if second:  # one line of a seven-line field, and hostile text in a contact field
        body = body.replace(b"Child-Pugh score must be 7-12 points",
                            b"Child-Pugh score must be 7-10 points")
        body = body.replace(b"0836-22-2428", HOSTILE)
    return body


@pytest.fixture
def config(tmp_path, httpx_mock):
    """The seed trial watched in both languages, with its jRCT twin; two checks: UMIN
    changes its status and one line of its inclusion criteria (on both language pages),
    jRCT stays recruiting, so the two now disagree."""
    path = write_config(tmp_path, '[[watch]]\nid = "R000047329"\n')
    text = path.read_text(encoding="utf-8").replace(
        'use_csv = false', 'use_csv = false\nlanguages = ["en", "ja"]')
    path.write_text(text, encoding="utf-8")
    for version in (1, 2):
        cassette = f"umin-R000047329-v{version}"
        httpx_mock.add_response(url=LOCAL_VIEW_EN, headers=HTML,
                                content=edited(cassette, VIEW_EN, version == 2))
        httpx_mock.add_response(url=LOCAL_VIEW_JA, headers=HTML,
                                content=edited(cassette, VIEW_JA, version == 2))
        httpx_mock.add_response(url=LOCAL_JRCT_JA, headers=HTML,
                                content=cassette_body("jrct-jRCT2063200014-v1", JRCT_JA))
    for _ in range(2):
        result = run(path, "check")
        assert result.exit_code == 0, result.output
    return path


def run(config, *args):
    return CliRunner().invoke(cli, ["--config", str(config), *map(str, args)])


def test_text_report_in_people_s_words_each_change_once(config):
    text = run(config, "report").output
    assert text.startswith("Changes since ")
    # four changes of one trial (status, last-modified, a criteria line, a phone number),
    # though each was seen on two language pages
    assert ": 4 changes in 1 trial" in text.splitlines()[0]
    umin = text[text.index("UMIN000041461 (UMIN-CTR)"):]
    assert "Recruitment status: No longer recruiting, last modified 2025-06-10" in umin
    assert "! UMIN-CTR says No longer recruiting, jRCT says Recruiting" in umin
    assert "High    Recruitment status: Open public recruiting → No longer recruiting  " \
           "(English, Japanese," in umin
    # the long field: the changed line, a line of context, not all seven lines twice
    assert "Eligibility › Key inclusion criteria" in umin
    assert "- (4) Child-Pugh score must be 7-12 points" in umin
    assert "+ (4) Child-Pugh score must be 7-10 points" in umin
    assert umin.count("(1) Patients have the will") == 0
    for identifier in ("active_not_recruiting", "date_last_modified", "fields.", "(umin)"):
        assert identifier not in text


def test_japanese_report(config):
    text = run(config, "report", "--lang", "ja").output
    assert text.splitlines()[0].endswith("1件の試験で4件")
    assert "  試験進捗状況：募集終了、最終更新日：2025-06-10" in text  # UMIN's own field name
    assert "試験進捗状況：一般募集中 → 募集終了（英語、日本語" in text
    assert "UMIN000041461 (UMIN-CTR) — 非代償性肝硬変患者" in text  # the Japanese title
    assert "UMIN-CTRでは「募集終了」、jRCTでは「募集中」" in text
    assert "適格性 › 選択基準" in text


def test_json_report_keeps_identifiers(config):
    data = json.loads(run(config, "report", "--format", "json").output)
    [umin] = [t for t in data["trials"] if t["registry"] == "umin"]
    status = umin["changes"][0]
    assert (status["field"], status["new"], status["languages"]) == (
        "status", "active_not_recruiting", ["en", "ja"])
    assert status["versions"] == {"en": 2, "ja": 2}
    # the timeline is dated by the registry's last-modified dates
    assert [(p["date"], p["status"]) for p in umin["timeline"]] == [
        ("2025-03-03", "recruiting"), ("2025-06-10", "active_not_recruiting")]
    assert umin["disagreements"][0]["values"] == {"umin": "active_not_recruiting",
                                                  "jrct": "recruiting"}
    assert umin["linked_to"] == ["jRCT2063200014"]
    assert [t["trial_id"] for t in data["trials"]] == ["UMIN000041461", "jRCT2063200014"]


def test_report_period_and_watch_filter(config, httpx_mock):
    bad = run(config, "report", "--since", "2999-01-01")
    assert bad.exit_code == 2 and "--since 2999-01-01: that is in the future" in bad.output
    bad = run(config, "report", "--since", "yesterday")
    assert bad.exit_code == 2 and "--since yesterday: use a date" in bad.output
    old = json.loads(run(config, "report", "--since", "2000-01-01", "--format", "json").output)
    assert old["trials"][0]["trial_id"] == "UMIN000041461"
    other = LOCAL_VIEW_EN.replace("R000047329", "R000020832")
    for url in (other, other.replace("ctr_e", "ctr")):
        httpx_mock.add_response(url=url, headers=HTML, content=cassette_body(
            "umin-R000020832", VIEW_EN.replace("R000047329", "R000020832")))
    run(config, "add", "R000020832")
    run(config, "check", "R000020832")
    only = json.loads(run(config, "report", "--all", "--watch", "R000020832",
                          "--format", "json").output)
    assert [t["trial_id"] for t in only["trials"]] == ["UMIN000018001"]
    pair = json.loads(run(config, "report", "--all", "--watch", "jRCT2063200014",
                          "--format", "json").output)
    assert {t["trial_id"] for t in pair["trials"]} == {"jRCT2063200014", "UMIN000041461"}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_markdown_report_is_inert(config, lang):
    markdown = run(config, "report", "--format", "markdown", "--lang", lang).output
    rendered = markdown_it.MarkdownIt("commonmark").enable("table").render(markdown)
    assert "<script>" not in rendered and "<img" not in rendered
    links = re.findall(r'<a href="([^"]+)"', rendered)
    assert set(links) == {LOCAL_VIEW_EN, LOCAL_JRCT_JA}
    assert "```diff" in markdown  # the long field as a diff of its changed lines
    words = {"en": "No longer recruiting", "ja": "募集終了"}[lang]
    assert words in markdown


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_html_report_is_self_contained_and_escaped(config, tmp_path, lang):
    out = tmp_path / f"report-{lang}.html"
    result = run(config, "report", "--format", "html", "--lang", lang, "--output", out)
    assert result.exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and f'<html lang="{lang}">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<script" not in page and "<link" not in page and " src=" not in page
    assert set(re.findall(r'href="([^"]+)"', page)) == {LOCAL_VIEW_EN, LOCAL_JRCT_JA}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<time>2025-06-10</time>" in page  # registry dates, kept whole
    assert re.search(r"<h1>[^<]*<time>\d{4}-\d{2}-\d{2}</time>", page)  # even in titles
    # the long field: the changed passage, the full text on demand
    assert "diff-passage" in page and "<details" in page


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="Debian's chromium is not installed (see the README)")
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_html_report_renders_in_headless_chromium(config, tmp_path, lang):
    out = tmp_path / "report.html"
    run(config, "report", "--format", "html", "--lang", lang, "--output", out)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", out.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert "UMIN000041461 (UMIN-CTR)" in dom
    assert "<script>alert(1)</script>" not in dom  # registry text stayed text
    for width in (1200, 400):
        shot = tmp_path / f"{lang}-{width}.png"
        subprocess.run(["chromium", *flags, f"--window-size={width},1600",
                        f"--screenshot={shot}", out.as_uri()], capture_output=True, timeout=120)
        assert shot.exists() and shot.stat().st_size > 10_000


def test_atom_feed_is_valid_and_stable(config, tmp_path):
    text = config.read_text(encoding="utf-8") + \
        '[report]\nfeed_url = "https://example.org/ctr/feed.xml"\n'
    config.write_text(text, encoding="utf-8")
    out = tmp_path / "feed.xml"
    assert run(config, "feed", "--output", out).exit_code == 0
    parsed = feedparser.parse(out.read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "ctr-monitor: clinical trial changes"
    assert parsed.feed.id.startswith("urn:uuid:")
    assert any(link.rel == "self" and link.href == "https://example.org/ctr/feed.xml"
               for link in parsed.feed.links)
    [entry] = parsed.entries  # the two language pages of one check: one entry
    assert entry.title.startswith("UMIN000041461 (UMIN-CTR): Recruitment status Open public "
                                  "recruiting → No longer recruiting")
    assert entry.link == LOCAL_VIEW_EN
    assert "<script>" not in entry.content[0].value
    # the feed's ID names the database, not its path
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    for file in tmp_path.glob("ctr-monitor.db*"):
        file.rename(moved / file.name)
    config.write_text(text.replace('[http]', f'[storage]\ndatabase = "{moved}/ctr-monitor.db"\n'
                                             '[http]'), encoding="utf-8")
    again = feedparser.parse(run(config, "feed").output.encode())
    assert again.feed.id == parsed.feed.id
    assert [e.id for e in again.entries] == [entry.id]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_alert_format_in_both_languages(lang):
    changed = {"event": "trial.changed", "registry": "umin", "trial_id": "UMIN000041461",
               "url": LOCAL_VIEW_EN, "title": "LS-ABMSC1", "detected_at": "2026-11-25T00:00Z",
               "changes": [
                   {"field": "status", "old": "recruiting", "new": "active_not_recruiting",
                    "severity": "high", "languages": ["en", "ja"]},
                   {"field": "fields.Eligibility.Key inclusion criteria",
                    "old": "(1) a\n(2) b\n(3) c\n(4) 7-12 points\n(5) d\n(6) e",
                    "new": "(1) a\n(2) b\n(3) c\n(4) 7-10 points\n(5) d\n(6) e",
                    "severity": "medium", "languages": ["en", "ja"]}]}
    pair = {"event": "consistency.changed", "registry": "umin", "trial_id": "UMIN000041461",
            "detected_at": "2026-11-25T00:00Z",
            "trials": [{"registry": "umin", "trial_id": "UMIN000041461", "url": LOCAL_VIEW_EN},
                       {"registry": "jrct", "trial_id": "jRCT2063200014",
                        "url": LOCAL_JRCT_JA}],
            "opened": [{"field": "status", "severity": "high",
                        "values": {"umin": "active_not_recruiting", "jrct": "recruiting"}}],
            "resolved": [{"field": "target_sample_size", "severity": "medium",
                          "values": {"umin": 10, "jrct": 12}}]}
    words = {"en": ("No longer recruiting", "Key inclusion criteria",
                    "UMIN-CTR says No longer recruiting, jRCT says Recruiting",
                    "UMIN-CTR and jRCT agree again on Target sample size"),
             "ja": ("募集終了", "選択基準", "UMIN-CTRでは「募集終了」、jRCTでは「募集中」",
                    "UMIN-CTRとjRCTの目標参加者数が再び一致しています")}[lang]
    for render in (lambda e: email_text(e, "d", lang), lambda e: email_html(e, "d", lang),
                   lambda e: slack_text(e, lang)):
        body = render(changed)
        assert words[0] in body and words[1] in body
        assert "active_not_recruiting" not in body and "fields." not in body
        if "<html>" not in body:  # text: the changed line and its neighbours, not all six
            assert "(1) a" not in body and "(3) c" in body
        consistency = render(pair)
        assert words[2] in consistency and words[3] in consistency
        assert LOCAL_VIEW_EN in consistency and LOCAL_JRCT_JA in consistency  # both records
        assert '{"umin"' not in consistency  # no raw JSON
    assert words[2] in headline(pair, lang)


def test_overdue_flags():
    record = TrialRecord("umin", "UMIN000041461", "en", "u", status="recruiting",
                         date_completion="2025-08-31", date_last_modified="2024-01-10")
    flags = [str(f) for f in overdue_flags(record, date(2026, 11, 24))]
    assert flags[0] == "still recruiting 450 days after its completion date (2025-08-31)"
    assert flags[1].startswith("not modified for 1049 days (since 2024-01-10)")
    record.status = "completed"
    assert overdue_flags(record, date(2026, 11, 24)) == []
    record.status = "recruiting"
    # one day past its completion date, within a 30-day grace: only the staleness flag
    assert [f.kind for f in overdue_flags(record, date(2025, 9, 1), OverdueRules(365, 30))] == [
        "stale"]
    assert overdue_flags(record, date(2024, 6, 1), OverdueRules(365, 30)) == []


def test_list_fits_80_columns_and_says_what_it_knows(config, monkeypatch):
    import monitor.cli.render as render

    monkeypatch.setattr(render, "width", lambda: 80)
    text = run(config, "list").output
    assert all(render.cells(line) <= 80 for line in text.splitlines()), text
    assert "UMIN000041461 (UMIN-CTR)  No longer recruiting" in text
    assert "jRCT2063200014 (jRCT)  Recruiting" in text  # whole, never cut
    assert "not modified for" not in text or "since" in text
    assert "jRCT2063200014 differs: Recruitment status" in text
    assert text.count("jRCT2063200014 (jRCT)") == 1  # each trial once
    japanese = run(config, "list", "--lang", "ja").output
    assert all(render.cells(line) <= 80 for line in japanese.splitlines()), japanese
    assert "募集終了" in japanese
    monkeypatch.setattr(render, "width", lambda: 200)
    wide = run(config, "list").output
    assert "linked records" in wide and "No longer recruiting" in wide
    for lang in ("en", "ja"):
        for columns in (110, 120, 140):  # a table where health and links fit, else blocks
            monkeypatch.setattr(render, "width", lambda columns=columns: columns)
            lines = run(config, "list", "--lang", lang).output.splitlines()
            assert all(render.cells(line) <= columns for line in lines), lines
        monkeypatch.setattr(render, "width", lambda: 160)  # padded by cells: kanji are two
        table = run(config, "list", "--lang", lang).output.splitlines()
        assert all(render.cells(line) <= 160 for line in table), table
        header, first = table[0], table[1]
        column = render.cells(header[:header.index(header.split()[2])])  # the status column
        assert render.cells(first[:first.index("募集終了" if lang == "ja" else "No longer")]) \
            == column


def test_table_columns_fold_within_the_width():
    from rich.console import Console

    from monitor.cli.render import cells, print_table

    console = Console(width=60, file=__import__("io").StringIO())
    print_table(console, ["trial", "health", "links"],
                [["UMIN000041461", "待機中：" * 12, "jRCT2063200014 differs: status"],
                 ["R1", "ok", "—"]], folding=(1, 2))
    lines = console.file.getvalue().splitlines()
    assert all(cells(line) <= 60 for line in lines), lines
    assert lines[0].startswith("trial          health")
    assert "".join(line[15:].split("  ")[0] for line in lines[1:]).count("待機中") == 12


def test_table_header_is_bold_where_rich_would_make_it_bold(monkeypatch):
    import io

    from monitor.cli.render import PlainScreen, print_table

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def drawn(file: io.StringIO) -> str:
        print_table(PlainScreen(width=80, file=file), ["trial", "status"], [["R1", "募集中"]])
        return file.getvalue()

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert drawn(Terminal()).startswith("\x1b[1mtrial  status\x1b[0m\nR1     募集中\n")
    assert drawn(io.StringIO()) == "trial  status\nR1     募集中\n"  # piped: plain
    monkeypatch.setenv("TERM", "dumb")
    assert "\x1b" not in drawn(Terminal())
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert drawn(io.StringIO()).startswith("\x1b[1m")


def test_list_of_a_pair_never_compared_and_a_trial_never_checked(tmp_path):
    config = write_config(tmp_path, '[[watch]]\nid = "R000047329"\n')
    listed = json.loads(run(config, "list", "--format", "json").output)
    assert [(t["keys"], t["health"]) for t in listed] == [
        ({"receipt_number": "R000047329"}, "never_checked")]
    assert "not checked yet" in run(config, "list").output


def test_datasette_views_and_full_text_search(config, tmp_path):
    database = tmp_path / "ctr-monitor.db"
    with sqlite3.connect(database) as conn:
        conn.row_factory = sqlite3.Row
        latest = conn.execute("select * from latest_records where language = 'en' "
                              "order by registry desc").fetchall()
        assert [(r["registry"], r["trial_id"], r["version"], r["status"]) for r in latest] == [
            ("umin", "UMIN000041461", 2, "active_not_recruiting")]
        change = conn.execute("select * from changes where field = 'status' "
                              "and new = 'active_not_recruiting'").fetchone()
        assert (change["trial_id"], change["old"], change["severity"]) == (
            "UMIN000041461", "recruiting", "high")
        flag = conn.execute("select * from consistency").fetchone()
        assert (flag["trial_id"], flag["other_trial_id"], flag["field"]) == (
            "UMIN000041461", "jRCT2063200014", "status")
        # Full-text search for Datasette: each trial's distinct titles and conditions
        # once (five versions, three distinct sets: UMIN's English page, its Japanese
        # page, jRCT's page), not every version's copy.
        found = ("select t.trial_id from search_texts_fts f join search_texts s "
                 "on s.id = f.rowid join trials t on t.id = s.trial "
                 "where search_texts_fts match ? order by t.trial_id")
        assert [r[0] for r in conn.execute(found, ["cirrhosis"])] == [
            "UMIN000041461", "UMIN000041461", "jRCT2063200014"]
        assert [r[0] for r in conn.execute(found, ["肝硬変"])] == [
            "UMIN000041461", "jRCT2063200014"]
        assert conn.execute("select count(*) from versions").fetchone()[0] == 5
        assert conn.execute("select count(*) from search_texts").fetchone()[0] == 3
    metadata = json.loads(run(config, "datasette-metadata").output)
    tables = metadata["databases"]["ctr-monitor"]["tables"]
    assert "compressed" in tables["versions"]["columns"]["record"]
    assert "distinct" in tables["search_texts"]["description"]


def test_search_finds_trials_in_either_language(config):
    assert "UMIN000041461" in run(config, "search", "肝硬変").output
    assert "jRCT2063200014" in run(config, "search", "肝硬変").output
    assert "UMIN000041461" in run(config, "search", "CIRRHOSIS").output
    assert "no stored trial mentions" in run(config, "search", "白血病").output


def test_a_change_shown_on_the_two_pages_a_day_apart_is_still_one_change(tmp_path, httpx_mock):
    """The registry updated its English page one day and its Japanese page the next: one
    alert, one change in the report, one feed entry."""
    hook = "http://127.0.0.1:8009/h"
    httpx_mock.add_response(url=hook, method="POST", is_reusable=True, is_optional=True)
    path = write_config(tmp_path, '[[watch]]\nid = "R000047329"\n[links]\nfollow = false\n'
                        f'[[alerts.webhook]]\nurl = "{hook}"\n')
    text = path.read_text(encoding="utf-8").replace(
        'use_csv = false', 'use_csv = false\nlanguages = ["en", "ja"]')
    path.write_text(text, encoding="utf-8")
    pages = {LOCAL_VIEW_EN: ("v1", "v2", "v2"), LOCAL_VIEW_JA: ("v1", "v1", "v2")}
    for url, versions in pages.items():
        original = VIEW_EN if url == LOCAL_VIEW_EN else VIEW_JA
        for version in versions:
            httpx_mock.add_response(url=url, headers=HTML, content=cassette_body(
                f"umin-R000047329-{version}", original))
    for _ in range(3):
        assert run(path, "check").exit_code == 0
    posted = [json.loads(r.content) for r in httpx_mock.get_requests(method="POST")]
    changed = [event for event in posted if event["event"] == "trial.changed"]
    assert len(changed) == 1 and changed[0]["changes"][0]["field"] == "status"
    data = json.loads(run(path, "report", "--format", "json").output)
    [umin] = data["trials"]
    assert [c["field"] for c in umin["changes"]] == ["status", "date_last_modified"]
    assert umin["changes"][0]["languages"] == ["en", "ja"]
    feed = feedparser.parse(run(path, "feed").output.encode())
    assert len(feed.entries) == 1


def test_alerts_table_at_any_width():
    """Wide enough: a table; narrower (80 columns): each alert in a few named lines,
    never nothing."""
    import io

    from monitor.cli.render import PlainScreen, alerts_table, cells
    from monitor.store import AlertRow

    rows = [AlertRow(id=1, delivery_id="d1", channel="webhook-1", event="trial.changed",
                     trial=1, payload={"trial_id": "UMIN000041461"}, status="pending",
                     attempts=3, created_at="2026-11-25T10:00:00.000Z",
                     next_attempt_at="2026-11-25T10:05:00.000Z",
                     last_error="HTTP 503 from hooks.example.org: Service Unavailable")]
    wide, narrow = io.StringIO(), io.StringIO()
    alerts_table(PlainScreen(width=200, file=wide), rows, "en")
    alerts_table(PlainScreen(width=80, file=narrow), rows, "en")
    assert wide.getvalue().splitlines()[0].split() == [
        "status", "event", "trial", "channel", "attempts", "queued", "next", "try", "last",
        "error"]
    assert "webhook-1" in wide.getvalue()
    lines = narrow.getvalue().splitlines()
    assert lines[0] == "waiting  trial changed  UMIN000041461"
    assert all(cells(line) <= 80 for line in lines)
    text = " ".join(narrow.getvalue().split())
    assert "channel: webhook-1 attempts: 3" in text
    assert "last error: HTTP 503 from hooks.example.org: Service Unavailable" in text
    japanese = io.StringIO()
    alerts_table(PlainScreen(width=40, file=japanese), rows, "ja")
    lines = japanese.getvalue().splitlines()
    assert lines[0] == "送信待ち  試験の変更  UMIN000041461"
    assert all(cells(line) <= 40 for line in lines), lines
    assert "最後のエラー：HTTP 503" in "".join(lines).replace("    ", "")


def test_output_cut_short_by_its_reader_ends_quietly(tmp_path):
    """`ctr-monitor history … | head -1`: exit 0 and nothing on stderr, as for `list`,
    when the reader has gone before anything is written."""
    import os
    import subprocess
    import sys

    from conftest import CASSETTES, ROOT

    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(text.replace('database = "ctr-monitor.db"',
                                   f'database = "{tmp_path / "demo.db"}"'), encoding="utf-8")
    assert run(config, "--replay", str(CASSETTES / "seed-v1"), "check").exit_code == 0
    for command in (["history", "UMIN000041461"], ["list"], ["report"]):
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader is gone: every write fails with EPIPE
        try:
            writer = subprocess.run(
                [sys.executable, "-m", "monitor", "--config", str(config), *command],
                stdout=write_end, stderr=subprocess.PIPE, timeout=60)
        finally:
            os.close(write_end)
        assert (writer.returncode, writer.stderr.decode()) == (0, ""), command
    # a command that does work and was cut short did not succeed
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        writer = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(config), "--replay",
             str(CASSETTES / "seed-v2"), "check"],
            stdout=write_end, stderr=subprocess.PIPE, timeout=60)
    finally:
        os.close(write_end)
    assert writer.returncode == 1
    assert "output closed before `check` finished writing it" in writer.stderr.decode()


def test_japanese_folds_between_characters_but_keeps_dates_and_hosts_whole():
    from monitor.cli.render import cells, fold

    text = "待機中：center6.umin.ac.jp に接続できません（2025-06-10以降）"
    for room in (12, 16, 24, 40):
        lines = fold(text, room)
        assert all(cells(line) <= room for line in lines), lines
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert any("2025-06-10" in line for line in lines), lines
        if room >= len("center6.umin.ac.jp"):
            assert any("center6.umin.ac.jp" in line for line in lines), lines
    assert fold("x" * 30 + "あ", 7)[0] == "x" * 7  # longer than a line: cut where it must
    assert fold("あいう", 1) == ["あ", "い", "う"]  # narrower than a kanji: one a line
    flags = ("正常。終了日（2025-08-31）から451日経っても「募集中」のままです。"
             "終了していないのに643日間（2025-02-20以降）更新されていません")
    for room in range(8, 40):
        lines = fold(flags, room)
        assert "".join(lines) == flags and all(cells(line) <= room for line in lines)
        assert not any(line[-1] in "（「" for line in lines), (room, lines)
        assert not any(line[0] in "、。）」" for line in lines), (room, lines)
        if room >= cells("（2025-08-31）"):  # where it can, a date stays whole
            assert any("2025-08-31" in line for line in lines), (room, lines)
    assert fold("試験の番号はjRCT2063200014、次の試験", 26) == [
        "試験の番号は", "jRCT2063200014、次の試験"]  # the ID moves whole with its 、


def test_a_check_held_by_its_host_reads_in_the_reader_s_language():
    from monitor.check.outcome import PageOutcome
    from monitor.cli.render import outcome_line
    from monitor.store import TrialRow

    row = TrialRow(id=1, registry="umin", trial_id="UMIN000041461", keys=(), title=None,
                   status=None, date_last_modified=None, watched=True, watch_source="cli",
                   added_input="x", added_at="", last_checked_at=None, last_success_at=None,
                   consecutive_failures=0, last_error=None)
    held = PageOutcome(row, None, "deferred", error="cannot reach center6.umin.ac.jp (dns)",
                       reason="unreachable", host="center6.umin.ac.jp")
    assert outcome_line(held, "ja") == \
        "UMIN000041461 (UMIN-CTR)  延期：center6.umin.ac.jpに接続できません"
    assert outcome_line(held, "en").endswith("deferred: cannot reach center6.umin.ac.jp (dns)")
