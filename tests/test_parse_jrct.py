"""The jRCT detail-page parser and normalizer: both languages, both layouts, era dates."""

from __future__ import annotations

import pytest
from conftest import CASSETTES

from monitor.errors import ParseError
from monitor.registries.base import RegistrySettings
from monitor.registries.jrct import JrctRegistry, map_status, parse_detail_page

J2 = "https://jrct.mhlw.go.jp/latest-detail/jRCT2063200014"


def read(cassette: str, name: str) -> str:
    return (CASSETTES / cassette / name).read_text(encoding="utf-8")


@pytest.fixture
def jrct():
    return JrctRegistry()


def record(jrct, cassette: str, name: str, url: str = J2) -> dict:
    return jrct.normalize(jrct.parse_page(read(cassette, name)), url).to_dict()


def test_japanese_page_canonical_record(jrct):
    r = record(jrct, "jrct-jRCT2063200014-v1", "latest-detail-ja.html")
    assert (r["registry"], r["trial_id"], r["language"]) == ("jrct", "jRCT2063200014", "ja")
    assert (r["status"], r["status_raw"]) == ("recruiting", "募集中")
    assert r["date_registered"] == "2020-08-26"          # 令和2年8月26日
    assert r["date_last_modified"] == "2025-02-20"       # 令和7年2月20日
    assert (r["date_start"], r["date_completion"]) == ("2020-09-01", "2025-08-31")
    assert r["target_sample_size"] == 10                  # 実施予定被験者数
    assert r["secondary_ids"] == ["UMIN000041461"]
    # titles and conditions take the English side of bilingual rows
    assert r["title_scientific"].startswith("An open-label, uncontrolled study")
    assert r["conditions"] == ["Decompensated liver cirrhosis"]
    assert r["registry_ids"] == {}


def test_english_page_canonical_record(jrct):
    r = record(jrct, "jrct-jRCT2063200014-v1", "latest-detail-en.html",
               "https://jrct.niph.go.jp/en-latest-detail/jRCT2063200014")
    assert (r["language"], r["status"], r["status_raw"]) == ("en", "recruiting", "Recruiting")
    assert (r["date_registered"], r["date_last_modified"]) == ("2020-08-26", "2025-02-20")
    assert r["target_sample_size"] == 10 and r["secondary_ids"] == ["UMIN000041461"]


def test_both_languages_agree_on_what_both_state(jrct):
    ja = record(jrct, "jrct-jRCT2063200014-v2", "latest-detail-ja.html")
    en = record(jrct, "jrct-jRCT2063200014-v2", "latest-detail-en.html")
    for name in ("trial_id", "status", "date_registered", "date_last_modified",
                 "target_sample_size", "secondary_ids", "title_scientific", "conditions"):
        assert ja[name] == en[name], name
    assert ja["status"] == "active_not_recruiting"  # 募集終了 / Not Recruiting


def test_rows_keep_group_labels_and_language_halves(jrct):
    page = jrct.parse_page(read("jrct-jRCT2063200014-v1", "latest-detail-ja.html"))
    fields = page.as_mapping()
    people = fields["試験等の実施体制に関する事項 / 試験等の名称及び責任者"]
    assert people["治験調整医師に関する事項 > 氏名"] == {"ja": "高見 太郎", "en": "TAKAMI Taro"}
    assert people["治験調整医師に関する事項 > 電子メールアドレス"] == "t-takami@yamaguchi-u.ac.jp"
    raw = next(f for f in page.fields if f.label_ja == "主たる評価項目")
    assert raw.label_en == "Primary Outcome(s)"
    criteria = fields["試験等の目的及び内容 / 試験等の目的及び内容"]["選択基準"]
    assert criteria["en"].split("\n")[1] == "(2) Age: 20 to 75 years."


def test_revision_history_count_and_newest_date(jrct):
    v1 = jrct.parse_page(read("jrct-jRCT2063200014-v1", "latest-detail-ja.html")).as_mapping()
    v2 = jrct.parse_page(read("jrct-jRCT2063200014-v2", "latest-detail-ja.html")).as_mapping()
    assert v1["History"] == {"count": "3", "latest": "2025-02-20"}
    assert v2["History"] == {"count": "4", "latest": "2025-06-10"}


def test_jrcts_record_in_the_older_layout(jrct):
    url = "https://jrct.niph.go.jp/latest-detail/jRCTs051180190"
    r = record(jrct, "jrct-jRCTs051180190", "latest-detail-ja.html", url)
    assert r["trial_id"] == "jRCTs051180190"               # from 臨床研究実施計画番号
    assert r["date_registered"] == "2019-03-26"            # 平成31年3月26日
    assert r["date_last_modified"] == "2019-06-12"         # 令和元年6月12日
    assert r["target_sample_size"] == 40                   # 目標症例数
    assert r["secondary_ids"] == ["UMIN000027821"]
    assert r["title_public"] == "AML-SCT15 (AML-SCT15)"   # "ja / en" inside one <label>
    # optional rows this record lacks are absent, not errors
    assert r["date_start"] is None and r["date_completion"] is None
    assert "History" not in r["fields"]


