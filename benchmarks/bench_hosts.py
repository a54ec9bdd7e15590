"""Section ``hosts``: two registries checked in one pass cost the slower one, not the sum.

N UMIN-CTR trials whose pages name their jRCT twins, on two local stand-ins (two hosts),
each host paced at ``min_interval``; the pass follows every link, so it fetches N pages
from each host. Each host's share is its requests times its interval (the time its pace
alone takes); the wall time of the pass should be close to the larger share, since the
workers keep both hosts busy at once.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path

from bench_listing import watch_all
from figures import Figures
from local_registry import LocalRegistry

from monitor.config import load_config
from monitor.core import Monitor

INTERVAL = 0.2
RATIO_TARGET = 1.2


def bench_hosts(quick: bool, figures: Figures) -> None:
    trials = 30 if quick else 100
    figures.start("hosts", f"{trials} UMIN-CTR trials and their {trials} jRCT twins, two "
                           f"hosts, each paced at {INTERVAL} s")
    with LocalRegistry(trials) as umin, LocalRegistry(trials) as jrct, \
            tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(f"""
[storage]
database = "{Path(tmp) / 'monitor.db'}"
[http]
max_retries = 0
[umin]
base_url = "{umin.base_url}"
min_interval = "{INTERVAL}s"
use_csv = false
[jrct]
base_url = "{jrct.base_url}"
min_interval = "{INTERVAL}s"
[links]
follow = true
[schedule]
workers = 4
""", encoding="utf-8")
        monitor = Monitor(load_config(config))
        try:
            watch_all(monitor, trials)
            start = time.perf_counter()
            result = monitor.check()
            wall = time.perf_counter() - start
        finally:
            monitor.close()
        outcomes = Counter((page.trial.registry, page.outcome) for page in result.pages)
        if outcomes != {("umin", "new"): trials, ("jrct", "new"): trials}:
            raise AssertionError(f"every page of both hosts should be new: {outcomes}")
        shares = {"UMIN-CTR": umin.requests() * INTERVAL, "jRCT": jrct.requests() * INTERVAL}
    slower = max(shares.values())
    for name, share in shares.items():
        figures(f"{name} host: requests x interval (s)", f"{share:.1f}")
    figures("the two hosts one after the other (s)", f"{sum(shares.values()):.1f}")
    figures("wall time of the pass (s)", f"{wall:.1f}")
    figures("wall time / slower host's share", f"{wall / slower:.2f}",
            f"<= {RATIO_TARGET}", wall / slower <= RATIO_TARGET)
