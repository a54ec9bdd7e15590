"""UMIN-CTR's words: IDs, the label table (every known spelling of every label, in both
languages, and what it means), the section layout, and the status vocabulary.

Labels are matched by :func:`monitor.parse.html.label_key` (NFKC, case-folded, spaces
removed), so ``Target Sample Size`` and ``一般公開日(本登録希望日)`` need no entries of
their own; what does need one is every different wording.
"""

from __future__ import annotations

import functools
import re

from monitor.normalize.values import split_bilingual
from monitor.parse.html import label_key

TRIAL_ID = re.compile(r"UMIN\d{9}", re.IGNORECASE)
RECEIPT_NUMBER = re.compile(r"R\d{9}", re.IGNORECASE)

# What the canonical record is read from: the meaning (English label) of each field.
ID = "Unique ID issued by UMIN"
RECEIPT = "Receipt number"
PUBLIC_TITLE = "Public title"
SCIENTIFIC_TITLE = "Scientific Title"
CONDITION = "Condition"
SAMPLE_SIZE = "Target sample size"
STATUS = "Recruitment status"
START = "Anticipated trial start date"
COMPLETION = "Last follow-up date"
REGISTERED = "Registered date"
DISCLOSED = "Date of disclosure of the study information"
LAST_MODIFIED = "Last modified on"
LINK = "Link to view the page"
STUDY_ID = "Study ID_"  # Study ID_1, Study ID_2…: a family, matched by prefix

# The label table: meaning (the English label as the current English page spells it,
# which is also the key in the record's fields) → every other known wording: Japanese
# halves of the Japanese page's "日本語/English" labels, Japanese summary labels, older
# English wordings and the CSV's column names. Summary-table and field labels share it.
_NUMBERED = range(1, 11)
_WORDINGS: dict[str, tuple[str, ...]] = {
    # summary table (and, for the last three, fields too)
    ID: ("UMIN試験ID", "UMIN ID"),
    RECEIPT: ("受付番号",),
    SCIENTIFIC_TITLE: ("科学的試験名", "試験名", "Official scientific title of the study"),
    DISCLOSED: ("一般公開日（本登録希望日）", "一般公開日"),
    LAST_MODIFIED: ("最終更新日",),
    STATUS: ("試験進捗状況",),
    # Basic information
    PUBLIC_TITLE: ("一般向け試験名",),
    "Acronym": ("一般向け試験名略称",),
    "Scientific Title:Acronym": ("科学的試験名略称",),
    "Region": ("試験実施地域",),
    # Condition
    CONDITION: ("対象疾患名",),
    "Classification by specialty": ("疾患区分1",),
    "Classification by malignancy": ("疾患区分2",),
    "Genomic information": ("ゲノム情報の取扱い",),
    # Objectives
    "Narrative objectives1": ("目的1",),
    "Basic objectives2": ("目的2",),
    "Basic objectives -Others": ("目的2 -その他詳細",),
    "Trial characteristics_1": ("試験の性質1",),
    "Trial characteristics_2": ("試験の性質2",),
    "Developmental phase": ("試験のフェーズ",),
    # Assessment, Base, Study design
    "Primary outcomes": ("主要アウトカム評価項目",),
    "Key secondary outcomes": ("副次アウトカム評価項目",),
    "Study type": ("試験の種類",),
    "Basic design": ("基本デザイン",),
    "Randomization": ("ランダム化",),
    "Randomization unit": ("ランダム化の単位",),
    "Blinding": ("ブラインド化",),
    "Control": ("コントロール",),
    "Stratification": ("層別化",),
    "Dynamic allocation": ("動的割付",),
    "Institution consideration": ("試験実施施設の考慮",),
    "Blocking": ("ブロック化",),
    "Concealment": ("割付コードを知る方法",),
    # Intervention
    "No. of arms": ("群数",),
    "Purpose of intervention": ("介入の目的",),
    "Type of intervention": ("介入の種類",),
    **{f"Interventions/Control_{n}": (f"介入{n}",) for n in _NUMBERED},
    # Eligibility
    "Age-lower limit": ("年齢（下限）",),
    "Age-upper limit": ("年齢（上限）",),
    "Gender": ("性別",),
    "Key inclusion criteria": ("選択基準",),
    "Key exclusion criteria": ("除外基準",),
    SAMPLE_SIZE: ("目標参加者数",),
    # contacts, sponsors, funding (TEL and Tel are one label once case-folded)
    "Name of lead principal investigator": ("責任研究者",),
    "Name of contact person": ("試験問い合わせ窓口担当者",),
    "Organization": ("所属組織",),
    "Division name": ("所属部署",),
    "Zip code": ("郵便番号",),
    "Address": ("住所",),
    "TEL": ("電話", "Tel"),
    "Email": (),
    "Homepage URL": ("ホームページURL",),
    "Institute": ("機関名",),
    "Department": ("部署名",),
    "Personal name": ("個人名",),
    "Division": ("組織の区分",),
    "Category of Funding Organization": ("研究費拠出国",),
    "Nationality of Funding Organization": ("研究費提供組織の国名",),
    "Co-sponsor": ("共同実施組織",),
    "Name of secondary funder(s)": ("その他の研究費提供組織",),
    # Secondary IDs, Institutions
    "Secondary IDs": ("他機関から発行された試験IDの有無",),
    **{f"{STUDY_ID}{n}": (f"試験ID{n}",) for n in _NUMBERED},
    **{f"Org. issuing International ID_{n}": (f"ID発行機関{n}",) for n in _NUMBERED},
    "IND to MHLW": ("治験届",),
    "Institutions": ("試験実施施設名称",),
    # Related information, Result
    "URL releasing protocol": ("プロトコル掲載URL",),
    "Publication of results": ("試験結果の公開状況",),
    "URL related to results and publications": ("試験結果の公開URL",),
    "Number of participants that the trial has enrolled": ("参加者数",),
    "Results": ("結果",),
    "Results date posted": ("結果掲載日",),
    "Results Delayed": ("結果の公開遅延",),
    "Results Delay Reason": ("結果の公開遅延理由",),
    "Date of the first journal publication of results": ("最初の試験結果の出版日",),
    "Baseline Characteristics": ("参加者背景",),
    "Participant flow": ("参加者の流れ",),
    "Adverse events": ("有害事象",),
    "Outcome measures": ("評価項目",),
    "Plan to share IPD": ("個別症例データ共有計画",),
    "IPD sharing Plan description": ("個別症例データ共有計画の詳細",),
    # Progress
    "Date of protocol fixation": ("プロトコル確定日",),
    "Date of IRB": ("倫理委員会による承認日",),
    START: ("登録・組入れ開始（予定）日",),
    COMPLETION: ("フォロー終了(予定)日",),
    "Date of closure to data entry": ("入力終了(予定)日",),
    "Date trial data considered complete": ("データ固定（予定）日",),
    "Date analysis concluded": ("解析終了(予定)日",),
    # Other, Management information
    "Other related information": ("その他関連情報",),
    REGISTERED: ("登録日時",),
    LINK: ("閲覧ページへのリンク",),
}
LABELS: dict[str, str] = {
    label_key(wording): meaning
    for meaning, wordings in _WORDINGS.items()
    for wording in (meaning, *wordings)
}

