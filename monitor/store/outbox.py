"""The alert outbox tables: queued alerts (one row per event and channel) and every
delivery attempt."""

from __future__ import annotations

import json
from typing import Any

from monitor.store.database import Database
from monitor.store.rows import AlertRow, to_json


class OutboxTable:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.db = database.db

    def counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.db.execute(
            "select status, count(*) from alerts group by status")}

    def enqueue(self, *, delivery_id: str, channel: str, event: str, trial: int | None,
                payload: dict[str, Any], now: str) -> None:
        """Queue one event for one channel (inside the transaction that caused it)."""
        self.db.table("alerts").insert({
            "delivery_id": delivery_id, "channel": channel, "event": event, "trial": trial,
            "payload": to_json(payload), "status": "pending", "attempts": 0,
            "created_at": now, "next_attempt_at": now})

    def claim(self, now: str, lease_until: str, owner: str, *,
              waiting_too: bool = False) -> list[AlertRow]:
        """Pending alerts whose time has come (with ``waiting_too``, every pending one,
        backoff or not), leased to ``owner`` so that a second process delivering at the
        same time cannot send them too."""
        due = "" if waiting_too else "and next_attempt_at <= ? "
        params = [now] if not waiting_too else []
        with self.database.transaction():
            rows = list(self.db.query(
                f"select * from alerts where status = 'pending' {due}"
                "and (lease_until is null or lease_until < ?) order by id", [*params, now]))
            for row in rows:
                self.db.table("alerts").update(row["id"], {"lease_until": lease_until,
                                                     "lease_owner": owner})
        return [_alert(row) for row in rows]

    def release_leases(self, owner_prefix: str) -> int:
        """Drop the leases a dead process of this kind held (the caller holds the lock
        that proves no other such process runs)."""
        with self.database.transaction():
            cursor = self.db.execute(
                "update alerts set lease_until = null, lease_owner = null "
                "where status = 'pending' and lease_owner like ?", [owner_prefix + "%"])
        return int(cursor.rowcount)

    def record_attempt(self, alert: AlertRow, *, now: str, ok: bool, detail: str,
                       next_attempt_at: str | None = None, dead: bool = False) -> None:
        with self.database.transaction():
            self.db.table("alert_attempts").insert({"alert": alert.id, "attempted_at": now,
                                              "ok": int(ok), "detail": detail})
            update: dict[str, Any] = {"attempts": alert.attempts + 1, "last_attempt_at": now,
                                      "lease_until": None, "lease_owner": None}
            if ok:
                update.update(status="delivered", delivered_at=now, last_error=None)
            else:
                update.update(status="dead" if dead else "pending", last_error=detail,
                              next_attempt_at=next_attempt_at or now)
            self.db.table("alerts").update(alert.id, update)

    def with_status(self, statuses: tuple[str, ...] = ("pending", "dead")) -> list[AlertRow]:
        marks = ", ".join("?" for _ in statuses)
        return [_alert(row) for row in self.db.query(
            f"select * from alerts where status in ({marks}) order by id", list(statuses))]

    def revive_dead(self, now: str) -> int:
        with self.database.transaction():
            cursor = self.db.execute(
                "update alerts set status = 'pending', next_attempt_at = ?, "
                "lease_until = null, lease_owner = null where status = 'dead'", [now])
        return int(cursor.rowcount)


def _alert(row: dict[str, Any]) -> AlertRow:
    return AlertRow(
        id=row["id"], delivery_id=row["delivery_id"], channel=row["channel"],
        event=row["event"], trial=row["trial"], payload=json.loads(row["payload"]),
        status=row["status"], attempts=row["attempts"], created_at=row["created_at"],
        next_attempt_at=row["next_attempt_at"], last_attempt_at=row["last_attempt_at"],
        last_error=row["last_error"], delivered_at=row["delivered_at"])
