"""How the terminal shows what the core returns: check lines, changes, the watch list,
histories, pairs, the daemon's status, the alert backlog — in English or Japanese.

Registry text is never interpreted as terminal markup. Tables fit the terminal: below
a comfortable width each entry folds into a compact block of a few lines instead of
dropping columns, so status, health, overdue and disagreement flags always show.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import textwrap
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from monitor import AlertRow, HostRow
from monitor.check.outcome import PageOutcome, PairOutcome
from monitor.diff.changes import Change
from monitor.diff.text import format_text, line_changes
from monitor.normalize.vocabulary import delivery_label, event_label, language_name, phrase
from monitor.report.format import (
    agreement_text,
    colon,
    disagreement_text,
    field_name,
    is_long,
    languages_text,
    record_title,
    registry_name,
    severity_name,
    value_text,
)
from monitor.report.views import DiffPart, PairState, StatusReport, TrialHistory, TrialOverview

if TYPE_CHECKING:
    from rich.console import Console

WIDE = 110  # below this, tables fold into compact blocks
PIPED_WIDTH = 10_000  # piped output: as wide as its longest line
_LIST_SEPARATOR = {"en": "; ", "ja": "。"}  # between the sentences of one cell
_WORD_SEPARATOR = {"en": ", ", "ja": "、"}  # between the words of a list


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


class Screen(Protocol):
    """Where plain lines go: a rich ``Console``, or a :class:`PlainScreen`."""

    @property
    def width(self) -> int: ...
    @property
    def is_terminal(self) -> bool: ...
    @property
    def file(self) -> TextIO: ...


@dataclass
class PlainScreen:
    """Standard output for commands that print only plain lines (``list``, ``alerts``):
    the terminal's width and whether it is one, without loading a rich console (a
    tenth of a second of a command that should answer at once)."""

    width: int = field(default_factory=lambda: width())
    file: TextIO = field(default_factory=lambda: sys.stdout)

    @property
    def is_terminal(self) -> bool:
        return self.file.isatty()


def console() -> Console:
    """A rich console the terminal's width, for views that style their text."""
    from rich.console import Console

    class PipedConsole(Console):
        def on_broken_pipe(self) -> None:
            quiet_stdout()
            raise SystemExit(0)  # `| head` read what it wanted: as for every command

    # piped, a line is never broken: a script reads whole titles
    return PipedConsole(width=width(), highlight=False, soft_wrap=not sys.stdout.isatty())


