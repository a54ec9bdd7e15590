"""UMIN-CTR's view page (current layout, since 2022-12): parse it into raw fields and
normalize them into the canonical record.

The page is a summary table followed by ``<h2>`` section headings, each followed by one
block per field: an ``<h3>`` label, then the value as ``<p>`` text or a small nested
table (dates, ages, names, coded lists). The Japanese page has the same skeleton with
bilingual ``日本語/English`` labels.

Everything is found by what its labels say, never by class, id or position: the summary
is the table whose ``<th>`` cells carry summary labels, a field block is whatever element
starts with an ``<h3>`` label, and a section is named by its heading or, failing that, by
the fields it holds. A page that lacks a field every view page has, does not end with
``</html>``, or contradicts itself is a ParseError, never a version.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.normalize.record import TrialRecord
from monitor.normalize.values import english, has_japanese, parse_date, parse_int, split_bilingual
from monitor.parse.html import (
    FieldValue,
    ParsedPage,
    RawField,
    has_closing_tag,
    iter_rows,
    label_key,
    load_html,
    node_text,
    numbered,
    refuse_page,
    refuse_unless_whole,
    row_cells,
    table_rows,
    unnumbered,
)
from monitor.registries.umin import labels as L
from monitor.registries.umin.labels import map_status, meaning_of

NAME = "umin"
# Bump when a stored page would parse to a different record: the core re-derives them.
PARSER_VERSION = "2"

_Block = tuple[str, FieldValue, str, str, str]  # label, value, label_en, label_ja, meaning


def parse_view_page(text: str, language: str | None = None) -> ParsedPage:
    """Raw fields of a UMIN-CTR view page (either language), in page order.

    Raises ParseError naming what is missing or contradictory: an error, block or
    maintenance page, a page cut short, or a layout whose labels are no longer known.
    """
    tree = load_html(text)
    summary_table = _summary_table(tree)
    if summary_table is None:
        refuse_page(tree, _KIND, "its summary table (rows such as 'Unique ID issued by "
                    "UMIN', 'Last modified on') is missing")
    unknown: list[str] = []
    summary = _parse_summary(summary_table, unknown)
    groups = _field_groups(tree)
    if not any(blocks for _, blocks in groups):
        refuse_page(tree, _KIND, "it has no field blocks (<h3> labels with values)")
    fields: list[RawField] = []
    for heading, blocks in groups:
        section = _section_name(heading, blocks, unknown)
        spellings = L.SPELLINGS.get(section, {})
        for label, value, label_en, label_ja, meaning in blocks:
            if not meaning:
                unknown.append(label)
            key = spellings.get(label_key(meaning), meaning) if meaning else ""
            fields.append(RawField(section, label, value, label_en, label_ja, key, meaning))
    page = ParsedPage(NAME, language or _guess_language(fields), summary, fields,
                      list(dict.fromkeys(unknown)))
    problems = [] if has_closing_tag(text) else ["it does not end with </html>"]
    page.canonical = _canonical(page, problems)  # raises if missing or contradictory
    return page


_KIND = "a UMIN-CTR view page"


# --- the summary table --------------------------------------------------------------


def _summary_table(tree: LexborHTMLParser) -> LexborNode | None:
    """The table whose <th> cells carry the most summary labels (at least one)."""
    votes: dict[int, list[Any]] = {}
    for cell in tree.css("th"):
        if meaning_of(node_text(cell)) not in L.SUMMARY_MEANINGS:
            continue
        table = cell.parent
        while table is not None and table.tag != "table":
            table = table.parent
        if table is not None:
            votes.setdefault(table.mem_id, [table, 0])[1] += 1
    if not votes:
        return None
    return max(votes.values(), key=lambda vote: vote[1])[0]


def _parse_summary(table: LexborNode, unknown: list[str]) -> dict[str, str]:
    summary: dict[str, str] = {}
    for row in iter_rows(table):
        heads, cells = row_cells(row, ("th",)), row_cells(row, ("td",))
        if not heads or not cells:
            continue
        label = node_text(heads[0])
        meaning = meaning_of(label)
        if not meaning:
            unknown.append(label)
        key = meaning or split_bilingual(label)[1] or label
        summary[numbered(summary, key)] = node_text(cells[0])
    return summary


# --- field blocks -------------------------------------------------------------------


def _field_groups(tree: LexborHTMLParser) -> list[tuple[str, list[_Block]]]:
    """Field blocks grouped under the <h2> heading before them, in page order."""
    headings = tree.css("h2, h3")  # one query, answered in document order
    crowded = _crowded_ancestors(headings)
    heading_ids = {node.mem_id for node in headings}
    groups: list[tuple[str, list[_Block]]] = [("", [])]
    for node in headings:
        if node.tag == "h2":
            groups.append((node_text(node).replace("\n", " "), []))
        else:
            groups[-1][1].append(_parse_block(node, _value_nodes(node, crowded, heading_ids)))
    return groups


def _crowded_ancestors(headings: list[LexborNode]) -> tuple[set[int], set[int]]:
    """(ancestors holding two or more headings, ancestors holding any heading), by id.

    Each heading walks up until it meets an ancestor another heading has already
    passed: that ancestor holds both. Above it, every ancestor was passed already, so
    each node is visited about once.
    """
    seen: set[int] = set()
    crowded: set[int] = set()
    for heading in headings:
        node = heading.parent
        while node is not None:
            if node.mem_id in seen:
                crowded.add(node.mem_id)
                break
            seen.add(node.mem_id)
            node = node.parent
    return crowded, seen


def _value_nodes(h3: LexborNode, crowded: tuple[set[int], set[int]],
                 heading_ids: set[int]) -> list[LexborNode]:
    """What follows the <h3> inside its block: the largest element around the heading
    that holds no other heading. Without such an element, or when it holds nothing but
    the heading (headings and values side by side, perhaps each heading in a wrapper of
    its own), the value is what follows up to the next heading."""
    many, holders = crowded
    after: list[LexborNode] = []
    node = h3
    while node.parent is not None and node.parent.mem_id not in many:
        after += _following(node)
        node = node.parent
    if any(n.tag != "-text" or n.text(deep=False).strip() for n in after):
        return after  # a block element holds the heading and its value
    side_by_side = []  # the heading (or a wrapper of it alone) and values side by side
    for sibling in _following(node):
        if sibling.mem_id in heading_ids or sibling.mem_id in holders:
            break
        side_by_side.append(sibling)
    return side_by_side


def _following(node: LexborNode) -> Iterator[LexborNode]:
    sibling = node.next
    while sibling is not None:
        yield sibling
        sibling = sibling.next


def _parse_block(heading: LexborNode, nodes: Iterable[LexborNode]) -> _Block:
    """One field: its label and the value the nodes after it hold."""
    table: LexborNode | None = None
    paragraphs: list[LexborNode] = []
    loose: list[LexborNode] = []
    for child in nodes:
        tag = child.tag
        if tag == "table":
            table = table or child
        elif tag == "p":
            paragraphs.append(child)
            table = table or next((sub for sub in child.iter() if sub.tag == "table"), None)
        elif tag == "tr":
            continue
        elif tag is not None and tag[0] != "-" and (inner := child.css("p, table")):
            for sub in inner:  # a wrapper around the value: look inside it
                if sub.tag == "table":
                    table = table or sub
                elif sub.tag == "p":
                    paragraphs.append(sub)
        else:
            loose.append(child)
    label = node_text(heading).replace("\n", " ")
    label_ja, label_en, meaning = _label_parts(label)
    if table is not None:
        value: FieldValue = _table_value(table_rows(table))
    else:
        value = _text_value([t for t in map(node_text, paragraphs or loose) if t])
    if meaning == L.LINK and isinstance(value, str):
        value = re.sub(r"^Value\s*", "", value)
    return (label, value, label_en, label_ja, meaning)


@functools.lru_cache(maxsize=4096)  # the same labels on every page
def _label_parts(label: str) -> tuple[str, str, str]:
    """(Japanese half, English half, meaning) of a field label."""
    return (*split_bilingual(label), meaning_of(label))


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
        tag = L.LANGUAGE_TAGS.get(head.rstrip(":：")) if head else None
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
    if any(part in labelled for part in (*L.NAME_PARTS_EN, *L.NAME_PARTS_JA)):
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
        if units in L.DATE_UNITS and all(n.isdigit() for n in numbers):
            year, month, day = (int(n) for n in numbers)
            return f"{year:04d}-{month:02d}-{day:02d}"
    if cells[0][:1].isdigit() or cells[0] in ("Not applicable", "適用なし"):
        return " ".join(cells)  # an age: "20 years-old <="
    return cells[0] if len(cells) == 1 else cells


def _name_value(parts: dict[str, str]) -> FieldValue:
    en = " ".join(p for p in (parts.get(k, "") for k in L.NAME_PARTS_EN) if p)
    ja = " ".join(p for p in (parts.get(k, "") for k in reversed(L.NAME_PARTS_JA)) if p)
    if ja and en:
        return {"ja": ja, "en": en}
    return en or ja


def _section_name(heading: str, blocks: list[_Block], unknown: list[str]) -> str:
    """The English section name: the heading's, if the heading is known; else the
    section whose fields the blocks' fields match best (an unknown heading is noted)."""
    for text in (heading, *split_bilingual(heading)):
        if text and (known := L.SECTION_HEADINGS.get(label_key(text))):
            return known
    if heading:
        unknown.append(heading)
    meanings = {block[4] for block in blocks if block[4]}
    best, score = "", 0.0
    for name, held in L.SECTIONS.items():
        overlap = len(meanings & set(held))
        if overlap:
            value = overlap / len(set(held) | meanings)
            if value > score:
                best, score = name, value
    return best or split_bilingual(heading)[1] or heading


