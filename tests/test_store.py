"""The SQLite store: schema and migrations, versions only on change, compressed raw pages,
the fetch log and its retention, ID merging, read-only and foreign databases."""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import stat
import zlib

import pytest
import sqlite_utils
from conftest import CASSETTES, VIEW_EN, cassette_body

from monitor.check.derive import derive
from monitor.diff import Change, Severity
from monitor.errors import StoreError
from monitor.registries.base import TrialRef
from monitor.store import FetchEntry, Store
from monitor.store.compression import Codec
from monitor.store.migrations import MIGRATIONS, SCHEMA_VERSION, m001_initial

REF = TrialRef("umin", trial_id="UMIN000041461")
RECEIPT = TrialRef("umin", keys=(("receipt_number", "R000047329"),))


def seed(umin, cassette="umin-R000047329-v1"):
    raw = cassette_body(cassette, VIEW_EN)
    derived = derive(umin, raw.decode(), "en", VIEW_EN)
    return raw, derived.record, derived.content_hash


def test_schema_is_readable_with_foreign_keys_and_wal(store):
    db = store.database.db
    assert {"trials", "trial_keys", "fetches", "versions", "version_changes", "pages",
            "meta", "hosts", "listings", "fetch_days"} <= set(db.table_names())
    assert {"latest_records", "changes", "consistency"} <= set(db.view_names())
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert db.execute("pragma foreign_keys").fetchone()[0] == 1
    assert "receipt_number" not in db["trials"].columns_dict  # UMIN's key is UMIN's
    assert [m.name for m in MIGRATIONS.applied(db)] == ["m001_initial", "m002_core",
                                                        "m003_search_texts"]
    assert store.meta("schema_version") == str(SCHEMA_VERSION) == "7"
    # search reads search_texts' index; versions carry no full-text index or triggers
    assert "search_texts_fts" in db.table_names()
    assert "versions_fts" not in db.table_names()
    assert db["versions"].triggers == []
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("insert into version_changes (version, field, severity) "
                   "values (999, 'x', 'low')")


def test_watch_is_idempotent_and_finds_any_id_form(store):
    row, added = store.trials.watch(REF, source="cli", typed="UMIN000041461")
    again, added_again = store.trials.watch(REF, source="cli", typed="UMIN000041461")
    assert added and not added_again and again.id == row.id
    with store.transaction():
        store.trials.learn_ids(row, "UMIN000041461", {"receipt_number": "R000047329"})
    assert store.trials.find(RECEIPT).id == row.id
    assert store.trials.get(row.id).key("receipt_number") == "R000047329"


def test_merging_a_trial_added_under_both_ids_follows_every_foreign_key(store):
    by_id, _ = store.trials.watch(REF, source="cli", typed="UMIN000041461")
    by_receipt, _ = store.trials.watch(RECEIPT, source="cli", typed="R000047329")
    twin = store.trials.add_linked(TrialRef("jrct", trial_id="jRCT2063200014"))
    with store.transaction():
        store.links.link(by_receipt.id, twin.id)
        store.links.link(by_id.id, twin.id)  # the survivor already has this link
        store.fetches.record(FetchEntry(trial=by_receipt.id, url="u", language="en",
                                        started_at="2026-01-01T00:00:00.000Z", outcome="failed"))
        store.outbox.enqueue(delivery_id="d", channel="c", event="trial.changed",
                             trial=by_receipt.id, payload={"x": 1}, now="2026-01-01")
        store.trials.learn_ids(by_id, "UMIN000041461", {"receipt_number": "R000047329"})
    assert [row.id for row in store.trials.all()] == [by_id.id, twin.id]
    db = store.database.db
    assert db.execute("select trial from fetches").fetchall() == [(by_id.id,)]
    assert db.execute("select trial from alerts").fetchall() == [(by_id.id,)]
    assert store.links.linked(by_id.id) == [twin.id]
    assert store.links.linked(twin.id) == [by_id.id]
    assert db.execute("pragma foreign_key_check").fetchall() == []


