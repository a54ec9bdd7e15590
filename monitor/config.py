"""The config file: TOML, validated up front, with one-line errors naming the key.

Every key has a default, so a config only says what differs. Unknown keys are errors
(a typo silently ignored is a setting the user thinks they have). Paths are relative
to the config file, so a config means the same wherever the command runs from.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.diff.changes import SEVERITIES
from monitor.diff.consistency import ConsistencyRules
from monitor.errors import ConfigError
from monitor.fetch.client import DEFAULT_USER_AGENT, HttpSettings
from monitor.report.overdue import OverdueRules

DEFAULT_PATH = Path("config.toml")
DEFAULT_DATABASE = "ctr-monitor.db"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}

_ALLOWED: dict[str, set[str]] = {
    "storage": {"database"},
    "http": {"user_agent", "timeout", "min_interval", "max_retries", "max_wait"},
    "umin": {"base_url", "languages"},
    "jrct": {"base_url", "languages", "follow_links"},
    "schedule": {"interval", "jitter", "workers"},
    "severity": set(),  # any field glob
    "watch": {"id", "languages", "interval", "note", "alert_min_severity", "alert_fields",
              "alert_exclude_fields"},
    "consistency": {"max_days_apart", "min_title_similarity"},
    "overdue": {"stale_after", "completion_grace"},
    "alerts": {"min_severity", "fields", "exclude_fields", "failure_threshold", "max_age",
               "retry_base", "webhook", "email", "apprise"},
}
_WEBHOOK_KEYS = {"url", "url_env", "secret_env", "format", "name", "timeout"}
_EMAIL_KEYS = {"host", "port", "starttls", "ssl", "username", "password_env", "from", "to",
               "timeout"}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class AlertRules:
    """Which changes alert: at least ``min_severity``, on a field matching ``fields``
    and none of ``exclude_fields`` (globs on change field names)."""

    min_severity: str = "medium"
    fields: tuple[str, ...] = ("*",)
    exclude_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class WebhookSettings:
    name: str
    url: str | None = None
    url_env: str | None = None
    secret_env: str | None = None
    format: str = "json"
    timeout: float = 10.0


@dataclass(frozen=True)
class AppriseSettings:
    """Any notification URL of the apprise library (Slack, Teams, Discord, Telegram…),
    read from an environment variable: such URLs carry their service's token."""

    name: str
    url_env: str


@dataclass(frozen=True)
class EmailSettings:
    host: str
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    username: str | None = None
    password_env: str | None = None
    sender: str = ""
    to: tuple[str, ...] = ()
    timeout: float = 30.0


@dataclass(frozen=True)
class AlertSettings:
    rules: AlertRules = AlertRules()
    failure_threshold: int = 3
    max_age: float = 2 * 86400
    retry_base: float = 60.0
    webhooks: tuple[WebhookSettings, ...] = ()
    email: EmailSettings | None = None
    apprise: tuple[AppriseSettings, ...] = ()
_LANGUAGES = ("en", "ja")


@dataclass(frozen=True)
class Watch:
    """One ``[[watch]]`` entry: the trial as written, and its per-watch overrides."""

    id: str
    languages: tuple[str, ...] | None = None
    interval: float | None = None
    note: str = ""
    alert_rules: AlertRules | None = None


@dataclass
class Config:
    path: Path | None
    database: Path
    http: HttpSettings
    registries: dict[str, dict[str, Any]]
    follow_links: bool = True
    interval: float = 6 * 3600
    jitter: float = 600
    workers: int = 4
    severity_rules: list[tuple[str, str]] = field(default_factory=list)
    watches: list[Watch] = field(default_factory=list)
    consistency: ConsistencyRules = field(default_factory=ConsistencyRules)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    overdue: OverdueRules = field(default_factory=OverdueRules)


def parse_duration(value: Any, key: str) -> float:
    """Seconds from ``30s``, ``10m``, ``6h``, ``1d``, ``500ms`` or a bare number."""
    if isinstance(value, bool):
        raise ConfigError(f"{key} = {value!r}: expected a duration such as 30s, 10m, 6h or 1d")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ConfigError(f"{key} = {value!r}: expected a duration such as 30s, 10m, 6h "
                              "or 1d")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds < 0:
        raise ConfigError(f"{key} = {value!r}: a duration cannot be negative")
    return seconds