def quiet_stdout() -> None:
    """Standard output to /dev/null once its reader has gone (``| head``): nothing more
    to write, and no error at exit when Python flushes it."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def width() -> int:
    """The terminal's width; unbounded in practice when output is piped, so that a
    script or a pager reading it never gets a line cut or wrapped."""
    if not sys.stdout.isatty():
        return PIPED_WIDTH
    return shutil.get_terminal_size((100, 24)).columns


def cells(text: str) -> int:
    """Terminal cells ``text`` takes (a kanji takes two)."""
    if text.isascii():  # most cells of a table: no character to look up
        return len(text)
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def short_time(value: str | None, lang: str) -> str:
    if not value:
        return phrase("never", lang)
    return value.replace("T", " ")[:16]


# --- check outcomes -------------------------------------------------------------------


def outcome_line(outcome: PageOutcome, lang: str) -> str:
    row = outcome.trial
    where = f"{outcome.label} ({registry_name(row.registry, lang)})"
    if outcome.language:
        where += f" [{outcome.language}]"
    if outcome.outcome == "failed":
        return f"{where}  {phrase('check_failed', lang, error=outcome.error)}"
    if outcome.outcome == "deferred":
        error = outcome.error
        if lang != "en" and outcome.reason in ("unreachable", "blocked") and outcome.host:
            # the host's state in the reader's words; the English detail is in the log
            error = f"{outcome.host}{phrase(f'host_{outcome.reason}', lang)}"
        return f"{where}  {phrase('check_deferred', lang, error=error)}"
    record = outcome.record
    summary = phrase("status_line", lang, field=field_name("status", lang, row.registry),
                     status=value_text("status", record.status if record else None, lang,
                                       row.registry),
                     date=(record.date_last_modified if record else None) or "—")
    if outcome.outcome == "new":
        return f"{where}  {phrase('check_first_version', lang, summary=summary)}"
    if outcome.outcome in ("unchanged", "listed"):
        key = "check_unchanged_listed" if outcome.outcome == "listed" else "check_unchanged"
        return f"{where}  {phrase(key, lang, version=outcome.version or 0, summary=summary)}"
    return (f"{where}  {phrase('check_changed', lang, version=outcome.version or 0)}: "
            f"{severity_counts(outcome.changes, lang)}")


def severity_counts(changes: Sequence[Change], lang: str) -> str:
    parts = []
    for level in ("high", "medium", "low"):
        n = sum(1 for change in changes if change.severity == level)
        if n:
            parts.append(f"{severity_name(level, lang)} {n}" if lang == "en"
                         else f"{severity_name(level, lang)}{n}")
    if lang == "en":
        return f"{phrase('changes', lang, count=len(changes))} ({', '.join(parts)})"
    return f"{phrase('changes', lang, count=len(changes))}（{'、'.join(parts)}）"


def pair_line(outcome: PairOutcome, lang: str) -> list[str]:
    a, b = outcome.a, outcome.b
    head = (f"{a.label} ({registry_name(a.registry, lang)}) ↔ "
            f"{b.label} ({registry_name(b.registry, lang)})")
    lines = [head]
    for d in outcome.opened:
        lines.append(f"    {phrase('disagreement_opened', lang)}: "
                     f"{disagreement_text(d.field, d.values, lang)}")
    for row in outcome.closed:
        if not any(d.field == row.field for d in outcome.opened):
            lines.append(f"    {agreement_text(row.field, row.values, lang)}")
    return lines


# --- changes --------------------------------------------------------------------------


def changes_text(changes: Sequence[Change], lang: str, registry: str | None = None,
                 indent: str = "  ") -> str:
    """Changes most severe first; a long value shows only its changed lines, with a
    little context."""
    if not changes:
        return f"{indent}{phrase('no_changes_here', lang)}"
    lines = []
    for change in changes:
        name = field_name(change.field, lang, registry)
        if change.languages and len(change.languages) > 1:
            name += f" [{languages_text(change.languages, lang)}]"
        old = value_text(change.field, change.old, lang, registry)
        new = value_text(change.field, change.new, lang, registry)
        head = f"{indent}{severity_name(change.severity, lang):<6}  {name}"
        if not is_long(old, new):
            lines.append(f"{head}{colon(lang)}{old} → {new}")
            continue
        lines.append(head)
        diff = format_text(line_changes(old, new), lang)
        lines += [f"{indent}        {line}" for line in diff.splitlines()]
    return "\n".join(lines)


def diff_title(part: DiffPart, lang: str) -> str:
    seen = part.newer.seen_at[:16].replace("T", " ")
    if part.only_one_version:
        return phrase("diff_one_version", lang, trial=part.row.label,
                      registry=registry_name(part.row.registry, lang),
                      language=language_name(part.language, lang), seen=seen)
    return phrase("diff_title", lang, trial=part.row.label,
                  registry=registry_name(part.row.registry, lang),
                  language=language_name(part.language, lang), old=part.older.number,
                  new=part.newer.number, seen=seen)


# --- the watch list --------------------------------------------------------------------


def health_text(entry: TrialOverview, lang: str) -> str:
    row = entry.row
    health = entry.health
    if health == "paused" and entry.paused is not None:
        return phrase("health_paused", lang, host=entry.paused.host,
                      kind=phrase(f"host_{entry.paused.kind}", lang),
                      until=short_time(entry.paused.until, lang))
    if health == "failing":
        return phrase("health_failing", lang, count=row.consecutive_failures,
                      error=row.last_error or "")
    if health == "overdue":
        return phrase("health_overdue", lang, since=short_time(row.overdue_since, lang))
    return phrase(f"health_{health}", lang)


def consistency_cell(entry: TrialOverview, lang: str) -> str:
    if not entry.pairs:
        return "—"
    parts = []
    for pair in entry.pairs:
        other = pair.other.label
        if pair.state == "not_compared":
            parts.append(phrase("pair_not_compared", lang, other=other))
        elif pair.state == "agree":
            parts.append(phrase("pair_agrees", lang, other=other))
        else:
            fields = _WORD_SEPARATOR[lang].join(field_name(d.field, lang)
                                                for d in pair.disagreements)
            parts.append(phrase("pair_differs", lang, other=other, fields=fields))
    return _LIST_SEPARATOR[lang].join(parts)


def flags_text(entry: TrialOverview, lang: str) -> str:
    """Overdue record flags (a record that looks abandoned)."""
    return _LIST_SEPARATOR[lang].join(overdue_flag_text(flag, lang, entry.row.registry)
                                      for flag in entry.overdue)


def overdue_flag_text(flag: Any, lang: str, registry: str | None = None) -> str:
    if flag.kind == "past_completion":
        return phrase("flag_still_status", lang,
                      status=value_text("status", flag.status, lang, registry),
                      days=flag.days, date=flag.since)
    return phrase("flag_not_modified", lang, days=flag.days, date=flag.since)


def trials_view(console: Screen, entries: Sequence[TrialOverview], lang: str) -> None:
    columns = console.width
    if columns < WIDE:
        write_lines(console, (compact_entry(entry, lang, columns) for entry in entries))
        return
    headers = [phrase(f"col_{key}", lang) for key in (
        "trial", "registry", "status", "last_modified", "versions", "last_check", "health",
        "consistency")]
    rows = []
    for entry in entries:
        row = entry.row
        flags = flags_text(entry, lang)
        rows.append([
            ("  ↳ " if entry.linked_from else "") + row.label,
            registry_name(row.registry, lang),
            value_text("status", entry.record.status if entry.record else None, lang,
                       row.registry),
            (entry.record.date_last_modified if entry.record else None) or "—",
            str(entry.versions), short_time(row.last_checked_at, lang),
            health_text(entry, lang) + (_LIST_SEPARATOR[lang] + flags if flags else ""),
            consistency_cell(entry, lang)])
    if not print_table(console, headers, rows, folding=(6, 7), least=24):
        # too narrow for health and links to read as columns: a few lines a trial
        write_lines(console, (compact_entry(entry, lang, columns) for entry in entries))


def print_table(console: Screen, headers: Sequence[str], rows: Sequence[Sequence[str]],
                folding: Sequence[int] = (), least: int = 12) -> bool:
    """A table padded by terminal cells (a kanji is two), two spaces between columns.
    Columns not in ``folding`` are never cut; those in it wrap within what the terminal
    leaves them, ``least`` cells each at least: if the terminal is narrower than that,
    nothing is printed and the answer is False. Written as plain lines: laying out
    thousands of rows must take milliseconds, not the seconds a general table renderer
    takes."""
    count = len(headers)
    measured = [[cells(text) for text in row] for row in rows]  # once: kanji are slow
    natural = [max([cells(headers[i]), *(sizes[i] for sizes in measured)])
               for i in range(count)]
    gaps = 2 * (count - 1)
    fixed = sum(natural[i] for i in range(count) if i not in folding)
    room = console.width - fixed - gaps
    widths = list(natural)
    if room < sum(min(least, natural[i]) for i in folding):
        return False
    # share what is left: the narrowest folding column first takes what it needs, up to
    # an equal share; the others split the rest
    waiting = sorted(folding, key=lambda i: natural[i])
    while waiting:
        share = room // len(waiting)
        i = waiting.pop(0)
        widths[i] = min(natural[i], share)
        room -= widths[i]
    out = [_table_line(headers, [cells(text) for text in headers], widths, folding)]
    out += [_table_line(row, sizes, widths, folding)
            for row, sizes in zip(rows, measured, strict=True)]
    if _styled(console):
        out[0] = f"\x1b[1m{out[0]}\x1b[0m"  # the header in bold, as rich would
    write_lines(console, out)
    return True


def _table_line(row: Sequence[str], sizes: Sequence[int], widths: Sequence[int],
                folding: Sequence[int]) -> str:
    """One row, padded; a cell wider than its column (only folding ones can be) folds
    onto lines of its own below."""
    if all(size <= width_ for size, width_ in zip(sizes, widths, strict=True)):
        return "  ".join([text + " " * (width_ - size) for text, size, width_
                          in zip(row, sizes, widths, strict=True)]).rstrip()
    pieces = [fold(row[i], widths[i]) if i in folding else [row[i]]
              for i in range(len(row))]
    lines = []
    for n in range(max(len(piece) for piece in pieces)):
        cells_of_line = []
        for i, piece in enumerate(pieces):
            text = piece[n] if n < len(piece) else ""
            cells_of_line.append(text + " " * (widths[i] - cells(text)))
        lines.append("  ".join(cells_of_line).rstrip())
    return "\n".join(lines)


def _styled(console: Screen) -> bool:
    """Whether the header may be bold, as rich decides it: on a terminal (or with
    FORCE_COLOR), never on a dumb one. NO_COLOR is about colours: bold stays."""
    if os.environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return False
    return console.is_terminal or bool(os.environ.get("FORCE_COLOR"))


def write_lines(console: Screen, lines: Iterable[str]) -> None:
    """Plain text straight to the console's file: no markup, no re-wrapping."""
    text = "\n".join(lines)
    if text:
        console.file.write(text + "\n")
        console.file.flush()


