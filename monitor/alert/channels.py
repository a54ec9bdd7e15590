"""Delivery channels, each a small class registered by kind (as urlwatch's reporters).

A channel turns an event into what its receiver takes and sends it, raising
DeliveryError when the receiver did not accept it. Secrets (signing key, SMTP password,
a webhook URL that is itself a credential) are read from the environment at send time
and never appear in a message, a log line or the database.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
import os
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol
from urllib.parse import urlsplit

from monitor.alert.events import SEVERITY_ORDER, headline
from monitor.config import AlertSettings, AppriseSettings, EmailSettings, WebhookSettings
from monitor.fetch.post import DeliveryError, Poster

SIGNATURE_HEADER = "X-CTR-Monitor-Signature"
DELIVERY_HEADER = "X-CTR-Monitor-Delivery"


class Channel(Protocol):
    key: str  # stable name stored with each queued alert

    def describe(self) -> str:
        """How the channel is shown to the user: never with a secret in it."""

    def send(self, event: dict[str, Any], delivery_id: str) -> str:
        """Deliver; a short detail of success (``HTTP 200``), or DeliveryError."""


def _secret(env: Mapping[str, str], name: str, what: str) -> str:
    value = env.get(name)
    if not value:
        raise DeliveryError(f"environment variable {name} ({what}) is not set")
    return value


def payload_bytes(event: dict[str, Any], delivery_id: str) -> bytes:
    """The JSON body: the same bytes for every retry of one delivery."""
    body = {"event": event["event"], "delivery_id": delivery_id,
            **{k: v for k, v in event.items() if k != "event"}}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    kind = "webhook"

    def __init__(self, settings: WebhookSettings, poster: Poster,
                 env: Mapping[str, str] = os.environ) -> None:
        self.settings = settings
        self.poster = poster
        self.env = env
        self.key = f"webhook:{settings.name}"

    def describe(self) -> str:
        if self.settings.url_env:
            return f"webhook {self.settings.name} (URL from ${self.settings.url_env})"
        parts = urlsplit(self.settings.url or "")
        return f"webhook {self.settings.name} ({parts.scheme}://{parts.netloc}/…)"

    def body(self, event: dict[str, Any], delivery_id: str) -> bytes:
        if self.settings.format == "slack":
            return json.dumps({"text": slack_text(event)}, ensure_ascii=False).encode("utf-8")
        return payload_bytes(event, delivery_id)

    def send(self, event: dict[str, Any], delivery_id: str) -> str:
        url = self.settings.url or _secret(self.env, self.settings.url_env or "", "webhook URL")
        body = self.body(event, delivery_id)
        headers = {"Content-Type": "application/json; charset=utf-8",
                   DELIVERY_HEADER: delivery_id}
        if self.settings.secret_env:
            secret = _secret(self.env, self.settings.secret_env, "webhook signing key")
            headers[SIGNATURE_HEADER] = sign(secret, body)
        status = self.poster.post(url, body, headers, self.settings.timeout)
        return f"HTTP {status}"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_text(event: dict[str, Any]) -> str:
    """A Slack-compatible message (mrkdwn), registry text escaped."""
    lines = [f"*{_slack_escape(headline(event))}*"]
    for change in event.get("changes", []):
        lines.append(f"• [{change['severity']}] `{_slack_escape(change['field'])}`: "
                     f"{_slack_escape(_text(change['old']))} → "
                     f"{_slack_escape(_text(change['new']))}")
    if event.get("url"):
        lines.append(_slack_escape(event["url"]))
    return "\n".join(lines)


def _text(value: Any, limit: int = 300) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class EmailChannel:
    kind = "email"

    def __init__(self, settings: EmailSettings, env: Mapping[str, str] = os.environ) -> None:
        self.settings = settings
        self.env = env
        self.key = "email"

    def describe(self) -> str:
        s = self.settings
        return f"email via {s.host}:{s.port} to {', '.join(s.to)}"

    def message(self, event: dict[str, Any], delivery_id: str) -> EmailMessage:
        """One message per trial per check: plain text and an HTML table, registry text
        escaped in the HTML."""
        message = EmailMessage()
        message["Subject"] = f"[ctr-monitor] {headline(event)}"[:250]
        message["From"] = self.settings.sender
        message["To"] = ", ".join(self.settings.to)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = f"<{delivery_id}@ctr-monitor>"
        message[DELIVERY_HEADER] = delivery_id
        message.set_content(email_text(event, delivery_id))
        message.add_alternative(email_html(event, delivery_id), subtype="html")
        return message

    def send(self, event: dict[str, Any], delivery_id: str) -> str:
        s = self.settings
        password = (_secret(self.env, s.password_env, "SMTP password")
                    if s.password_env else None)
        message = self.message(event, delivery_id)
        try:
            smtp_class = smtplib.SMTP_SSL if s.ssl else smtplib.SMTP
            with smtp_class(s.host, s.port, timeout=s.timeout) as smtp:
                if s.starttls and not s.ssl:
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, password or "")
                refused = smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as error:
            raise DeliveryError(f"SMTP login as {s.username} refused ({error.smtp_code})") \
                from None
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"SMTP {s.host}:{s.port}: {type(error).__name__}: "
                                f"{str(error)[:160]}") from None
        if refused:
            raise DeliveryError(f"SMTP refused recipients: {', '.join(refused)}")
        return f"sent to {len(s.to)} recipient(s)"


def _sorted_changes(event: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(event.get("changes", []),
                  key=lambda c: SEVERITY_ORDER.index(c["severity"]))


def email_text(event: dict[str, Any], delivery_id: str) -> str:
    lines = [headline(event), ""]
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


def email_html(event: dict[str, Any], delivery_id: str) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html><html><body style=\"font-family:sans-serif\">",
             f"<h2 style=\"font-size:1.1em\">{e(headline(event))}</h2>"]
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


class AppriseChannel:
    """Any apprise notification URL as a channel (optional: ``pip install
    'ctr-monitor[apprise]'``). The message is the e-mail's plain text; apprise formats it
    for each service."""

    kind = "apprise"

    def __init__(self, settings: AppriseSettings, env: Mapping[str, str] = os.environ) -> None:
        self.settings = settings
        self.env = env
        self.key = f"apprise:{settings.name}"

    def describe(self) -> str:
        return f"apprise {self.settings.name} (URL from ${self.settings.url_env})"

    def send(self, event: dict[str, Any], delivery_id: str) -> str:
        try:
            import apprise
        except ImportError:
            raise DeliveryError("the apprise package is not installed: "
                                "pip install 'ctr-monitor[apprise]'") from None
        # apprise's own log lines can name the target (and its token): ours say enough.
        logging.getLogger("apprise").setLevel(logging.CRITICAL)
        url = _secret(self.env, self.settings.url_env, "apprise URL")
        notifier = apprise.Apprise()
        if not notifier.add(url):
            raise DeliveryError(f"apprise does not recognise the URL in "
                                f"${self.settings.url_env}")
        result = notifier.notify(title=headline(event)[:250],
                                 body=email_text(event, delivery_id),
                                 body_format=apprise.NotifyFormat.TEXT)
        if not result:
            raise DeliveryError("apprise could not deliver the notification")
        return "sent via apprise"


CHANNEL_TYPES = {"webhook": WebhookChannel, "email": EmailChannel, "apprise": AppriseChannel}


def build_channels(settings: AlertSettings, poster: Poster,
                   env: Mapping[str, str] = os.environ) -> list[Channel]:
    channels: list[Channel] = [WebhookChannel(hook, poster, env) for hook in settings.webhooks]
    if settings.email is not None:
        channels.append(EmailChannel(settings.email, env))
    channels += [AppriseChannel(target, env) for target in settings.apprise]
    return channels
