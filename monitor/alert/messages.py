"""What alerts say to people: the headline (e-mail subject, chat first line), the
e-mail's plain-text and HTML parts, and the Slack text. Registry text is escaped for
every format it lands in."""

from __future__ import annotations

import html
import json
from typing import Any

from monitor.diff.severity import Severity

Event = dict[str, Any]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _short(value: Any, limit: int = 60) -> str:
    text = " ".join(_text(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(value: Any, limit: int = 300) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sorted_changes(event: Event) -> list[dict[str, Any]]:
    return sorted(event.get("changes", []),
                  key=lambda c: (Severity.parse(c["severity"]) or Severity.LOW).rank)


def headline(event: Event, language: str = "en") -> str:
    """One line naming the trial and what happened."""
    trial = f"{event.get('trial_id')} ({event.get('registry')})"
    kind = event["event"]
    if kind == "trial.fetch_failing":
        return (f"{trial}: checks failing ({event['consecutive_failures']} in a row) — "
                f"{_one_line(event.get('error') or '')}")
    if kind == "trial.recovered":
        return f"{trial}: checks recovered"
    if kind == "trial.overdue":
        return (f"{trial}: not checked successfully since "
                f"{event.get('last_success_at') or 'it was added'} — is the monitor stuck?")
    if kind == "trial.overdue_recovered":
        return f"{trial}: checked successfully again"
    if kind == "registry.blocked":
        return (f"{event['host']} is refusing requests ({event.get('reason') or 'blocked'}): "
                f"paused until {event.get('until')}")
    if kind == "registry.unblocked":
        return f"{event['host']} answers again: checks resumed"
    if kind == "trial.registered":
        return _one_line(f"New trial for “{event.get('query')}”: {event.get('trial_id')} "
                         f"{event.get('title') or ''}")
    changes = _sorted_changes(event)
    if not changes:
        return f"{trial}: changed"
    top = changes[0]
    more = len(changes) - 1
    return _one_line(f"{trial}: {top['field']} {_short(top['old'])} → {_short(top['new'])}"
                     f"{f' (+{more} more)' if more else ''}")


def email_text(event: Event, delivery_id: str, language: str = "en") -> str:
    lines = [headline(event, language), ""]
    if event.get("title"):
        lines += [event["title"], ""]
    if event["event"] == "trial.fetch_failing":
        lines += [f"The last {event['consecutive_failures']} checks failed:",
                  event.get("error") or "", ""]
    elif event["event"] == "trial.recovered":
        lines += ["Checks succeed again.", ""]
    for change in _sorted_changes(event):
        lines += [f"[{change['severity']}] {change['field']}",
                  f"  old: {_text(change['old'], 2000)}",
                  f"  new: {_text(change['new'], 2000)}", ""]
    if event.get("url"):
        lines.append(event["url"])
    lines += ["", f"Detected {event['detected_at']} · delivery {delivery_id}"]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return html.escape(_text(value, 4000)).replace("\n", "<br>")


def email_html(event: Event, delivery_id: str, language: str = "en") -> str:
    e = html.escape
    parts = ["<!DOCTYPE html><html><body style=\"font-family:sans-serif\">",
             f"<h2 style=\"font-size:1.1em\">{e(headline(event, language))}</h2>"]
    if event.get("title"):
        parts.append(f"<p>{e(event['title'])}</p>")
    if event["event"] == "trial.fetch_failing":
        parts.append(f"<p>The last {int(event['consecutive_failures'])} checks failed: "
                     f"{e(event.get('error') or '')}</p>")
    elif event["event"] == "trial.recovered":
        parts.append("<p>Checks succeed again.</p>")
    changes = _sorted_changes(event)
    if changes:
        parts.append("<table style=\"border-collapse:collapse\" border=\"1\" cellpadding=\"6\">"
                     "<tr><th>Severity</th><th>Field</th><th>Old</th><th>New</th></tr>")
        for change in changes:
            parts.append(f"<tr><td>{e(change['severity'])}</td><td>{e(change['field'])}</td>"
                         f"<td>{_cell(change['old'])}</td><td>{_cell(change['new'])}</td></tr>")
        parts.append("</table>")
    url = event.get("url") or ""
    if url.startswith(("https://", "http://")):
        parts.append(f"<p><a href=\"{e(url, quote=True)}\">{e(url)}</a></p>")
    parts.append(f"<p style=\"color:#666;font-size:0.8em\">Detected {e(event['detected_at'])}"
                 f" · delivery {e(delivery_id)}</p></body></html>")
    return "".join(parts)


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_text(event: Event, language: str = "en") -> str:
    """A Slack-compatible message (mrkdwn), registry text escaped."""
    lines = [f"*{_slack_escape(headline(event, language))}*"]
    for change in _sorted_changes(event):
        lines.append(f"• [{change['severity']}] `{_slack_escape(change['field'])}`: "
                     f"{_slack_escape(_text(change['old']))} → "
                     f"{_slack_escape(_text(change['new']))}")
    if event.get("url"):
        lines.append(_slack_escape(event["url"]))
    return "\n".join(lines)
