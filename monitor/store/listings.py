"""A registry's bulk listing as last read (UMIN-CTR's daily CSV): one row per trial,
the state of the download, and which trials matched which ``[[query]]``."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields
from typing import Any

from monitor.store.database import Database
from monitor.store.rows import ListingEntry, ListingState, to_json

_ENTRY_COLUMNS = ("status", "status_raw", "date_last_modified", "date_registered",
                  "target_sample_size", "title_ja", "title_en", "title_public_ja",
                  "title_public_en")


def search_form(text: str) -> str:
    """What queries match against: NFKC, case-folded (full-width and half-width, upper and
    lower case alike)."""
    return unicodedata.normalize("NFKC", text).casefold()


class Listings:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.db = database.db

    # --- the download's state -------------------------------------------------------------

    def state(self, registry: str) -> ListingState:
        rows = list(self.db.query("select * from listing_state where registry = ?",
                                  [registry]))
        if not rows:
            return ListingState(registry)
        known = {f.name for f in fields(ListingState)}
        return ListingState(**{k: v for k, v in rows[0].items() if k in known})

    def save_state(self, state: ListingState) -> None:
        self.db.table("listing_state").upsert(asdict(state), pk="registry")

    # --- rows ---------------------------------------------------------------------------

    def get(self, registry: str, trial_id: str) -> ListingEntry | None:
        rows = list(self.db.query("select * from listings where registry = ? and "
                                  "trial_id = ?", [registry, trial_id]))
        return _entry(rows[0]) if rows else None

    def count(self, registry: str) -> int:
        return int(self.db.execute("select count(*) from listings where registry = ?",
                                   [registry]).fetchone()[0])

    def stage(self, entries: Iterable[ListingEntry], batch: int = 2000) -> int:
        """Read a listing into the staging table, committing every ``batch`` rows (the
        write lock is never held long); the number of rows staged. Start with
        :meth:`clear_staging`, end with :meth:`merge_staged` once the whole file was read."""
        count, rows = 0, []
        for entry in entries:
            rows.append(_staging_row(entry))
            if len(rows) >= batch:
                count += self._insert_staged(rows)
                rows = []
        if rows:
            count += self._insert_staged(rows)
        return count

    def _insert_staged(self, rows: list[dict[str, Any]]) -> int:
        with self.database.transaction():
            self.db.table("listings_staging").insert_all(rows, replace=True)
        return len(rows)

    def clear_staging(self, registry: str) -> None:
        with self.database.transaction():
            self.db.execute("delete from listings_staging where registry = ?", [registry])

    def merge_staged(self, registry: str, now: str, needles: Sequence[str] = ()
                     ) -> tuple[int, list[ListingEntry]]:
        """Merge the staged rows into ``listings`` (inside the caller's transaction): rows
        that changed are rewritten, rows never seen before inserted. Returns how many rows
        were new, and the new rows whose search text contains one of ``needles`` (in file
        order): only those are read back, so a first read of the whole registry (every
        row new) costs no more memory than a later one."""
        new_rows = "from listings_staging s where registry = ? and not exists (select 1 " \
                   "from listings l where l.registry = s.registry and l.trial_id = s.trial_id)"
        [(count,)] = self.db.execute(f"select count(*) {new_rows}", [registry]).fetchall()
        matched: list[ListingEntry] = []
        wanted = [needle for needle in dict.fromkeys(needles) if needle]
        if count and wanted:
            any_needle = " or ".join("instr(search, ?) > 0" for _ in wanted)
            columns = ", ".join(_STAGED_COLUMNS)
            matched = [_entry({**row, "first_seen_at": now, "last_seen_at": now}) for row in
                       self.db.query(f"select {columns} {new_rows} and ({any_needle}) "
                                     "order by rowid", [registry, *wanted])]
        assignments = ", ".join(f"{name} = s.{name}" for name in _STAGED_COLUMNS
                                if name not in ("registry", "trial_id"))
        self.db.execute(f"update listings set {assignments}, last_seen_at = ? "
                        "from listings_staging s where s.registry = listings.registry and "
                        "s.trial_id = listings.trial_id and s.row_hash != listings.row_hash",
                        [now])
        columns = ", ".join(_STAGED_COLUMNS)
        self.db.execute(f"insert into listings ({columns}, first_seen_at, last_seen_at) "
                        f"select {columns}, ?, ? {new_rows}", [now, now, registry])
        self.db.execute("delete from listings_staging where registry = ?", [registry])
        return count, matched

    def matching(self, registry: str | None, text: str, statuses: Iterable[str] = ()
                 ) -> list[ListingEntry]:
        """Rows whose titles or conditions (either language) contain ``text``."""
        where, params = ["instr(search, ?) > 0"], [search_form(text)]
        if registry:
            where.append("registry = ?")
            params.append(registry)
        wanted = list(statuses)
        if wanted:
            where.append(f"status in ({','.join('?' for _ in wanted)})")
            params += wanted
        return [_entry(row) for row in self.db.query(
            f"select * from listings where {' and '.join(where)} "
            "order by first_seen_at desc, trial_id", params)]

    def stored_matching(self, text: str, limit: int = 50) -> list[tuple[int, ListingEntry]]:
        """Stored trials whose listing row (titles and conditions in both languages,
        whichever pages were fetched) contains ``text``: (trial id, its row)."""
        found = self.db.query(
            "select t.id as stored_id, l.* from listings l join trials t on "
            "t.registry = l.registry and t.trial_id = l.trial_id "
            "where instr(l.search, ?) > 0 order by t.id limit ?", [search_form(text), limit])
        return [(row.pop("stored_id"), _entry(row)) for row in found]

    # --- query matches ------------------------------------------------------------------

    def record_match(self, query: str, entry: ListingEntry, now: str, *,
                     baseline: bool) -> bool:
        """Remember that ``entry`` matched ``query``; False if it already had."""
        cursor = self.db.execute(
            "insert or ignore into query_matches (query, registry, trial_id, matched_at, "
            "baseline) values (?, ?, ?, ?, ?)",
            [query, entry.registry, entry.trial_id, now, int(baseline)])
        return bool(cursor.rowcount)

    def match_counts(self, *, announced_only: bool = False) -> dict[str, int]:
        """Matches recorded per query (``announced_only``: not those of the baseline)."""
        where = "where baseline = 0" if announced_only else ""
        return {r[0]: r[1] for r in self.db.execute(
            f"select query, count(*) from query_matches {where} group by query")}


_STAGED_COLUMNS = ("registry", "trial_id", "keys", *_ENTRY_COLUMNS, "conditions_ja",
                   "conditions_en", "search", "row_hash")


def _staging_row(entry: ListingEntry) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(entry, name) for name in _ENTRY_COLUMNS}
    row.update(registry=entry.registry, trial_id=entry.trial_id, keys=to_json(entry.keys),
               row_hash=_hash(entry), conditions_ja=to_json(list(entry.conditions_ja)),
               conditions_en=to_json(list(entry.conditions_en)),
               search=search_form(" ".join(filter(None, (
                   entry.title_ja, entry.title_en, entry.title_public_ja,
                   entry.title_public_en, *entry.conditions_ja, *entry.conditions_en)))))
    return row


def _hash(entry: ListingEntry) -> str:
    data = asdict(entry)
    data.pop("first_seen_at", None)
    data.pop("last_seen_at", None)
    return hashlib.sha1(json.dumps(data, sort_keys=True, ensure_ascii=False,
                                   default=list).encode()).hexdigest()


def _entry(row: dict[str, Any]) -> ListingEntry:
    return ListingEntry(
        registry=row["registry"], trial_id=row["trial_id"],
        keys=json.loads(row["keys"] or "{}"),
        **{name: row[name] for name in _ENTRY_COLUMNS},
        conditions_ja=tuple(json.loads(row["conditions_ja"] or "[]")),
        conditions_en=tuple(json.loads(row["conditions_en"] or "[]")),
        first_seen_at=row.get("first_seen_at") or "", last_seen_at=row.get("last_seen_at") or "")
