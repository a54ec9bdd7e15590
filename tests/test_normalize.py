"""The canonical record: seed values, language independence, statuses, dates, numbers."""

from __future__ import annotations

import pytest

from monitor.normalize import CANONICAL_FIELDS, STATUSES, parse_date, parse_int
from monitor.normalize.values import content_hash, split_bilingual
from monitor.parse.html import label_key
from monitor.registries.umin import map_status

URL = "https://center6.umin.ac.jp/cgi-open-bin/ctr_e/ctr_view.cgi?recptno=R000047329"


def test_seed_record_values(umin, seed_en):
    record = umin.normalize(umin.parse_page(seed_en, "en"), URL)
    assert record.registry == "umin"
    assert record.trial_id == "UMIN000041461"
    assert record.registry_ids == {"receipt_number": "R000047329"}
    assert record.language == "en"
    assert record.url == URL
    assert record.status == "recruiting"
    assert record.status_raw == "Open public recruiting"
    assert record.date_registered == "2020-08-19"
    assert record.date_disclosed == "2020-08-31"
    assert record.date_last_modified == "2025-03-03"
    assert record.date_start == "2020-09-01"
    assert record.date_completion == "2025-08-31"
    assert record.target_sample_size == 10
    assert record.secondary_ids == ["jRCT2063200014"]
    assert record.conditions == ["Decompensated liver cirrhosis"]
    assert record.title_public.startswith("An open-label, uncontrolled study")
    assert record.title_scientific.endswith("(Phase I / II study)")
    assert record.fields["Summary"]["Receipt number"] == "R000047329"


JAPANESE_SIDE = ("title_public_ja", "title_scientific_ja", "conditions_ja")


def test_both_languages_give_the_same_canonical_values(umin, seed_en, seed_ja):
    en = umin.normalize(umin.parse_page(seed_en), URL).to_dict()
    ja = umin.normalize(umin.parse_page(seed_ja), URL.replace("ctr_e", "ctr")).to_dict()
    assert ja["language"] == "ja"
    for name in CANONICAL_FIELDS:
        if name not in ("language", "url", *JAPANESE_SIDE):
            assert en[name] == ja[name], name


def test_japanese_page_keeps_the_japanese_side(umin, seed_en, seed_ja):
    ja = umin.normalize(umin.parse_page(seed_ja), URL.replace("ctr_e", "ctr"))
    assert ja.title_public_ja.startswith("非代償性肝硬変患者を対象とした")
    assert ja.title_scientific_ja.endswith("（第I/II相試験）")
    assert ja.conditions_ja == ["非代償性肝硬変"]
    # the compared fields stay English
    assert ja.conditions == ["Decompensated liver cirrhosis"]
    en = umin.normalize(umin.parse_page(seed_en), URL)
    assert (en.title_public_ja, en.title_scientific_ja, en.conditions_ja) == (None, None, [])


def test_japanese_only_values_fill_both_fields(umin, seed_ja):
    """A Japanese page whose title has no English side: Japanese in both fields."""
    start = seed_ja.index("<h3>一般向け試験名/Public title</h3>")
    table_start = seed_ja.index("<p><table", start)
    table_end = seed_ja.index("</table>", start) + len("</table>")
    text = seed_ja[:table_start] + "<p>肝硬変の研究</p>" + seed_ja[table_end:]
    record = umin.normalize(umin.parse_page(text), URL)
    assert (record.title_public, record.title_public_ja) == ("肝硬変の研究", "肝硬変の研究")


