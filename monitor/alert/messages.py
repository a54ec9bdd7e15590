"""What alerts say to people, in English or Japanese: the headline (e-mail subject, chat
first line), the e-mail's plain-text and HTML parts, and the Slack text.

Statuses and fields read in the registries' own words; a long value shows only its
changed lines (text) or its changed passage (HTML); consistency events read as sentences
naming both registries, with links to both records. Registry text is escaped for every
format it lands in. The webhook's JSON keeps the identifiers.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from monitor.diff.changes import Change
from monitor.diff.severity import Severity
from monitor.diff.text import format_text, html_passage, html_word_diff, line_changes
from monitor.normalize.vocabulary import phrase
from monitor.report.format import (
    agreement_text,
    disagreement_text,
    field_name,
    is_long,
    languages_text,
    registry_name,
    severity_name,
    status_label,
    value_text,
)

Event = dict[str, Any]
_SAFE = ("https://", "http://")


def _when(stamp: str) -> str:
    """A stored UTC time as people read it: 2026-11-25 12:21 UTC."""
    return f"{stamp[:16].replace('T', ' ')} UTC" if len(stamp) >= 16 else stamp


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _changes(event: Event) -> list[Change]:
    return sorted((Change.from_dict(c) for c in event.get("changes", [])),
                  key=lambda c: c.severity.rank)


def _trial(event: Event, lang: str) -> str:
    return f"{event.get('trial_id')} ({registry_name(str(event.get('registry')), lang)})"


def headline(event: Event, language: str = "en") -> str:
    """One line naming the trial (or host) and what happened."""
    lang, kind = language, event["event"]
    trial = _trial(event, lang)
    if kind == "trial.fetch_failing":
        return _one_line(f"{trial}: " + phrase("alert_failing", lang,
                                                count=event["consecutive_failures"],
                                                error=event.get("error") or ""))
    if kind == "trial.recovered":
        return f"{trial}: {phrase('alert_recovered', lang)}"
    if kind == "trial.overdue":
        since = event.get("last_success_at")
        return f"{trial}: " + (phrase("alert_overdue", lang, since=since[:16].replace("T", " "))
                               if since else phrase("alert_overdue_never", lang))
    if kind == "trial.overdue_recovered":
        return f"{trial}: {phrase('alert_overdue_recovered', lang)}"
    if kind == "registry.blocked":
        return phrase("alert_blocked", lang, host=event["host"],
                      until=str(event.get("until", ""))[:16].replace("T", " "))
    if kind == "registry.unblocked":
        return phrase("alert_unblocked", lang, host=event["host"])
    if kind == "listing.failing":
        return phrase("alert_listing_failing", lang,
                      registry=registry_name(str(event.get("registry")), lang))
    if kind == "listing.recovered":
        return phrase("alert_listing_recovered", lang,
                      registry=registry_name(str(event.get("registry")), lang))
    if kind == "trial.registered":
        title = event.get("title_ja") if lang == "ja" and event.get("title_ja") else \
            event.get("title")
        return _one_line(phrase("alert_registered", lang, query=event.get("query"),
                                trial=trial, title=title or ""))
    if kind == "consistency.changed":
        return _one_line(_pair_headline(event, lang))
    changes = _changes(event)
    if not changes:
        return f"{trial}: {phrase('alert_changed', lang)}"
    top, more = changes[0], len(changes) - 1
    registry = event.get("registry")
    old = _one_line(value_text(top.field, top.old, lang, registry), 60)
    new = _one_line(value_text(top.field, top.new, lang, registry), 60)
    colon = "：" if lang == "ja" else ": "
    text = f"{trial}: {field_name(top.field, lang, registry)}{colon}{old} → {new}"
    return _one_line(text + (f" {phrase('more_changes', lang, count=more)}" if more else ""),
                     250)


def _pair_headline(event: Event, lang: str) -> str:
    a, b = event["trials"][:2]
    names = (f"{a['trial_id']} ({registry_name(a['registry'], lang)}) / "
             f"{b['trial_id']} ({registry_name(b['registry'], lang)})")
    if event.get("opened"):
        first = event["opened"][0]
        return f"{names}: {disagreement_text(first['field'], first['values'], lang)}"
    resolved = event.get("resolved") or []
    if resolved:
        return f"{names}: {agreement_text(resolved[0]['field'], resolved[0]['values'], lang)}"
    return f"{names}: {phrase('disagreement_resolved', lang)}"


def _sentences(event: Event, lang: str) -> list[str]:
    """Plain-text body lines, before the changes."""
    kind = event["event"]
    lines = []
    if kind == "trial.fetch_failing":
        lines += [phrase("alert_failed_checks", lang, count=event["consecutive_failures"]),
                  event.get("error") or ""]
    elif kind == "trial.recovered":
        lines.append(phrase("alert_succeeding", lang))
    elif kind == "registry.blocked":
        lines.append(phrase("alert_blocked_body", lang, host=event["host"],
                            reason=event.get("reason") or "",
                            until=str(event.get("until", ""))[:16].replace("T", " ")))
    elif kind == "registry.unblocked":
        lines.append(phrase("alert_unblocked_body", lang, host=event["host"]))
    elif kind in ("listing.failing", "listing.recovered"):
        lines.append(event.get("error") or phrase("alert_succeeding", lang))
    elif kind == "trial.registered":
        status = status_label(event.get("status"), lang, event.get("registry"))
        lines.append(phrase("alert_registered_body", lang, status=status,
                            date=event.get("date_registered") or "—"))
        lines += [f"• {condition}" for condition in event.get("conditions") or []]
    elif kind == "consistency.changed":
        for item in event.get("opened", []):
            lines.append(f"{phrase('disagreement_opened', lang)}: "
                         f"{disagreement_text(item['field'], item['values'], lang)}")
        for item in event.get("resolved", []):
            lines.append(agreement_text(item["field"], item["values"], lang))
    return lines


def _links(event: Event, lang: str) -> list[tuple[str, str]]:
    """(label, URL) of the records the event is about: both records of a pair."""
    if event["event"] == "consistency.changed":
        return [(f"{t['trial_id']} ({registry_name(t['registry'], lang)})", t["url"])
                for t in event["trials"] if str(t.get("url") or "").startswith(_SAFE)]
    url = str(event.get("url") or "")
    return [(_trial(event, lang), url)] if url.startswith(_SAFE) else []


def email_text(event: Event, delivery_id: str, language: str = "en") -> str:
    lang, registry = language, event.get("registry")
    lines = [headline(event, lang), ""]
    if event.get("title") and event["event"] not in ("trial.registered",):
        lines += [str(event["title"]), ""]
    body = _sentences(event, lang)
    if body:
        lines += [*body, ""]
    for change in _changes(event):
        name = field_name(change.field, lang, registry)
        if change.languages:
            name += f" [{languages_text(change.languages, lang)}]"
        old = value_text(change.field, change.old, lang, registry)
        new = value_text(change.field, change.new, lang, registry)
        lines.append(f"{severity_name(change.severity, lang)} · {name}")
        if is_long(old, new):
            lines += [f"  {line}" for line in format_text(line_changes(old, new), lang)
                      .splitlines()]
        else:
            lines += [f"  {phrase('before', lang)}: {old}", f"  {phrase('after', lang)}: {new}"]
        lines.append("")
    lines += [url for _, url in _links(event, lang)]
    lines += ["", phrase("alert_detected", lang, at=_when(event["detected_at"]),
                         delivery=delivery_id)]
    return "\n".join(lines)


def email_html(event: Event, delivery_id: str, language: str = "en") -> str:
    lang, registry = language, event.get("registry")
    e: Callable[[Any], str] = lambda text: html.escape(str(text), quote=True)  # noqa: E731
    parts = ['<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
             '<body style="font-family:sans-serif">',
             f'<h2 style="font-size:1.1em">{e(headline(event, lang))}</h2>']
    if event.get("title") and event["event"] != "trial.registered":
        parts.append(f"<p>{e(event['title'])}</p>")
    parts += [f"<p>{e(line)}</p>" for line in _sentences(event, lang) if line]
    changes = _changes(event)
    if changes:
        heads = [phrase(f"column_{n}", lang) for n in ("severity", "field", "old", "new")]
        parts.append('<table style="border-collapse:collapse" border="1" cellpadding="6"><tr>'
                     + "".join(f"<th>{e(h)}</th>" for h in heads) + "</tr>")
        for change in changes:
            old = value_text(change.field, change.old, lang, registry)
            new = value_text(change.field, change.new, lang, registry)
            cells = (f"<td>{e(severity_name(change.severity, lang))}</td>"
                     f"<td>{e(field_name(change.field, lang, registry))}</td>")
            if is_long(old, new):
                parts.append(f"<tr>{cells}<td colspan=\"2\">{html_passage(old, new, lang=lang)}"
                             "</td></tr>")
            else:
                old_html, new_html = html_word_diff(old, new)
                parts.append(f"<tr>{cells}<td>{old_html}</td><td>{new_html}</td></tr>")
        parts.append("</table>")
    for label, url in _links(event, lang):
        parts.append(f'<p><a href="{e(url)}">{e(label)}</a> {e(url)}</p>')
    detected = phrase("alert_detected", lang, at=_when(event["detected_at"]),
                      delivery=delivery_id)
    parts.append(f'<p style="color:#666;font-size:0.8em">{e(detected)}</p></body></html>')
    return "".join(parts)


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_text(event: Event, language: str = "en") -> str:
    """A Slack-compatible message (mrkdwn), registry text escaped."""
    lang, registry = language, event.get("registry")
    lines = [f"*{_slack_escape(headline(event, lang))}*"]
    lines += [_slack_escape(line) for line in _sentences(event, lang) if line]
    for change in _changes(event):
        old = value_text(change.field, change.old, lang, registry)
        new = value_text(change.field, change.new, lang, registry)
        head = (f"• {_slack_escape(severity_name(change.severity, lang))} · "
                f"{_slack_escape(field_name(change.field, lang, registry))}")
        if is_long(old, new):
            diff = format_text(line_changes(old, new), lang).replace("`", "'")
            lines += [head, f"```{_slack_escape(diff)}```"]
        else:
            lines.append(f"{head}: {_slack_escape(old)} → {_slack_escape(new)}")
    for label, url in _links(event, lang):
        lines.append(f"<{_slack_escape(url)}|{_slack_escape(label)}>")
    return "\n".join(lines)


__all__ = ["Severity", "email_html", "email_text", "headline", "slack_text"]
