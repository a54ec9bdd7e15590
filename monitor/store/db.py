"""SQLite storage: trials, every fetch attempt, distinct versions, their changes, and
the raw pages behind them.

Tables are meant to be read by people and by Datasette as much as by this code:
``trials`` (what is watched), ``fetches`` (every attempt and its outcome),
``versions`` (a row only when the normalized record changes), ``changes`` (the diff
that produced each version), and ``pages`` (raw pages, zlib-compressed and
de-duplicated by SHA-256, so a better parser can rebuild history later).
An unchanged check adds one small ``fetches`` row and nothing else.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from monitor.diff.changes import Change
from monitor.errors import StoreError
from monitor.registries.base import TrialRef

SCHEMA_VERSION = "4"


def iso_time(timestamp: float) -> str:
    """A UTC timestamp as stored: ISO 8601 to the millisecond, ``Z``-suffixed, so that
    stored times sort as text."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now() -> str:
    return iso_time(datetime.now(UTC).timestamp())


@dataclass(frozen=True)
class TrialRow:
    id: int
    registry: str
    trial_id: str | None
    receipt_number: str | None
    title: str | None
    status: str | None
    date_last_modified: str | None
    watched: bool
    watch_source: str | None
    added_input: str | None
    last_checked_at: str | None
    last_success_at: str | None
    consecutive_failures: int
    last_error: str | None
    next_check_at: str | None = None
    overdue_since: str | None = None

    @property
    def label(self) -> str:
        return self.trial_id or self.receipt_number or self.added_input or f"#{self.id}"

    def ref(self) -> TrialRef:
        return TrialRef(self.registry, self.trial_id, self.receipt_number)


@dataclass(frozen=True)
class VersionRow:
    id: int
    trial: int
    language: str
    number: int
    content_hash: str
    seen_at: str
    record: dict[str, Any]
    page: str | None


