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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from monitor.diff.changes import Change
from monitor.errors import StoreError
from monitor.registries.base import TrialRef
from monitor.store.links import LinkTables
from monitor.store.outbox import OutboxTables
from monitor.store.rows import (
    TrialRow,
    VersionRow,
    _json,
    _json_or_none,
    _trial,
    _version_row,
    utc_now,
)
from monitor.store.schema import SCHEMA_VERSION, create_schema


class Store(LinkTables, OutboxTables):
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
                    create_schema(self.db)
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
                self._repoint(duplicate["id"], row.id)
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

    # --- schedule -----------------------------------------------------------------------

    def set_next_check(self, trial: int, when: str | None) -> None:
        self.db["trials"].update(trial, {"next_check_at": when})

    def set_overdue(self, trial: int, since: str | None) -> None:
        self.db["trials"].update(trial, {"overdue_since": since})

    def _repoint(self, old: int, new: int) -> None:
        """Move everything that refers to trial ``old`` over to ``new`` (before ``old``
        is deleted): a merged trial keeps its fetches, versions, alerts, links and
        disagreements."""
        for table, column in (("fetches", "trial"), ("versions", "trial"), ("alerts", "trial"),
                              ("disagreements", "trial"), ("disagreements", "other_trial")):
            self.db.execute(f"update {table} set {column} = ? where {column} = ?", [new, old])
        # pairs are stored smaller id first (open_disagreements looks them up so)
        self.db.execute("update disagreements set trial = other_trial, other_trial = trial "
                        "where trial > other_trial")
        for column in ("trial", "linked_trial"):
            # a link the surviving row already has stays once (links are unique)
            self.db.execute(f"update or ignore links set {column} = ? where {column} = ?",
                            [new, old])
        self.db.execute("delete from links where trial = ? or linked_trial = ? "
                        "or trial = linked_trial", [old, old])

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

    def version_count(self, trial: int) -> int:
        return self.db.execute("select count(*) from versions where trial = ?",
                               [trial]).fetchone()[0]

    def latest_record(self, trial: int, preferred: Sequence[str] = ()) -> dict[str, Any] | None:
        """The trial's latest record, in the first of ``preferred`` languages it has
        versions in, else in any."""
        languages = self.languages(trial)
        if not languages:
            return None
        language = next((lang for lang in preferred if lang in languages), languages[0])
        latest = self.latest_version(trial, language)
        return latest.record if latest else None

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

    def page_content_type(self, sha256: str) -> str | None:
        row = self.db.execute("select content_type from pages where sha256 = ?",
                              [sha256]).fetchone()
        return row[0] if row else None

    def rewrite_history(self, trial: TrialRow, language: str, version_ids: list[int],
                        rebuilt: list[tuple[dict[str, Any], str, list[Change]]]) -> None:
        """Replace the records and diffs of a trial's versions in one language with ones
        re-derived from their raw pages (call inside a transaction). Every record is
        recompressed, since the first one is the others' dictionary; each version is
        marked ``reparsed_at``; numbers, times and pages stay."""
        now = utc_now()
        first = version_ids[0]
        first_bytes = b""
        for index, (version_id, (record, digest, changes)) in enumerate(
                zip(version_ids, rebuilt, strict=True)):
            data = _json(record).encode("utf-8")
            if index == 0:
                blob, codec, base, first_bytes = _compress(data), "zlib", None, data
            else:
                blob, codec, base = _compress(data, first_bytes), "zlib-dict", first
            columns = {name: record.get(name) for name in _RECORD_COLUMNS}
            for name in ("secondary_ids", "conditions"):
                columns[name] = _json(columns[name] or [])
            self.db["versions"].update(version_id, {
                **columns, "content_hash": digest, "record": blob, "record_codec": codec,
                "record_base": base, "change_count": len(changes), "reparsed_at": now})
            self.db.execute("delete from version_changes where version = ?", [version_id])
            if changes:
                self.db["version_changes"].insert_all(
                    {"version": version_id, "field": c.field, "old": _json_or_none(c.old),
                     "new": _json_or_none(c.new), "severity": c.severity} for c in changes)
        self._bases.pop(first, None)
        latest = rebuilt[-1][0]
        self.db["trials"].update(trial.id, {
            "title": latest.get("title_public") or latest.get("title_scientific"),
            "status": latest.get("status"), "date_last_modified": latest.get("date_last_modified")})

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
