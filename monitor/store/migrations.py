"""The database schema, as the ordered list of migrations that built it.

A new database runs them all; an existing one runs those it has not (sqlite-utils'
``Migrations`` records each in ``_sqlite_migrations``, in the same transaction as its
work). Databases made before migrations existed (``meta.schema_version`` 5) are
recognised and start after the first one. A database that a newer release migrated
further than this one knows is refused, never rewritten.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlite_utils

from monitor.store.compression import Codec
from monitor.store.rows import SEARCH_COLUMNS, search_hash

MIGRATIONS = sqlite_utils.Migrations("ctr-monitor")
APPLICATION = "ctr-monitor"
SCHEMA_VERSION = 7  # meta.schema_version after the last migration below


@MIGRATIONS(name="m001_initial")
def m001_initial(db: sqlite_utils.Database) -> None:
    """The schema of the first release (schema version 5)."""
    db.table("meta").create({"key": str, "value": str}, pk="key", if_not_exists=True)
    db.table("trials").create(
        {"id": int, "registry": str, "trial_id": str, "receipt_number": str,
         "title": str, "status": str, "date_last_modified": str, "watched": int,
         "watch_source": str, "added_input": str, "added_at": str,
         "last_checked_at": str, "last_success_at": str,
         "consecutive_failures": int, "last_error": str, "next_check_at": str,
         "overdue_since": str},
        pk="id", not_null={"registry", "watched", "added_at", "consecutive_failures"},
        defaults={"watched": 1, "consecutive_failures": 0}, if_not_exists=True)
    db.table("pages").create(
        {"sha256": str, "content": bytes, "compression": str, "base": str,
         "size": int, "content_type": str, "first_seen_at": str},
        pk="sha256", not_null={"content", "compression", "size"},
        foreign_keys=[("base", "pages", "sha256")], if_not_exists=True)
    db.table("versions").create(
        {"id": int, "trial": int, "language": str, "number": int,
         "content_hash": str, "seen_at": str, "status": str, "status_raw": str,
         "title_public": str, "title_scientific": str, "date_registered": str,
         "date_disclosed": str, "date_last_modified": str, "date_start": str,
         "date_completion": str, "target_sample_size": int, "secondary_ids": str,
         "conditions": str, "record": bytes, "record_codec": str,
         "record_base": int, "page": str, "change_count": int, "reparsed_at": str},
        pk="id", not_null={"trial", "language", "number", "content_hash", "seen_at",
                           "record", "record_codec"},
        foreign_keys=[("trial", "trials", "id"), ("page", "pages", "sha256"),
                      ("record_base", "versions", "id")], if_not_exists=True)
    db.table("version_changes").create(
        {"id": int, "version": int, "field": str, "old": str, "new": str, "severity": str},
        pk="id", not_null={"version", "field", "severity"},
        foreign_keys=[("version", "versions", "id")], if_not_exists=True)
    db.table("fetches").create(
        {"id": int, "trial": int, "language": str, "url": str, "started_at": str,
         "duration_ms": int, "attempts": int, "status_code": int, "outcome": str,
         "reason": str, "error": str, "bytes": int, "version": int},
        pk="id", not_null={"trial", "url", "started_at", "outcome"},
        foreign_keys=[("trial", "trials", "id"), ("version", "versions", "id")],
        if_not_exists=True)
    db.table("links").create(
        {"id": int, "trial": int, "linked_trial": int, "found_at": str},
        pk="id", not_null={"trial", "linked_trial", "found_at"},
        foreign_keys=[("trial", "trials", "id"), ("linked_trial", "trials", "id")],
        if_not_exists=True)
    db.table("disagreements").create(
        {"id": int, "trial": int, "other_trial": int, "field": str, "values": str,
         "severity": str, "note": str, "opened_at": str, "closed_at": str},
        pk="id", not_null={"trial", "other_trial", "field", "severity", "opened_at"},
        foreign_keys=[("trial", "trials", "id"), ("other_trial", "trials", "id")],
        if_not_exists=True)
    db.table("alerts").create(
        {"id": int, "delivery_id": str, "channel": str, "event": str, "trial": int,
         "payload": str, "status": str, "attempts": int, "created_at": str,
         "next_attempt_at": str, "last_attempt_at": str, "last_error": str,
         "delivered_at": str, "lease_until": str},
        pk="id", not_null={"delivery_id", "channel", "event", "payload", "status",
                           "attempts", "created_at", "next_attempt_at"},
        defaults={"status": "pending", "attempts": 0},
        foreign_keys=[("trial", "trials", "id")], if_not_exists=True)
    db.table("alert_attempts").create(
        {"id": int, "alert": int, "attempted_at": str, "ok": int, "detail": str},
        pk="id", not_null={"alert", "attempted_at", "ok"},
        foreign_keys=[("alert", "alerts", "id")], if_not_exists=True)
    for table, columns, unique in (
        ("trials", ["registry", "trial_id"], True),
        ("trials", ["registry", "receipt_number"], True),
        ("versions", ["trial", "language", "number"], True),
        ("version_changes", ["version"], False),
        ("fetches", ["trial", "started_at"], False),
        ("links", ["trial", "linked_trial"], True),
        ("disagreements", ["trial", "other_trial", "closed_at"], False),
        ("alerts", ["delivery_id", "channel"], True),
        ("alerts", ["status", "next_attempt_at"], False),
        ("alert_attempts", ["alert"], False),
    ):
        db.table(table).create_index(columns, unique=unique, if_not_exists=True)
    db.table("meta").upsert({"key": "schema_version", "value": "5"}, pk="key")


@MIGRATIONS(name="m002_core")
def m002_core(db: sqlite_utils.Database) -> None:
    """Registry keys in a table of their own; zstd compression; host blocks; the
    registry listing (UMIN-CTR's CSV) and queries; fetch-log summaries; parse health."""
    # Registry-specific IDs leave the core tables.
    db.table("trial_keys").create(
        {"id": int, "trial": int, "registry": str, "name": str, "value": str},
        pk="id", not_null={"trial", "registry", "name", "value"},
        foreign_keys=[("trial", "trials", "id")])
    db.table("trial_keys").create_index(["registry", "name", "value"], unique=True)
    db.table("trial_keys").create_index(["trial"])
    db.execute("insert into trial_keys (trial, registry, name, value) "
               "select id, registry, 'receipt_number', receipt_number from trials "
               "where receipt_number is not null")
    for index in db.table("trials").indexes:
        if index.columns == ["registry", "receipt_number"]:
            db.execute(f'drop index "{index.name}"')
    db.execute("alter table trials drop column receipt_number")
    db.table("trials").add_column("last_page_at", str)

    for column in ("check_id", "parser", "title_public_ja", "title_scientific_ja",
                   "conditions_ja"):
        db.table("versions").add_column(column, str)
    db.table("alerts").add_column("lease_owner", str)
    db.table("links").add_column("compared_at", str)
    db.table("fetches").add_column("content_hash", str)
    _recompress(db)

    db.table("hosts").create(
        {"host": str, "kind": str, "since": str, "until": str, "cooldown": float,
         "reason": str, "episodes": int, "probe_at": str},
        pk="host", not_null={"kind", "since", "until", "cooldown"})
    db.table("listing_state").create(
        {"registry": str, "url": str, "etag": str, "last_modified": str, "fetched_at": str,
         "checked_at": str, "rows": int, "baseline_at": str, "consecutive_failures": int,
         "last_error": str},
        pk="registry", defaults={"consecutive_failures": 0})
    db.table("listings").create(
        {"registry": str, "trial_id": str, "keys": str, "status": str, "status_raw": str,
         "date_last_modified": str, "date_registered": str, "target_sample_size": int,
         "title_ja": str, "title_en": str, "title_public_ja": str, "title_public_en": str,
         "conditions_ja": str, "conditions_en": str, "search": str, "row_hash": str,
         "first_seen_at": str, "last_seen_at": str},
        pk=("registry", "trial_id"), not_null={"first_seen_at", "last_seen_at"})
    # A listing is read into this table first, in batches, and merged into `listings` in
    # one short transaction once the whole file was read: a truncated file changes nothing.
    db.table("listings_staging").create(
        {"registry": str, "trial_id": str, "keys": str, "status": str, "status_raw": str,
         "date_last_modified": str, "date_registered": str, "target_sample_size": int,
         "title_ja": str, "title_en": str, "title_public_ja": str, "title_public_en": str,
         "conditions_ja": str, "conditions_en": str, "search": str, "row_hash": str},
        pk=("registry", "trial_id"))
    db.table("query_matches").create(
        {"id": int, "query": str, "registry": str, "trial_id": str, "matched_at": str,
         "baseline": int},
        pk="id", not_null={"query", "registry", "trial_id", "matched_at"})
    db.table("query_matches").create_index(["query", "registry", "trial_id"], unique=True)
    db.table("fetch_days").create(
        {"trial": int, "day": str, "fetches": int, "failed": int, "changed": int,
         "bytes": int, "reasons": str},
        pk=("trial", "day"), foreign_keys=[("trial", "trials", "id")])
    db.table("parse_checks").create(
        {"id": int, "trial": int, "version": int, "field": str, "page_value": str,
         "listing_value": str, "seen_at": str},
        pk="id", not_null={"trial", "field", "seen_at"},
        foreign_keys=[("trial", "trials", "id"), ("version", "versions", "id")])
    db.table("unknown_labels").create(
        {"registry": str, "language": str, "label": str, "example_trial": int,
         "first_seen_at": str, "last_seen_at": str},
        pk=("registry", "language", "label"),
        foreign_keys=[("example_trial", "trials", "id")])
    db.table("fetches").create_index(["started_at"])
    db.table("versions").create_index(["seen_at"])

    if "versions_fts" in db.table_names():
        db.table("versions").disable_fts()
    db.table("versions").enable_fts(
        ["title_public", "title_scientific", "title_public_ja", "title_scientific_ja",
         "conditions", "conditions_ja"], tokenize="trigram", create_triggers=True)
    db.table("versions").rebuild_fts()
    create_views(db)
    db.table("meta").upsert({"key": "application", "value": APPLICATION}, pk="key")
    # Names this database's feed, wherever the file moves.
    db.table("meta").upsert({"key": "feed_id", "value": str(uuid.uuid4())}, pk="key")
    db.table("meta").upsert({"key": "schema_version", "value": "6"}, pk="key")


@MIGRATIONS(name="m003_search_texts")
def m003_search_texts(db: sqlite_utils.Database) -> None:
    """Search indexes each trial's distinct titles and conditions once, in
    ``search_texts``, instead of every version's copy of them in ``versions_fts``: they
    almost never change between versions, and the repeated copies made the index the
    largest part of a changed version (1.6 of 3.7 KB for a 300 KB page). Every text any
    version had stays searchable."""
    db.table("search_texts").create(
        {"id": int, "trial": int, "hash": str, **dict.fromkeys(SEARCH_COLUMNS, str)},
        pk="id", not_null={"trial", "hash"}, foreign_keys=[("trial", "trials", "id")])
    # One row per trial and text; merging two trials relies on it ("update or ignore").
    db.table("search_texts").create_index(["trial", "hash"], unique=True)

    def search_hash_of(title_public: str | None, title_scientific: str | None,
                       title_public_ja: str | None, title_scientific_ja: str | None,
                       conditions: str | None, conditions_ja: str | None) -> str:
        return search_hash((title_public, title_scientific, title_public_ja,
                            title_scientific_ja, conditions, conditions_ja))

    db.register_function(search_hash_of, deterministic=True, name="search_hash")
    columns = ", ".join(SEARCH_COLUMNS)
    db.execute(f"insert or ignore into search_texts (trial, hash, {columns}) "
               f"select trial, search_hash({columns}), {columns} from "
               f"(select distinct trial, {columns} from versions) order by trial")
    if "versions_fts" in db.table_names():
        db.table("versions").disable_fts()
    # enable_fts fills the index from the rows above.
    db.table("search_texts").enable_fts(list(SEARCH_COLUMNS), tokenize="trigram",
                                        create_triggers=True)
    db.table("meta").upsert({"key": "schema_version", "value": "7"}, pk="key")


def _recompress(db: sqlite_utils.Database) -> None:
    """zlib → zstd, each page and record against its trial's first one; records move
    UMIN's receipt number into ``registry_ids``."""
    from monitor.normalize.values import content_hash

    codec = Codec()
    pages: dict[str, bytes] = {}

    def page_bytes(sha: str) -> bytes:
        if sha not in pages:
            content, compression, base = db.execute(
                "select content, compression, base from pages where sha256 = ?",
                [sha]).fetchone()
            pages[sha] = codec.decompress(content, compression,
                                          page_bytes(base) if base else None)
        return pages[sha]

    shas = [row[0] for row in db.execute("select sha256 from pages where base is null "
                                         "union all select sha256 from pages "
                                         "where base is not null")]
    raw = {sha: page_bytes(sha) for sha in shas}
    for sha, content in raw.items():
        base = db.execute("select base from pages where sha256 = ?", [sha]).fetchone()[0]
        blob, name = codec.compress(content, raw[base] if base else None)
        db.execute("update pages set content = ?, compression = ? where sha256 = ?",
                   [blob, name, sha])

    records: dict[int, bytes] = {}
    rows = list(db.query("select id, record, record_codec, record_base from versions "
                         "order by record_base is not null, id"))
    for row in rows:
        base = records.get(row["record_base"]) if row["record_base"] else None
        records[row["id"]] = codec.decompress(row["record"], row["record_codec"], base)
    fresh: dict[int, bytes] = {}
    for row in rows:
        data: dict[str, Any] = json.loads(records[row["id"]])
        receipt = data.pop("receipt_number", None)
        data.setdefault("registry_ids", {"receipt_number": receipt} if receipt else {})
        fresh[row["id"]] = json.dumps(data, ensure_ascii=False,
                                      separators=(",", ":")).encode("utf-8")
    for row in rows:
        base = fresh.get(row["record_base"]) if row["record_base"] else None
        blob, name = codec.compress(fresh[row["id"]], base)
        digest = content_hash(json.loads(fresh[row["id"]]))
        db.execute("update versions set record = ?, record_codec = ?, content_hash = ? "
                   "where id = ?", [blob, name, digest, row["id"]])


def create_views(db: sqlite_utils.Database) -> None:
    """Readable views for people and Datasette (`datasette ctr-monitor.db`)."""
    key = ("coalesce(t.trial_id, (select value from trial_keys k where k.trial = t.id "
           "limit 1), t.added_input)")
    views = {
        "latest_records": f"""
            select t.registry, {key} as trial_id, v.language, v.number as version,
                   v.seen_at, v.status, v.status_raw, v.title_public, v.title_scientific,
                   v.title_public_ja, v.title_scientific_ja, v.date_registered,
                   v.date_last_modified, v.date_start, v.date_completion,
                   v.target_sample_size, v.secondary_ids, v.conditions, v.conditions_ja,
                   t.watched, t.last_checked_at, t.last_success_at,
                   t.consecutive_failures, t.last_error
            from versions v join trials t on t.id = v.trial
            where v.number = (select max(number) from versions
                              where trial = v.trial and language = v.language)""",
        # old/new as plain text where they are text, so that a filter such as
        # new = recruiting finds them; structured values stay JSON.
        "changes": f"""
            select t.registry, {key} as trial_id, v.language, v.number as version,
                   v.seen_at, c.field,
                   case when json_valid(c.old) and json_type(c.old) = 'text'
                        then json_extract(c.old, '$') else c.old end as old,
                   case when json_valid(c.new) and json_type(c.new) = 'text'
                        then json_extract(c.new, '$') else c.new end as new,
                   c.severity
            from version_changes c join versions v on v.id = c.version
            join trials t on t.id = v.trial""",
        "consistency": f"""
            select a.registry as registry, {key.replace('t.', 'a.')} as trial_id,
                   b.registry as other_registry,
                   {key.replace('t.', 'b.')} as other_trial_id,
                   d.field, d."values", d.severity, d.note, d.opened_at, d.closed_at
            from disagreements d join trials a on a.id = d.trial
            join trials b on b.id = d.other_trial""",
    }
    for name, sql in views.items():
        db.execute(f"drop view if exists {name}")
        db.execute(f"create view {name} as {sql}")
