"""Section ``scale``: the read commands on thousands of trials, and the daemon's memory.

``list`` and ``report --since 7d --format html`` on a database of N trials × 20 versions
(``synthetic_db.py``: most versions older than the week, 1 % changed in it, a few
flags), timed as the user runs them — a whole ``ctr-monitor`` process — and in-process,
split into gathering the data (beside the per-trial reads they replaced, on the same
database) and the rest. Then the daemon's RSS after one full pass over N watched trials
against a local registry.
"""

from __future__ import annotations

import io
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import baseline
from bench_listing import start_daemon
from click.testing import CliRunner
from figures import Figures, median_ms, peak_rss_of, rss_mb
from local_registry import LocalRegistry
from synthetic_db import Shape, build

from monitor.cli import render
from monitor.cli.main import cli
from monitor.config import load_config
from monitor.core import Monitor
from monitor.report import views
from monitor.report.period import since_time

LIST_TARGET_S = 0.5
REPORT_TARGET_S = 1.0
TARGET_TRIALS = 5000  # the size the list and report targets are set for
DAEMON_TARGETS_MB = {5000: 80.0, 20000: 150.0}
VERSIONS = 20


def process_seconds(config: Path, *args: str, runs: int) -> float:
    """Median wall time of a whole ``ctr-monitor`` process, as a user runs it on a
    database in the OS's file cache (one run first to put it there: the benchmark's own
    earlier sections push it out, which a user's machine would not have done)."""
    command = [sys.executable, "-m", "monitor", "--config", str(config), *args]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process_ms(config: Path, *args: str, runs: int) -> float:
    runner = CliRunner()

    def run() -> None:
        result = runner.invoke(cli, ["--config", str(config), *args])
        if result.exit_code != 0:
            raise AssertionError(result.output)

    return median_ms(run, runs, warm=0)


def bench_scale(quick: bool, figures: Figures) -> None:
    sizes = (TARGET_TRIALS,) if quick else (TARGET_TRIALS, 20000)
    figures.start("scale", f"`list` and `report` on {' and '.join(f'{n:,}' for n in sizes)} "
                           f"trials x {VERSIONS} versions; the daemon's memory")
    with tempfile.TemporaryDirectory() as tmp:
        floor = process_seconds(Path(tmp) / "none.toml", "--help", runs=3)
        figures("start-up alone: `ctr-monitor --help`, whole process (s)", f"{floor:.2f}")
        for trials in sizes:
            _read_commands(Path(tmp), trials, figures, floor, runs=1 if quick else 5)
    # --quick: 1,000 trials, held to the target set for 5,000
    for trials, target in ({1000: 80.0} if quick else DAEMON_TARGETS_MB).items():
        _daemon_pass(trials, figures, target)


def _read_commands(folder: Path, trials: int, figures: Figures, floor: float,
                   runs: int) -> None:
    database = folder / f"scale-{trials}.db"
    config = folder / f"scale-{trials}.toml"
    config.write_text(f'[storage]\ndatabase = "{database}"\n[umin]\nuse_csv = false\n',
                      encoding="utf-8")
    started = time.perf_counter()
    build(database, trials, VERSIONS)
    shape = Shape(trials, VERSIONS)
    figures.note(f"{trials:,} trials built in {time.perf_counter() - started:.0f} s, "
                 f"{database.stat().st_size / 1e6:.0f} MB; in the last 7 days "
                 f"{sum(shape.recent(n) for n in range(1, trials + 1))} trials changed; "
                 f"{sum(shape.twin(n) for n in range(1, trials + 1))} have a jRCT twin")
    targeted = trials == TARGET_TRIALS
    size = f"{trials // 1000}k"
    html = ("report", "--since", "7d", "--format", "html", "-o", str(folder / "report.html"))

    def target(limit: float, value: float) -> tuple[str, bool | None]:
        return (f"<= {limit}", value <= limit) if targeted else ("", None)

    listed = process_seconds(config, "list", runs=runs)
    figures(f"{size}: `list`, whole process (s)", f"{listed:.2f}",
            *target(LIST_TARGET_S, listed))
    as_json = process_seconds(config, "list", "--format", "json", runs=runs)
    figures(f"{size}: `list --format json`, whole process (s)", f"{as_json:.2f}")
    reported = process_seconds(config, *html, runs=runs)
    figures(f"{size}: `report --since 7d --format html`, whole process (s)",
            f"{reported:.2f}", *target(REPORT_TARGET_S, reported))

    monitor = Monitor(load_config(config), read_only=True)
    try:
        today = datetime.now(UTC).date()
        week, quarter = since_time(None, 7), since_time("90d", 7)
        whole = in_process_ms(config, "list", runs=runs)
        gather = median_ms(lambda: views.overview(monitor, today), 3, warm=1)
        before = median_ms(lambda: baseline.per_trial_overview(monitor, today), 1, warm=0)
        figures(f"{size}: `list`, in-process (ms)", f"{whole:.0f}")
        figures(f"{size}:   of which gathering the data (ms)", f"{gather:.0f}",
                f"(per trial, as before: {before:.0f} ms, {before / gather:.0f}x)")
        entries = views.overview(monitor, today)
        drawn = median_ms(lambda: render.trials_view(
            render.PlainScreen(width=200, file=io.StringIO()), entries, "en"), 3, warm=1)
        figures(f"{size}:   of which drawing the table (ms)", f"{drawn:.0f}")
        whole = in_process_ms(config, *html, runs=runs)
        gather = median_ms(lambda: monitor.report(week), 3, warm=1)
        before = median_ms(lambda: baseline.per_trial_report(monitor, week, today), 1, warm=0)
        figures(f"{size}: `report` 7d html, in-process (ms)", f"{whole:.0f}")
        figures(f"{size}:   of which gathering the data (ms)", f"{gather:.0f}",
                f"(per trial, as before: {before:.0f} ms, {before / gather:.0f}x)")
        longer = median_ms(lambda: monitor.report(quarter), 1, warm=0)
        figures(f"{size}: `report` 90d: gathering the data (ms)", f"{longer:.0f}",
                "(every trial changed in 90 days)")
    finally:
        monitor.close()
    figures.note(f"start-up ({floor:.2f} s) is part of every whole-process figure")


def _daemon_pass(trials: int, figures: Figures, target: float) -> None:
    """The daemon, started with ``trials`` watched trials never checked, until each was
    checked once (every page new, stored)."""
    with LocalRegistry(trials) as registry, tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "monitor.db"
        daemon = start_daemon(Path(tmp), registry, trials, interval="6h")
        started = time.monotonic()
        try:
            done = 0
            while done < trials:
                time.sleep(1.0)
                if daemon.poll() is not None:
                    raise RuntimeError("the daemon stopped")
                done = _checked(database)
                if time.monotonic() - started > 1800:
                    raise RuntimeError(f"the daemon checked {done} of {trials} in 30 minutes")
            wall = time.monotonic() - started
            rss = rss_mb(daemon.pid)
            peak = peak_rss_of(daemon.pid)
        finally:
            daemon.terminate()
            daemon.wait(timeout=60)
    label = f"daemon after a full pass over {trials:,} trials"
    figures(f"{label}: RSS (MB)", f"{rss:.0f}", f"<= {target:.0f}", rss <= target)
    figures(f"{label}: peak RSS (MB)", f"{peak:.0f}")
    figures(f"{label}: pass (checks/s)", f"{trials / wall:.0f}")


def _checked(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("select count(*) from trials where watched = 1 and "
                                    "last_success_at is not null").fetchone()[0])
    except sqlite3.Error:
        return 0
