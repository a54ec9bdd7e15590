"""Reports (text, Markdown, JSON, HTML), the Atom feed, overdue flags, Datasette views."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
from datetime import date

import feedparser
import pytest
from click.testing import CliRunner
from conftest import VIEW_EN, cassette_body

from monitor.cli.main import cli
from monitor.report import overdue_flags
from monitor.report.overdue import OverdueRules
from monitor.report.render import word_diff

HTML = {"content-type": "text/html; charset=UTF-8"}
JRCT_JA = "https://jrct.niph.go.jp/latest-detail/jRCT2063200014"
HOSTILE = b"&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def config(tmp_path, httpx_mock):
    """The seed trial and its jRCT twin, two checks: UMIN changes status (and an IRB
    phone number to hostile text), jRCT stays recruiting, so the two now disagree."""
    path = tmp_path / "config.toml"
    path.write_text('[http]\nmin_interval = "0s"\nmax_retries = 0\n'
                    '[[watch]]\nid = "R000047329"\n', encoding="utf-8")
    v2 = cassette_body("umin-R000047329-v2", VIEW_EN).replace(b"0836-22-2428", HOSTILE)
    for body in (cassette_body("umin-R000047329-v1", VIEW_EN), v2):
        httpx_mock.add_response(url=VIEW_EN, content=body, headers=HTML)
    for _ in range(2):
        httpx_mock.add_response(url=JRCT_JA, headers=HTML,
                                content=cassette_body("jrct-jRCT2063200014-v1", JRCT_JA))
    for _ in range(2):
        assert run(path, "check").exit_code == 0
    return path


def run(config, *args):
    return CliRunner().invoke(cli, ["--config", str(config), *args])


def test_text_report(config):
    text = run(config, "report").output
    assert text.startswith("Changes since ")
    umin = text[text.index("UMIN000041461 (umin)"):]
    assert "! disagrees with jRCT2063200014 on status: umin active_not_recruiting, " \
           "jrct recruiting" in umin
    lines = [line for line in umin.splitlines() if line.startswith("  HIGH") or
             line.startswith("  MEDIUM") or line.startswith("  LOW")]
    assert lines[0].startswith("  HIGH    status  recruiting → active_not_recruiting")
    assert [line.split()[0] for line in lines] == sorted(
        (line.split()[0] for line in lines), key=["HIGH", "MEDIUM", "LOW"].index)


def test_json_report(config):
    data = json.loads(run(config, "report", "--format", "json").output)
    [umin] = [t for t in data["trials"] if t["registry"] == "umin"]
    assert umin["changes"][0]["field"] == "status"
    assert [p["status"] for p in umin["timeline"]] == ["recruiting", "active_not_recruiting"]
    assert umin["disagreements"][0]["values"] == {"umin": "active_not_recruiting",
                                                  "jrct": "recruiting"}
    assert umin["linked_to"] == ["jRCT2063200014"]
    assert data["trials"][0]["registry"] == "umin"  # most severe change first
    # the jRCT twin has no change in the period but a disagreement: it is listed too
    assert [t["trial_id"] for t in data["trials"]] == ["UMIN000041461", "jRCT2063200014"]


def test_report_period_and_watch_filter(config, httpx_mock):
    future = json.loads(run(config, "report", "--since", "2999-01-01", "--format",
                            "json").output)
    assert all(t["changes"] == [] for t in future["trials"])
    # a second, unrelated trial: --watch must leave it out, and only it
    other = VIEW_EN.replace("R000047329", "R000020832")
    httpx_mock.add_response(url=other, headers=HTML,
                            content=cassette_body("umin-R000020832", other))
    run(config, "add", "R000020832")
    assert run(config, "check", "R000020832").exit_code == 0
    everyone = json.loads(run(config, "report", "--all", "--format", "json").output)
    assert {t["trial_id"] for t in everyone["trials"]} == {
        "UMIN000041461", "jRCT2063200014", "UMIN000018001"}
    only = json.loads(run(config, "report", "--all", "--watch", "UMIN000018001",
                          "--format", "json").output)
    assert [t["trial_id"] for t in only["trials"]] == ["UMIN000018001"]
    pair = json.loads(run(config, "report", "--all", "--watch", "jRCT2063200014",
                          "--format", "json").output)
    assert {t["trial_id"] for t in pair["trials"]} == {"jRCT2063200014", "UMIN000041461"}
    bad = run(config, "report", "--since", "yesterday")
    assert bad.exit_code == 2 and "--since yesterday: use a date" in bad.output


def test_markdown_report_escapes(config):
    markdown = run(config, "report", "--format", "markdown").output
    assert markdown.startswith("# Trial changes since ")
    assert "| high | `status` | recruiting | active_not_recruiting |" in markdown
    assert "<script>" not in markdown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown


def test_html_report_is_self_contained_and_escaped(config, tmp_path):
    out = tmp_path / "report.html"
    result = run(config, "report", "--format", "html", "--output", str(out))
    assert result.exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<script" not in page and "<link" not in page and " src=" not in page
    assert set(re.findall(r'href="([^"]+)"', page)) == {VIEW_EN, JRCT_JA}  # registry pages
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<del>recruiting</del>" in page and "<ins>active_not_recruiting</ins>" in page
    assert 'aria-label="status over time"' in page


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="Debian's chromium is not installed (see the README)")
def test_html_report_renders_in_headless_chromium(config, tmp_path):
    out = tmp_path / "report.html"
    run(config, "report", "--format", "html", "--output", str(out))
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", out.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert "UMIN000041461 (umin)" in dom
    assert "<ins>active_not_recruiting</ins>" in dom
    assert "<script>alert(1)</script>" not in dom  # registry text stayed text
    shot = tmp_path / "phone.png"
    subprocess.run(["chromium", *flags, "--window-size=400,1200", f"--screenshot={shot}",
                    out.as_uri()], capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 10_000


def test_word_diff_marks_changed_words_only():
    old, new = word_diff("Open public recruiting <now>", "No longer recruiting <now>")
    assert old == "<del>Open public</del> recruiting &lt;now&gt;"
    assert new == "<ins>No longer</ins> recruiting &lt;now&gt;"


def test_atom_feed_is_valid(config, tmp_path):
    out = tmp_path / "feed.xml"
    assert run(config, "feed", "--output", str(out)).exit_code == 0
    parsed = feedparser.parse(out.read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "ctr-monitor: clinical trial changes"
    [entry] = parsed.entries
    assert entry.id.endswith(":umin/UMIN000041461/en/v2")
    assert entry.title.startswith("UMIN000041461 (umin): status recruiting → "
                                  "active_not_recruiting")
    assert entry.link == VIEW_EN
    assert "<script>" not in entry.content[0].value  # registry text escaped in the HTML
    again = feedparser.parse(run(config, "feed").output.encode())
    assert [e.id for e in again.entries] == [entry.id]  # stable IDs: no duplicates


def test_overdue_flags():
    record = {"status": "recruiting", "date_completion": "2025-08-31",
              "date_last_modified": "2024-01-10"}
    flags = overdue_flags(record, date(2026, 11, 24))
    assert flags[0] == "still recruiting 450 days after its completion date (2025-08-31)"
    assert flags[1].startswith("not modified for 1049 days (since 2024-01-10)")
    assert overdue_flags({**record, "status": "completed"}, date(2026, 11, 24)) == []
    # one day past its completion date, within a 30-day grace: only the staleness flag
    assert [f.split(" (")[0] for f in overdue_flags(record, date(2025, 9, 1),
                                                     OverdueRules(365, 30))] == [
        "not modified for 600 days"]
    assert overdue_flags(record, date(2024, 6, 1), OverdueRules(365, 30)) == []


def test_list_shows_overdue(config):
    listed = json.loads(run(config, "list", "--format", "json").output)
    assert any("not modified for" in flag for flag in listed[0]["overdue"])
    assert "OVERDUE: not modified for" in run(config, "list").output


def test_datasette_views_and_full_text_search(config, tmp_path):
    database = tmp_path / "ctr-monitor.db"
    with sqlite3.connect(database) as conn:
        conn.row_factory = sqlite3.Row
        latest = conn.execute("select * from latest_records order by registry desc").fetchall()
        assert [(r["registry"], r["trial_id"], r["version"], r["status"]) for r in latest] == [
            ("umin", "UMIN000041461", 2, "active_not_recruiting"),
            ("jrct", "jRCT2063200014", 1, "recruiting")]
        change = conn.execute("select * from changes where field = 'status'").fetchone()
        assert (change["trial_id"], change["old"], change["new"], change["severity"]) == (
            "UMIN000041461", '"recruiting"', '"active_not_recruiting"', "high")
        flag = conn.execute("select * from consistency").fetchone()
        assert (flag["trial_id"], flag["other_trial_id"], flag["field"]) == (
            "UMIN000041461", "jRCT2063200014", "status")
        hits = conn.execute("select rowid from versions_fts where versions_fts match "
                            "'cirrhosis'").fetchall()
        assert len(hits) == 3
        sql = conn.execute("select sql from sqlite_master where name = 'versions_fts'"
                           ).fetchone()[0]
        assert "trigram" in sql
