"""Human words: every status and field in both languages, the registries' own words,
raw field paths as "Section › Label", phrases with correct plurals."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from monitor.errors import MonitorError
from monitor.normalize.record import CANONICAL_FIELDS, STATUSES
from monitor.normalize.vocabulary import (
    PHRASES,
    LanguageError,
    check_language,
    field_label,
    language_name,
    phrase,
    raw_field_label,
    registry_title,
    registry_words,
    severity_label,
    split_field_path,
    status_label,
)
from monitor.registries import REGISTRY_TYPES, build_registries
from monitor.registries.umin.labels import SECTIONS as UMIN_SECTIONS
from monitor.registries.umin.labels import SUMMARY_MEANINGS

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
REGISTRIES = (None, "umin", "jrct")


# --- every identifier has words in both languages -----------------------------------------


@pytest.mark.parametrize("registry", REGISTRIES)
@pytest.mark.parametrize("status", STATUSES)
def test_every_canonical_status_reads_in_both_languages(status: str, registry: str | None):
    en, ja = status_label(status, "en", registry), status_label(status, "ja", registry)
    assert en and en != status and "_" not in en
    assert JAPANESE.search(ja), ja


@pytest.mark.parametrize("registry", REGISTRIES)
@pytest.mark.parametrize("name", CANONICAL_FIELDS)
def test_every_canonical_field_reads_in_both_languages(name: str, registry: str | None):
    en, ja = field_label(name, "en", registry), field_label(name, "ja", registry)
    assert en and en != name and "_" not in en
    assert JAPANESE.search(ja) or ja.startswith(("UMIN", "jRCT")), ja
    assert en != ja


def test_generic_words_of_the_brief():
    assert field_label("target_sample_size", "en") == "Target sample size"
    assert field_label("target_sample_size", "ja") == "目標参加者数"
    assert field_label("date_last_modified", "en") == "Last modified"
    assert field_label("date_last_modified", "ja") == "最終更新日"
    assert status_label("active_not_recruiting", "en") == "Active, not recruiting"
    assert status_label(None, "ja") == "—"


UMIN_STATUS_WORDS = {
    "not_yet_recruiting": ("Preinitiation", "開始前"),
    "recruiting": ("Open public recruiting", "一般募集中"),
    "enrolling_by_invitation": ("Enrolling by invitation", "限定募集中"),
    "active_not_recruiting": ("No longer recruiting", "募集終了"),
    "completed": ("Completed", "試験終了"),
    "suspended": ("Suspended", "試験中断"),
    "terminated": ("Terminated", "試験中止"),
}
JRCT_STATUS_WORDS = {
    "not_yet_recruiting": ("Pending", "募集前"),
    "recruiting": ("Recruiting", "募集中"),
    "suspended": ("Suspended", "募集中断"),
    "active_not_recruiting": ("Not Recruiting", "募集終了"),
    "completed": ("Complete", "研究終了"),
}


@pytest.mark.parametrize(("registry", "expected"),
                         [("umin", UMIN_STATUS_WORDS), ("jrct", JRCT_STATUS_WORDS)])
def test_statuses_in_the_registries_own_words(registry: str, expected: dict):
    for status, (en, ja) in expected.items():
        assert status_label(status, "en", registry) == en
        assert status_label(status, "ja", registry) == ja


def test_status_words_map_back_to_their_status():
    """A registry's word for a status is one its own parser reads as that status, so
    a report never names a status with another status's word."""
    from monitor.registries.jrct.labels import map_status as jrct_status
    from monitor.registries.umin.labels import map_status as umin_status

    for registry, read in (("umin", umin_status), ("jrct", jrct_status)):
        words = registry_words(registry)
        assert words is not None
        for status, pair in words.statuses.items():
            assert read(pair.en) == status, (registry, pair.en)
            assert read(pair.ja) == status, (registry, pair.ja)


def test_a_status_without_a_registry_word_falls_back_to_the_generic_one():
    assert status_label("terminated", "ja", "jrct") == "中止"
    assert status_label("unknown", "en", "umin") == "Unknown"
    assert status_label("something_new", "ja", "umin") == "something_new"


def test_registry_words_override_canonical_field_words():
    assert field_label("date_last_modified", "ja", "jrct") == "最終公表日"
    assert field_label("date_last_modified", "ja", "umin") == "最終更新日"
    assert field_label("trial_id", "ja", "umin") == "UMIN試験ID"
    assert field_label("trial_id", "en", "jrct") == "jRCT ID"
    assert field_label("title_public", "ja", "jrct") == "平易な研究名称"


# --- raw field paths ----------------------------------------------------------------------