def load_config(path: str | Path | None = None) -> Config:
    """Read and validate the config; the default path may be absent (defaults apply)."""
    explicit = path is not None
    config_path = Path(path) if explicit else DEFAULT_PATH
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


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise ConfigError(f"[{name}] must be a table")
    unknown = set(section) - _ALLOWED[name] if _ALLOWED[name] else set()
    if unknown:
        raise ConfigError(f"unknown key {sorted(unknown)[0]!r} in [{name}]; allowed: "
                          + ", ".join(sorted(_ALLOWED[name])))
    return section


def _languages(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if (not isinstance(value, list) or not value
            or any(item not in _LANGUAGES for item in value)):
        raise ConfigError(f"{key} = {value!r}: expected a list drawn from {list(_LANGUAGES)}")
    return tuple(dict.fromkeys(value))


def _url(value: Any, key: str) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://[^/\s]+", value):
        raise ConfigError(f"{key} = {value!r}: expected an http(s) URL such as "
                          "https://center6.umin.ac.jp")
    return value.rstrip("/")


def _number(value: Any, key: str, *, minimum: float, integer: bool = False) -> float:
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or value < minimum:
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"{key} = {value!r}: expected {kind} >= {minimum:g}")
    return value


def _build(data: dict[str, Any], path: Path | None) -> Config:
    unknown = set(data) - set(_ALLOWED)
    if unknown:
        raise ConfigError(f"unknown section [{sorted(unknown)[0]}]; allowed: "
                          + ", ".join(f"[{name}]" for name in sorted(_ALLOWED)))
    base = path.parent if path else Path.cwd()

    storage = _section(data, "storage")
    database = storage.get("database", DEFAULT_DATABASE)
    if not isinstance(database, str) or not database.strip():
        raise ConfigError(f"[storage] database = {database!r}: expected a file path")
    database_path = Path(database).expanduser()
    if not database_path.is_absolute():
        database_path = base / database_path

    http = _section(data, "http")
    user_agent = http.get("user_agent", DEFAULT_USER_AGENT)
    if not isinstance(user_agent, str) or not user_agent.strip():
        raise ConfigError(f"[http] user_agent = {user_agent!r}: expected text naming "
                          "the tool and a contact")
    settings = HttpSettings(
        user_agent=user_agent.strip(),
        timeout=parse_duration(http.get("timeout", "30s"), "[http] timeout") or 30.0,
        min_interval=parse_duration(http.get("min_interval", "5s"), "[http] min_interval"),
        max_retries=int(_number(http.get("max_retries", 3), "[http] max_retries",
                                minimum=0, integer=True)),
        max_wait=parse_duration(http.get("max_wait", "5m"), "[http] max_wait"),
    )

    registries: dict[str, dict[str, Any]] = {}
    for name in ("umin", "jrct"):
        section = _section(data, name)
        options: dict[str, Any] = {}
        if "base_url" in section:
            options["base_url"] = _url(section["base_url"], f"[{name}] base_url")
        if "languages" in section:
            options["languages"] = _languages(section["languages"], f"[{name}] languages")
        registries[name] = options
    follow = _section(data, "jrct").get("follow_links", True)
    if not isinstance(follow, bool):
        raise ConfigError(f"[jrct] follow_links = {follow!r}: expected true or false")

    schedule = _section(data, "schedule")
    # Politeness is owed to the registries; a registry stand-in on this machine (tests,
    # local mirrors) may be checked as often as wanted.
    local = all(_is_loopback(options.get("base_url")) for options in registries.values())
    floor = 1.0 if local else 60.0
    interval = parse_duration(schedule.get("interval", "6h"), "[schedule] interval")
    if interval < floor:
        raise ConfigError(f"[schedule] interval = {schedule.get('interval')!r}: at least 1m, "
                          "to be polite to the registries")
    jitter = parse_duration(schedule.get("jitter", "10m"), "[schedule] jitter")
    workers = int(_number(schedule.get("workers", 4), "[schedule] workers", minimum=1,
                          integer=True))

    severity = _section(data, "severity")
    rules = []
    for pattern, level in severity.items():
        if level not in SEVERITIES:
            raise ConfigError(f"[severity] {pattern!r} = {level!r}: expected one of "
                              + ", ".join(SEVERITIES))
        rules.append((pattern, level))

    watches_data = data.get("watch", [])
    if not isinstance(watches_data, list):
        raise ConfigError("watch must be written [[watch]] (an array of tables)")
    watches = []
    for number, entry in enumerate(watches_data, start=1):
        if not isinstance(entry, dict):
            raise ConfigError(f"[[watch]] #{number} must be a table with id = \"…\"")
        unknown = set(entry) - _ALLOWED["watch"]
        if unknown:
            raise ConfigError(f"unknown key {sorted(unknown)[0]!r} in [[watch]] #{number}; "
                              "allowed: " + ", ".join(sorted(_ALLOWED["watch"])))
        trial = entry.get("id")
        if not isinstance(trial, str) or not trial.strip():
            raise ConfigError(f"[[watch]] #{number} needs id = \"UMIN…\" (or R…, a page URL)")
        watches.append(Watch(
            id=trial.strip(),
            languages=(_languages(entry["languages"], f"[[watch]] #{number} languages")
                       if "languages" in entry else None),
            interval=(_watch_interval(entry["interval"], f"[[watch]] #{number} interval",
                                      floor) if "interval" in entry else None),
            note=str(entry.get("note", "")),
            alert_rules=_watch_rules(entry, f"[[watch]] #{number}"),
        ))

    consistency = _section(data, "consistency")
    rules_consistency = ConsistencyRules(
        max_days_apart=int(_number(consistency.get("max_days_apart", 180),
                                   "[consistency] max_days_apart", minimum=0, integer=True)),
        min_title_similarity=float(_number(consistency.get("min_title_similarity", 0.6),
                                           "[consistency] min_title_similarity", minimum=0)),
    )
    if rules_consistency.min_title_similarity > 1:
        raise ConfigError("[consistency] min_title_similarity: expected a number from 0 to 1")

    return Config(path=path, database=database_path, http=settings, registries=registries,
                  follow_links=follow, interval=interval, jitter=jitter, workers=workers,
                  severity_rules=rules, watches=watches, consistency=rules_consistency,
                  alerts=_alerts(data), overdue=_overdue(data))


