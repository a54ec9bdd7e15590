"""The alert outbox tables: queued alerts and every delivery attempt."""

from __future__ import annotations

import json
from typing import Any

from monitor.store.rows import _json


class OutboxTables:
    """The Store's ``alerts`` and ``alert_attempts`` tables (mixed into Store)."""

    def alert_counts(self) -> dict[str, int]:
        return {r["status"]: r["n"] for r in self.db.query(
            "select status, count(*) as n from alerts group by status")}

    def enqueue_alert(self, *, delivery_id: str, channel: str, event: str, trial: int | None,
                      payload: dict[str, Any], now: str) -> None:
        """Queue one event for one channel (call inside the transaction that caused it)."""
        self.db["alerts"].insert({
            "delivery_id": delivery_id, "channel": channel, "event": event, "trial": trial,
            "payload": _json(payload), "status": "pending", "attempts": 0, "created_at": now,
            "next_attempt_at": now})

    def claim_due_alerts(self, now: str, lease_until: str) -> list[dict[str, Any]]:
        """Pending alerts whose time has come, leased to this process so that a second
        process delivering at the same time cannot send them too."""
        with self.transaction():
            rows = list(self.db.query(
                "select * from alerts where status = 'pending' and next_attempt_at <= ? "
                "and (lease_until is null or lease_until < ?) order by id", [now, now]))
            for row in rows:
                self.db["alerts"].update(row["id"], {"lease_until": lease_until})
        for row in rows:
            row["payload"] = json.loads(row["payload"])
        return rows

    def record_alert_attempt(self, alert: dict[str, Any], *, now: str, ok: bool, detail: str,
                             next_attempt_at: str | None = None, dead: bool = False) -> None:
        with self.transaction():
            self.db["alert_attempts"].insert({"alert": alert["id"], "attempted_at": now,
                                              "ok": int(ok), "detail": detail})
            update: dict[str, Any] = {"attempts": alert["attempts"] + 1,
                                      "last_attempt_at": now, "lease_until": None}
            if ok:
                update.update(status="delivered", delivered_at=now, last_error=None)
            else:
                update.update(status="dead" if dead else "pending", last_error=detail,
                              next_attempt_at=next_attempt_at or now)
            self.db["alerts"].update(alert["id"], update)

    def alerts(self, statuses: tuple[str, ...] = ("pending", "dead")) -> list[dict[str, Any]]:
        marks = ", ".join("?" for _ in statuses)
        return list(self.db.query(
            f"select id, delivery_id, channel, event, trial, status, attempts, created_at, "
            f"next_attempt_at, last_attempt_at, last_error, delivered_at, payload "
            f"from alerts where status in ({marks}) order by id", list(statuses)))

    def revive_dead_alerts(self, now: str) -> int:
        with self.transaction():
            cursor = self.db.execute(
                "update alerts set status = 'pending', next_attempt_at = ?, lease_until = null "
                "where status = 'dead'", [now])
        return cursor.rowcount