@pytest.mark.parametrize(("path", "en", "ja"), [
    ("fields.Eligibility.Key inclusion criteria", "Eligibility › Key inclusion criteria",
     "適格性 › 選択基準"),
    ("fields.Basic information.Public title", "Basic information › Public title",
     "基本情報 › 一般向け試験名"),
    ("fields.Condition.Condition", "Condition › Condition", "対象疾患 › 対象疾患名"),
    ("fields.Intervention.No. of arms", "Intervention › No. of arms", "介入 › 群数"),
    ("fields.Secondary IDs.Org. issuing International ID_1",
     "Secondary IDs › Org. issuing International ID_1", "他機関から発行された試験ID › ID発行機関1"),
    ("fields.Intervention.Interventions/Control_3", "Intervention › Interventions/Control_3",
     "介入 › 介入3"),
    ("fields.Summary.Last modified on", "Summary › Last modified on", "概要 › 最終更新日"),
    ("fields.IRB Contact (For public release).Tel", "IRB Contact (For public release) › Tel",
     "IRB等連絡先（公開） › 電話"),
])
def test_umin_raw_fields_read_as_section_and_label(path: str, en: str, ja: str):
    assert field_label(path, "en", "umin") == en
    assert field_label(path, "ja", "umin") == ja


def test_umin_labels_that_differ_by_section_are_translated_by_section():
    assert field_label("fields.Research contact person.Organization", "ja", "umin") == \
        "責任研究者 › 所属組織"
    assert field_label("fields.Public contact.Organization", "ja", "umin") == \
        "試験問い合わせ窓口 › 組織名"
    assert field_label("fields.Funding Source.Organization", "ja", "umin") == \
        "研究費提供組織 › 機関名"
    # In a section it does not know, an ambiguous label is left as the registry wrote it.
    assert field_label("fields.Elsewhere.Organization", "ja", "umin") == "Elsewhere › Organization"
    # An unambiguous one is still translated.
    assert field_label("fields.Elsewhere.Key inclusion criteria", "ja", "umin") == \
        "Elsewhere › 選択基準"


def test_every_umin_label_the_parser_knows_has_japanese_words():
    untranslated = []
    for section, labels in {**UMIN_SECTIONS,
                            "Summary": tuple(SUMMARY_MEANINGS)}.items():
        for label in labels:
            shown = field_label(f"fields.{section}.{label}", "ja", "umin")
            if not all(JAPANESE.search(part) or part == "Email" for part in shown.split(" › ")):
                untranslated.append(shown)
    assert untranslated == []


@pytest.mark.parametrize("page", ["umin-R000047329-v1/view-ja.html",
                                  "umin-R000047329-v1/view-en.html",
                                  "umin-R000020832/view-en.html"])
def test_every_raw_field_of_a_recorded_umin_page_reads_in_japanese(page: str):
    umin = build_registries()["umin"]
    record = umin.normalize(umin.parse_page((CASSETTES / page).read_text(encoding="utf-8")), "u")
    for section, labels in record.fields.items():
        for label in labels:
            shown = field_label(f"fields.{section}.{label}", "ja", "umin")
            parts = shown.split(" › ")
            assert len(parts) == 2, shown
            assert all(JAPANESE.search(p) or p == "Email" for p in parts), shown


def test_section_names_are_matched_by_meaning():
    # A trailing space (as in the page's "Public contact ") or another case is the same.
    assert raw_field_label("Public contact ", "Homepage URL", "ja", "umin") == \
        "試験問い合わせ窓口 › 試験のホームページURL"
    assert raw_field_label("ELIGIBILITY", "key inclusion criteria", "ja", "umin") == \
        "適格性 › 選択基準"
    # Keys in Japanese or bilingual (another parser's choice) read the same.
    assert raw_field_label("適格性", "選択基準/Key inclusion criteria", "en", "umin") == \
        "Eligibility › Key inclusion criteria"


def test_jrct_paths_lose_their_numbering_and_repeated_headings():
    path = "fields.２　研究の目的及び内容 / （１）目的.対象疾患名"
    assert field_label(path, "ja", "jrct") == "研究の目的及び内容 › 目的 › 対象疾患名"
    assert field_label(path, "en", "jrct") == \
        "研究の目的及び内容 › 目的 › Health Condition(s) or Problem(s) Studied"
    assert field_label("fields.管理的事項 / 管理的事項.jRCT番号", "ja", "jrct") == \
        "管理的事項 › jRCT番号"
    assert field_label("fields.７ その他の事項 / （２）他の臨床研究登録機関への登録.備考", "ja",
                       "jrct") == "その他の事項 › 他の臨床研究登録機関への登録 › 備考"