def test_versions_are_numbered_and_keep_compressed_raw_pages(store, umin):
    raw, record, digest = seed(umin)
    row, _ = store.trials.watch(REF, source="cli", typed="x")
    with store.transaction():
        v1 = store.versions.add(row.id, "en", record, digest, raw, "text/html", [],
                                check_id="a", parser="2")
    raw2, record2, digest2 = seed(umin, "umin-R000047329-v2")
    change = Change("status", "recruiting", "active_not_recruiting", Severity.HIGH)
    with store.transaction():
        v2 = store.versions.add(row.id, "en", record2, digest2, raw2, "text/html", [change],
                                check_id="b", parser="2")
    assert (v1.number, v2.number) == (1, 2)
    assert store.versions.latest(row.id, "en").id == v2.id
    assert store.versions.changes(v2.id) == [change]
    assert store.versions.raw_page(v1.page) == raw
    assert store.versions.raw_page(v2.page) == raw2
    db = store.database.db
    size1, codec1 = db.execute("select length(content), compression from pages "
                               "where sha256 = ?", [v1.page]).fetchone()
    size2, codec2 = db.execute("select length(content), compression from pages "
                               "where sha256 = ?", [v2.page]).fetchone()
    assert (codec1, codec2) == ("zstd", "zstd-dict")
    assert size1 < len(raw) / 3 and size2 < 1000
    assert store.versions.get(row.id, "en", 2).record == record2
    # the canonical fields are plain columns, for Datasette
    assert db.execute("select status from versions where id = ?", [v2.id]).fetchone()[0] == \
        "active_not_recruiting"


def test_a_changed_version_of_a_300_kb_page_costs_under_2_kb(store, umin):
    """Real jRCT pages are about 280 KB, far beyond zlib's window: the first page is a
    zstd dictionary for the next ones."""
    raw, record, digest = seed(umin)
    base = cassette_body("jrct-jRCT2063200014-v1",
                         "https://jrct.mhlw.go.jp/latest-detail/jRCT2063200014")
    big1 = b"".join(base.replace(b"jRCT2063200014", b"jRCT2063%06d" % i) for i in range(18))
    big2 = big1.replace(b"\xe5\x8b\x9f\xe9\x9b\x86\xe4\xb8\xad", "募集終了".encode(), 1)
    assert len(big1) > 280_000
    row, _ = store.trials.watch(REF, source="cli", typed="x")
    with store.transaction():
        store.versions.add(row.id, "en", record, digest, big1, "text/html", [], check_id="a",
                           parser="2")
    record.status = "active_not_recruiting"
    with store.transaction():
        v2 = store.versions.add(row.id, "en", record, "other", big2, "text/html", [],
                                check_id="b", parser="2")
    stored = store.database.db.execute("select length(content) from pages where sha256 = ?",
                                       [v2.page]).fetchone()[0]
    assert stored < 2000
    assert store.versions.raw_page(v2.page) == big2


def test_fetch_log_keeps_detail_for_the_retention_then_one_row_a_day(store):
    row, _ = store.trials.watch(REF, source="cli", typed="x")
    with store.transaction():
        for day in (1, 1, 2, 30):
            for outcome in ("unchanged", "failed"):
                store.fetches.record(FetchEntry(
                    trial=row.id, url="u", language="en",
                    started_at=f"2026-01-{day:02d}T10:00:00.000Z", outcome=outcome,
                    reason="timeout" if outcome == "failed" else None, size=100))
    with store.transaction():
        folded = store.fetches.prune("2026-01-15T00:00:00.000Z")
    assert folded == 6
    db = store.database.db
    assert db.execute("select count(*) from fetches").fetchone()[0] == 2
    days = {r["day"]: r for r in db.query("select * from fetch_days order by day")}
    assert set(days) == {"2026-01-01", "2026-01-02"}
    assert (days["2026-01-01"]["fetches"], days["2026-01-01"]["failed"],
            days["2026-01-01"]["bytes"]) == (4, 2, 400)
    assert json.loads(days["2026-01-01"]["reasons"]) == {"timeout": 2}


def test_read_only_store_reads_a_database_this_user_cannot_write(tmp_path, umin):
    path = tmp_path / "data" / "m.db"
    store = Store(path)
    row, _ = store.trials.watch(REF, source="cli", typed="x")
    store.close()
    (path.parent).chmod(stat.S_IRUSR | stat.S_IXUSR)
    path.chmod(stat.S_IRUSR)
    try:
        if os.access(path, os.W_OK):
            pytest.skip("running as a user who can write anything (root)")
        reader = Store(path, read_only=True)
        assert [r.label for r in reader.trials.watched()] == ["UMIN000041461"]
        reader.close()
        with pytest.raises(StoreError, match="read-only for this user"):
            Store(path)
    finally:
        (path.parent).chmod(0o755)
        path.chmod(0o644)


