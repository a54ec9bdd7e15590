"""Links between a trial's records in two registries, and their disagreements."""

from __future__ import annotations

import json
from typing import Any

from monitor.store.rows import TrialRow, _json, _trial, utc_now


class LinkTables:
    """The Store's ``links`` and ``disagreements`` tables (mixed into Store)."""

    def link(self, a: TrialRow, b: TrialRow) -> None:
        """Record that ``a`` and ``b`` are one trial in two registries (both ways)."""
        now = utc_now()
        for one, other in ((a, b), (b, a)):
            self.db.execute(
                "insert or ignore into links (trial, linked_trial, found_at) values (?, ?, ?)",
                [one.id, other.id, now])

    def linked(self, trial: int) -> list[TrialRow]:
        return [_trial(r) for r in self.db.query(
            "select trials.* from links join trials on trials.id = links.linked_trial "
            "where links.trial = ? order by trials.id", [trial])]

    def open_disagreements(self, a: int, b: int) -> dict[str, dict[str, Any]]:
        first, second = sorted((a, b))
        return {r["field"]: r for r in self.db.query(
            "select * from disagreements where trial = ? and other_trial = ? "
            "and closed_at is null", [first, second])}

    def sync_disagreements(self, a: int, b: int, current: list) -> tuple[list, list]:
        """Open the disagreements newly found, close those gone; return both lists (the
        still-open ones are not news). Call inside a transaction."""
        first, second = sorted((a, b))
        existing = self.open_disagreements(first, second)
        now = utc_now()
        opened = [d for d in current if d.field not in existing
                  or json.loads(existing[d.field]["values"]) != d.values]
        names = {d.field for d in current}
        closed = [row for field, row in existing.items()
                  if field not in names or any(d.field == field for d in opened)]
        for row in closed:
            self.db["disagreements"].update(row["id"], {"closed_at": now})
        for d in opened:
            self.db["disagreements"].insert({
                "trial": first, "other_trial": second, "field": d.field,
                "values": _json(d.values), "severity": d.severity, "note": d.note,
                "opened_at": now})
        return opened, closed
