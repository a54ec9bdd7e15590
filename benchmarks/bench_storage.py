"""Section ``storage``: what each check adds to the database file.

The seed trial checked through the real path (fetch, derive, compare, store) against an
in-process transport: many unchanged checks, then many changed versions (status,
last-modified time and sample size vary, as a real update does; the raw page is kept),
then the same for a ~300 KB page (the seed page with a long field, as jRCT's largest
pages are). Bytes are read from the database file after a WAL checkpoint, averaged over
the run, so SQLite's page granularity evens out.

A changed version is measured as what it adds beyond the check that found it: its
versions row, raw page, changes and any new search text (and whatever else the file
grew by). The fetch-log row every check adds, changed or not, is printed on its own line
beside it, and is what the unchanged-check figure measures.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from figures import Figures
from paths import CASSETTES

from monitor.config import load_config
from monitor.core import Monitor

SEED_PAGE = (CASSETTES / "umin-R000047329-v1" / "view-en.html").read_text(encoding="utf-8")
UNCHANGED_TARGET = 300
CHANGED_TARGET = 10 * 1024
BIG_CHANGED_TARGET = 2 * 1024
_WORDS = ("patients", "liver", "cirrhosis", "informed", "consent", "baseline", "week",
          "infusion", "marrow", "score", "excluded", "history", "malignancy", "within",
          "years", "protocol", "investigator", "adverse", "event", "grade", "dose")


def variant(page: str, number: int) -> str:
    """The ``number``-th update of a page: status, last-modified time and sample size."""
    status = "No longer recruiting" if number % 2 else "Open public recruiting"
    return (page.replace("<p>Open public recruiting</p>", f"<p>{status}</p>")
            .replace("2025/03/03 17:54:02", f"2025/03/03 {number // 3600 % 24:02d}:"
                     f"{number // 60 % 60:02d}:{number % 60:02d}")
            .replace("<p>10</p>", f"<p>{10 + number}</p>"))


def big_page(size: int = 300_000) -> str:
    """The seed page with its inclusion criteria grown to make a ~``size``-byte page:
    numbered lines of varied words, as a long eligibility or results text is."""
    rng = random.Random(3)
    lines: list[str] = []
    total = len(SEED_PAGE.encode())
    while total < size:
        line = f"({len(lines) + 8}) " + " ".join(rng.choice(_WORDS) for _ in range(14)) + "."
        lines.append(line)
        total += len(line) + 4
    anchor = "(7) Patients must have the will and ability to visit hospital"
    return SEED_PAGE.replace(anchor, "<br>".join(lines) + "<br>" + anchor)


FETCH_LOG = "fetch log"
KINDS = {"search_texts_fts": "full-text index", "search_texts": "search texts",
         "versions": "versions (columns, record)", "pages": "raw pages",
         "fetches": FETCH_LOG, "version_changes": "changes"}


def _table_of(store: Any, name: str) -> str:
    """The table an index or a full-text shadow table belongs to."""
    if name.startswith("search_texts_fts"):
        return "search_texts_fts"
    row = store.database.db.execute("select tbl_name from sqlite_master where name = ?",
                                    [name]).fetchone()
    return str(row[0]) if row else name


@dataclass(frozen=True)
class Growth:
    """What the database file grew by per check, and by kind of content (dbstat)."""

    total: float
    kinds: dict[str, float]

    @property
    def fetch_log(self) -> float:
        """The fetch-log row: every check adds one, changed or not."""
        return self.kinds.get(FETCH_LOG, 0.0)

    @property
    def version(self) -> float:
        """What a changed version adds beyond its check's fetch-log row: its versions
        row, raw page, changes, any new search text, and whatever else the file grew by
        (free pages, other tables)."""
        return self.total - self.fetch_log

    def report(self, figures: Figures, name: str, target: int) -> None:
        """The version figure against its target, what it is made of, then the
        fetch-log row and the whole check beside it."""
        figures(name, f"{self.version:.0f}", f"<= {target // 1024} KB",
                self.version <= target)
        if not self.kinds:  # no dbstat: nothing to tell the fetch-log row apart by
            figures.note("this SQLite has no dbstat: the figure above includes the "
                         "fetch-log row")
            return
        parts = {kind: grown for kind, grown in self.kinds.items() if kind != FETCH_LOG}
        parts["free pages"] = self.version - sum(parts.values())  # in no table
        for kind in sorted(parts, key=lambda k: -parts[k]):
            if abs(parts[kind]) >= 1:
                figures(f"  of which {kind} (bytes)", f"{parts[kind]:.0f}")
        figures("  + the check's fetch-log row (bytes)", f"{self.fetch_log:.0f}")
        figures("  = the file's growth per changed check (bytes)", f"{self.total:.0f}")


class StoredPages:
    """The monitor, watching the seed trial, answered by an in-process transport."""

    def __init__(self, folder: Path) -> None:
        self.body = SEED_PAGE
        config = folder / "config.toml"
        config.write_text(f"""
