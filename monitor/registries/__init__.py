"""The registries ctr-monitor knows, and the one place that lists them.

Adding a registry means writing its module and adding one line to ``REGISTRY_TYPES``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitor.errors import InputError
from monitor.registries.base import FetchText, Registry, TrialRef
from monitor.registries.jrct import JrctRegistry
from monitor.registries.umin import UminRegistry

REGISTRY_TYPES: dict[str, type] = {
    "umin": UminRegistry,
    "jrct": JrctRegistry,
}


def build_registries(
    settings: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Registry]:
    """One instance per registry, configured from its config section (``[umin]``…)."""
    settings = settings or {}
    return {name: cls(**settings.get(name, {})) for name, cls in REGISTRY_TYPES.items()}


def parse_trial_input(text: str, registries: Mapping[str, Registry]) -> TrialRef:
    """The trial named by an ID or URL in any form any registry accepts."""
    cleaned = text.strip()
    for registry in registries.values():
        ref = registry.parse_input(cleaned)
        if ref is not None:
            return ref
    forms = ("UMIN000041461, R000047329, jRCT2063200014, jRCTs051180190, or a UMIN-CTR or "
             "jRCT page URL")
    raise InputError(f"{text!r} is not a trial ID this monitor knows: use {forms}")


__all__ = [
    "REGISTRY_TYPES",
    "FetchText",
    "Registry",
    "TrialRef",
    "build_registries",
    "parse_trial_input",
]
