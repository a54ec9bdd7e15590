"""Reading UMIN-CTR's bulk CSV: time and peak memory of a full read of a large file.

    python benchmarks/umin_csv.py                 # a ~300 MB CSV, plain and gzip
    python benchmarks/umin_csv.py --size-mb 50    # smaller, same figures
    python benchmarks/umin_csv.py --keep DIR      # keep (and reuse) the generated files

The file is made by the tests' generator (``tests/csvdata.py``): ~140 columns, Japanese
and English values, multi-line quoted cells. Each read runs in a fresh subprocess, which
reports its own peak RSS (``ru_maxrss``), so the figure is the reader's and nothing else's.
Throughput is uncompressed CSV megabytes (10^6 bytes) per second, by wall-clock time and
by the process's CPU time (the steadier figure on a shared machine).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

MEMORY_TARGET_MB = 150
SPEED_TARGET_MB_S = 50
TEMPLATES = 2000  # distinct synthetic trials, repeated under new IDs to fill the file


def generate(path: Path, size_mb: int) -> int:
    """Write a plain CSV of at least ``size_mb`` MB; returns its row count."""
    from csvdata import trial, write_listing  # type: ignore[import-not-found]

    rng = random.Random(7)
    templates = [trial(n, rng, prose=1, empty=0.4) for n in range(1, TEMPLATES + 1)]
    row_bytes = sum(len(",".join(t.values()).encode()) for t in templates) / TEMPLATES
    count = int(size_mb * 1_000_000 / row_bytes) + 1

    def rows():
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


def child(path: str) -> None:
    """Run in the subprocess: read the whole file, print figures as JSON."""
    from monitor.registries.umin.bulk import read_listing

    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_started = time.perf_counter(), time.process_time()
    rows = 0
    with read_listing(Path(path)) as listing:
        for _ in listing:
            rows += 1
        complete = listing.stats.complete
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": rows, "seconds": seconds, "cpu_seconds": cpu_seconds,
                      "peak_kb": peak_kb,
                      "baseline_kb": baseline_kb, "complete": complete}))


def measure(path: Path, runs: int) -> list[dict[str, float]]:
    results = []
    for _ in range(runs):
        output = subprocess.run([sys.executable, __file__, "--child", str(path)],
                                check=True, capture_output=True, text=True).stdout
        results.append(json.loads(output))
    return results


def show(name: str, value: str, target: str = "", ok: bool | None = None) -> None:
    mark = "" if ok is None else ("PASS" if ok else "MISS")
    print(f"  {name:<44} {value:>14}   {target} {mark}".rstrip(), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="directory to keep and reuse files in")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    folder = args.keep or Path(tempfile.mkdtemp(prefix="umin-csv-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    plain = folder / f"ctr_data_j-{args.size_mb}mb.csv"
    packed = plain.with_suffix(".csv.gz")
    try:
        if not plain.exists() or not packed.exists():
            started = time.perf_counter()
            count = generate(plain, args.size_mb)
            compress(plain, packed)
            print(f"generated {count:,} rows in {time.perf_counter() - started:.0f} s")
        size = plain.stat().st_size
        print(f"UMIN bulk CSV read: {size / 1e6:.0f} MB plain, "
              f"{packed.stat().st_size / 1e6:.0f} MB gzip; median of {args.runs} runs")
        for label, path in (("plain", plain), ("gzip", packed)):
            results = measure(path, args.runs)
            seconds = statistics.median(r["seconds"] for r in results)
            cpu_seconds = statistics.median(r["cpu_seconds"] for r in results)
            best = min(r["seconds"] for r in results)
            peak = max(r["peak_kb"] for r in results) / 1024
            speed = size / 1e6 / seconds
            assert all(r["complete"] for r in results), "a read did not complete"
            show(f"{label}: rows read", f"{results[0]['rows']:,}")
            show(f"{label}: full read (wall; best)", f"{seconds:.2f} s; {best:.2f} s")
            show(f"{label}: full read (CPU time)", f"{cpu_seconds:.2f} s")
            show(f"{label}: throughput (uncompressed, wall)", f"{speed:.0f} MB/s",
                 f"≥ {SPEED_TARGET_MB_S} MB/s", speed >= SPEED_TARGET_MB_S)
            show(f"{label}: throughput (uncompressed, CPU)", f"{size / 1e6 / cpu_seconds:.0f} MB/s")
            show(f"{label}: peak memory (whole process)", f"{peak:.0f} MB",
                 f"≤ {MEMORY_TARGET_MB} MB", peak <= MEMORY_TARGET_MB)
            show(f"{label}: of which interpreter + imports",
                 f"{results[0]['baseline_kb'] / 1024:.0f} MB")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