def test_read_only_open_never_writes(tmp_path):
    path = tmp_path / "m.db"
    Store(path).close()
    before = path.read_bytes()
    reader = Store(path, read_only=True)
    reader.trials.all()
    reader.close()
    assert path.read_bytes() == before


def test_a_missing_database_reads_as_empty(tmp_path):
    reader = Store(tmp_path / "nothing.db", read_only=True)
    assert reader.trials.all() == []
    reader.close()
    assert not (tmp_path / "nothing.db").exists()


def test_a_database_made_by_a_newer_release_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "m.db"
    Store(path).close()
    db = sqlite_utils.Database(path)
    db["meta"].upsert({"key": "schema_version", "value": "99"}, pk="key")
    db.close()
    before = path.read_bytes()
    for read_only in (True, False):
        with pytest.raises(StoreError, match="made by a newer ctr-monitor"):
            Store(path, read_only=read_only)
    assert path.read_bytes() == before


def test_an_unrelated_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.db"
    db = sqlite_utils.Database(path)
    db["trials"].insert({"id": 1, "name": "not ours"})
    db.close()
    with pytest.raises(StoreError, match="not a ctr-monitor database"):
        Store(path)
    with pytest.raises(StoreError, match="not a ctr-monitor database"):
        Store(path, read_only=True)


def test_a_first_release_database_is_migrated_in_place(tmp_path, umin):
    """A database of the first release (schema 5: receipt numbers in `trials`, zlib
    records and pages against the first version) keeps its trials and history."""
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    m001_initial(db)
    raw, record, _ = seed(umin)
    old_record = record.to_dict()
    old_record.pop("registry_ids")
    old_record["receipt_number"] = "R000047329"
    db["trials"].insert({"id": 1, "registry": "umin", "trial_id": "UMIN000041461",
                         "receipt_number": "R000047329", "watched": 1, "added_at": "x",
                         "consecutive_failures": 0})
    db["trials"].insert({"id": 2, "registry": "jrct", "trial_id": "jRCT2063200014",
                         "watched": 0, "added_at": "x", "consecutive_failures": 0})
    db["pages"].insert({"sha256": "p1", "content": zlib.compress(raw), "compression": "zlib",
                        "size": len(raw)})
    data = json.dumps(old_record).encode()
    db["versions"].insert({"id": 1, "trial": 1, "language": "en", "number": 1,
                           "content_hash": "h", "seen_at": "2026-01-01T00:00:00.000Z",
                           "record": zlib.compress(data), "record_codec": "zlib",
                           "page": "p1", "change_count": 0, "title_public": record.title_public})
    compressor = zlib.compressobj(9, zdict=data)
    second = json.dumps({**old_record, "status": "completed"}).encode()
    db["versions"].insert({"id": 2, "trial": 1, "language": "en", "number": 2,
                           "content_hash": "h2", "seen_at": "2026-02-01T00:00:00.000Z",
                           "record": compressor.compress(second) + compressor.flush(),
                           "record_codec": "zlib-dict", "record_base": 1, "page": "p1",
                           "change_count": 1})
    db["links"].insert({"trial": 1, "linked_trial": 2, "found_at": "x"})
    db.close()

    store = Store(path)
    assert store.trials.find(RECEIPT).trial_id == "UMIN000041461"
    versions = store.versions.of_trial(1)
    assert [v.record.status for v in versions] == ["recruiting", "completed"]
    assert versions[0].record.registry_ids == {"receipt_number": "R000047329"}
    assert store.versions.raw_page("p1") == raw
    codecs = store.database.db.execute("select record_codec from versions order by id")
    assert [c[0] for c in codecs] == ["zstd", "zstd-dict"]
    assert store.links.linked(1) == [2]
    assert store.versions.search("cirrhosis") == [1]
    store.close()


def test_changes_view_shows_text_values_as_plain_text(store, umin):
    raw, record, digest = seed(umin)
    row, _ = store.trials.watch(REF, source="cli", typed="x")
    change = Change("status", "recruiting", "active_not_recruiting", Severity.HIGH)
    with store.transaction():
        store.versions.add(row.id, "en", record, digest, raw, "text/html",
                           [change, Change("target_sample_size", 10, 12, Severity.HIGH)],
                           check_id="a", parser="2")
    db = store.database.db
    rows = list(db.query("select field, old, new from changes order by field"))
    assert rows[0] == {"field": "status", "old": "recruiting", "new": "active_not_recruiting"}
    assert db.execute("select count(*) from changes where new = 'active_not_recruiting'"
                      ).fetchone()[0] == 1


