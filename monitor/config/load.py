"""Load the config file: TOML, validated up front, with one-line errors naming the key.

Every key has a default, so a config only says what differs. The core reads its own
sections here; each registry reads its section (``[umin]``, ``[jrct]``…) and each alert
channel its table (``[[alerts.webhook]]``…) through the code that declares it, found in
``REGISTRY_TYPES`` and ``CHANNEL_TYPES``. Paths are relative to the config file, so a
config means the same wherever the command runs from.
"""

from __future__ import annotations

import os
import re
import tomllib
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

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
from monitor.config.section import Section, format_duration, is_loopback_url
from monitor.diff.severity import SEVERITIES, Severity
from monitor.errors import ConfigError

DEFAULT_PATH = Path("config.toml")
DEFAULT_DATABASE = "ctr-monitor.db"
LANGUAGES = ("en", "ja")
_CORE_SECTIONS = ("storage", "http", "links", "schedule", "severity", "watch", "query",
                  "consistency", "overdue", "alerts", "report")


def load_config(path: str | Path | None = None) -> Config:
    """Read and validate the config; the default path may be absent (defaults apply)."""
    config_path = Path(path) if path is not None else DEFAULT_PATH
    explicit = path is not None
    if not config_path.exists():
        if explicit:
            raise ConfigError(f"config file {config_path} not found: pass --config PATH, "
                              "or copy config.toml from the project")
        return build_config({}, None)
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{config_path} is not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read config {config_path}: {error}") from None
    return build_config(data, config_path)


def build_config(data: dict[str, Any], path: Path | None) -> Config:
    where = f"{path}: " if path else ""
    try:
        return _build(data, path)
    except ConfigError as error:
        raise ConfigError(f"{where}{error}") from None


def _build(data: dict[str, Any], path: Path | None) -> Config:
    from monitor.alert.channels import CHANNEL_TYPES
    from monitor.registries import REGISTRY_TYPES

    known = (*_CORE_SECTIONS, *REGISTRY_TYPES)
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"unknown section [{unknown[0]}]; allowed: "
                          + ", ".join(f"[{name}]" for name in sorted(known)))
    base = path.parent if path else Path.cwd()
    notes: list[str] = []

    storage = Section(data.get("storage"), "[storage]")
    database = _database_path(storage, base)
    keep_fetch_log = storage.duration("keep_fetch_log", "90d", minimum=86400,
                                      floor_reason="the fetch log keeps at least a day")
    storage.finish()

    http_section = Section(data.get("http"), "[http]")
    http, http_min_interval = _http(http_section)

    links = Section(data.get("links"), "[links]")
    follow_links = links.boolean("follow", True)
    registries: dict[str, Any] = {}
    for name, registry_type in REGISTRY_TYPES.items():  # each reads its own section
        section = Section(data.get(name), f"[{name}]")
        if section.has("follow_links"):  # its home before [links] existed
            follow_links = section.boolean("follow_links", True)
            notes.append(f"[{name}] follow_links is deprecated: write [links] follow instead")
        registries[name] = registry_type.read_settings(section, http_min_interval)
        section.finish()
    links.finish()
    local = all(is_loopback_url(settings.base_url) for settings in registries.values())

    schedule = _schedule(Section(data.get("schedule"), "[schedule]"), local)
    severity_rules = _severity_rules(Section(data.get("severity"), "[severity]"))
    watches = tuple(_watch(section, local) for section in _array(data, "watch"))
    queries = _queries(data, registries)
    consistency = _consistency(Section(data.get("consistency"), "[consistency]"))
    overdue = _overdue(Section(data.get("overdue"), "[overdue]"))
    alerts = _alerts(Section(data.get("alerts"), "[alerts]"), CHANNEL_TYPES)
    report = _report(Section(data.get("report"), "[report]"))
    return Config(path=path, database=database, http=http, registries=registries,
                  follow_links=follow_links, keep_fetch_log=keep_fetch_log,
                  schedule=schedule, severity_rules=severity_rules, watches=watches,
                  queries=queries, consistency=consistency, alerts=alerts,
                  overdue=overdue, report=report, notes=tuple(notes))


def _database_path(storage: Section, base: Path) -> Path:
    database = storage.text("database", DEFAULT_DATABASE)
    database_path = Path(database).expanduser()
    if not database_path.is_absolute():
        database_path = base / database_path
    for parent in database_path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise storage.error("database", database,
                                    f"{parent} is a file, not a folder: choose another path")
            break
    if database_path.is_dir():
        raise storage.error("database", database, "that is a folder: name a file in it")
    return database_path


