"""ctr-monitor: watch Japanese clinical-trial registries and report what changed.

The library core is :class:`Monitor`, opened from a config: it checks trials, and
answers history, diffs, consistency, reports, the feed, search, queries, reparse and
doctor. The command line (``monitor.cli``) and the daemon (``monitor.daemon``) are thin
shells over it. The package reads as the data flows: ``fetch`` → ``registries`` (parse
and normalize, one package per registry) → ``check`` (derive, compare, store) →
``store`` → ``diff`` → ``alert``, with ``report`` rendering what people read.
"""

__version__ = "0.2.0"

from typing import TYPE_CHECKING

from monitor.lazy import lazy_exports

if TYPE_CHECKING:
    from monitor.check.outcome import ListingOutcome, PageOutcome, PairOutcome, PassResult
    from monitor.config import Config, load_config
    from monitor.core import Monitor
    from monitor.diff import Change, Severity
    from monitor.errors import (
        Cancelled,
        ConfigError,
        FetchError,
        InputError,
        MonitorError,
        ParseError,
        StoreError,
    )
    from monitor.normalize.record import TrialRecord
    from monitor.store.rows import AlertRow, HostRow, TrialRow, VersionRow

# The public names, imported when first used: ``import monitor`` (and every command that
# needs only part of the package) pays for nothing it does not use.
_PUBLIC = {
    "ListingOutcome": "monitor.check.outcome", "PageOutcome": "monitor.check.outcome",
    "PairOutcome": "monitor.check.outcome", "PassResult": "monitor.check.outcome",
    "Config": "monitor.config", "load_config": "monitor.config", "Monitor": "monitor.core",
    "Change": "monitor.diff", "Severity": "monitor.diff",
    "Cancelled": "monitor.errors", "ConfigError": "monitor.errors",
    "FetchError": "monitor.errors", "InputError": "monitor.errors",
    "MonitorError": "monitor.errors", "ParseError": "monitor.errors",
    "StoreError": "monitor.errors", "TrialRecord": "monitor.normalize.record",
    "AlertRow": "monitor.store.rows", "HostRow": "monitor.store.rows",
    "TrialRow": "monitor.store.rows", "VersionRow": "monitor.store.rows",
}


__getattr__ = lazy_exports(globals(), _PUBLIC)


__all__ = [
    "AlertRow",
    "Cancelled",
    "Change",
    "Config",
    "ConfigError",
    "FetchError",
    "HostRow",
    "InputError",
    "ListingOutcome",
    "Monitor",
    "MonitorError",
    "PageOutcome",
    "PairOutcome",
    "ParseError",
    "PassResult",
    "Severity",
    "StoreError",
    "TrialRecord",
    "TrialRow",
    "VersionRow",
    "__version__",
    "load_config",
]
