"""Storage in SQLite, split by concern: trials (and their registry keys), versions and
raw pages, the fetch log, links and disagreements, the alert outbox, host pauses, the
registries' listings and parse health — each a small repository returning typed rows,
over one connection (:class:`Store`) per thread."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from monitor.store.database import Database
from monitor.store.fetchlog import FetchEntry, FetchLog
from monitor.store.health import ParseHealth
from monitor.store.hosts import Hosts
from monitor.store.links import Links
from monitor.store.listings import Listings, search_form
from monitor.store.outbox import OutboxTable
from monitor.store.rows import (
    AlertRow,
    DisagreementRow,
    HostRow,
    ListingEntry,
    ListingState,
    StoredChange,
    TrialRow,
    VersionRow,
    iso_time,
    timestamp,
    utc_now,
)
from monitor.store.trials import Trials
from monitor.store.versions import Versions


class Store:
    """The database, one connection, and its repositories. Not thread-safe: one Store
    per thread."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.database = Database(path, read_only=read_only)
        self.path = self.database.path
        self.read_only = read_only
        self.trials = Trials(self.database)
        self.versions = Versions(self.database)
        self.fetches = FetchLog(self.database)
        self.links = Links(self.database)
        self.outbox = OutboxTable(self.database)
        self.hosts = Hosts(self.database)
        self.listings = Listings(self.database)
        self.health = ParseHealth(self.database)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.database.transaction():
            yield

    def meta(self, key: str) -> str | None:
        row = self.database.db.execute("select value from meta where key = ?",
                                       [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.database.db.table("meta").upsert({"key": key, "value": value}, pk="key")

    def close(self) -> None:
        self.database.close()


__all__ = [
    "AlertRow",
    "DisagreementRow",
    "FetchEntry",
    "HostRow",
    "ListingEntry",
    "ListingState",
    "Store",
    "StoredChange",
    "TrialRow",
    "VersionRow",
    "iso_time",
    "search_form",
    "timestamp",
    "utc_now",
]