def _http(section: Section) -> tuple[Any, float | None]:
    from monitor.fetch.settings import DEFAULT_USER_AGENT, HttpSettings

    user_agent = section.text("user_agent", DEFAULT_USER_AGENT)
    timeout = section.duration("timeout", "30s", minimum=1, maximum=600)
    deadline = section.duration("deadline", "90s", minimum=timeout, maximum=3600,
                                floor_reason="no less than [http] timeout")
    max_wait = (section.duration("max_wait", "60s", maximum=deadline) if section.has("max_wait")
                else min(60.0, deadline / 2))
    # Its floor depends on the registries' hosts: each registry checks the value it gets.
    min_interval = (section.duration("min_interval", "5s") if section.has("min_interval")
                    else None)
    settings = HttpSettings(
        user_agent=user_agent,
        timeout=timeout,
        deadline=deadline,
        min_interval=min_interval if min_interval is not None else 5.0,
        max_retries=section.integer("max_retries", 3, minimum=0, maximum=10),
        max_wait=max_wait,
        block_cooldown=section.duration("block_cooldown", "15m", minimum=60, maximum=86400),
        max_page_bytes=section.integer("max_page_bytes", HttpSettings.max_page_bytes,
                                       minimum=100_000, maximum=50_000_000),
    )
    section.finish()
    return settings, min_interval


def _schedule(section: Section, local: bool) -> ScheduleSettings:
    floor = 1.0 if local else 60.0
    interval = section.duration("interval", "6h", minimum=floor, maximum=365 * 86400,
                                floor_reason="to be polite to the registries")
    jitter = section.duration("jitter", "10m", maximum=365 * 86400)
    if jitter > interval:
        raise section.error("jitter", section.raw("jitter"),
                            f"no longer than [schedule] interval ({format_duration(interval)})")
    workers = section.integer("workers", 4, minimum=1, maximum=32)
    section.finish()
    return ScheduleSettings(interval=interval, jitter=jitter, workers=workers)


def _severity_rules(section: Section) -> tuple[tuple[str, Severity], ...]:
    rules = []
    for pattern, level in section.items():
        severity = Severity.parse(level)
        if severity is None:
            raise ConfigError(f"[severity] {pattern!r} = {level!r}: expected one of "
                              + ", ".join(SEVERITIES))
        check_field_globs([pattern], f"[severity] {pattern!r}")
        rules.append((pattern, severity))
    return tuple(rules)


def _array(data: dict[str, Any], name: str) -> list[Section]:
    value = data.get(name, [])
    if not isinstance(value, list):
        raise ConfigError(f"{name} must be written [[{name}]] (an array of tables)")
    return [Section(item, f"[[{name}]] #{number}") for number, item in enumerate(value, 1)]


def _watch(section: Section, local: bool) -> Watch:
    trial = section.text("id", required='"UMIN000041461" (or R…, jRCT…, a page URL)')
    languages = (section.string_list("languages", (), allowed=LANGUAGES, what="languages")
                 if section.has("languages") else None)
    interval = (section.duration("interval", "6h", minimum=1.0 if local else 60.0,
                                 maximum=365 * 86400,
                                 floor_reason="to be polite to the registries")
                if section.has("interval") else None)
    note = str(section.raw("note", ""))
    rules = None
    if any(section.has(key) for key in ("alert_min_severity", "alert_fields",
                                        "alert_exclude_fields")):
        rules = _alert_rules(section, prefix="alert_")
    section.finish()
    return Watch(id=trial, languages=languages, interval=interval, note=note,
                 alert_rules=rules)


def _queries(data: dict[str, Any], registries: dict[str, Any]) -> tuple[Query, ...]:
    from monitor.normalize.record import STATUSES

    queries: list[Query] = []
    for section in _array(data, "query"):
        name = section.text("name", required='"liver cirrhosis" (how the query is shown)')
        if any(query.name == name for query in queries):
            raise section.error("name", name, "each [[query]] needs a name of its own")
        text = section.text("text", required='"肝硬変" (words looked for in titles and '
                                             "conditions)")
        statuses = (section.string_list("status", (), allowed=STATUSES, what="statuses")
                    if section.has("status") else ())
        queries.append(Query(name=name, text=text, statuses=statuses,
                             auto_watch=section.boolean("auto_watch", False)))
        section.finish()
    return tuple(queries)


def _consistency(section: Section) -> ConsistencyRules:
    rules = ConsistencyRules(
        max_days_apart=section.integer("max_days_apart", 180, minimum=0, maximum=36500),
        min_title_similarity=section.number("min_title_similarity", 0.7, minimum=0,
                                            maximum=1))
    section.finish()
    return rules


