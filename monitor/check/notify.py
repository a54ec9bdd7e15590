"""From what a check found to the alert events it raises, queued in the check's own
transaction (the outbox), so an alert commits or rolls back with its cause."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from monitor.alert.events import (
    changed_event,
    consistency_event,
    failing_event,
    host_event,
    listing_event,
    overdue_event,
    overdue_recovered_event,
    recovered_event,
    registered_event,
)
from monitor.alert.outbox import AlertQueue
from monitor.alert.rules import select_changes
from monitor.check.outcome import PageOutcome, PairOutcome
from monitor.config.model import AlertRules
from monitor.diff.changes import Change
from monitor.diff.policy import merge_languages, repeat_key
from monitor.normalize.record import TrialRecord
from monitor.registries.base import Registry
from monitor.store import ListingEntry, TrialRow


class Notifier:
    """Turns outcomes into events; does nothing without channels."""

    def __init__(self, queue: AlertQueue | None, registries: Mapping[str, Registry], *,
                 failure_threshold: int,
                 rules_for: Callable[[TrialRow], AlertRules] | None = None) -> None:
        self.queue = queue
        self.registries = registries
        self.failure_threshold = failure_threshold
        self.rules_for = rules_for

    def _rules(self, row: TrialRow) -> AlertRules | None:
        if self.queue is None:
            return None
        return self.rules_for(row) if self.rules_for else self.queue.settings.rules

    def page_url(self, row: TrialRow, language: str | None = None) -> str | None:
        registry = self.registries.get(row.registry)
        if registry is None:
            return None
        languages = registry.settings.languages
        try:
            return registry.page_url(row.ref(), language or languages[0])
        except ValueError:
            return None

    def trial_checked(self, before: TrialRow, after: TrialRow,
                      outcomes: Sequence[PageOutcome]) -> None:
        queue, rules = self.queue, self._rules(after)
        if queue is None or rules is None:
            return
        now = queue.now()
        url = next((o.url for o in outcomes if o.url), None) or self.page_url(after)
        changes = merge_languages(
            (o.language or "", o.changes) for o in outcomes if o.outcome == "changed")
        selected = [change for change in select_changes(changes, rules)
                    if not self._told_on_another_page(after, change, outcomes)]
        label = next((o.label for o in outcomes if o.record), after.label)
        if selected:
            queue.enqueue(changed_event(registry=after.registry, trial_id=label, url=url,
                                        title=after.title, detected_at=now,
                                        changes=selected), after.id)
        threshold = self.failure_threshold
        if before.consecutive_failures < threshold <= after.consecutive_failures:
            queue.enqueue(failing_event(registry=after.registry, trial_id=label, url=url,
                                        detected_at=now, failures=after.consecutive_failures,
                                        error=after.last_error), after.id)
        elif before.consecutive_failures >= threshold and after.consecutive_failures == 0:
            queue.enqueue(recovered_event(registry=after.registry, trial_id=label, url=url,
                                          detected_at=now), after.id)
        if before.overdue_since and not after.overdue_since:
            queue.enqueue(overdue_recovered_event(registry=after.registry, trial_id=label,
                                                  url=url, detected_at=now,
                                                  overdue_since=before.overdue_since),
                          after.id)

    def _told_on_another_page(self, row: TrialRow, change: Change,
                              outcomes: Sequence[PageOutcome]) -> bool:
        """A canonical change this check found on one language page that another page of
        the trial already showed in an earlier check (the registry updated its pages a
        day apart): alerted once, then."""
        key = repeat_key(change)
        if key is None or self.queue is None:
            return False
        store = self.queue.store
        checked = {o.language for o in outcomes if o.outcome == "changed"}
        for language in store.versions.languages(row.id):
            if language in checked:
                continue
            latest = store.versions.latest(row.id, language)
            if latest and any(repeat_key(c) == key
                              for c in store.versions.changes(latest.id)):
                return True
        return False

    def pair_changed(self, outcome: PairOutcome, record_a: TrialRecord,
                     record_b: TrialRecord) -> None:
        rules = self._rules(outcome.a)
        if self.queue is None or rules is None:
            return
        changes = [Change(f"consistency.{d.field}", None, d.values, d.severity)
                   for d in outcome.opened]
        changes += [Change(f"consistency.{row.field}", row.values, None, row.severity)
                    for row in outcome.closed]
        if not select_changes(changes, rules):
            return
        trials = [{"registry": row.registry, "trial_id": record.trial_id,
                   "url": record.url, "title": record.title_scientific or record.title_public}
                  for row, record in ((outcome.a, record_a), (outcome.b, record_b))]
        opened = [{"field": d.field, "values": d.values, "severity": d.severity.value}
                  for d in outcome.opened]
        resolved = [{"field": row.field, "values": row.values, "severity": row.severity.value}
                    for row in outcome.closed
                    if not any(d.field == row.field for d in outcome.opened)]
        self.queue.enqueue(consistency_event(trials=trials, detected_at=self.queue.now(),
                                             opened=opened, resolved=resolved), outcome.a.id)

    def trial_overdue(self, row: TrialRow, interval: float) -> None:
        if self.queue is None:
            return
        self.queue.enqueue(overdue_event(
            registry=row.registry, trial_id=row.label, url=self.page_url(row),
            detected_at=self.queue.now(), last_success_at=row.last_success_at,
            interval=interval), row.id)

    def host_changed(self, kind: str, *, host: str, registry: str | None,
                     until: str | None = None, reason: str | None = None,
                     since: str | None = None) -> None:
        if self.queue is None:
            return
        self.queue.enqueue(host_event(kind, host=host, registry=registry,
                                      detected_at=self.queue.now(), until=until,
                                      reason=reason, since=since))

    def listing_changed(self, kind: str, *, registry: str, url: str,
                        error: str | None = None, failures: int | None = None) -> None:
        if self.queue is None:
            return
        self.queue.enqueue(listing_event(kind, registry=registry, url=url,
                                         detected_at=self.queue.now(), error=error,
                                         failures=failures))

    def registered(self, query: str, entry: ListingEntry, url: str | None) -> None:
        if self.queue is None:
            return
        self.queue.enqueue(registered_event(
            query=query, registry=entry.registry, trial_id=entry.trial_id,
            title=entry.title_en or entry.title_public_en or entry.title_ja,
            title_ja=entry.title_ja or entry.title_public_ja, status=entry.status, url=url,
            conditions=entry.conditions_en or entry.conditions_ja,
            date_registered=entry.date_registered, detected_at=self.queue.now()))

