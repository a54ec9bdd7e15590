"""UMIN-CTR's words: IDs, section and field labels, summary labels, status vocabulary."""

from __future__ import annotations

import re

from monitor.normalize.values import split_bilingual

TRIAL_ID = re.compile(r"UMIN\d{9}", re.IGNORECASE)
RECEIPT_NUMBER = re.compile(r"R\d{9}", re.IGNORECASE)

# Section → the field labels (English) it holds, in page order. Used to name a section
# on pages whose <h2> is Japanese or unfamiliar: the section is the one whose labels the
# block's labels match best.
SECTIONS: dict[str, tuple[str, ...]] = {
    "Basic information": ("Public title", "Acronym", "Scientific Title",
                          "Scientific Title:Acronym", "Region"),
    "Condition": ("Condition", "Classification by specialty", "Classification by malignancy",
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
                     *(f"Interventions/Control_{n}" for n in range(1, 11))),
    "Eligibility": ("Age-lower limit", "Age-upper limit", "Gender", "Key inclusion criteria",
                    "Key exclusion criteria", "Target sample size"),
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
    "Other administrative information": ("Date of disclosure of the study information",),
    "Related information": ("URL releasing protocol", "Publication of results"),
    "Result": ("URL related to results and publications",
               "Number of participants that the trial has enrolled", "Results",
               "Results date posted", "Results Delayed", "Results Delay Reason",
               "Date of the first journal publication of results",
               "Baseline Characteristics", "Participant flow", "Adverse events",
               "Outcome measures", "Plan to share IPD", "IPD sharing Plan description"),
    "Progress": ("Recruitment status", "Date of protocol fixation", "Date of IRB",
                 "Anticipated trial start date", "Last follow-up date",
                 "Date of closure to data entry", "Date trial data considered complete",
                 "Date analysis concluded"),
    "Other": ("Other related information",),
    "Management information": ("Registered date", "Last modified on",
                               "Link to view the page"),
}

SUMMARY_SECTION = "Summary"
# Summary-table labels in either language → the English label used as the key.
SUMMARY_LABELS = {
    "UMIN試験ID": "Unique ID issued by UMIN",
    "受付番号": "Receipt number",
    "科学的試験名": "Scientific Title",
    "一般公開日（本登録希望日）": "Date of disclosure of the study information",
    "一般公開日": "Date of disclosure of the study information",
    "最終更新日": "Last modified on",
    "試験進捗状況": "Recruitment status",
}

# Fields without which a page is not a whole view page: a truncated page or a changed
# layout loses these first, and must be reported, never stored.
REQUIRED_FIELDS = ("Public title", "Recruitment status", "Registered date")

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

_NAME_PARTS_EN = ("1st name", "Middle name", "Last name")
_NAME_PARTS_JA = ("名", "ミドルネーム", "姓")
_DATE_UNITS = (("year", "month", "day"), ("年", "月", "日"))
_LANGUAGE_TAGS = {"日本語": "ja", "英語": "en"}


def map_status(raw: str | None) -> str:
    """Canonical status of UMIN's words in either language; ``unknown`` if unfamiliar."""
    if not raw:
        return "unknown"
    ja, en = split_bilingual(raw)
    for text, table in ((en, STATUS_EN), (ja, STATUS_JA)):
        key = text.strip().lower()
        for prefix in sorted(table, key=len, reverse=True):
            if key.startswith(prefix):
                return table[prefix]
    return "unknown"

