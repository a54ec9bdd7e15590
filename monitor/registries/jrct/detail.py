"""jRCT's detail page: parse it into raw fields and normalize them into the canonical
record.

A detail page (``/latest-detail/<id>`` in Japanese, ``/en-latest-detail/<id>`` in
English) has a header table (``div.jr-caption`` on current pages, ``div.caption`` on
older ones) of ``<th><label>…</label></th><td>…</td>`` rows, then sections: ``<h2>``
headings (numbered, ``２　研究の目的及び内容``), ``<h3>`` sub-headings, and tables whose
rows are 1–4 ``<th>`` (leading ones are group labels with rowspan, the last is the field
label, bilingual as ``日本語 / English``) and 1 or 2 ``<td>`` (Japanese, then English).
At the bottom, ``変更履歴`` lists past publications. Labels are matched by their text with
whitespace removed, never by position: the layout is known only from scrapers and one
saved page, and differs between years.
"""

from __future__ import annotations

import re
import unicodedata

from selectolax.lexbor import LexborNode

from monitor.errors import ParseError
from monitor.normalize.record import TrialRecord
from monitor.normalize.values import english, parse_date, parse_int
from monitor.parse.html import (
    ParsedPage,
    RawField,
    clean_text,
    iter_rows,
    load_html,
    node_text,
    row_cells,
)
from monitor.registries.jrct.labels import (
    _JAPANESE,
    _LABEL_KEYS,
    HISTORY_HEADINGS,
    HISTORY_SECTION,
    OTHER_IDS,
    TRIAL_ID,
    label_key,
    map_status,
)

NAME = "jrct"
# Bumped whenever parsing reads any page differently (see the UMIN-CTR view module).
PARSER_VERSION = "2"

def parse_detail_page(text: str, language: str | None = None) -> ParsedPage:
    """Raw fields of a jRCT detail page (either language), in page order.

    ParseError when the header table is missing or none of the labels every detail page
    has is found: an error page, a maintenance page, or a layout that has changed.
    """
    tree = load_html(text)
    header = (tree.css_first("div.jr-caption table") or tree.css_first("div.caption table"))
    if header is None:
        raise ParseError("not a jRCT detail page: its header table (div.jr-caption or "
                         "div.caption) is missing (an error or maintenance page, or the "
                         "registry changed its layout)")
    summary = {label: value for label, value in _header_rows(header)}
    fields: list[RawField] = []
    section, subsection = "", ""
    history: tuple[int, str | None] | None = None
    for node in tree.css("h2, h3, table"):  # document order, from lexbor
        if node.tag == "h2":
            section, subsection = _heading(node), ""
        elif node.tag == "h3":
            subsection = _heading(node)
        elif node.tag == "table" and node.mem_id != header.mem_id and not _inside_table(node):
            if label_key(section) in HISTORY_HEADINGS:
                history = _history(node)
                continue
            where = f"{section} / {subsection}" if subsection else section
            fields += _table_fields(node, where or "(no section)")
    if history is not None:
        count, latest = history
        fields += [RawField(HISTORY_SECTION, "count", str(count), "count", key="count"),
                   RawField(HISTORY_SECTION, "latest", latest or "", "latest", key="latest")]
    lang = language or _guess_language(tree, summary)
    page = ParsedPage(NAME, lang, summary, fields)
    known = {key for keys in _LABEL_KEYS.values() for key in keys}
    found = {label_key(k) for k in summary} | {label_key(f.label_ja or f.label_en)
                                               for f in fields} | {
        label_key(f.label_en) for f in fields if f.label_en}
    if not found & known:
        raise ParseError("jRCT detail page has none of the expected labels (研究名称, "
                         "進捗状況, 初回公表日…): the registry changed its layout")
    if not fields:
        raise ParseError("jRCT detail page has a header but no sections: the page was cut "
                         "short or the registry changed its layout")
    return page


def _header_rows(table: LexborNode) -> list[tuple[str, str]]:
    rows = []
    for row in iter_rows(table):
        heads, cells = row_cells(row, ("th",)), row_cells(row, ("td",))
        if heads and cells:
            rows.append((node_text(heads[0]).replace("\n", " "), node_text(cells[0])))
    return rows


def _heading(node: LexborNode) -> str:
    """Heading text without its numbering (``２　``, ``（１）``)."""
    text = clean_text(node.text(deep=True, strip=False)).replace("\n", " ")
    text = unicodedata.normalize("NFKC", text).strip()
    return re.sub(r"^(?:\(?\d+\)?[\s.、]*)+", "", text).strip()


