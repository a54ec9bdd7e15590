"""How records, check outcomes, histories and diffs are shown: text, JSON, Markdown.

Registry content is untrusted text. In Markdown (which ends up rendered as HTML) it is
HTML-escaped; in terminal output it is never interpreted as rich markup.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from monitor.diff.changes import Change
from monitor.normalize.record import CANONICAL_FIELDS
from monitor.pipeline import CheckOutcome
from monitor.report.render import md_cell
from monitor.report.render import plain as _plain
from monitor.store import Store, TrialRow

_INLINE_LIMIT = 70


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


# --- records ------------------------------------------------------------------------


def record_text(record: dict[str, Any]) -> str:
    width = max(len(name) for name in CANONICAL_FIELDS)
    lines = [f"{name.ljust(width)}  {_plain(record.get(name))}" for name in CANONICAL_FIELDS]
    fields = record.get("fields") or {}
    count = sum(len(labels) for labels in fields.values())
    lines.append(f"{'fields'.ljust(width)}  {count} raw fields in {len(fields)} sections "
                 "(--format json shows them)")
    return "\n".join(lines)


# --- check outcomes -------------------------------------------------------------------


def outcome_line(outcome: CheckOutcome) -> str:
    where = f"{outcome.trial} [{outcome.language}]" if outcome.language else outcome.trial
    if outcome.outcome == "failed":
        return f"{where}  failed: {outcome.error}"
    if outcome.registry == "consistency":
        return f"{where}  CONSISTENCY: {_severity_counts(outcome.changes)}"
    record = outcome.record or {}
    summary = (f"{record.get('status', '?')}, last modified "
               f"{record.get('date_last_modified') or '?'}")
    if outcome.outcome == "new":
        return f"{where}  first version stored ({summary})"
    if outcome.outcome == "unchanged":
        return f"{where}  unchanged since version {outcome.version} ({summary})"
    counts = _severity_counts(outcome.changes)
    return f"{where}  CHANGED → version {outcome.version}: {counts}"


def _severity_counts(changes: Sequence[Change]) -> str:
    parts = []
    for level in ("high", "medium", "low"):
        n = sum(1 for change in changes if change.severity == level)
        if n:
            parts.append(f"{n} {level}")
    total = len(changes)
    return f"{total} change{'s' if total != 1 else ''} ({', '.join(parts)})"


# --- changes --------------------------------------------------------------------------


def changes_text(changes: Sequence[Change], indent: str = "  ") -> str:
    if not changes:
        return f"{indent}(no changes)"
    width = min(max(len(change.field) for change in changes), 40)
    lines = []
    for change in changes:
        old, new = _plain(change.old), _plain(change.new)
        head = f"{indent}{change.severity.upper():<6}  {change.field.ljust(width)}"
        if "\n" in old + new or len(old) + len(new) > _INLINE_LIMIT:
            lines.append(head)
            pad = indent + " " * 8
            lines += [f"{pad}- {line}" for line in old.split("\n")]
            lines += [f"{pad}+ {line}" for line in new.split("\n")]
        else:
            lines.append(f"{head}  {old} → {new}")
    return "\n".join(lines)


def changes_markdown(title: str, changes: Sequence[Change]) -> str:
    lines = [f"### {md_cell(title)}", ""]
    if not changes:
        return "\n".join([*lines, "No changes."])
    lines += ["| Severity | Field | Old | New |", "|---|---|---|---|"]
    lines += [f"| {c.severity} | `{c.field}` | {md_cell(c.old)} | {md_cell(c.new)} |"
              for c in changes]
    return "\n".join(lines)


# --- tables ---------------------------------------------------------------------------


def console() -> Console:
    """A console for tables: the terminal's width, or wide when output is piped, so
    that a script reading it never gets IDs cut or wrapped."""
    import sys

    return Console(width=None if sys.stdout.isatty() else 200, highlight=False)


def trial_json(store: Store, row: TrialRow, parent: TrialRow | None) -> dict[str, Any]:
    return {
        "registry": row.registry, "trial_id": row.trial_id,
        "receipt_number": row.receipt_number, "title": row.title, "status": row.status,
        "date_last_modified": row.date_last_modified, "watched": row.watched,
        "linked_from": parent.label if parent else None,
        "versions": store.version_count(row.id), "last_checked_at": row.last_checked_at,
        "last_success_at": row.last_success_at,
        "consecutive_failures": row.consecutive_failures, "last_error": row.last_error,
        "disagreements": [
            {"with": other.label, **_disagreement(d)}
            for other in store.linked(row.id)
            for d in store.open_disagreements(row.id, other.id).values()],
    }


def _disagreement(row: dict[str, Any]) -> dict[str, Any]:
    return {"field": row["field"], "values": json.loads(row["values"]),
            "severity": row["severity"], "note": row["note"], "since": row["opened_at"]}


def trials_table(console: Console, store: Store,
                 entries: Iterable[tuple[TrialRow, TrialRow | None]],
                 overdue: dict[int, list[str]] | None = None) -> None:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("trial", "registry", "status", "last modified", "versions", "last check"):
        table.add_column(column, no_wrap=True)
    table.add_column("health")
    table.add_column("consistency")
    for row, parent in entries:
        health = ("ok" if not row.consecutive_failures
                  else f"{row.consecutive_failures} failures: {row.last_error or ''}")
        flags = [d for other in store.linked(row.id)
                 for d in store.open_disagreements(row.id, other.id).values()]
        agree = ("—" if not store.linked(row.id) else
                 "agree" if not flags else ", ".join(f"{d['field']} differs" for d in flags))
        late = (overdue or {}).get(row.id) or []
        if late:
            health = f"OVERDUE: {'; '.join(late)}" + ("" if health == "ok" else f"; {health}")
        name = row.trial_id or row.receipt_number or row.label
        table.add_row(*(Text(str(cell)) for cell in (
            f"  ↳ {name}" if parent else name, row.registry, row.status or "—",
            row.date_last_modified or "—", store.version_count(row.id),
            _short_time(row.last_checked_at), health, agree)))
    console.print(table)


def history_table(console: Console, store: Store, row: TrialRow, registry_title: str) -> None:
    versions = store.versions(row.id)
    console.print(Text(f"{row.label} ({registry_title}) — {row.title or ''}"))
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("version", "lang", "seen", "status", "last modified", "sample size"):
        table.add_column(column, no_wrap=True)
    table.add_column("changes")
    for version in versions:
        found = store.changes(version.id)
        summary = "first version" if version.number == 1 else _severity_counts(found)
        record = version.record
        size = record.get("target_sample_size")
        table.add_row(*(Text(str(cell)) for cell in (
            version.number, version.language, _short_time(version.seen_at),
            record.get("status"), record.get("date_last_modified") or "—",
            "—" if size is None else size, summary)))
    console.print(table)


def history_json(store: Store, row: TrialRow) -> list[dict[str, Any]]:
    return [{
        "registry": row.registry, "trial_id": row.label, "version": v.number,
        "language": v.language, "seen_at": v.seen_at, "content_hash": v.content_hash,
        "status": v.record.get("status"),
        "date_last_modified": v.record.get("date_last_modified"),
        "target_sample_size": v.record.get("target_sample_size"),
        "changes": [c.to_dict() for c in store.changes(v.id)],
    } for v in store.versions(row.id)]


def pair_json(store: Store, a: TrialRow, b: TrialRow) -> dict[str, Any]:
    found = store.open_disagreements(a.id, b.id)
    return {
        "trials": {a.registry: a.label, b.registry: b.label},
        "agree": not found and bool(store.version_count(a.id))
        and bool(store.version_count(b.id)),
        "compared": bool(store.version_count(a.id)) and bool(store.version_count(b.id)),
        "disagreements": [_disagreement(d) for d in found.values()],
    }


def consistency_text(report: Sequence[dict[str, Any]]) -> str:
    lines = []
    for pair in report:
        names = " ↔ ".join(f"{trial} ({registry})" for registry, trial in pair["trials"].items())
        if not pair["compared"]:
            lines.append(f"{names}: not compared yet (one side has no version)")
        elif pair["agree"]:
            lines.append(f"{names}: agree on status, sample size, last-modified and titles")
        else:
            lines.append(f"{names}: {len(pair['disagreements'])} disagreement(s)")
            for d in pair["disagreements"]:
                values = ", ".join(f"{k} {_plain(v)}" for k, v in d["values"].items())
                lines.append(f"  {d['severity'].upper():<6}  {d['field']}: {values}"
                             f" — {d['note']} (since {d['since'][:10]})")
    return "\n".join(lines)


def status_table(console: Console, rows: Sequence[TrialRow]) -> None:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("trial", "status", "last check", "last success", "next check"):
        table.add_column(column, no_wrap=True)
    table.add_column("health")
    for row in rows:
        health = "ok" if not row.consecutive_failures else (
            f"{row.consecutive_failures} failed checks: {row.last_error or ''}")
        if row.overdue_since:
            health = f"OVERDUE since {_short_time(row.overdue_since)}; {health}"
        table.add_row(*(Text(str(cell)) for cell in (
            row.label, row.status or "—", _short_time(row.last_checked_at),
            _short_time(row.last_success_at), _short_time(row.next_check_at), health)))
    console.print(table)


def alerts_table(console: Console, rows: Sequence[dict[str, Any]]) -> None:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("status", "event", "trial", "channel", "attempts", "queued", "next try"):
        table.add_column(column, no_wrap=True)
    table.add_column("last error")
    for row in rows:
        payload = json.loads(row["payload"])
        table.add_row(*(Text(str(cell)) for cell in (
            row["status"], row["event"], payload.get("trial_id"), row["channel"],
            row["attempts"], _short_time(row["created_at"]),
            _short_time(row["next_attempt_at"]) if row["status"] == "pending" else "—",
            row["last_error"] or "")))
    console.print(table)


def _short_time(value: str | None) -> str:
    if not value:
        return "never"
    return value.replace("T", " ")[:16]