def _overdue(data: dict[str, Any]) -> OverdueRules:
    section = _section(data, "overdue")
    return OverdueRules(
        stale_after_days=round(parse_duration(section.get("stale_after", "365d"),
                                              "[overdue] stale_after") / 86400),
        completion_grace_days=round(parse_duration(section.get("completion_grace", "0d"),
                                                   "[overdue] completion_grace") / 86400))


def _is_loopback(url: str | None) -> bool:
    if not url:
        return False
    host = re.sub(r"^https?://", "", url).split("/")[0].rsplit(":", 1)[0].strip("[]")
    return host in ("localhost", "::1") or host.startswith("127.")


def _watch_interval(value: Any, key: str, floor: float) -> float:
    seconds = parse_duration(value, key)
    if seconds < floor:
        raise ConfigError(f"{key} = {value!r}: at least 1m, to be polite to the registries")
    return seconds


def _severity(value: Any, key: str) -> str:
    if value not in SEVERITIES:
        raise ConfigError(f"{key} = {value!r}: expected one of " + ", ".join(SEVERITIES))
    return value


def _globs(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{key} = {value!r}: expected a list of field names or globs "
                          'such as ["status", "fields.Eligibility.*"]')
    return tuple(value)


def _env_name(value: Any, key: str) -> str:
    if not isinstance(value, str) or not _ENV_NAME.match(value):
        raise ConfigError(f"{key} = {value!r}: expected the name of an environment variable "
                          "(the secret itself never goes in the config)")
    return value


def _watch_rules(entry: dict[str, Any], where: str) -> AlertRules | None:
    keys = ("alert_min_severity", "alert_fields", "alert_exclude_fields")
    if not any(k in entry for k in keys):
        return None
    return AlertRules(
        min_severity=_severity(entry.get("alert_min_severity", "medium"),
                               f"{where} alert_min_severity"),
        fields=_globs(entry.get("alert_fields", ["*"]), f"{where} alert_fields"),
        exclude_fields=_globs(entry.get("alert_exclude_fields", []),
                              f"{where} alert_exclude_fields")
        if "alert_exclude_fields" in entry else (),
    )