def compact_entry(entry: TrialOverview, lang: str, columns: int) -> str:
    """A trial in a few lines that fit ``columns``: the trial, its status and health
    first; what is secondary after."""
    row = entry.row
    indent = "  ↳ " if entry.linked_from else ""
    status = value_text("status", entry.record.status if entry.record else None, lang,
                        row.registry)
    first = f"{indent}{row.label} ({registry_name(row.registry, lang)})  {status}"
    lines = [first]
    pad = " " * (len(indent) + 4)
    details = [health_text(entry, lang)]
    flags = flags_text(entry, lang)
    if flags:
        details.append(flags)
    details.append(phrase("compact_details", lang,
                          modified=(entry.record.date_last_modified if entry.record else None)
                          or "—", versions=entry.versions,
                          checked=short_time(row.last_checked_at, lang)))
    if entry.pairs:
        details.append(consistency_cell(entry, lang))
    for detail in details:
        lines += wrap(detail, columns, pad)
    return "\n".join(lines)


def wrap(text: str, columns: int, pad: str) -> list[str]:
    """Wrap by terminal cells (kanji are two wide), breaking words only when needed."""
    return [pad + line for line in fold(text, max(20, columns - cells(pad)))]


# units a line of Japanese breaks between: ASCII words, spaces, any other character
_FOLD_UNITS = re.compile(r"[!-~]+|\s+|.[\u0300-\u036f\u3099\u309a]*", re.DOTALL)


