"""The read commands at scale: `list` decompresses no record, a report reads whole only
the trials it reports (its cost follows the window and the flags), and the bulk reads
they use agree with the one-trial reads they replace."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, date, datetime

import pytest
from conftest import VIEW_EN, VIEW_JA, cassette_body, make_monitor

from monitor.check.derive import derive
from monitor.diff import Change, Severity
from monitor.normalize.record import TrialRecord
from monitor.registries.base import TrialRef
from monitor.report import overdue_flags, views
from monitor.store.versions import Versions, pick_language

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC).timestamp()
SINCE = "2026-11-18T00:00:00.000Z"


def record_of(umin, cassette, url, language, number):
    raw = cassette_body(cassette, url).decode()
    raw = raw.replace("R000047329", f"R{number:09d}").replace("UMIN000041461",
                                                              f"UMIN{number:09d}")
    derived = derive(umin, raw, language, url)
    return raw.encode(), derived.record, derived.content_hash


@pytest.fixture
def history(tmp_path, umin):
    """Six watched trials with two versions each, all seen long ago except trial 2's
    second version; trial 3 checks are failing, trial 4 is stale (an overdue flag),
    trial 5 has a Japanese page too, and trial 1 is linked to a jRCT twin that
    disagrees with it."""
    monitor = make_monitor(tmp_path, '[umin]\nlanguages = ["en", "ja"]\n', clock=lambda: NOW)
    store = monitor.store
    ids = {}
    with store.transaction():
        for number in range(1, 7):
            row, _ = store.trials.watch(TrialRef("umin", trial_id=f"UMIN{number:09d}"),
                                        source="cli", typed=f"UMIN{number:09d}")
            ids[number] = row.id
            pages = [("umin-R000047329-v1", VIEW_EN, "en"), ("umin-R000047329-v2", VIEW_EN, "en")]
            if number == 5:
                pages.append(("umin-R000047329-v1", VIEW_JA, "ja"))
            previous: dict[str, TrialRecord] = {}
            for cassette, url, language in pages:
                raw, record, digest = record_of(umin, cassette, url, language, number)
                record = dataclasses.replace(  # due to complete in years, touched lately
                    record, date_completion="2030-12-31",
                    date_last_modified=f"2026-{9 + int(cassette[-1])}-01")
                if number == 4:  # not modified since 2020, still recruiting
                    record = dataclasses.replace(record, date_last_modified="2020-01-01",
                                                 status="recruiting")
                changes = monitor.policy.diff(previous[language], record) \
                    if language in previous else []
                previous[language] = record
                store.versions.add(row.id, language, record, digest, raw, "text/html", changes,
                                   check_id=f"c{number}{cassette[-1]}{language}", parser="p")
        db = store.database.db
        db.execute("update versions set seen_at = '2025-01-01T00:00:00.000Z'")
        db.execute("update versions set seen_at = '2026-11-20T00:00:00.000Z' where trial = ? "
                   "and number = 2", [ids[2]])
        db.execute("update trials set last_checked_at = '2026-11-24T00:00:00.000Z', "
                   "consecutive_failures = case id when ? then 2 else 0 end", [ids[3]])
        twin = store.trials.add_linked(TrialRef("jrct", trial_id="jRCT2063200014"))
        store.links.link(ids[1], twin.id)
        from monitor.diff.consistency import Disagreement

        store.links.sync_disagreements(ids[1], twin.id, [Disagreement(
            "status", {"umin": "recruiting", "jrct": "completed"}, Severity.HIGH)])
    yield monitor, ids
    monitor.close()


@pytest.fixture
def records_read(monkeypatch):
    """The trials whose records were decompressed."""
    trials: list[int] = []
    original = Versions._record_bytes

    def counting(self, row):
        trials.append(row["trial"])
        return original(self, row)

    monkeypatch.setattr(Versions, "_record_bytes", counting)
    return trials


def test_list_decompresses_no_record_and_shows_the_latest_columns(history, records_read):
    monitor, ids = history
    entries = views.overview(monitor, TODAY)
    assert records_read == []
    by_trial = {entry.row.id: entry for entry in entries}
    store = monitor.store
    for number, pk in ids.items():
        full = store.versions.latest_record(pk, ("en", "ja"))
        columns = by_trial[pk].record
        assert columns is not None and full is not None
        assert (columns.language, columns.status, columns.date_last_modified,
                columns.date_completion, columns.target_sample_size, list(columns.conditions)) \
            == (full.language, full.status, full.date_last_modified, full.date_completion,
                full.target_sample_size, full.conditions), number
        assert by_trial[pk].overdue == overdue_flags(full, TODAY, monitor.config.overdue)
    assert [flag.kind for flag in by_trial[ids[4]].overdue] == ["stale"]
    assert [pair.state for pair in by_trial[ids[1]].pairs] == ["disagree"]
    twin_entry = entries[1]  # listed under the trial that links to it
    assert twin_entry.linked_from is not None and twin_entry.linked_from.id == ids[1]
    assert twin_entry.record is None and twin_entry.versions == 0


def test_a_report_reads_whole_only_the_trials_it_reports(history, records_read):
    monitor, ids = history
    reports = monitor.report(SINCE)
    reported = {report.row.id for report in reports}
    # trial 2 changed in the window; 3 is failing; 4 is overdue; 1 disagrees with its twin
    assert reported == {ids[1], ids[2], ids[3], ids[4], monitor.store.links.linked(ids[1])[0]}
    assert set(records_read) <= reported
    assert ids[5] not in records_read and ids[6] not in records_read
    [changed] = [r for r in reports if r.row.id == ids[2]]
    assert [c.change.field for c in changed.changes][:1] == ["status"]
    assert all(not r.changes for r in reports if r.row.id != ids[2])


def test_a_report_with_quiet_trials_agrees_with_the_one_without(history):
    monitor, ids = history
    everything = monitor.report(SINCE, include_quiet=True)
    newsworthy = monitor.report(SINCE)
    assert [r.to_dict() for r in everything if r.newsworthy] == \
        [r.to_dict() for r in newsworthy]
    assert {r.row.id for r in everything} >= set(ids.values())


def test_latest_columns_choose_the_language_latest_record_does(history):
    monitor, ids = history
    versions = monitor.store.versions
    latest = versions.latest_columns()
    assert set(latest[ids[5]]) == {"en", "ja"}
    for preferred in ((), ("ja",), ("en", "ja"), ("fr",)):
        chosen = pick_language(latest[ids[5]], preferred)
        full = versions.latest_record(ids[5], preferred)
        assert chosen is not None and full is not None
        assert chosen.language == full.language
    assert versions.latest_columns([ids[2]]).keys() == {ids[2]}
    assert versions.changed_trials_since(SINCE) == {ids[2]}
    assert [v.number for v in versions.columns_since(ids[2], SINCE)] == \
        [v.number for v in versions.since(ids[2], SINCE)] == [2]


def test_many_trials_at_once_beyond_sqlite_s_bound_variable_limit(store):
    rows = [store.trials.add_linked(TrialRef("jrct", trial_id=f"jRCT1{n:09d}"))
            for n in range(1, 4)]
    # SQLite's own default is 32,766 bound variables (999 before 3.32); builds differ
    store.database.db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    wanted = [rows[2].id, *range(10_000, 12_000), rows[0].id]
    assert [row.id for row in store.trials.many(wanted)] == [rows[2].id, rows[0].id]
    assert len(store.trials.all()) == 3


def test_a_change_in_one_check_on_two_language_pages_is_one_change(history):
    monitor, ids = history
    store = monitor.store
    _, old, _ = record_of(monitor.registries["umin"], "umin-R000047329-v1", VIEW_JA, "ja", 5)
    _, new, digest = record_of(monitor.registries["umin"], "umin-R000047329-v2", VIEW_JA, "ja",
                               5)
    with store.transaction():
        store.versions.add(ids[5], "ja", new, digest, b"<html></html>", "text/html",
                           monitor.policy.diff(old, new), check_id="c52en", parser="p")
        store.database.db.execute("update versions set seen_at = '2026-11-21T00:00:00.000Z' "
                                  "where trial = ? and number = 2", [ids[5]])
    [report] = [r for r in monitor.report(SINCE) if r.row.id == ids[5]]
    status = [c for c in report.changes if c.change.field == "status"]
    assert [sorted(c.versions) for c in status] == [["en", "ja"]]
    assert isinstance(status[0].change, Change)
