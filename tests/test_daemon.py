"""The real daemon, as a subprocess, against a registry on 127.0.0.1 that changes its
page and misbehaves in every way we know; stopped with SIGTERM, killed with SIGKILL."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest
from conftest import CASSETTES, VIEW_EN, cassette_body
from servers import WebhookReceiver, _Server, serving

PATH = "/" + VIEW_EN.split("/", 3)[3]
V1 = cassette_body("umin-R000047329-v1", VIEW_EN)
V2 = cassette_body("umin-R000047329-v2", VIEW_EN)
OTHER = (CASSETTES / "umin-R000020832" / "view-en.html").read_bytes()
HTML = {"Content-Type": "text/html; charset=UTF-8"}


class ScriptedRegistry(_Server):
    """Answers the view page from a script of answers, one per request; the last repeats."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ScriptedHandler)
        self.script: list[tuple] = []
        self.served: list[str] = []
        self.guard = threading.Lock()

    def play(self, *answers: tuple) -> None:
        with self.guard:
            self.script = list(answers)

    def next_answer(self) -> tuple:
        with self.guard:
            answer = self.script.pop(0) if len(self.script) > 1 else self.script[0]
            self.served.append(answer[0])
            return answer


class _ScriptedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        server: ScriptedRegistry = self.server  # type: ignore[assignment]
        if self.path != PATH:
            self.send_error(404)
            return
        kind, *args = server.next_answer()
        if kind == "reset":  # close without a word
            self.close_connection = True
            return
        if kind == "hang":
            time.sleep(args[0])
        status, headers, body = {
            "page": lambda: (200, HTML, args[0]),
            "hang": lambda: (200, HTML, V1),
            "status": lambda: (args[0], {**HTML, **(args[1] if len(args) > 1 else {})},
                               b"<html><body>busy</body></html>"),
            "empty": lambda: (200, HTML, b""),
        }[kind]()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client may have given up (timeout)
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def registry():
    with serving(ScriptedRegistry()) as server:
        yield server


@pytest.fixture
def receiver():
    with serving(WebhookReceiver()) as server:
        yield server


def write_config(tmp_path, registry, receiver):
    path = tmp_path / "config.toml"
    path.write_text(f"""
[storage]
database = "daemon.db"
[http]
min_interval = "0s"
max_retries = 0
timeout = "1s"
deadline = "3s"
[umin]
base_url = "{registry.base_url}"
use_csv = false
[jrct]
base_url = "{registry.base_url}"
[links]
follow = false
[schedule]
interval = "1s"
jitter = "0s"
[alerts]
failure_threshold = 3
retry_base = "1s"
[[alerts.webhook]]
name = "hook"
url = "{receiver.base_url}/hook"
[[watch]]
id = "R000047329"
""", encoding="utf-8")
    return path


def start(config) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "run"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def query(db, sql):
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        return conn.execute(sql).fetchall()


def wait_for(condition, timeout=40.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except sqlite3.OperationalError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process, sig=signal.SIGTERM) -> tuple[int, str]:
    process.send_signal(sig)
    try:
        _, err = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return process.returncode, err


def test_faults_changes_sigterm_sigkill(tmp_path, registry, receiver):
    config = write_config(tmp_path, registry, receiver)
    db = tmp_path / "daemon.db"
    truncated = V1[:V1.index(b"<h2>Progress</h2>")]
    registry.play(("page", V1), ("status", 503), ("status", 429, {"Retry-After": "1"}),
                  ("reset",), ("hang", 3), ("page", truncated), ("empty",),
                  ("page", OTHER), ("page", V2))
    daemon = start(config)
    try:
        wait_for(lambda: query(db, "select count(*) from fetches where outcome = 'unchanged'")
                 [0][0] >= 2, what="the script to play out")
        second = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config),
                                 "run"], capture_output=True, text=True, timeout=30)
        assert second.returncode == 1
        assert "another ctr-monitor daemon (pid" in second.stderr
        status = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config),
                                 "status", "--format", "json"], capture_output=True,
                                text=True, timeout=30)
        assert '"running": true' in status.stdout
        wait_for(lambda: any(r.json()["event"] == "trial.recovered" for r in receiver.accepted),
                 what="the recovery alert")
    finally:
        code, log = stop(daemon)
    assert code == 0, log
    assert "SIGTERM received" in log and "daemon stopped" in log
    assert "Traceback" not in log

    versions = query(db, "select number, status from versions order by number")
    assert versions == [(1, "recruiting"), (2, "active_not_recruiting")]
    reasons = [r for (r,) in query(db, "select reason from fetches where outcome = 'failed' "
                                       "order by id")]
    assert reasons[:7] == ["server_error", "rate_limited", "network", "timeout",
                           "parse_error", "empty", "wrong_page"]
    events = [r.json() for r in receiver.accepted]
    kinds = sorted(e["event"] for e in events)
    assert kinds.count("trial.changed") == 1
    assert kinds.count("trial.fetch_failing") == 1
    assert kinds.count("trial.recovered") == 1
    assert kinds.count("trial.overdue") <= 1
    [changed] = [e for e in events if e["event"] == "trial.changed"]
    assert changed["changes"][0]["field"] == "status"
    assert len({e["delivery_id"] for e in events}) == len(events)

    # A change found while the receiver is down, then kill -9: nothing lost on restart.
    receiver.statuses = [500] * 1000
    registry.play(("page", V1))  # back to "recruiting": a real third version
    daemon = start(config)
    wait_for(lambda: query(db, "select count(*) from versions")[0][0] == 3,
             what="the third version")
    wait_for(lambda: query(db, "select count(*) from alert_attempts where ok = 0")[0][0] >= 1,
             what="a failed delivery")
    code, _ = stop(daemon, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert query(db, "pragma integrity_check") == [("ok",)]
    assert query(db, "select count(*) from alerts where status = 'pending' "
                     "and event = 'trial.changed'") == [(1,)]

    receiver.statuses = []
    daemon = start(config)
    try:
        wait_for(lambda: query(db, "select count(*) from alerts where status = 'pending'")
                 == [(0,)], what="the backlog to drain")
    finally:
        code, log = stop(daemon, signal.SIGINT)
    assert code == 0, log
    assert query(db, "select count(*) from versions") == [(3,)]
    changed = [r.json() for r in receiver.accepted if r.json()["event"] == "trial.changed"]
    assert len(changed) == 2
    assert changed[1]["changes"][0] == {"field": "status", "old": "active_not_recruiting",
                                        "new": "recruiting", "severity": "high",
                                        "languages": ["en"]}
    assert len({r.json()["delivery_id"] for r in receiver.accepted}) == len(receiver.accepted)


def test_status_without_daemon(tmp_path, registry, receiver):
    config = write_config(tmp_path, registry, receiver)
    result = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "status"],
                            capture_output=True, text=True, timeout=30,
                            env={**os.environ})
    assert result.returncode == 0
    assert "daemon: not running" in result.stdout
    assert "next when the daemon runs" in result.stdout
    assert "R000047329" in result.stdout