def test_never_revised_record_falls_back_to_first_publication(jrct):
    text = read("jrct-jRCTs051180190", "latest-detail-ja.html").replace("令和元年6月12日", "")
    r = jrct.normalize(jrct.parse_page(text), "u").to_dict()
    assert r["date_last_modified"] == r["date_registered"] == "2019-03-26"


def test_maintenance_page_is_a_parse_error(jrct):
    with pytest.raises(ParseError, match="not a jRCT detail page but a maintenance page"):
        jrct.parse_page("<html><body><h1>メンテナンス中</h1><p>しばらくお待ちください</p></body></html>")


def test_page_without_header_is_a_parse_error(jrct):
    with pytest.raises(ParseError, match="header table .* is missing"):
        jrct.parse_page("<html><body><h1>臨床研究</h1><table><tr><th>その他</th><td>x</td></tr>"
                        "</table></body></html>")


def test_changed_layout_is_a_parse_error(jrct):
    text = read("jrct-jRCT2063200014-v1", "latest-detail-ja.html")
    renamed = text
    for old, new in (("jRCT番号", "番号"), ("研究名称", "名称"), ("進捗状況", "状態"),
                     ("初回公表日", "公開日"), ("最終公表日", "更新日"), ("平易な研究名称", "略称"),
                     ("実施予定被験者数", "人数"), ("対象疾患名", "疾患"), ("試験等の名称", "名"),
                     ("他の臨床研究登録機関発行の研究番号", "他の番号"), ("実施期間", "期間"),
                     ("Scientific Title", "T"), ("Public Title", "P"), ("Target Sample Size", "S"),
                     ("Health Condition(s) or Problem(s) Studied", "H")):
        renamed = renamed.replace(old, new)
    with pytest.raises(ParseError, match="incomplete, no status row .*, no title, no date"):
        parse_detail_page(renamed)


def test_truncated_page_is_a_parse_error(jrct):
    text = read("jrct-jRCT2063200014-v1", "latest-detail-ja.html")
    with pytest.raises(ParseError, match="no sections"):
        parse_detail_page(text[:text.index('<h2 class="well')])
    with pytest.raises(ParseError, match="does not end with </html>"):
        parse_detail_page(text[:int(len(text) * 0.6)])


def test_page_without_status_row_is_a_parse_error(jrct):
    text = read("jrct-jRCT2063200014-v1", "latest-detail-en.html")
    row = text.index("<label>Recruitment status</label>")
    start, end = text.rindex("<tr>", 0, row), text.index("</tr>", row) + 5
    with pytest.raises(ParseError, match=r"no status row"):
        parse_detail_page(text[:start] + text[end:])


def test_status_in_header_and_body_disagreeing_is_a_parse_error(jrct):
    text = read("jrct-jRCT2063200014-v1", "latest-detail-ja.html")
    row = '<tr><th><label>研究の進捗状況</label></th><td colspan="2">研究終了</td></tr>'
    at = text.index("<tbody>", text.index('<h2 class="well')) + 7
    with pytest.raises(ParseError, match="two recruitment statuses"):
        parse_detail_page(text[:at] + row + text[at:])


def test_status_words_outside_labelled_rows_are_never_the_status(jrct):
    text = read("jrct-jRCT2063200014-v1", "latest-detail-en.html")
    notice = '<div class="alert"><p>Recruitment status: Complete. 研究終了</p></div>'
    text = text.replace('<div class="jr-caption">', notice + '<div class="jr-caption">')
    text = text.replace("</footer>", "<p>Suspended / Pending / 募集終了</p></footer>")
    r = jrct.normalize(jrct.parse_page(text), J2).to_dict()
    assert (r["status"], r["status_raw"]) == ("recruiting", "Recruiting")


def test_2026_english_labels_and_dates(jrct):
    text = read("jrct-jRCT2063200014-v1", "latest-detail-en.html")
    for old, new in (("jRCT ID", "Trial ID"), ("Recruitment status", "Recruitment Status"),
                     ("Date of First Enrollment", "Date of First Enrolment"),
                     ("Health Condition(s) or Problem(s) Studied",
                      "Health Condition or Problem Studied"),
                     ("Secondary ID(s)", "Secondary ID No."),
                     ("Aug. 26, 2020", "Aug. 26, 2020"), ("Sep. 01, 2020", "Sep. 01, 2020"),
                     ("Feb. 20, 2025", "Feb. 20, 2025")):
        assert old in text
        text = text.replace(old, new)
    page = jrct.parse_page(text)
    r = jrct.normalize(page, J2).to_dict()
    assert r["secondary_ids"] == ["UMIN000041461"]
    assert r["conditions"] == ["Decompensated liver cirrhosis"]
    assert (r["date_start"], r["status"], r["trial_id"]) == ("2020-09-01", "recruiting",
                                                            "jRCT2063200014")
    assert page.unknown_labels == []


