"""Sections ``memory`` and ``pace``: the daemon over many checks, and the pace it keeps.

memory: the real daemon (200 watches, a 1 s interval) against a local registry, its RSS
read after M1 and M2 checks: bounded caches level off; a leak keeps growing.
pace: requests to one host with ``min_interval`` set, one after another and from four
threads at once (as the daemon's workers ask): the achieved interval between request
starts, and the shortest gap.
"""

from __future__ import annotations

import signal
import sqlite3
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench_listing import start_daemon
from figures import Figures, rss_mb
from local_registry import LocalRegistry

from monitor.fetch import Fetcher, HttpSettings

WATCHES = 200
MEMORY_TARGET_MB = 80.0
GROWTH_TARGET_MB = 5.0
PACE_TOLERANCE = 0.05


def bench_memory(quick: bool, figures: Figures) -> None:
    marks = (1000, 3000) if quick else (1000, 10000)
    figures.start("memory", f"the daemon's RSS after {marks[0]:,} and {marks[1]:,} checks "
                            f"({WATCHES} watches, every 1 s)")
    with LocalRegistry(WATCHES) as registry, tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "monitor.db"
        daemon = start_daemon(Path(tmp), registry, WATCHES, interval="1s")
        readings = []
        started = time.monotonic()
        try:
            for mark in marks:
                done = 0
                while done < mark:
                    time.sleep(0.5)
                    if daemon.poll() is not None:
                        raise RuntimeError("the daemon stopped")
                    done = _fetches(database)
                readings.append((done, rss_mb(daemon.pid), time.monotonic() - started))
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
    for done, rss, _ in readings:
        figures(f"daemon RSS after {done:,} checks (MB)", f"{rss:.1f}",
                f"<= {MEMORY_TARGET_MB:.0f}", rss <= MEMORY_TARGET_MB)
    growth = readings[-1][1] - readings[0][1]
    figures("growth between the two readings (MB)", f"{growth:+.1f}",
            f"flat (< {GROWTH_TARGET_MB:.0f})", growth < GROWTH_TARGET_MB)
    figures("daemon throughput (checks/s)", f"{readings[-1][0] / readings[-1][2]:.0f}")


def _fetches(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("select count(*) from fetches").fetchone()[0])
    except sqlite3.Error:
        return 0


def bench_pace(quick: bool, figures: Figures) -> None:
    interval, count = (0.2, 15) if quick else (0.5, 25)
    figures.start("pace", f"{count} requests to one host, min_interval = {interval} s")
    with LocalRegistry(count) as registry:
        urls = [f"{registry.base_url}/cgi-open-bin/ctr_e/ctr_view.cgi?recptno=R{n:09d}"
                for n in range(1, count + 1)]
        for label, threads in (("one after another", 1), ("four threads at once", 4)):
            starts: list[float] = []
            fetcher = Fetcher(HttpSettings(min_interval=interval, max_retries=0, timeout=10))
            fetcher.client.event_hooks["request"] = [
                lambda _, found=starts: found.append(time.monotonic())]
            try:
                with ThreadPoolExecutor(threads) as pool:
                    list(pool.map(fetcher.get_html, urls))
            finally:
                fetcher.close()
            starts.sort()
            gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
            achieved = statistics.mean(gaps)
            figures(f"{label}: achieved interval (s)", f"{achieved:.3f}",
                    f"{interval} ±{PACE_TOLERANCE:.0%}",
                    abs(achieved - interval) / interval <= PACE_TOLERANCE)
            figures(f"{label}: shortest gap (s)", f"{min(gaps):.3f}", f">= {interval}",
                    min(gaps) >= interval * 0.999)
