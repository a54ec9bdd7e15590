"""Synthetic UMIN-CTR bulk CSVs (``ctr_data_j.csv.gz``) for tests and benchmarks.

The layout imitates what is known of the real file: about 140 columns named with the
view page's bilingual labels ``日本語/English``, most free-text fields twice (a column of
Japanese values, then one of English values, under the same name), coded fields once;
``YYYY/MM/DD`` dates (the last-modified one sometimes with a time), sample sizes with
the ``9999999999`` sentinel, ``:``-separated multi-valued cells, and quoted cells
holding commas, quotes and line breaks. The header is one bilingual row, or two rows
(Japanese names, English names, in either order).

    rows = [trial(n) for n in range(100)]
    write_listing(tmp_path / "ctr.csv.gz", rows, header="two-rows", shuffle=3)
"""

from __future__ import annotations

import csv
import gzip as gzip_module
import io
import random
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Header = Literal["bilingual", "two-rows", "two-rows-en-first"]


@dataclass(frozen=True)
class Column:
    key: str
    ja: str
    en: str


def _pair(slug: str, ja: str, en: str) -> list[Column]:
    """A free-text field: its Japanese-value column, then its English-value column."""
    return [Column(f"{slug}_ja", ja, en), Column(f"{slug}_en", ja, en)]


def _one(slug: str, ja: str, en: str) -> list[Column]:
    return [Column(slug, ja, en)]