def test_japanese_and_english_titles_are_searchable(store, umin):
    raw, record, digest = seed(umin)
    row, _ = store.trials.watch(REF, source="cli", typed="x")
    ja_raw = (CASSETTES / "umin-R000047329-v1" / "view-ja.html").read_bytes()
    ja = derive(umin, ja_raw.decode(), "ja", VIEW_EN.replace("ctr_e", "ctr")).record
    with store.transaction():
        store.versions.add(row.id, "en", record, digest, raw, "text/html", [], check_id="a",
                           parser="2")
        store.versions.add(row.id, "ja", ja, "j", ja_raw, "text/html", [], check_id="a",
                           parser="2")
    assert store.versions.search("肝硬変") == [row.id]
    assert store.versions.search("CIRRHOSIS") == [row.id]
    assert store.versions.search("肝") == [row.id]  # short words: a plain scan
    assert store.versions.search("白血病") == []


def search_texts(store):
    """The rows of search_texts, after checking that its full-text index agrees with it."""
    db = store.database.db
    db.execute("insert into search_texts_fts (search_texts_fts) values ('integrity-check')")
    return db.execute("select trial, title_public from search_texts order by id").fetchall()


def test_a_trial_is_found_by_its_old_and_new_title_and_same_titles_cost_one_row(store, umin):
    raw, record, digest = seed(umin)
    row, _ = store.trials.watch(REF, source="cli", typed="x")
    with store.transaction():
        store.versions.add(row.id, "en", record, digest, raw, "text/html", [], check_id="a",
                           parser="2")
        # a new status, the same titles and conditions: no new search text
        store.versions.add(row.id, "en", dataclasses.replace(record, status="completed"),
                           "h2", raw, "text/html", [], check_id="b", parser="2")
    assert search_texts(store) == [(row.id, record.title_public)]
    renamed = dataclasses.replace(record, status="completed",
                                  title_public="Stem cells for hepatic fibrosis",
                                  title_scientific="Stem cells for hepatic fibrosis")
    with store.transaction():
        store.versions.add(row.id, "en", renamed, "h3", raw, "text/html", [], check_id="c",
                           parser="2")
    assert search_texts(store) == [(row.id, record.title_public),
                                   (row.id, "Stem cells for hepatic fibrosis")]
    for text in ("decompensated liver cirrhosis (Phase", "hepatic fibrosis", "HEPATIC",
                 "Ｈｅｐａｔｉｃ"):  # the old title, the new one, any case, full-width
        assert store.versions.search(text) == [row.id], text
    assert store.versions.search("白血病") == []


def test_a_reparse_leaves_no_stale_text_searchable(store, umin):
    """Text only a wrong parser produced stops matching once history is rebuilt; the
    trial's other language keeps its own."""
    raw, record, digest = seed(umin)
    row, _ = store.trials.watch(REF, source="cli", typed="x")
    wrong = dataclasses.replace(record, title_public="Phase I Phase I parse error")
    ja_raw = (CASSETTES / "umin-R000047329-v1" / "view-ja.html").read_bytes()
    ja = derive(umin, ja_raw.decode(), "ja", VIEW_EN.replace("ctr_e", "ctr")).record
    with store.transaction():
        first = store.versions.add(row.id, "en", wrong, digest, raw, "text/html", [],
                                   check_id="a", parser="1")
        store.versions.add(row.id, "ja", ja, "j", ja_raw, "text/html", [], check_id="a",
                           parser="1")
    assert store.versions.search("parse error") == [row.id]
    with store.transaction():
        store.versions.rewrite_history([first.id], [(record, digest, [])], "2")
    assert store.versions.search("parse error") == []
    assert store.versions.search("decompensated liver cirrhosis (Phase") == [row.id]
    assert store.versions.search("肝硬変") == [row.id]
    assert len(search_texts(store)) == 2


