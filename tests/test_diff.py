"""The diff policy: what counts as a change, its field name, and its severity."""

from __future__ import annotations

import copy

from conftest import VIEW_EN, page_text

from monitor.check.derive import derive
from monitor.diff import Change, DiffPolicy, Severity, flatten_fields, merge_languages
from monitor.normalize.record import TrialRecord


def record(umin, cassette: str, html: str | None = None) -> TrialRecord:
    text = html if html is not None else page_text(cassette, VIEW_EN)
    return derive(umin, text, "en", VIEW_EN).record


def diff(umin, old, new, rules=()):
    return DiffPolicy(rules, {"umin": umin.rules}).diff(old, new)


def test_status_change_between_seed_versions(umin):
    old, new = record(umin, "umin-R000047329-v1"), record(umin, "umin-R000047329-v2")
    changes = diff(umin, old, new)
    assert [c.to_dict() for c in changes] == [
        {"field": "status", "old": "recruiting", "new": "active_not_recruiting",
         "severity": "high"},
        {"field": "date_last_modified", "old": "2025-03-03", "new": "2025-06-10",
         "severity": "medium"},
    ]  # the raw status words, and the raw rows behind both, are not reported again


def test_identical_records_have_no_changes(umin):
    old = record(umin, "umin-R000047329-v1")
    assert diff(umin, old, copy.deepcopy(old)) == []


def test_markup_and_whitespace_alone_are_no_change(umin, seed_en):
    noisy = (seed_en.replace("<p>", "<p>  \n ")
             .replace("</td>", " </td>")
             .replace("Decompensated liver cirrhosis", "Decompensated\u00a0 liver   cirrhosis")
             .replace("<div id=\"Input_vew_any\">", "<div class=\"new\" id=\"Input_vew_any\">")
             .replace("<br>", "<br />"))
    assert noisy != seed_en
    assert diff(umin, record(umin, "", seed_en), record(umin, "", noisy)) == []


def test_full_width_variants_are_no_change(umin, seed_en):
    wide = seed_en.replace("(LS-ABMSC1)", "（LS－ABMSC1）").replace(">10<", ">１０<")
    assert diff(umin, record(umin, "", seed_en), record(umin, "", wide)) == []


def test_raw_fields_are_named_by_section_and_label(umin, seed_en):
    edited = seed_en.replace("Child-Pugh score must be 7-12 points",
                             "Child-Pugh score must be 7-10 points")
    changes = diff(umin, record(umin, "", seed_en), record(umin, "", edited))
    assert [(c.field, c.severity) for c in changes] == [
        ("fields.Eligibility.Key inclusion criteria", "medium")]
    assert "7-12 points" in changes[0].old and "7-10 points" in changes[0].new


def test_primary_outcome_is_high_and_secondary_medium(umin, seed_en):
    edited = (seed_en.replace("until 24weeks after treatment", "until 52 weeks after treatment")
              .replace("5. Portal blood flow", "5. Portal blood flow<br>6. Ascites"))
    changes = {c.field: c.severity
               for c in diff(umin, record(umin, "", seed_en), record(umin, "", edited))}
    assert changes == {"fields.Assessment.Primary outcomes": "high",
                       "fields.Assessment.Key secondary outcomes": "medium"}


def test_sample_size_reported_once_under_its_canonical_name(umin, seed_en):
    edited = seed_en.replace("<h3>Target sample size</h3>\n<tr>\n<p>10</p>",
                             "<h3>Target sample size</h3>\n<tr>\n<p>24</p>")
    assert edited != seed_en
    changes = diff(umin, record(umin, "", seed_en), record(umin, "", edited))
    assert [c.to_dict() for c in changes] == [
        {"field": "target_sample_size", "old": 10, "new": 24, "severity": "high"}]


def test_key_dates_are_high_and_contacts_low(umin, seed_en):
    edited = (seed_en.replace("<td style=\"background-color:transparent;\">2025</td>\n"
                              "<td style=\"background-color:transparent;\">Year</td>\n"
                              "<td style=\"background-color:transparent;\">08</td>",
                              "<td style=\"background-color:transparent;\">2026</td>\n"
                              "<td style=\"background-color:transparent;\">Year</td>\n"
                              "<td style=\"background-color:transparent;\">08</td>")
              .replace("0836-22-2241", "0836-22-9999"))
    changes = {c.field: c.severity
               for c in diff(umin, record(umin, "", seed_en), record(umin, "", edited))}
    assert changes["date_completion"] == "high"
    assert changes["fields.Research contact person.TEL"] == "low"
    assert changes["fields.Public contact.TEL"] == "low"


def test_added_and_removed_fields(umin):
    old = record(umin, "umin-R000047329-v1")
    new = copy.deepcopy(old)
    del new.fields["Other"]
    new.fields["Progress"]["Date of something new"] = "2026-01-01"
    changes = {c.field: (c.old, c.new) for c in diff(umin, old, new)}
    assert changes == {"fields.Progress.Date of something new": (None, "2026-01-01"),
                       "fields.Other.Other related information": ("", None)}


def test_user_rules_override_defaults(umin):
    old = record(umin, "umin-R000047329-v1")
    new = copy.deepcopy(old)
    new.fields["Public contact"]["Email"] = "new@example.org"
    [change] = diff(umin, old, new, rules=[("fields.Public contact.Email", Severity.HIGH)])
    assert change.severity == "high"


def test_changes_sorted_most_severe_first(umin):
    old = record(umin, "umin-R000047329-v1")
    new = copy.deepcopy(old)
    new.fields["Public contact"]["Email"] = "new@example.org"
    new.status = "completed"
    new.date_last_modified = "2026-01-01"
    assert [c.severity for c in diff(umin, old, new)] == ["high", "medium", "low"]


def test_severity_rules_and_flatten():
    policy = DiffPolicy([("any*", Severity.MEDIUM)])
    assert policy.severity("anything") == "medium"
    assert DiffPolicy().severity("x") == "low"
    assert flatten_fields({"A": {"b": 1}}) == {"fields.A.b": 1}


def test_unknown_status_words_are_still_a_change(umin):
    old = record(umin, "umin-R000047329-v1")
    old.status, old.status_raw = "unknown", "Some new wording"
    new = copy.deepcopy(old)
    new.status_raw = "Another wording"
    [change] = diff(umin, old, new)
    assert (change.field, change.severity) == ("status_raw", "high")


def test_a_change_seen_on_two_language_pages_is_one_change():
    high = Change("status", "recruiting", "completed", Severity.HIGH)
    en_only = Change("fields.Eligibility.Gender", "Male", "Male and Female", Severity.MEDIUM)
    merged = merge_languages([("en", [high, en_only]), ("ja", [high])])
    assert [(c.field, c.languages) for c in merged] == [
        ("status", ("en", "ja")), ("fields.Eligibility.Gender", ("en",))]
