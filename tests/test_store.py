"""The SQLite store: schema, versions only on change, raw pages, fetch log, ID merging."""

from __future__ import annotations

import sqlite3
import zlib

import pytest
from conftest import VIEW_EN, cassette_body

from monitor.diff import Change
from monitor.normalize import content_hash
from monitor.registries.base import TrialRef
from monitor.store import Store

REF = TrialRef("umin", trial_id="UMIN000041461")


def seed_record(umin, cassette="umin-R000047329-v1"):
    raw = cassette_body(cassette, VIEW_EN)
    record = umin.normalize(umin.parse_page(raw.decode()), VIEW_EN).to_dict()
    return raw, record


def test_schema_is_readable_with_foreign_keys_and_wal(store):
    db = store.db
    assert {"trials", "fetches", "versions", "version_changes", "pages", "meta"} <= set(
        db.table_names())
    assert {"latest_records", "changes", "consistency"} <= set(db.view_names())
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert db.execute("pragma foreign_keys").fetchone()[0] == 1
    fks = {(fk.column, fk.other_table) for fk in db["versions"].foreign_keys}
    assert fks == {("trial", "trials"), ("page", "pages"), ("record_base", "versions")}
    assert {(fk.column, fk.other_table) for fk in db["fetches"].foreign_keys} == {
        ("trial", "trials"), ("version", "versions")}
    indexes = {tuple(i.columns) for i in db["versions"].indexes}
    assert ("trial", "language", "number") in indexes


def test_foreign_keys_are_enforced(store):
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute("insert into version_changes (version, field, severity) "
                         "values (999, 'x', 'low')")


def test_watch_is_idempotent_and_finds_any_id_form(store):
    row, added = store.watch(REF, source="cli", typed="UMIN000041461")
    again, added_again = store.watch(REF, source="cli", typed="UMIN000041461")
    assert added and not added_again and again.id == row.id
    store.set_ids(row, "UMIN000041461", "R000047329")
    assert store.find_trial(TrialRef("umin", receipt_number="R000047329")).id == row.id


def test_versions_are_numbered_and_keep_compressed_raw_pages(store, umin):
    raw, record = seed_record(umin)
    row, _ = store.watch(REF, source="cli", typed="x")
    with store.transaction():
        v1 = store.add_version(row, "en", record, content_hash(record), raw, "text/html", [])
    raw2, record2 = seed_record(umin, "umin-R000047329-v2")
    change = Change("status", "recruiting", "active_not_recruiting", "high")
    with store.transaction():
        v2 = store.add_version(row, "en", record2, content_hash(record2), raw2, "text/html",
                               [change])
    assert (v1.number, v2.number) == (1, 2)
    assert store.latest_version(row.id, "en").id == v2.id
    assert store.changes(v2.id) == [change]
    assert store.raw_page(v1.page) == raw
    stored = store.db.execute("select content, size from pages where sha256 = ?",
                              [v1.page]).fetchone()
    assert zlib.decompress(stored[0]) == raw and stored[1] == len(raw)
    assert len(stored[0]) < len(raw) / 3
    # the second version is stored against the first: a few hundred bytes, not kilobytes
    page2, codec = store.db.execute("select length(content), compression from pages "
                                    "where sha256 = ?", [v2.page]).fetchone()
    assert codec == "zlib-dict" and page2 < 1000
    assert store.raw_page(v2.page) == raw2
    record_size = store.db.execute("select length(record) from versions where id = ?",
                                   [v2.id]).fetchone()[0]
    assert record_size < 1000
    assert store.version(row.id, "en", 2).record == record2
    # the canonical fields are readable columns
    readable = store.db.execute("select status, date_last_modified, target_sample_size, "
                                "secondary_ids from versions where id = ?", [v2.id]).fetchone()
    assert readable == ("active_not_recruiting", "2025-06-10", 10, '["jRCT2063200014"]')
    trial = store.get_trial(row.id)
    assert (trial.status, trial.date_last_modified) == ("active_not_recruiting", "2025-06-10")


def test_identical_raw_pages_are_stored_once(store, umin):
    raw, record = seed_record(umin)
    row, _ = store.watch(REF, source="cli", typed="x")
    with store.transaction():
        store.add_version(row, "en", record, "a", raw, "text/html", [])
        store.add_version(row, "en", record, "b", raw, "text/html", [])
    assert store.db["pages"].count == 1


