"""The alert outbox: alerts are never lost and never doubled.

An alert is written to the database in the same transaction as the version (or the
failure, the disagreement, the host pause) that caused it, one row per channel, with a
delivery ID. Delivery happens afterwards: each attempt is recorded; a failed one is
retried with exponential backoff on later passes (across restarts: the queue is in the
database) until it succeeds or the alert grows older than ``max_age``, when it is marked
dead and listed by ``ctr-monitor alerts``. A crash between a successful send and its
bookkeeping resends once, with the same delivery ID, so receivers can de-duplicate.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from monitor.alert.channels import Channel
from monitor.alert.events import Event
from monitor.config.model import AlertRules, AlertSettings
from monitor.errors import DeliveryError
from monitor.store import AlertRow, Store, TrialRow, iso_time, timestamp

log = logging.getLogger(__name__)

RETRY_CAP = 6 * 3600.0
LEASE = 300.0  # a claimed alert is this process's for this long


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    details: list[str] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(self.delivered or self.failed or self.dead)

    def summary(self, lang: str = "en") -> str:
        """One line on what a delivery round did (logs take it in English)."""
        from monitor.normalize.vocabulary import phrase

        parts = [phrase("delivery_delivered", lang, count=self.delivered)]
        if self.failed:
            parts.append(phrase("delivery_failed", lang, count=self.failed))
        if self.dead:
            parts.append(phrase("delivery_dead", lang, count=self.dead))
        return phrase("delivery_summary", lang, parts=("、" if lang == "ja" else ", ").join(
            parts))


class AlertQueue:
    """Queues events for every channel, inside the caller's transaction."""

    def __init__(self, store: Store, channel_keys: Sequence[str], settings: AlertSettings,
                 rules_for: Callable[[TrialRow], AlertRules] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.channel_keys = list(channel_keys)
        self.settings = settings
        self.rules_for = rules_for or (lambda row: settings.rules)
        self.clock = clock

    def now(self) -> str:
        return iso_time(self.clock())

    def enqueue(self, event: Event, trial: int | None = None) -> None:
        if not self.channel_keys:
            return
        delivery_id = uuid.uuid4().hex
        for key in self.channel_keys:
            self.store.outbox.enqueue(delivery_id=delivery_id, channel=key,
                                      event=event["event"], trial=trial, payload=event,
                                      now=event["detected_at"])


def deliver_due(store: Store, channels: Sequence[Channel], settings: AlertSettings, *,
                owner: str, waiting_too: bool = False,
                clock: Callable[[], float] = time.time) -> DeliveryReport:
    """Try every alert whose time has come (with ``waiting_too``, every waiting alert,
    backoff or not), once; record each attempt."""
    report = DeliveryReport()
    by_key = {channel.key: channel for channel in channels}
    now = clock()
    for alert in store.outbox.claim(iso_time(now), iso_time(now + LEASE), owner,
                                    waiting_too=waiting_too):
        channel = by_key.get(alert.channel)
        attempt_time = iso_time(clock())
        if channel is None:
            store.outbox.record_attempt(alert, now=attempt_time, ok=False, dead=True,
                                        detail=f"channel {alert.channel} is no longer "
                                               "configured")
            report.dead += 1
            continue
        try:
            detail = channel.send(alert.payload, alert.delivery_id)
        except DeliveryError as error:
            _failed(store, channel, alert, str(error), report, settings, clock)
            continue
        store.outbox.record_attempt(alert, now=attempt_time, ok=True, detail=detail)
        report.delivered += 1
        report.details.append(f"{channel.describe()}: {alert.event} "
                              f"{alert.payload.get('trial_id') or alert.payload.get('host')}"
                              f" {detail}")
    return report


def _failed(store: Store, channel: Channel, alert: AlertRow, detail: str,
            report: DeliveryReport, settings: AlertSettings,
            clock: Callable[[], float]) -> None:
    now = clock()
    dead = now - timestamp(alert.created_at) >= settings.max_age
    wait = min(settings.retry_base * 2 ** alert.attempts, RETRY_CAP)
    store.outbox.record_attempt(alert, now=iso_time(now), ok=False, detail=detail,
                                next_attempt_at=iso_time(now + wait), dead=dead)
    log.warning("alert %s via %s failed (attempt %d): %s", alert.delivery_id,
                channel.describe(), alert.attempts + 1, detail)
    if dead:
        report.dead += 1
    else:
        report.failed += 1
    report.details.append(f"{channel.describe()}: {detail}")
