"""The ``trials`` table (what is watched or linked, and its check health) and the
``trial_keys`` table (each registry's own IDs beside the public one)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from monitor.registries.base import TrialRef
from monitor.store.database import Database
from monitor.store.rows import TrialRow, utc_now


class Trials:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.db = database.db

    # --- reading ------------------------------------------------------------------------

    def _rows(self, where: str = "", params: Iterable[Any] = ()) -> list[TrialRow]:
        """The trials ``where`` selects, with their keys: two queries however many, and
        no table of intermediate rows (the daemon reads every watched trial often)."""
        values = list(params)
        keys: dict[int, list[tuple[str, str]]] = {}
        for trial, name, value in self.db.execute(
                "select trial, name, value from trial_keys where trial in "
                f"(select id from trials {where}) order by name", values):
            keys.setdefault(trial, []).append((name, value))
        cursor = self.db.execute(f"select {_TRIAL_COLUMNS} from trials {where}", values)
        return [TrialRow(id_, registry, trial_id, tuple(keys.get(id_, ())), title, status,
                         modified, bool(watched), source, typed, added, checked, succeeded,
                         failures or 0, error, due, overdue, paged)
                for (id_, registry, trial_id, title, status, modified, watched, source, typed,
                     added, checked, succeeded, failures, error, due, overdue, paged)
                in cursor]

    def get(self, pk: int) -> TrialRow:
        found = self.get_or_none(pk)
        if found is None:
            raise KeyError(pk)
        return found

    def get_or_none(self, pk: int) -> TrialRow | None:
        """None for a trial merged into another (added under two of its IDs)."""
        rows = self._rows("where id = ?", [pk])
        return rows[0] if rows else None

    def find(self, ref: TrialRef) -> TrialRow | None:
        """The stored trial ``ref`` names, by its public ID or any of its keys."""
        if ref.trial_id:
            rows = self._rows("where registry = ? and trial_id = ?", [ref.registry, ref.trial_id])
            if rows:
                return rows[0]
        for name, value in ref.keys:
            found = self.db.execute("select trial from trial_keys where registry = ? and "
                                    "name = ? and value = ?",
                                    [ref.registry, name, value]).fetchone()
            if found:
                return self.get(found[0])
        return None

    def watched(self) -> list[TrialRow]:
        return self._rows("where watched = 1 order by id")

    def watch_fingerprint(self) -> bytes:
        """A digest of which trials are watched and how trials are linked: it changes
        exactly when the daemon's groups may have (a watch added, removed or merged, a
        link found or dropped), so the daemon's resync rebuilds its schedule only then
        instead of building every watched trial's row every few seconds. Two short
        strings of ids, not rows."""
        watched, links = self.db.execute(
            "select (select group_concat(id) from (select id from trials where watched = 1 "
            "order by id)), (select group_concat(trial || '-' || linked_trial) from "
            "(select trial, linked_trial from links order by trial, linked_trial))"
        ).fetchone()
        return hashlib.blake2b(f"{watched}|{links}".encode(), digest_size=16).digest()

    def stale(self, before: str) -> list[TrialRow]:
        """Watched trials with no open overdue episode whose last success (or, never
        checked, their adding) is older than ``before``: the watchdog's candidates,
        found by the database rather than by reading every watched trial."""
        return self._rows("where watched = 1 and overdue_since is null and "
                          "coalesce(last_success_at, added_at) < ? order by id", [before])

    def all(self) -> list[TrialRow]:
        return self._rows("order by id")

    def many(self, ids: Iterable[int]) -> list[TrialRow]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        found = {row.id: row for row in self._rows(
            "where id in (select value from json_each(?))", [json.dumps(wanted)])}
        return [found[pk] for pk in wanted if pk in found]

    # --- writing (inside a transaction) --------------------------------------------------

    def watch(self, ref: TrialRef, *, source: str, typed: str) -> tuple[TrialRow, bool]:
        """Watch a trial; returns the row and whether it was newly watched."""
        with self.database.transaction():
            row = self.find(ref)
            if row is not None:
                if row.watched:
                    return row, False
                self.db.table("trials").update(row.id, {"watched": 1, "watch_source": source})
                return self.get(row.id), True
            pk = self._insert(ref, watched=True, source=source, typed=typed)
            return self.get(pk), True

    def add_linked(self, ref: TrialRef) -> TrialRow:
        """A trial reached through another's secondary IDs: stored, not watched."""
        row = self.find(ref)
        if row is not None:
            return row
        return self.get(self._insert(ref, watched=False, source="link", typed=ref.label))

    def _insert(self, ref: TrialRef, *, watched: bool, source: str, typed: str) -> int:
        pk = self.db.table("trials").insert({
            "registry": ref.registry, "trial_id": ref.trial_id, "watched": int(watched),
            "watch_source": source, "added_input": typed, "added_at": utc_now(),
            "consecutive_failures": 0,
        }).last_pk
        assert pk is not None
        self._add_keys(int(pk), ref.registry, dict(ref.keys))
        return int(pk)

    def _add_keys(self, trial: int, registry: str, keys: Mapping[str, str]) -> None:
        for name, value in keys.items():
            self.db.execute("insert or ignore into trial_keys (trial, registry, name, value) "
                            "values (?, ?, ?, ?)", [trial, registry, name, value])

    def unwatch(self, row: TrialRow) -> None:
        """Stop watching; history stays (it is the point of having kept it)."""
        with self.database.transaction():
            self.db.table("trials").update(row.id, {"watched": 0})

    def learn_ids(self, row: TrialRow, trial_id: str | None,
                  keys: Mapping[str, str] | None = None) -> TrialRow:
        """Record IDs learnt from the registry; fold in a duplicate row if the user had
        added the same trial under two of its IDs before either was checked."""
        keys = {k: v for k, v in (keys or {}).items() if v and row.key(k) != v}
        duplicates: set[int] = set()
        if trial_id and row.trial_id != trial_id:
            duplicates |= {r[0] for r in self.db.execute(
                "select id from trials where registry = ? and trial_id = ? and id != ?",
                [row.registry, trial_id, row.id])}
        for name, value in keys.items():
            duplicates |= {r[0] for r in self.db.execute(
                "select trial from trial_keys where registry = ? and name = ? and value = ? "
                "and trial != ?", [row.registry, name, value, row.id])}
        for duplicate in sorted(duplicates):
            watched = self.get(duplicate).watched
            self.merge(duplicate, into=row.id)
            if watched:
                self.db.table("trials").update(row.id, {"watched": 1})
        if trial_id and row.trial_id != trial_id:
            self.db.table("trials").update(row.id, {"trial_id": trial_id})
        self._add_keys(row.id, row.registry, keys)
        return self.get(row.id)

    def merge(self, old: int, *, into: int) -> None:
        """Move everything that refers to trial ``old`` over to ``into``, then delete
        ``old``. Follows the foreign keys the schema declares, so a table added later is
        carried along without this code knowing it; a row the survivor already has (a
        unique link, a key) is dropped rather than doubled."""
        for table, column in self._references():
            self.db.execute(f'update or ignore "{table}" set "{column}" = ? '
                            f'where "{column}" = ?', [into, old])
            self.db.execute(f'delete from "{table}" where "{column}" = ?', [old])
        # Pair tables keep their invariants: no trial linked to itself; disagreements
        # stored smaller id first (they are looked up so).
        self.db.execute("delete from links where trial = linked_trial")
        self.db.execute("update disagreements set trial = other_trial, other_trial = trial "
                        "where trial > other_trial")
        self.db.table("trials").delete(old)

    def _references(self) -> list[tuple[str, str]]:
        found = []
        for table in self.db.table_names():
            # The full-text index and its shadow tables have no foreign keys: they follow
            # search_texts through its triggers (versions_fts: schema 6 and before).
            if table.startswith(("search_texts_fts", "versions_fts", "_sqlite", "sqlite_")):
                continue
            for key in self.db.execute(f'pragma foreign_key_list("{table}")').fetchall():
                # id, seq, referenced table, from column, to column, …
                if key[2] == "trials" and key[4] in ("id", None):
                    found.append((table, key[3]))
        return found

    def record_health(self, row: TrialRow, *, failed: bool, error: str | None = None,
                      pages_fetched: bool = True, now: str | None = None) -> TrialRow:
        """Count consecutive failed checks of a trial (one per check, however many of its
        pages failed), or reset the count after a fully successful check."""
        now = now or utc_now()
        if failed:
            self.db.execute(
                "update trials set last_checked_at = ?, last_error = ?, "
                "consecutive_failures = consecutive_failures + 1 where id = ?",
                [now, error, row.id])
        else:
            update: dict[str, Any] = {
                "last_checked_at": now, "last_success_at": now, "consecutive_failures": 0,
                "last_error": None, "overdue_since": None}
            if pages_fetched:
                update["last_page_at"] = now
            self.db.table("trials").update(row.id, update)
        return self.get(row.id)

    def set_latest(self, trial: int, *, title: str | None, status: str | None,
                   date_last_modified: str | None) -> None:
        self.db.table("trials").update(trial, {"title": title, "status": status,
                                         "date_last_modified": date_last_modified})

    def set_next_check(self, trials: Iterable[int], when: str | None) -> None:
        for trial in trials:
            self.db.table("trials").update(trial, {"next_check_at": when})

    def set_overdue(self, trial: int, since: str | None) -> None:
        self.db.table("trials").update(trial, {"overdue_since": since})


# TrialRow's fields in order, less ``keys`` (read apart): rows are built by position, a
# few microseconds each, since the daemon and ``list`` read thousands at once
_TRIAL_COLUMNS = ", ".join((
    "id", "registry", "trial_id", "title", "status", "date_last_modified", "watched",
    "watch_source", "added_input", "added_at", "last_checked_at", "last_success_at",
    "consecutive_failures", "last_error", "next_check_at", "overdue_since", "last_page_at"))
