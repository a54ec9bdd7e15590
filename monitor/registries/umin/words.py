"""UMIN-CTR's own words, for people: status words and page labels in both languages.

Raw fields are keyed by the English half of the view page's bilingual labels
(``Eligibility`` / ``Key inclusion criteria``); their Japanese words are the other half,
as the Japanese page shows them (``適格性`` / ``選択基準``). No current-layout Japanese
page is saved anywhere, so the Japanese words come from a saved Japanese view page of
the previous layout (2018, bilingual ``h2``/``h3`` labels identical in form), completed
from the reference notes; labels whose Japanese differs by section (``Organization`` is
所属組織, 組織名 or 機関名) are given per section.
"""

from __future__ import annotations

from monitor.normalize.vocabulary import RegistryWords, SectionWords, Words

_STATUSES = {
    "not_yet_recruiting": Words("Preinitiation", "開始前"),
    "recruiting": Words("Open public recruiting", "一般募集中"),
    "enrolling_by_invitation": Words("Enrolling by invitation", "限定募集中"),
    "active_not_recruiting": Words("No longer recruiting", "募集終了"),
    "completed": Words("Completed", "試験終了"),
    "suspended": Words("Suspended", "試験中断"),
    "terminated": Words("Terminated", "試験中止"),
}

_FIELDS = {
    "trial_id": Words("UMIN ID", "UMIN試験ID"),
    "title_public": Words("Public title", "一般向け試験名"),
    "title_scientific": Words("Scientific Title", "科学的試験名"),
    "status": Words("Recruitment status", "試験進捗状況"),
    "date_registered": Words("Registered date", "登録日時"),
    "date_disclosed": Words("Date of disclosure of the study information", "一般公開日"),
    "date_last_modified": Words("Last modified on", "最終更新日"),
    "date_start": Words("Anticipated trial start date", "登録・組入れ開始（予定）日"),
    "date_completion": Words("Last follow-up date", "フォロー終了(予定)日"),
    "target_sample_size": Words("Target sample size", "目標参加者数"),
    "conditions": Words("Condition", "対象疾患名"),
    "secondary_ids": Words("Secondary IDs", "他機関から発行された試験ID"),
}


def _section(en: str, ja: str, labels: dict[str, str],
             aliases: tuple[str, ...] = ()) -> SectionWords:
    return SectionWords(Words(en, ja), {label: Words(label, word)
                                        for label, word in labels.items()}, aliases)


_CONTACT = {"Zip code": "郵便番号", "Address": "住所", "TEL": "電話", "Email": "Email"}

