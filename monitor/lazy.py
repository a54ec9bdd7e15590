"""Package names imported when first used (PEP 562), so that a command pays only for
the modules it needs: ``ctr-monitor list`` answers in a fraction of a second because
it never loads the fetcher, the parsers' HTML layer, the outbox or rich."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(namespace: dict[str, Any], modules: Mapping[str, str]
                 ) -> Callable[[str], Any]:
    """A module ``__getattr__`` for the package whose globals are ``namespace``: name →
    the module (absolute, or relative to the package with a leading dot) it comes from.
    A name once imported is kept in the package, so the hook runs once per name."""
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    return __getattr__
