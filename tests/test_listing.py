"""UMIN-CTR's daily CSV as the change signal: one conditional request a pass, a page only
for a trial that changed, new trials announced to [[query]]s, and pages again whenever
the CSV cannot be read."""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler

import pytest
from conftest import CASSETTES, make_monitor
from csvdata import trial, write_listing
from servers import WebhookReceiver, _Server, serving

SEED = "/cgi-open-bin/ctr_e/ctr_view.cgi?recptno=R000047329"
OTHER = "/cgi-open-bin/ctr_e/ctr_view.cgi?recptno=R000020832"
CSV = "/ctr_csv/ctr_data_j.csv.gz"


def seed_row(version: int) -> dict[str, str]:
    row = trial(41461, prose=1)
    row.update(receipt_number="R000047329", trial_id="UMIN000041461",
               title_en="Autologous bone marrow mesenchymal stem cells in decompensated "
                        "liver cirrhosis", title_ja="非代償性肝硬変に対する自己骨髄間葉系幹細胞",
               conditions_ja="非代償性肝硬変", conditions_en="Decompensated liver cirrhosis",
               target_sample_size="10",
               status_ja="一般募集中" if version == 1 else "募集終了",
               status_en="Open public recruiting" if version == 1 else "No longer recruiting",
               date_last_modified="2025/03/03 10:00:00" if version == 1 else "2025/06/10")
    return row


def other_row() -> dict[str, str]:
    row = trial(18001, prose=1)
    row.update(receipt_number="R000020832", trial_id="UMIN000018001", status_ja="試験終了",
               status_en="Completed", date_last_modified="2022/12/15 11:23:42",
               target_sample_size="60", title_ja="経口コレラワクチン",
               title_en="Rice-based vaccine",
               conditions_ja="コレラ", conditions_en="Cholera")
    return row


def new_trial(number: int, title_ja: str, title_en: str) -> dict[str, str]:
    row = trial(number, prose=1)
    row.update(title_ja=title_ja, title_en=title_en, conditions_ja=title_ja,
               conditions_en=title_en, status_ja="一般募集中", status_en="Open public recruiting")
    return row


class Registry(_Server):
    """UMIN-CTR on 127.0.0.1: view pages, and the daily CSV with its ETag (304 when the
    client already has it)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.pages = {SEED: (CASSETTES / "umin-R000047329-v1" / "view-en.html").read_bytes(),
                      OTHER: (CASSETTES / "umin-R000020832" / "view-en.html").read_bytes()}
        self.csv = b""
        self.etag = '"0"'
        self.requests: list[tuple[str, str | None]] = []
        self.lock = threading.Lock()

    def publish(self, path, rows, **options) -> None:
        write_listing(path, rows, **options)
        self.csv = path.read_bytes()
        self.etag = f'"{len(self.requests)}-{len(self.csv)}"'

    def count(self, path: str, conditional: bool | None = None) -> int:
        return sum(1 for p, tag in self.requests if p == path
                   and (conditional is None or bool(tag) == conditional))


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        server: Registry = self.server  # type: ignore[assignment]
        tag = self.headers.get("If-None-Match")
        with server.lock:
            server.requests.append((self.path, tag))
        if self.path == CSV:
            if tag == server.etag:
                self.send_response(304)
                self.send_header("ETag", server.etag)
                self.end_headers()
                return
            self.respond(200, server.csv, "application/x-gzip", {"ETag": server.etag})
        elif self.path in server.pages:
            self.respond(200, server.pages[self.path], "text/html; charset=UTF-8")
        else:
            self.respond(404, b"<html>not found</html>", "text/html")

    def respond(self, status: int, body: bytes, kind: str, extra=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def registry():
    with serving(Registry()) as server:
        yield server


@pytest.fixture
def receiver():
    with serving(WebhookReceiver()) as server:
        yield server


def monitor_for(tmp_path, registry, receiver, extra: str = ""):
    return make_monitor(tmp_path, f"""
