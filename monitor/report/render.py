"""Change reports in text, Markdown, JSON and HTML.

Registry content is untrusted: HTML-escaped in the HTML report and in Markdown (which
usually ends up as HTML). The HTML report is one self-contained file (no external
asset), readable on a phone, with old and new side by side and the changed words marked.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Any

from monitor.report.collect import TrialReport

_TOKENS = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


def plain(value: Any) -> str:
    """A field value as one string: text as is, structures as JSON, absence as —."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value if value else '""'
    return json.dumps(value, ensure_ascii=False)


def _title(report: TrialReport) -> str:
    return f"{report.trial_id} ({report.registry})" + (f" — {report.title}" if report.title
                                                        else "")


def _flags(report: TrialReport) -> list[str]:
    lines = []
    if report.failing:
        lines.append(f"checks failing: {report.failing['consecutive_failures']} in a row — "
                     f"{report.failing['last_error'] or ''}")
    for d in report.disagreements:
        values = ", ".join(f"{k} {plain(v)}" for k, v in d["values"].items())
        lines.append(f"disagrees with {d['with']} on {d['field']}: {values}")
    lines += [f"overdue: {flag}" for flag in report.overdue]
    return lines


# --- text and Markdown ------------------------------------------------------------------


def report_text(reports: Sequence[TrialReport], since: str) -> str:
    if not reports:
        return f"No changes or flags since {since[:10]}."
    out = [f"Changes since {since[:10]}: {sum(len(r.changes) for r in reports)} in "
           f"{len(reports)} trial(s)", ""]
    for report in reports:
        out.append(_title(report))
        out.append(f"  status {report.status or '—'}, last modified "
                   f"{report.date_last_modified or '—'}")
        out += [f"  ! {line}" for line in _flags(report)]
        for c in report.changes:
            out.append(f"  {c['severity'].upper():<6}  {c['field']}  {plain(c['old'])} → "
                       f"{plain(c['new'])}  (v{c['version']} {c['language']}, "
                       f"{c['seen_at'][:10]})")
        out.append("")
    return "\n".join(out).rstrip()


def md_cell(value: Any) -> str:
    """A value for a Markdown table cell: HTML-escaped (Markdown ends up as HTML), pipes
    escaped, line breaks as <br>."""
    return html.escape(plain(value), quote=False).replace("|", "\\|").replace("\n", "<br>")