def _layout() -> list[Column]:
    columns = [
        *_one("receipt_number", "受付番号", "Receipt number"),
        *_one("trial_id", "UMIN試験ID", "Unique ID issued by UMIN"),
        *_pair("title_public", "一般向け試験名", "Public title"),
        *_pair("acronym", "一般向け試験名略称", "Acronym"),
        *_pair("title", "試験名", "Official scientific title of the study"),
        *_pair("title_acronym", "試験簡略名", "Title of the study (Brief title)"),
        *_one("region", "試験実施地域", "Region"),
        *_pair("conditions", "対象疾患名", "Condition"),
        *_one("specialty", "疾患区分1", "Classification by specialty"),
        *_one("malignancy", "疾患区分2", "Classification by malignancy"),
        *_one("genomic", "ゲノム情報の取扱い", "Genomic information"),
        *_pair("objective1", "目的1", "Narrative objectives1"),
        *_one("objective2", "目的2", "Basic objectives2"),
        *_one("objective_other", "目的2 -その他詳細", "Basic objectives -Others"),
        *_one("characteristics1", "試験の性質1", "Trial characteristics_1"),
        *_one("characteristics2", "試験の性質2", "Trial characteristics_2"),
        *_one("phase", "試験のフェーズ", "Developmental phase"),
        *_pair("primary_outcomes", "主要アウトカム評価項目", "Primary outcomes"),
        *_pair("secondary_outcomes", "副次アウトカム評価項目", "Key secondary outcomes"),
        *_one("study_type", "試験の種類", "Study type"),
        *_one("design", "試験デザイン", "Basic design"),
        *_one("randomization", "ランダム化", "Randomization"),
        *_one("randomization_unit", "ランダム化の単位", "Randomization unit"),
        *_one("blinding", "ブラインド化", "Blinding"),
        *_one("control", "コントロール", "Control"),
        *_one("stratification", "層別化", "Stratification"),
        *_one("dynamic", "動的割付け", "Dynamic allocation"),
        *_one("institution", "試験実施施設の考慮", "Institution consideration"),
        *_one("blocking", "ブロック化", "Blocking"),
        *_one("concealment", "割付コードを知る方法", "Concealment"),
        *_one("arms", "群数", "No. of arms"),
        *_one("purpose", "介入の目的", "Purpose of intervention"),
        *_one("intervention_type", "介入の種類", "Type of intervention"),
    ]
    for n in range(1, 11):
        columns += _pair(f"intervention{n}", f"介入{n}", f"Interventions/Control_{n}")
    columns += [
        *_one("age_lower", "年齢（下限）", "Age-lower limit"),
        *_one("age_upper", "年齢（上限）", "Age-upper limit"),
        *_one("gender", "性別", "Gender"),
        *_pair("inclusion", "選択基準", "Key inclusion criteria"),
        *_pair("exclusion", "除外基準", "Key exclusion criteria"),
        *_one("target_sample_size", "目標参加者数", "Target sample size"),
        *_pair("pi", "責任研究者", "Name of lead principal investigator"),
        *_pair("pi_org", "所属組織", "Organization"),
        *_one("pi_division", "所属部署", "Division name"),
        *_one("pi_zip", "郵便番号", "Zip code"),
        *_one("pi_address", "住所", "Address"),
        *_one("pi_tel", "電話", "TEL"),
        *_one("pi_email", "Email", "Email"),
        *_pair("contact", "試験問い合わせ窓口担当者", "Name of contact person"),
        *_pair("contact_org", "組織名", "Organization"),
        *_one("contact_division", "部署名", "Division name"),
        *_one("contact_zip", "郵便番号", "Zip code"),
        *_one("contact_address", "住所", "Address"),
        *_one("contact_tel", "電話", "TEL"),
        *_one("contact_url", "ホームページURL", "Homepage URL"),
        *_one("contact_email", "Email", "Email"),
        *_pair("sponsor", "実施責任組織", "Institute"),
        *_one("sponsor_other", "実施責任組織（機関名）", "Institute"),
        *_pair("funder", "研究費提供組織", "Organization"),
        *_one("funder_other", "研究費提供組織（機関名）", "Organization"),
        *_one("funder_category", "研究費拠出国", "Category of Funding Organization"),
        *_one("funder_nationality", "研究費提供組織の国籍", "Nationality of Funding Organization"),
        *_one("cosponsor", "共同実施組織", "Co-sponsor"),
        *_one("secondary_funder", "その他の研究費提供組織", "Name of secondary funder(s)"),
        *_pair("irb_org", "IRB等連絡先（公開）組織", "Organization"),
        *_one("irb_address", "IRB等連絡先（公開）住所", "Address"),
        *_one("irb_tel", "IRB等連絡先（公開）電話", "Tel"),
        *_one("irb_email", "IRB等連絡先（公開）Email", "Email"),
        *_one("secondary_ids", "他機関から発行された試験ID", "Secondary IDs"),
        *_one("study_id1", "試験ID1", "Study ID_1"),
        *_one("study_id1_org", "ID発行機関1", "Org. issuing International ID_1"),
        *_one("study_id2", "試験ID2", "Study ID_2"),
        *_one("study_id2_org", "ID発行機関2", "Org. issuing International ID_2"),
        *_one("ind", "治験届", "IND to MHLW"),
        *_pair("institutions", "試験実施施設名称", "Institutions"),
        *_one("date_disclosed", "一般公開日（本登録希望日）",
              "Date of disclosure of the study information"),
        *_one("protocol_url", "プロトコル掲載URL", "URL releasing protocol"),
        *_one("publication", "試験結果の公開状況", "Publication of results"),
        *_one("results_url", "結果掲載URL", "URL related to results and publications"),
        *_one("enrolled", "組み入れ参加者数", "Number of participants that the trial has enrolled"),
        *_pair("results", "主な結果", "Results"),
        *_one("results_posted", "結果掲載日", "Results date posted"),
        *_one("results_delayed", "結果掲載の遅延", "Results Delayed"),
        *_one("results_delay_reason", "結果遅延理由", "Results Delay Reason"),
        *_one("first_publication", "最初の試験結果の出版日",
              "Date of the first journal publication of results"),
        *_one("baseline", "参加者背景", "Baseline Characteristics"),
        *_one("flow", "参加者の流れ", "Participant flow"),
        *_one("adverse", "有害事象", "Adverse events"),
        *_one("outcome_measures", "評価項目", "Outcome measures"),
        *_one("ipd", "個別症例データ共有計画", "Plan to share IPD"),
        *_one("ipd_plan", "個別症例データ共有計画の詳細", "IPD sharing Plan description"),
        *_pair("status", "試験進捗状況", "Recruitment status"),
        *_one("date_protocol", "プロトコル確定日", "Date of protocol fixation"),
        *_one("date_irb", "倫理委員会による承認日", "Date of IRB"),
        *_one("date_start", "登録・組入れ開始（予定）日", "Anticipated trial start date"),
        *_one("date_follow_up", "フォロー終了(予定)日", "Last follow-up date"),
        *_one("date_closure", "入力終了(予定)日", "Date of closure to data entry"),
        *_one("date_complete", "データ固定（予定）日", "Date trial data considered complete"),
        *_one("date_analysis", "解析終了(予定)日", "Date analysis concluded"),
        *_pair("other", "その他関連情報", "Other related information"),
        *_one("date_registered", "登録日時", "Registered date"),
        *_one("date_last_modified", "最終更新日", "Last modified on"),
        *_one("url_ja", "URL日本語", "URL Japanese"),
        *_one("url_en", "URL英語", "URL English"),
    ]
    return columns