def test_failed_checks_count_and_reset(store):
    row, _ = store.watch(REF, source="cli", typed="x")
    for _ in range(2):
        with store.transaction():
            store.record_fetch(row, url="u", language="en", started_at="t", outcome="failed",
                               reason="timeout", error="timed out")
            store.record_health(row, failed=True, error="timed out")
    trial = store.get_trial(row.id)
    assert (trial.consecutive_failures, trial.last_error) == (2, "timed out")
    assert trial.last_success_at is None
    with store.transaction():
        store.record_health(row, failed=False)
    trial = store.get_trial(row.id)
    assert trial.consecutive_failures == 0 and trial.last_error is None
    assert trial.last_success_at is not None
    assert store.db["fetches"].count == 2


def test_transaction_rolls_back_everything(store, umin):
    raw, record = seed_record(umin)
    row, _ = store.watch(REF, source="cli", typed="x")
    with pytest.raises(RuntimeError), store.transaction():
        store.add_version(row, "en", record, "h", raw, "text/html", [])
        store.record_fetch(row, url="u", language="en", started_at="t", outcome="new")
        raise RuntimeError("crash mid-check")
    assert store.db["versions"].count == 0
    assert store.db["fetches"].count == 0
    assert store.db["pages"].count == 0


def test_same_trial_added_under_both_ids_is_merged(store):
    by_umin, _ = store.watch(TrialRef("umin", trial_id="UMIN000041461"), source="cli",
                             typed="UMIN000041461")
    by_receipt, _ = store.watch(TrialRef("umin", receipt_number="R000047329"), source="config",
                                typed="R000047329")
    assert by_umin.id != by_receipt.id
    merged = store.set_ids(by_receipt, "UMIN000041461", "R000047329")
    assert [t.id for t in store.trials()] == [merged.id]
    assert (merged.trial_id, merged.receipt_number) == ("UMIN000041461", "R000047329")


def test_unwatch_keeps_history(store, umin):
    raw, record = seed_record(umin)
    row, _ = store.watch(REF, source="cli", typed="x")
    with store.transaction():
        store.add_version(row, "en", record, "h", raw, "text/html", [])
    store.unwatch(row)
    assert store.trials() == []
    assert len(store.versions(row.id)) == 1


def test_unopenable_database_is_a_one_line_error(tmp_path):
    bad = tmp_path / "not-a-db.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(Exception) as caught:
        Store(bad)
    assert "cannot open database" in str(caught.value)
    assert "[storage] database" in str(caught.value)


def test_pre_release_database_is_refused_with_a_fix(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table meta (key text primary key, value text)")
        conn.execute("insert into meta values ('schema_version', '2')")
    with pytest.raises(Exception, match="pre-release build .* move it aside"):  # schema 2
        Store(path)


def test_merge_carries_alerts_links_and_disagreements(store):
    by_umin, _ = store.watch(TrialRef("umin", trial_id="UMIN000041461"), source="cli",
                             typed="UMIN000041461")
    twin = store.add_linked(TrialRef("jrct", trial_id="jRCT2063200014"))
    # the surviving row has the largest id, so the stored pair order must be mended
    by_receipt, _ = store.watch(TrialRef("umin", receipt_number="R000047329"), source="cli",
                                typed="R000047329")
    with store.transaction():
        store.enqueue_alert(delivery_id="d1", channel="webhook:x", event="trial.fetch_failing",
                            trial=by_umin.id, payload={"event": "trial.fetch_failing"}, now="t")
        store.link(by_umin, twin)
        store.db["disagreements"].insert({"trial": min(by_umin.id, twin.id),
                                          "other_trial": max(by_umin.id, twin.id),
                                          "field": "status", "values": "{}",
                                          "severity": "high", "opened_at": "t"})
    with store.transaction():
        merged = store.set_ids(by_receipt, "UMIN000041461", "R000047329")
    assert store.db.execute("select trial from alerts").fetchall() == [(merged.id,)]
    assert [t.id for t in store.linked(merged.id)] == [twin.id]
    assert [t.id for t in store.linked(twin.id)] == [merged.id]
    assert store.open_disagreements(merged.id, twin.id)["status"]["severity"] == "high"
