"""Field-by-field differences between two versions of a trial record."""

from monitor.diff.changes import (
    DEFAULT_SEVERITY_RULES,
    SEVERITIES,
    Change,
    diff_versions,
    flatten_fields,
    severity_of,
)

__all__ = [
    "DEFAULT_SEVERITY_RULES",
    "SEVERITIES",
    "Change",
    "diff_versions",
    "flatten_fields",
    "severity_of",
]