COLUMNS = _layout()
KEYS = [column.key for column in COLUMNS]

# --- values ---------------------------------------------------------------------------------

_CONDITIONS = [("2型糖尿病", "Type 2 diabetes"), ("高血圧症", "Hypertension"),
               ("非小細胞肺癌", "Non-small cell lung cancer"),
               ("関節リウマチ", "Rheumatoid arthritis"),
               ("COVID-19", "COVID-19"), ("アルツハイマー型認知症", "Alzheimer's disease"),
               ("慢性腎臓病", "Chronic kidney disease"), ("健常成人", "Healthy adults")]
_STATUS = [("開始前", "Preinitiation"), ("一般募集中", "Open public recruiting"),
           ("限定募集中", "Enrolling by invitation"), ("募集終了", "No longer recruiting"),
           ("試験終了", "Completed"), ("試験中止", "Terminated"),
           ("主たる結果の公表済み", "Main results already published")]
_SPECIALTIES = ["内科学一般", "消化器内科学", "循環器内科学", "感染症内科学", "小児科学",
                "外科学一般"]
_TERMS = [("有効性", "efficacy"), ("安全性", "safety"), ("血糖値", "blood glucose"),
          ("血圧", "blood pressure"), ("腫瘍縮小率", "tumour response"), ("生存期間", "survival"),
          ("生活の質", "quality of life"), ("認知機能", "cognitive function"),
          ("腎機能", "renal function"), ("炎症マーカー", "inflammatory markers"),
          ("服薬遵守", "adherence"), ("入院日数", "length of stay"), ("疼痛", "pain"),
          ("体重", "body weight"), ("骨密度", "bone density"), ("睡眠", "sleep")]
_SENTENCES_JA = [
    "本研究は、{c}患者を対象として、{t}と{u}を{n}週間にわたり検討する。",
    "主要評価項目は、投与開始後{n}週時点における{t}の変化量とする。",
    "対象者は「同意取得時に{n}歳以上」の者とし、{t}に異常を認める者は除く。",
    "介入群には1日{n}回、{t}の測定後に経口投与する。対照群にはプラセボを投与する。",
    "有害事象（{u}を含む）は、CTCAE v5.0に従って評価し、{n}日以内に報告する。",
]
_SENTENCES_EN = [
    "This study evaluates {t} and {u} over {n} weeks in {c}.",
    "The primary endpoint is the change in {t}, from baseline to week {n}.",
    'Participants must be "{n} years or older" at consent, with normal {t}.',
    "The intervention arm receives the drug {n} times daily, after {t} is measured; "
    "control: placebo.",
    "Adverse events (including {u}) are graded by CTCAE v5.0 and reported within {n} days.",
]


def _prose(rng: random.Random, sentences: list[str], condition: str, count: int) -> str:
    language = 0 if sentences is _SENTENCES_JA else 1
    lines = [rng.choice(sentences).format(c=condition, n=rng.randint(1, 99),
                                          t=rng.choice(_TERMS)[language],
                                          u=rng.choice(_TERMS)[language])
             for _ in range(count)]
    return "\n".join(f"{n}. {line}" for n, line in enumerate(lines, start=1))


def _date(rng: random.Random, start: int = 2005, end: int = 2025) -> str:
    return f"{rng.randint(start, end)}/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}"