def test_a_merged_trial_stays_findable_and_its_texts_are_not_doubled(store, umin):
    raw, record, digest = seed(umin)
    by_id, _ = store.trials.watch(REF, source="cli", typed="UMIN000041461")
    by_receipt, _ = store.trials.watch(RECEIPT, source="cli", typed="R000047329")
    renamed = dataclasses.replace(record, title_public="Stem cells for hepatic fibrosis",
                                  title_scientific="Stem cells for hepatic fibrosis")
    with store.transaction():
        store.versions.add(by_id.id, "en", record, digest, raw, "text/html", [],
                           check_id="a", parser="2")
        store.versions.add(by_receipt.id, "ja", record, digest, raw, "text/html", [],
                           check_id="a", parser="2")  # the same text: dropped on merge
        store.versions.add(by_receipt.id, "ja", renamed, "h2", raw, "text/html", [],
                           check_id="b", parser="2")  # moved on merge
    assert store.versions.search("hepatic fibrosis") == [by_receipt.id]
    with store.transaction():
        store.trials.learn_ids(by_id, "UMIN000041461", {"receipt_number": "R000047329"})
    assert store.trials.get_or_none(by_receipt.id) is None
    for text in ("hepatic fibrosis", "cirrhosis", "ep"):  # "ep": a short word, a scan
        assert store.versions.search(text) == [by_id.id], text
    assert search_texts(store) == [(by_id.id, record.title_public),
                                   (by_id.id, "Stem cells for hepatic fibrosis")]
    assert store.database.db.execute("pragma foreign_key_check").fetchall() == []


def test_a_schema_6_database_is_migrated_and_finds_every_text_it_found(tmp_path, umin):
    """A database as the previous release left it (every version in versions_fts) moves
    its texts to search_texts, distinct per trial, and search answers as before."""
    path = tmp_path / "six.db"
    db = sqlite_utils.Database(path)
    MIGRATIONS.apply(db, stop_before="m003_search_texts")
    assert db["meta"].get("schema_version")["value"] == "6"
    raw, record, _ = seed(umin)
    ja_raw = (CASSETTES / "umin-R000047329-v1" / "view-ja.html").read_bytes()
    ja = derive(umin, ja_raw.decode(), "ja", VIEW_EN.replace("ctr_e", "ctr")).record
    renamed = dataclasses.replace(record, title_public="Stem cells for hepatic fibrosis",
                                  title_scientific="Stem cells for hepatic fibrosis")
    for pk, trial_id in ((1, "UMIN000041461"), (2, "UMIN000099999")):
        db["trials"].insert({"id": pk, "registry": "umin", "trial_id": trial_id,
                             "watched": 1, "added_at": "x", "consecutive_failures": 0})
    codec = Codec()
    for pk, trial, language, number, version in (
            (1, 1, "en", 1, record), (2, 1, "en", 2, renamed), (3, 1, "en", 3, renamed),
            (4, 1, "ja", 1, ja), (5, 2, "en", 1, renamed)):
        blob, name = codec.compress(json.dumps(version.to_dict()).encode())
        db["versions"].insert({
            "id": pk, "trial": trial, "language": language, "number": number,
            "content_hash": f"h{pk}", "seen_at": "2026-01-01T00:00:00.000Z", "record": blob,
            "record_codec": name, "change_count": 0,
            **{column: version.get(column) for column in (
                "title_public", "title_scientific", "title_public_ja",
                "title_scientific_ja")},
            "conditions": json.dumps(version.conditions or [], ensure_ascii=False),
            "conditions_ja": json.dumps(version.conditions_ja or [], ensure_ascii=False)})
    before = {text: [r[0] for r in db.execute(
        "select distinct v.trial from versions_fts f join versions v on v.rowid = f.rowid "
        "where versions_fts match ? order by v.trial", [f'"{text}"'])]
        for text in ("hepatic fibrosis", "cirrhosis (Phase", "肝硬変", "白血病")}
    assert before == {"hepatic fibrosis": [1, 2], "cirrhosis (Phase": [1], "肝硬変": [1],
                      "白血病": []}
    db.close()

    store = Store(path)
    assert store.meta("schema_version") == "7"
    assert "versions_fts" not in store.database.db.table_names()
    for text, trials in before.items():
        assert store.versions.search(text) == trials, text
    assert store.versions.search("肝") == [1]
    assert store.versions.search("Ｓｔ") == [1, 2]  # short: a plain scan of search_texts
    # five versions, four distinct texts (trial 1: two English titles and a Japanese page)
    assert [trial for trial, _ in search_texts(store)] == [1, 1, 1, 2]
    assert store.versions.get(1, "en", 2).record == renamed
    store.close()
