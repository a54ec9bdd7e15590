"""The alert outbox: alerts are never lost and never doubled.

An alert is written to the database in the same transaction as the version (or the
failure, or the disagreement) that caused it, one row per channel, with a delivery ID.
Delivery happens afterwards: each attempt is recorded; a failed one is retried with
exponential backoff on later passes (across restarts: the queue is in the database)
until it succeeds or the alert grows older than ``max_age``, when it is marked dead and
listed by ``ctr-monitor alerts``. A crash between a successful send and its bookkeeping
resends once, with the same delivery ID, so receivers can de-duplicate.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from monitor.alert.channels import Channel
from monitor.alert.events import changed_event, failing_event, overdue_event, recovered_event
from monitor.alert.rules import select_changes
from monitor.config import AlertRules, AlertSettings
from monitor.diff.changes import Change
from monitor.fetch.post import DeliveryError
from monitor.pipeline import CheckOutcome
from monitor.store import Store, TrialRow, iso_time

log = logging.getLogger(__name__)

RETRY_CAP = 6 * 3600.0
LEASE = 300.0  # a claimed alert is this process's for this long


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    details: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.delivered} delivered"]
        if self.failed:
            parts.append(f"{self.failed} failed, will retry")
        if self.dead:
            parts.append(f"{self.dead} given up (see `ctr-monitor alerts`)")
        return "alerts: " + ", ".join(parts)


class Outbox:
    """Queues alert events during checks and delivers them afterwards."""

    def __init__(self, store: Store, channels: list[Channel], settings: AlertSettings, *,
                 rules_for: Callable[[TrialRow], AlertRules] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.channels = {channel.key: channel for channel in channels}
        self.settings = settings
        self.rules_for = rules_for or (lambda row: settings.rules)
        self.clock = clock

    # --- enqueueing (inside the check's transaction) ------------------------------------

    def trial_checked(self, before: TrialRow, after: TrialRow,
                      outcomes: list[CheckOutcome]) -> None:
        now = iso_time(self.clock())
        url = next((o.url for o in outcomes if o.url), None)
        changes = _merge([c for o in outcomes if o.outcome == "changed" for c in o.changes])
        selected = select_changes(changes, self.rules_for(after))
        if selected:
            self._enqueue(after.id, changed_event(
                registry=after.registry, trial_id=after.label, url=url, title=after.title,
                detected_at=now, changes=selected))
        threshold = self.settings.failure_threshold
        if before.consecutive_failures < threshold <= after.consecutive_failures:
            self._enqueue(after.id, failing_event(
                registry=after.registry, trial_id=after.label, url=url, detected_at=now,
                failures=after.consecutive_failures, error=after.last_error))
        elif before.consecutive_failures >= threshold and after.consecutive_failures == 0:
            self._enqueue(after.id, recovered_event(
                registry=after.registry, trial_id=after.label, url=url, detected_at=now))

    def pair_changed(self, a: TrialRow, b: TrialRow, outcome: CheckOutcome) -> None:
        selected = select_changes(outcome.changes, self.rules_for(a))
        if selected:
            self._enqueue(a.id, changed_event(
                registry=a.registry, trial_id=a.label, url=None,
                title=f"{a.label} ({a.registry}) and {b.label} ({b.registry}) disagree",
                detected_at=iso_time(self.clock()), changes=selected))

    def trial_overdue(self, row: TrialRow, interval: float) -> None:
        """A watch not checked successfully within twice its interval: one alert per
        episode (the caller records the episode in the same transaction)."""
        self._enqueue(row.id, overdue_event(
            registry=row.registry, trial_id=row.label, url=None,
            detected_at=iso_time(self.clock()), last_success_at=row.last_success_at,
            interval=interval))

    def _enqueue(self, trial: int, event: dict[str, Any]) -> None:
        if not self.channels:
            return
        delivery_id = uuid.uuid4().hex
        for key in self.channels:
            self.store.enqueue_alert(delivery_id=delivery_id, channel=key, event=event["event"],
                                     trial=trial, payload=event, now=event["detected_at"])

    # --- delivery (after the check) -----------------------------------------------------

    def deliver_due(self) -> DeliveryReport:
        """Try every alert whose time has come, once; record each attempt."""
        report = DeliveryReport()
        now = self.clock()
        for alert in self.store.claim_due_alerts(iso_time(now), iso_time(now + LEASE)):
            channel = self.channels.get(alert["channel"])
            attempt_time = iso_time(self.clock())
            if channel is None:
                self.store.record_alert_attempt(
                    alert, now=attempt_time, ok=False, dead=True,
                    detail=f"channel {alert['channel']} is no longer configured")
                report.dead += 1
                continue
            try:
                detail = channel.send(alert["payload"], alert["delivery_id"])
            except DeliveryError as error:
                self._failed(alert, str(error), report)
                continue
            self.store.record_alert_attempt(alert, now=attempt_time, ok=True, detail=detail)
            report.delivered += 1
            report.details.append(f"{channel.describe()}: {alert['event']} "
                                  f"{alert['payload'].get('trial_id')} {detail}")
        return report

    def _failed(self, alert: dict[str, Any], detail: str, report: DeliveryReport) -> None:
        now = self.clock()
        age = now - _timestamp(alert["created_at"])
        dead = age >= self.settings.max_age
        wait = min(self.settings.retry_base * 2 ** alert["attempts"], RETRY_CAP)
        self.store.record_alert_attempt(alert, now=iso_time(now), ok=False, detail=detail,
                                        next_attempt_at=iso_time(now + wait), dead=dead)
        channel = self.channels.get(alert["channel"])
        where = channel.describe() if channel else alert["channel"]
        log.warning("alert %s via %s failed (attempt %d): %s", alert["delivery_id"], where,
                    alert["attempts"] + 1, detail)
        if dead:
            report.dead += 1
        else:
            report.failed += 1
        report.details.append(f"{where}: {detail}")


def _merge(changes: list[Change]) -> list[Change]:
    """One list for a trial's check: the same change seen on two language pages once."""
    seen, merged = set(), []
    for change in changes:
        key = (change.field, repr(change.old), repr(change.new))
        if key not in seen:
            seen.add(key)
            merged.append(change)
    return merged


def _timestamp(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).timestamp()
