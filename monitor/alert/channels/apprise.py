"""Any notification service the apprise library knows (Slack, Teams, Discord, Telegram…),
as an optional channel (``pip install 'ctr-monitor[apprise]'``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

from monitor.alert.channels.base import ChannelContext, Event, secret
from monitor.alert.messages import email_text, headline
from monitor.config.section import Section
from monitor.errors import ConfigError, DeliveryError


@dataclass(frozen=True)
class AppriseSettings:
    """The apprise URL is read from an environment variable: such URLs carry their
    service's token."""

    name: str
    url_env: str
    kind: ClassVar[str] = "apprise"

    @property
    def key(self) -> str:
        return f"apprise:{self.name}"


class AppriseChannel:
    kind: ClassVar[str] = "apprise"
    repeatable: ClassVar[bool] = True  # [[alerts.apprise]]

    def __init__(self, settings: AppriseSettings, context: ChannelContext) -> None:
        self.settings = settings
        self.context = context
        self.key = settings.key

    @classmethod
    def read_settings(cls, section: Section, number: int) -> AppriseSettings:
        url_env = section.env_name("url_env")
        if url_env is None:
            raise ConfigError(f'{section.name} needs url_env = "VAR" (the apprise URL, e.g. '
                              "slack://…, is a secret) and optionally name")
        return AppriseSettings(name=section.text("name", f"apprise-{number}"), url_env=url_env)

    @classmethod
    def secrets(cls, settings: AppriseSettings) -> list[tuple[str, str]]:
        return [(settings.url_env, "the apprise URL")]

    @classmethod
    def describe_settings(cls, settings: AppriseSettings) -> str:
        return f"apprise {settings.name} (URL from ${settings.url_env})"

    def describe(self) -> str:
        return self.describe_settings(self.settings)

    def send(self, event: Event, delivery_id: str) -> str:
        try:
            import apprise
        except ImportError:
            raise DeliveryError("the apprise package is not installed: "
                                "pip install 'ctr-monitor[apprise]'") from None
        # apprise's own log lines can name the target (and its token): ours say enough.
        logging.getLogger("apprise").setLevel(logging.CRITICAL)
        url = secret(self.context.env, self.settings.url_env, "apprise URL")
        notifier = apprise.Apprise()
        if not notifier.add(url):
            raise DeliveryError(f"apprise does not recognise the URL in "
                                f"${self.settings.url_env}")
        language = self.context.language
        result = notifier.notify(title=headline(event, language)[:250],
                                 body=email_text(event, delivery_id, language),
                                 body_format=apprise.NotifyFormat.TEXT)
        if not result:
            raise DeliveryError("apprise could not deliver the notification")
        return "sent via apprise"
