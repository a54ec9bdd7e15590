"""Storage of trials, fetches, versions, changes and raw pages in SQLite."""

from monitor.store.db import Store, TrialRow, VersionRow, utc_now

__all__ = ["Store", "TrialRow", "VersionRow", "utc_now"]
