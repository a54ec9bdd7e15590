"""Reading one table of the config file, with one-line errors that name the key.

Every part of the product that has settings (the core, each registry, each alert channel)
reads its own table through a :class:`Section`: it asks for each key with its type, its
default and its bounds, and the section remembers what was asked for, so that a key
nobody asked for is reported as unknown (a typo silently ignored is a setting the user
thinks they have). No part keeps a separate list of allowed keys.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from monitor.errors import ConfigError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# No duration in this product means anything beyond ten years; larger values are typos
# (and overflow the scheduler's date arithmetic).
MAX_DURATION = 10 * 365 * 86400.0


def parse_duration(value: Any, key: str, *, maximum: float = MAX_DURATION) -> float:
    """Seconds from ``500ms``, ``30s``, ``10m``, ``6h`` or ``1d`` (the unit is required:
    ``timeout = 30`` could mean seconds or minutes)."""
    example = "such as 30s, 10m, 6h or 1d"
    if isinstance(value, int | float):  # bool included
        raise ConfigError(f"{key} = {value!r}: expected a duration with its unit, {example} "
                          f'(write "{value}s" for seconds)')
    match = _DURATION.match(str(value))
    if not match:
        raise ConfigError(f"{key} = {value!r}: expected a duration {example}")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds > maximum:
        raise ConfigError(f"{key} = {value!r}: at most {format_duration(maximum)}")
    return seconds


def format_duration(seconds: float) -> str:
    """A duration as a person writes it: ``6h``, ``90s``, ``1.5s``, ``2d``."""
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("m", 60.0), ("s", 1.0)):
        if seconds >= size and (seconds / size).is_integer():
            return f"{int(seconds // size)}{unit}"
    if seconds >= 1:
        return f"{seconds:g}s"
    return f"{round(seconds * 1000)}ms"


def is_loopback_url(url: str | None) -> bool:
    """Whether ``url`` points at this machine (tests, local mirrors): politeness floors
    protect public registries, not a stand-in on 127.0.0.1."""
    if not url:
        return False
    host = (urlsplit(url).hostname or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Section:
    """One table of the config (``[http]``, ``[[watch]]`` #2, ``[alerts.email]``…)."""

    def __init__(self, data: Any, name: str) -> None:
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ConfigError(f"{name} must be a table")
        self.name = name
        self._data: dict[str, Any] = dict(data)
        self._asked: set[str] = set()
        self.free_keys = False  # a table of user-chosen names ([severity])

    # --- plumbing -----------------------------------------------------------------------

    def has(self, key: str) -> bool:
        self._asked.add(key)
        return key in self._data

    def raw(self, key: str, default: Any = None) -> Any:
        self._asked.add(key)
        return self._data.get(key, default)

    def items(self) -> list[tuple[str, Any]]:
        """Every key and value, for tables whose keys are the user's own."""
        self.free_keys = True
        return list(self._data.items())

    def key(self, key: str) -> str:
        return f"{self.name} {key}"

    def error(self, key: str, value: Any, expected: str) -> ConfigError:
        return ConfigError(f"{self.key(key)} = {value!r}: {expected}")

    def finish(self) -> None:
        """Every key must have been asked for by some part of the product."""
        if self.free_keys:
            return
        unknown = sorted(set(self._data) - self._asked)
        if unknown:
            allowed = ", ".join(sorted(self._asked)) or "(none)"
            raise ConfigError(f"unknown key {unknown[0]!r} in {self.name}; allowed: {allowed}")

    # --- typed values -------------------------------------------------------------------

    def duration(self, key: str, default: str, *, minimum: float = 0.0,
                 maximum: float = MAX_DURATION, floor_reason: str = "") -> float:
        value = self.raw(key, default)
        seconds = parse_duration(value, self.key(key), maximum=maximum)
        if seconds < minimum:
            reason = f", {floor_reason}" if floor_reason else ""
            raise self.error(key, value, f"at least {format_duration(minimum)}{reason}")
        return seconds

    def integer(self, key: str, default: int, *, minimum: int, maximum: int) -> int:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int) \
                or not minimum <= value <= maximum:
            raise self.error(key, value, f"expected a whole number from {minimum} to {maximum}")
        return value

    def number(self, key: str, default: float, *, minimum: float, maximum: float) -> float:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not minimum <= value <= maximum:
            raise self.error(key, value, f"expected a number from {minimum:g} to {maximum:g}")
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.error(key, value, "expected true or false")
        return value

    def text(self, key: str, default: str | None = None, *, required: str = "") -> str:
        """A non-empty string; ``required`` is the hint shown when it is missing."""
        value = self.raw(key, default)
        if value is None and required:
            raise ConfigError(f"{self.name} needs {key} = {required}")
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, value, "expected text")
        return value.strip()

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def choice(self, key: str, default: str, choices: Sequence[str]) -> str:
        value = self.raw(key, default)
        if value not in choices:
            raise self.error(key, value, "expected " + " or ".join(choices))
        return str(value)

    def url(self, key: str, default: str) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str) or not re.match(r"^https?://[^/\s]+", value):
            raise self.error(key, value, "expected an http(s) URL such as https://example.org")
        return value.rstrip("/")

    def env_name(self, key: str) -> str | None:
        """The name of an environment variable holding a secret (never the secret)."""
        if not self.has(key):
            return None
        value = self.raw(key)
        if not isinstance(value, str) or not _ENV_NAME.match(value):
            raise self.error(key, value, "expected the name of an environment variable "
                                         "(the secret itself never goes in the config)")
        return value

    def string_list(self, key: str, default: Sequence[str], *, allowed: Sequence[str] = (),
                    what: str = "values", non_empty: bool = True) -> tuple[str, ...]:
        value = self.raw(key, list(default))
        if isinstance(value, str):
            value = [value]
        ok = isinstance(value, list) and all(isinstance(v, str) and v for v in value)
        if ok and allowed:
            ok = all(v in allowed for v in value)
        if ok and non_empty:
            ok = bool(value)
        if not ok:
            drawn = f" drawn from {list(allowed)}" if allowed else ""
            raise self.error(key, value, f"expected a list of {what}{drawn}")
        return tuple(dict.fromkeys(value))

    def table(self, key: str) -> Section | None:
        """A sub-table (``[alerts.email]``), or None when absent."""
        if not self.has(key):
            return None
        return Section(self.raw(key), f"[{self.name.strip('[]')}.{key}]")

    def tables(self, key: str) -> list[Section]:
        """An array of tables (``[[alerts.webhook]]``); a single table is accepted too."""
        if not self.has(key):
            return []
        value = self.raw(key)
        if isinstance(value, Mapping):
            value = [value]
        label = f"[[{self.name.strip('[]')}.{key}]]"
        if not isinstance(value, list):
            raise ConfigError(f"{label} must be written as an array of tables")
        return [Section(item, f"{label} #{number}") for number, item in enumerate(value, 1)]
