"""What every alert channel provides, and what it is given to send with."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from monitor.errors import DeliveryError

if TYPE_CHECKING:  # the HTTP client loads when an alert is sent, not with the config
    from monitor.fetch.post import Poster

Event = dict[str, Any]  # a JSON-ready alert event (see monitor.alert.events)


@dataclass
class ChannelContext:
    """Shared by every channel: the HTTP poster, the environment secrets come from, and
    the language of human-facing messages."""

    poster: Poster
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    language: str = "en"


class Channel(Protocol):
    kind: ClassVar[str]
    key: str  # stable name stored with each queued alert

    def describe(self) -> str:
        """How the channel is shown to the user: never with a secret in it."""
        ...

    def send(self, event: Event, delivery_id: str) -> str:
        """Deliver; a short detail of success (``HTTP 200``), or DeliveryError."""
        ...


def secret(env: Mapping[str, str], name: str, what: str) -> str:
    value = env.get(name)
    if not value:
        raise DeliveryError(f"environment variable {name} ({what}) is not set")
    return value
