"""ctr-monitor: watch Japanese clinical-trial registries and report what changed.

The library core is :class:`Monitor`, opened from a config: it checks trials, and
answers history, diffs, consistency, reports, the feed, search, queries, reparse and
doctor. The command line (``monitor.cli``) and the daemon (``monitor.daemon``) are thin
shells over it. The package reads as the data flows: ``fetch`` → ``registries`` (parse
and normalize, one package per registry) → ``check`` (derive, compare, store) →
``store`` → ``diff`` → ``alert``, with ``report`` rendering what people read.
"""

__version__ = "0.2.0"

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
