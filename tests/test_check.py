"""Checks in-process through the library core: faults are never versions, changes are
diffed once, linked records are followed and compared."""

from __future__ import annotations

import re

import pytest
from conftest import CASSETTES, SEARCH_EN, VIEW_EN, VIEW_JA, cassette_body, make_monitor, serve

from monitor.diff.consistency import compare_linked
from monitor.registries.base import TrialRef

HTML = {"content-type": "text/html; charset=UTF-8"}
V1 = cassette_body("umin-R000047329-v1", VIEW_EN)
V2 = cassette_body("umin-R000047329-v2", VIEW_EN)
JRCT_JA = "https://jrct.mhlw.go.jp/latest-detail/jRCT2063200014"
RECEIPT = (("receipt_number", "R000047329"),)


def jrct_page(version: int) -> bytes:
    return cassette_body(f"jrct-jRCT2063200014-v{version}", JRCT_JA)


@pytest.fixture
def monitor(tmp_path, fetcher):
    with make_monitor(tmp_path, "[links]\nfollow = false\n", fetcher=fetcher) as m:
        yield m


@pytest.fixture
def linked(tmp_path, fetcher):
    with make_monitor(tmp_path, fetcher=fetcher) as m:
        yield m


def watch(monitor, **ids):
    row, _ = monitor.store.trials.watch(TrialRef("umin", **ids), source="cli", typed="x")
    return row


def check(monitor, row, languages=None):
    if languages:
        monitor.watches.languages_for = lambda r: languages  # as a [[watch]] languages
    result = monitor.run_pass(monitor.groups([monitor.store.trials.get(row.id)]), full=True)
    return result.pages


def fetch_rows(monitor):
    return list(monitor.store.database.db["fetches"].rows)


def test_umin_id_is_resolved_once_then_remembered(httpx_mock, monitor):
    serve(httpx_mock, "umin-R000047329-v1", SEARCH_EN)
    httpx_mock.add_response(url=VIEW_EN, content=V1, headers=HTML)
    httpx_mock.add_response(url=VIEW_EN, content=V1, headers=HTML)
    row = watch(monitor, trial_id="UMIN000041461")
    [first] = check(monitor, row)
    [second] = check(monitor, row)
    assert (first.outcome, second.outcome) == ("new", "unchanged")
    assert [str(r.url) for r in httpx_mock.get_requests()] == [SEARCH_EN, VIEW_EN, VIEW_EN]
    trial = monitor.store.trials.get(row.id)
    assert (trial.trial_id, trial.key("receipt_number")) == ("UMIN000041461", "R000047329")
    assert [f["outcome"] for f in fetch_rows(monitor)] == ["lookup", "new", "unchanged"]


def test_new_unchanged_changed(httpx_mock, monitor):
    for body in (V1, V1, V2, V2):
        httpx_mock.add_response(url=VIEW_EN, content=body, headers=HTML)
    row = watch(monitor, keys=RECEIPT)
    results = [check(monitor, row)[0] for _ in range(4)]
    assert [r.outcome for r in results] == ["new", "unchanged", "changed", "unchanged"]
    assert [r.version for r in results] == [1, 1, 2, 2]
    assert [(c.field, c.old, c.new, c.severity) for c in results[2].changes][0] == (
        "status", "recruiting", "active_not_recruiting", "high")
    db = monitor.store.database.db
    assert (db["versions"].count, db["version_changes"].count, db["fetches"].count) == (2, 2, 4)


def test_each_language_has_its_own_versions(httpx_mock, monitor):
    serve(httpx_mock, "umin-R000047329-v1", VIEW_EN, VIEW_JA)
    row = watch(monitor, keys=RECEIPT)
    results = check(monitor, row, ("en", "ja"))
    assert [(r.language, r.outcome) for r in results] == [("en", "new"), ("ja", "new")]
    assert monitor.store.versions.languages(row.id) == ["en", "ja"]


