"""Alert rules: a change alerts when it is severe enough and on a field the user cares
about. Rules are configuration (``[alerts]``, per-watch ``alert_*`` overrides)."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase

from monitor.config.model import AlertRules
from monitor.diff.changes import Change


def select_changes(changes: Iterable[Change], rules: AlertRules) -> list[Change]:
    """The changes that alert under ``rules``, in their order."""
    return [
        change for change in changes
        if change.severity.at_least(rules.min_severity)
        and any(fnmatchcase(change.field, glob) for glob in rules.fields)
        and not any(fnmatchcase(change.field, glob) for glob in rules.exclude_fields)
    ]