def trial(number: int, rng: random.Random | None = None, *, prose: int = 2,
          empty: float = 0.0) -> dict[str, str]:
    """A realistic row for trial number ``number``: every column of the layout filled
    (``prose`` sentences in each free-text cell, a share ``empty`` of them left empty);
    override keys to shape a test."""
    rng = rng or random.Random(number)
    condition_ja, condition_en = rng.choice(_CONDITIONS)
    status_ja, status_en = rng.choice(_STATUS)
    receipt = f"R{number + 100000:09d}"
    row = {key: "" for key in KEYS}
    for key in KEYS:
        if key.endswith(("_ja", "_en")) and rng.random() < empty:
            continue
        if key.endswith("_ja"):
            row[key] = _prose(rng, _SENTENCES_JA, condition_ja, prose)
        elif key.endswith("_en"):
            row[key] = _prose(rng, _SENTENCES_EN, condition_en, prose)
        elif key.startswith("date_"):
            row[key] = _date(rng)
        else:
            row[key] = rng.choice(["該当せず/Not applicable", "はい/YES", "いいえ/NO", "",
                                   "二重盲検/Double blind -all involved are blinded"])
    modified = _date(rng, 2018, 2025)
    row.update({
        "receipt_number": receipt,
        "trial_id": f"UMIN{number:09d}",
        "title_public_ja": f"{condition_ja}患者を対象とした{status_ja}の試験 第{number}報",
        "title_public_en": f"A study of {condition_en}, number {number}",
        "title_ja": f"{condition_ja}に対する新規治療薬の有効性と安全性を検討する多施設共同"
                    f"ランダム化比較試験（研究番号{number}）",
        "title_en": f'A multicentre randomised trial of "drug X" in {condition_en}, '
                    f"study {number}",
        "conditions_ja": condition_ja + ("\n" + rng.choice(_CONDITIONS)[0]
                                         if rng.random() < 0.3 else ""),
        "conditions_en": condition_en,
        "specialty": ":".join(rng.sample(_SPECIALTIES, rng.randint(1, 3))),
        "status_ja": status_ja,
        "status_en": status_en,
        "target_sample_size": ("9999999999" if rng.random() < 0.05
                               else str(rng.randint(10, 3000))),
        "age_lower": f"{rng.choice([18, 20, 65])}歳/years-old以上/<=",
        "date_last_modified": modified + (f" {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
                                          f":{rng.randint(0, 59):02d}"
                                          if rng.random() < 0.5 else ""),
        "url_ja": "https://center6.umin.ac.jp/cgi-open-bin/ctr/ctr_view.cgi?recptno=" + receipt,
        "url_en": "https://center6.umin.ac.jp/cgi-open-bin/ctr_e/ctr_view.cgi?recptno="
                  + receipt,
    })
    return row


# --- files ----------------------------------------------------------------------------------

def layout(*, extra_columns: int = 0, shuffle: int | None = None,
           omit: Collection[str] = (), labels: Mapping[str, tuple[str, str]] | None = None,
           ) -> list[Column]:
    """The columns of a file: the standard layout less ``omit``, with ``labels``
    replacing some (``key → (ja, en)``), ``extra_columns`` unknown ones spread through
    it, and — if ``shuffle`` is a seed — in shuffled order (each field's Japanese-value
    column still before its English-value one, the order the reader relies on)."""
    rng = random.Random(shuffle if shuffle is not None else 0)
    renamed = labels or {}
    columns = [Column(c.key, *renamed[c.key]) if c.key in renamed else c
               for c in COLUMNS if c.key not in omit]
    for n in range(extra_columns):
        columns.insert(rng.randrange(len(columns) + 1),
                       Column(f"extra{n}", f"追加項目{n}", f"Additional item {n}"))
    if shuffle is not None:
        rng.shuffle(columns)
        position = {c.key: i for i, c in enumerate(columns)}
        for c in list(columns):
            if c.key.endswith("_ja") and c.key[:-3] + "_en" in position:
                i, j = position[c.key], position[c.key[:-3] + "_en"]
                if i > j:
                    columns[i], columns[j] = columns[j], columns[i]
                    position[columns[i].key], position[columns[j].key] = i, j
    return columns


def header_rows(columns: list[Column], header: Header) -> list[list[str]]:
    if header == "bilingual":
        return [[f"{c.ja}/{c.en}" for c in columns]]
    ja, en = [c.ja for c in columns], [c.en for c in columns]
    return [ja, en] if header == "two-rows" else [en, ja]


