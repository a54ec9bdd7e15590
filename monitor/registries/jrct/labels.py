"""jRCT's words: IDs, the label table (every known wording of every label, old and new,
Japanese and English, and what it means) and the status vocabulary.

Labels are matched by :func:`monitor.parse.html.label_key` (NFKC, case-folded, spaces
removed): ``Recruitment Status`` and ``Recruitment status`` need one entry, but every
different wording (``Date of First Enrolment`` / ``Enrollment``) needs its own.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from monitor.normalize.japanese import has_japanese
from monitor.parse.html import label_key

TRIAL_ID = re.compile(r"jRCT(?:\d{10}|[a-z]\d{9})(?!\d)")
_INPUT_ID = re.compile(r"jrct(?:\d{10}|[a-z]\d{9})", re.IGNORECASE)
OTHER_IDS = re.compile(r"UMIN\d{9}|NCT\d{8}|JapicCTI-\d{6}|jRCT(?:\d{10}|[a-z]\d{9})|"
                       r"JMA-IIA\d{5}|ISRCTN\d{8}", re.IGNORECASE)


HISTORY_HEADINGS = ("変更履歴", "revisionhistory", "changehistory", "history")
HISTORY_SECTION = "History"

# The label table: meaning → every wording seen (reference notes, 2020 and current pages,
# the 2026 English labels reported by a scraper, the recorded pages). Meanings named
# like a TrialRecord field are read into it; the others are known, so that only truly
# new labels are reported as unknown. Bilingual labels ("日本語 / English") are looked up
# whole, then by each half.
_WORDINGS: dict[str, tuple[str, ...]] = {
    # read into the canonical record
    "trial_id": ("jRCT番号", "臨床研究実施計画番号", "jRCT ID", "jRCT No.", "Trial ID"),
    "title_scientific": ("研究名称", "試験等の名称", "試験の名称", "Scientific Title",
                         "Scientific Title（Acronym）"),
    "title_public": ("平易な研究名称", "平易な試験等の名称", "Public Title",
                     "Public Title（Acronym）"),
    "status": ("進捗状況", "研究の進捗状況", "被験者募集状況", "Recruitment status"),
    "date_registered": ("初回公表日", "Date of registration", "Date of first publication",
                        "First publication date"),
    "date_last_modified": ("最終公表日", "Last modified on", "Date of last publication",
                           "Last publication date", "Last update"),
    "target_sample_size": ("実施予定被験者数", "目標症例数", "予定症例数", "Target Sample Size",
                           "Sample Size"),
    "date_start": ("実施期間（開始日）", "研究実施期間（開始日）", "研究開始日",
                   "Date of First Enrollment", "Date of First Enrolment",
                   "Study period (start)", "Study start date"),
    "date_completion": ("実施期間（終了日）", "研究実施期間（終了日）", "研究終了予定日",
                        "Completion Date or Terminated date", "Study period (end)",
                        "Study end date"),
    "conditions": ("対象疾患名", "Health Condition(s) or Problem(s) Studied",
                   "Health Condition or Problem Studied", "Condition", "Conditions"),
    "secondary_ids": ("他の臨床研究登録機関発行の研究番号", "他の登録機関でのID番号",
                      "Secondary ID(s)", "Secondary IDs", "Secondary ID No.",
                      "Other registration ID"),
    # known, not read into the record
    "study_category": ("研究の種別",),  # English header "Study Type" reads as study_type
    "trial_category": ("治験の区分",),
    "date_notified": ("届出日",),
    "date_terminated": ("中止年月日",),
    "date_observation_end": ("観察期間終了日",),
    "principal_investigator": ("研究責任（代表）医師の氏名",),
    "principal_investigator_affiliation": ("研究責任（代表）医師の所属機関",),
    "objectives": ("研究・治験の目的", "試験等の目的", "Objectives"),
    "phase": ("試験のフェーズ", "Phase"),
    "study_type": ("試験の種類", "Study Type"),
    "intervention": ("介入の内容", "Intervention(s)"),
    "age_minimum": ("年齢下限", "Age Minimum"),
    "age_maximum": ("年齢上限", "Age Maximum"),
    "inclusion_criteria": ("選択基準", "Inclusion Criteria"),
    "primary_outcomes": ("主たる評価項目", "Primary Outcome(s)"),
    "secondary_outcomes": ("副次的な評価項目", "Secondary Outcome(s)"),
    "drug_generic_name": ("医薬品等の一般名称",),
    "drug_brand_name": ("販売名",),
    "review_board": ("認定委員会の名称",),
    "review_board_number": ("認定番号",),
    "scientific_contact": ("治験調整医師に関する事項",
                           "研究責任医師（多施設共同研究の場合は、研究代表医師）の連絡先",
                           "Contact for Scientific Queries"),
    "name": ("氏名", "Name"),
    "affiliation": ("所属機関", "所属機関（実施医療機関）", "Affiliation"),
    "department": ("所属部署",),
    "address": ("所属機関の住所",),
    "email": ("電子メールアドレス",),
    "e_rad_number": ("e-Rad番号",),
    "sponsor_group": ("依頼者等に関する事項",),
    "sponsor": ("依頼者等の名称", "Primary Sponsor"),
    "secondary_sponsor": ("Secondary Sponsor",),
    "funding": ("Name of Funding Organization",),
    "other_registry": ("他の臨床研究登録機関の名称", "Issuing Authority",
                       "Name of Other Registries"),
    "countries": ("Countries / Regions of Recruitment",),
}
LABELS: dict[str, str] = {
    label_key(wording): meaning
    for meaning, wordings in _WORDINGS.items()
    for wording in wordings
}
# "a label ending in 進捗状況" is the status, whatever precedes it
_STATUS_SUFFIX = label_key("進捗状況")

STATUS_JA = {
    "募集前": "not_yet_recruiting",
    "募集中断": "suspended",
    "募集中": "recruiting",
    "募集終了": "active_not_recruiting",
    "研究終了": "completed",
    "試験終了": "completed",
    "中止": "terminated",
}
STATUS_EN = {
    "pending": "not_yet_recruiting",
    "not yet recruiting": "not_yet_recruiting",
    "recruiting": "recruiting",
    "suspended": "suspended",
    "not recruiting": "active_not_recruiting",
    "no longer recruiting": "active_not_recruiting",
    "complete": "completed",
    "completed": "completed",
    "terminated": "terminated",
}
_JA_WORDS = sorted(STATUS_JA, key=len, reverse=True)
_EN_WORDS = sorted(STATUS_EN, key=len, reverse=True)


@functools.lru_cache(maxsize=4096)
def meaning_of(label_ja: str, label_en: str = "") -> str:
    """What a label (its Japanese and English halves) means, or "" if unknown."""
    for label in (label_ja, label_en):
        if label:
            key = label_key(label)
            if key in LABELS:
                return LABELS[key]
            if key.endswith(_STATUS_SUFFIX):
                return "status"
    return ""


def is_japanese(text: str) -> bool:
    return has_japanese(text)


def map_status(raw: str | None) -> str:
    """Canonical status from jRCT's words; the Japanese value decides where both exist."""
    if not raw:
        return "unknown"
    text = unicodedata.normalize("NFKC", raw).strip()
    for word in _JA_WORDS:
        if text.startswith(word):
            return STATUS_JA[word]
    lowered = text.lower()
    for word in _EN_WORDS:
        if lowered.startswith(word):
            return STATUS_EN[word]
    return "unknown"