def _inside_table(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == "table":
            return True
        parent = parent.parent
    return False


def _split_label(cell: LexborNode, raw: str | None = None) -> tuple[str, str]:
    """(Japanese, English) halves of a label cell, in any of its three spellings;
    ``raw`` is the cell's cleaned text when the caller already has it."""
    raw = clean_text(cell.text(deep=True, strip=False)) if raw is None else raw
    if "/" not in raw and "\n" not in raw:  # one label, one language: most cells
        return (raw, "") if _is_japanese(raw) else ("", raw)
    labels = [node_text(label).replace("\n", " ") for label in cell.iter()
              if label.tag == "label"]
    labels = [label for label in labels if label]
    if len(labels) >= 2:
        return labels[0], labels[1]
    for separator in ("/", "\n"):
        head, sep, tail = raw.partition(separator)
        if sep and head.strip() and tail.strip() and _is_japanese(head) \
                and not _is_japanese(tail):
            return head.strip().replace("\n", " "), tail.strip().replace("\n", " ")
    raw = raw.replace("\n", " ").strip()
    return (raw, "") if _is_japanese(raw) else ("", raw)


def _is_japanese(text: str) -> bool:
    return _JAPANESE.search(text) is not None


def _table_fields(table: LexborNode, section: str) -> list[RawField]:
    """Rows of a section table, with group labels carried down their rowspan."""
    fields: list[RawField] = []
    groups: list[list] = []  # [label, rows remaining]
    for row in iter_rows(table):
        heads, cells = [], []
        for cell in row.iter():
            if cell.tag == "th":
                heads.append(cell)
            elif cell.tag == "td":
                cells.append(cell)
        new_groups = [[_group_label(th), _rowspan(th)] for th in heads[:-1]]
        groups = [g for g in groups if g[1] > 0] + new_groups
        if heads and cells:
            whole = node_text(heads[-1])
            label_ja, label_en = _split_label(heads[-1], whole)
            path = [g[0] for g in groups if g[0]]
            label = whole.replace("\n", " ")
            values = [node_text(cell) for cell in cells]
            value: str | dict[str, str] = (
                {"ja": values[0], "en": values[1]} if len(values) >= 2 else values[0])
            key = " > ".join([*path, label_ja or label_en])
            fields.append(RawField(section, label, value, label_en, label_ja, key))
        for group in groups:
            group[1] -= 1
    return fields


def _group_label(cell: LexborNode) -> str:
    ja, en = _split_label(cell)
    return ja or en


def _rowspan(cell: LexborNode) -> int:
    try:
        return max(1, int(cell.attributes.get("rowspan") or 1))
    except ValueError:
        return 1


def _history(table: LexborNode) -> tuple[int, str | None]:
    """Rows of the revision-history table and the newest publication date in it."""
    count, dates = 0, []
    for row in iter_rows(table):
        cells = [node_text(cell) for cell in row_cells(row, ("td",))]
        if not cells:
            continue
        count += 1
        dates += [d for d in (parse_date(cell) for cell in cells) if d]
    return count, max(dates) if dates else None


def _guess_language(tree, summary: dict[str, str]) -> str:
    html = tree.css_first("html")
    lang = (html.attributes.get("lang") or "").lower() if html is not None else ""
    if lang.startswith(("ja", "en")):
        return lang[:2]
    return "ja" if any(_is_japanese(label) for label in summary) else "en"


# --- normalizing --------------------------------------------------------------------


def normalize_detail_page(page: ParsedPage, url: str) -> TrialRecord:
    """The canonical record of a parsed detail page.

    Values come from the header first, then from the section rows; titles and
    conditions take the English side where the page gives both, like UMIN's record, so
    that a UMIN record and its jRCT twin can be compared.
    """
    # label key → values, header first, built once: each canonical field is a lookup
    index: dict[str, list[object]] = {}
    for label, value in page.summary.items():
        index.setdefault(label_key(label), []).append(value)
    for raw in page.fields:
        for label in (raw.label_ja, raw.label_en):
            if label:
                index.setdefault(label_key(label), []).append(raw.value)

    def values(name: str) -> list[object]:
        found = [v for key in _LABEL_KEYS[name] for v in index.get(key, ())]
        if name == "status":  # "a label ending in 進捗状況"
            found += [v for key, vs in index.items() if key.endswith("進捗状況") for v in vs]
        return found

    def first(name: str, *, prefer_english: bool = False) -> str:
        found = values(name)
        if prefer_english:  # a bilingual row's English side beats a Japanese-only header
            for value in found:
                if isinstance(value, dict) and value.get("en"):
                    return value["en"]
        for value in found:
            if isinstance(value, dict):
                value = value.get("ja") or value.get("en")
            if value:
                return str(value)
        return ""

    trial_id = _find_trial_id(page, url)
    if not trial_id:
        raise ParseError("jRCT detail page shows no jRCT ID (jRCT + 10 digits, or jRCTs… + 9)")
    status_raw = first("status") or None
    registered = parse_date(first("date_registered"))
    secondary: list[str] = []
    for value in values("secondary_ids"):
        text = " ".join(value.values()) if isinstance(value, dict) else str(value)
        for match in OTHER_IDS.finditer(text):
            found = match.group()
            found = found.upper() if found.upper().startswith(("UMIN", "NCT")) else found
            if found != trial_id and found not in secondary:
                secondary.append(found)
    conditions = [line for line in english(first("conditions", prefer_english=True))
                  .split("\n") if line]
    return TrialRecord(
        registry=NAME,
        trial_id=trial_id,
        language=page.language,
        url=url,
        title_public=first("title_public", prefer_english=True) or None,
        title_scientific=first("title_scientific", prefer_english=True) or None,
        status=map_status(status_raw),
        status_raw=status_raw,
        date_registered=registered,
        # a record never revised has no last-publication date: its first one stands
        date_last_modified=parse_date(first("date_last_modified")) or registered,
        date_start=parse_date(first("date_start")),
        date_completion=parse_date(first("date_completion")),
        target_sample_size=parse_int(first("target_sample_size")),
        secondary_ids=secondary,
        conditions=conditions,
        fields={"Header": dict(page.summary), **page.as_mapping()},
    )


def _find_trial_id(page: ParsedPage, url: str) -> str | None:
    texts = [page.summary.get(label, "") for label in page.summary
             if label_key(label) in _LABEL_KEYS["trial_id"]]
    texts += [str(english(raw.value)) for raw in page.fields
              if label_key(raw.label_ja or raw.label_en) in _LABEL_KEYS["trial_id"]]
    texts += list(page.summary.values())
    for text in texts:
        if match := TRIAL_ID.search(text):
            return match.group()
    if match := TRIAL_ID.search(url):
        return match.group()
    return None

