"""jRCT's own words, for people: status words and page labels in both languages.

jRCT's raw labels are the page's own, Japanese or English, and are shown as written
(without the headings' numbering). Where the Japanese page pairs a label with its
English (``選択基準 / Inclusion Criteria``), the pair is listed here so that each reader
sees their language; the pairs come from a real 2020 Japanese page (jRCTs051180190),
the recorded 治験 pages and the reference notes. Only the parser's own section names
(``Header``, ``History``) have no jRCT wording and are given words here.
"""

from __future__ import annotations

from monitor.normalize.vocabulary import RegistryWords, SectionWords, Words

_STATUSES = {
    "not_yet_recruiting": Words("Pending", "募集前"),
    "recruiting": Words("Recruiting", "募集中"),
    "suspended": Words("Suspended", "募集中断"),
    "active_not_recruiting": Words("Not Recruiting", "募集終了"),
    "completed": Words("Complete", "研究終了"),
}

_FIELDS = {
    "trial_id": Words("jRCT ID", "jRCT番号"),
    "title_scientific": Words("Scientific Title", "研究名称"),
    "title_public": Words("Public Title", "平易な研究名称"),
    "status": Words("Recruitment status", "進捗状況"),
    "date_registered": Words("Date of registration", "初回公表日"),
    "date_last_modified": Words("Last modified on", "最終公表日"),
    "date_start": Words("Start date", "実施期間（開始日）"),
    "date_completion": Words("End date", "実施期間（終了日）"),
    "conditions": Words("Health Condition(s) or Problem(s) Studied", "対象疾患名"),
}

# Japanese label → its English on the page. One English word may stand for several
# Japanese labels (Affiliation): such English is then shown as written on a Japanese
# report, never guessed.
_PAIRS = {
    "研究名称": "Scientific Title",
    "試験等の名称": "Scientific Title",
    "平易な研究名称": "Public Title",
    "平易な試験等の名称": "Public Title",
    "氏名": "Name",
    "担当者氏名": "Name",
    "所属": "Affiliation",
    "所属機関": "Affiliation",
    "所属機関（実施医療機関）": "Affiliation",
    "担当者所属機関": "Affiliation",
    "所属機関の住所": "Address",
    "担当者所属機関の住所": "Address",
    "住所": "Address",
    "研究・治験の目的": "Objectives",
    "試験等の目的": "Objectives",
    "試験のフェーズ": "Phase",
    "試験の種類": "Study Type",
    "無作為化": "allocation",
    "盲検化": "masking",
    "対照": "control",
    "割付け": "assignment",
    "研究目的": "purpose",
    "臨床研究を実施する国（日本以外）": "Countries of Recruitment（Except Japan）",
    "研究対象者の適格基準": "Key inclusion & exclusion criteria",
    "選択基準": "Inclusion Criteria",
    "主たる選択基準": "Inclusion Criteria",
    "主たる除外基準": "Exclusion Criteria",
    "年齢下限": "Age Minimum",
    "年齢上限": "Age Maximum",
    "性別": "Gender",
    "対象疾患名": "Health Condition(s) or Problem(s) Studied",
    "対象疾患キーワード": "Keyword",
    "介入の内容": "Intervention(s)",
    "介入キーワード": "Keyword",
    "主たる評価項目": "Primary Outcome(s)",
    "副次的な評価項目": "Secondary Outcome(s)",
    "実施予定被験者数": "Target Sample Size",
    "目標症例数": "Sample Size",
    "進捗状況": "Recruitment status",
    "主たる評価項目に係る研究成果": "Summary Results (Primary Outcome Results)",
    "研究資金等の提供組織名称": "Source of Monetary Support",
    "他の登録機関でのID番号": "Secondary ID No.",
    "公表日": "Publication date",
    "初回公表日": "Date of registration",
    "最終公表日": "Last modified on",
    "jRCT番号": "jRCT ID",
}

_SECTIONS = {
    "Header": SectionWords(Words("Summary", "概要")),
    "History": SectionWords(Words("Change history", "変更履歴"), {
        "count": Words("Publications", "公表回数"),
        "latest": Words("Latest publication date", "最新の公表日"),
    }),
}

WORDS = RegistryWords(
    name="jrct",
    title=Words("jRCT", "jRCT"),
    statuses=_STATUSES,
    fields=_FIELDS,
    sections=_SECTIONS,
    labels={ja: Words(en, ja) for ja, en in _PAIRS.items()},
    numbered_headings=True,
)
