"""jRCT's detail page: parse it into raw fields and normalize them into the canonical
record.

A detail page (``/latest-detail/<id>`` in Japanese, ``/en-latest-detail/<id>`` in
English) has a header table of ``<th>`` label / ``<td>`` value rows, then sections:
``<h2>`` headings (numbered, ``２　研究の目的及び内容``), ``<h3>`` sub-headings, and tables
whose rows are 1–4 ``<th>`` (leading ones are group labels with rowspan, the last is the
field label, bilingual as ``日本語 / English``) and 1 or 2 ``<td>`` (Japanese, then
English). At the bottom, ``変更履歴`` lists past publications.

Nothing is found by class, id or position: the header is the first table before the
first ``<h2>`` that carries known labels (or, failing that, the table holding the status
row), and every value is read by what its label means (``labels.py``). A page without
a field every detail page has, without its ``</html>``, or contradicting itself is a
ParseError, never a version.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.normalize.record import TrialRecord
from monitor.normalize.values import parse_date, parse_int
from monitor.parse.html import (
    BREAK,
    FieldValue,
    ParsedPage,
    RawField,
    clean_text,
    has_closing_tag,
    iter_rows,
    label_key,
    load_html,
    node_text,
    numbered,
    refuse_page,
    refuse_unless_whole,
    row_cells,
    unnumbered,
)
from monitor.registries.jrct.labels import (
    HISTORY_HEADINGS,
    HISTORY_SECTION,
    OTHER_IDS,
    TRIAL_ID,
    is_japanese,
    map_status,
    meaning_of,
)

NAME = "jrct"
# Bump when a stored page would parse to a different record: the core re-derives them.
PARSER_VERSION = "2"


def parse_detail_page(text: str, language: str | None = None) -> ParsedPage:
    """Raw fields of a jRCT detail page (either language), in page order.

    Raises ParseError naming what is missing or contradictory: an error, block or
    maintenance page, a page cut short, or a layout whose labels are no longer known.
    """
    tree = load_html(text)
    nodes = [node for node in tree.css("h2, h3, table")  # document order, from lexbor
             if node.tag != "table" or not _inside_table(node)]
    header, header_rows = _header_table(nodes)
    if header is None:
        refuse_page(tree, _KIND, "its header table (rows such as 進捗状況, 研究名称, "
                    "Recruitment status) is missing")
    unknown: list[str] = []
    summary: dict[str, str] = {}
    for label, value in header_rows:
        summary[numbered(summary, label)] = value
        if not _header_meaning(label):
            unknown.append(label)
    fields: list[RawField] = []
    section, subsection = "", ""
    history: tuple[int, str | None] | None = None
    for node in nodes:
        if node.tag == "h2":
            section, subsection = _heading(node), ""
        elif node.tag == "h3":
            subsection = _heading(node)
        elif node.mem_id != header.mem_id:
            if label_key(section) in HISTORY_HEADINGS:
                history = _history(node)
                continue
            where = f"{section} / {subsection}" if subsection else section
            fields += _table_fields(node, where or "(no section)", unknown)
    problems = []
    if not fields:
        problems.append("it has a header but no sections")
    if history is not None:
        count, latest = history
        fields += [RawField(HISTORY_SECTION, "count", str(count), "count", key="count"),
                   RawField(HISTORY_SECTION, "latest", latest or "", "latest", key="latest")]
    lang = language or _guess_language(tree, summary)
    page = ParsedPage(NAME, lang, summary, fields, list(dict.fromkeys(unknown)))
    if not has_closing_tag(text):
        problems.append("it does not end with </html>")
    page.canonical = _canonical(page, problems)  # raises if missing or contradictory
    return page



_KIND = "a jRCT detail page"
_Rows = list[tuple[str, str]]


def _header_table(nodes: list[LexborNode]) -> tuple[LexborNode | None, _Rows]:
    """The header table and its rows: the first table before the first <h2> that
    carries a known label; failing that (a layout without one), the first table holding
    the status row."""
    for node in nodes:
        if node.tag == "h2":
            break
        if node.tag == "table":
            rows = _header_rows(node)
            if any(_header_meaning(label) for label, _ in rows):
                return node, rows
    for node in nodes:
        if node.tag == "table":
            rows = _header_rows(node)
            if any(_header_meaning(label) == "status" for label, _ in rows):
                return node, rows
    return None, []


def _header_rows(table: LexborNode) -> list[tuple[str, str]]:
    rows = []
    for row in iter_rows(table):
        heads, cells = row_cells(row, ("th",)), row_cells(row, ("td",))
        if heads and cells:
            rows.append((node_text(heads[0]).replace("\n", " "), node_text(cells[0])))
    return rows


@functools.lru_cache(maxsize=1024)
def _header_meaning(label: str) -> str:
    """What a header label means; a label written ``日本語 / English`` by either half."""
    head, sep, tail = label.partition("/")
    if sep and is_japanese(head) and not is_japanese(tail):
        return meaning_of(head.strip(), tail.strip())
    return meaning_of(label, "") if is_japanese(label) else meaning_of("", label)


def _heading(node: LexborNode) -> str:
    """Heading text without its numbering (``２　``, ``（１）``)."""
    text = " ".join(node.text(deep=True, strip=False).replace(BREAK, " ").split())
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _NUMBERING.sub("", text).strip()


_NUMBERING = re.compile(r"^(?:\(?\d+\)?[\s.、]*)+")


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
        return (raw, "") if is_japanese(raw) else ("", raw)
    for separator in ("/", "\n"):  # 日本語 / English, or 日本語<br>English
        head, sep, tail = raw.partition(separator)
        if sep and head.strip() and tail.strip() and is_japanese(head) \
                and not is_japanese(tail):
            return head.strip().replace("\n", " "), tail.strip().replace("\n", " ")
    labels = [node_text(label).replace("\n", " ") for label in cell.iter()
              if label.tag == "label"]  # a Japanese half with a "/" of its own
    labels = [label for label in labels if label]
    if len(labels) >= 2:
        return labels[0], labels[1]
    raw = raw.replace("\n", " ").strip()
    return (raw, "") if is_japanese(raw) else ("", raw)


def _table_fields(table: LexborNode, section: str, unknown: list[str]) -> list[RawField]:
    """Rows of a section table, with group labels carried down their rowspan."""
    fields: list[RawField] = []
    groups: list[list[Any]] = []  # [label, rows remaining]
    for row in iter_rows(table):
        heads, cells = [], []
        for cell in row.iter():
            if cell.tag == "th":
                heads.append(cell)
            elif cell.tag == "td":
                cells.append(cell)
        new_groups = [[_group_label(th, unknown), _rowspan(th)] for th in heads[:-1]]
        groups = [g for g in groups if g[1] > 0] + new_groups
        if heads and cells:
            whole = node_text(heads[-1])
            label_ja, label_en = _split_label(heads[-1], whole)
            meaning = meaning_of(label_ja, label_en)
            label = whole.replace("\n", " ")
            if not meaning:
                unknown.append(label)
            path = [g[0] for g in groups if g[0]]
            values = [node_text(cell) for cell in cells]
            value: str | dict[str, str] = (
                {"ja": values[0], "en": values[1]} if len(values) >= 2 else values[0])
            key = " > ".join([*path, label_ja or label_en])
            fields.append(RawField(section, label, value, label_en, label_ja, key, meaning))
        for group in groups:
            group[1] -= 1
    return fields


def _group_label(cell: LexborNode, unknown: list[str]) -> str:
    ja, en = _split_label(cell)
    if (ja or en) and not meaning_of(ja, en):
        unknown.append(f"{ja} / {en}" if ja and en else ja or en)
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


def _guess_language(tree: LexborHTMLParser, summary: dict[str, str]) -> str:
    html = tree.css_first("html")
    lang = (html.attributes.get("lang") or "").lower() if html is not None else ""
    if lang.startswith(("ja", "en")):
        return lang[:2]
    return "ja" if any(is_japanese(label) for label in summary) else "en"


# --- the canonical record -----------------------------------------------------------


def normalize_detail_page(page: ParsedPage, url: str) -> TrialRecord:
    """The canonical record of a parsed detail page.

    Values come from the header first, then from the section rows; titles and
    conditions take the English side where the page gives both, like UMIN's record, so
    that a UMIN record and its jRCT twin can be compared (the Japanese side goes to the
    ``*_ja`` fields).
    """
    return TrialRecord(registry=NAME, language=page.language, url=url,
                       fields={"Header": dict(page.summary), **page.as_mapping()},
                       **(page.canonical or _canonical(page, [])))


def _canonical(page: ParsedPage, problems: list[str]) -> dict[str, Any]:
    """The canonical values of a page, read by meaning; ParseError naming every problem
    (``problems`` already found, fields every detail page has, contradictions)."""
    found: dict[str, list[FieldValue]] = {}  # meaning → values, header first
    unlabelled: list[FieldValue] = []  # values of rows whose labels are unknown
    for label, value in page.summary.items():
        if meaning := _header_meaning(unnumbered(label)):
            found.setdefault(meaning, []).append(value)
        else:
            unlabelled.append(value)
    for raw in page.fields:
        if raw.meaning:
            found.setdefault(raw.meaning, []).append(raw.value)
        elif raw.section != HISTORY_SECTION:
            unlabelled.append(raw.value)

    def first(name: str) -> str:
        """The first value, its Japanese side where it has two (jRCT keys on it)."""
        for value in found.get(name, ()):
            text = (value.get("ja") or value.get("en")) if isinstance(value, dict) else value
            if text:
                return str(text)
        return ""

    def side(name: str, language: str) -> str:
        """The first value in ``language``: a bilingual row's side, or a one-language
        value on a page of that language; English falls back to whatever there is."""
        values = found.get(name, ())
        for value in values:
            if isinstance(value, dict) and value.get(language):
                return str(value[language])
        if page.language == language or language == "en":
            return first(name)
        return ""

    def one_date(name: str) -> str | None:
        dates = {d for d in (parse_date(str(_japanese_first(v))) for v in found.get(name, ()))
                 if d}
        if len(dates) > 1:
            contradictions.append(f"{name} is {' and '.join(sorted(dates))}")
        return min(dates) if dates else None

    contradictions: list[str] = []
    ids = _ids(TRIAL_ID, found.get("trial_id", ()))
    if not ids and "trial_id" not in found:  # the ID's label is unknown: by its pattern
        ids = _ids(TRIAL_ID, unlabelled)
    else:  # a bare ID under an unknown label is an ID row too (a renamed label)
        ids += [i for i in _ids(TRIAL_ID, [v for v in unlabelled if _is_bare_id(v)])
                if i not in ids]
    if len(ids) > 1:
        contradictions.append(f"two trial IDs ({' and '.join(ids)})")
    trial_id = ids[0] if ids else None
    statuses = [str(_japanese_first(v)) for v in found.get("status", ())]
    mapped = {map_status(s) if map_status(s) != "unknown" else s for s in statuses if s}
    if len(mapped) > 1:
        contradictions.append(f"two recruitment statuses ({' and '.join(sorted(mapped))})")
    status_raw = next((s for s in statuses if s), None)
    registered = one_date("date_registered")
    secondary = [i for i in _ids(OTHER_IDS, found.get("secondary_ids", ())) if i != trial_id]
    values: dict[str, Any] = {
        "trial_id": trial_id,
        "title_public": side("title_public", "en") or None,
        "title_public_ja": side("title_public", "ja") or None,
        "title_scientific": side("title_scientific", "en") or None,
        "title_scientific_ja": side("title_scientific", "ja") or None,
        "status": map_status(status_raw),
        "status_raw": status_raw,
        "date_registered": registered,
        # a record never revised has no last-publication date: its first one stands
        "date_last_modified": one_date("date_last_modified") or registered,
        "date_start": parse_date(first("date_start")),
        "date_completion": parse_date(first("date_completion")),
        "target_sample_size": parse_int(first("target_sample_size")),
        "secondary_ids": secondary,
        "conditions": [line for line in side("conditions", "en").split("\n") if line],
        "conditions_ja": [line for line in side("conditions", "ja").split("\n") if line],
    }
    missing = [what for what, present in (
        ("jRCT ID (jRCT + 10 digits, or jRCTs… + 9)", trial_id),
        ("status row (進捗状況 / Recruitment status)", "status" in found),
        ("title", values["title_public"] or values["title_scientific"]),
        ("date (初回公表日 / Date of registration, or 最終公表日 / Last modified on)",
         values["date_last_modified"]),
    ) if not present]
    refuse_unless_whole("jRCT detail page", missing, problems, contradictions)
    return values


def _is_bare_id(value: FieldValue) -> bool:
    """A value that is nothing but a jRCT ID (on each side, if bilingual)."""
    texts = value.values() if isinstance(value, dict) else [value]
    return all(TRIAL_ID.fullmatch(str(text).strip()) for text in texts)


def _japanese_first(value: FieldValue) -> Any:
    return (value.get("ja") or value.get("en") or "") if isinstance(value, dict) else value


def _ids(pattern: re.Pattern[str], values: Any) -> list[str]:
    """Every ID ``pattern`` finds in ``values`` (both sides of bilingual ones), once,
    UMIN and NCT IDs upper-cased."""
    ids: list[str] = []
    for value in values:
        text = " ".join(value.values()) if isinstance(value, dict) else str(value)
        for match in pattern.finditer(text):
            found = match.group()
            found = found.upper() if found.upper().startswith(("UMIN", "NCT")) else found
            if found not in ids:
                ids.append(found)
    return ids
