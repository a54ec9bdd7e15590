"""Section ``csv-read``: reading UMIN-CTR's bulk CSV, time and peak memory of a large file.

    python benchmarks/umin_csv.py                 # a ~300 MB CSV, plain and gzip
    python benchmarks/umin_csv.py --size-mb 50    # smaller, same figures
    python benchmarks/umin_csv.py --keep DIR      # keep (and reuse) the generated files

The file is made by the tests' generator (``tests/csvdata.py``): ~140 columns, Japanese
and English values, multi-line quoted cells. Each read runs in a fresh subprocess, which
reports its own peak RSS (``VmHWM``: ``ru_maxrss`` would carry over the parent's peak
through fork and exec), so the figure is the reader's and nothing else's.
Two reads: the reader alone (``read_listing``), and what a pass does with the file — the
rows read and staged into a database, then merged into ``listings``. Throughput is
uncompressed CSV megabytes (10^6 bytes) per second, by wall-clock time and by the
process's CPU time (the steadier figure on a shared machine).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import paths  # noqa: F401 (tests/ on the path, for csvdata)
from figures import Figures, peak_rss_of

MEMORY_TARGET_MB = 150
SPEED_TARGET_MB_S = 50
TEMPLATES = 2000  # distinct synthetic trials, repeated under new IDs to fill the file


def generate(path: Path, size_mb: int) -> int:
    """Write a plain CSV of at least ``size_mb`` MB; returns its row count."""
    from csvdata import trial, write_listing  # type: ignore[import-not-found,unused-ignore]

    rng = random.Random(7)
    templates = [trial(n, rng, prose=1, empty=0.4) for n in range(1, TEMPLATES + 1)]
    row_bytes = sum(len(",".join(t.values()).encode()) for t in templates) / TEMPLATES
    count = int(size_mb * 1_000_000 / row_bytes) + 1

    def rows() -> Iterator[dict[str, str]]:
        for n in range(1, count + 1):
            row = dict(templates[n % TEMPLATES])
            receipt = f"R{n + 100000:09d}"
            row.update(trial_id=f"UMIN{n:09d}", receipt_number=receipt,
                       url_ja=row["url_ja"][:-10] + receipt,
                       url_en=row["url_en"][:-10] + receipt)
            yield row

    write_listing(path, rows(), header="two-rows", gzip=False, extra_columns=3)
    return count


def compress(plain: Path, target: Path) -> None:
    with open(plain, "rb") as source, gzip.open(target, "wb", compresslevel=6) as sink:
        shutil.copyfileobj(source, sink, 1 << 20)


def child(path: str, mode: str) -> None:
    """Run in the subprocess: read the whole file (``read``), or read it into a fresh
    database as a pass does (``store``); print figures as JSON."""
    from monitor.registries.umin.bulk import UminListing, read_listing
    from monitor.store import Store
    from monitor.store.listings import search_form

    store = None
    if mode == "store":
        folder = tempfile.mkdtemp(prefix="umin-csv-store-")
        store = Store(Path(folder) / "listing.db")
    baseline_mb = peak_rss_of(os.getpid())
    started, cpu_started = time.perf_counter(), time.process_time()
    rows = 0
    complete = True
    if store is None:
        with read_listing(Path(path)) as listing:
            for _ in listing:
                rows += 1
            complete = listing.stats.complete
    else:
        store.listings.clear_staging("umin")
        rows = store.listings.stage(UminListing("file", 86400.0).read(Path(path)))
        with store.transaction():
            # as a pass with the example config's query does (the first read: all rows new)
            store.listings.merge_staged("umin", "2026-01-01T00:00:00Z",
                                        [search_form("liver cirrhosis")])
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    peak_mb = peak_rss_of(os.getpid())
    if store is not None:
        store.close()
        shutil.rmtree(Path(store.path).parent, ignore_errors=True)
    print(json.dumps({"rows": rows, "seconds": seconds, "cpu_seconds": cpu_seconds,
                      "peak_mb": peak_mb, "baseline_mb": baseline_mb, "complete": complete}))


def measure(path: Path, runs: int, mode: str = "read") -> list[dict[str, float]]:
    results = []
    for _ in range(runs):
        output = subprocess.run([sys.executable, __file__, "--child", str(path), mode],
                                check=True, capture_output=True, text=True).stdout
        results.append(json.loads(output))
    return results


def bench_csv_read(quick: bool, figures: Figures, size_mb: int | None = None,
                   runs: int | None = None, keep: Path | None = None) -> None:
    size_mb = size_mb or (60 if quick else 300)
    runs = runs or (1 if quick else 3)
    folder = keep or Path(tempfile.mkdtemp(prefix="umin-csv-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    plain = folder / f"ctr_data_j-{size_mb}mb.csv"
    packed = plain.with_suffix(".csv.gz")
    figures.start("csv-read", f"UMIN-CTR's bulk CSV, ~{size_mb} MB uncompressed, each read "
                              f"in a fresh process; median of {runs}")
    try:
        if not plain.exists() or not packed.exists():
            started = time.perf_counter()
            count = generate(plain, size_mb)
            compress(plain, packed)
            figures.note(f"generated {count:,} rows in {time.perf_counter() - started:.0f} s")
        size = plain.stat().st_size
        figures.note(f"{size / 1e6:.0f} MB plain, {packed.stat().st_size / 1e6:.0f} MB gzip")
        floor = 0.0
        for label, path, mode in (("plain, read", plain, "read"), ("gzip, read", packed, "read"),
                                  ("gzip, read + stored", packed, "store")):
            results = measure(path, runs, mode)
            floor = floor or results[0]["baseline_mb"]
            if not all(r["complete"] for r in results):
                raise AssertionError(f"{label}: a read did not complete")
            seconds = statistics.median(r["seconds"] for r in results)
            cpu_seconds = statistics.median(r["cpu_seconds"] for r in results)
            peak = max(r["peak_mb"] for r in results)
            speed = size / 1e6 / seconds
            figures(f"{label}: rows", f"{int(results[0]['rows']):,}")
            figures(f"{label}: time, wall / CPU (s)", f"{seconds:.1f} / {cpu_seconds:.1f}")
            figures(f"{label}: throughput, uncompressed (MB/s)", f"{speed:.0f}",
                    f">= {SPEED_TARGET_MB_S}" if mode == "read" else "",
                    speed >= SPEED_TARGET_MB_S if mode == "read" else None)
            figures(f"{label}: peak RSS, whole process (MB)", f"{peak:.0f}",
                    f"<= {MEMORY_TARGET_MB}", peak <= MEMORY_TARGET_MB)
        figures("of which interpreter + imports, before reading (MB)", f"{floor:.0f}")
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="directory to keep and reuse files in")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    figures = Figures()
    bench_csv_read(False, figures, args.size_mb, args.runs, args.keep)
    print(figures.summary())


if __name__ == "__main__":
    main()
