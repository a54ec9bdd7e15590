"""Alerts over real channels on 127.0.0.1: webhook (signed) and SMTP, through the outbox."""

from __future__ import annotations

import hashlib
import hmac
import logging
import subprocess
import sys

import httpx
import pytest
from conftest import VIEW_EN, cassette_body
from servers import RegistryServer, WebhookReceiver, serving, smtp_server

from monitor.alert import Outbox, build_channels
from monitor.alert.channels import email_html, slack_text
from monitor.config import AlertRules, AlertSettings, EmailSettings, WebhookSettings
from monitor.fetch import Fetcher, HttpSettings
from monitor.fetch.post import Poster
from monitor.pipeline import Checker
from monitor.registries.base import TrialRef

SECRET = "whsec-Tz9-not-for-logs"
PASSWORD = "smtp-pw-Qx7-not-for-logs"
HTML = {"content-type": "text/html; charset=UTF-8"}
V1 = cassette_body("umin-R000047329-v1", VIEW_EN)
V2 = cassette_body("umin-R000047329-v2", VIEW_EN)


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
def env(monkeypatch):
    monkeypatch.setenv("CTR_TEST_HOOK_SECRET", SECRET)
    monkeypatch.setenv("CTR_TEST_SMTP_PASSWORD", PASSWORD)
    return {"CTR_TEST_HOOK_SECRET": SECRET, "CTR_TEST_SMTP_PASSWORD": PASSWORD}


def make(store, registries, settings: AlertSettings, env, clock):
    registry = Registry()
    fetcher = Fetcher(HttpSettings(min_interval=0, max_retries=0),
                      transport=httpx.MockTransport(registry.handler))
    poster = Poster()
    outbox = Outbox(store, build_channels(settings, poster, env), settings, clock=clock)
    checker = Checker(store, fetcher, registries, sink=outbox)
    row, _ = store.watch(TrialRef("umin", receipt_number="R000047329"), source="cli",
                         typed="R000047329")
    return registry, checker, outbox, row


def check(checker, store, row):
    return list(checker.run([store.get_trial(row.id)], follow_links=False))


def first_then_change(checker, store, row, registry, changed: bytes = V2) -> None:
    """A first version (nothing to alert), then a real change (one alert queued)."""
    check(checker, store, row)
    registry.body = changed
    check(checker, store, row)


def webhook_settings(receiver, **options) -> AlertSettings:
    hook = WebhookSettings(name="hook", url=f"{receiver.base_url}/ctr",
                           secret_env="CTR_TEST_HOOK_SECRET", **options)
    return AlertSettings(webhooks=(hook,), max_age=3600)


def test_webhook_fails_three_times_then_delivers_exactly_once(store, registries, receiver,
                                                               env):
    clock = Clock()
    registry, checker, outbox, row = make(store, registries, webhook_settings(receiver), env,
                                          clock)
    check(checker, store, row)                 # first version: nothing to alert
    assert store.db["alerts"].count == 0
    registry.body = V2
    check(checker, store, row)                 # the change: one alert queued, same transaction
    assert store.db["alerts"].count == 1
    receiver.statuses = [500, 503, 404]
    waits = []
    for _ in range(4):
        report = outbox.deliver_due()
        pending = store.alerts(("pending",))
        if pending:
            waits.append(pending[0]["next_attempt_at"])
            clock.now += 60 * 2 ** len(waits)  # past the backoff
    assert report.delivered == 1
    assert [r.status for r in receiver.received] == [500, 503, 404, 200]
    assert len({r.headers["X-CTR-Monitor-Delivery"] for r in receiver.received}) == 1
    assert len(waits) == 3 and waits == sorted(waits)  # backoff grows
    # nothing more to send, and a second check of the same content sends nothing
    assert outbox.deliver_due().delivered == 0
    check(checker, store, row)
    clock.now += 10_000
    assert outbox.deliver_due().delivered == 0
    assert len(receiver.accepted) == 1
    assert store.db["alert_attempts"].count == 4


def test_webhook_body_and_signature(store, registries, receiver, env):
    clock = Clock()
    registry, checker, outbox, row = make(store, registries, webhook_settings(receiver), env,
                                          clock)
    first_then_change(checker, store, row, registry)
    outbox.deliver_due()
    [got] = receiver.received
    body = got.json()
    assert body["event"] == "trial.changed"
    assert body["delivery_id"] == got.headers["X-CTR-Monitor-Delivery"]
    assert (body["registry"], body["trial_id"]) == ("umin", "UMIN000041461")
    assert body["url"] == VIEW_EN
    assert body["detected_at"].endswith("Z")
    assert body["changes"] == [
        {"field": "status", "old": "recruiting", "new": "active_not_recruiting",
         "severity": "high"},
        {"field": "date_last_modified", "old": "2025-03-03", "new": "2025-06-10",
         "severity": "medium"}]  # the low-severity status_raw is below the default rule
    expected = "sha256=" + hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert got.headers["X-CTR-Monitor-Signature"] == expected
    assert got.headers["Content-Type"].startswith("application/json")


