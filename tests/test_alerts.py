"""Alerts over real channels on 127.0.0.1: webhook (signed) and SMTP, through the outbox."""

from __future__ import annotations

import hashlib
import hmac
import logging
import subprocess
import sys

import httpx
import pytest
from conftest import VIEW_EN, cassette_body, make_monitor
from servers import RegistryServer, WebhookReceiver, serving, smtp_server

from monitor.alert.messages import email_html, slack_text
from monitor.errors import ConfigError
from monitor.fetch import Fetcher, HttpSettings
from monitor.registries.base import TrialRef

SECRET = "whsec-Tz9-not-for-logs"
PASSWORD = "smtp-pw-Qx7-not-for-logs"
HTML = {"content-type": "text/html; charset=UTF-8"}
V1 = cassette_body("umin-R000047329-v1", VIEW_EN)
V2 = cassette_body("umin-R000047329-v2", VIEW_EN)
RECEIPT = TrialRef("umin", keys=(("receipt_number", "R000047329"),))


class Clock:
    def __init__(self) -> None:
        import time
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class Registry:
    """The registry as an httpx transport (the fetch layer's seam): a page we can swap."""

    def __init__(self) -> None:
        self.responses: list[httpx.Response] = []
        self.body = V1

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.responses:
            return self.responses.pop(0)
        return httpx.Response(200, headers=HTML, content=self.body)


@pytest.fixture
def receiver():
    with serving(WebhookReceiver()) as server:
        yield server


@pytest.fixture
def env():
    return {"CTR_TEST_HOOK_SECRET": SECRET, "CTR_TEST_SMTP_PASSWORD": PASSWORD}


class Harness:
    """A monitor watching the seed trial, its registry a swappable page, alerts going to
    the channels of ``alerts_toml``."""

    def __init__(self, tmp_path, alerts_toml: str, env, clock=None) -> None:
        self.registry = Registry()
        self.clock = clock or Clock()
        fetcher = Fetcher(HttpSettings(min_interval=0, max_retries=0),
                          transport=httpx.MockTransport(self.registry.handler))
        self.monitor = make_monitor(tmp_path, "[links]\nfollow = false\n" + alerts_toml,
                                    fetcher=fetcher, env=env, clock=self.clock)
        self.store = self.monitor.store
        self.row, _ = self.store.trials.watch(RECEIPT, source="cli", typed="R000047329")

    def check(self):
        return self.monitor.run_pass(self.monitor.groups([self.row]), full=True)

    def first_then_change(self, changed: bytes = V2) -> None:
        """A first version (nothing to alert), then a real change (one alert queued)."""
        self.check()
        self.registry.body = changed
        self.check()

    def deliver(self, **options):
        return self.monitor.deliver_alerts(**options)

    def count(self, table: str) -> int:
        return self.store.database.db[table].count


def webhook(receiver, extra: str = "", **rules: str) -> str:
    text = "[alerts]\nmax_age = \"1h\"\n" + "".join(f"{k} = {v}\n" for k, v in rules.items())
    return text + (f'[[alerts.webhook]]\nname = "hook"\nurl = "{receiver.base_url}/ctr"\n'
                   f'secret_env = "CTR_TEST_HOOK_SECRET"\n{extra}')


def test_webhook_fails_three_times_then_delivers_exactly_once(tmp_path, receiver, env):
    h = Harness(tmp_path, webhook(receiver), env)
    h.check()                                  # first version: nothing to alert
    assert h.count("alerts") == 0
    h.registry.body = V2
    h.check()                                  # the change: one alert queued, same transaction
    assert h.count("alerts") == 1
    receiver.statuses = [500, 503, 404]
    waits = []
    for _ in range(4):
        report = h.deliver()
        pending = h.store.outbox.with_status(("pending",))
        if pending:
            waits.append(pending[0].next_attempt_at)
            h.clock.now += 60 * 2 ** len(waits)  # past the backoff
    assert report.delivered == 1
    assert [r.status for r in receiver.received] == [500, 503, 404, 200]
    assert len({r.headers["X-CTR-Monitor-Delivery"] for r in receiver.received}) == 1
    assert len(waits) == 3 and waits == sorted(waits)  # backoff grows
    # nothing more to send, and a second check of the same content sends nothing
    assert h.deliver().delivered == 0
    h.check()
    h.clock.now += 10_000
    assert h.deliver().delivered == 0
    assert len(receiver.accepted) == 1
    assert h.count("alert_attempts") == 4


def test_retry_tries_every_waiting_alert_now(tmp_path, receiver, env):
    """After fixing a receiver, `alerts --retry` flushes the backlog: alerts waiting for
    their backoff are tried at once, not only the given-up ones."""
    h = Harness(tmp_path, webhook(receiver), env)
    h.first_then_change()
    receiver.statuses = [500]
    assert h.deliver().failed == 1
    assert h.deliver().delivered == 0  # waiting for its backoff
    revived, report = h.monitor.retry_alerts()
    assert (revived, report.delivered) == (0, 1)
    assert len(receiver.accepted) == 1


