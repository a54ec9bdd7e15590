"""jRCT's words: IDs, field labels in both languages, status vocabulary."""

from __future__ import annotations

import functools
import re
import unicodedata

TRIAL_ID = re.compile(r"jRCT(?:\d{10}|[a-z]\d{9})(?!\d)")
_INPUT_ID = re.compile(r"jrct(?:\d{10}|[a-z]\d{9})", re.IGNORECASE)
OTHER_IDS = re.compile(r"UMIN\d{9}|NCT\d{8}|JapicCTI-\d{6}|jRCT(?:\d{10}|[a-z]\d{9})|"
                       r"JMA-IIA\d{5}|ISRCTN\d{8}", re.IGNORECASE)

_WHITESPACE = re.compile(r"\s+")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")

HISTORY_HEADINGS = ("変更履歴", "revisionhistory", "changehistory", "history")
HISTORY_SECTION = "History"

# Canonical field → the labels (whitespace removed, case-folded) that may hold it.
LABELS: dict[str, tuple[str, ...]] = {
    "trial_id": ("jrct番号", "臨床研究実施計画番号", "jrctid", "jrctno.", "trialid"),
    "title_scientific": ("研究名称", "試験の名称", "scientifictitle", "scientifictitle（acronym）",
                         "scientifictitle(acronym)"),
    "title_public": ("平易な研究名称", "publictitle", "publictitle（acronym）",
                     "publictitle(acronym)"),
    "status": ("進捗状況", "研究の進捗状況", "被験者募集状況", "recruitmentstatus"),
    "date_registered": ("初回公表日", "dateofregistration", "dateoffirstpublication",
                        "firstpublicationdate"),
    "date_last_modified": ("最終公表日", "lastmodifiedon", "dateoflastpublication",
                           "lastpublicationdate", "lastupdate"),
    "target_sample_size": ("実施予定被験者数", "目標症例数", "予定症例数", "targetsamplesize",
                           "samplesize"),
    "date_start": ("実施期間（開始日）", "研究実施期間（開始日）", "研究開始日",
                   "dateoffirstenrollment", "studyperiod（start）", "studystartdate"),
    "date_completion": ("実施期間（終了日）", "研究実施期間（終了日）", "研究終了予定日",
                        "studyperiod（end）", "studyenddate"),
    "conditions": ("対象疾患名", "healthcondition(s)orproblem(s)studied", "condition",
                   "conditions"),
    "secondary_ids": ("他の臨床研究登録機関発行の研究番号", "secondaryid(s)", "secondaryids",
                      "otherregistrationid"),
}

_LABEL_KEYS: dict[str, frozenset[str]] = {}  # filled below, once label_key exists

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


@functools.lru_cache(maxsize=4096)  # the same few hundred labels on every page
def label_key(text: str) -> str:
    """A label as matched: NFKC-normalized, case-folded, with every space removed."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()


_LABEL_KEYS.update({name: frozenset(label_key(k) for k in keys) for name, keys in LABELS.items()})


def map_status(raw: str | None) -> str:
    """Canonical status from jRCT's words; the Japanese value decides where both exist."""
    if not raw:
        return "unknown"
    text = unicodedata.normalize("NFKC", raw).strip()
    for word in sorted(STATUS_JA, key=len, reverse=True):
        if text.startswith(word):
            return STATUS_JA[word]
    lowered = text.lower()
    for word in sorted(STATUS_EN, key=len, reverse=True):
        if lowered.startswith(word):
            return STATUS_EN[word]
    return "unknown"

