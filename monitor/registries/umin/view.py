"""UMIN-CTR's view page (current layout, since 2022-12): parse it into raw fields and
normalize them into the canonical record.

The page is a summary table ``table.explain_table`` followed, inside ``div.wrap``, by
``<h2>`` section headings and one ``div#Input_vew_*`` block per field: an ``<h3>`` label,
then the value as ``<p>`` text or a small nested table (dates, ages, names, coded lists).
The Japanese page has the same skeleton with bilingual ``日本語/English`` labels, so
fields are keyed by the English half and sections named by the labels they hold.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from monitor.errors import ParseError
from monitor.normalize.record import TrialRecord
from monitor.normalize.values import english, has_japanese, parse_date, parse_int, split_bilingual
from monitor.parse.html import (
    FieldValue,
    ParsedPage,
    RawField,
    clean_text,
    load_html,
    node_text,
    table_rows,
)
from monitor.registries.umin.labels import (
    _DATE_UNITS,
    _LANGUAGE_TAGS,
    _NAME_PARTS_EN,
    _NAME_PARTS_JA,
    RECEIPT_NUMBER,
    REQUIRED_FIELDS,
    SECTIONS,
    SUMMARY_LABELS,
    SUMMARY_SECTION,
    TRIAL_ID,
    map_status,
)

NAME = "umin"
# Bumped whenever parsing reads any page differently: stored records of an older parser
# are re-derived from their raw pages before they are compared with a new one.
PARSER_VERSION = "2"

def parse_view_page(text: str, language: str | None = None) -> ParsedPage:
    """Raw fields of a UMIN-CTR view page (either language), in page order.

    Raises ParseError naming what is missing when the page lacks the summary table,
    the field blocks, or the fields every view page has (a truncated page).
    """
    tree = load_html(text)
    summary_table = tree.css_first("table.explain_table")
    if summary_table is None:
        raise ParseError(
            "not a UMIN-CTR view page: its summary table (table.explain_table) is missing "
            "(an error or maintenance page, or the registry changed its layout)"
        )
    summary = _parse_summary(summary_table)
    groups: list[tuple[str, list[tuple]]] = [("", [])]
    # One CSS query, answered in document order by lexbor, instead of a Python walk.
    for node in tree.css('h2, div[id^="Input_vew"]'):
        if node.tag == "h2":
            groups.append((clean_text(node.text(deep=True, strip=False)), []))
        else:
            raw = _parse_block(node)
            if raw is not None:
                groups[-1][1].append(raw)
    if not any(fields for _, fields in groups):
        raise ParseError(
            "UMIN-CTR view page has no field blocks (div#Input_vew_*): "
            "the registry changed its layout, or the page is cut short"
        )
    fields = [
        RawField(section, label, value, label_en, label_ja)
        for heading, group in groups
        for section in [_section_name(heading, group)]
        for label, value, label_en, label_ja in group
    ]
    page = ParsedPage(NAME, language or _guess_language(fields), summary, fields)
    missing = [label for label in REQUIRED_FIELDS if not page.has(label)]
    if missing:
        raise ParseError(
            "UMIN-CTR view page is incomplete, no " + ", ".join(repr(m) for m in missing)
            + " field: the page was cut short or the registry changed its layout"
        )
    return page


def _parse_summary(table: LexborNode) -> dict[str, str]:
    summary: dict[str, str] = {}
    for row in table.css("tr"):
        label_cell, value_cell = row.css_first("th"), row.css_first("td")
        if label_cell is None or value_cell is None:
            continue
        label = node_text(label_cell)
        ja, en = split_bilingual(label)
        key = SUMMARY_LABELS.get(ja or label, en or label)
        summary[key] = node_text(value_cell)
    return summary


def _parse_block(block: LexborNode) -> tuple | None:
    """One field block: its <h3> label and the value after it.

    Children are iterated rather than queried with CSS: three selector queries per
    block cost more than the whole HTML parse.
    """
    heading: LexborNode | None = None
    table: LexborNode | None = None
    paragraphs: list[LexborNode] = []
    loose: list[LexborNode] = []
    for child in block.iter(include_text=True):
        tag = child.tag
        if tag == "h3" and heading is None:
            heading = child
        elif heading is None:
            continue
        elif tag == "table":
            table = table or child
        elif tag == "p":
            paragraphs.append(child)
            table = table or next((sub for sub in child.iter() if sub.tag == "table"), None)
        elif tag != "tr":
            loose.append(child)
    if heading is None:
        return None
    label = node_text(heading)
    label_ja, label_en = split_bilingual(label)
    if table is not None:
        value: FieldValue = _table_value(table_rows(table))
    else:
        value = _text_value([t for t in map(node_text, paragraphs or loose) if t])
    if label_en == "Link to view the page" and isinstance(value, str):
        value = re.sub(r"^Value\s*", "", value)
    return (label, value, label_en, label_ja)


def _text_value(paragraphs: list[str]) -> FieldValue:
    """Free text; on the Japanese page, a Japanese and an English paragraph side by side
    become ``{"ja": …, "en": …}``."""
    if len(paragraphs) == 2 and has_japanese(paragraphs[0]) and not has_japanese(paragraphs[1]):
        return {"ja": paragraphs[0], "en": paragraphs[1]}
    tagged = _language_tagged(paragraphs)
    if tagged:
        return tagged
    return "\n".join(paragraphs)


def _language_tagged(lines: list[str]) -> dict[str, str] | None:
    """``日本語 …`` / ``英語 …`` parts → ``{"ja": …, "en": …}``; None if not so tagged."""
    if not any("英語" in line for line in lines):  # the common case, decided at C speed
        return None
    parts: dict[str, list[str]] = {}
    current: str | None = None
    for text in "\n".join(lines).split("\n"):
        head, _, tail = text.partition(" ")
        tag = _LANGUAGE_TAGS.get(head.rstrip(":：")) if head else None
        if tag:
            current = tag
            parts.setdefault(tag, [])
            text = tail
        if current is None:
            return None
        if text:
            parts[current].append(text)
    if set(parts) != {"ja", "en"}:
        return None
    return {tag: "\n".join(parts[tag]) for tag in ("ja", "en")}


def _table_value(rows: list[list[str]]) -> FieldValue:
    """A nested value table → date, age, name, bilingual text or coded list."""
    if not rows:
        return ""
    labelled = {row[0]: row[1] if len(row) > 1 else "" for row in rows}
    if any(part in labelled for part in (*_NAME_PARTS_EN, *_NAME_PARTS_JA)):
        return _name_value(labelled)
    tagged = _language_tagged([f"{row[0]} {' '.join(row[1:])}" for row in rows])
    if tagged and len(rows) <= 2:
        return tagged
    values = [_row_value(row) for row in rows]
    values = [v for v in values if v]
    if len(values) == 1:
        return values[0]
    return [item for value in values for item in (value if isinstance(value, list) else [value])]


def _row_value(cells: list[str]) -> FieldValue:
    cells = [cell for cell in cells if cell]
    if not cells:
        return ""
    if len(cells) == 6:
        numbers, units = cells[0::2], tuple(unit.lower() for unit in cells[1::2])
        if units in _DATE_UNITS and all(n.isdigit() for n in numbers):
            year, month, day = (int(n) for n in numbers)
            return f"{year:04d}-{month:02d}-{day:02d}"
    if cells[0][:1].isdigit() or cells[0] in ("Not applicable", "適用なし"):
        return " ".join(cells)  # an age: "20 years-old <="
    return cells[0] if len(cells) == 1 else cells


def _name_value(parts: dict[str, str]) -> FieldValue:
    en = " ".join(p for p in (parts.get(k, "") for k in _NAME_PARTS_EN) if p)
    ja = " ".join(p for p in (parts.get(k, "") for k in ("姓", "ミドルネーム", "名")) if p)
    if ja and en:
        return {"ja": ja, "en": en}
    return en or ja


def _section_name(heading: str, fields: list[tuple]) -> str:
    """The English section name: the heading if it is one, else the section whose
    labels the block's labels match best (the Japanese page's headings are Japanese)."""
    if heading in SECTIONS:
        return heading
    _, heading_en = split_bilingual(heading)
    if heading_en in SECTIONS:
        return heading_en
    labels = {label_en for _, _, label_en, _ in fields if label_en}
    best, score = "", 0.0
    for name, known in SECTIONS.items():
        overlap = len(labels & set(known))
        if overlap:
            value = overlap / len(set(known) | labels)
            if value > score:
                best, score = name, value
    return best or heading_en or heading


def _guess_language(fields: list[RawField]) -> str:
    bilingual = sum(1 for f in fields if f.label_ja)
    return "ja" if bilingual * 2 > len(fields) else "en"


def normalize_view_page(page: ParsedPage, url: str) -> TrialRecord:
    """The canonical record of a parsed view page; both languages give the same values.

    Titles and conditions take the English side of bilingual values, so the Japanese
    and English pages of one trial normalize alike.
    """
    summary = page.summary

    def text(label: str) -> str:
        value = english(page.first(label))
        if isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return value or ""

    trial_id = _find(TRIAL_ID, summary.get("Unique ID issued by UMIN"), *summary.values())
    if not trial_id:
        raise ParseError("UMIN-CTR view page shows no UMIN ID (UMIN + 9 digits) in its summary")
    receipt = _find(RECEIPT_NUMBER, summary.get("Receipt number"),
                    text("Link to view the page"), url)
    # The English half of "一般募集中/Open public recruiting": the same on both pages.
    status_words = text("Recruitment status") or summary.get("Recruitment status") or ""
    status_raw = split_bilingual(status_words)[1] or status_words or None
    conditions = [line for line in text("Condition").split("\n") if line]
    return TrialRecord(
        registry=NAME,
        trial_id=trial_id,
        registry_ids={"receipt_number": receipt} if receipt else {},
        language=page.language,
        url=url,
        title_public=text("Public title") or None,
        title_scientific=text("Scientific Title") or summary.get("Scientific Title") or None,
        status=map_status(status_raw),
        status_raw=status_raw,
        date_registered=parse_date(text("Registered date")),
        date_disclosed=parse_date(summary.get("Date of disclosure of the study information"))
        or parse_date(text("Date of disclosure of the study information")),
        date_last_modified=parse_date(summary.get("Last modified on"))
        or parse_date(text("Last modified on")),
        date_start=parse_date(text("Anticipated trial start date")),
        date_completion=parse_date(text("Last follow-up date")),
        target_sample_size=parse_int(text("Target sample size")),
        secondary_ids=_secondary_ids(page),
        conditions=conditions,
        fields={SUMMARY_SECTION: dict(summary), **page.as_mapping()},
    )


def _find(pattern: re.Pattern[str], *texts: str | None) -> str | None:
    for candidate in texts:
        if candidate and (match := pattern.search(candidate)):
            return match.group().upper()
    return None


def _secondary_ids(page: ParsedPage) -> list[str]:
    ids: list[str] = []
    for raw in page.fields:
        if raw.label_en.startswith("Study ID_"):
            value = english(raw.value)
            for part in re.split(r"[\s,;、]+", value if isinstance(value, str) else ""):
                if part and part not in ids:
                    ids.append(part)
    return ids
