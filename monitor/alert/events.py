"""The alert events, as plain JSON-ready dicts: what every channel renders, and what a
webhook receives as is.

- ``trial.changed``: ``changes`` in the shape of ``diff --format json``;
- ``consistency.changed``: two linked records started or stopped disagreeing;
- ``trial.fetch_failing`` / ``trial.recovered``: a failure episode opens and closes;
- ``trial.overdue`` / ``trial.overdue_recovered``: a watch not checked successfully in
  twice its interval, and its first success after that;
- ``registry.blocked`` / ``registry.unblocked``: a host refused us / answers again;
- ``listing.failing`` / ``listing.recovered``: a registry's bulk listing cannot be read;
- ``trial.registered``: a trial new to the registry matched a ``[[query]]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monitor.diff.changes import Change

Event = dict[str, Any]


def changed_event(*, registry: str, trial_id: str, url: str | None, title: str | None,
                  detected_at: str, changes: Sequence[Change]) -> Event:
    return {"event": "trial.changed", "registry": registry, "trial_id": trial_id,
            "url": url, "title": title, "detected_at": detected_at,
            "changes": [change.to_dict() for change in changes]}


def consistency_event(*, trials: Sequence[dict[str, Any]], detected_at: str,
                      opened: Sequence[dict[str, Any]], resolved: Sequence[dict[str, Any]]
                      ) -> Event:
    """``trials``: ``{registry, trial_id, url, title}`` of both records; ``opened`` and
    ``resolved``: ``{field, values: {registry: value}, severity}``."""
    first = trials[0]
    return {"event": "consistency.changed", "registry": first["registry"],
            "trial_id": first["trial_id"], "url": first.get("url"),
            "title": first.get("title"), "trials": list(trials), "detected_at": detected_at,
            "opened": list(opened), "resolved": list(resolved)}


def failing_event(*, registry: str, trial_id: str, url: str | None, detected_at: str,
                  failures: int, error: str | None) -> Event:
    return {"event": "trial.fetch_failing", "registry": registry, "trial_id": trial_id,
            "url": url, "detected_at": detected_at, "consecutive_failures": failures,
            "error": error}


def recovered_event(*, registry: str, trial_id: str, url: str | None,
                    detected_at: str) -> Event:
    return {"event": "trial.recovered", "registry": registry, "trial_id": trial_id,
            "url": url, "detected_at": detected_at}


def overdue_event(*, registry: str, trial_id: str, url: str | None, detected_at: str,
                  last_success_at: str | None, interval: float) -> Event:
    return {"event": "trial.overdue", "registry": registry, "trial_id": trial_id,
            "url": url, "detected_at": detected_at, "last_success_at": last_success_at,
            "interval_seconds": interval}


def overdue_recovered_event(*, registry: str, trial_id: str, url: str | None,
                            detected_at: str, overdue_since: str) -> Event:
    return {"event": "trial.overdue_recovered", "registry": registry, "trial_id": trial_id,
            "url": url, "detected_at": detected_at, "overdue_since": overdue_since}


def host_event(kind: str, *, host: str, registry: str | None, detected_at: str,
               until: str | None = None, reason: str | None = None,
               since: str | None = None) -> Event:
    """``registry.blocked`` (``until``: when the next probe may go) or
    ``registry.unblocked`` (``since``: when the episode began)."""
    event: Event = {"event": kind, "host": host, "registry": registry,
                    "detected_at": detected_at}
    if until is not None:
        event["until"] = until
    if reason is not None:
        event["reason"] = reason
    if since is not None:
        event["since"] = since
    return event


def listing_event(kind: str, *, registry: str, url: str, detected_at: str,
                  error: str | None = None, failures: int | None = None) -> Event:
    event: Event = {"event": kind, "registry": registry, "url": url,
                    "detected_at": detected_at}
    if error is not None:
        event["error"] = error
    if failures is not None:
        event["consecutive_failures"] = failures
    return event


def registered_event(*, query: str, registry: str, trial_id: str, title: str | None,
                     title_ja: str | None, status: str | None, url: str | None,
                     conditions: Sequence[str], date_registered: str | None,
                     detected_at: str) -> Event:
    return {"event": "trial.registered", "query": query, "registry": registry,
            "trial_id": trial_id, "title": title, "title_ja": title_ja, "status": status,
            "url": url, "conditions": list(conditions), "date_registered": date_registered,
            "detected_at": detected_at}


def sample_event(detected_at: str) -> Event:
    """What ``alerts test`` sends: a realistic change of the seed trial."""
    from monitor.diff.severity import Severity

    return changed_event(
        registry="umin", trial_id="UMIN000041461",
        url="https://center6.umin.ac.jp/cgi-open-bin/ctr_e/ctr_view.cgi?recptno=R000047329",
        title="(test alert from ctr-monitor) LS-ABMSC1 in decompensated liver cirrhosis",
        detected_at=detected_at,
        changes=[Change("status", "recruiting", "active_not_recruiting", Severity.HIGH),
                 Change("date_last_modified", "2025-03-03", "2025-06-10", Severity.MEDIUM)])
