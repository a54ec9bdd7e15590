"""Change reports as text, Markdown and JSON, in English or Japanese.

Registry content is untrusted: in Markdown (which ends up rendered as HTML) it is made
inert — it can create no link, image or HTML. A long value shows only its changed lines,
with a little context.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from monitor.diff.changes import Change
from monitor.diff.text import format_markdown, format_text, line_changes, markdown_escape
from monitor.normalize.vocabulary import phrase
from monitor.report.collect import ReportChange, TrialReport
from monitor.report.format import (
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

SAFE_SCHEMES = ("https://", "http://")


def safe_url(url: str | None) -> bool:
    return bool(url) and str(url).startswith(SAFE_SCHEMES)


def counts(reports: Sequence[TrialReport]) -> tuple[int, int]:
    """(changes, trials that changed): a trial with only flags is not counted as
    changed."""
    return sum(len(r.changes) for r in reports), sum(1 for r in reports if r.changes)


def heading(report: TrialReport, lang: str) -> str:
    title = (report.title_ja if lang == "ja" and report.title_ja else
             record_title(report.record, lang, report.row.title))
    name = f"{report.trial_id} ({registry_name(report.row.registry, lang)})"
    return f"{name} — {title}" if title else name


def status_summary(report: TrialReport, lang: str) -> str:
    record = report.record
    return phrase("status_line", lang, field=field_name("status", lang, report.row.registry),
                  status=value_text("status", record.status if record else report.row.status,
                                    lang, report.row.registry),
                  date=(record.date_last_modified if record else None) or "—")


def flag_lines(report: TrialReport, lang: str) -> list[str]:
    """Plain-text sentences: failing checks, a paused host, disagreements with linked
    records, overdue flags."""
    from monitor.cli.render import overdue_flag_text  # one wording for list and reports

    lines = []
    row = report.row
    if report.failing:
        lines.append(phrase("flag_failing", lang, count=row.consecutive_failures,
                            error=row.last_error or ""))
    if report.paused is not None:
        lines.append(phrase("flag_paused", lang, host=report.paused.host,
                            kind=phrase(f"host_{report.paused.kind}", lang),
                            until=report.paused.until[:16].replace("T", " ")))
    for pair in report.disagreements:
        for d in pair.disagreements:
            lines.append(disagreement_text(d.field, d.values, lang))
    lines += [overdue_flag_text(flag, lang, row.registry) for flag in report.overdue]
    return lines


def change_where(change: ReportChange, lang: str) -> str:
    languages = languages_text(list(change.versions), lang)
    return f"{languages}{'、' if lang == 'ja' else ', '}{change.seen_at[:10]}"


# --- text -----------------------------------------------------------------------------


def report_text(reports: Sequence[TrialReport], since: str, lang: str = "en") -> str:
    day = since[:10]
    if not reports:
        return phrase("no_changes_since", lang, since=day)
    changes, trials = counts(reports)
    out = [phrase("changes_since", lang, since=day, changes=changes, trials=trials), ""]
    for report in reports:
        registry = report.row.registry
        out.append(heading(report, lang))
        url = report.record.url if report.record else None
        out.append("  " + status_summary(report, lang) + (f" · {url}" if safe_url(url) else ""))
        out += [f"  ! {line}" for line in flag_lines(report, lang)]
        for item in report.changes:
            out += change_block_text(item.change, lang, registry,
                                     where=change_where(item, lang))
        out.append("")
    return "\n".join(out).rstrip()


def change_block_text(change: Change, lang: str, registry: str | None, *,
                      where: str = "", indent: str = "  ") -> list[str]:
    name = field_name(change.field, lang, registry)
    old = value_text(change.field, change.old, lang, registry)
    new = value_text(change.field, change.new, lang, registry)
    suffix = (f"（{where}）" if lang == "ja" else f"  ({where})") if where else ""
    head = f"{indent}{severity_name(change.severity, lang):<6}  {name}"
    if not is_long(old, new):
        return [f"{head}{colon(lang)}{old} → {new}{suffix}"]
    diff = format_text(line_changes(old, new), lang)
    return [f"{head}{suffix}", *(f"{indent}        {line}" for line in diff.splitlines())]


# --- Markdown ---------------------------------------------------------------------------


def md(text: str) -> str:
    return markdown_escape(text)


def changes_markdown(title: str, changes: Sequence[Change], lang: str,
                     registry: str | None = None) -> str:
    """A change list as Markdown: short values in a table, long ones as a diff block."""
    lines = [f"### {md(title)}", ""]
    if not changes:
        return "\n".join([*lines, md(phrase("no_changes_here", lang))])
    lines += _markdown_changes(changes, lang, registry, lambda c: "")
    return "\n".join(lines)


def _markdown_changes(changes: Sequence[Change], lang: str, registry: str | None,
                      where: object) -> list[str]:
    table: list[str] = []
    blocks: list[str] = []
    columns = [phrase(f"column_{name}", lang) for name in ("severity", "field", "old", "new")]
    for change in changes:
        name = field_name(change.field, lang, registry)
        old = value_text(change.field, change.old, lang, registry)
        new = value_text(change.field, change.new, lang, registry)
        seen = where(change)  # type: ignore[operator]
        if is_long(old, new):
            blocks += [f"**{md(severity_name(change.severity, lang))}** · {md(name)}"
                       + (f" · {md(seen)}" if seen else ""), "",
                       format_markdown(line_changes(old, new), lang), ""]
        else:
            table.append(f"| {md(severity_name(change.severity, lang))} | {md(name)} | "
                         f"{md(old)} | {md(new)} |" + (f" {md(seen)} |" if seen else ""))
    out: list[str] = []
    if table:
        extra = f" {phrase('column_seen', lang)} |" if any(where(c) for c in changes) else ""  # type: ignore[operator]
        out += ["| " + " | ".join(columns) + " |" + extra,
                "|" + "---|" * (len(columns) + (1 if extra else 0)), *table, ""]
    return out + blocks


def report_markdown(reports: Sequence[TrialReport], since: str, lang: str = "en") -> str:
    day = since[:10]
    out = [f"# {md(phrase('report_title', lang, since=day))}", ""]
    if not reports:
        return "\n".join([*out, md(phrase("no_changes", lang))]) + "\n"
    changes, trials = counts(reports)
    out += [md(phrase("changes_since", lang, since=day, changes=changes, trials=trials)), ""]
    for report in reports:
        registry = report.row.registry
        url = report.record.url if report.record else None
        link = f" · [{md(phrase('registry_page', lang))}](<{url}>)" if safe_url(url) \
            and "<" not in str(url) and ">" not in str(url) else ""
        out += [f"## {md(heading(report, lang))}", "", md(status_summary(report, lang)) + link,
                ""]
        flags = flag_lines(report, lang)
        if flags:
            out += [f"- ⚠ {md(line)}" for line in flags] + [""]
        out += _markdown_changes([item.change for item in report.changes], lang, registry,
                                 _where_of(report, lang))
    return "\n".join(out).rstrip() + "\n"


def _where_of(report: TrialReport, lang: str) -> Callable[[Change], str]:
    by_field = {item.change.field: item for item in report.changes}
    return lambda change: change_where(by_field[change.field], lang)


def report_json(reports: Sequence[TrialReport], since: str, generated_at: str) -> str:
    return json.dumps({"generated_at": generated_at, "since": since,
                       "trials": [r.to_dict() for r in reports]}, ensure_ascii=False, indent=2)
