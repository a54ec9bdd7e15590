"""One check end to end in-process: faults are never versions, changes are diffed once."""

from __future__ import annotations

import re

import pytest
from conftest import CASSETTES, SEARCH_EN, VIEW_EN, VIEW_JA, cassette_body, serve

from monitor.pipeline import Checker
from monitor.registries.base import TrialRef

HTML = {"content-type": "text/html; charset=UTF-8"}
V1 = cassette_body("umin-R000047329-v1", VIEW_EN)
V2 = cassette_body("umin-R000047329-v2", VIEW_EN)


@pytest.fixture
def checker(store, fetcher, registries):
    return Checker(store, fetcher, registries)


def watch(store, **ids):
    row, _ = store.watch(TrialRef("umin", **ids), source="cli", typed="x")
    return row


def outcomes(checker, store, row, languages=("en",)):
    return checker.check(store.get_trial(row.id), languages)


def test_umin_id_is_resolved_once_then_cached(httpx_mock, checker, store):
    serve(httpx_mock, "umin-R000047329-v1", SEARCH_EN)
    httpx_mock.add_response(url=VIEW_EN, content=V1, headers=HTML)
    httpx_mock.add_response(url=VIEW_EN, content=V1, headers=HTML)
    row = watch(store, trial_id="UMIN000041461")
    [first] = outcomes(checker, store, row)
    [second] = outcomes(checker, store, row)
    assert (first.outcome, second.outcome) == ("new", "unchanged")
    urls = [str(r.url) for r in httpx_mock.get_requests()]
    assert urls == [SEARCH_EN, VIEW_EN, VIEW_EN]
    trial = store.get_trial(row.id)
    assert (trial.trial_id, trial.receipt_number) == ("UMIN000041461", "R000047329")
    assert [f["outcome"] for f in store.db["fetches"].rows] == ["lookup", "new", "unchanged"]


def test_new_unchanged_changed(httpx_mock, checker, store):
    for body in (V1, V1, V2, V2):
        httpx_mock.add_response(url=VIEW_EN, content=body, headers=HTML)
    row = watch(store, receipt_number="R000047329")
    results = [outcomes(checker, store, row)[0] for _ in range(4)]
    assert [r.outcome for r in results] == ["new", "unchanged", "changed", "unchanged"]
    assert [r.version for r in results] == [1, 1, 2, 2]
    assert [(c.field, c.old, c.new, c.severity) for c in results[2].changes][0] == (
        "status", "recruiting", "active_not_recruiting", "high")
    assert store.db["versions"].count == 2
    assert store.db["version_changes"].count == 3
    assert store.db["fetches"].count == 4


def test_each_language_has_its_own_versions(httpx_mock, checker, store):
    serve(httpx_mock, "umin-R000047329-v1", VIEW_EN, VIEW_JA)
    row = watch(store, receipt_number="R000047329")
    results = outcomes(checker, store, row, ("en", "ja"))
    assert [(r.language, r.outcome) for r in results] == [("en", "new"), ("ja", "new")]
    assert store.languages(row.id) == ["en", "ja"]


def test_faults_are_logged_never_stored_as_versions(httpx_mock, checker, store):
    truncated = V1[:V1.index(b"<h2>Progress</h2>")]
    other_trial = (CASSETTES / "umin-R000020832" / "view-en.html").read_bytes()
    faults = [
        (dict(status_code=503), "server_error"),
        (dict(status_code=429, headers={"retry-after": "1"}), "rate_limited"),
        (dict(content=truncated, headers=HTML), "parse_error"),
        (dict(content=b'{"error": 1}', headers={"content-type": "application/json"}), "not_html"),
        (dict(content=cassette_body("umin-faults", VIEW_EN, 4), headers=HTML), "parse_error"),
        (dict(content=b"", headers=HTML), "empty"),
        (dict(content=other_trial, headers=HTML), "wrong_page"),
    ]
    for response, _ in faults:
        repeats = 3 if response.get("status_code") in (503, 429) else 1  # retried twice
        for _ in range(repeats):
            httpx_mock.add_response(url=VIEW_EN, **response)
    httpx_mock.add_response(url=VIEW_EN, content=V1, headers=HTML)
    row = watch(store, trial_id="UMIN000041461", receipt_number="R000047329")
    reasons = []
    for _ in faults:
        [result] = outcomes(checker, store, row)
        assert result.outcome == "failed" and result.changes == []
        reasons.append(result.reason)
    assert reasons == [reason for _, reason in faults]
    assert store.db["versions"].count == 0
    assert store.get_trial(row.id).consecutive_failures == len(faults)
    [recovered] = outcomes(checker, store, row)
    assert recovered.outcome == "new" and recovered.version == 1
    assert store.get_trial(row.id).consecutive_failures == 0
    logged = [(f["outcome"], f["reason"]) for f in store.db["fetches"].rows]
    assert logged == [("failed", r) for _, r in faults] + [("new", None)]


def test_page_that_lost_most_fields_is_held_as_layout_drift(httpx_mock, checker, store):
    gutted = re.sub(rb"<p>(?!<table)[^<]+</p>", b"<p><br /></p>", V1)
    httpx_mock.add_response(url=VIEW_EN, content=V1, headers=HTML)
    httpx_mock.add_response(url=VIEW_EN, content=gutted, headers=HTML)
    row = watch(store, receipt_number="R000047329")
    assert outcomes(checker, store, row)[0].outcome == "new"
    [drift] = outcomes(checker, store, row)
    assert (drift.outcome, drift.reason) == ("failed", "layout_drift")
    assert "suspected layout drift" in drift.error
    assert store.db["versions"].count == 1


def test_unknown_receipt_number_404(httpx_mock, checker, store):
    url = VIEW_EN.replace("R000047329", "R000000000")
    serve(httpx_mock, "umin-faults", url)
    row = watch(store, receipt_number="R000000000")
    [result] = outcomes(checker, store, row)
    assert result.outcome == "failed" and result.reason == "not_found"
    assert result.error.startswith("UMIN-CTR has no page for R000000000:")
    assert "answered 404" in result.error


def test_unknown_umin_id_fails_at_lookup(httpx_mock, checker, store):
    serve(httpx_mock, "umin-faults", SEARCH_EN.replace("UMIN000041461", "UMIN000000000"))
    row = watch(store, trial_id="UMIN000000000")
    [result] = outcomes(checker, store, row)
    assert result.outcome == "failed" and result.reason == "not_found"
    assert "UMIN000000000 is not in UMIN-CTR's search results" in result.error
    assert store.db["fetches"].count == 1