def _guess_language(fields: list[RawField]) -> str:
    bilingual = sum(1 for f in fields if f.label_ja)
    return "ja" if bilingual * 2 > len(fields) else "en"


# --- the canonical record -----------------------------------------------------------


def normalize_view_page(page: ParsedPage, url: str) -> TrialRecord:
    """The canonical record of a parsed view page; both languages give the same values
    in the fields compared across registries.

    Titles and conditions take the English side of bilingual values (the Japanese side
    goes to the ``*_ja`` fields), so the Japanese and English pages normalize alike.
    """
    values = dict(page.canonical or _canonical(page, []))
    # the page is keyed by its receipt number: where the page does not show it, the URL does
    receipt = values.pop("receipt_number") or _one_id(L.RECEIPT_NUMBER, [url], "", [])
    return TrialRecord(registry=NAME, language=page.language, url=url,
                       registry_ids={"receipt_number": receipt} if receipt else {},
                       fields={L.SUMMARY_SECTION: dict(page.summary), **page.as_mapping()},
                       **values)


def _canonical(page: ParsedPage, problems: list[str]) -> dict[str, Any]:
    """The canonical values of a page, read by meaning; ParseError naming every problem
    (``problems`` already found, fields every view page has, contradictions)."""
    index: dict[str, list[FieldValue]] = {}  # meaning → values, fields before summary
    for raw in page.fields:
        if raw.meaning:
            index.setdefault(raw.meaning, []).append(raw.value)
    unlabelled: list[FieldValue] = []  # summary values whose labels are unknown
    for label, value in page.summary.items():
        if meaning := meaning_of(unnumbered(label)):
            index.setdefault(meaning, []).append(value)
        else:
            unlabelled.append(value)

    def rows(meaning: str) -> list[FieldValue]:
        return index.get(meaning, [])

    def text(meaning: str) -> str:
        """English where the page has it (a bilingual value's English side, or text on
        the English page), else whatever the page has."""
        found = rows(meaning)
        for value in found:
            if isinstance(value, dict):
                if value.get("en"):
                    return str(value["en"])
            elif (said := _text_of(value)) and (page.language != "ja" or not has_japanese(said)):
                return said
        return next((t for t in map(_text_of, found) if t), "")

    def japanese(meaning: str) -> str:
        for value in rows(meaning):
            if isinstance(value, dict):
                if value.get("ja"):
                    return str(value["ja"])
            elif page.language == "ja" and has_japanese(_text_of(value)):
                return _text_of(value)
        return ""

    def date(meaning: str) -> str | None:
        found = {d for d in map(parse_date, map(_text_of, rows(meaning))) if d}
        if len(found) > 1:
            contradictions.append(f"{meaning!r} says {' and '.join(sorted(found))}")
        return min(found) if found else None

    contradictions: list[str] = []
    # an ID row under an unknown label (a renamed one) counts when its value is a bare ID;
    # when no row has a known ID label, any unknown row's ID is the trial's
    bare = [v for v in unlabelled if L.TRIAL_ID.fullmatch(_text_of(v).strip())]
    trial_id = _one_id(L.TRIAL_ID, [*rows(L.ID), *(bare if rows(L.ID) else unlabelled)],
                       "UMIN ID", contradictions)
    link = [m.group() for m in [L.RECEIPT_NUMBER.search(text(L.LINK))] if m]
    receipt = _one_id(L.RECEIPT_NUMBER, [*rows(L.RECEIPT), *link], "receipt number",
                      contradictions)
    statuses = [split_bilingual(t)[1] or t for t in map(_text_of, rows(L.STATUS))]
    status_raw = next((s for s in statuses if s), None)
    mapped = {map_status(s) if map_status(s) != "unknown" else s for s in statuses if s}
    if len(mapped) > 1:
        contradictions.append(f"two recruitment statuses ({' and '.join(sorted(mapped))})")
    values: dict[str, Any] = {
        "trial_id": trial_id,
        "receipt_number": receipt,
        "title_public": text(L.PUBLIC_TITLE) or None,
        "title_public_ja": japanese(L.PUBLIC_TITLE) or None,
        "title_scientific": text(L.SCIENTIFIC_TITLE) or None,
        "title_scientific_ja": japanese(L.SCIENTIFIC_TITLE) or None,
        "status": map_status(status_raw),
        "status_raw": status_raw,
        "date_registered": date(L.REGISTERED),
        "date_disclosed": date(L.DISCLOSED),
        "date_last_modified": date(L.LAST_MODIFIED),
        "date_start": date(L.START),
        "date_completion": date(L.COMPLETION),
        "target_sample_size": parse_int(text(L.SAMPLE_SIZE)),
        "secondary_ids": _secondary_ids(page),
        "conditions": [line for line in text(L.CONDITION).split("\n") if line],
        "conditions_ja": [line for line in japanese(L.CONDITION).split("\n") if line],
    }
    missing = [what for what, present in (
        ("UMIN ID (UMIN + 9 digits)", trial_id),
        (repr(L.STATUS), rows(L.STATUS)),
        ("title", values["title_public"] or values["title_scientific"]),
        # the last section every view page has: a page that lost it lost its end
        (repr(L.REGISTERED), page.has(L.REGISTERED)),
        ("date", values["date_registered"] or values["date_last_modified"]),
    ) if not present]
    refuse_unless_whole("UMIN-CTR view page", missing, problems, contradictions)
    return values


def _text_of(value: FieldValue) -> str:
    """A value as one text: the English side of a bilingual one, list items by line."""
    value = english(value)
    return "\n".join(map(str, value)) if isinstance(value, list) else str(value or "")


def _one_id(pattern: re.Pattern[str], texts: list[FieldValue], what: str,
            contradictions: list[str]) -> str | None:
    """The one ID ``pattern`` finds in ``texts``; a second, different one is noted."""
    found = list(dict.fromkeys(m.group().upper() for t in texts
                               for m in pattern.finditer(_text_of(t))))
    if len(found) > 1:
        contradictions.append(f"two {what}s ({' and '.join(found)})")
    return found[0] if found else None


def _secondary_ids(page: ParsedPage) -> list[str]:
    ids: list[str] = []
    for raw in page.fields:
        if raw.meaning.startswith(L.STUDY_ID):
            for part in re.split(r"[\s,;、]+", _text_of(raw.value)):
                if part and part not in ids:
                    ids.append(part)
    return ids
