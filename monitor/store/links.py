"""Links between a trial's records in two registries, and their disagreements."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from monitor.diff.consistency import Disagreement
from monitor.diff.severity import Severity
from monitor.store.database import Database
from monitor.store.rows import DisagreementRow, to_json, utc_now


class Links:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.db = database.db

    def link(self, a: int, b: int) -> None:
        """Record that ``a`` and ``b`` are one trial in two registries (both ways)."""
        now = utc_now()
        for one, other in ((a, b), (b, a)):
            self.db.execute(
                "insert or ignore into links (trial, linked_trial, found_at) values (?, ?, ?)",
                [one, other, now])

    def linked(self, trial: int) -> list[int]:
        return [r[0] for r in self.db.execute(
            "select linked_trial from links where trial = ? order by linked_trial", [trial])]

    def all_linked(self) -> dict[int, list[tuple[int, str | None]]]:
        """Every trial's links in one query: trial → ``(linked trial, compared_at)`` in
        the order :meth:`linked` gives, ``compared_at`` as :meth:`compared_at` reads it."""
        found: dict[int, list[tuple[int, str | None]]] = {}
        for trial, other, compared in self.db.execute(
                "select trial, linked_trial, compared_at from links "
                "order by trial, linked_trial"):
            found.setdefault(trial, []).append((other, compared))
        return found

    def all_links(self) -> list[tuple[int, int]]:
        return [(r[0], r[1]) for r in self.db.execute(
            "select trial, linked_trial from links where trial < linked_trial")]

    def groups(self, seeds: Iterable[int]) -> list[list[int]]:
        """The linked groups the ``seeds`` belong to: each a trial and every trial linked
        to it, directly or not, in id order; groups in the order of their first seed."""
        neighbours: dict[int, set[int]] = {}
        for a, b in self.all_links():
            neighbours.setdefault(a, set()).add(b)
            neighbours.setdefault(b, set()).add(a)
        seen: set[int] = set()
        groups = []
        for seed in seeds:
            if seed in seen:
                continue
            group, todo = set(), [seed]
            while todo:
                trial = todo.pop()
                if trial in group:
                    continue
                group.add(trial)
                todo += neighbours.get(trial, ())
            seen |= group
            groups.append(sorted(group))
        return groups

    def open_disagreements(self, a: int, b: int) -> list[DisagreementRow]:
        first, second = sorted((a, b))
        return [_row(r) for r in self.db.query(
            "select * from disagreements where trial = ? and other_trial = ? "
            "and closed_at is null order by id", [first, second])]

    def all_open_disagreements(self) -> dict[tuple[int, int], list[DisagreementRow]]:
        """Every open disagreement in one query, by pair (smaller trial id first), each
        pair's in the order :meth:`open_disagreements` gives."""
        found: dict[tuple[int, int], list[DisagreementRow]] = {}
        for row in self.db.query("select * from disagreements where closed_at is null "
                                 "order by id"):
            found.setdefault((row["trial"], row["other_trial"]), []).append(_row(row))
        return found

    def compared_at(self, a: int, b: int) -> str | None:
        """When the pair was last compared (None: never, e.g. one side has no version)."""
        row = self.db.execute("select compared_at from links where trial = ? and "
                              "linked_trial = ?", [a, b]).fetchone()
        return row[0] if row else None

    def sync_disagreements(self, a: int, b: int, current: Sequence[Disagreement]
                           ) -> tuple[list[Disagreement], list[DisagreementRow]]:
        """Open the disagreements newly found, close those gone; return both lists (the
        still-open ones are not news). Call inside a transaction."""
        first, second = sorted((a, b))
        existing = {row.field: row for row in self.open_disagreements(first, second)}
        now = utc_now()
        opened = [d for d in current if d.field not in existing
                  or existing[d.field].values != d.values]
        names = {d.field for d in current}
        closed = [row for field, row in existing.items()
                  if field not in names or any(d.field == field for d in opened)]
        for row in closed:
            self.db.table("disagreements").update(row.id, {"closed_at": now})
        self.db.execute("update links set compared_at = ? where (trial = ? and "
                        "linked_trial = ?) or (trial = ? and linked_trial = ?)",
                        [now, first, second, second, first])
        for d in opened:
            self.db.table("disagreements").insert({
                "trial": first, "other_trial": second, "field": d.field,
                "values": to_json(d.values), "severity": d.severity.value, "note": d.note,
                "opened_at": now})
        return opened, closed


def _row(row: dict[str, Any]) -> DisagreementRow:
    return DisagreementRow(
        id=row["id"], trial=row["trial"], other_trial=row["other_trial"],
        field=row["field"], values=json.loads(row["values"]),
        severity=Severity.parse(row["severity"]) or Severity.LOW,
        note=row["note"] or "", opened_at=row["opened_at"], closed_at=row["closed_at"])
