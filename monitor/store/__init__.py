"""Storage of trials, fetches, versions, changes and raw pages in SQLite."""

from monitor.store.db import Store
from monitor.store.rows import TrialRow, VersionRow, iso_time, utc_now

__all__ = ["Store", "TrialRow", "VersionRow", "iso_time", "utc_now"]