def test_webhook_body_and_signature(tmp_path, receiver, env):
    h = Harness(tmp_path, webhook(receiver), env)
    h.first_then_change()
    h.deliver()
    [got] = receiver.received
    body = got.json()
    assert body["event"] == "trial.changed"
    assert body["delivery_id"] == got.headers["X-CTR-Monitor-Delivery"]
    assert (body["registry"], body["trial_id"]) == ("umin", "UMIN000041461")
    assert body["url"] == VIEW_EN
    assert body["detected_at"].endswith("Z")
    assert body["changes"] == [
        {"field": "status", "old": "recruiting", "new": "active_not_recruiting",
         "severity": "high", "languages": ["en"]},
        {"field": "date_last_modified", "old": "2025-03-03", "new": "2025-06-10",
         "severity": "medium", "languages": ["en"]}]
    expected = "sha256=" + hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert got.headers["X-CTR-Monitor-Signature"] == expected
    assert got.headers["Content-Type"].startswith("application/json")


def test_crash_between_send_and_bookkeeping_resends_once_with_same_id(
        tmp_path, receiver, env, monkeypatch):
    h = Harness(tmp_path, webhook(receiver), env)
    h.first_then_change()
    original = h.store.outbox.record_attempt

    def crash(*args, **kwargs):
        raise SystemExit("killed after sending")

    monkeypatch.setattr(h.store.outbox, "record_attempt", crash)
    with pytest.raises(SystemExit):
        h.deliver()
    monkeypatch.setattr(h.store.outbox, "record_attempt", original)
    assert h.deliver().delivered == 0  # leased to the "dead" process for a while
    h.clock.now += 301
    assert h.deliver().delivered == 1
    h.clock.now += 10_000
    assert h.deliver().delivered == 0
    ids = [r.headers["X-CTR-Monitor-Delivery"] for r in receiver.received]
    assert len(ids) == 2 and ids[0] == ids[1]


def test_a_restarted_daemon_takes_over_its_dead_predecessors_leases(tmp_path, receiver, env,
                                                                    monkeypatch):
    h = Harness(tmp_path, webhook(receiver), env)
    h.monitor.owner = "daemon:1234"
    h.first_then_change()
    monkeypatch.setattr(h.store.outbox, "record_attempt",
                        lambda *a, **k: (_ for _ in ()).throw(SystemExit("kill -9")))
    with pytest.raises(SystemExit):
        h.deliver()
    monkeypatch.undo()
    assert h.deliver().delivered == 0  # still leased
    assert h.monitor.take_over_leases("cli") == 0  # a CLI's leases are not the daemon's
    assert h.monitor.take_over_leases("daemon") == 1
    assert h.deliver().delivered == 1  # at once, not five minutes later


def test_alert_too_old_is_given_up_and_listed(tmp_path, receiver, env):
    h = Harness(tmp_path, webhook(receiver), env)
    h.first_then_change()
    receiver.statuses = [500] * 20
    for _ in range(8):
        h.deliver()
        h.clock.now += 1800
    [dead] = h.store.outbox.with_status(("dead",))
    assert dead.last_error == "receiver answered HTTP 500"
    assert h.store.outbox.with_status(("pending",)) == []
    receiver.statuses = []
    revived, report = h.monitor.retry_alerts()
    assert (revived, report.delivered) == (1, 1)


def test_rules_filter_by_severity_and_field(tmp_path, receiver, env):
    h = Harness(tmp_path, webhook(receiver, min_severity='"low"',
                                  exclude_fields='["date_last_modified"]'), env)
    h.first_then_change()
    h.deliver()
    fields = [c["field"] for c in receiver.received[0].json()["changes"]]
    assert fields == ["status"]


def test_failure_episode_alerts_once_and_recovery_once(tmp_path, receiver, env):
    h = Harness(tmp_path, webhook(receiver, failure_threshold="2"), env)
    h.check()
    for _ in range(4):
        h.registry.responses.append(httpx.Response(503))
        h.check()
    h.check()
    h.check()
    h.deliver()
    events = [r.json() for r in receiver.received]
    assert [e["event"] for e in events] == ["trial.fetch_failing", "trial.recovered"]
    assert events[0]["consecutive_failures"] == 2
    assert "503" in events[0]["error"]


