"""A registry stand-in for benchmarks, run in a process of its own (so that serving does
not share the monitor's interpreter), on 127.0.0.1.

It serves, for trials 1…N, pages made from the seed trial's cassette pages with the IDs
rewritten — trial n is UMIN-CTR receipt ``R{n:09d}``, ``UMIN{n:09d}``, and its jRCT twin
``jRCT1{n:09d}``; each names the other, as the seed pair does — and UMIN-CTR's daily CSV
of all N trials, agreeing with the pages, with an ETag and Last-Modified (304 when the
client already has it). Start two for two hosts (UMIN-CTR on one, jRCT on the other).

    python benchmarks/registry_server.py --trials 5000   # prints "http://127.0.0.1:PORT"

Control, for the benchmark driving it: ``POST /_change?trials=1,5,9`` moves those trials
to their second version (the cassette's v2 page: status and last-modified changed) and
republishes the CSV; ``GET /_stats`` returns the requests served, by kind, as JSON;
``POST /_reset`` zeroes them.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import re
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import paths  # noqa: F401 (puts tests/ on the path, for csvdata)
from paths import CASSETTES

CSV_PATH = "/ctr_csv/ctr_data_j.csv.gz"
UMIN_PAGE = re.compile(r"/cgi-open-bin/ctr(_e)?/ctr_view\.cgi\?recptno=R(\d{9})$")
JRCT_PAGE = re.compile(r"/(en-)?latest-detail/jRCT1(\d{9})$")
SEED = {"receipt": b"R000047329", "umin": b"UMIN000041461", "jrct": b"jRCT2063200014"}
# What the seed page says in each version, for the CSV row that must agree with it.
CSV_VALUES = {1: {"status_ja": "一般募集中", "status_en": "Open public recruiting",
                  "date_last_modified": "2025/03/03 17:54:02"},
              2: {"status_ja": "募集終了", "status_en": "No longer recruiting",
                  "date_last_modified": "2025/06/10"}}


def twin_id(number: int) -> str:
    return f"jRCT1{number:09d}"


def _templates() -> dict[tuple[str, str, int], bytes]:
    found = {}
    for version in (1, 2):
        umin = CASSETTES / f"umin-R000047329-v{version}"
        jrct = CASSETTES / f"jrct-jRCT2063200014-v{version}"
        found[("umin", "en", version)] = (umin / "view-en.html").read_bytes()
        found[("umin", "ja", version)] = (umin / "view-ja.html").read_bytes()
        found[("jrct", "ja", version)] = (jrct / "latest-detail-ja.html").read_bytes()
        found[("jrct", "en", version)] = (jrct / "latest-detail-en.html").read_bytes()
    return found


class Registry(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, trials: int) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.trials = trials
        self.templates = _templates()
        self.changed: set[int] = set()
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.generation = 0
        self.csv = b""
        self.etag = ""
        self.last_modified = ""
        self._rows = self._csv_rows()
        self.publish()

    def _csv_rows(self) -> list[dict[str, str]]:
        import random

        from csvdata import trial  # type: ignore[import-not-found,unused-ignore]

        rng = random.Random(11)
        templates = [trial(n, rng, prose=1, empty=0.4) for n in range(1, 201)]
        rows = []
        for number in range(1, self.trials + 1):
            row = dict(templates[number % len(templates)])
            receipt = f"R{number:09d}"
            row.update(receipt_number=receipt, trial_id=f"UMIN{number:09d}",
                       target_sample_size="10",
                       url_ja=row["url_ja"].rsplit("=", 1)[0] + "=" + receipt,
                       url_en=row["url_en"].rsplit("=", 1)[0] + "=" + receipt)
            rows.append(row)
        return rows

    def publish(self) -> None:
        """Write the CSV as the registry shows it now, under a new ETag and date."""
        import csv

        from csvdata import header_rows, layout  # type: ignore[import-not-found,unused-ignore]

        columns = layout()
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerows(header_rows(columns, "two-rows"))
        for number, row in enumerate(self._rows, start=1):
            values = {**row, **CSV_VALUES[2 if number in self.changed else 1]}
            writer.writerow([values.get(column.key, "") for column in columns])
        self.generation += 1
        self.csv = gzip.compress(text.getvalue().encode("utf-8"), compresslevel=1)
        self.etag = f'"gen-{self.generation}"'
        self.last_modified = formatdate(1_700_000_000 + self.generation * 86400, usegmt=True)

    def page(self, registry: str, language: str, number: int) -> bytes:
        version = 2 if number in self.changed else 1
        body = self.templates[(registry, language, version)]
        for seed, value in ((SEED["receipt"], f"R{number:09d}"),
                            (SEED["umin"], f"UMIN{number:09d}"),
                            (SEED["jrct"], twin_id(number))):
            body = body.replace(seed, value.encode())
        return body

    def count(self, kind: str) -> None:
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body in two writes: no 40 ms stall

    server: Registry

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        server = self.server
        if self.path == "/_stats":
            with server.lock:
                self.respond(200, json.dumps(server.counts).encode(), "application/json")
            return
        if self.path == CSV_PATH:
            self.serve_csv()
            return
        match = UMIN_PAGE.fullmatch(self.path)
        if match and 1 <= int(match.group(2)) <= server.trials:
            server.count("umin_page")
            self.respond(200, server.page("umin", "en" if match.group(1) else "ja",
                                          int(match.group(2))), "text/html; charset=UTF-8")
            return
        match = JRCT_PAGE.fullmatch(self.path)
        if match and 1 <= int(match.group(2)) <= server.trials:
            server.count("jrct_page")
            self.respond(200, server.page("jrct", "en" if match.group(1) else "ja",
                                          int(match.group(2))), "text/html; charset=UTF-8")
            return
        server.count("other")
        self.respond(404, b"<html><body>not found</body></html>", "text/html")

    def serve_csv(self) -> None:
        server = self.server
        with server.lock:
            csv, etag, modified = server.csv, server.etag, server.last_modified
        validators = {"ETag": etag, "Last-Modified": modified}
        if self.headers.get("If-None-Match") == etag or (
                not self.headers.get("If-None-Match")
                and self.headers.get("If-Modified-Since") == modified):
            server.count("csv_304")
            self.send_response(304)
            for name, value in validators.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        server.count("csv_200")
        self.respond(200, csv, "application/x-gzip", validators)

    def do_POST(self) -> None:  # noqa: N802
        server = self.server
        url = urlsplit(self.path)
        if url.path == "/_reset":
            with server.lock:
                server.counts.clear()
        elif url.path == "/_change":
            numbers = parse_qs(url.query).get("trials", [""])[0]
            with server.lock:
                server.changed |= {int(n) for n in numbers.split(",") if n}
                server.publish()
        else:
            self.respond(404, b"", "text/plain")
            return
        self.respond(200, b"ok", "text/plain")

    def respond(self, status: int, body: bytes, kind: str,
                extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    args = parser.parse_args()
    started = time.perf_counter()
    server = Registry(args.trials)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    print(f"ready in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
