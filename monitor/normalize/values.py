"""Value normalizers shared by the registries: dates, integers, bilingual text, and
the comparison form used to decide whether anything really changed."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import date
from typing import Any

from monitor.normalize.japanese import has_japanese  # noqa: F401 (re-exported)

_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925, "大正": 1911, "明治": 1867}
_ERA_DATE = re.compile(
    r"(令和|平成|昭和|大正|明治)\s*(元|\d{1,2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
)
_YMD = re.compile(
    r"(\d{4})\s*(?:[/\-.年]|\s*Year\s*)\s*(\d{1,2})\s*(?:[/\-.月]|\s*Month\s*)\s*(\d{1,2})",
    re.IGNORECASE,
)
_MONTH_NAMES = {
    m: i
    for i, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for m in names
}
_NAMED = re.compile(
    r"(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})|([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})"
)


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_date(text: str | None) -> str | None:
    """The first date in ``text`` as ISO ``YYYY-MM-DD``; None if there is none.

    Accepts the registries' forms: ``2020/08/31``, ``2020/08/31 17:54:02``,
    ``2020 Year 08 Month 31 Day``, ``2020 年 08 月 31 日``, ``2017年07月01日``, era dates
    such as ``令和2年8月31日``, ``平成31年3月26日`` or ``令和元年5月1日``, and English
    ``31 August 2020``, ``Aug 31, 2020`` and jRCT's ``Oct. 03, 2025`` / ``April. 27, 2024``.
    """
    if not text:
        return None
    text = unicodedata.normalize("NFKC", str(text))
    if match := _ERA_DATE.search(text):
        era, year, month, day = match.groups()
        year_number = 1 if year == "元" else int(year)
        return _iso(_ERAS[era] + year_number, int(month), int(day))
    if match := _YMD.search(text):
        return _iso(*(int(part) for part in match.groups()))
    for match in _NAMED.finditer(text):  # "Phase 2 2020" is no date: try the next one
        d1, m1, y1, m2, d2, y2 = match.groups()
        month = _MONTH_NAMES.get((m1 or m2).lower())
        if month:
            return _iso(int(y1 or y2), month, int(d1 or d2))
    return None


def parse_int(text: str | None) -> int | None:
    """The first whole number in ``text`` (``"10"``, ``"１０名"``, ``"1,200 patients"``)."""
    if text is None:
        return None
    match = re.search(r"\d[\d,]*", unicodedata.normalize("NFKC", str(text)))
    if not match:
        return None
    return int(match.group().replace(",", ""))




def split_bilingual(text: str) -> tuple[str, str]:
    """Split ``日本語/English`` into its halves; ``("", text)`` when not bilingual.

    Only the first ``/`` counts, and only when what precedes it is Japanese: English
    labels and values contain ``/`` of their own (``Interventions/Control_1``).
    """
    head, sep, tail = text.partition("/")
    if sep and head.strip() == tail.strip():  # "Email/Email": the same in both languages
        return head.strip(), tail.strip()
    if sep and has_japanese(head) and not has_japanese(tail):
        return head.strip(), tail.strip()
    if has_japanese(text):
        return text.strip(), ""
    return "", text.strip()


def english(value: Any) -> Any:
    """The English side of a bilingual value ``{"ja": …, "en": …}``; else the value."""
    if isinstance(value, dict):
        return value.get("en") or value.get("ja") or ""
    return value


def comparable(value: Any) -> Any:
    """The form two values are compared in: NFKC-normalized, so that full-width and
    half-width renderings of the same text are equal."""
    if isinstance(value, str):
        return unicodedata.normalize("NFKC", value)
    if isinstance(value, list):
        return [comparable(item) for item in value]
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    return value


# Where a record was fetched from is not part of its content.
_NOT_CONTENT = ("url",)


def content_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the record's comparable content: equal exactly when nothing changed."""
    content = {k: v for k, v in record.items() if k not in _NOT_CONTENT}
    data = json.dumps(comparable(content), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()