def test_alert_rolls_back_with_its_version(tmp_path, receiver, env, monkeypatch):
    h = Harness(tmp_path, webhook(receiver), env)
    h.check()
    h.registry.body = V2

    def broken_enqueue(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(h.store.outbox, "enqueue", broken_enqueue)
    with pytest.raises(RuntimeError):
        h.check()
    assert h.count("versions") == 1  # no version without its alert
    monkeypatch.undo()
    h.check()
    assert (h.count("versions"), h.count("alerts")) == (2, 1)


def email(smtp, extra: str = "") -> str:
    return (f'[alerts]\nmin_severity = "low"\n{extra}[alerts.email]\nhost = "127.0.0.1"\n'
            f'port = {smtp.port}\nstarttls = false\nusername = "monitor"\n'
            f'password_env = "CTR_TEST_SMTP_PASSWORD"\nfrom = "monitor@example.org"\n'
            f'to = ["coordinator@example.org"]\n')


def test_email_over_real_smtp(tmp_path, env):
    hostile = V2.replace(b"0836-22-2428", b"&lt;script&gt;alert(1)&lt;/script&gt;")
    with smtp_server("monitor", PASSWORD) as smtp:
        h = Harness(tmp_path, email(smtp), env)
        h.first_then_change(hostile)
        report = h.deliver()
    assert report.delivered == 1 and smtp.logins == [True]
    [message] = smtp.messages
    assert message["Subject"] == ("[ctr-monitor] UMIN000041461 (UMIN-CTR): Recruitment status: "
                                  "Open public recruiting → No longer recruiting (+2 more)")
    assert message["To"] == "coordinator@example.org"
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    assert "High · Recruitment status" in text
    assert "Before: Open public recruiting" in text and "After: No longer recruiting" in text
    assert "<script>alert(1)</script>" in text  # plain text is plain
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<del>Open public</del>" in page and "<ins>No longer</ins>" in page
    assert "active_not_recruiting" not in text + page  # people's words, not identifiers


def test_email_in_japanese(tmp_path, env):
    with smtp_server("monitor", PASSWORD) as smtp:
        h = Harness(tmp_path, email(smtp, 'language = "ja"\n'), env)
        h.first_then_change()
        h.deliver()
    [message] = smtp.messages
    assert message["Subject"].startswith("[ctr-monitor] UMIN000041461 (UMIN-CTR): "
                                         "試験進捗状況：一般募集中 → 募集終了")
    text = message.get_body(("plain",)).get_content()
    assert "高 · 試験進捗状況" in text and "変更後: 募集終了" in text


def test_slack_format_escapes_registry_text():
    event = {"event": "trial.changed", "registry": "umin", "trial_id": "UMIN000041461",
             "url": "https://x", "detected_at": "t",
             "changes": [{"field": "fields.Public contact.TEL", "old": "<b>a</b>",
                          "new": "b & c", "severity": "high"}]}
    text = slack_text(event)
    assert "&lt;b&gt;a&lt;/b&gt;" in text and "b &amp; c" in text and "<b>" not in text
    assert "<script>" not in email_html({**event, "title": "<script>x</script>"}, "id")


def test_slack_webhook_body(tmp_path, receiver, env):
    h = Harness(tmp_path, webhook(receiver, 'format = "slack"\n'), env)
    h.first_then_change()
    h.deliver()
    body = receiver.received[0].json()
    assert set(body) == {"text"}
    assert body["text"].startswith("*UMIN000041461 (UMIN-CTR): Recruitment status: Open "
                                   "public recruiting → No longer recruiting")


def test_unset_secret_stops_check_and_run_before_they_start(tmp_path, receiver):
    h = Harness(tmp_path, webhook(receiver), env={})
    with pytest.raises(ConfigError, match="environment variable CTR_TEST_HOOK_SECRET "
                                          "\\(the signing key of webhook hook"):
        h.monitor.require_secrets()


# --- the command line, secrets included ------------------------------------------------


def cli(config, *args, env=None):
    import os
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CTR_TEST_")}
    return subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "-vv",
                           *args], capture_output=True, text=True, timeout=60,
                          env={**clean, **(env or {})})


@pytest.fixture
def registry_server():
    with serving(RegistryServer()) as server:
        yield server


