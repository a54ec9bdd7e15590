"""The alert events, as plain JSON-ready dicts: what every channel renders.

``trial.changed`` carries the change list in the same shape as ``diff --format json``;
``trial.fetch_failing`` and ``trial.recovered`` open and close a failure episode.
"""

from __future__ import annotations

from typing import Any

from monitor.diff.changes import Change
from monitor.report.render import short

SEVERITY_ORDER = ("high", "medium", "low")


def changed_event(*, registry: str, trial_id: str, url: str | None, title: str | None,
                  detected_at: str, changes: list[Change]) -> dict[str, Any]:
    return {"event": "trial.changed", "registry": registry, "trial_id": trial_id,
            "url": url, "title": title, "detected_at": detected_at,
            "changes": [change.to_dict() for change in changes]}


def failing_event(*, registry: str, trial_id: str, url: str | None, detected_at: str,
                  failures: int, error: str | None) -> dict[str, Any]:
    return {"event": "trial.fetch_failing", "registry": registry, "trial_id": trial_id,
            "url": url, "detected_at": detected_at, "consecutive_failures": failures,
            "error": error}


def recovered_event(*, registry: str, trial_id: str, url: str | None,
                    detected_at: str) -> dict[str, Any]:
    return {"event": "trial.recovered", "registry": registry, "trial_id": trial_id,
            "url": url, "detected_at": detected_at}


def overdue_event(*, registry: str, trial_id: str, url: str | None, detected_at: str,
                  last_success_at: str | None, interval: float) -> dict[str, Any]:
    return {"event": "trial.overdue", "registry": registry, "trial_id": trial_id,
            "url": url, "detected_at": detected_at, "last_success_at": last_success_at,
            "interval_seconds": interval}


def sample_event(detected_at: str) -> dict[str, Any]:
    """What ``alerts test`` sends: a realistic change of the seed trial."""
    return changed_event(
        registry="umin", trial_id="UMIN000041461",
        url="https://center6.umin.ac.jp/cgi-open-bin/ctr_e/ctr_view.cgi?recptno=R000047329",
        title="(test alert from ctr-monitor) LS-ABMSC1 in decompensated liver cirrhosis",
        detected_at=detected_at,
        changes=[Change("status", "recruiting", "active_not_recruiting", "high"),
                 Change("date_last_modified", "2025-03-03", "2025-06-10", "medium")])


def headline(event: dict[str, Any]) -> str:
    """One line naming the trial and the most severe change: the e-mail subject, the
    chat message's first line."""
    trial = f"{event['trial_id']} ({event['registry']})"
    kind = event["event"]
    if kind == "trial.fetch_failing":
        return (f"{trial}: checks failing ({event['consecutive_failures']} in a row) — "
                f"{_one_line(event.get('error') or '')}")
    if kind == "trial.recovered":
        return f"{trial}: checks recovered"
    if kind == "trial.overdue":
        return (f"{trial}: not checked successfully since "
                f"{event.get('last_success_at') or 'it was added'} — is the monitor stuck?")
    changes = sorted(event["changes"], key=lambda c: SEVERITY_ORDER.index(c["severity"]))
    if not changes:
        return f"{trial}: changed"
    top = changes[0]
    more = len(changes) - 1
    text = (f"{trial}: {top['field']} {short(top['old'])} → {short(top['new'])}"
            f"{f' (+{more} more)' if more else ''}")
    return _one_line(text)


def _one_line(text: str) -> str:
    return " ".join(text.split())