_NO_LINE_START = frozenset("、。，．）」』】〕］｝〉》・：；？！ー々"
                           "ぁぃぅぇぉっゃゅょァィゥェォッャュョ")
_NO_LINE_END = frozenset("（「『【〔［｛〈《")


def fold(text: str, room: int) -> list[str]:
    """``text`` in lines of at most ``room`` cells (at least one line)."""
    if cells(text) <= room:
        return [text]
    if any(unicodedata.east_asian_width(ch) in "WF" for ch in text):
        # Japanese breaks between any two characters, but a date, a host or an ID
        # written in ASCII stays whole unless it is longer than a line
        lines: list[str] = []
        units: list[str] = []
        for unit in _FOLD_UNITS.findall(text):
            if cells("".join(units) + unit) <= room:
                units.append(unit)
                continue
            carry: list[str] = []  # kinsoku: no line starts with 、。）」 nor ends with （「
            if unit[:1] in _NO_LINE_START and len(units) > 1 and not units[-1].isspace():
                last = units.pop()  # a whole unit: an ID or a date stays whole…
                if len(last) > 1 and (cells(last + unit) > room  # …unless it cannot
                                      or all(u in _NO_LINE_END for u in units)):
                    units.append(last[:-1])
                    last = last[-1]
                carry.append(last)
            while len(units) > 1 and units[-1][-1:] in _NO_LINE_END:
                carry.insert(0, units.pop())
            line = "".join(units).rstrip()
            if line.strip():
                lines.append(line)
            units = carry + ([] if unit.isspace() else [unit])
            current = "".join(units)
            if cells(current) > room:  # longer than a line: cut where it must be
                while cells(current) > room:
                    cut = next((n for n in range(len(current), 1, -1)
                                if cells(current[:n]) <= room), 1)  # one character at least
                    lines.append(current[:cut])
                    current = current[cut:]
                units = [current] if current else []
        current = "".join(units)
        return [*lines, current] if current.strip() else lines or [""]
    return textwrap.wrap(text, room, break_long_words=True, break_on_hyphens=False) or [""]


