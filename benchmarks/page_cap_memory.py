"""Peak memory and time of one check on the worst pages a server could send at the cap.

Each family of malformed markup is built to ``--cap`` decoded bytes, passed through what
the fetcher does to a page (decode, markup guard) and, if the guard lets it through,
parsed by both registry parsers, in a fresh process whose peak RSS is then read. The
``[http] max_page_bytes`` default is chosen from this table: a whole check must stay
under 300 MB whatever a server sends.

    python benchmarks/page_cap_memory.py [--cap 1048576] [--timeout 300]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

FAMILIES = ("real-like", "cells", "attributes", "deep-500", "tables-16", "inline-deep",
            "formatting-copies", "big-attribute-copies", "foster", "many-tags", "entities",
            "unclosed-reconstruct", "nested-tables", "nested-divs", "umin+rows",
            "umin+tables-15", "jrct+rows", "jrct+tables-15", "jrct+cells")
ROOT = Path(__file__).resolve().parent.parent
REAL = {"umin": ROOT / "cassettes/umin-R000047329-v1/view-en.html",
        "jrct": ROOT / "cassettes/jrct-jRCT2063200014-v1/latest-detail-en.html"}
BLOAT = {"rows": "<tr><th>Scientific Title</th><td>x</td></tr>",
         "tables-15": "<table><tr><td>" * 15 + "x" + "</td></tr></table>" * 15,
         "cells": "<td>x"}


def build(family: str, size: int, pad: int = 1) -> str:
    """About ``size`` characters of ``family`` markup (ASCII, so bytes = characters);
    ``pad`` characters of text where each unit has its text (more: fewer tags)."""
    def repeat(unit: str, head: str = "", tail: str = "") -> str:
        unit = unit.replace(">x", ">" + "x" * pad)
        return head + unit * max(1, (size - len(head) - len(tail)) // len(unit)) + tail

    html = "<html><head><title>t</title></head><body>"
    if "+" in family:  # a real page that parses, with the bloat inside its first cell
        registry, bloat = family.split("+")
        page = REAL[registry].read_text(encoding="utf-8")
        cut = page.index("</td>")
        return repeat(BLOAT[bloat], page[:cut], page[cut:])
    if family == "real-like":  # a registry-shaped page, only bigger
        return repeat("<tr><th>Scientific Title</th><td>value value value</td></tr>\n",
                      html + "<table class=explain_table>", "</table></body></html>")
    if family == "cells":
        return repeat("<td>x", html + "<table><tr>")
    if family == "attributes":
        return repeat("<p " + " ".join(f"a{i}=1" for i in range(200)) + ">x", html)
    if family == "deep-500":
        return repeat("<div>" * 500 + "x" + "</div>" * 500, html)
    if family == "tables-16":
        return repeat("<table><tr><td>" * 16 + "x" + "</td></tr></table>" * 16, html)
    if family == "inline-deep":
        return repeat("<span>" * 500 + "<div>x</div>" * 200 + "</span>" * 500, html)
    if family == "formatting-copies":  # as many copies as the guard allows
        tags = "".join(f"<{t}>" * 3 for t in ("b", "i", "u", "s", "em", "strong", "big",
                                                "small", "tt", "code", "font", "strike"))
        return repeat("<div>x</div>", html + "<div>" + tags + "</div>")
    if family == "big-attribute-copies":
        tags = "".join(f"<b t{i}={'a' * 20_000}>" for i in range(10))
        return repeat("<div>x</div>", html + "<div>" + tags + "</div>")
    if family == "foster":
        return repeat("<table><b><i>x", html)
    if family == "many-tags":
        return repeat("<p>x", html)
    if family == "entities":
        return repeat("&amp;&#x3042;&lt;", html + "<p>x")
    if family == "unclosed-reconstruct":  # the unguarded worst: millions of nodes
        tags = "".join(f"<b x={i}>" for i in range(size // 20))
        return repeat("<div>x</div>", html + "<div>" + tags + "</div>")
    if family == "nested-tables":
        return repeat("<table><tr><td>", html)
    if family == "nested-divs":
        return repeat("<div>", html)
    raise ValueError(family)


def worst(family: str, size: int) -> tuple[str, str]:
    """The densest page of ``family`` the markup guard accepts (least text per unit),
    or the plain one and why even that is refused."""
    from monitor.errors import FetchError
    from monitor.fetch.markup import check_markup

    why = ""
    for pad in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384):
        text = build(family, size, pad)
        try:
            check_markup(text, "bench")
        except FetchError as error:
            why = str(error).split("(", 1)[1].rstrip(")")
            continue
        return text, ""
    return build(family, size), why


def measure(family: str, size: int) -> dict:
    """Run in a child: the fetcher's checks, then both parsers; report peak RSS."""
    import resource

    from monitor.errors import MonitorError
    from monitor.fetch.decode import decode_html
    from monitor.fetch.markup import check_markup
    from monitor.registries import build_registries

    registries = build_registries()
    text, why = worst(family, size)
    body = text.encode()
    result: dict = {"family": family, "bytes": len(body)}
    began = time.perf_counter()
    try:
        text = decode_html(body, "text/html; charset=UTF-8", "bench")
        check_markup(text, "bench")
    except MonitorError as error:
        result["refused"] = why or str(error)
    else:
        for name in ("umin", "jrct"):
            start = time.perf_counter()
            try:
                registries[name].parse_page(text, "en")
                outcome = "parsed"
            except MonitorError as error:
                outcome = type(error).__name__
            result[name] = f"{outcome} {time.perf_counter() - start:.2f}s"
    result["seconds"] = round(time.perf_counter() - began, 2)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=int, default=1024 * 1024)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("families", nargs="*", default=list(FAMILIES))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.cap)))
        return
    baseline = subprocess.run(
        [sys.executable, "-c", "import resource, monitor.registries, monitor.fetch;"
         "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)"],
        capture_output=True, text=True, check=True).stdout.strip()
    print(f"cap {args.cap:,} bytes; a process with the parsers loaded: {baseline} MB")
    print(f"{'family':<22} {'bytes':>9} {'peak MB':>8} {'seconds':>8}  outcome")
    for family in args.families:
        try:
            out = subprocess.run([sys.executable, __file__, "--cap", str(args.cap),
                                  "--child", family], capture_output=True, text=True,
                                 timeout=args.timeout)
            row = json.loads(out.stdout) if out.returncode == 0 else {
                "family": family, "bytes": 0, "peak_mb": "?", "seconds": "?",
                "refused": f"crashed ({out.returncode}): {out.stderr.strip()[-120:]}"}
        except subprocess.TimeoutExpired:
            row = {"family": family, "bytes": 0, "peak_mb": "?", "seconds": f">{args.timeout}",
                   "refused": "timed out"}
        outcome = (f"refused ({row['refused']})" if "refused" in row
                   else f"umin {row['umin']}, jrct {row['jrct']}")
        print(f"{row['family']:<22} {row['bytes']:>9,} {row['peak_mb']:>8} "
              f"{row['seconds']:>8}  {outcome}", flush=True)


if __name__ == "__main__":
    main()