# Labels of the summary table: the table whose <th> cells carry these is the summary,
# whatever its class.
SUMMARY_MEANINGS = frozenset({ID, RECEIPT, SCIENTIFIC_TITLE, DISCLOSED, LAST_MODIFIED, STATUS})

# Section → the field meanings it holds, in page order. A section whose <h2> is not in
# SECTION_HEADINGS is named by the fields it holds.
SECTIONS: dict[str, tuple[str, ...]] = {
    "Basic information": (PUBLIC_TITLE, "Acronym", SCIENTIFIC_TITLE,
                          "Scientific Title:Acronym", "Region"),
    "Condition": (CONDITION, "Classification by specialty", "Classification by malignancy",
                  "Genomic information"),
    "Objectives": ("Narrative objectives1", "Basic objectives2", "Basic objectives -Others",
                   "Trial characteristics_1", "Trial characteristics_2",
                   "Developmental phase"),
    "Assessment": ("Primary outcomes", "Key secondary outcomes"),
    "Base": ("Study type",),
    "Study design": ("Basic design", "Randomization", "Randomization unit", "Blinding",
                     "Control", "Stratification", "Dynamic allocation",
                     "Institution consideration", "Blocking", "Concealment"),
    "Intervention": ("No. of arms", "Purpose of intervention", "Type of intervention",
                     *(f"Interventions/Control_{n}" for n in _NUMBERED)),
    "Eligibility": ("Age-lower limit", "Age-upper limit", "Gender", "Key inclusion criteria",
                    "Key exclusion criteria", SAMPLE_SIZE),
    "Research contact person": ("Name of lead principal investigator", "Organization",
                                "Division name", "Zip code", "Address", "TEL", "Email"),
    "Public contact": ("Name of contact person", "Organization", "Division name", "Zip code",
                       "Address", "TEL", "Homepage URL", "Email"),
    "Sponsor or person": ("Institute", "Department", "Personal name"),
    "Funding Source": ("Organization", "Division", "Category of Funding Organization",
                       "Nationality of Funding Organization"),
    "Other related organizations": ("Co-sponsor", "Name of secondary funder(s)"),
    "IRB Contact (For public release)": ("Organization", "Address", "Tel", "Email"),
    "Secondary IDs": ("Secondary IDs", "Study ID_1", "Org. issuing International ID_1",
                      "Study ID_2", "Org. issuing International ID_2", "IND to MHLW"),
    "Institutions": ("Institutions",),
    "Other administrative information": (DISCLOSED,),
    "Related information": ("URL releasing protocol", "Publication of results"),
    "Result": ("URL related to results and publications",
               "Number of participants that the trial has enrolled", "Results",
               "Results date posted", "Results Delayed", "Results Delay Reason",
               "Date of the first journal publication of results",
               "Baseline Characteristics", "Participant flow", "Adverse events",
               "Outcome measures", "Plan to share IPD", "IPD sharing Plan description"),
    "Progress": (STATUS, "Date of protocol fixation", "Date of IRB", START, COMPLETION,
                 "Date of closure to data entry", "Date trial data considered complete",
                 "Date analysis concluded"),
    "Other": ("Other related information",),
    "Management information": (REGISTERED, LAST_MODIFIED, LINK),
}