@pytest.mark.parametrize("raw, status", [
    ("Preinitiation", "not_yet_recruiting"),
    ("Open public recruiting", "recruiting"),
    ("Open public recruiting(outpatients can be recruited publicly)", "recruiting"),
    ("Recruiting", "recruiting"),
    ("Enrolling by invitation", "enrolling_by_invitation"),
    ("No longer recruiting", "active_not_recruiting"),
    ("Completed", "completed"),
    ("Suspended", "suspended"),
    ("Terminated", "terminated"),
    ("Main results already published", "completed"),
    ("限定募集中/Enrolling by invitation", "enrolling_by_invitation"),
    ("募集終了/No longer recruiting", "active_not_recruiting"),
    ("試験終了", "completed"),
    ("試験中止", "terminated"),
    ("一般募集中", "recruiting"),
    ("開始前", "not_yet_recruiting"),
    ("Something new", "unknown"),
    ("", "unknown"),
    (None, "unknown"),
])
def test_status_vocabulary(raw, status):
    assert map_status(raw) == status
    assert status in STATUSES


@pytest.mark.parametrize("text, iso", [
    ("2020/08/31", "2020-08-31"),
    ("2025/03/03 17:54:02", "2025-03-03"),
    ("2020 Year 08 Month 31 Day", "2020-08-31"),
    ("2020-8-1", "2020-08-01"),
    ("2020年8月31日", "2020-08-31"),
    ("２０２０年８月３１日", "2020-08-31"),
    ("令和2年8月31日", "2020-08-31"),
    ("令和元年5月1日", "2019-05-01"),
    ("平成31年4月30日", "2019-04-30"),
    ("平成元年1月8日", "1989-01-08"),
    ("昭和64年1月7日", "1989-01-07"),
    ("31 August 2020", "2020-08-31"),
    ("Aug 31, 2020", "2020-08-31"),
    ("2015/06/23", "2015-06-23"),
    ("2022/12/15 11:23:42", "2022-12-15"),
    ("2015 Year 06 Month 23 Day", "2015-06-23"),
    ("2020 年 08 月 31 日", "2020-08-31"),
    ("平成31年3月26日", "2019-03-26"),
    ("2017年07月01日", "2017-07-01"),
    ("Oct. 03, 2025", "2025-10-03"),
    ("April. 27, 2024", "2024-04-27"),
    ("Aug. 26, 2020", "2020-08-26"),
    ("Sept. 9, 2021", "2021-09-09"),
    ("Phase 2 2020, then Oct. 03, 2025", "2025-10-03"),
    ("2020/02/30", None),
    ("", None),
    (None, None),
    ("not a date", None),
])
def test_dates(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize("text, number", [
    ("10", 10), ("１０名", 10), ("1,200 patients", 1200), ("", None), (None, None),
    ("not stated", None),
])
def test_integers(text, number):
    assert parse_int(text) == number


@pytest.mark.parametrize("text, halves", [
    ("一般向け試験名/Public title", ("一般向け試験名", "Public title")),
    ("介入1/Interventions/Control_1", ("介入1", "Interventions/Control_1")),
    ("Interventions/Control_1", ("", "Interventions/Control_1")),
    ("Email/Email", ("Email", "Email")),
    ("試験終了", ("試験終了", "")),
])
def test_bilingual_split(text, halves):
    assert split_bilingual(text) == halves


def test_content_hash_ignores_url_and_width_variants(umin, seed_en):
    record = umin.normalize(umin.parse_page(seed_en), URL).to_dict()
    moved = {**record, "url": "http://127.0.0.1:8000/x"}
    assert content_hash(record) == content_hash(moved)
    wide = {**record, "title_public": record["title_public"].replace("(", "（")}
    assert content_hash(record) == content_hash(wide)
    changed = {**record, "target_sample_size": 12}
    assert content_hash(record) != content_hash(changed)


@pytest.mark.parametrize("a, b", [
    ("Target sample size", "Target Sample Size"),
    ("Target sample size", " Target\u3000sample\nsize "),
    ("一般公開日（本登録希望日）", "一般公開日(本登録希望日)"),
    ("Recruitment status", "RECRUITMENT STATUS"),
    ("Ｐｈａｓｅ", "phase"),
])
def test_label_key_matches_respellings(a, b):
    assert label_key(a) == label_key(b)


def test_label_key_keeps_different_words_apart():
    assert label_key("Date of First Enrolment") != label_key("Date of First Enrollment")
    assert label_key("Target sample size (achieved)") != label_key("Target sample size")
