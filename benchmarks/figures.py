"""What every benchmark section shares: the table of figures (each beside its target),
timing, and memory readings.

A figure is a name, a value as printed, and optionally a target and whether it was met;
the run ends with how many figures were printed and how many targets were missed.
"""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    section: str
    name: str
    value: str
    target: str = ""
    ok: bool | None = None

    @property
    def verdict(self) -> str:
        return "" if self.ok is None else ("PASS" if self.ok else "MISS")


class Figures:
    """The figures of one run, printed as they come."""

    def __init__(self) -> None:
        self.rows: list[Figure] = []
        self.section = ""

    def start(self, section: str, title: str) -> None:
        self.section = section
        print(f"{section}: {title}", flush=True)

    def __call__(self, name: str, value: str, target: str = "",
                 ok: bool | None = None) -> None:
        figure = Figure(self.section, name, value, target, ok)
        self.rows.append(figure)
        print(f"  {name:<56} {value:>14}   {target} {figure.verdict}".rstrip(), flush=True)

    def note(self, text: str) -> None:
        """A line of context that is not a figure (how the data was made)."""
        print(f"    ({text})", flush=True)

    @property
    def missed(self) -> list[Figure]:
        return [row for row in self.rows if row.ok is False]

    def summary(self) -> str:
        return f"{len(self.rows)} figures, {len(self.missed)} targets missed"


def median_ms(function: Callable[[], object], runs: int, warm: int = 3) -> float:
    """Median wall time of ``function`` in milliseconds, after ``warm`` runs."""
    for _ in range(warm):
        function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def interleaved_ms(functions: dict[str, Callable[[], object]], runs: int,
                   blocks: int = 10) -> dict[str, float]:
    """Median milliseconds of each function, timed in alternating blocks: each runs warm,
    and a passing load on a small shared machine weighs on all alike. ``runs`` is the
    total per function (slower ones may be given fewer by the caller)."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    per_block = max(1, runs // blocks)
    for _ in range(blocks):
        for name, function in functions.items():
            function()  # warm after the other functions ran
            for _ in range(per_block):
                start = time.perf_counter()
                function()
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def rss_mb(pid: int) -> float:
    """Resident memory of a running process now (Linux)."""
    return _status_mb(pid, "VmRSS")


def peak_rss_of(pid: int) -> float:
    """Peak resident memory of a running process so far (Linux)."""
    return _status_mb(pid, "VmHWM")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
