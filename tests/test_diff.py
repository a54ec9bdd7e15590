"""diff_versions: what counts as a change, its field name, and its severity."""

from __future__ import annotations

import copy

from conftest import VIEW_EN, page_text

from monitor.diff import diff_versions, flatten_fields, severity_of


def record(umin, cassette: str, html: str | None = None) -> dict:
    text = html if html is not None else page_text(cassette, VIEW_EN)
    return umin.normalize(umin.parse_page(text, "en"), VIEW_EN).to_dict()


def diff(umin, old, new, rules=()):
    return diff_versions(old, new, rules=[*rules, *umin.severity_rules()],
                         canonical_sources=umin.canonical_sources())


def test_status_change_between_seed_versions(umin):
    old, new = record(umin, "umin-R000047329-v1"), record(umin, "umin-R000047329-v2")
    changes = diff(umin, old, new)
    assert [c.to_dict() for c in changes] == [
        {"field": "status", "old": "recruiting", "new": "active_not_recruiting",
         "severity": "high"},
        {"field": "date_last_modified", "old": "2025-03-03", "new": "2025-06-10",
         "severity": "medium"},
        {"field": "status_raw", "old": "Open public recruiting", "new": "No longer recruiting",
         "severity": "low"},
    ]


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
    del new["fields"]["Other"]
    new["fields"]["Progress"]["Date of something new"] = "2026-01-01"
    changes = {c.field: (c.old, c.new) for c in diff(umin, old, new)}
    assert changes == {"fields.Progress.Date of something new": (None, "2026-01-01"),
                       "fields.Other.Other related information": ("", None)}


def test_user_rules_override_defaults(umin):
    old = record(umin, "umin-R000047329-v1")
    new = copy.deepcopy(old)
    new["fields"]["Public contact"]["Email"] = "new@example.org"
    [change] = diff(umin, old, new, rules=[("fields.Public contact.Email", "high")])
    assert change.severity == "high"


def test_changes_sorted_most_severe_first(umin):
    old = record(umin, "umin-R000047329-v1")
    new = copy.deepcopy(old)
    new["fields"]["Public contact"]["Email"] = "new@example.org"
    new["status"] = "completed"
    new["date_last_modified"] = "2026-01-01"
    assert [c.severity for c in diff(umin, old, new)] == ["high", "medium", "low"]


def test_severity_of_and_flatten():
    assert severity_of("anything", [("any*", "medium")]) == "medium"
    assert severity_of("x", []) == "low"
    assert flatten_fields({"A": {"b": 1}}) == {"fields.A.b": 1}
