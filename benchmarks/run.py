"""ctr-monitor's benchmarks: every figure measured in one run, with its target beside it.

    pip install -e '.[bench]'
    python benchmarks/run.py            # everything (a few minutes)
    python benchmarks/run.py --quick    # smaller numbers, same figures
    python benchmarks/run.py parse storage   # some sections only

Sections: parse (speed against a BeautifulSoup+lxml baseline), sweep (1,000 trials
against a local registry, and the achieved pace), storage (bytes per check and per
version; history and diff on 100,000 versions), memory (daemon RSS over many checks).
Nothing here touches the network: the registry is a local process on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from monitor.pipeline import Checker  # noqa: E402

from monitor.diff import diff_versions  # noqa: E402
from monitor.fetch import Fetcher, HttpSettings  # noqa: E402
from monitor.registries import build_registries  # noqa: E402
from monitor.registries.base import TrialRef  # noqa: E402
from monitor.store import Store  # noqa: E402

CASSETTES = ROOT / "cassettes"
UMIN_V1 = (CASSETTES / "umin-R000047329-v1" / "view-en.html").read_text(encoding="utf-8")
UMIN_V2 = (CASSETTES / "umin-R000047329-v2" / "view-en.html").read_text(encoding="utf-8")
JRCT = (CASSETTES / "jrct-jRCT2063200014-v1" / "latest-detail-ja.html").read_text(
    encoding="utf-8")
ROWS: list[tuple[str, str, str, str]] = []


def report(section: str, name: str, value: str, target: str = "", ok: bool | None = None):
    mark = "" if ok is None else ("PASS" if ok else "MISS")
    ROWS.append((section, name, value, f"{target} {mark}".strip()))
    print(f"  {name:<48} {value:>16}   {target} {mark}".rstrip(), flush=True)


def paired_median_ms(ours, theirs, runs: int) -> tuple[float, float]:
    """Medians of two functions timed in alternating blocks: each runs warm, and the
    machine's passing load weighs on both alike (this matters on small shared machines)."""
    a, b = [], []
    for _ in range(10):
        for times, function, count in ((a, ours, max(1, runs // 10)),
                                       (b, theirs, max(1, runs // 40))):
            function()  # warm
            for _ in range(count):
                start = time.perf_counter()
                function()
                times.append(time.perf_counter() - start)
    return statistics.median(a) * 1000, statistics.median(b) * 1000


def median_ms(function, runs: int) -> float:
    for _ in range(min(20, runs)):
        function()  # warm up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


# --- parse ----------------------------------------------------------------------------


def bench_parse(quick: bool) -> None:
    from baseline import parse_jrct, parse_umin

    print("parse: parse + normalize, median of many runs")
    runs = 100 if quick else 400
    registries = build_registries()
    umin, jrct = registries["umin"], registries["jrct"]
    ours_umin, base_umin = paired_median_ms(
        lambda: umin.normalize(umin.parse_page(UMIN_V1, "en"), "u"),
        lambda: parse_umin(UMIN_V1), runs // 2)
    ours_jrct, base_jrct = paired_median_ms(
        lambda: jrct.normalize(jrct.parse_page(JRCT, "ja"), "u"),
        lambda: parse_jrct(JRCT), runs // 2)
    old = umin.normalize(umin.parse_page(UMIN_V1, "en"), "u").to_dict()

    def parse_normalize_diff() -> None:
        new = umin.normalize(umin.parse_page(UMIN_V2, "en"), "u").to_dict()
        diff_versions(old, new, rules=umin.severity_rules(),
                      canonical_sources=umin.canonical_sources())

    full = median_ms(parse_normalize_diff, runs)
    report("parse", "UMIN page: ctr-monitor (ms)", f"{ours_umin:.2f}")
    report("parse", "UMIN page: BeautifulSoup+lxml baseline (ms)", f"{base_umin:.2f}")
    report("parse", "UMIN speed-up", f"{base_umin / ours_umin:.1f}x", ">= 10x",
           base_umin / ours_umin >= 10)
    report("parse", "jRCT page: ctr-monitor (ms)", f"{ours_jrct:.2f}")
    report("parse", "jRCT page: BeautifulSoup+lxml baseline (ms)", f"{base_jrct:.2f}")
    report("parse", "jRCT speed-up", f"{base_jrct / ours_jrct:.1f}x", ">= 10x",
           base_jrct / ours_jrct >= 10)
    report("parse", "UMIN parse + normalize + diff (ms)", f"{full:.2f}", "<= 3 ms", full <= 3)


# --- sweep ----------------------------------------------------------------------------


class LocalRegistry:
    """benchmarks/local_registry.py in a process of its own."""

    def __enter__(self) -> str:
        self.process = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" /
                                                             "local_registry.py")],
                                        stdout=subprocess.PIPE, text=True)
        return self.process.stdout.readline().strip()

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def bench_sweep(quick: bool) -> None:
    trials = 300 if quick else 1000
    print(f"sweep: {trials} watched trials against a local registry, no politeness delay")
    with LocalRegistry() as base_url, tempfile.TemporaryDirectory() as tmp:
        registries = build_registries({"umin": {"base_url": base_url}})
        store = Store(Path(tmp) / "sweep.db")
        fetcher = Fetcher(HttpSettings(min_interval=0, max_retries=0, timeout=10))
        checker = Checker(store, fetcher, registries)
        rows = [store.watch(TrialRef("umin", receipt_number=f"R{n:09d}"), source="cli",
                            typed=f"R{n:09d}")[0] for n in range(1, trials + 1)]
        for label in ("first check (new versions)", "second check (unchanged)"):
            before_requests = fetcher.requests_made
            wall, cpu = time.perf_counter(), time.process_time()
            outcomes = list(checker.run(rows, follow_links=False))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            failed = sum(1 for o in outcomes if o.failed)
            requests = fetcher.requests_made - before_requests
            report("sweep", f"{label}: wall time (s)", f"{wall:.1f}")
            report("sweep", f"{label}: CPU per trial (ms)", f"{cpu / trials * 1000:.2f}")
            report("sweep", f"{label}: requests per trial", f"{requests / trials:.2f}",
                   "<= 1 (one page needed)", requests / trials <= 1 and not failed)
        store.close()
        fetcher.close()

        interval, count = (0.2, 15) if quick else (0.5, 25)
        print(f"pace: {count} requests to one host with min_interval = {interval}s")
        starts: list[float] = []
        paced = Fetcher(HttpSettings(min_interval=interval, max_retries=0, timeout=10))
        paced.client.event_hooks["request"] = [lambda request: starts.append(time.monotonic())]
        url = registries["umin"].page_url(TrialRef("umin", receipt_number="R000000001"), "en")
        for _ in range(count):
            paced.get_html(url)
        paced.close()
        gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
        achieved = statistics.mean(gaps)
        error = abs(achieved - interval) / interval
        report("sweep", "achieved pace (s between requests)", f"{achieved:.3f}",
               f"{interval} ±5%", error <= 0.05)
        report("sweep", "shortest gap (s)", f"{min(gaps):.3f}", f">= {interval}",
               min(gaps) >= interval * 0.999)

        # Under load: 4 threads share one fetcher, as the daemon's workers do.
        from concurrent.futures import ThreadPoolExecutor

        starts.clear()
        loaded = Fetcher(HttpSettings(min_interval=interval, max_retries=0, timeout=10))
        loaded.client.event_hooks["request"] = [lambda request: starts.append(time.monotonic())]
        urls = [registries["umin"].page_url(TrialRef("umin", receipt_number=f"R{n:09d}"), "en")
                for n in range(1, count + 1)]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(loaded.get_html, urls))
        loaded.close()
        starts.sort()
        gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
        achieved = statistics.mean(gaps)
        report("sweep", "pace under load, 4 threads, one host (s)", f"{achieved:.3f}",
               f"{interval} ±5%", abs(achieved - interval) / interval <= 0.05)
        report("sweep", "shortest gap under load (s)", f"{min(gaps):.3f}", f">= {interval}",
               min(gaps) >= interval * 0.999)


# --- storage --------------------------------------------------------------------------


def _db_bytes(store: Store) -> int:
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return store.path.stat().st_size


def _variant(number: int) -> str:
    """A new real version of the seed page: status and dates change, like a real update."""
    status = "No longer recruiting" if number % 2 else "Open public recruiting"
    return (UMIN_V1.replace("Open public recruiting", status)
            .replace("2025/03/03 17:54:02", f"2025/03/03 {number // 3600 % 24:02d}:"
                     f"{number // 60 % 60:02d}:{number % 60:02d}")
            .replace("<p>10</p>", f"<p>{10 + number}</p>"))


def bench_storage(quick: bool) -> None:
    print("storage: bytes added per check, and reading history at scale")
    with tempfile.TemporaryDirectory() as tmp:
        page = {"body": UMIN_V1}
        transport = httpx.MockTransport(lambda request: httpx.Response(
            200, headers={"content-type": "text/html; charset=UTF-8"},
            content=page["body"].encode("utf-8")))
        store = Store(Path(tmp) / "storage.db")
        fetcher = Fetcher(HttpSettings(min_interval=0, max_retries=0), transport=transport)
        checker = Checker(store, fetcher, build_registries())
        row, _ = store.watch(TrialRef("umin", receipt_number="R000047329"), source="cli",
                             typed="R000047329")
        checker.check(store.get_trial(row.id))
        runs = 200 if quick else 1000
        before = _db_bytes(store)
        for _ in range(runs):
            checker.check(store.get_trial(row.id))
        unchanged = (_db_bytes(store) - before) / runs
        report("storage", "unchanged check (bytes added)", f"{unchanged:.0f}", "<= 300",
               unchanged <= 300)
        changed_runs = 100 if quick else 300
        before = _db_bytes(store)
        for number in range(1, changed_runs + 1):
            page["body"] = _variant(number)
            checker.check(store.get_trial(row.id))
        changed = (_db_bytes(store) - before) / changed_runs
        report("storage", "changed version, raw page kept (bytes added)", f"{changed:.0f}",
               "<= 10 KB", changed <= 10_240)
        store.close()
        fetcher.close()
        _bench_history(Path(tmp), quick)


def _bench_history(tmp: Path, quick: bool) -> None:
    """history and diff on a database of 100,000 versions (1,000 trials × 100)."""
    from click.testing import CliRunner

    from monitor.cli.main import cli

    trials, per_trial = (200, 100) if quick else (1000, 100)
    database = tmp / "big.db"
    config = tmp / "big.toml"
    config.write_text(f'[storage]\ndatabase = "{database}"\n[jrct]\nfollow_links = false\n',
                      encoding="utf-8")
    store = Store(database)
    umin = build_registries()["umin"]
    start = time.perf_counter()
    from monitor.normalize import content_hash

    # One trial's 100 versions through the real code path…
    with store.transaction():
        first, _ = store.watch(TrialRef("umin", trial_id="UMIN000000001",
                                        receipt_number="R000000001"), source="cli",
                               typed="UMIN000000001")
        previous = None
        for n in range(per_trial):
            page = _variant(n)
            record = umin.normalize(umin.parse_page(page, "en"), "u").to_dict()
            changes = [] if previous is None else diff_versions(
                previous, record, rules=umin.severity_rules(),
                canonical_sources=umin.canonical_sources())
            store.add_version(first, "en", record, content_hash(record), page.encode(),
                              "text/html", changes)
            previous = record
    # …then cloned in SQL for the other trials, each clone's records pointing at its own
    # first version as their compression base.
    columns = [c for c in store.db["versions"].columns_dict if c not in ("id", "trial",
                                                                       "record_base")]
    names = ", ".join(columns)
    with store.transaction():
        for t in range(2, trials + 1):
            row, _ = store.watch(TrialRef("umin", trial_id=f"UMIN{t:09d}",
                                          receipt_number=f"R{t:09d}"), source="cli",
                                 typed=f"UMIN{t:09d}")
            store.db.execute(f"insert into versions (trial, record_base, {names}) select ?, "
                             f"null, {names} from versions where trial = ? and number = 1",
                             [row.id, first.id])
            base = store.db.execute("select id from versions where trial = ? and number = 1",
                                    [row.id]).fetchone()[0]
            store.db.execute(f"insert into versions (trial, record_base, {names}) select ?, "
                             f"?, {names} from versions where trial = ? and number > 1",
                             [row.id, base, first.id])
            store.db.execute(
                "insert into version_changes (version, field, old, new, severity) "
                "select nv.id, c.field, c.old, c.new, c.severity from version_changes c "
                "join versions ov on c.version = ov.id and ov.trial = ? "
                "join versions nv on nv.trial = ? and nv.number = ov.number", [first.id, row.id])
    store.close()
    total = trials * per_trial
    report("storage", "versions in the database", f"{total:,}",
           f"(built in {time.perf_counter() - start:.0f} s)")
    runner = CliRunner()
    target = f"UMIN{trials // 2:09d}"

    def run(*args: str) -> None:
        result = runner.invoke(cli, ["--config", str(config), *args])
        assert result.exit_code == 0, result.output

    history = median_ms(lambda: run("history", target, "--format", "json"), 15)
    diff = median_ms(lambda: run("diff", target, "--format", "json"), 15)
    diff_old = median_ms(lambda: run("diff", target, "--from", "2", "--to", "3", "--format",
                                     "json"), 15)
    report("storage", "history of one trial, 100 versions (ms)", f"{history:.1f}",
           "<= 100 ms", history <= 100)
    report("storage", "diff, last change (ms)", f"{diff:.1f}", "<= 100 ms", diff <= 100)
    report("storage", "diff, two old versions (ms)", f"{diff_old:.1f}", "<= 100 ms",
           diff_old <= 100)


# --- memory ---------------------------------------------------------------------------


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_memory(quick: bool) -> None:
    marks = (500, 2000) if quick else (1000, 10000)
    print(f"memory: daemon RSS after {marks[0]:,} and {marks[1]:,} checks")
    watches = 200
    with LocalRegistry() as base_url, tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        database = Path(tmp) / "daemon.db"
        config.write_text(
            f'[storage]\ndatabase = "{database}"\n[http]\nmin_interval = "0s"\n'
            f'max_retries = 0\n[umin]\nbase_url = "{base_url}"\n[jrct]\nbase_url = '
            f'"{base_url}"\nfollow_links = false\n[schedule]\ninterval = "1s"\n'
            'jitter = "0s"\nworkers = 4\n'
            + "".join(f'[[watch]]\nid = "R{n:09d}"\n' for n in range(1, watches + 1)),
            encoding="utf-8")
        daemon = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config),
                                   "run"], stderr=subprocess.DEVNULL, cwd=ROOT)
        readings = []
        started = time.monotonic()
        try:
            for mark in marks:
                while True:
                    time.sleep(0.5)
                    if daemon.poll() is not None:
                        raise RuntimeError("the daemon stopped")
                    try:
                        with __import__("sqlite3").connect(f"file:{database}?mode=ro",
                                                           uri=True) as conn:
                            done = conn.execute("select count(*) from fetches").fetchone()[0]
                    except Exception:
                        continue
                    if done >= mark:
                        break
                readings.append((done, _rss_mb(daemon.pid), time.monotonic() - started))
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)
        for done, rss, _ in readings:
            report("memory", f"daemon RSS after {done:,} checks (MB)", f"{rss:.1f}",
                   "<= 80 MB", rss <= 80)
        growth = readings[-1][1] - readings[0][1]
        report("memory", "growth between the two readings (MB)", f"{growth:+.1f}",
               "flat (< 5 MB)", growth < 5)
        rate = readings[-1][0] / readings[-1][2]
        report("memory", "daemon throughput (checks/s)", f"{rate:.0f}")


SECTIONS = {"parse": bench_parse, "sweep": bench_sweep, "storage": bench_storage,
            "memory": bench_memory}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sections", nargs="*", choices=[[], *SECTIONS], default=[])
    parser.add_argument("--quick", action="store_true", help="smaller numbers")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    print(f"ctr-monitor benchmarks — Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs{' (quick)' if args.quick else ''}")
    for name in args.sections or SECTIONS:
        SECTIONS[name](args.quick)
    missed = [row for row in ROWS if row[3].endswith("MISS")]
    print(f"{len(ROWS)} figures, {len(missed)} targets missed")
    if args.json:
        args.json.write_text(json.dumps(ROWS, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
