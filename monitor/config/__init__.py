"""The config file: TOML → typed settings, validated up front, one-line errors.

The core's sections are read in ``load.py``; each registry and each alert channel
declares and reads its own section beside its code.
"""

from monitor.config.load import (
    DEFAULT_PATH,
    build_config,
    check_field_globs,
    environment_problems,
    load_config,
)
from monitor.config.model import (
    AlertRules,
    AlertSettings,
    Config,
    ConsistencyRules,
    OverdueRules,
    Query,
    ReportSettings,
    ScheduleSettings,
    Watch,
)
from monitor.config.section import Section, format_duration, parse_duration

__all__ = [
    "DEFAULT_PATH",
    "AlertRules",
    "AlertSettings",
    "Config",
    "ConsistencyRules",
    "OverdueRules",
    "Query",
    "ReportSettings",
    "ScheduleSettings",
    "Section",
    "Watch",
    "build_config",
    "check_field_globs",
    "environment_problems",
    "format_duration",
    "load_config",
    "parse_duration",
]