def test_crash_between_send_and_bookkeeping_resends_once_with_same_id(
        store, registries, receiver, env, monkeypatch):
    clock = Clock()
    registry, checker, outbox, row = make(store, registries, webhook_settings(receiver), env,
                                          clock)
    first_then_change(checker, store, row, registry)
    original = store.record_alert_attempt

    def crash(*args, **kwargs):
        raise SystemExit("killed after sending")

    monkeypatch.setattr(store, "record_alert_attempt", crash)
    with pytest.raises(SystemExit):
        outbox.deliver_due()
    monkeypatch.setattr(store, "record_alert_attempt", original)
    assert outbox.deliver_due().delivered == 0  # leased to the "dead" process for a while
    clock.now += 301
    assert outbox.deliver_due().delivered == 1
    clock.now += 10_000
    assert outbox.deliver_due().delivered == 0
    ids = [r.headers["X-CTR-Monitor-Delivery"] for r in receiver.received]
    assert len(ids) == 2 and ids[0] == ids[1]


def test_alert_too_old_is_given_up_and_listed(store, registries, receiver, env):
    clock = Clock()
    registry, checker, outbox, row = make(store, registries, webhook_settings(receiver), env,
                                          clock)
    first_then_change(checker, store, row, registry)
    receiver.statuses = [500] * 20
    for _ in range(8):
        outbox.deliver_due()
        clock.now += 1800
    [dead] = store.alerts(("dead",))
    assert dead["last_error"] == "receiver answered HTTP 500"
    assert store.alerts(("pending",)) == []
    receiver.statuses = []
    assert store.revive_dead_alerts("2000-01-01T00:00:00.000Z") == 1
    assert outbox.deliver_due().delivered == 1


def test_rules_filter_by_severity_and_field(store, registries, receiver, env):
    clock = Clock()
    settings = webhook_settings(receiver)
    settings = AlertSettings(webhooks=settings.webhooks, rules=AlertRules(
        min_severity="low", exclude_fields=("date_last_modified",)))
    registry, checker, outbox, row = make(store, registries, settings, env, clock)
    first_then_change(checker, store, row, registry)
    outbox.deliver_due()
    fields = [c["field"] for c in receiver.received[0].json()["changes"]]
    assert fields == ["status", "status_raw"]


def test_failure_episode_alerts_once_and_recovery_once(store, registries, receiver, env):
    clock = Clock()
    settings = AlertSettings(webhooks=webhook_settings(receiver).webhooks, failure_threshold=2)
    registry, checker, outbox, row = make(store, registries, settings, env, clock)
    check(checker, store, row)
    for _ in range(4):
        registry.responses.append(httpx.Response(503))
        check(checker, store, row)
    registry.body = V1
    check(checker, store, row)
    check(checker, store, row)
    outbox.deliver_due()
    events = [r.json() for r in receiver.received]
    assert [e["event"] for e in events] == ["trial.fetch_failing", "trial.recovered"]
    assert events[0]["consecutive_failures"] == 2
    assert "503" in events[0]["error"]


def test_alert_rolls_back_with_its_version(store, registries, receiver, env, monkeypatch):
    clock = Clock()
    registry, checker, outbox, row = make(store, registries, webhook_settings(receiver), env,
                                          clock)
    check(checker, store, row)
    registry.body = V2

    def broken_enqueue(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "enqueue_alert", broken_enqueue)
    with pytest.raises(RuntimeError):
        check(checker, store, row)
    assert store.db["versions"].count == 1  # no version without its alert
    monkeypatch.undo()
    check(checker, store, row)
    assert (store.db["versions"].count, store.db["alerts"].count) == (2, 1)


def test_email_over_real_smtp(store, registries, env):
    hostile = V2.replace(b"0836-22-2428", b"&lt;script&gt;alert(1)&lt;/script&gt;")
    with smtp_server("monitor", PASSWORD) as smtp:
        settings = AlertSettings(email=EmailSettings(
            host="127.0.0.1", port=smtp.port, starttls=False, username="monitor",
            password_env="CTR_TEST_SMTP_PASSWORD", sender="monitor@example.org",
            to=("coordinator@example.org",)), rules=AlertRules(min_severity="low"))
        clock = Clock()
        registry, checker, outbox, row = make(store, registries, settings, env, clock)
        check(checker, store, row)
        registry.body = hostile
        check(checker, store, row)
        report = outbox.deliver_due()
    assert report.delivered == 1 and smtp.logins == [True]
    [message] = smtp.messages
    assert message["Subject"] == ("[ctr-monitor] UMIN000041461 (umin): status recruiting → "
                                  "active_not_recruiting (+3 more)")
    assert message["To"] == "coordinator@example.org"
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    assert "old: recruiting" in text and "new: active_not_recruiting" in text
    assert "<script>alert(1)</script>" in text  # plain text is plain
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<td>recruiting</td><td>active_not_recruiting</td>" in page