# --- histories --------------------------------------------------------------------------


def history_view(console: Console, history: TrialHistory, lang: str) -> None:
    from rich.text import Text

    row = history.row
    records = [entry.version.record for entry in history.entries]
    latest = [record for record in records if record.language == lang] or records
    title = record_title(latest[-1] if latest else None, lang, row.title) or ""
    console.print(Text(f"{row.label} ({registry_name(row.registry, lang)}) — {title}"))
    columns = console.width
    for entry in history.entries:
        version, record = entry.version, entry.version.record
        summary = (phrase("first_version", lang) if version.number == 1
                   else severity_counts(entry.changes, lang))
        size = record.target_sample_size
        parts = [f"v{version.number} [{version.language}]",
                 short_time(version.seen_at, lang),
                 value_text("status", record.status, lang, row.registry),
                 phrase("history_modified", lang, date=record.date_last_modified or "—"),
                 phrase("history_size", lang, size="—" if size is None else f"{size:,}"),
                 summary]
        line = "  ".join(parts)
        if cells(line) + 2 <= columns:
            console.print(Text("  " + line))
        else:
            console.print(Text("  " + "  ".join(parts[:3])))
            for extra in wrap("  ".join(parts[3:]), columns, "      "):
                console.print(Text(extra))
        if entry.changes and version.number > 1:  # what changed, not only how much
            for change_line in changes_text(entry.changes, lang, row.registry,
                                            indent="      ").splitlines():
                console.print(Text(change_line))


# --- pairs ------------------------------------------------------------------------------


def consistency_text(states: Sequence[PairState], lang: str) -> str:
    lines = []
    for state in states:
        names = (f"{state.trial.label} ({registry_name(state.trial.registry, lang)}) ↔ "
                 f"{state.other.label} ({registry_name(state.other.registry, lang)})")
        if state.state == "not_compared":
            lines.append(f"{names}{colon(lang)}{phrase('pair_never_compared', lang)}")
        elif state.state == "agree":
            lines.append(f"{names}{colon(lang)}{phrase('pair_all_agree', lang)}")
        else:
            count = len(state.disagreements)
            lines.append(f"{names}{colon(lang)}{phrase('disagreements', lang, count=count)}")
            for d in state.disagreements:
                lines.append(f"  {severity_name(d.severity, lang):<6}  "
                             f"{disagreement_text(d.field, d.values, lang)} "
                             f"({phrase('since_date', lang, date=d.opened_at[:10])})")
    return "\n".join(lines)


