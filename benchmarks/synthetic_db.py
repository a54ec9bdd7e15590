"""A large monitor database, built fast, for timing the read commands at scale.

Fetching and checking 100,000 versions would take many minutes, so the history is
written directly: trials, keys, links and disagreements through the store's API; the
versions through SQL in the store's own format (each record compressed with zstandard
against the trial's first record, as the store's ``Codec`` does), with the canonical
fields as plain columns, the diff that produced each version in ``version_changes``,
each trial's distinct titles and conditions in ``search_texts``, and its full-text index
rebuilt at the end. Raw pages are left out (no read command
reads them). A few versions are read back through the store afterwards, so a change of
the format fails here loudly rather than timing something else.

The shape, for N watched UMIN-CTR trials × V versions (the trial number n decides):
every version's last-modified date moves and the status and sample size change now and
then; versions are spread over V months, all older than 7 days except the latest of 1 %
of the trials (n % 100 == 0); 1 % are stale (n % 100 == 50: not modified for two years
while recruiting — an overdue flag); 0.5 % have failing checks (n % 200 == 13); every
tenth (n % 10 == 3) has a jRCT twin with 5 versions, and one pair in five disagrees on
status.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import zstandard
from paths import CASSETTES

from monitor.registries import build_registries
from monitor.registries.base import TrialRef
from monitor.store import Store
from monitor.store.compression import ZSTD_DICT, Codec
from monitor.store.rows import SEARCH_COLUMNS, search_hash, to_json

PLAIN_COLUMNS = ("status", "status_raw", "title_public", "title_scientific",
                 "title_public_ja", "title_scientific_ja", "date_registered",
                 "date_disclosed", "date_last_modified", "date_start", "date_completion",
                 "target_sample_size", "secondary_ids", "conditions", "conditions_ja")
LIST_COLUMNS = ("secondary_ids", "conditions", "conditions_ja")
STATUS_RAW = {"umin": {"recruiting": "Open public recruiting",
                       "active_not_recruiting": "No longer recruiting",
                       "completed": "Completed"},
              "jrct": {"recruiting": "募集中", "active_not_recruiting": "募集終了",
                       "completed": "研究終了"}}
TWIN_VERSIONS = 5


@dataclass(frozen=True)
class Shape:
    trials: int
    versions: int

    def recent(self, n: int) -> bool:
        return n % 100 == 0

    def stale(self, n: int) -> bool:
        return n % 100 == 50

    def failing(self, n: int) -> bool:
        return n % 200 == 13

    def twin(self, n: int) -> bool:
        return n % 10 == 3

    def disagrees(self, n: int) -> bool:
        return n % 50 == 3


def _templates() -> dict[str, dict[str, Any]]:
    registries = build_registries()
    pages = {"umin": ("en", CASSETTES / "umin-R000047329-v1" / "view-en.html"),
             "jrct": ("ja", CASSETTES / "jrct-jRCT2063200014-v1" / "latest-detail-ja.html")}
    found = {}
    for name, (language, path) in pages.items():
        registry = registries[name]
        found[name] = registry.normalize(registry.parse_page(path.read_text(encoding="utf-8"),
                                                             language), "u").to_dict()
    return found


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Builder:
    def __init__(self, path: Path, shape: Shape, now: datetime | None = None) -> None:
        self.path = path
        self.shape = shape
        self.now = now or datetime.now(UTC)
        self.today = self.now.date()
        self.templates = _templates()
        self.codec = Codec()
        self.parsers = {name: registry.parser_version
                        for name, registry in build_registries().items()}

    # --- records ----------------------------------------------------------------------

    def record(self, registry: str, n: int, k: int, count: int) -> dict[str, Any]:
        """Version ``k`` (1…count) of trial ``n`` in ``registry``."""
        template = self.templates[registry]
        data = {**template, "fields": {section: dict(labels)  # the only level changed
                                       for section, labels in template["fields"].items()}}
        receipt, umin_id, twin = f"R{n:09d}", f"UMIN{n:09d}", f"jRCT1{n:09d}"
        if registry == "umin":
            data.update(trial_id=umin_id, registry_ids={"receipt_number": receipt},
                        url=f"https://center6.umin.ac.jp/cgi-open-bin/ctr_e/ctr_view.cgi"
                            f"?recptno={receipt}",
                        secondary_ids=[twin] if self.shape.twin(n) else [])
        else:
            data.update(trial_id=twin, url=f"https://jrct.mhlw.go.jp/latest-detail/{twin}",
                        secondary_ids=[umin_id])
        data["title_public"] = f"{data['title_public']} — cohort {n}"
        age = count - k  # months before the latest version
        if self.shape.stale(n):
            modified = self.today - timedelta(days=730 + 30 * age)
        else:
            modified = self.today - timedelta(days=10 + 30 * age)
        status = "recruiting"
        if not self.shape.stale(n) and k > count * 3 // 4:
            status = "active_not_recruiting"
        if registry == "jrct" and self.shape.disagrees(n):
            status = "recruiting"
        data.update(status=status, status_raw=STATUS_RAW[registry][status],
                    date_last_modified=modified.isoformat(),
                    date_completion=(self.today + timedelta(days=400)).isoformat(),
                    target_sample_size=10 + 5 * (k // 4))
        for labels in data["fields"].values():
            for label in labels:
                if "Last modified" in label or label == "最終公表日":
                    labels[label] = modified.isoformat()
        return data

    def seen_at(self, n: int, k: int, count: int) -> datetime:
        latest = self.now - (timedelta(days=1 + n % 6) if self.shape.recent(n)
                             else timedelta(days=8 + n % 20))
        return latest - timedelta(days=30 * (count - k), minutes=n % 60)

    # --- writing ----------------------------------------------------------------------

    def build(self) -> None:
        store = Store(self.path)
        try:
            db = store.database.db
            # The full-text index is filled in one go at the end (FTS5's rebuild), not
            # row by row through its triggers: the same index, in a third of the time.
            triggers = db.execute("select name, sql from sqlite_master where type = "
                                  "'trigger' and tbl_name = 'search_texts'").fetchall()
            with store.transaction():
                for name, _ in triggers:
                    db.execute(f'drop trigger "{name}"')
                for n in range(1, self.shape.trials + 1):
                    self._trial(store, n)
                for _, sql in triggers:
                    db.execute(sql)
                db.execute("insert into search_texts_fts (search_texts_fts) "
                           "values ('rebuild')")
                db.execute("update trials set last_checked_at = ?, last_success_at = ?, "
                           "last_page_at = ?", [_iso(self.now - timedelta(hours=2))] * 3)
                for n in range(1, self.shape.trials + 1):
                    if self.shape.failing(n):
                        db.execute("update trials set consecutive_failures = 2, last_error = "
                                   "'a 503 answer from the registry' where trial_id = ?",
                                   [f"UMIN{n:09d}"])
            self._verify(store)
        finally:
            store.close()

    def _trial(self, store: Store, n: int) -> None:
        umin, _ = store.trials.watch(TrialRef("umin", trial_id=f"UMIN{n:09d}",
                                              keys=(("receipt_number", f"R{n:09d}"),)),
                                     source="cli", typed=f"R{n:09d}")
        self._versions(store, umin.id, "umin", n, self.shape.versions)
        if self.shape.twin(n):
            twin = store.trials.add_linked(TrialRef("jrct", trial_id=f"jRCT1{n:09d}"))
            self._versions(store, twin.id, "jrct", n, TWIN_VERSIONS)
            store.links.link(umin.id, twin.id)
            store.database.db.execute("update links set compared_at = ? where trial in "
                                      "(?, ?)", [_iso(self.now - timedelta(hours=2)),
                                                 umin.id, twin.id])
            if self.shape.disagrees(n):
                from monitor.diff.consistency import Disagreement
                from monitor.diff.severity import Severity

                store.links.sync_disagreements(umin.id, twin.id, [Disagreement(
                    "status", {"umin": "active_not_recruiting", "jrct": "recruiting"},
                    Severity.HIGH)])

    def _versions(self, store: Store, trial: int, registry: str, n: int, count: int) -> None:
        db = store.database.db
        compressor: zstandard.ZstdCompressor | None = None
        base_id: int | None = None
        previous: dict[str, Any] | None = None
        language = "en" if registry == "umin" else "ja"
        for k in range(1, count + 1):
            record = self.record(registry, n, k, count)
            data = to_json(record).encode("utf-8")
            if compressor is None:  # the first version: plain, and the others' dictionary
                blob, codec = self.codec.compress(data)
                compressor = zstandard.ZstdCompressor(
                    level=10, write_dict_id=False, dict_data=zstandard.ZstdCompressionDict(
                        data, dict_type=zstandard.DICT_TYPE_RAWCONTENT))
            else:  # as Codec.compress(data, first) does, the compressor kept for the trial
                blob, codec = compressor.compress(data), ZSTD_DICT
            row = {name: record.get(name) for name in PLAIN_COLUMNS}
            for name in LIST_COLUMNS:
                row[name] = to_json(row[name] or [])
            changes = _changes(previous, record)
            seen = _iso(self.seen_at(n, k, count))
            row.update(trial=trial, language=language, number=k,
                       content_hash=hashlib.sha256(data).hexdigest(), seen_at=seen,
                       record=blob, record_codec=codec, record_base=base_id, page=None,
                       change_count=len(changes), check_id=f"synthetic-{n}-{k}",
                       parser=self.parsers[registry])
            names = list(row)
            cursor = db.execute(f"insert into versions ({', '.join(names)}) values "
                                f"({', '.join('?' for _ in names)})", [row[c] for c in names])
            version = cursor.lastrowid
            if base_id is None:
                base_id = version
            texts = tuple(row[name] for name in SEARCH_COLUMNS)
            # as Versions.add does: each distinct text once per trial
            db.execute(f"insert or ignore into search_texts (trial, hash, "
                       f"{', '.join(SEARCH_COLUMNS)}) values "
                       f"(?, ?, {', '.join('?' for _ in SEARCH_COLUMNS)})",
                       [trial, search_hash(texts), *texts])
            db.conn.executemany(
                "insert into version_changes (version, field, old, new, severity) "
                "values (?, ?, ?, ?, ?)",
                [(version, field, json.dumps(old), json.dumps(new), severity)
                 for field, old, new, severity in changes])
            previous = record
        store.trials.set_latest(trial, title=previous["title_public"] if previous else None,
                                status=previous["status"] if previous else None,
                                date_last_modified=previous["date_last_modified"]
                                if previous else None)

    def _verify(self, store: Store) -> None:
        """Read a few versions back through the store: the format is still its own."""
        for n in (1, self.shape.trials):
            row = store.trials.find(TrialRef("umin", trial_id=f"UMIN{n:09d}"))
            assert row is not None
            latest = store.versions.latest(row.id, "en")
            expected = self.record("umin", n, self.shape.versions, self.shape.versions)
            if latest is None or latest.record.to_dict() != expected:
                raise AssertionError("the synthetic database no longer reads back as written: "
                                     "update benchmarks/synthetic_db.py to the store's format")
            if row.id not in store.versions.search(f"cohort {n}", limit=1000):
                raise AssertionError("search no longer finds a synthetic trial by its title: "
                                     "update benchmarks/synthetic_db.py to the store's format")


def _changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[tuple[str, Any, Any,
                                                                              str]]:
    if old is None:
        return []
    found = []
    for field, severity in (("status", "high"), ("target_sample_size", "high"),
                            ("date_last_modified", "medium")):
        if old[field] != new[field]:
            found.append((field, old[field], new[field], severity))
    return found


def build(path: Path, trials: int, versions: int) -> None:
    Builder(path, Shape(trials, versions)).build()