# Section headings (<h2>) → section. Kept apart from LABELS: the same words can be a
# heading and a field label with different meanings (試験進捗状況 heads "Progress" and
# labels "Recruitment status"). The Japanese headings are those of the Japanese page.
_HEADING_WORDINGS: dict[str, tuple[str, ...]] = {
    "Basic information": ("基本情報",),
    "Condition": ("対象疾患",),
    "Objectives": ("目的",),
    "Assessment": ("評価",),
    "Base": ("基本事項",),
    "Study design": ("試験デザイン",),
    "Intervention": ("介入",),
    "Eligibility": ("適格性",),
    "Research contact person": ("責任研究者",),
    "Public contact": ("試験問い合わせ窓口",),
    "Sponsor or person": ("実施責任組織",),
    "Funding Source": ("研究費提供組織",),
    "Other related organizations": ("その他の関連組織",),
    "IRB Contact (For public release)": ("IRB等連絡先（公開）",),
    "Secondary IDs": ("他機関から発行された試験ID",),
    "Institutions": ("試験実施施設",),
    "Other administrative information": ("その他の管理情報",),
    "Related information": ("関連情報",),
    "Result": ("結果",),
    "Progress": ("試験進捗状況",),
    "Other": ("その他",),
    "Management information": ("管理情報",),
}
# Where a section spells a label its own way ("Tel" under IRB Contact, "TEL" elsewhere),
# its fields keep that spelling as their key.
SPELLINGS: dict[str, dict[str, str]] = {
    section: {label_key(label): label for label in held} for section, held in SECTIONS.items()
}

SECTION_HEADINGS: dict[str, str] = {
    label_key(wording): section
    for section, wordings in _HEADING_WORDINGS.items()
    for wording in (section, *wordings)
}

SUMMARY_SECTION = "Summary"

# Recruitment status: the start of the registry's words → canonical status. Longest
# prefixes are tried first; older pages append explanations in parentheses.
STATUS_EN = {
    "preinitiation": "not_yet_recruiting",
    "open public recruiting": "recruiting",
    "recruiting": "recruiting",
    "enrolling by invitation": "enrolling_by_invitation",
    "no longer recruiting": "active_not_recruiting",
    "completed": "completed",
    "suspended": "suspended",
    "terminated": "terminated",
    "main results already published": "completed",
}
STATUS_JA = {
    "開始前": "not_yet_recruiting",
    "一般募集中": "recruiting",
    "募集中": "recruiting",
    "限定募集中": "enrolling_by_invitation",
    "一般募集終了": "active_not_recruiting",
    "募集終了": "active_not_recruiting",
    "試験終了": "completed",
    "試験中断": "suspended",
    "試験中止": "terminated",
    "主たる結果の公表済み": "completed",
}
_STATUS_ORDER = tuple((table, sorted(table, key=len, reverse=True))
                      for table in (STATUS_EN, STATUS_JA))

NAME_PARTS_EN = ("1st name", "Middle name", "Last name")
NAME_PARTS_JA = ("名", "ミドルネーム", "姓")
DATE_UNITS = (("year", "month", "day"), ("年", "月", "日"))
LANGUAGE_TAGS = {"日本語": "ja", "英語": "en"}


@functools.lru_cache(maxsize=4096)
def meaning_of(label: str) -> str:
    """What a summary or field label means (its English label), or "" if unknown.

    A bilingual ``日本語/English`` label is known when its whole, its English half or its
    Japanese half is.
    """
    key = label_key(label)
    meaning = LABELS.get(key)
    if meaning is None:
        ja, en = split_bilingual(label)
        meaning = LABELS.get(label_key(en)) if en else None
        if meaning is None and ja:
            meaning = LABELS.get(label_key(ja))
    return meaning or ""


def map_status(raw: str | None) -> str:
    """Canonical status of UMIN's words in either language; ``unknown`` if unfamiliar."""
    if not raw:
        return "unknown"
    ja, en = split_bilingual(raw)
    for text, (table, prefixes) in zip((en, ja), _STATUS_ORDER, strict=True):
        key = text.strip().lower()
        for prefix in prefixes:
            if key.startswith(prefix):
                return table[prefix]
    return "unknown"