def _alerts(data: dict[str, Any]) -> AlertSettings:
    section = _section(data, "alerts")
    rules = AlertRules(
        min_severity=_severity(section.get("min_severity", "medium"), "[alerts] min_severity"),
        fields=_globs(section.get("fields", ["*"]), "[alerts] fields"),
        exclude_fields=(_globs(section["exclude_fields"], "[alerts] exclude_fields")
                        if "exclude_fields" in section else ()),
    )
    threshold = int(_number(section.get("failure_threshold", 3), "[alerts] failure_threshold",
                            minimum=1, integer=True))
    max_age = parse_duration(section.get("max_age", "2d"), "[alerts] max_age")
    retry_base = parse_duration(section.get("retry_base", "1m"), "[alerts] retry_base")
    hooks = section.get("webhook", [])
    if isinstance(hooks, dict):
        hooks = [hooks]
    if not isinstance(hooks, list):
        raise ConfigError("[[alerts.webhook]] must be written as an array of tables")
    webhooks = []
    for number, hook in enumerate(hooks, start=1):
        where = f"[[alerts.webhook]] #{number}"
        unknown = set(hook) - _WEBHOOK_KEYS
        if unknown:
            raise ConfigError(f"unknown key {sorted(unknown)[0]!r} in {where}; allowed: "
                              + ", ".join(sorted(_WEBHOOK_KEYS)))
        if ("url" in hook) == ("url_env" in hook):
            raise ConfigError(f"{where} needs url = \"https://…\" or url_env = \"VAR\" "
                              "(one of them)")
        url = _url(hook["url"], f"{where} url") if "url" in hook else None
        fmt = hook.get("format", "json")
        if fmt not in ("json", "slack"):
            raise ConfigError(f"{where} format = {fmt!r}: expected json or slack")
        webhooks.append(WebhookSettings(
            name=str(hook.get("name") or f"webhook-{number}"), url=url,
            url_env=_env_name(hook["url_env"], f"{where} url_env") if "url_env" in hook else None,
            secret_env=(_env_name(hook["secret_env"], f"{where} secret_env")
                        if "secret_env" in hook else None),
            format=fmt, timeout=parse_duration(hook.get("timeout", "10s"), f"{where} timeout")))
    email = None
    if "email" in section:
        raw = section["email"]
        if not isinstance(raw, dict):
            raise ConfigError("[alerts.email] must be a table")
        unknown = set(raw) - _EMAIL_KEYS
        if unknown:
            raise ConfigError(f"unknown key {sorted(unknown)[0]!r} in [alerts.email]; "
                              "allowed: " + ", ".join(sorted(_EMAIL_KEYS)))
        for key in ("host", "from", "to"):
            if not raw.get(key):
                raise ConfigError(f"[alerts.email] needs {key}")
        to = raw["to"] if isinstance(raw["to"], list) else [raw["to"]]
        if not all(isinstance(a, str) and "@" in a for a in [raw["from"], *to]):
            raise ConfigError(f"[alerts.email] from/to = {raw['from']!r}/{to!r}: expected "
                              "e-mail addresses")
        for key in ("starttls", "ssl"):
            if not isinstance(raw.get(key, False), bool):
                raise ConfigError(f"[alerts.email] {key} = {raw[key]!r}: expected true or false")
        email = EmailSettings(
            host=str(raw["host"]),
            port=int(_number(raw.get("port", 587), "[alerts.email] port", minimum=1,
                             integer=True)),
            starttls=raw.get("starttls", True), ssl=raw.get("ssl", False),
            username=raw.get("username"),
            password_env=(_env_name(raw["password_env"], "[alerts.email] password_env")
                          if "password_env" in raw else None),
            sender=raw["from"], to=tuple(to),
            timeout=parse_duration(raw.get("timeout", "30s"), "[alerts.email] timeout"))
    targets = section.get("apprise", [])
    if isinstance(targets, dict):
        targets = [targets]
    apprise = []
    for number, target in enumerate(targets if isinstance(targets, list) else [None], start=1):
        where = f"[[alerts.apprise]] #{number}"
        if not isinstance(target, dict) or set(target) - {"name", "url_env"} \
                or "url_env" not in target:
            raise ConfigError(f'{where} needs url_env = "VAR" (the apprise URL, e.g. '
                              "slack://…, is a secret) and optionally name")
        apprise.append(AppriseSettings(name=str(target.get("name") or f"apprise-{number}"),
                                       url_env=_env_name(target["url_env"], f"{where} url_env")))
    return AlertSettings(rules=rules, failure_threshold=threshold, max_age=max_age,
                         retry_base=retry_base, webhooks=tuple(webhooks), email=email,
                         apprise=tuple(apprise))
