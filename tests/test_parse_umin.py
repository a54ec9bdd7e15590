"""The UMIN-CTR view-page parser on both languages, the sample page, and broken input."""

from __future__ import annotations

import pytest
from conftest import CASSETTES, SEARCH_EN, VIEW_EN, cassette_body, page_text

from monitor.errors import ParseError
from monitor.registries.umin import parse_search_page, parse_view_page

REFERENCE = CASSETTES / "umin-R000020832" / "view-en.html"


def test_english_page_fields_in_page_order(seed_en):
    page = parse_view_page(seed_en)
    assert page.language == "en"
    sections = list(page.as_mapping())
    assert sections[:4] == ["Basic information", "Condition", "Objectives", "Assessment"]
    assert sections[-1] == "Management information"
    labels = [f.label for f in page.fields if f.section == "Basic information"]
    assert labels == ["Public title", "Acronym", "Scientific Title", "Scientific Title:Acronym",
                      "Region"]


def test_summary_table(seed_en):
    summary = parse_view_page(seed_en).summary
    assert summary["Unique ID issued by UMIN"] == "UMIN000041461"
    assert summary["Receipt number"] == "R000047329"
    assert summary["Last modified on"] == "2025/03/03 17:54:02"


def test_multi_part_values_joined(seed_en):
    fields = parse_view_page(seed_en).as_mapping()
    assert fields["Progress"]["Anticipated trial start date"] == "2020-09-01"
    assert fields["Eligibility"]["Age-lower limit"] == "20 years-old <="
    assert fields["Eligibility"]["Age-upper limit"] == "75 years-old >="
    assert fields["Research contact person"]["Name of lead principal investigator"] == \
        "Taro Takami"
    assert fields["Basic information"]["Region"] == "Japan"


def test_line_breaks_kept_in_free_text(seed_en):
    fields = parse_view_page(seed_en).as_mapping()
    secondary = fields["Assessment"]["Key secondary outcomes"]
    assert secondary.endswith("1. Child-Pugh score\n2. MELD-Na score\n3. Serum fibrosis "
                              "markers\n4. Liver stiffness\n5. Portal blood flow")
    inclusion = fields["Eligibility"]["Key inclusion criteria"]
    assert inclusion.split("\n")[1] == "(2) Age: 20 to 75 years."


def test_repeated_labels_keep_every_value(seed_en):
    fields = parse_view_page(seed_en).as_mapping()
    assert fields["Sponsor or person"]["Institute"] == [
        "Yamaguchi University Graduate School of Medicine", ""]
    assert fields["Funding Source"]["Organization"][0].startswith("Yamaguchi University")
    assert len(fields["Funding Source"]["Organization"]) == 2


def test_link_block_value_is_the_url(seed_en):
    fields = parse_view_page(seed_en).as_mapping()
    assert fields["Management information"]["Link to view the page"] == (
        "https://center6.umin.ac.jp/cgi-open-bin/ctr_e/ctr_view.cgi?recptno=R000047329")


def test_japanese_page_bilingual_labels_and_values(seed_ja):
    page = parse_view_page(seed_ja)
    assert page.language == "ja"
    raw = next(f for f in page.fields if f.label_en == "Public title")
    assert raw.label == "一般向け試験名/Public title"
    assert raw.label_ja == "一般向け試験名"
    assert raw.value["ja"].startswith("非代償性肝硬変患者を対象とした")
    assert raw.value["en"].startswith("An open-label, uncontrolled study")
    fields = page.as_mapping()
    # Japanese headings are named by their meaning, so keys match the English page.
    assert "Progress" in fields and "基本情報" not in fields
    assert fields["Progress"]["Recruitment status"] == "一般募集中/Open public recruiting"
    assert fields["Progress"]["Anticipated trial start date"] == "2020-09-01"
    assert fields["Research contact person"]["Name of lead principal investigator"] == {
        "ja": "高見 太郎", "en": "Taro Takami"}
    # English labels containing "/" are split on the first slash only
    assert "Interventions/Control_1" in fields["Intervention"]