def test_slack_format_escapes_registry_text():
    event = {"event": "trial.changed", "registry": "umin", "trial_id": "UMIN000041461",
             "url": "https://x", "detected_at": "t",
             "changes": [{"field": "status", "old": "<b>a</b>", "new": "b & c",
                          "severity": "high"}]}
    text = slack_text(event)
    assert "&lt;b&gt;a&lt;/b&gt;" in text and "b &amp; c" in text and "<b>" not in text
    assert "<script>" not in email_html({**event, "title": "<script>x</script>"}, "id")


def test_slack_webhook_body(store, registries, receiver, env):
    clock = Clock()
    registry, checker, outbox, row = make(
        store, registries, webhook_settings(receiver, format="slack"), env, clock)
    first_then_change(checker, store, row, registry)
    outbox.deliver_due()
    body = receiver.received[0].json()
    assert set(body) == {"text"}
    assert body["text"].startswith("*UMIN000041461 (umin): status recruiting → "
                                   "active_not_recruiting")


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
min_interval = "0s"
max_retries = 0
[umin]
base_url = "{registry_server.base_url}"
[jrct]
follow_links = false
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
        assert "revived 0 given-up alert(s); alerts: 0 delivered" in outputs[-1].stdout
        outputs.append(cli(config, "alerts", "test", env=env))
        assert outputs[-1].returncode == 0, outputs[-1].stdout + outputs[-1].stderr
        assert f"ok      webhook hook (http://127.0.0.1:{receiver.server_address[1]}/…)" \
            in outputs[-1].stdout
        assert "ok      email via 127.0.0.1" in outputs[-1].stdout
        missing = cli(config, "alerts", "test")  # no secrets in the environment
        assert missing.returncode == 1
        assert "environment variable CTR_TEST_HOOK_SECRET (webhook signing key) is not set" \
            in missing.stdout
        outputs.append(missing)
    assert len(smtp.messages) == 2  # the change, and the test alert
    everything = "".join(o.stdout + o.stderr for o in outputs)
    database = b"".join(p.read_bytes() for p in tmp_path.glob("ctr-monitor.db*"))
    for secret in (SECRET, PASSWORD):
        assert secret not in everything
        assert secret.encode() not in database


def test_logs_name_channels_without_secrets(store, registries, receiver, env, caplog):
    clock = Clock()
    registry, checker, outbox, row = make(store, registries, webhook_settings(receiver), env,
                                          clock)
    first_then_change(checker, store, row, registry)
    receiver.statuses = [500]
    with caplog.at_level(logging.DEBUG):
        outbox.deliver_due()
    assert "webhook hook (http://127.0.0.1" in caplog.text
    assert SECRET not in caplog.text and "/ctr" not in caplog.text


def test_apprise_channel(store, registries, receiver, monkeypatch):
    """An apprise URL as a channel: json:// posts to our receiver; its token stays out of
    logs."""
    from monitor.config import AppriseSettings

    url = f"json://user:tok-secret-77@127.0.0.1:{receiver.server_address[1]}/apprise"
    env = {"CTR_TEST_APPRISE_URL": url}
    settings = AlertSettings(apprise=(AppriseSettings("chat", "CTR_TEST_APPRISE_URL"),))
    clock = Clock()
    registry, checker, outbox, row = make(store, registries, settings, env, clock)
    first_then_change(checker, store, row, registry)
    assert outbox.deliver_due().delivered == 1
    body = receiver.received[0].json()
    assert body["title"].startswith("UMIN000041461 (umin): status recruiting → ")
    assert "old: recruiting" in body["message"]
    receiver.statuses = [500]
    registry.body = V1
    check(checker, store, row)
    report = outbox.deliver_due()
    assert report.failed == 1 and "apprise could not deliver" in report.details[0]
    assert "tok-secret-77" not in " ".join(report.details)
    missing = Outbox(store, build_channels(settings, Poster(), {}), settings, clock=clock)
    clock.now += 10_000
    assert "CTR_TEST_APPRISE_URL (apprise URL) is not set" in \
        missing.deliver_due().details[0]