class Store:
    """The monitor's database. Not thread-safe: one Store per thread."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._bases: dict[int, bytes] = {}  # decompressed base records, by version id
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Each Store is used by one thread; the daemon closes them all from another
            # when it stops, hence check_same_thread=False.
            connection = sqlite3.connect(self.path, check_same_thread=False)
            self.db = sqlite_utils.Database(connection)
            self.db.execute("PRAGMA busy_timeout = 10000")
            self.db.execute("PRAGMA foreign_keys = ON")
            # WAL + NORMAL: no fsync per commit, still consistent after any crash of the
            # process (kill -9 included); a power loss may lose only the last commits.
            self.db.execute("PRAGMA synchronous = NORMAL")
            if self.db.journal_mode != "wal":
                self.db.enable_wal()
            if not self._schema_is_current():
                with self.transaction():
                    self._create_schema()
        except (sqlite3.DatabaseError, OSError) as error:
            raise StoreError(f"cannot open database {self.path}: {error} "
                             "(check [storage] database in the config)") from None

    def close(self) -> None:
        self.db.close()

    def _version(self, row: dict[str, Any]) -> VersionRow:
        return _version_row(row, json.loads(self._record_bytes(row)))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything one check writes commits together, or not at all.

        The outermost transaction takes the write lock up front (BEGIN IMMEDIATE): a
        deferred one that read first and writes later fails at once, without waiting,
        when another connection (another daemon thread, a CLI command) wrote meanwhile.
        Nested ones are savepoints.
        """
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def _schema_is_current(self) -> bool:
        if "meta" not in self.db.table_names():
            return False
        row = self.db.execute("select value from meta where key = 'schema_version'").fetchone()
        if row is not None and row[0].isdigit() and int(row[0]) < 4:
            raise StoreError(f"{self.path} was made by a pre-release build (schema {row[0]}): "
                             "move it aside and run `ctr-monitor check` to start afresh")
        return row is not None and row[0] == SCHEMA_VERSION

    # --- schema -------------------------------------------------------------------------

    def _create_schema(self) -> None:
        db = self.db
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
        self._create_views()
        if "versions_fts" not in db.table_names():
            # Titles and conditions, searchable in Datasette; trigram, because Japanese
            # text has no spaces between words.
            db["versions"].enable_fts(["title_public", "title_scientific", "conditions"],
                                      tokenize="trigram", create_triggers=True)
        # Columns added after the first release: added in place, data kept.
        for column in ("next_check_at", "overdue_since"):
            if column not in db["trials"].columns_dict:
                db["trials"].add_column(column, str)
        db["meta"].upsert({"key": "schema_version", "value": SCHEMA_VERSION}, pk="key")

    def _create_views(self) -> None:
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
            self.db.execute(f"drop view if exists {name}")
            self.db.execute(f"create view {name} as {sql}")

    # --- trials -------------------------------------------------------------------------

    def find_trial(self, ref: TrialRef) -> TrialRow | None:
        clauses, params = [], [ref.registry]
        if ref.trial_id:
            clauses.append("trial_id = ?")
            params.append(ref.trial_id)
        if ref.receipt_number:
            clauses.append("receipt_number = ?")
            params.append(ref.receipt_number)
        if not clauses:
            return None
        rows = list(self.db.query(
            f"select * from trials where registry = ? and ({' or '.join(clauses)}) "
            "order by id limit 1", params))
        return _trial(rows[0]) if rows else None

    def get_trial(self, pk: int) -> TrialRow:
        return _trial(self.db["trials"].get(pk))

    def watch(self, ref: TrialRef, *, source: str, typed: str) -> tuple[TrialRow, bool]:
        """Watch a trial; returns the row and whether it was newly watched."""
        with self.transaction():
            row = self.find_trial(ref)
            if row is not None:
                if row.watched:
                    return row, False
                self.db["trials"].update(row.id, {"watched": 1, "watch_source": source})
                return self.get_trial(row.id), True
            pk = self.db["trials"].insert({
                "registry": ref.registry, "trial_id": ref.trial_id,
                "receipt_number": ref.receipt_number, "watched": 1, "watch_source": source,
                "added_input": typed, "added_at": utc_now(), "consecutive_failures": 0,
            }).last_pk
            return self.get_trial(pk), True

    def unwatch(self, row: TrialRow) -> None:
        """Stop watching; history stays (it is the point of having kept it)."""
        self.db["trials"].update(row.id, {"watched": 0})

    def trials(self, *, watched_only: bool = True) -> list[TrialRow]:
        where = "where watched = 1" if watched_only else ""
        return [_trial(r) for r in self.db.query(f"select * from trials {where} order by id")]

    def set_ids(self, row: TrialRow, trial_id: str | None, receipt_number: str | None) -> TrialRow:
        """Record IDs learnt from the registry; fold in a duplicate row if the user had
        added the same trial under both of its IDs before either was checked."""
        updates = {k: v for k, v in (("trial_id", trial_id), ("receipt_number", receipt_number))
                   if v and getattr(row, k) != v}
        if not updates:
            return row
        for column, value in list(updates.items()):
            other = list(self.db.query(
                f"select id, watched from trials where registry = ? and {column} = ? "
                "and id != ?", [row.registry, value, row.id]))
            for duplicate in other:
                self.db.execute("update fetches set trial = ? where trial = ?",
                                [row.id, duplicate["id"]])
                self.db.execute("update versions set trial = ? where trial = ?",
                                [row.id, duplicate["id"]])
                if duplicate["watched"]:
                    updates["watched"] = 1
                self.db["trials"].delete(duplicate["id"])
        self.db["trials"].update(row.id, updates)
        return self.get_trial(row.id)

    def add_linked(self, ref: TrialRef) -> TrialRow:
        """A trial reached through another's secondary IDs: stored, not watched."""
        row = self.find_trial(ref)
        if row is not None:
            return row
        pk = self.db["trials"].insert({
            "registry": ref.registry, "trial_id": ref.trial_id,
            "receipt_number": ref.receipt_number, "watched": 0, "watch_source": "link",
            "added_input": ref.label, "added_at": utc_now(), "consecutive_failures": 0,
        }).last_pk
        return self.get_trial(pk)

    # --- links and disagreements --------------------------------------------------------

    def link(self, a: TrialRow, b: TrialRow) -> None:
        """Record that ``a`` and ``b`` are one trial in two registries (both ways)."""
        now = utc_now()
        for one, other in ((a, b), (b, a)):
            self.db.execute(
                "insert or ignore into links (trial, linked_trial, found_at) values (?, ?, ?)",
                [one.id, other.id, now])

    def linked(self, trial: int) -> list[TrialRow]:
        return [_trial(r) for r in self.db.query(
            "select trials.* from links join trials on trials.id = links.linked_trial "
            "where links.trial = ? order by trials.id", [trial])]

    def open_disagreements(self, a: int, b: int) -> dict[str, dict[str, Any]]:
        first, second = sorted((a, b))
        return {r["field"]: r for r in self.db.query(
            "select * from disagreements where trial = ? and other_trial = ? "
            "and closed_at is null", [first, second])}

    def sync_disagreements(self, a: int, b: int, current: list) -> tuple[list, list]:
        """Open the disagreements newly found, close those gone; return both lists (the
        still-open ones are not news). Call inside a transaction."""
        first, second = sorted((a, b))
        existing = self.open_disagreements(first, second)
        now = utc_now()
        opened = [d for d in current if d.field not in existing
                  or json.loads(existing[d.field]["values"]) != d.values]
        names = {d.field for d in current}
        closed = [row for field, row in existing.items()
                  if field not in names or any(d.field == field for d in opened)]
        for row in closed:
            self.db["disagreements"].update(row["id"], {"closed_at": now})
        for d in opened:
            self.db["disagreements"].insert({
                "trial": first, "other_trial": second, "field": d.field,
                "values": _json(d.values), "severity": d.severity, "note": d.note,
                "opened_at": now})
        return opened, closed

    # --- schedule -----------------------------------------------------------------------

    def set_next_check(self, trial: int, when: str | None) -> None:
        self.db["trials"].update(trial, {"next_check_at": when})

    def set_overdue(self, trial: int, since: str | None) -> None:
        self.db["trials"].update(trial, {"overdue_since": since})

    def alert_counts(self) -> dict[str, int]:
        return {r["status"]: r["n"] for r in self.db.query(
            "select status, count(*) as n from alerts group by status")}

    # --- alert outbox -------------------------------------------------------------------

    def enqueue_alert(self, *, delivery_id: str, channel: str, event: str, trial: int | None,
                      payload: dict[str, Any], now: str) -> None:
        """Queue one event for one channel (call inside the transaction that caused it)."""
        self.db["alerts"].insert({
            "delivery_id": delivery_id, "channel": channel, "event": event, "trial": trial,
            "payload": _json(payload), "status": "pending", "attempts": 0, "created_at": now,
            "next_attempt_at": now})

    def claim_due_alerts(self, now: str, lease_until: str) -> list[dict[str, Any]]:
        """Pending alerts whose time has come, leased to this process so that a second
        process delivering at the same time cannot send them too."""
        with self.transaction():
            rows = list(self.db.query(
                "select * from alerts where status = 'pending' and next_attempt_at <= ? "
                "and (lease_until is null or lease_until < ?) order by id", [now, now]))
            for row in rows:
                self.db["alerts"].update(row["id"], {"lease_until": lease_until})
        for row in rows:
            row["payload"] = json.loads(row["payload"])
        return rows

    def record_alert_attempt(self, alert: dict[str, Any], *, now: str, ok: bool, detail: str,
                             next_attempt_at: str | None = None, dead: bool = False) -> None:
        with self.transaction():
            self.db["alert_attempts"].insert({"alert": alert["id"], "attempted_at": now,
                                              "ok": int(ok), "detail": detail})
            update: dict[str, Any] = {"attempts": alert["attempts"] + 1,
                                      "last_attempt_at": now, "lease_until": None}
            if ok:
                update.update(status="delivered", delivered_at=now, last_error=None)
            else:
                update.update(status="dead" if dead else "pending", last_error=detail,
                              next_attempt_at=next_attempt_at or now)
            self.db["alerts"].update(alert["id"], update)

    def alerts(self, statuses: tuple[str, ...] = ("pending", "dead")) -> list[dict[str, Any]]:
        marks = ", ".join("?" for _ in statuses)
        return list(self.db.query(
            f"select id, delivery_id, channel, event, trial, status, attempts, created_at, "
            f"next_attempt_at, last_attempt_at, last_error, delivered_at, payload "
            f"from alerts where status in ({marks}) order by id", list(statuses)))

    def revive_dead_alerts(self, now: str) -> int:
        with self.transaction():
            cursor = self.db.execute(
                "update alerts set status = 'pending', next_attempt_at = ?, lease_until = null "
                "where status = 'dead'", [now])
        return cursor.rowcount

    # --- versions -----------------------------------------------------------------------

    def latest_version(self, trial: int, language: str) -> VersionRow | None:
        rows = list(self.db.query(
            "select * from versions where trial = ? and language = ? "
            "order by number desc limit 1", [trial, language]))
        return self._version(rows[0]) if rows else None

    def versions(self, trial: int, language: str | None = None) -> list[VersionRow]:
        sql, params = "select * from versions where trial = ?", [trial]
        if language:
            sql += " and language = ?"
            params.append(language)
        return [self._version(r)
                for r in self.db.query(sql + " order by language, number", params)]

    def version(self, trial: int, language: str, number: int) -> VersionRow | None:
        rows = list(self.db.query(
            "select * from versions where trial = ? and language = ? and number = ?",
            [trial, language, number]))
        return self._version(rows[0]) if rows else None

    def languages(self, trial: int) -> list[str]:
        return [r["language"] for r in self.db.query(
            "select distinct language from versions where trial = ? order by language",
            [trial])]

    def changes(self, version: int) -> list[Change]:
        return [Change(r["field"], json.loads(r["old"]) if r["old"] is not None else None,
                       json.loads(r["new"]) if r["new"] is not None else None, r["severity"])
                for r in self.db.query(
                    "select * from version_changes where version = ? order by id", [version])]

    def add_version(self, trial: TrialRow, language: str, record: dict[str, Any],
                    content_hash: str, raw: bytes, content_type: str,
                    changes: list[Change]) -> VersionRow:
        """Insert a version with its changes and raw page (call inside a transaction).

        The record and the page are compressed with the trial's first version (in this
        language) as zlib's preset dictionary: a new version of a page mostly repeats
        the first, so it costs a few hundred bytes, and reading any version takes at
        most two decompressions.
        """
        now = utc_now()
        first = self._first_version_row(trial.id, language)
        page = self._save_page(raw, content_type, now, base=first["page"] if first else None)
        latest = self.latest_version(trial.id, language)
        number = latest.number + 1 if latest else 1
        data = _json(record).encode("utf-8")
        if first is not None:
            blob = _compress(data, self._record_bytes(first))
            codec, base = "zlib-dict", first["id"]
        else:
            blob, codec, base = _compress(data), "zlib", None
        columns = {name: record.get(name) for name in _RECORD_COLUMNS}
        for name in ("secondary_ids", "conditions"):
            columns[name] = _json(columns[name] or [])
        pk = self.db["versions"].insert({
            "trial": trial.id, "language": language, "number": number,
            "content_hash": content_hash, "seen_at": now, **columns, "record": blob,
            "record_codec": codec, "record_base": base, "page": page,
            "change_count": len(changes),
        }).last_pk
        if changes:
            self.db["version_changes"].insert_all(
                {"version": pk, "field": c.field, "old": _json_or_none(c.old),
                 "new": _json_or_none(c.new), "severity": c.severity} for c in changes)
        self.db["trials"].update(trial.id, {
            "title": record.get("title_public") or record.get("title_scientific"),
            "status": record.get("status"),
            "date_last_modified": record.get("date_last_modified"),
        })
        return self._version(self.db["versions"].get(pk))

    def _first_version_row(self, trial: int, language: str) -> dict[str, Any] | None:
        rows = list(self.db.query(
            "select id, record, record_codec, record_base, page from versions "
            "where trial = ? and language = ? order by number limit 1", [trial, language]))
        return rows[0] if rows else None

    def _record_bytes(self, row: dict[str, Any]) -> bytes:
        """A version's record JSON, decompressed (with its base record if it has one)."""
        if row["record_codec"] == "zlib":
            return zlib.decompress(row["record"])
        cached = self._bases.get(row["record_base"])
        if cached is None:
            base = self.db.execute("select record from versions where id = ?",
                                   [row["record_base"]]).fetchone()
            cached = zlib.decompress(base[0])
            if len(self._bases) > 256:
                self._bases.clear()
            self._bases[row["record_base"]] = cached
        return _decompress(row["record"], cached)

    def _save_page(self, raw: bytes, content_type: str, now: str, base: str | None) -> str:
        digest = hashlib.sha256(raw).hexdigest()
        if not self.db.execute("select 1 from pages where sha256 = ?", [digest]).fetchone():
            dictionary = self.raw_page(base) if base else None
            self.db["pages"].insert({
                "sha256": digest, "content": _compress(raw, dictionary),
                "compression": "zlib-dict" if dictionary else "zlib",
                "base": base if dictionary else None, "size": len(raw),
                "content_type": content_type, "first_seen_at": now,
            })
        return digest

    def raw_page(self, sha256: str) -> bytes | None:
        row = self.db.execute("select content, compression, base from pages where sha256 = ?",
                              [sha256]).fetchone()
        if row is None:
            return None
        content, compression, base = row
        if compression == "zlib-dict":
            return _decompress(content, self.raw_page(base) or b"")
        return zlib.decompress(content) if compression == "zlib" else content

    def changed_versions(self, since: str, limit: int) -> list[dict[str, Any]]:
        """Versions that changed something, newest first, with their trial and changes:
        the entries of the Atom feed."""
        rows = list(self.db.query(
            "select v.id, v.trial, v.language, v.number, v.seen_at, t.registry, "
            "coalesce(t.trial_id, t.receipt_number) as trial_id, t.title "
            "from versions v join trials t on t.id = v.trial "
            "where v.change_count > 0 and v.seen_at >= ? order by v.seen_at desc, v.id desc "
            "limit ?", [since, limit]))
        for row in rows:
            version = self.version(row["trial"], row["language"], row["number"])
            row["url"] = version.record.get("url", "") if version else ""
            row["version"] = row["number"]
            row["changes"] = [c.to_dict() for c in self.changes(row["id"])]
        return rows

    # --- fetches ------------------------------------------------------------------------

    def record_fetch(self, trial: TrialRow, *, url: str, language: str | None, started_at: str,
                     outcome: str, duration_ms: int | None = None, attempts: int | None = None,
                     status_code: int | None = None, reason: str | None = None,
                     error: str | None = None, size: int | None = None,
                     version: int | None = None) -> None:
        """Log one request (call inside a transaction)."""
        self.db["fetches"].insert({
            "trial": trial.id, "language": language, "url": url, "started_at": started_at,
            "duration_ms": duration_ms, "attempts": attempts, "status_code": status_code,
            "outcome": outcome, "reason": reason, "error": error, "bytes": size,
            "version": version,
        })

    def record_health(self, trial: TrialRow, *, failed: bool, error: str | None = None) -> None:
        """Count consecutive failed checks of a trial (one per check, however many of
        its pages failed), or reset the count after a fully successful check."""
        now = utc_now()
        if failed:
            self.db.execute(
                "update trials set last_checked_at = ?, last_error = ?, "
                "consecutive_failures = consecutive_failures + 1 where id = ?",
                [now, error, trial.id])
        else:
            self.db["trials"].update(trial.id, {
                "last_checked_at": now, "last_success_at": now,
                "consecutive_failures": 0, "last_error": None, "overdue_since": None})