_SECTIONS = {
    "Summary": _section("Summary", "概要", {
        "Unique ID issued by UMIN": "UMIN試験ID",
        "Receipt number": "受付番号",
        "Scientific Title": "科学的試験名",
        "Date of disclosure of the study information": "一般公開日（本登録希望日）",
        "Last modified on": "最終更新日",
        "Recruitment status": "試験進捗状況",
    }),
    "Basic information": _section("Basic information", "基本情報", {
        "Public title": "一般向け試験名",
        "Acronym": "一般向け試験名略称",
        "Scientific Title": "科学的試験名",
        "Scientific Title:Acronym": "科学的試験名略称",
        "Region": "試験実施地域",
    }),
    "Condition": _section("Condition", "対象疾患", {
        "Condition": "対象疾患名",
        "Classification by specialty": "疾患区分1",
        "Classification by malignancy": "疾患区分2",
        "Genomic information": "ゲノム情報の取扱い",
    }),
    "Objectives": _section("Objectives", "目的", {
        "Narrative objectives1": "目的1",
        "Basic objectives2": "目的2",
        "Basic objectives -Others": "目的2 -その他詳細",
        "Trial characteristics_1": "試験の性質1",
        "Trial characteristics_2": "試験の性質2",
        "Developmental phase": "試験のフェーズ",
    }),
    "Assessment": _section("Assessment", "評価", {
        "Primary outcomes": "主要アウトカム評価項目",
        "Key secondary outcomes": "副次アウトカム評価項目",
    }),
    "Base": _section("Base", "基本事項", {"Study type": "試験の種類"}),
    "Study design": _section("Study design", "試験デザイン", {
        "Basic design": "基本デザイン",
        "Randomization": "ランダム化",
        "Randomization unit": "ランダム化の単位",
        "Blinding": "ブラインド化",
        "Control": "コントロール",
        "Stratification": "層別化",
        "Dynamic allocation": "動的割付",
        "Institution consideration": "試験実施施設の考慮",
        "Blocking": "ブロック化",
        "Concealment": "割付コードを知る方法",
    }),
    "Intervention": _section("Intervention", "介入", {
        "No. of arms": "群数",
        "Purpose of intervention": "介入の目的",
        "Type of intervention": "介入の種類",
        **{f"Interventions/Control_{n}": f"介入{n}" for n in range(1, 11)},
    }),
    "Eligibility": _section("Eligibility", "適格性", {
        "Age-lower limit": "年齢（下限）",
        "Age-upper limit": "年齢（上限）",
        "Gender": "性別",
        "Key inclusion criteria": "選択基準",
        "Key exclusion criteria": "除外基準",
        "Target sample size": "目標参加者数",
    }),
    "Research contact person": _section("Research contact person", "責任研究者", {
        "Name of lead principal investigator": "責任研究者",
        "Organization": "所属組織",
        "Division name": "所属部署",
        **_CONTACT,
    }),
    "Public contact": _section("Public contact", "試験問い合わせ窓口", {
        "Name of contact person": "試験問い合わせ窓口担当者",
        "Organization": "組織名",
        "Division name": "部署名",
        "Homepage URL": "試験のホームページURL",
        **_CONTACT,
    }),
    "Sponsor or person": _section("Sponsor or person", "実施責任組織", {
        "Institute": "機関名",
        "Department": "部署名",
        "Personal name": "個人名",
    }, aliases=("Sponsor",)),
    "Funding Source": _section("Funding Source", "研究費提供組織", {
        "Organization": "機関名",
        "Division": "組織名",
        "Category of Funding Organization": "組織の区分",
        "Nationality of Funding Organization": "研究費拠出国",
    }),
    "Other related organizations": _section("Other related organizations", "その他の関連組織", {
        "Co-sponsor": "共同実施組織",
        "Name of secondary funder(s)": "その他の研究費提供組織",
    }),
    "IRB Contact (For public release)": _section(
        "IRB Contact (For public release)", "IRB等連絡先（公開）",
        {"Organization": "組織名", "Address": "住所", "Tel": "電話", "Email": "Email"}),
    "Secondary IDs": _section("Secondary IDs", "他機関から発行された試験ID", {
        "Secondary IDs": "他機関から発行された試験ID",
        "Study ID_1": "試験ID1",
        "Org. issuing International ID_1": "ID発行機関1",
        "Study ID_2": "試験ID2",
        "Org. issuing International ID_2": "ID発行機関2",
        "IND to MHLW": "治験届",
    }),
    "Institutions": _section("Institutions", "試験実施施設", {"Institutions": "試験実施施設名称"}),
    "Other administrative information": _section(
        "Other administrative information", "その他の管理情報",
        {"Date of disclosure of the study information": "一般公開日（本登録希望日）"}),
    "Related information": _section("Related information", "関連情報", {
        "URL releasing protocol": "プロトコル掲載URL",
        "Publication of results": "試験結果の公開状況",
    }),
    "Result": _section("Result", "結果", {
        "URL related to results and publications": "結果掲載URL",
        "Number of participants that the trial has enrolled": "組み入れ参加者数",
        "Results": "主な結果",
        "Results date posted": "主な結果入力日",
        "Results Delayed": "結果掲載遅延",
        "Results Delay Reason": "結果遅延理由",
        "Date of the first journal publication of results": "最初の試験結果の出版日",
        "Baseline Characteristics": "参加者背景",
        "Participant flow": "参加者の流れ",
        "Adverse events": "有害事象",
        "Outcome measures": "評価項目",
        "Plan to share IPD": "個別症例データ共有計画",
        "IPD sharing Plan description": "個別症例データ共有計画の詳細",
    }),
    "Progress": _section("Progress", "試験進捗状況", {
        "Recruitment status": "試験進捗状況",
        "Date of protocol fixation": "プロトコル確定日",
        "Date of IRB": "倫理委員会による承認日",
        "Anticipated trial start date": "登録・組入れ開始（予定）日",
        "Last follow-up date": "フォロー終了(予定)日",
        "Date of closure to data entry": "入力終了(予定)日",
        "Date trial data considered complete": "データ固定（予定）日",
        "Date analysis concluded": "解析終了(予定)日",
    }),
    "Other": _section("Other", "その他", {"Other related information": "その他関連情報"}),
    "Management information": _section("Management information", "管理情報", {
        "Registered date": "登録日時",
        "Last modified on": "最終更新日",
        "Link to view the page": "閲覧ページへのリンク",
    }),
}

WORDS = RegistryWords(
    name="umin",
    title=Words("UMIN-CTR", "UMIN-CTR"),
    statuses=_STATUSES,
    fields=_FIELDS,
    sections=_SECTIONS,
)