def test_both_languages_have_the_same_field_keys(seed_en, seed_ja):
    en, ja = parse_view_page(seed_en).as_mapping(), parse_view_page(seed_ja).as_mapping()
    assert {s: list(labels) for s, labels in en.items()} == \
        {s: list(labels) for s, labels in ja.items()}


def test_reference_page_in_live_markup():
    page = parse_view_page(REFERENCE.read_text(encoding="utf-8"))
    fields = page.as_mapping()
    assert fields["Condition"]["Classification by specialty"] == [
        "Medicine in general", "Gastroenterology", "Infectious disease"]
    assert fields["Condition"]["Condition"] == "cholera, travelers' diarrhea"
    assert fields["Public contact"]["Name of contact person"] == \
        "Center for Translational Research"
    # a "Japanese ..." value is not mistaken for a language-tagged one
    assert fields["Funding Source"]["Category of Funding Organization"] == \
        "Japanese Governmental office"
    assert fields["Intervention"]["Interventions/Control_1"].count("\n") == 3


def test_maintenance_page_is_named_as_one():
    maintenance = cassette_body("umin-faults", VIEW_EN, 4).decode("utf-8")
    assert "maintenance" in maintenance
    with pytest.raises(ParseError, match="not a UMIN-CTR view page but a maintenance page"):
        parse_view_page(maintenance)


def test_cloudfront_block_page_is_named_as_one():
    blocked = ("<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD>"
               "<BODY><H1>403 ERROR</H1>Request blocked.</BODY></HTML>")
    with pytest.raises(ParseError, match="CloudFront error page"):
        parse_view_page(blocked)


def test_page_without_summary_table_is_a_parse_error(seed_en):
    start, end = seed_en.index('<table class="explain_table">'), seed_en.index("</table>") + 8
    with pytest.raises(ParseError, match="summary table .* is missing"):
        parse_view_page(seed_en[:start] + seed_en[end:])


def test_page_without_field_blocks_is_a_parse_error(seed_en):
    head = seed_en[:seed_en.index("<h2>Basic information</h2>")]
    with pytest.raises(ParseError, match=r"no field blocks"):
        parse_view_page(head + "</div></body></html>")


def test_truncated_page_names_the_missing_fields(seed_en):
    cut = seed_en[:seed_en.index("<h2>Progress</h2>")]
    with pytest.raises(ParseError) as caught:
        parse_view_page(cut)
    message = str(caught.value)
    assert "'Recruitment status'" in message and "'Registered date'" in message
    assert "does not end with </html>" in message and "cut short" in message


def test_page_cut_after_its_last_field_is_still_refused(seed_en):
    cut = seed_en[:seed_en.index("</body>")]
    with pytest.raises(ParseError, match="does not end with </html>"):
        parse_view_page(cut)


def test_summary_and_progress_disagreeing_on_status_is_a_parse_error(seed_en):
    text = seed_en.replace("<tbody>", "<tbody><tr><th>Recruitment status</th>"
                           "<td>Completed</td></tr>", 1)
    with pytest.raises(ParseError, match=r"contradicts itself: two recruitment statuses"):
        parse_view_page(text)


def test_two_receipt_numbers_are_a_parse_error(seed_en):
    text = seed_en.replace("ctr_view.cgi?recptno=R000047329", "ctr_view.cgi?recptno=R000099999")
    with pytest.raises(ParseError, match="two receipt numbers"):
        parse_view_page(text)


def test_status_is_read_only_from_its_labelled_block(seed_en):
    notice = ('<div class="notice"><h3>Notice</h3><p>Recruitment status: Completed</p></div>'
              "<p>Terminated. Suspended. No longer recruiting.</p>")
    page = parse_view_page(seed_en.replace("<h2>Progress</h2>", notice + "<h2>Progress</h2>"))
    assert page.first("Recruitment status") == "Open public recruiting"
    assert page.unknown_labels == ["Notice"]


