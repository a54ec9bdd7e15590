"""Differences between versions of a trial record, how much they matter, and where
linked records in two registries disagree."""

from monitor.diff.changes import CONSISTENCY_FIELDS, Change, flatten_fields
from monitor.diff.policy import DiffPolicy, merge_languages
from monitor.diff.severity import SEVERITIES, Severity

__all__ = [
    "CONSISTENCY_FIELDS",
    "SEVERITIES",
    "Change",
    "DiffPolicy",
    "Severity",
    "flatten_fields",
    "merge_languages",
]
