"""Section ``csv-requests``: what UMIN-CTR's daily CSV saves the registry.

N watched UMIN-CTR trials against a local stand-in that serves their pages and the CSV
(ETag and Last-Modified; 304 when unchanged). A first pass stores every trial; then 1 %
of the trials change (page and CSV row alike) and a second pass should cost one CSV
download plus one page per changed trial. Beside it, the baseline: the same pass with
``--full`` (no CSV), one request per page.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from figures import Figures
from local_registry import LocalRegistry

from monitor.config import load_config
from monitor.core import Monitor


def write_config(folder: Path, registry: LocalRegistry, *, csv: bool = True,
                 extra: str = "") -> Path:
    path = folder / "config.toml"
    path.write_text(f"""
[storage]
database = "{folder / 'monitor.db'}"
[http]
max_retries = 0
[umin]
base_url = "{registry.base_url}"
csv_url = "{registry.csv_url}"
min_interval = "0s"
use_csv = {str(csv).lower()}
[jrct]
base_url = "{registry.base_url}"
min_interval = "0s"
[links]
follow = false
[schedule]
workers = 4
{extra}""", encoding="utf-8")
    return path


def watch_all(monitor: Monitor, count: int) -> None:
    """Watch trials 1…count by receipt number, in one transaction."""
    with monitor.store.transaction():
        monitor.watch([f"R{n:09d}" for n in range(1, count + 1)])


def start_daemon(folder: Path, registry: LocalRegistry, trials: int, *,
                 interval: str) -> subprocess.Popen[bytes]:
    """A daemon process on ``folder/monitor.db`` watching trials 1…trials of the local
    registry, every ``interval``, none checked yet (pages only, no CSV)."""
    config = write_config(folder, registry, csv=False,
                          extra=f'interval = "{interval}"\njitter = "0s"\n')
    monitor = Monitor(load_config(config))
    watch_all(monitor, trials)
    monitor.close()
    return subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "run"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def bench_listing(quick: bool, figures: Figures) -> None:
    trials = 500 if quick else 5000
    changed = [n for n in range(1, trials + 1) if n % 100 == 37]  # 1 %
    figures.start("csv-requests", f"a pass over {trials:,} watched UMIN-CTR trials, "
                                  f"{len(changed)} of them changed since the last")
    with LocalRegistry(trials) as registry, tempfile.TemporaryDirectory() as tmp:
        monitor = Monitor(load_config(write_config(Path(tmp), registry)))
        try:
            watch_all(monitor, trials)
            start = time.perf_counter()
            first = monitor.check()
            first_wall = time.perf_counter() - start
            outcomes = Counter(page.outcome for page in first.pages)
            if outcomes != {"new": trials}:
                raise AssertionError(f"the first pass should store every trial: {outcomes}")
            stats = registry.stats()
            figures.note(f"first pass: {stats.get('umin_page', 0):,} pages and "
                         f"{stats.get('csv_200', 0)} CSV download in {first_wall:.0f} s, "
                         "every trial stored")

            registry.reset()
            registry.change(changed)
            start = time.perf_counter()
            second = monitor.check()
            second_wall = time.perf_counter() - start
            stats = registry.stats()
            outcomes = Counter(page.outcome for page in second.pages)
            if outcomes["changed"] != len(changed):
                raise AssertionError(f"the second pass should find {len(changed)} changed "
                                     f"trials: {outcomes}")
            requests = sum(stats.values())
            target = 1 + len(changed)
            figures("second pass with the CSV: requests", f"{requests:,}", f"<= {target}",
                    requests <= target)
            figures("  of which CSV downloads / pages",
                    f"{stats.get('csv_200', 0)} / {stats.get('umin_page', 0)}")
            figures("  changes found / wall time (s)",
                    f"{outcomes['changed']} / {second_wall:.1f}")

            registry.reset()
            start = time.perf_counter()
            monitor.check()
            quiet_wall = time.perf_counter() - start
            stats = registry.stats()
            figures("a pass where nothing changed: requests", f"{sum(stats.values())}",
                    "<= 1 (a 304)", sum(stats.values()) <= 1 and stats.get("csv_304") == 1)
            figures("  wall time (s)", f"{quiet_wall:.1f}")

            registry.reset()
            start = time.perf_counter()
            monitor.check(full=True)
            full_wall = time.perf_counter() - start
            stats = registry.stats()
            figures("baseline, `check --full` (no CSV): requests",
                    f"{sum(stats.values()):,}", f"({trials:,} pages)")
            figures("  wall time (s)", f"{full_wall:.1f}")
        finally:
            monitor.close()