def test_labels_match_by_meaning_whatever_their_case_and_width(seed_en, seed_ja):
    en = parse_view_page(seed_en.replace("<h3>Target sample size</h3>",
                                         "<h3>Target Sample\u3000Size</h3>"))
    assert en.first("Target sample size") == "10"
    assert en.as_mapping()["Eligibility"]["Target sample size"] == "10"
    ja = parse_view_page(seed_ja.replace("<th>一般公開日（本登録希望日）</th>",
                                         "<th>一般公開日(本登録希望日)</th>"))
    assert ja.summary["Date of disclosure of the study information"] == "2020/08/31"


def test_unknown_labels_are_recorded_in_page_order_once(seed_en):
    new = ('<div class="x"><h3>Trial website</h3><p>https://example.org</p></div>'
           '<div class="x"><h3>Data monitoring</h3><p>Yes</p></div>'
           '<div class="x"><h3>Trial website</h3><p>https://example.org/2</p></div>')
    text = seed_en.replace("<h2>Other</h2>", "<h2>Oversight</h2>" + new + "<h2>Other</h2>")
    page = parse_view_page(text)
    assert page.unknown_labels == ["Oversight", "Trial website", "Data monitoring"]
    assert page.as_mapping()["Oversight"]["Trial website"] == [
        "https://example.org", "https://example.org/2"]
    assert parse_view_page(seed_en).unknown_labels == []


def test_blocks_are_found_by_their_heading_whatever_their_class(seed_en):
    renamed = (seed_en.replace('class="explain_table"', 'class="summary-2026"')
               .replace('id="Input_vew_Mandatory"', 'class="field required"')
               .replace('id="Input_vew_any"', 'class="field"'))
    assert parse_view_page(renamed).as_mapping() == parse_view_page(seed_en).as_mapping()


def test_search_page_gives_the_receipt_number():
    text = page_text("umin-R000047329-v1", SEARCH_EN)
    assert parse_search_page(text, "UMIN000041461") == "R000047329"
    assert parse_search_page(text, "umin000041461") == "R000047329"


def test_search_page_picks_the_row_of_the_asked_trial():
    rows = "".join(
        f'<tr><td>UMIN00000000{n}<hr />2020/01/01</td>'
        f'<td><a href="ctr_view.cgi?recptno=R00000000{n}">Detail</a></td></tr>' for n in (1, 2))
    text = f'<html><body><table class="index_vew_table">{rows}</table></body></html>'
    assert parse_search_page(text, "UMIN000000002") == "R000000002"
    assert parse_search_page(text, "UMIN000000009") is None


def test_empty_search_page_has_no_receipt_number():
    text = page_text("umin-faults",
                     "https://center6.umin.ac.jp/cgi-open-bin/ctr_e/index.cgi?sort=03&function=04"
                     "&ctrno=UMIN000000000")
    assert parse_search_page(text, "UMIN000000000") is None


def test_control_characters_never_reach_the_output(seed_en):
    hostile = seed_en.replace("Decompensated liver cirrhosis</p>",
                              "Decompensated \x1b[31mliver\x07 cirrhosis\x9b</p>")
    fields = parse_view_page(hostile).as_mapping()
    assert fields["Condition"]["Condition"] == "Decompensated [31mliver cirrhosis"


def test_id_under_a_renamed_label_still_counts(seed_en):
    renamed = seed_en.replace("<th>Unique ID issued by UMIN</th>", "<th>Trial number</th>")
    assert parse_view_page(renamed).canonical["trial_id"] == "UMIN000041461"
    second = renamed.replace("<tbody>", "<tbody><tr><th>Unique ID issued by UMIN</th>"
                             "<td>UMIN000099999</td></tr>", 1)
    with pytest.raises(ParseError, match="two UMIN IDs"):
        parse_view_page(second)