def write_listing(path: Path, rows: Iterable[Mapping[str, str]], *,
                  header: Header = "bilingual", gzip: bool = True, extra_columns: int = 0,
                  shuffle: int | None = None, omit: Collection[str] = (),
                  labels: Mapping[str, tuple[str, str]] | None = None, bom: bool = False,
                  compresslevel: int = 6) -> list[Column]:
    """Write a bulk CSV of ``rows`` (column key → cell text; missing keys are empty) to
    ``path``, UTF-8 with LF line ends, gzip-compressed unless ``gzip`` is False.
    Returns the columns written, in order."""
    columns = layout(extra_columns=extra_columns, shuffle=shuffle, omit=omit, labels=labels)
    raw = (gzip_module.open(path, "wb", compresslevel=compresslevel)  # noqa: SIM115
           if gzip else open(path, "wb"))  # noqa: SIM115 - both closed by the with below
    with raw, io.TextIOWrapper(raw, encoding="utf-8-sig" if bom else "utf-8",
                               newline="") as text:
        writer = csv.writer(text, lineterminator="\n")
        writer.writerows(header_rows(columns, header))
        for row in rows:
            writer.writerow([row.get(c.key, f"{c.ja}の値" if c.key.startswith("extra")
                                     else "") for c in columns])
    return columns


def seed_listing_rows(version: int) -> list[dict[str, str]]:
    """UMIN-CTR's daily CSV as the offline demo (cassettes seed-v1, seed-v2) serves it:
    40 synthetic trials and the seed trial UMIN000041461 as its page says on that day;
    the second day also lists a newly registered trial in liver cirrhosis (for
    ``[[query]]``)."""
    rows = [trial(n, prose=1) for n in range(1, 41)]
    seed = trial(41461, prose=1)
    seed.update({
        "receipt_number": "R000047329", "trial_id": "UMIN000041461",
        "title_public_ja": "非代償性肝硬変患者に対する自己骨髄間葉系幹細胞の有効性及び安全性の検討",
        "title_public_en": "Study on the efficacy and safety of autologous bone marrow "
                           "mesenchymal stem cells in patients with decompensated liver cirrhosis",
        "title_ja": "非代償性肝硬変患者を対象とした自己骨髄間葉系幹細胞（LS-ABMSC1）の有効性及び"
                    "安全性を評価する非盲検非対照試験（第I/II相試験）",
        "title_en": "An open-label, uncontrolled study to evaluate the efficacy and safety of "
                    "autologous bone marrow mesenchymal stem cells (LS-ABMSC1) in patients with "
                    "decompensated liver cirrhosis (Phase I / II study)",
        "conditions_ja": "非代償性肝硬変", "conditions_en": "Decompensated liver cirrhosis",
        "target_sample_size": "10", "date_registered": "2020/08/19",  # as its page says
        "status_ja": "一般募集中" if version == 1 else "募集終了",
        "status_en": "Open public recruiting" if version == 1 else "No longer recruiting",
        "date_last_modified": "2025/03/03 10:12:55" if version == 1 else "2025/06/10 09:01:02",
        "url_ja": "https://center6.umin.ac.jp/cgi-open-bin/ctr/ctr_view.cgi?recptno=R000047329",
        "url_en": "https://center6.umin.ac.jp/cgi-open-bin/ctr_e/ctr_view.cgi?recptno="
                  "R000047329",
    })
    rows.insert(20, seed)
    if version == 2:
        new = trial(58001, prose=1)
        new.update({"title_ja": "肝硬変患者における運動療法の効果を検討するランダム化比較試験",
                    "title_en": "Exercise therapy for patients with liver cirrhosis: a "
                                "randomised controlled trial",
                    "conditions_ja": "肝硬変", "conditions_en": "Liver cirrhosis",
                    "status_ja": "一般募集中", "status_en": "Open public recruiting",
                    "date_registered": "2025/06/09",
                    "date_last_modified": "2025/06/09 17:30:00"})
        rows.append(new)
    return rows


if __name__ == "__main__":  # writes the demo cassettes' CSV files
    import sys

    root = Path(sys.argv[1] if len(sys.argv) > 1 else "cassettes")
    for number in (1, 2):
        write_listing(root / f"seed-v{number}" / "ctr_data_j.csv.gz",
                      seed_listing_rows(number), compresslevel=9)
