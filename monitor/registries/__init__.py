"""The registries ctr-monitor knows, and the one place that lists them.

Adding a registry means writing its package (IDs, URLs, config section, page layout,
labels, statuses, words) and adding one line to ``REGISTRY_TYPES``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from monitor.errors import InputError
from monitor.registries.base import FetchText, Registry, RegistrySettings, TrialRef
from monitor.registries.jrct import JrctRegistry
from monitor.registries.umin import UminRegistry

REGISTRY_TYPES: dict[str, Any] = {
    "umin": UminRegistry,
    "jrct": JrctRegistry,
}


def build_registries(settings: Mapping[str, RegistrySettings] | None = None
                     ) -> dict[str, Registry]:
    """One instance per registry, from its config section's settings (defaults when none
    are given: offline tools such as ``parse`` need no config)."""
    settings = settings or {}
    return {name: cls(settings.get(name)) for name, cls in REGISTRY_TYPES.items()}


def parse_trial_input(text: str, registries: Mapping[str, Registry]) -> TrialRef:
    """The trial named by an ID or URL in any form any registry accepts."""
    cleaned = unicodedata.normalize("NFKC", text).strip()  # ＵＭＩＮ０００… typed in kana mode
    for registry in registries.values():
        ref = registry.parse_input(cleaned)
        if ref is not None:
            return ref
    forms = ", ".join(registry.id_example for registry in registries.values())
    host = urlsplit(cleaned).hostname if "://" in cleaned else None
    if host and any(host in registry.hosts for registry in registries.values()):
        raise InputError(f"{text!r} is not the page of a trial this monitor reads (is its "
                         f"trial ID whole?): give the ID itself ({forms}) or the URL of the "
                         "trial's page as the registry shows it")
    raise InputError(f"{text!r} is not a trial ID this monitor knows: use {forms}, "
                     "or a registry page URL")


__all__ = [
    "REGISTRY_TYPES",
    "FetchText",
    "Registry",
    "RegistrySettings",
    "TrialRef",
    "build_registries",
    "parse_trial_input",
]
