"""The validated configuration, as plain typed values.

Registries and alert channels contribute their own settings types (declared beside their
code); the core's are here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.diff.severity import Severity


@dataclass(frozen=True)
class AlertRules:
    """Which changes alert: at least ``min_severity``, on a field matching ``fields``
    and none of ``exclude_fields`` (globs on change field names)."""

    min_severity: Severity = Severity.MEDIUM
    fields: tuple[str, ...] = ("*",)
    exclude_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class AlertSettings:
    rules: AlertRules = AlertRules()
    failure_threshold: int = 3
    max_age: float = 2 * 86400.0
    retry_base: float = 60.0
    language: str = "en"
    channels: tuple[Any, ...] = ()  # each channel type's own settings object


@dataclass(frozen=True)
class Watch:
    """One ``[[watch]]`` entry: the trial as written, and its per-watch overrides."""

    id: str
    languages: tuple[str, ...] | None = None
    interval: float | None = None
    note: str = ""
    alert_rules: AlertRules | None = None


@dataclass(frozen=True)
class Query:
    """One ``[[query]]``: newly registered trials whose titles or conditions contain
    ``text`` (any of ``statuses`` when given) are announced, and watched if ``auto_watch``."""

    name: str
    text: str
    statuses: tuple[str, ...] = ()
    auto_watch: bool = False


@dataclass(frozen=True)
class ScheduleSettings:
    interval: float = 6 * 3600.0
    jitter: float = 600.0
    workers: int = 4


@dataclass(frozen=True)
class ConsistencyRules:
    max_days_apart: int = 180  # last-modified dates further apart than this disagree
    min_title_similarity: float = 0.7


@dataclass(frozen=True)
class OverdueRules:
    stale_after_days: int = 365  # not modified for longer while not completed
    completion_grace_days: int = 0  # recruiting this long past the completion date


@dataclass(frozen=True)
class ReportSettings:
    feed_url: str | None = None  # where the Atom feed is published (its rel="self")
    language: str = "en"


@dataclass(frozen=True)
class Config:
    path: Path | None
    database: Path
    http: Any  # monitor.fetch.HttpSettings
    registries: dict[str, Any]  # registry name → its settings
    follow_links: bool = True
    keep_fetch_log: float = 90 * 86400.0
    schedule: ScheduleSettings = ScheduleSettings()
    severity_rules: tuple[tuple[str, Severity], ...] = ()
    watches: tuple[Watch, ...] = ()
    queries: tuple[Query, ...] = ()
    consistency: ConsistencyRules = ConsistencyRules()
    alerts: AlertSettings = AlertSettings()
    overdue: OverdueRules = OverdueRules()
    report: ReportSettings = ReportSettings()
    notes: tuple[str, ...] = field(default=())  # deprecations worth a log line
