"""The database schema: tables, indexes, readable views, and the search index.

Kept apart from the Store's methods so that the shape of the data can be read in one
place. Tables are named for people and Datasette: trials, fetches, versions,
version_changes, pages, links, disagreements, alerts, alert_attempts.
"""

from __future__ import annotations

import sqlite_utils

SCHEMA_VERSION = "5"


def create_schema(db: sqlite_utils.Database) -> None:
    """Create every table, index, view and the search index (inside a transaction)."""
    db["meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
    db["trials"].create(
        {"id": int, "registry": str, "trial_id": str, "receipt_number": str,
         "title": str, "status": str, "date_last_modified": str, "watched": int,
         "watch_source": str, "added_input": str, "added_at": str,
         "last_checked_at": str, "last_success_at": str,
         "consecutive_failures": int, "last_error": str},
        pk="id", not_null={"registry", "watched", "added_at", "consecutive_failures"},
        defaults={"watched": 1, "consecutive_failures": 0}, if_not_exists=True,
    )
    db["pages"].create(
        {"sha256": str, "content": bytes, "compression": str, "base": str,
         "size": int, "content_type": str, "first_seen_at": str},
        pk="sha256", not_null={"content", "compression", "size"},
        foreign_keys=[("base", "pages", "sha256")], if_not_exists=True,
    )
    # The canonical fields as readable columns; the whole record (raw fields
    # included) compressed in `record`, against the first version's record.
    db["versions"].create(
        {"id": int, "trial": int, "language": str, "number": int,
         "content_hash": str, "seen_at": str, "status": str, "status_raw": str,
         "title_public": str, "title_scientific": str, "date_registered": str,
         "date_disclosed": str, "date_last_modified": str, "date_start": str,
         "date_completion": str, "target_sample_size": int, "secondary_ids": str,
         "conditions": str, "record": bytes, "record_codec": str,
         "record_base": int, "page": str, "change_count": int},
        pk="id", not_null={"trial", "language", "number", "content_hash", "seen_at",
                           "record", "record_codec"},
        foreign_keys=[("trial", "trials", "id"), ("page", "pages", "sha256"),
                      ("record_base", "versions", "id")],
        if_not_exists=True,
    )
    db["version_changes"].create(
        {"id": int, "version": int, "field": str, "old": str, "new": str,
         "severity": str},
        pk="id", not_null={"version", "field", "severity"},
        foreign_keys=[("version", "versions", "id")], if_not_exists=True,
    )
    db["fetches"].create(
        {"id": int, "trial": int, "language": str, "url": str, "started_at": str,
         "duration_ms": int, "attempts": int, "status_code": int, "outcome": str,
         "reason": str, "error": str, "bytes": int, "version": int},
        pk="id", not_null={"trial", "url", "started_at", "outcome"},
        foreign_keys=[("trial", "trials", "id"), ("version", "versions", "id")],
        if_not_exists=True,
    )
    db["links"].create(
        {"id": int, "trial": int, "linked_trial": int, "found_at": str},
        pk="id", not_null={"trial", "linked_trial", "found_at"},
        foreign_keys=[("trial", "trials", "id"), ("linked_trial", "trials", "id")],
        if_not_exists=True,
    )
    db["disagreements"].create(
        {"id": int, "trial": int, "other_trial": int, "field": str, "values": str,
         "severity": str, "note": str, "opened_at": str, "closed_at": str},
        pk="id", not_null={"trial", "other_trial", "field", "severity", "opened_at"},
        foreign_keys=[("trial", "trials", "id"), ("other_trial", "trials", "id")],
        if_not_exists=True,
    )
    db["alerts"].create(
        {"id": int, "delivery_id": str, "channel": str, "event": str, "trial": int,
         "payload": str, "status": str, "attempts": int, "created_at": str,
         "next_attempt_at": str, "last_attempt_at": str, "last_error": str,
         "delivered_at": str, "lease_until": str},
        pk="id", not_null={"delivery_id", "channel", "event", "payload", "status",
                           "attempts", "created_at", "next_attempt_at"},
        defaults={"status": "pending", "attempts": 0},
        foreign_keys=[("trial", "trials", "id")], if_not_exists=True,
    )
    db["alert_attempts"].create(
        {"id": int, "alert": int, "attempted_at": str, "ok": int, "detail": str},
        pk="id", not_null={"alert", "attempted_at", "ok"},
        foreign_keys=[("alert", "alerts", "id")], if_not_exists=True,
    )
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
        db[table].create_index(columns, unique=unique, if_not_exists=True)
    create_views(db)
    if "versions_fts" not in db.table_names():
        # Titles and conditions, searchable in Datasette; trigram, because Japanese
        # text has no spaces between words.
        db["versions"].enable_fts(["title_public", "title_scientific", "conditions"],
                                  tokenize="trigram", create_triggers=True)
    # Columns added after the first release: added in place, data kept.
    for table, column in (("trials", "next_check_at"), ("trials", "overdue_since"),
                          ("versions", "reparsed_at")):
        if column not in db[table].columns_dict:
            db[table].add_column(column, str)
    db["meta"].upsert({"key": "schema_version", "value": SCHEMA_VERSION}, pk="key")

def create_views(db: sqlite_utils.Database) -> None:
    """Readable views for people and Datasette (`datasette ctr-monitor.db`)."""
    views = {
        "latest_records": """
            select t.registry, coalesce(t.trial_id, t.receipt_number) as trial_id,
                   t.receipt_number, v.language, v.number as version, v.seen_at,
                   v.status, v.status_raw, v.title_public, v.title_scientific,
                   v.date_registered, v.date_last_modified, v.date_start,
                   v.date_completion, v.target_sample_size, v.secondary_ids,
                   v.conditions, t.watched, t.last_checked_at, t.last_success_at,
                   t.consecutive_failures, t.last_error
            from versions v join trials t on t.id = v.trial
            where v.number = (select max(number) from versions
                              where trial = v.trial and language = v.language)""",
        "changes": """
            select t.registry, coalesce(t.trial_id, t.receipt_number) as trial_id,
                   v.language, v.number as version, v.seen_at, c.field, c.old, c.new,
                   c.severity
            from version_changes c join versions v on v.id = c.version
            join trials t on t.id = v.trial""",
        "consistency": """
            select a.registry as registry, coalesce(a.trial_id, a.receipt_number)
                   as trial_id, b.registry as other_registry,
                   coalesce(b.trial_id, b.receipt_number) as other_trial_id,
                   d.field, d."values", d.severity, d.note, d.opened_at, d.closed_at
            from disagreements d join trials a on a.id = d.trial
            join trials b on b.id = d.other_trial""",
    }
    for name, sql in views.items():
        db.execute(f"drop view if exists {name}")
        db.execute(f"create view {name} as {sql}")