_RECORD_COLUMNS = ("status", "status_raw", "title_public", "title_scientific",
                   "date_registered", "date_disclosed", "date_last_modified", "date_start",
                   "date_completion", "target_sample_size", "secondary_ids", "conditions")


def _compress(data: bytes, dictionary: bytes | None = None) -> bytes:
    if dictionary is None:
        return zlib.compress(data, 9)
    compressor = zlib.compressobj(9, zdict=dictionary)
    return compressor.compress(data) + compressor.flush()


def _decompress(data: bytes, dictionary: bytes) -> bytes:
    decompressor = zlib.decompressobj(zdict=dictionary)
    return decompressor.decompress(data) + decompressor.flush()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json_or_none(value: Any) -> str | None:
    return None if value is None else _json(value)


def _trial(row: dict[str, Any]) -> TrialRow:
    return TrialRow(
        id=row["id"], registry=row["registry"], trial_id=row["trial_id"],
        receipt_number=row["receipt_number"], title=row["title"], status=row["status"],
        date_last_modified=row["date_last_modified"], watched=bool(row["watched"]),
        watch_source=row["watch_source"], added_input=row["added_input"],
        last_checked_at=row["last_checked_at"], last_success_at=row["last_success_at"],
        consecutive_failures=row["consecutive_failures"] or 0, last_error=row["last_error"],
        next_check_at=row.get("next_check_at"), overdue_since=row.get("overdue_since"),
    )


def _version_row(row: dict[str, Any], record: dict[str, Any]) -> VersionRow:
    return VersionRow(
        id=row["id"], trial=row["trial"], language=row["language"], number=row["number"],
        content_hash=row["content_hash"], seen_at=row["seen_at"], record=record,
        page=row["page"],
    )