[storage]
database = "{folder / 'storage.db'}"
[http]
max_retries = 0
[umin]
base_url = "http://127.0.0.1:9"
min_interval = "0s"
use_csv = false
[links]
follow = false
""", encoding="utf-8")
        transport = httpx.MockTransport(lambda request: httpx.Response(
            200, headers={"content-type": "text/html; charset=UTF-8"},
            content=self.body.encode("utf-8")))
        self.monitor = Monitor(load_config(config), transport=transport)
        self.monitor.watch(["R000047329"])

    def check(self) -> str:
        [page] = self.monitor.check().pages
        if page.failed:
            raise AssertionError(f"a storage check failed: {page.error}")
        return page.outcome

    def size(self) -> int:
        store = self.monitor.store
        store.database.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return store.path.stat().st_size

    def tables(self) -> dict[str, int]:
        """Bytes of each kind of content (SQLite's dbstat), tables with their indexes."""
        self.size()
        found: dict[str, int] = {}
        try:
            rows = self.monitor.store.database.db.execute(
                "select name, sum(pgsize) from dbstat group by name").fetchall()
        except sqlite3.Error:  # a SQLite built without dbstat
            return found
        for name, size in rows:
            kind = KINDS.get(_table_of(self.monitor.store, name), "other tables")
            found[kind] = found.get(kind, 0) + size
        return found

    def bytes_per(self, runs: int, step: Callable[[int], None], outcome: str) -> float:
        before = self.size()
        for number in range(1, runs + 1):
            step(number)
            found = self.check()
            if found != outcome:
                raise AssertionError(f"expected {outcome}, the check said {found}")
        return (self.size() - before) / runs

    def growth_per(self, runs: int, step: Callable[[int], None], outcome: str) -> Growth:
        """:meth:`bytes_per`, with what each kind of content grew by."""
        before = self.tables()
        total = self.bytes_per(runs, step, outcome)
        after = self.tables()
        return Growth(total, {kind: (after[kind] - before.get(kind, 0)) / runs
                              for kind in after})

    def close(self) -> None:
        self.monitor.close()


def bench_storage(quick: bool, figures: Figures) -> None:
    unchanged_runs, changed_runs = (500, 60) if quick else (1000, 300)
    figures.start("storage", "bytes the database file grows by, per check (after a WAL "
                             f"checkpoint; {unchanged_runs} unchanged, {changed_runs} changed)")
    with tempfile.TemporaryDirectory() as tmp:
        pages = StoredPages(Path(tmp))
        try:
            pages.check()
            unchanged = pages.bytes_per(unchanged_runs, lambda n: None, "unchanged")
            figures("unchanged check (bytes)", f"{unchanged:.0f}", f"<= {UNCHANGED_TARGET}",
                    unchanged <= UNCHANGED_TARGET)

            def update(number: int) -> None:
                pages.body = variant(SEED_PAGE, number)

            figures.note("changed version: its versions row, raw page, changes, new search "
                         "text, free pages")
            figures.note("not in it: the fetch-log row every check adds, changed or not "
                         "(printed beside it; the unchanged check is that row)")
            pages.growth_per(changed_runs, update, "changed").report(
                figures, "changed version, raw page kept (bytes)", CHANGED_TARGET)
        finally:
            pages.close()
    with tempfile.TemporaryDirectory() as tmp:
        pages = StoredPages(Path(tmp))
        big = big_page()
        try:
            pages.body = big
            pages.check()
            first = pages.size()

            def update_big(number: int) -> None:
                pages.body = variant(big, number)

            growth = pages.growth_per(changed_runs // 2, update_big, "changed")
            figures.note(f"a {len(big.encode()) / 1000:.0f} KB page; the database after its "
                         f"first version: {first / 1000:.0f} KB")
            growth.report(figures, "changed version of a ~300 KB page (bytes)",
                          BIG_CHANGED_TARGET)
        finally:
            pages.close()