def test_cli_alerts_and_secrets_never_leak(tmp_path, registry_server, receiver, env):
    with smtp_server("monitor", PASSWORD) as smtp:
        config = tmp_path / "config.toml"
        config.write_text(f"""
[http]
max_retries = 0
[umin]
base_url = "{registry_server.base_url}"
min_interval = "0s"
use_csv = false
[links]
follow = false
[alerts]
min_severity = "medium"
[[alerts.webhook]]
name = "hook"
url = "{receiver.base_url}/ctr"
secret_env = "CTR_TEST_HOOK_SECRET"
[alerts.email]
host = "127.0.0.1"
port = {smtp.port}
starttls = false
username = "monitor"
password_env = "CTR_TEST_SMTP_PASSWORD"
from = "monitor@example.org"
to = "coordinator@example.org"
[[watch]]
id = "R000047329"
""", encoding="utf-8")
        registry_server.load("umin-R000047329-v1")
        outputs = [cli(config, "check", env=env)]
        registry_server.load("umin-R000047329-v2")
        receiver.statuses = [500]
        outputs.append(cli(config, "check", env=env))
        assert "alerts: 1 delivered, 1 failed, will retry" in outputs[-1].stderr
        outputs.append(cli(config, "alerts", env=env))
        assert "receiver answered HTTP 500" in outputs[-1].stdout
        outputs.append(cli(config, "alerts", "--retry", env=env))
        assert "revived 0 given-up alerts; alerts: 1 delivered" in outputs[-1].stdout
        outputs.append(cli(config, "alerts", "test", env=env))
        assert outputs[-1].returncode == 0, outputs[-1].stdout + outputs[-1].stderr
        assert f"ok      webhook hook (http://127.0.0.1:{receiver.server_address[1]}/…)" \
            in outputs[-1].stdout
        assert "ok      email via 127.0.0.1" in outputs[-1].stdout
        # a secret missing from the environment stops a command that alerts at once
        for command in (("check",), ("alerts", "test"), ("alerts", "--retry"), ("run",)):
            missing = cli(config, *command)
            assert missing.returncode == 2, (command, missing.stderr)
            assert missing.stderr.strip().splitlines()[-1].startswith(
                "error: environment variable CTR_TEST_HOOK_SECRET (the signing key of "
                "webhook hook")
            outputs.append(missing)
    assert len(smtp.messages) == 2  # the change, and the test alert
    everything = "".join(o.stdout + o.stderr for o in outputs)
    database = b"".join(p.read_bytes() for p in tmp_path.glob("ctr-monitor.db*"))
    for secret in (SECRET, PASSWORD):
        assert secret not in everything
        assert secret.encode() not in database


def test_logs_name_channels_without_secrets(tmp_path, receiver, env, caplog):
    h = Harness(tmp_path, webhook(receiver), env)
    h.first_then_change()
    receiver.statuses = [500]
    with caplog.at_level(logging.DEBUG):
        h.deliver()
    assert "webhook hook (http://127.0.0.1" in caplog.text
    assert SECRET not in caplog.text and "/ctr" not in caplog.text


def test_apprise_channel(tmp_path, receiver):
    """An apprise URL as a channel: json:// posts to our receiver; its token stays out of
    logs."""
    url = f"json://user:tok-secret-77@127.0.0.1:{receiver.server_address[1]}/apprise"
    h = Harness(tmp_path, '[[alerts.apprise]]\nname = "chat"\nurl_env = "CTR_TEST_APPRISE_URL"\n',
                {"CTR_TEST_APPRISE_URL": url})
    h.first_then_change()
    assert h.deliver().delivered == 1
    body = receiver.received[0].json()
    assert body["title"].startswith("UMIN000041461 (UMIN-CTR): Recruitment status: ")
    assert "Before: Open public recruiting" in body["message"]
    receiver.statuses = [500]
    h.registry.body = V1
    h.check()
    report = h.deliver()
    assert report.failed == 1 and "apprise could not deliver" in report.details[0]
    assert "tok-secret-77" not in " ".join(report.details)


class Dripper:
    """A server on 127.0.0.1 that answers every connection with ``first``, then one more
    byte every 0.3 s, for as long as the peer listens."""

    def __init__(self, first: bytes, drip: bytes) -> None:
        import socket
        import threading

        self.first, self.drip = first, drip
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        import threading

        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self.talk, args=[conn], daemon=True).start()

    def talk(self, conn) -> None:
        import time as _time

        try:
            conn.sendall(self.first)
            while not self.stop.is_set():
                conn.sendall(self.drip)
                _time.sleep(0.3)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.mark.parametrize("kind", ["webhook", "email"])
def test_a_dripping_receiver_cannot_hold_a_check(tmp_path, env, kind):
    import time as _time

    if kind == "webhook":
        server = Dripper(b"HTTP/1.1 200 OK\r\n", b"X-Drip: 1\r\n")
        channel = (f'[[alerts.webhook]]\nname = "hook"\nurl = "http://127.0.0.1:{server.port}/h"'
                   '\ntimeout = "1s"\n')
    else:
        server = Dripper(b"220 ", b"x")
        channel = (f'[alerts.email]\nhost = "127.0.0.1"\nport = {server.port}\n'
                   'starttls = false\nfrom = "m@example.org"\nto = ["c@example.org"]\n'
                   'timeout = "1s"\n')
    try:
        h = Harness(tmp_path, channel, env)
        h.first_then_change()
        began = _time.monotonic()
        report = h.deliver()
        assert _time.monotonic() - began < 5  # the deadline is twice the timeout: 2 s
        assert report.failed == 1 and report.delivered == 0
        assert h.store.outbox.with_status(("pending",))  # kept, and tried again later
    finally:
        server.close()
