"""Delivery channels, each a small class registered by kind (as urlwatch's reporters).

A channel type declares its config table (``[[alerts.webhook]]``, ``[alerts.email]``…),
reads and validates it, names the environment variables its secrets come from (checked
when a command that alerts starts), and sends. Adding a channel means its module and one
line in ``CHANNEL_TYPES``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monitor.alert.channels.apprise import AppriseChannel, AppriseSettings
from monitor.alert.channels.base import Channel, ChannelContext, Event
from monitor.alert.channels.email import EmailChannel, EmailSettings
from monitor.alert.channels.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    WebhookChannel,
    WebhookSettings,
    payload_bytes,
    sign,
)

CHANNEL_TYPES: dict[str, Any] = {
    "webhook": WebhookChannel,
    "email": EmailChannel,
    "apprise": AppriseChannel,
}


def build_channels(settings: Sequence[Any], context: ChannelContext) -> list[Channel]:
    """One channel per configured table, in config order."""
    return [CHANNEL_TYPES[each.kind](each, context) for each in settings]


__all__ = [
    "CHANNEL_TYPES",
    "DELIVERY_HEADER",
    "SIGNATURE_HEADER",
    "AppriseChannel",
    "AppriseSettings",
    "Channel",
    "ChannelContext",
    "EmailChannel",
    "EmailSettings",
    "Event",
    "WebhookChannel",
    "WebhookSettings",
    "build_channels",
    "payload_bytes",
    "sign",
]