def pair_json(state: PairState) -> dict[str, Any]:
    return {
        "trials": {state.trial.registry: state.trial.label,
                   state.other.registry: state.other.label},
        "state": state.state, "compared_at": state.compared_at,
        "disagreements": [{"field": d.field, "values": d.values,
                           "severity": d.severity.value, "since": d.opened_at}
                          for d in state.disagreements],
    }


# --- status and alerts -----------------------------------------------------------------


def host_line(host: HostRow, lang: str) -> str:
    return phrase("host_paused_line", lang, host=host.host,
                  kind=phrase(f"host_{host.kind}", lang), reason=host.reason or "",
                  until=short_time(host.until, lang))


def status_view(console: Console, report: StatusReport, lang: str) -> None:
    from rich.text import Text

    console.print(Text(phrase("daemon_running", lang, pid=report.daemon_pid)
                       if report.daemon_pid else phrase("daemon_not_running", lang)))
    console.print(Text(phrase("database_at", lang, path=report.database)))
    alerts = report.alerts
    console.print(Text(phrase("alert_backlog", lang, pending=alerts["pending"],
                              dead=alerts["dead"], delivered=alerts["delivered"])))
    for host in report.paused:
        console.print(Text(host_line(host, lang)))
    for listing in report.listings:
        name = registry_name(str(listing["registry"]), lang)
        console.print(Text(phrase("listing_not_read", lang, registry=name)
                           if not listing["checked_at"] else
                           phrase("listing_line", lang, registry=name,
                                  checked=short_time(listing["checked_at"], lang),
                                  rows=listing["rows"] or 0)))
    columns = console.width
    for row in report.watches:
        health = phrase("health_never_checked" if row.last_checked_at is None else "health_ok",
                        lang) if not row.consecutive_failures else phrase(
            "health_failing", lang, count=row.consecutive_failures, error=row.last_error or "")
        if row.overdue_since:
            health = phrase("health_overdue", lang, since=short_time(row.overdue_since, lang))
        parts = [row.label, phrase("status_checked", lang,
                                   last=short_time(row.last_checked_at, lang),
                                   success=short_time(row.last_success_at, lang),
                                   next=short_time(row.next_check_at, lang)
                                   if row.next_check_at and report.daemon_pid
                                   else phrase("next_with_daemon", lang)), health]
        line = "  ".join(parts)
        if cells(line) <= columns:
            console.print(Text(line))
        else:
            console.print(Text(parts[0]))
            for extra in parts[1:]:
                for piece in wrap(extra, columns, "    "):
                    console.print(Text(piece))


def alerts_table(console: Screen, rows: Sequence[AlertRow], lang: str) -> None:
    headers = [phrase(f"col_alert_{key}", lang) for key in (
        "status", "event", "trial", "channel", "attempts", "queued", "next", "error")]
    cells_ = [[
        delivery_label(row.status, lang), event_label(row.event, lang),
        str(row.payload.get("trial_id") or row.payload.get("host") or ""), row.channel,
        str(row.attempts), short_time(row.created_at, lang),
        short_time(row.next_attempt_at, lang) if row.status == "pending" else "—",
        row.last_error or "—"] for row in rows]
    if print_table(console, headers, cells_, folding=(2, 7), least=16):
        return
    # a narrow terminal: each alert in a few lines, every field named
    blocks = []
    for cell in cells_:
        lines = wrap("  ".join(cell[:3]), console.width, "")
        for i in (3, 4, 5, 6):  # one named value a line: a label never parts from it
            lines += wrap(f"{headers[i]}{colon(lang)}{cell[i]}", console.width, "    ")
        lines += wrap(f"{headers[7]}{colon(lang)}{cell[7]}", console.width, "    ")
        blocks.append("\n".join(lines))
    write_lines(console, blocks)


