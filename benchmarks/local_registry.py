"""A UMIN-CTR stand-in for benchmarks, run in its own process (so that it does not share
the monitor's interpreter): the seed page for any receipt number R000000001…, with the IDs
rewritten, so that every watched trial has a page of its own.

    python benchmarks/local_registry.py    # prints "http://127.0.0.1:PORT", then serves
"""

from __future__ import annotations

import contextlib
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGE = (Path(__file__).resolve().parent.parent / "cassettes" / "umin-R000047329-v1"
        / "view-en.html").read_bytes()
RECEIPT = re.compile(rb"recptno=R(\d{9})")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall

    def do_GET(self) -> None:  # noqa: N802
        match = RECEIPT.search(self.path.encode())
        if not match:
            self.send_error(404)
            return
        number = match.group(1)
        body = PAGE.replace(b"R000047329", b"R" + number).replace(b"UMIN000041461",
                                                                   b"UMIN" + number)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
