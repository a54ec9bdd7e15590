"""ctr-monitor's benchmarks: every figure measured in one run, beside its target and its
baseline, ending with how many targets were missed.

    pip install -e '.[bench]'
    python benchmarks/run.py                    # every section (about 15 minutes, 2 CPUs)
    python benchmarks/run.py --quick            # smaller numbers, same figures (~2 min)
    python benchmarks/run.py parse scale        # some sections, by name
    python benchmarks/run.py --json out.json    # the figures as JSON too

Sections: parse (a page, against BeautifulSoup+lxml, lxml and the tree-building
floors), csv-requests (what UMIN-CTR's daily CSV saves), csv-read (a 300 MB CSV: time
and memory), hosts (two registries in one pass), scale (list and report on 5,000 and
20,000 trials; the daemon's memory after a full pass), storage (bytes per check and per
version), diff (the HTML word diff of a long field), memory (the daemon over many
checks), pace (the interval kept with one host). Nothing touches the network: the
registries are local processes on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import paths  # the repository and tests/ on the path
from bench_daemon import bench_memory, bench_pace
from bench_hosts import bench_hosts
from bench_listing import bench_listing
from bench_parse import bench_parse
from bench_scale import bench_scale
from bench_storage import bench_storage
from figures import Figures
from text_diff import bench_text_diff
from umin_csv import bench_csv_read

Section = Callable[[bool, Figures], None]
SECTIONS: dict[str, Section] = {
    "parse": bench_parse,
    "csv-requests": bench_listing,
    "csv-read": bench_csv_read,
    "hosts": bench_hosts,
    "scale": bench_scale,
    "storage": bench_storage,
    "diff": bench_text_diff,
    "memory": bench_memory,
    "pace": bench_pace,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sections", nargs="*", metavar="SECTION",
                        help=f"any of: {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller numbers, same figures")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    unknown = [name for name in args.sections if name not in SECTIONS]
    if unknown:
        parser.error(f"no section {', '.join(unknown)}: choose from {', '.join(SECTIONS)}")
    print(f"ctr-monitor benchmarks — Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
          f"{' (quick)' if args.quick else ''}", flush=True)
    # Whole-process figures time a command as a user runs it: from bytecode, which pip
    # compiles at install and Python caches on the first run. An editable install on a
    # machine with PYTHONDONTWRITEBYTECODE (as here) would compile every module on
    # every run instead (+0.2 s a command).
    compileall.compile_dir(str(paths.ROOT / "monitor"), quiet=1)
    figures = Figures()
    started = time.perf_counter()
    for name in args.sections or SECTIONS:
        begun = time.perf_counter()
        SECTIONS[name](args.quick, figures)
        print(f"    ({name}: {time.perf_counter() - begun:.0f} s)", flush=True)
    print(f"{figures.summary()} (in {time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps([asdict(row) for row in figures.rows], indent=1,
                                        ensure_ascii=False), encoding="utf-8")
    return 1 if figures.missed else 0


if __name__ == "__main__":
    sys.exit(main())