# --- records and parse health -------------------------------------------------------------


def record_text(record: Any) -> str:
    from monitor.normalize.record import CANONICAL_FIELDS

    width_ = max(len(name) for name in CANONICAL_FIELDS)
    data = record.to_dict()
    lines = [f"{name.ljust(width_)}  {value_text(name, data.get(name), 'en', record.registry)}"
             for name in CANONICAL_FIELDS]
    fields = data.get("fields") or {}
    count = sum(len(labels) for labels in fields.values())
    lines.append(f"{'fields'.ljust(width_)}  {count} raw fields in {len(fields)} sections "
                 "(--format json shows them)")
    return "\n".join(lines)


def doctor_text(report: Any) -> str:
    from monitor.maintenance.doctor import SHOWN

    lines = []
    groups: dict[tuple[str, str], list[Any]] = {}
    for page in report.pages:
        groups.setdefault((page.registry, page.language), []).append(page)
    if not groups:
        lines.append("no stored pages to check: run `ctr-monitor check` first, or "
                     "`ctr-monitor doctor --live` (needs network access)")
    for (registry, language), pages in sorted(groups.items()):
        read = [p for p in pages if p.error is None]
        asked = [p for p in pages if p.fetched]
        if not asked:
            lines.append(f"{registry_name(registry, 'en')} [{language}]: could not be reached")
            lines += [f"  ! {page.trial}: {page.error}" for page in pages]
            continue
        lines.append(f"{registry_name(registry, 'en')} [{language}]: {len(read)} of "
                     f"{len(asked)} page{'s' if len(asked) != 1 else ''} parse")
        for name in SHOWN:
            found = sum(1 for p in read if p.found.get(name))
            mark = "ok " if read and found == len(read) else ("-- " if not found else "~  ")
            lines.append(f"  {mark} {name:<22} {found}/{len(read)}")
        unknown = sorted({label for p in read for label in p.unknown_labels})
        if unknown:
            lines.append("  unknown labels: " + ", ".join(unknown[:30])
                         + (f" (+{len(unknown) - 30})" if len(unknown) > 30 else ""))
        for page in pages:
            if page.error:
                lines.append(f"  ! {page.trial}: {page.error}")
            elif page.missing_required:
                lines.append(f"  ! {page.trial}: no {', '.join(page.missing_required)}")
    if report.unknown_labels:
        lines.append("labels seen by checks that the parsers do not know:")
        for item in report.unknown_labels[:40]:
            lines.append(f"  {item['registry']} [{item['language']}] {item['label']} "
                         f"(since {str(item['first_seen_at'])[:10]})")
    if report.listing_disagreements:
        lines.append("pages that disagreed with the registry's listing (CSV):")
        for item in report.listing_disagreements[:40]:
            lines.append(f"  trial #{item['trial']} {item['field']}: page "
                         f"{item['page_value']}, listing {item['listing_value']} "
                         f"({str(item['seen_at'])[:10]})")
    if report.cassette:
        lines.append(f"pages saved as a cassette in {report.cassette} (attach it to a bug "
                     "report)")
    lines.append("verdict: " + _doctor_verdict(report))
    return "\n".join(lines)


def _doctor_verdict(report: Any) -> str:
    unfetched, pages = len(report.unfetched), len(report.pages)
    if pages and unfetched == pages:
        return ("no registry could be reached (see above): nothing is known of the "
                "parsers; check the network, then run it again")
    parsed = [page for page in report.pages if page.fetched]
    if not all(page.ok for page in parsed):
        return ("a page lacks a field every page has: the registry may have changed its "
                "layout (see above)")
    if unfetched:
        return (f"the pages fetched parse; {unfetched} could not be fetched (see above): "
                "run it again later")
    return "the parsers read every page"