def short(value: Any, limit: int = 60) -> str:
    """A value on one line, cut to ``limit`` characters: for headlines and titles."""
    text = " ".join(plain(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def report_markdown(reports: Sequence[TrialReport], since: str) -> str:
    out = [f"# Trial changes since {since[:10]}", ""]
    if not reports:
        return "\n".join([*out, "No changes or flags."])
    for report in reports:
        out += [f"## {md_cell(_title(report))}", "",
                f"Status **{md_cell(report.status)}**, last modified "
                f"{md_cell(report.date_last_modified)}"
                + (f" · [registry page]({report.url})" if _safe_url(report.url) else ""), ""]
        out += [f"- ⚠ {md_cell(line)}" for line in _flags(report)]
        if report.changes:
            out += ["", "| Severity | Field | Old | New | Seen |", "|---|---|---|---|---|"]
            out += [f"| {c['severity']} | `{md_cell(c['field'])}` | {md_cell(c['old'])} | "
                    f"{md_cell(c['new'])} | v{c['version']} {c['language']} {c['seen_at'][:10]} |"
                    for c in report.changes]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def report_json(reports: Sequence[TrialReport], since: str, generated_at: str) -> str:
    return json.dumps({"generated_at": generated_at, "since": since,
                       "trials": [r.to_dict() for r in reports]}, ensure_ascii=False, indent=2)


# --- HTML ---------------------------------------------------------------------------------


def _safe_url(url: str | None) -> bool:
    return bool(url) and url.startswith(("https://", "http://"))


def word_diff(old: Any, new: Any) -> tuple[str, str]:
    """Old and new as escaped HTML, the words that differ wrapped in <del> and <ins>;
    changes separated only by spaces are marked as one."""
    a, b = _TOKENS.findall(plain(old)), _TOKENS.findall(plain(new))
    segments: list[list] = []  # [changed?, old text, new text]
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old_part, new_part = "".join(a[i1:i2]), "".join(b[j1:j2])
        changed = op != "equal"
        if segments and segments[-1][0] == changed:
            segments[-1][1] += old_part
            segments[-1][2] += new_part
        else:
            segments.append([changed, old_part, new_part])
    for index in range(1, len(segments) - 1):  # a lone space between two changes
        if not segments[index][0] and not segments[index][1].strip():
            segments[index][0] = True
    merged: list[list] = []
    for changed, old_part, new_part in segments:
        if merged and merged[-1][0] == changed:
            merged[-1][1] += old_part
            merged[-1][2] += new_part
        else:
            merged.append([changed, old_part, new_part])
    left, right = [], []
    for changed, old_part, new_part in merged:
        if not changed:
            left.append(html.escape(old_part))
            right.append(html.escape(new_part))
            continue
        if old_part:
            left.append(f"<del>{html.escape(old_part)}</del>")
        if new_part:
            right.append(f"<ins>{html.escape(new_part)}</ins>")
    return ("".join(left).replace("\n", "<br>"), "".join(right).replace("\n", "<br>"))


_CSS = """
:root{--fg:#1b1f23;--muted:#5b6570;--line:#d8dee4;--high:#b42318;--medium:#b54708;
--low:#475467;--del:#ffe1e1;--ins:#d8f5dd;--card:#fff;--bg:#f6f8fa}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",
"Hiragino Sans","Noto Sans JP",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:62rem;margin:0 auto;padding:1rem}h1{font-size:1.35rem;margin:.5rem 0 1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:1rem;margin:0 0 1rem}h2{font-size:1.1rem;margin:0 0 .25rem;overflow-wrap:anywhere}
.meta{color:var(--muted);font-size:.9rem;margin:0 0 .5rem}
.flag{background:#fff8e6;border-left:4px solid var(--medium);padding:.35rem .6rem;
margin:.35rem 0;overflow-wrap:anywhere}
.timeline{display:flex;flex-wrap:wrap;gap:.4rem;list-style:none;padding:0;margin:.5rem 0}
.timeline li{border:1px solid var(--line);border-radius:999px;padding:.1rem .6rem;
font-size:.85rem}.timeline time{color:var(--muted);margin-right:.3rem}
table{width:100%;border-collapse:collapse;table-layout:fixed;margin-top:.5rem}
th,td{border-top:1px solid var(--line);padding:.45rem;vertical-align:top;text-align:left;
overflow-wrap:anywhere}th{font-size:.85rem;color:var(--muted)}
.sev{font-weight:600;text-transform:uppercase;font-size:.75rem}.sev-high{color:var(--high)}
.sev-medium{color:var(--medium)}.sev-low{color:var(--low)}
del{background:var(--del);text-decoration:line-through}ins{background:var(--ins);
text-decoration:none}code{font-size:.85rem}
@media (max-width:640px){table,tbody,tr,td{display:block;width:100%}thead{display:none}
tr{border-top:1px solid var(--line);padding:.4rem 0}td{border:0;padding:.15rem 0}
td[data-label]::before{content:attr(data-label) ": ";color:var(--muted);font-size:.8rem}}
"""


def report_html(reports: Sequence[TrialReport], since: str, generated_at: str) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>Trial changes since {e(since[:10])}</title>",
             f"<style>{_CSS}</style></head><body><main>",
             f"<h1>Trial changes since {e(since[:10])}</h1>",
             f'<p class="meta">Generated {e(generated_at[:16].replace("T", " "))} UTC · '
             f"{sum(len(r.changes) for r in reports)} changes in {len(reports)} trial(s)</p>"]
    if not reports:
        parts.append('<p class="card">No changes or flags in this period.</p>')
    for report in reports:
        link = (f' · <a href="{e(report.url, quote=True)}">registry page</a>'
                if _safe_url(report.url) else "")
        parts.append(f'<section class="card"><h2>{e(_title(report))}</h2>'
                     f'<p class="meta">Status <strong>{e(report.status or "—")}</strong>, '
                     f"last modified {e(report.date_last_modified or '—')}{link}</p>")
        parts += [f'<p class="flag">{e(line)}</p>' for line in _flags(report)]
        if report.timeline:
            parts.append('<ol class="timeline" aria-label="status over time">')
            parts += [f'<li><time>{e(point["seen_at"][:10])}</time>{e(point["status"] or "—")}'
                      "</li>" for point in report.timeline]
            parts.append("</ol>")
        if report.changes:
            parts.append("<table><thead><tr><th style=\"width:5rem\">Severity</th>"
                         "<th style=\"width:22%\">Field</th><th>Old</th><th>New</th></tr>"
                         "</thead><tbody>")
            for c in report.changes:
                old, new = word_diff(c["old"], c["new"])
                parts.append(
                    f'<tr><td class="sev sev-{e(c["severity"])}" data-label="Severity">'
                    f'{e(c["severity"])}</td><td data-label="Field"><code>{e(c["field"])}'
                    f'</code><br><span class="meta">v{int(c["version"])} {e(c["language"])} '
                    f'{e(c["seen_at"][:10])}</span></td><td data-label="Old">{old}</td>'
                    f'<td data-label="New">{new}</td></tr>')
            parts.append("</tbody></table>")
        parts.append("</section>")
    parts.append("</main></body></html>")
    return "\n".join(parts)