def test_2026_japanese_secondary_id_label(jrct):
    text = read("jrct-jRCTs051180190", "latest-detail-ja.html").replace(
        "<label>他の臨床研究登録機関発行の研究番号</label>",
        "<label>他の登録機関でのID番号 / Secondary ID No.</label>")
    r = jrct.normalize(jrct.parse_page(text), "u").to_dict()
    assert r["secondary_ids"] == ["UMIN000027821"]


def test_unknown_labels_are_recorded(jrct):
    text = read("jrct-jRCT2063200014-v1", "latest-detail-ja.html")
    assert jrct.parse_page(text).unknown_labels == []
    row = ('<tr><th colspan="2"><label>データ共有</label> / <label>IPD sharing</label></th>'
           '<td>なし</td><td>No</td></tr>')
    at = text.index("<tbody>", text.index('<h2 class="well')) + 7
    page = jrct.parse_page(text[:at] + row + row + text[at:])
    assert page.unknown_labels == ["データ共有 / IPD sharing"]


def test_japanese_sides_of_titles_and_conditions(jrct):
    url = "https://jrct.niph.go.jp/latest-detail/jRCTs051180190"
    r = record(jrct, "jrct-jRCTs051180190", "latest-detail-ja.html", url)
    assert r["title_public"] == "AML-SCT15 (AML-SCT15)"
    assert r["title_public_ja"] == "AML-SCT15"
    assert r["title_scientific_ja"].startswith("第1・第2 寛解期小児急性骨髄性白血病")
    # the bilingual row's Japanese side, which pairs with the English conditions
    assert (r["conditions"], r["conditions_ja"]) == (["acute myeloid leukemia"],
                                                     ["急性骨髄性白血病"])
    en = record(jrct, "jrct-jRCT2063200014-v1", "latest-detail-en.html")
    assert (en["title_public_ja"], en["title_scientific_ja"], en["conditions_ja"]) == (
        None, None, [])


@pytest.mark.parametrize("text, expected", [
    ("jRCT2063200014", ("jRCT2063200014", None)),
    ("JRCT2063200014", ("jRCT2063200014", None)),
    ("jRCTs051180190", ("jRCTs051180190", None)),
    ("jRCTb030190001", ("jRCTb030190001", None)),
    ("https://jrct.niph.go.jp/latest-detail/jRCT2063200014", ("jRCT2063200014", "ja")),
    ("https://jrct.mhlw.go.jp/en-latest-detail/jRCTs051180190", ("jRCTs051180190", "en")),
])
def test_ids_and_urls(jrct, text, expected):
    ref = jrct.parse_input(text)
    assert (ref.trial_id, ref.language) == expected


@pytest.mark.parametrize("text", ["jRCT206320001", "jRCTs05118019", "jRCT20632000141",
                                  "https://example.org/latest-detail/jRCT2063200014",
                                  "https://jrct.niph.go.jp/search"])
def test_bad_ids_are_not_ours(jrct, text):
    assert jrct.parse_input(text) is None


def test_urls(jrct):
    ref = jrct.parse_input("jRCT2063200014")
    assert jrct.page_url(ref, "ja") == J2
    assert jrct.page_url(ref, "en") == "https://jrct.mhlw.go.jp/en-latest-detail/jRCT2063200014"
    # links on the old host are the same record, fetched from the configured base
    old = jrct.parse_input("https://jrct.niph.go.jp/latest-detail/jRCT2063200014")
    assert old == jrct.parse_input("https://jrct.mhlw.go.jp/latest-detail/jRCT2063200014")
    assert jrct.page_url(old, "ja") == J2
    local = JrctRegistry(RegistrySettings("http://127.0.0.1:8080", ("ja",), 0.0))
    assert local.page_url(ref, "ja") == "http://127.0.0.1:8080/latest-detail/jRCT2063200014"
    assert local.parse_input("http://127.0.0.1:8080/latest-detail/jRCT2063200014") is not None


@pytest.mark.parametrize("raw, status", [
    ("募集前", "not_yet_recruiting"), ("募集中", "recruiting"), ("募集中断", "suspended"),
    ("募集終了", "active_not_recruiting"), ("研究終了", "completed"),
    ("Pending", "not_yet_recruiting"), ("Recruiting", "recruiting"),
    ("Suspended", "suspended"), ("Not Recruiting", "active_not_recruiting"),
    ("Complete", "completed"), ("募集終了 / Not Recruiting", "active_not_recruiting"),
    ("その他", "unknown"), (None, "unknown"),
])
def test_status_vocabulary(raw, status):
    assert map_status(raw) == status


def test_id_under_a_renamed_label_still_counts(jrct):
    text = read("jrct-jRCTs051180190", "latest-detail-ja.html").replace(
        "臨床研究実施計画番号", "登録番号")
    assert jrct.parse_page(text).canonical["trial_id"] == "jRCTs051180190"
    row = '<tr><th><label>jRCT番号</label></th><td colspan="2">jRCT2063209999</td></tr>'
    at = text.index("<tbody>", text.index('<h2 class="well')) + 7
    with pytest.raises(ParseError, match="two trial IDs"):
        jrct.parse_page(text[:at] + row + text[at:])