def test_faults_are_logged_never_stored_as_versions(httpx_mock, monitor):
    truncated = V1[:V1.index(b"<h2>Progress</h2>")]
    other_trial = (CASSETTES / "umin-R000020832" / "view-en.html").read_bytes()
    faults = [
        (dict(status_code=503), "server_error"),
        (dict(content=truncated, headers=HTML), "parse_error"),
        (dict(content=b'{"error": 1}', headers={"content-type": "application/json"}), "not_html"),
        (dict(content=cassette_body("umin-faults", VIEW_EN, 4), headers=HTML), "parse_error"),
        (dict(content=b"", headers=HTML), "empty"),
        (dict(content=other_trial, headers=HTML), "wrong_page"),
        (dict(content=b"<html><body><table><tr><td>" * 50_000, headers=HTML), "too_large"),
        (dict(content=b"<html><body>" + b"<b><i><u>" * 8_000, headers=HTML), "malformed"),
    ]
    for response, _ in faults:
        repeats = 3 if response.get("status_code") == 503 else 1  # retried twice
        for _ in range(repeats):
            httpx_mock.add_response(url=VIEW_EN, **response)
    httpx_mock.add_response(url=VIEW_EN, content=V1, headers=HTML)
    row = watch(monitor, trial_id="UMIN000041461", keys=RECEIPT)
    reasons = []
    for _ in faults:
        [result] = check(monitor, row)
        assert result.outcome == "failed" and result.changes == []
        reasons.append(result.reason)
    assert reasons == [reason for _, reason in faults]
    assert monitor.store.database.db["versions"].count == 0
    assert monitor.store.trials.get(row.id).consecutive_failures == len(faults)
    [recovered] = check(monitor, row)
    assert recovered.outcome == "new" and recovered.version == 1
    assert monitor.store.trials.get(row.id).consecutive_failures == 0
    logged = [(f["outcome"], f["reason"]) for f in fetch_rows(monitor)]
    assert logged == [("failed", r) for _, r in faults] + [("new", None)]


def test_a_page_that_lost_a_key_value_is_held_until_it_persists(httpx_mock, monitor):
    """A sample size that disappears is never accepted silently: the page is held (a
    failure of the check), and only the same page seen three times in a row is stored,
    with the loss reported as a change."""
    no_size = V1.replace(b"<h3>Target sample size</h3>\n<tr>\n<p>10</p>",
                         b"<h3>Target sample size</h3>\n<tr>\n<p><br /></p>")
    assert no_size != V1
    for body in (V1, no_size, no_size, no_size):
        httpx_mock.add_response(url=VIEW_EN, content=body, headers=HTML)
    row = watch(monitor, keys=RECEIPT)
    assert check(monitor, row)[0].outcome == "new"
    for _ in range(2):
        [held] = check(monitor, row)
        assert (held.outcome, held.reason) == ("failed", "lost_fields")
        assert "target_sample_size" in held.error
    [accepted] = check(monitor, row)
    assert accepted.outcome == "changed"
    assert [(c.field, c.old, c.new) for c in accepted.changes] == [
        ("target_sample_size", 10, None)]