def _overdue(section: Section) -> OverdueRules:
    rules = OverdueRules(
        stale_after_days=round(section.duration("stale_after", "365d") / 86400),
        completion_grace_days=round(section.duration("completion_grace", "0d") / 86400))
    section.finish()
    return rules


def _report(section: Section) -> ReportSettings:
    settings = ReportSettings(
        feed_url=section.url("feed_url", "https://x") if section.has("feed_url") else None,
        language=section.choice("language", "en", LANGUAGES))
    section.finish()
    return settings


def _alert_rules(section: Section, prefix: str = "") -> AlertRules:
    key = f"{prefix}min_severity"
    severity = Severity.parse(section.raw(key, "medium"))
    if severity is None:
        raise section.error(key, section.raw(key), "expected one of " + ", ".join(SEVERITIES))
    fields = section.string_list(f"{prefix}fields", ("*",), what="field names or globs "
                                 'such as ["status", "fields.Eligibility.*"]')
    exclude = section.string_list(f"{prefix}exclude_fields", (), non_empty=False,
                                  what="field names or globs")
    check_field_globs(fields, section.key(f"{prefix}fields"))
    check_field_globs(exclude, section.key(f"{prefix}exclude_fields"))
    return AlertRules(min_severity=severity, fields=fields, exclude_fields=exclude)


def _alerts(section: Section, channel_types: dict[str, Any]) -> AlertSettings:
    rules = _alert_rules(section)
    channels: list[Any] = []
    for key, channel_type in channel_types.items():
        subsections = section.tables(key) if channel_type.repeatable else \
            [s for s in [section.table(key)] if s is not None]
        for number, subsection in enumerate(subsections, 1):
            channels.append(channel_type.read_settings(subsection, number))
            subsection.finish()
    names = [getattr(settings, "key", "") for settings in channels]
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate:
        raise ConfigError(f"two alert channels are both named {duplicate.split(':', 1)[-1]!r}:"
                          " give each its own name")
    settings = AlertSettings(
        rules=rules,
        failure_threshold=section.integer("failure_threshold", 3, minimum=1, maximum=1000),
        max_age=section.duration("max_age", "2d", minimum=60, maximum=365 * 86400),
        retry_base=section.duration("retry_base", "1m", minimum=1, maximum=86400),
        language=section.choice("language", "en", LANGUAGES),
        channels=tuple(channels))
    section.finish()
    return settings


def check_field_globs(globs: tuple[str, ...] | list[str], key: str) -> None:
    """A glob must be able to match a change's field: a canonical field, a consistency
    field, or a raw field (``fields.<section>.<label>``). ``statsu`` matches nothing, so
    a rule with it would never fire."""
    from monitor.diff.changes import CONSISTENCY_FIELDS
    from monitor.normalize.record import CANONICAL_FIELDS

    names = (*CANONICAL_FIELDS, *(f"consistency.{name}" for name in CONSISTENCY_FIELDS))
    for glob in globs:
        if glob.startswith(("fields.", "*", "?", "[")) or glob == "fields":
            continue
        if not any(fnmatchcase(name, glob) for name in names):
            raise ConfigError(
                f"{key}: {glob!r} matches no field; fields are "
                + ", ".join(n for n in CANONICAL_FIELDS if n not in ("registry", "url"))
                + ", consistency.<field> or fields.<section>.<label> (globs allowed)")


def environment_problems(config: Config, env: Any = os.environ) -> list[str]:
    """One line per configured secret whose environment variable is unset or empty:
    found at start, not when the first alert fails."""
    from monitor.alert.channels import CHANNEL_TYPES

    problems = []
    for settings in config.alerts.channels:
        channel_type = CHANNEL_TYPES[settings.kind]
        for variable, what in channel_type.secrets(settings):
            value = (env.get(variable) or "").strip()
            where = f"environment variable {variable} ({what} of " \
                    f"{channel_type.describe_settings(settings)})"
            if not value:
                problems.append(f"{where} is {'empty' if variable in env else 'not set'}: "
                                "set it, or remove the channel from the config")
            elif "URL" in what and not re.match(r"^[a-z][a-z0-9+.-]*://\S+$", value,
                                                 re.IGNORECASE):
                problems.append(f"{where} is not a URL (it should read like "
                                "https://example.org/hook): fix it")
            elif "URL" in what and channel_type.kind == "webhook" and \
                    not value.lower().startswith(("https://", "http://")):
                problems.append(f"{where} is not an http(s) URL: fix it")
    return problems
