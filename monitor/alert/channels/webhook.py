"""Webhooks: a signed JSON POST (or a Slack-compatible ``{"text": …}``)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from monitor.alert.channels.base import ChannelContext, Event, secret
from monitor.alert.messages import slack_text
from monitor.config.section import Section
from monitor.errors import ConfigError

SIGNATURE_HEADER = "X-CTR-Monitor-Signature"
DELIVERY_HEADER = "X-CTR-Monitor-Delivery"


@dataclass(frozen=True)
class WebhookSettings:
    name: str
    url: str | None = None
    url_env: str | None = None
    secret_env: str | None = None
    format: str = "json"
    timeout: float = 10.0
    kind: ClassVar[str] = "webhook"

    @property
    def key(self) -> str:
        return f"webhook:{self.name}"


def payload_bytes(event: Event, delivery_id: str) -> bytes:
    """The JSON body: the same bytes for every retry of one delivery."""
    body = {"event": event["event"], "delivery_id": delivery_id,
            **{k: v for k, v in event.items() if k != "event"}}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(key: str, body: bytes) -> str:
    return "sha256=" + hmac.new(key.encode("utf-8"), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    kind: ClassVar[str] = "webhook"
    repeatable: ClassVar[bool] = True  # [[alerts.webhook]], any number

    def __init__(self, settings: WebhookSettings, context: ChannelContext) -> None:
        self.settings = settings
        self.context = context
        self.key = settings.key

    @classmethod
    def read_settings(cls, section: Section, number: int) -> WebhookSettings:
        has_url, has_env = section.has("url"), section.has("url_env")
        if has_url == has_env:
            raise ConfigError(f'{section.name} needs url = "https://…" or url_env = "VAR" '
                              "(one of them)")
        return WebhookSettings(
            name=section.text("name", f"webhook-{number}"),
            url=section.url("url", "") if has_url else None,
            url_env=section.env_name("url_env"),
            secret_env=section.env_name("secret_env"),
            format=section.choice("format", "json", ("json", "slack")),
            timeout=section.duration("timeout", "10s", minimum=1, maximum=300))

    @classmethod
    def secrets(cls, settings: WebhookSettings) -> list[tuple[str, str]]:
        found = []
        if settings.url_env:
            found.append((settings.url_env, "the webhook URL"))
        if settings.secret_env:
            found.append((settings.secret_env, "the signing key"))
        return found

    @classmethod
    def describe_settings(cls, settings: WebhookSettings) -> str:
        if settings.url_env:
            return f"webhook {settings.name} (URL from ${settings.url_env})"
        parts = urlsplit(settings.url or "")
        return f"webhook {settings.name} ({parts.scheme}://{parts.netloc}/…)"

    def describe(self) -> str:
        return self.describe_settings(self.settings)

    def body(self, event: Event, delivery_id: str) -> bytes:
        if self.settings.format == "slack":
            text = slack_text(event, self.context.language)
            return json.dumps({"text": text}, ensure_ascii=False).encode("utf-8")
        return payload_bytes(event, delivery_id)

    def send(self, event: Event, delivery_id: str) -> str:
        env = self.context.env
        url = self.settings.url or secret(env, self.settings.url_env or "", "webhook URL")
        body = self.body(event, delivery_id)
        headers = {"Content-Type": "application/json; charset=utf-8",
                   DELIVERY_HEADER: delivery_id}
        if self.settings.secret_env:
            key = secret(env, self.settings.secret_env, "webhook signing key")
            headers[SIGNATURE_HEADER] = sign(key, body)
        status = self.context.poster.post(url, body, headers, self.settings.timeout)
        return f"HTTP {status}"