def test_a_page_that_lost_a_third_of_its_fields_is_held(httpx_mock, monitor):
    paragraphs = list(re.finditer(rb"<p>(?!<table)[^<]+</p>", V1))
    gutted = V1
    for match in paragraphs[len(paragraphs) // 2: len(paragraphs) // 2 + len(paragraphs) // 3]:
        gutted = gutted.replace(match.group(), b"<p><br /></p>", 1)
    httpx_mock.add_response(url=VIEW_EN, content=V1, headers=HTML)
    httpx_mock.add_response(url=VIEW_EN, content=gutted, headers=HTML)
    row = watch(monitor, keys=RECEIPT)
    assert check(monitor, row)[0].outcome == "new"
    [held] = check(monitor, row)
    assert (held.outcome, held.reason) == ("failed", "lost_fields")
    assert monitor.store.database.db["versions"].count == 1


def test_unknown_receipt_number_404(httpx_mock, monitor):
    url = VIEW_EN.replace("R000047329", "R000000000")
    serve(httpx_mock, "umin-faults", url)
    row = watch(monitor, keys=(("receipt_number", "R000000000"),))
    [result] = check(monitor, row)
    assert result.outcome == "failed" and result.reason == "not_found"
    assert result.error.startswith("UMIN-CTR has no page for R000000000:")
    assert "answered 404" in result.error


def test_unknown_umin_id_fails_at_lookup(httpx_mock, monitor):
    serve(httpx_mock, "umin-faults", SEARCH_EN.replace("UMIN000041461", "UMIN000000000"))
    row = watch(monitor, trial_id="UMIN000000000")
    [result] = check(monitor, row)
    assert result.outcome == "failed" and result.reason == "not_found"
    assert "UMIN000000000 is not in UMIN-CTR's search results" in result.error
    assert monitor.store.database.db["fetches"].count == 1


# --- linked records -------------------------------------------------------------------


def test_umin_check_follows_its_jrct_twin_once(httpx_mock, linked):
    httpx_mock.add_response(url=VIEW_EN, content=V1, headers=HTML)
    httpx_mock.add_response(url=JRCT_JA, content=jrct_page(1), headers=HTML)
    umin = watch(linked, keys=RECEIPT)
    # the same trial named twice in one pass is still fetched once
    result = linked.run_pass([[umin.id], [umin.id]], full=True)
    assert sorted((o.label, o.trial.registry, o.outcome) for o in result.pages) == [
        ("UMIN000041461", "umin", "new"), ("jRCT2063200014", "jrct", "new")]
    assert [str(r.url) for r in httpx_mock.get_requests()] == [VIEW_EN, JRCT_JA]
    [twin_id] = linked.store.links.linked(umin.id)
    twin = linked.store.trials.get(twin_id)
    assert (twin.registry, twin.trial_id, twin.watched) == ("jrct", "jRCT2063200014", False)
    assert linked.store.links.linked(twin.id) == [umin.id]
    # one linked group, one unit of work: watching the twin too changes nothing
    linked.store.trials.watch(TrialRef("jrct", trial_id="jRCT2063200014"), source="cli",
                              typed="x")
    groups = linked.schedule_groups()
    assert [sorted(g.members) for g in groups] == [sorted([umin.id, twin.id])]


def test_old_jrct_host_links_are_the_same_record_fetched_from_the_new_host(linked):
    old = linked.ref("https://jrct.niph.go.jp/latest-detail/jRCT2063200014")
    new = linked.ref("https://jrct.mhlw.go.jp/en-latest-detail/jRCT2063200014")
    assert old.trial_id == new.trial_id == "jRCT2063200014"
    assert linked.registries["jrct"].page_url(old, "ja") == JRCT_JA
    # a database that stored a trial under its old-host URL keeps it: one trial, found by
    # either host's URL or its ID, never a duplicate
    first = linked.watch(["https://jrct.niph.go.jp/latest-detail/jRCT2063200014"])
    again = linked.watch(["https://jrct.mhlw.go.jp/en-latest-detail/jRCT2063200014",
                          "jRCT2063200014"])
    assert [added for _, added in first] == [True]
    assert [(row.id, added) for row, added in again] == [(first[0][0].id, False)] * 2


def test_watched_jrct_trial_reaches_its_umin_twin(httpx_mock, linked):
    httpx_mock.add_response(url=JRCT_JA, content=jrct_page(1), headers=HTML)
    httpx_mock.add_response(url=SEARCH_EN, headers=HTML,
                            content=cassette_body("umin-R000047329-v1", SEARCH_EN))
    httpx_mock.add_response(url=VIEW_EN, content=V1, headers=HTML)
    jrct, _ = linked.store.trials.watch(TrialRef("jrct", trial_id="jRCT2063200014"),
                                        source="cli", typed="x")
    result = linked.run_pass(linked.groups([jrct]), full=True)
    assert [(o.trial.registry, o.outcome) for o in result.pages] == [("jrct", "new"),
                                                                     ("umin", "new")]
    [twin] = linked.store.links.linked(jrct.id)
    row = linked.store.trials.get(twin)
    assert (row.trial_id, row.key("receipt_number")) == ("UMIN000041461", "R000047329")


def test_status_disagreement_opens_and_closes(httpx_mock, linked):
    for body in (V1, V1, V2):
        httpx_mock.add_response(url=VIEW_EN, content=body, headers=HTML)
    for version in (1, 2, 2):
        httpx_mock.add_response(url=JRCT_JA, content=jrct_page(version), headers=HTML)
    umin = watch(linked, keys=RECEIPT)

    def run():
        return linked.run_pass(linked.groups([umin]), full=True).pairs

    assert run() == []  # they agree
    [opened] = run()  # jRCT now says 募集終了, UMIN still recruiting
    [status] = opened.opened
    assert (status.field, status.values, status.severity) == (
        "status", {"umin": "recruiting", "jrct": "active_not_recruiting"}, "high")
    [closed] = run()  # UMIN catches up: the disagreement closes
    assert [row.field for row in closed.closed] == ["status"] and closed.opened == []
    assert linked.store.links.open_disagreements(umin.id, linked.store.links.linked(umin.id)[0]) \
        == []


def test_a_pair_is_not_compared_while_one_side_went_unread(httpx_mock, linked):
    """UMIN-CTR moves on while the jRCT page cannot be read: comparing the new UMIN-CTR
    record with the old jRCT one would report a disagreement nobody made."""
    for body in (V1, V2, V2):
        httpx_mock.add_response(url=VIEW_EN, content=body, headers=HTML)
    for body in (jrct_page(1), b"<html><body>maintenance</body></html>", jrct_page(2)):
        httpx_mock.add_response(url=JRCT_JA, content=body, headers=HTML)
    umin = watch(linked, keys=RECEIPT)

    def run():
        return linked.run_pass(linked.groups([umin]), full=True)

    assert run().pairs == []
    second = run()
    assert sorted((o.trial.registry, o.outcome) for o in second.pages) == [
        ("jrct", "failed"), ("umin", "changed")]
    assert second.pairs == []  # UMIN-CTR's new status against jRCT's old one: not compared
    twin = linked.store.links.linked(umin.id)[0]
    assert linked.store.links.open_disagreements(umin.id, twin) == []
    assert run().pairs == []  # both read again, and they agree


def test_same_disagreement_is_not_news_twice(httpx_mock, linked):
    for _ in range(2):
        httpx_mock.add_response(url=VIEW_EN, content=V1, headers=HTML)
        httpx_mock.add_response(url=JRCT_JA, content=jrct_page(2), headers=HTML)
    umin = watch(linked, keys=RECEIPT)
    assert linked.run_pass(linked.groups([umin]), full=True).pairs
    assert not linked.run_pass(linked.groups([umin]), full=True).pairs


def test_follow_links_off(httpx_mock, monitor):
    httpx_mock.add_response(url=VIEW_EN, content=V1, headers=HTML)
    row = watch(monitor, keys=RECEIPT)
    assert len(check(monitor, row)) == 1
    assert monitor.store.links.linked(row.id) == []


def test_compare_linked_rules(umin):
    from monitor.check.derive import derive
    from monitor.config import ConsistencyRules

    a = derive(umin, V1.decode(), "en", VIEW_EN).record
    b = derive(umin, V1.decode(), "en", VIEW_EN).record
    a.status, b.registry = "enrolling_by_invitation", "jrct"
    b.status, b.target_sample_size, b.date_last_modified = "recruiting", 12, "2025-12-01"
    b.title_scientific = a.title_scientific.upper() + "."
    found = {d.field: d for d in compare_linked(a, b)}
    assert set(found) == {"target_sample_size", "date_last_modified"}
    assert "umin may be out of date" in found["date_last_modified"].note
    assert compare_linked(a, b, ConsistencyRules(max_days_apart=365))[0].field == \
        "target_sample_size"
    b.title_scientific = "Something else entirely about Z"
    assert "title_scientific" in {d.field for d in compare_linked(a, b)}
    a.status = "unknown"
    assert "status" not in {d.field for d in compare_linked(a, b)}


SAME_STUDY = [  # one study, as two registries phrase it
    ("Study on the efficacy and safety of autologous bone marrow mesenchymal stem cells "
     "(LS-ABMSC1) in patients with decompensated liver cirrhosis",
     "An open-label, uncontrolled study to evaluate the efficacy and safety of autologous bone "
     "marrow mesenchymal stem cells (LS-ABMSC1) in patients with decompensated liver cirrhosis "
     "(Phase I / II study)"),
    ("A randomized controlled trial of exercise therapy for patients with liver cirrhosis",
     "Exercise therapy in patients with liver cirrhosis: a randomised controlled trial"),
    ("Efficacy and safety of drug X in type 2 diabetes",
     "Safety and efficacy of drug X in patients with type 2 diabetes mellitus (Phase III)"),
]
OTHER_STUDIES = [  # two studies, often of one disease
    ("A randomized controlled trial of exercise therapy for patients with liver cirrhosis",
     "Efficacy of branched-chain amino acids for hepatic encephalopathy in liver cirrhosis"),
    ("Efficacy and safety of drug X in type 2 diabetes",
     "Long-term outcomes of bariatric surgery in obese adolescents"),
    ("An open-label, uncontrolled study of autologous bone marrow mesenchymal stem cells in "
     "decompensated liver cirrhosis",
     "A double-blind placebo-controlled trial of rifaximin for minimal hepatic encephalopathy"),
]


def test_title_similarity_is_symmetric_and_its_threshold_separates_real_pairs():
    from monitor.config import ConsistencyRules
    from monitor.diff.consistency import title_similarity

    threshold = ConsistencyRules().min_title_similarity
    for a, b in SAME_STUDY:
        assert title_similarity(a, b) == title_similarity(b, a) >= threshold, (a, b)
    for a, b in OTHER_STUDIES:
        assert title_similarity(a, b) == title_similarity(b, a) < threshold, (a, b)
    assert title_similarity("非代償性肝硬変", "Liver cirrhosis") is None  # not comparable


@pytest.mark.parametrize("workers", [1, 4])
def test_a_trial_watched_under_two_ids_is_merged_not_crashed(httpx_mock, tmp_path, fetcher,
                                                            workers):
    serve(httpx_mock, "umin-R000047329-v1", SEARCH_EN)
    httpx_mock.add_response(url=VIEW_EN, content=V1, headers=HTML, is_reusable=True)
    with make_monitor(tmp_path, "[links]\nfollow = false\n", fetcher=fetcher) as monitor:
        monitor.watch(["UMIN000041461", "R000047329"])
        groups = monitor.groups(monitor.watched())
        result = monitor.run_pass(groups, full=True, workers=workers)
        assert not result.failed
        [row] = monitor.store.trials.all()
        assert (row.trial_id, row.key("receipt_number"), row.watched) == (
            "UMIN000041461", "R000047329", True)
        assert monitor.store.versions.count(row.id) == 1
        assert [p.outcome for p in result.pages].count("new") == 1
