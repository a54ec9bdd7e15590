"""The ``versions`` of each trial (a row only when the normalized record changes), the
``version_changes`` that produced them, and the raw ``pages`` behind them.

Records and pages are compressed against the trial's first version in that language
(zstandard, raw-content dictionary): a new version mostly repeats the first, so it costs
a few hundred bytes, and reading any version takes at most two decompressions. The
canonical fields are also plain columns, for people and Datasette. Search reads
``search_texts``: each distinct set of a trial's titles and conditions, indexed once
however many versions repeat it.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from monitor.diff.changes import Change
from monitor.diff.severity import Severity
from monitor.normalize.record import TrialRecord
from monitor.store.compression import Codec
from monitor.store.database import Database
from monitor.store.rows import (
    SEARCH_COLUMNS,
    StoredChange,
    VersionRow,
    json_or_none,
    search_hash,
    to_json,
    utc_now,
)

_RECORD_COLUMNS = ("status", "status_raw", "title_public", "title_scientific",
                   "title_public_ja", "title_scientific_ja", "date_registered",
                   "date_disclosed", "date_last_modified", "date_start", "date_completion",
                   "target_sample_size", "secondary_ids", "conditions", "conditions_ja")
_LIST_COLUMNS = ("secondary_ids", "conditions", "conditions_ja")
_VERSION_COLUMNS = ("id, trial, language, number, content_hash, seen_at, record, "
                    "record_codec, record_base, page, change_count, check_id, parser, "
                    "reparsed_at")
_Found = TypeVar("_Found")


class VersionColumns(NamedTuple):
    """A version as its plain columns hold it: where it stands (trial, language, number,
    when it was seen, the check that found it, how many changes it made) and its
    canonical fields. Not the record's raw fields, URL or registry IDs: reading these
    decompresses nothing, which is what lists and reports over thousands of trials
    need. Take :meth:`Versions.latest_record` where the whole record is wanted. (A named
    tuple: thousands are made at once, and a frozen dataclass costs several times more.)
    """

    id: int
    trial: int
    language: str
    number: int
    seen_at: str
    change_count: int
    check_id: str | None
    status: str | None
    status_raw: str | None
    title_public: str | None
    title_scientific: str | None
    title_public_ja: str | None
    title_scientific_ja: str | None
    date_registered: str | None
    date_disclosed: str | None
    date_last_modified: str | None
    date_start: str | None
    date_completion: str | None
    target_sample_size: int | None
    secondary_ids: tuple[str, ...]
    conditions: tuple[str, ...]
    conditions_ja: tuple[str, ...]


_PLAIN_COLUMNS = VersionColumns._fields  # the names of its columns, in its order


def pick_language(by_language: Mapping[str, _Found] | None,
                  preferred: Sequence[str] = ()) -> _Found | None:
    """The entry in the first of ``preferred`` languages present, else in the first
    language by name: the choice :meth:`Versions.latest_record` makes."""
    if not by_language:
        return None
    language = next((lang for lang in preferred if lang in by_language), min(by_language))
    return by_language[language]


# First records kept decompressed per thread: a trial's versions all decompress against
# its first, so a history or a report of a trial reuses one; a daemon checking thousands
# of trials in turn would only hold on to records it will not read for hours.
_BASES_KEPT = 16


class Versions:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.db = database.db
        self.codec = Codec()
        self._bases: OrderedDict[int, bytes] = OrderedDict()  # base records, by version id

    # --- reading ------------------------------------------------------------------------

    def _version(self, row: dict[str, Any]) -> VersionRow:
        record = TrialRecord.from_dict(json.loads(self._record_bytes(row)))
        return VersionRow(
            id=row["id"], trial=row["trial"], language=row["language"], number=row["number"],
            content_hash=row["content_hash"], seen_at=row["seen_at"], record=record,
            page=row["page"], change_count=row["change_count"] or 0,
            check_id=row.get("check_id"), parser=row.get("parser"),
            reparsed_at=row.get("reparsed_at"))

    def _select(self, where: str, params: Sequence[Any]) -> list[VersionRow]:
        return [self._version(row) for row in self.db.query(
            f"select {_VERSION_COLUMNS} from versions {where}", list(params))]

    def latest(self, trial: int, language: str) -> VersionRow | None:
        rows = self._select("where trial = ? and language = ? order by number desc limit 1",
                            [trial, language])
        return rows[0] if rows else None

    def of_trial(self, trial: int, language: str | None = None) -> list[VersionRow]:
        if language:
            return self._select("where trial = ? and language = ? order by number",
                                [trial, language])
        return self._select("where trial = ? order by language, number", [trial])

    def since(self, trial: int, since: str) -> list[VersionRow]:
        """Versions seen at or after ``since``: a report's cost follows its window."""
        return self._select("where trial = ? and seen_at >= ? order by seen_at, id",
                            [trial, since])

    def get(self, trial: int, language: str, number: int) -> VersionRow | None:
        rows = self._select("where trial = ? and language = ? and number = ?",
                            [trial, language, number])
        return rows[0] if rows else None

    def count(self, trial: int) -> int:
        return int(self.db.execute("select count(*) from versions where trial = ?",
                                   [trial]).fetchone()[0])

    def counts(self) -> dict[int, int]:
        return {row[0]: row[1] for row in self.db.execute(
            "select trial, count(*) from versions group by trial")}

    def languages(self, trial: int) -> list[str]:
        return [r[0] for r in self.db.execute(
            "select distinct language from versions where trial = ? order by language",
            [trial])]

    def latest_record(self, trial: int, preferred: Sequence[str] = ()) -> TrialRecord | None:
        """The trial's latest record, in the first of ``preferred`` languages it has
        versions in, else in any."""
        languages = self.languages(trial)
        if not languages:
            return None
        language = next((lang for lang in preferred if lang in languages), languages[0])
        latest = self.latest(trial, language)
        return latest.record if latest else None

    def status_timeline(self, trial: int) -> list[dict[str, Any]]:
        """Every version's status and registry dates, oldest first, from the plain
        columns (no decompression)."""
        return list(self.db.query(
            "select language, number, seen_at, status, status_raw, date_last_modified "
            "from versions where trial = ? order by seen_at, id", [trial]))

    # --- reading many trials at once: plain columns, one query --------------------------

    def _columns_where(self, where: str, params: Sequence[Any], *, join: str = ""
                       ) -> list[VersionColumns]:
        columns = ", ".join(f"v.{name}" for name in _PLAIN_COLUMNS)
        return [_version_columns(row) for row in self.db.execute(
            f"select {columns} from versions v {join} {where}", list(params))]

    def latest_columns(self, trials: Iterable[int] | None = None
                       ) -> dict[int, dict[str, VersionColumns]]:
        """Each trial's latest version in every language it has (``trials``: only
        those), by trial then language: one query over the plain columns, nothing
        decompressed. With :func:`pick_language`, what ``latest_record`` would choose."""
        scope, params = "", []
        if trials is not None:
            scope, params = "where trial in (select value from json_each(?))", [
                json.dumps(sorted(set(trials)))]
        found: dict[int, dict[str, VersionColumns]] = {}
        latest = ("join (select trial, language, max(number) as number from versions "
                  f"{scope} group by trial, language) m on v.trial = m.trial and "
                  "v.language = m.language and v.number = m.number")
        for version in self._columns_where("", params, join=latest):
            found.setdefault(version.trial, {})[version.language] = version
        return found

    def columns_since(self, trial: int, since: str) -> list[VersionColumns]:
        """:meth:`since` without the records (nothing decompressed), in the same order."""
        return self._columns_where("where v.trial = ? and v.seen_at >= ? "
                                   "order by v.seen_at, v.id", [trial, since])

    def changed_trials_since(self, since: str) -> set[int]:
        """Trials with a version seen at or after ``since`` that changed something (an
        index range over ``seen_at``: the cost follows the window)."""
        # not "select distinct": SQLite would then walk the trial index, every version
        return {row[0] for row in self.db.execute(
            "select trial from versions where seen_at >= ? and change_count > 0", [since])}

    def changes(self, version: int) -> list[Change]:
        return [Change(r["field"], _load(r["old"]), _load(r["new"]),
                       Severity.parse(r["severity"]) or Severity.LOW)
                for r in self.db.query(
                    "select field, old, new, severity from version_changes where version = ? "
                    "order by id", [version])]

    def changes_since(self, trial: int, since: str) -> list[StoredChange]:
        found = []
        for version in self.since(trial, since):
            found += [StoredChange(version, change) for change in self.changes(version.id)]
        return found

    def changed_since(self, since: str, limit: int) -> list[VersionRow]:
        """Versions that changed something, newest first: the entries of the feed."""
        return self._select("where change_count > 0 and seen_at >= ? "
                            "order by seen_at desc, id desc limit ?", [since, limit])

    def search(self, text: str, limit: int = 50) -> list[int]:
        """Trials whose titles or conditions, in either language, contain ``text`` (NFKC:
        full-width and half-width alike; any case), in any version: ``search_texts``
        holds every distinct text each trial's versions had."""
        text = unicodedata.normalize("NFKC", text).strip()
        if len(text) >= 3:  # the trigram index answers three characters and more
            phrase = '"' + text.replace('"', '""') + '"'
            rows = self.db.execute(
                "select distinct s.trial from search_texts_fts f join search_texts s "
                "on s.id = f.rowid where search_texts_fts match ? order by s.trial limit ?",
                [phrase, limit])
        else:
            escaped = re.sub(r"([\\%_])", r"\\\1", text)  # % and _ are text here
            pattern = f"%{escaped}%"
            where = " or ".join(f"{column} like ? escape '\\'" for column in SEARCH_COLUMNS)
            rows = self.db.execute(f"select distinct trial from search_texts where {where} "
                                   "order by trial limit ?",
                                   [pattern] * len(SEARCH_COLUMNS) + [limit])
        return [row[0] for row in rows]

    def raw_page(self, sha256: str) -> bytes | None:
        row = self.db.execute("select content, compression, base from pages where sha256 = ?",
                              [sha256]).fetchone()
        if row is None:
            return None
        content, compression, base = row
        base_bytes = self.raw_page(base) if base else None
        return self.codec.decompress(content, compression, base_bytes)

    def page_content_type(self, sha256: str) -> str | None:
        row = self.db.execute("select content_type from pages where sha256 = ?",
                              [sha256]).fetchone()
        return row[0] if row else None

    def _record_bytes(self, row: dict[str, Any]) -> bytes:
        base_id = row["record_base"]
        base = None
        if base_id is not None:
            base = self._bases.get(base_id)
            if base is None:
                found = self.db.execute("select record, record_codec from versions "
                                        "where id = ?", [base_id]).fetchone()
                base = self.codec.decompress(found[0], found[1])
                self._bases[base_id] = base
                if len(self._bases) > _BASES_KEPT:
                    self._bases.popitem(last=False)
        return self.codec.decompress(row["record"], row["record_codec"], base)

    # --- writing (inside the check's transaction) ----------------------------------------

    def add(self, trial: int, language: str, record: TrialRecord, content_hash: str,
            raw: bytes, content_type: str, changes: Sequence[Change], *,
            check_id: str | None, parser: str | None) -> VersionRow:
        """Insert a version with its changes and raw page."""
        now = utc_now()
        first = self.db.execute(
            "select id, record, record_codec, page from versions where trial = ? and "
            "language = ? order by number limit 1", [trial, language]).fetchone()
        page = self._save_page(raw, content_type, now, base=first[3] if first else None)
        latest = self.db.execute("select max(number) from versions where trial = ? and "
                                 "language = ?", [trial, language]).fetchone()[0]
        data = to_json(record.to_dict()).encode("utf-8")
        if first is not None:
            base_bytes = self.codec.decompress(first[1], first[2])
            blob, codec = self.codec.compress(data, base_bytes)
            base: int | None = first[0]
        else:
            blob, codec = self.codec.compress(data)
            base = None
        pk = self.db.table("versions").insert({
            "trial": trial, "language": language, "number": (latest or 0) + 1,
            "content_hash": content_hash, "seen_at": now, **_columns(record),
            "record": blob, "record_codec": codec, "record_base": base, "page": page,
            "change_count": len(changes), "check_id": check_id, "parser": parser,
        }).last_pk
        assert pk is not None
        self._insert_changes(int(pk), changes)
        self._add_search_texts(trial, [_search_values(record)])
        return self._select("where id = ?", [pk])[0]

    def _add_search_texts(self, trial: int,
                          texts: Iterable[Sequence[str | None]]) -> None:
        """Index these sets of searchable text for ``trial``, each unless it already is:
        a version whose titles and conditions did not change costs the index nothing."""
        columns = ", ".join(SEARCH_COLUMNS)
        marks = ", ".join("?" for _ in SEARCH_COLUMNS)
        self.db.conn.executemany(
            f"insert or ignore into search_texts (trial, hash, {columns}) "
            f"values (?, ?, {marks})",
            [(trial, search_hash(values), *values) for values in texts])

    def _rebuild_search_texts(self, trial: int) -> None:
        """Make ``trial``'s search texts exactly the distinct ones its versions now hold:
        after a reparse, text the old parser got wrong must stop matching."""
        columns = ", ".join(SEARCH_COLUMNS)
        texts = [tuple(row) for row in self.db.execute(
            f"select distinct {columns} from versions where trial = ?", [trial])]
        wanted = {search_hash(values) for values in texts}
        stale = [row[0] for row in self.db.execute(
            "select id, hash from search_texts where trial = ?", [trial])
            if row[1] not in wanted]
        self.db.conn.executemany("delete from search_texts where id = ?",
                                 [(pk,) for pk in stale])
        self._add_search_texts(trial, texts)

    def _insert_changes(self, version: int, changes: Iterable[Change]) -> None:
        self.db.table("version_changes").insert_all(
            {"version": version, "field": c.field, "old": json_or_none(c.old),
             "new": json_or_none(c.new), "severity": c.severity.value} for c in changes)

    def _save_page(self, raw: bytes, content_type: str, now: str, base: str | None) -> str:
        digest = hashlib.sha256(raw).hexdigest()
        if not self.db.execute("select 1 from pages where sha256 = ?", [digest]).fetchone():
            base_bytes = self.raw_page(base) if base else None
            blob, codec = self.codec.compress(raw, base_bytes)
            self.db.table("pages").insert({
                "sha256": digest, "content": blob, "compression": codec,
                "base": base if base_bytes is not None else None, "size": len(raw),
                "content_type": content_type, "first_seen_at": now,
            })
        return digest

    def rewrite_history(self, version_ids: Sequence[int],
                        rebuilt: Sequence[tuple[TrialRecord, str, Sequence[Change]]],
                        parser: str) -> None:
        """Replace the records and diffs of a trial's versions in one language with ones
        re-derived from their raw pages. Every record is recompressed, since the first is
        the others' dictionary; each version is marked ``reparsed_at``; numbers, times
        and pages stay."""
        now = utc_now()
        first_bytes = b""
        for index, (version_id, (record, digest, changes)) in enumerate(
                zip(version_ids, rebuilt, strict=True)):
            data = to_json(record.to_dict()).encode("utf-8")
            if index == 0:
                (blob, codec), base, first_bytes = self.codec.compress(data), None, data
            else:
                (blob, codec), base = self.codec.compress(data, first_bytes), version_ids[0]
            self.db.table("versions").update(version_id, {
                **_columns(record), "content_hash": digest, "record": blob,
                "record_codec": codec, "record_base": base, "change_count": len(changes),
                "reparsed_at": now, "parser": parser})
            self.db.execute("delete from version_changes where version = ?", [version_id])
            self._insert_changes(version_id, changes)
        self._bases.pop(version_ids[0], None)
        trial = self.db.execute("select trial from versions where id = ?",
                                [version_ids[0]]).fetchone()[0]
        self._rebuild_search_texts(trial)


def _columns(record: TrialRecord) -> dict[str, Any]:
    columns = {name: record.get(name) for name in _RECORD_COLUMNS}
    for name in _LIST_COLUMNS:
        columns[name] = to_json(columns[name] or [])
    return columns


def _search_values(record: TrialRecord) -> tuple[str | None, ...]:
    """The record's searchable text as the versions' columns hold it."""
    columns = _columns(record)
    return tuple(columns[name] for name in SEARCH_COLUMNS)


def _version_columns(row: Sequence[Any]) -> VersionColumns:
    *plain, secondary_ids, conditions, conditions_ja = row
    plain[5] = plain[5] or 0  # change_count: NULL in rows older than the column
    return VersionColumns._make([*plain, _strings(secondary_ids), _strings(conditions),
                                 _strings(conditions_ja)])


def _strings(value: str | None) -> tuple[str, ...]:
    return tuple(json.loads(value)) if value and value != "[]" else ()


def _load(value: str | None) -> Any:
    return json.loads(value) if value is not None else None