def test_jrct_labels_keep_the_registry_text_unless_a_pair_is_known():
    assert field_label("fields.Header.最終公表日", "ja", "jrct") == "概要 › 最終公表日"
    assert field_label("fields.Header.最終公表日", "en", "jrct") == "Summary › Last modified on"
    assert field_label("fields.Purpose and content / Purpose and content.Primary Outcome(s)",
                       "ja", "jrct") == "Purpose and content › 主たる評価項目"
    # 選択基準 and 主たる選択基準 are both "Inclusion Criteria": the English stays.
    assert field_label("fields.Purpose and content.Inclusion Criteria", "ja", "jrct") == \
        "Purpose and content › Inclusion Criteria"
    # Group paths read as one more step; unknown labels stay as written.
    assert field_label("fields.試験等の実施体制に関する事項 / 試験等の名称及び責任者."
                       "治験調整医師に関する事項 > 電子メールアドレス", "en", "jrct") == \
        "試験等の実施体制に関する事項 › 試験等の名称及び責任者 › " \
        "治験調整医師に関する事項 › 電子メールアドレス"
    # "Affiliation" is several Japanese labels: not guessed.
    assert field_label("fields.Organization.Affiliation", "ja", "jrct") == \
        "Organization › Affiliation"
    assert field_label("fields.History.count", "ja", "jrct") == "変更履歴 › 公表回数"
    # Numbers that are part of a label are not numbering.
    assert field_label("fields.Header.3年生存率", "ja", "jrct") == "概要 › 3年生存率"


def test_field_paths_split_where_the_section_ends():
    assert split_field_path("fields.Intervention.No. of arms", "umin") == \
        ("Intervention", "No. of arms")
    assert split_field_path("fields.Header.jRCT No.", "jrct") == ("Header", "jRCT No.")
    assert split_field_path("fields.Dr. Smith's notes.1.5 mg dose", None) == \
        ("Dr. Smith's notes", "1.5 mg dose")
    assert split_field_path("fields.solo", None) == ("", "solo")


def test_consistency_and_unknown_fields():
    assert field_label("consistency.status", "en") == \
        "Recruitment status (linked registries differ)"
    assert field_label("consistency.target_sample_size", "ja") == "目標参加者数（登録間の不一致）"
    assert field_label("something_else", "ja") == "something_else"


# --- registry names, severities, languages, phrases ---------------------------------------


def test_titles_severities_and_language_names():
    assert registry_title("umin", "ja") == "UMIN-CTR"
    assert registry_title("jrct", "en") == "jRCT"
    assert registry_title("ctgov", "en") == "ctgov"
    assert [severity_label(s, "en") for s in ("high", "medium", "low")] == \
        ["High", "Medium", "Low"]
    assert [severity_label(s, "ja") for s in ("high", "medium", "low")] == ["高", "中", "低"]
    assert (language_name("en", "ja"), language_name("ja", "ja")) == ("英語", "日本語")
    assert (language_name("en", "en"), language_name("ja", "en")) == ("English", "Japanese")


def test_english_plurals_and_japanese_counters():
    assert phrase("changes", "en", count=1) == "1 change"
    assert phrase("changes", "en", count=3) == "3 changes"
    assert phrase("changes", "en", count=0) == "0 changes"
    assert phrase("trials", "en", count=1) == "1 trial"
    assert phrase("changes", "ja", count=3) == "3件の変更"
    assert phrase("changes_in_trials", "en", changes=1, trials=2) == "1 change in 2 trials"
    assert phrase("changes_in_trials", "ja", changes=1200, trials=1) == "1件の試験で1,200件の変更"
    assert phrase("days", "en", count=1) == "1 day"
    assert phrase("flag_still_status", "en", status="recruiting", days=1,
                  date="2025-01-01") == "still recruiting 1 day after its completion date " \
                                        "(2025-01-01)"


def test_every_phrase_takes_the_same_values_in_both_languages():
    def names(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    for key, words in PHRASES.items():
        assert names(words.en) == names(words.ja), key
        values = dict.fromkeys(names(words.en), 2)
        assert "{" not in phrase(key, "en", **values) + phrase(key, "ja", **values)


def test_a_phrase_missing_a_value_is_an_error_not_a_blank():
    with pytest.raises(KeyError):
        phrase("changes", "en")


def test_languages_are_checked_with_a_useful_message():
    assert check_language("ja-JP") == "ja"
    assert check_language("EN_us") == "en"
    with pytest.raises(LanguageError, match="'fr'.*en.*ja") as raised:
        field_label("status", "fr")
    assert isinstance(raised.value, MonitorError)
    with pytest.raises(LanguageError):
        phrase("changes", "de", count=1)


# --- registration -------------------------------------------------------------------------


def test_every_registry_has_its_words_and_they_name_real_identifiers():
    # every registry package has a words module, found through REGISTRY_TYPES alone
    for name in REGISTRY_TYPES:
        words = registry_words(name)
        assert words is not None and words.name == name
        assert set(words.statuses) <= set(STATUSES)
        assert set(words.fields) <= set(CANONICAL_FIELDS)
    assert registry_words("nowhere") is None
