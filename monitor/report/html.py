"""The HTML report: one self-contained file (no external asset), readable on a phone, in
English or Japanese. Short values old and new side by side with the changed words
marked; long ones as the changed passage with context, the full text on demand; each
trial's status over time, dated by the registry. Registry text is escaped everywhere.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from monitor.diff.text import html_passage, html_word_diff
from monitor.normalize.vocabulary import phrase
from monitor.report.collect import TrialReport
from monitor.report.format import field_name, is_long, severity_name, value_text
from monitor.report.render import change_where, counts, flag_lines, heading, safe_url

_CSS = """
:root{--fg:#1b1f23;--muted:#5b6570;--line:#d8dee4;--high:#b42318;--medium:#b54708;
--low:#475467;--del:#ffe1e1;--ins:#d8f5dd;--card:#fff;--bg:#f6f8fa}
*{box-sizing:border-box}body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",
"Hiragino Sans","Hiragino Kaku Gothic ProN","Noto Sans JP","Noto Sans CJK JP","Yu Gothic",
Meiryo,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:62rem;margin:0 auto;padding:1rem}h1{font-size:1.35rem;margin:.5rem 0 1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:1rem;margin:0 0 1rem}h2{font-size:1.1rem;margin:0 0 .25rem;overflow-wrap:anywhere;
line-break:strict}.meta{color:var(--muted);font-size:.9rem;margin:0 0 .5rem}
time,.nowrap{white-space:nowrap}
.flag{background:#fff8e6;border-left:4px solid var(--medium);padding:.35rem .6rem;
margin:.35rem 0;overflow-wrap:anywhere}
.timeline{display:flex;flex-wrap:wrap;gap:.4rem;list-style:none;padding:0;margin:.5rem 0}
.timeline li{border:1px solid var(--line);border-radius:999px;padding:.1rem .6rem;
font-size:.85rem}.timeline time{color:var(--muted);margin-right:.3rem}
table{width:100%;border-collapse:collapse;table-layout:fixed;margin-top:.5rem}
th,td{border-top:1px solid var(--line);padding:.45rem;vertical-align:top;text-align:left;
overflow-wrap:anywhere}th{font-size:.85rem;color:var(--muted)}
.sev{font-weight:600;font-size:.8rem}.sev-high{color:var(--high)}
.sev-medium{color:var(--medium)}.sev-low{color:var(--low)}
del{background:var(--del);text-decoration:line-through}ins{background:var(--ins);
text-decoration:none}.diff-passage{margin:0}details.diff-full{margin-top:.4rem}
details.diff-full summary{cursor:pointer;color:var(--muted);font-size:.85rem}
.diff-old,.diff-new{margin:.4rem 0;padding:.4rem;border-radius:4px;background:var(--bg)}
@media (max-width:640px){table,tbody,tr,td{display:block;width:100%}thead{display:none}
tr{border-top:1px solid var(--line);padding:.4rem 0}td{border:0;padding:.15rem 0}
td[data-label]::before{content:attr(data-label) ": ";color:var(--muted);font-size:.8rem}}
"""


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2})?")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _t(text: object) -> str:
    """Text escaped, its dates kept whole (a phone never breaks 2026-11-18 in two)."""
    return _DATE.sub(lambda m: f"<time>{m.group()}</time>", _e(text))


def report_html(reports: Sequence[TrialReport], since: str, generated_at: str,
                lang: str = "en") -> str:
    day = since[:10]
    changes, trials = counts(reports)
    title = phrase("report_title", lang, since=day)
    at = generated_at[:16].replace("T", " ")
    parts = ["<!DOCTYPE html>", f'<html lang="{_e(lang)}"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_e(title)}</title>", f"<style>{_CSS}</style></head><body><main>",
             f"<h1>{_t(title)}</h1>",
             f'<p class="meta">{_t(phrase("generated_at", lang, at=at))}'
             f" · {_e(phrase('changes_in_trials', lang, changes=changes, trials=trials))}</p>"]
    if not reports:
        parts.append(f'<p class="card">{_e(phrase("no_changes", lang))}</p>')
    for report in reports:
        parts += _trial(report, lang)
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _trial(report: TrialReport, lang: str) -> list[str]:
    registry = report.row.registry
    record = report.record
    url = record.url if record else None
    link = (f' · <a href="{_e(url)}">{_e(phrase("registry_page", lang))}</a>'
            if safe_url(url) else "")
    status = value_text("status", record.status if record else report.row.status, lang,
                        registry)
    modified = (record.date_last_modified if record else None) or "—"
    summary = phrase("status_line", lang, field=field_name("status", lang, registry),
                     status="\x00", date="\x01")
    summary_html = _e(summary).replace("\x00", f"<strong>{_e(status)}</strong>").replace(
        "\x01", f"<time>{_e(modified)}</time>")
    parts = [f'<section class="card"><h2>{_e(heading(report, lang))}</h2>',
             f'<p class="meta">{summary_html}{link}</p>']
    parts += [f'<p class="flag">{_t(line)}</p>' for line in flag_lines(report, lang)]
    for pair in report.disagreements:
        if safe_url(pair.other_url):
            parts.append(f'<p class="meta">↔ <a href="{_e(pair.other_url)}">'
                         f"{_e(pair.other.label)}</a></p>")
    if report.timeline:
        parts.append(f'<ol class="timeline" aria-label="{_e(phrase("status_over_time", lang))}">')
        parts += [f"<li><time>{_e(point.date)}</time>"
                  f"{_e(value_text('status', point.status, lang, registry))}</li>"
                  for point in report.timeline]
        parts.append("</ol>")
    if report.changes:
        columns = [phrase(f"column_{name}", lang) for name in ("severity", "field", "old", "new")]
        parts.append('<table><thead><tr><th style="width:5.5rem">' + _e(columns[0])
                     + '</th><th style="width:22%">' + _e(columns[1]) + "</th><th>"
                     + _e(columns[2]) + "</th><th>" + _e(columns[3]) + "</th></tr></thead><tbody>")
        for item in report.changes:
            change = item.change
            old = value_text(change.field, change.old, lang, registry)
            new = value_text(change.field, change.new, lang, registry)
            severity = change.severity.value
            field_cell = (f'<td data-label="{_e(columns[1])}">'
                          f"{_e(field_name(change.field, lang, registry))}<br>"
                          f'<span class="meta">{_t(change_where(item, lang))}</span></td>')
            sev_cell = (f'<td class="sev sev-{_e(severity)}" data-label="{_e(columns[0])}">'
                        f"{_e(severity_name(severity, lang))}</td>")
            if is_long(old, new):
                parts.append(f"<tr>{sev_cell}{field_cell}<td colspan=\"2\" "
                             f'data-label="{_e(phrase("column_change", lang))}">'
                             f"{html_passage(old, new, lang=lang)}</td></tr>")
            else:
                old_html, new_html = html_word_diff(old, new)
                parts.append(f"<tr>{sev_cell}{field_cell}"
                             f'<td data-label="{_e(columns[2])}">{old_html}</td>'
                             f'<td data-label="{_e(columns[3])}">{new_html}</td></tr>')
        parts.append("</tbody></table>")
    parts.append("</section>")
    return parts
