"""Parse health, as the live registries show it: labels a parser did not know (a
redesign on its way), and fields where a freshly parsed page and the registry's own
listing disagree (a parser reading a wrong value). ``doctor`` reports both."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from monitor.store.database import Database
from monitor.store.rows import to_json


class ParseHealth:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.db = database.db

    def saw_labels(self, registry: str, language: str, labels: Iterable[str], trial: int,
                   now: str) -> None:
        for label in labels:
            self.db.execute(
                "insert into unknown_labels (registry, language, label, example_trial, "
                "first_seen_at, last_seen_at) values (?, ?, ?, ?, ?, ?) "
                "on conflict (registry, language, label) do update set last_seen_at = ?",
                [registry, language, label, trial, now, now, now])

    def unknown_labels(self) -> list[dict[str, Any]]:
        return list(self.db.query("select * from unknown_labels order by registry, language, "
                                  "first_seen_at"))

    def listing_disagrees(self, trial: int, version: int | None, field: str, page_value: Any,
                          listing_value: Any, now: str) -> None:
        self.db.table("parse_checks").insert({
            "trial": trial, "version": version, "field": field,
            "page_value": to_json(page_value), "listing_value": to_json(listing_value),
            "seen_at": now})

    def listing_disagreements(self, since: str | None = None) -> list[dict[str, Any]]:
        where, params = ("where seen_at >= ?", [since]) if since else ("", [])
        return list(self.db.query(f"select * from parse_checks {where} order by seen_at desc",
                                  params))