[umin]
base_url = "{registry.base_url}"
csv_url = "{registry.base_url}{CSV}"
[links]
follow = false
[alerts]
min_severity = "high"
[[alerts.webhook]]
url = "{receiver.base_url}/hook"
[[query]]
name = "liver cirrhosis"
text = "肝硬変"
[[query]]
name = "recruiting vaccines"
text = "VACCINE"
status = ["recruiting"]
[[watch]]
id = "R000047329"
[[watch]]
id = "R000020832"
{extra}""", csv=True)


@pytest.mark.parametrize("header", ["bilingual", "two-rows"])
def test_one_conditional_request_a_pass_and_pages_only_for_changes(tmp_path, registry,
                                                                   receiver, header):
    rows = [trial(n, prose=1) for n in range(1, 30)]
    baseline = new_trial(900, "アルコール性肝硬変の観察研究", "Alcoholic liver cirrhosis cohort")
    registry.publish(tmp_path / "v1.csv.gz", [*rows, seed_row(1), other_row(), baseline],
                     header=header)
    monitor = monitor_for(tmp_path, registry, receiver)

    first = monitor.check()  # no stored version yet: both pages fetched
    assert [listing.outcome for listing in first.listings] == ["read"]
    assert sorted(p.outcome for p in first.pages) == ["new", "new"]
    assert (registry.count(CSV), registry.count(SEED), registry.count(OTHER)) == (1, 1, 1)

    second = monitor.check()  # nothing changed: one conditional request, no page
    assert [listing.outcome for listing in second.listings] == ["unchanged"]
    assert registry.count(CSV, conditional=True) == 1
    assert (registry.count(SEED), registry.count(OTHER)) == (1, 1)
    assert sorted(p.outcome for p in second.pages) == ["listed", "listed"]

    # the next day: the seed trial stopped recruiting; two trials were registered
    matching = new_trial(901, "肝硬変に対する運動療法", "Exercise in liver cirrhosis")
    unrelated = new_trial(902, "高血圧の食事療法", "Diet for hypertension")
    registry.pages[SEED] = (CASSETTES / "umin-R000047329-v2" / "view-en.html").read_bytes()
    registry.publish(tmp_path / "v2.csv.gz",
                     [*rows, seed_row(2), other_row(), baseline, matching, unrelated],
                     header=header)
    third = monitor.check()
    assert (registry.count(SEED), registry.count(OTHER)) == (2, 1)
    [changed] = [p for p in third.pages if p.outcome == "changed"]
    assert [(c.field, c.old, c.new) for c in changed.changes][:1] == [
        ("status", "recruiting", "active_not_recruiting")]
    assert [(m["query"], m["trial_id"], m["status"])
            for m in third.listings[0].registered] == [
        ("liver cirrhosis", matching["trial_id"], "recruiting")]
    monitor.deliver_alerts()
    events = [r.json() for r in receiver.accepted]
    registered = [e for e in events if e["event"] == "trial.registered"]
    assert [(e["query"], e["trial_id"]) for e in registered] == [
        ("liver cirrhosis", matching["trial_id"])]  # not the baseline's, not the unrelated
    assert registered[0]["url"].endswith(f"recptno={matching['receipt_number']}")
    assert registered[0]["status"] == "recruiting"
    assert [e["event"] for e in events].count("trial.changed") == 1
    # the query lists its current matches
    assert {m.trial_id for m in monitor.query("liver cirrhosis")} == {
        "UMIN000041461", baseline["trial_id"], matching["trial_id"]}
    [summary] = [q for q in monitor.queries() if q.name == "liver cirrhosis"]
    assert (summary.matches, summary.announced) == (3, 1)
    monitor.close()


def test_a_page_older_than_max_page_age_is_fetched_anyway(tmp_path, registry, receiver):
    registry.publish(tmp_path / "v1.csv.gz", [seed_row(1), other_row()])
    monitor = monitor_for(tmp_path, registry, receiver)
    monitor.check()
    store = monitor.store
    with store.transaction():
        store.database.db.execute("update trials set last_page_at = '2020-01-01T00:00:00Z'")
    monitor.check()
    assert (registry.count(SEED), registry.count(OTHER)) == (2, 2)
    monitor.close()


@pytest.mark.parametrize("broken", ["html", "truncated", "no_id_column"])
def test_an_unreadable_csv_falls_back_to_pages(tmp_path, registry, receiver, broken):
    registry.publish(tmp_path / "v1.csv.gz", [seed_row(1), other_row()])
    monitor = monitor_for(tmp_path, registry, receiver)
    monitor.check()
    if broken == "html":
        registry.csv = b"<html><body>Service temporarily unavailable</body></html>"
    elif broken == "truncated":
        registry.csv = registry.csv[: len(registry.csv) // 2]
    else:
        registry.publish(tmp_path / "bad.csv.gz", [seed_row(1), other_row()],
                         omit=("trial_id",))
        registry.csv = gzip.compress(gzip.decompress(registry.csv).replace(
            b"R000047329", b"X").replace(b"R000020832", b"X"))
    registry.etag = '"broken"'
    result = monitor.check()
    [listing] = result.listings
    assert listing.outcome == "failed" and listing.error
    assert "\n" not in listing.error
    assert (registry.count(SEED), registry.count(OTHER)) == (2, 2)  # pages, as before CSVs
    assert sorted(p.outcome for p in result.pages) == ["unchanged", "unchanged"]
    state = monitor.store.listings.state("umin")
    assert state.consecutive_failures == 1
    monitor.close()


def test_a_failing_csv_alerts_once_per_episode(tmp_path, registry, receiver):
    registry.publish(tmp_path / "v1.csv.gz", [seed_row(1), other_row()])
    monitor = monitor_for(tmp_path, registry, receiver)
    monitor.check()
    good, good_tag = registry.csv, registry.etag
    registry.csv, registry.etag = b"<html>oops</html>", '"x"'
    for _ in range(5):
        monitor.check()
    registry.csv, registry.etag = good, good_tag + "2"
    monitor.check()
    monitor.deliver_alerts()
    events = [r.json()["event"] for r in receiver.accepted]
    assert events.count("listing.failing") == 1
    assert events.count("listing.recovered") == 1
    monitor.close()


def test_full_check_ignores_the_csv(tmp_path, registry, receiver):
    registry.publish(tmp_path / "v1.csv.gz", [seed_row(1), other_row()])
    monitor = monitor_for(tmp_path, registry, receiver)
    monitor.check()
    result = monitor.check(full=True)
    assert result.listings == []
    assert (registry.count(CSV), registry.count(SEED)) == (1, 2)
    monitor.close()


def test_a_page_that_disagrees_with_its_csv_row_is_recorded_for_doctor(tmp_path, registry,
                                                                       receiver):
    row = seed_row(1)
    row["target_sample_size"] = "12"  # the CSV says 12, the page says 10
    registry.publish(tmp_path / "v1.csv.gz", [row, other_row()])
    monitor = monitor_for(tmp_path, registry, receiver)
    monitor.check()
    [found] = monitor.store.health.listing_disagreements()
    assert (found["field"], found["page_value"], found["listing_value"]) == (
        "target_sample_size", "10", "12")
    report = monitor.doctor()
    assert report.listing_disagreements
    monitor.close()


def test_a_failing_page_is_read_again_and_never_recovers_by_the_csv(tmp_path, registry,
                                                                    receiver):
    registry.publish(tmp_path / "v1.csv.gz", [seed_row(1), other_row()])
    monitor = monitor_for(tmp_path, registry, receiver)
    monitor.check()
    good = registry.pages[SEED]
    registry.pages[SEED] = good[: len(good) // 2]  # served cut short from now on
    for _ in range(3):
        monitor.check(full=True)
    result = monitor.check()  # the CSV says nothing changed: the page is read anyway
    assert registry.count(SEED) == 5
    assert [p.outcome for p in result.pages if p.trial.key("receipt_number") == "R000047329"] \
        == ["failed"]
    monitor.deliver_alerts()
    events = [r.json()["event"] for r in receiver.accepted]
    assert events.count("trial.fetch_failing") == 1 and "trial.recovered" not in events
    monitor.close()


def test_a_paused_csv_host_is_the_host_s_episode_not_a_failing_csv(tmp_path, registry,
                                                                   receiver):
    registry.publish(tmp_path / "v1.csv.gz", [seed_row(1), other_row()])
    port = registry.server_address[1]
    monitor = make_monitor(tmp_path, f"""
[umin]
base_url = "{registry.base_url}"
csv_url = "http://localhost:{port}{CSV}"
[links]
follow = false
[alerts]
failure_threshold = 1
[[alerts.webhook]]
url = "{receiver.base_url}/hook"
[[watch]]
id = "R000047329"
""", csv=True)
    monitor.check()
    registry.csv = b"Request blocked. Generated by cloudfront (CloudFront)"
    registry.etag = '"blocked"'
    original = _Handler.respond

    def forbidden(self, status, body, kind, extra=None):
        if self.path == CSV:
            status = 403
        return original(self, status, body, kind, extra)

    _Handler.respond = forbidden
    try:
        results = [monitor.check() for _ in range(3)]
    finally:
        _Handler.respond = original
    assert [r.listings[0].outcome for r in results] == ["deferred"] * 3
    assert not any(r.failed for r in results)
    assert registry.count(CSV) == 2  # the block met once, then no request during the pause
    assert monitor.store.listings.state("umin").consecutive_failures == 0
    assert registry.count(SEED) == 4  # pages, from their own host, meanwhile
    monitor.deliver_alerts()
    events = [r.json()["event"] for r in receiver.accepted]
    assert "listing.failing" not in events and events.count("registry.blocked") == 1
    monitor.close()
