"""Hosts that refused us or could not be reached, kept so that every process (the
daemon, a CLI check) respects a pause one of them saw, and alerts once per episode."""

from __future__ import annotations

from monitor.store.database import Database
from monitor.store.rows import HostRow


class Hosts:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.db = database.db

    def all(self) -> list[HostRow]:
        return [HostRow(**row) for row in self.db.query("select * from hosts order by host")]

    def get(self, host: str) -> HostRow | None:
        rows = list(self.db.query("select * from hosts where host = ?", [host]))
        return HostRow(**rows[0]) if rows else None

    def save(self, row: HostRow) -> None:
        self.db.table("hosts").upsert(row.__dict__, pk="host")

    def clear(self, host: str) -> None:
        self.db.execute("delete from hosts where host = ?", [host])
