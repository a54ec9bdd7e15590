"""HTML → text with the registries' quirks handled once, for every registry module.

Registry pages are old, hand-written markup. Two things make naive text extraction
produce false changes: ``<br>`` glued to the neighbouring text, and source-formatting
whitespace, non-breaking and full-width spaces varying between renderings. So every
``<br>`` becomes a sentinel before parsing, all other whitespace collapses, and the
sentinel becomes the only line break.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

BREAK = "\ue000"  # private-use character standing for <br> until text is cleaned
_BR = re.compile(r"<br\s*/?\s*>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")  # Unicode whitespace: NBSP and U+3000 included; BREAK is not
_NEEDS_SPACING = re.compile(r"\s\s|[^\S ]")  # two spaces, or any space other than " "
# Zero-width characters, and control characters (a registry's text must never drive the
# terminal it is printed on): dropped.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\ufeff]")

FieldValue = str | list | dict


@dataclass(frozen=True)
class RawField:
    """One labelled value as the page shows it, in page order."""

    section: str
    label: str
    value: FieldValue
    label_en: str = ""
    label_ja: str = ""
    key: str = ""  # the key in the record's fields, where the label alone is not it

    @property
    def field_key(self) -> str:
        return self.key or self.label_en or self.label


@dataclass
class ParsedPage:
    """What a registry parser extracts from one page, before normalization."""

    registry: str
    language: str
    summary: dict[str, str] = field(default_factory=dict)
    fields: list[RawField] = field(default_factory=list)

    def first(self, label_en: str) -> FieldValue | None:
        """The first value whose English label is ``label_en``, or None if absent."""
        for raw in self.fields:
            if raw.label_en == label_en:
                return raw.value
        return None

    def has(self, label_en: str) -> bool:
        return any(raw.label_en == label_en for raw in self.fields)

    def as_mapping(self) -> dict[str, dict[str, FieldValue]]:
        """``{section: {label: value}}`` in page order; a repeated label keeps every value
        as a list, so that nothing the page shows is lost to a later duplicate."""
        sections: dict[str, dict[str, FieldValue]] = {}
        repeated: set[tuple[str, str]] = set()
        for raw in self.fields:
            section = sections.setdefault(raw.section, {})
            key = raw.field_key
            if key not in section:
                section[key] = raw.value
            elif (raw.section, key) in repeated:
                section[key].append(raw.value)  # type: ignore[union-attr]
            else:
                section[key] = [section[key], raw.value]
                repeated.add((raw.section, key))
        return sections


def load_html(text: str) -> LexborHTMLParser:
    """Parse decoded HTML, with every ``<br>`` turned into :data:`BREAK` first."""
    return LexborHTMLParser(_BR.sub(BREAK, text))


def clean_text(text: str) -> str:
    """Collapse whitespace, keep ``<br>`` line breaks, drop invisible characters.

    Non-breaking and ideographic spaces count as spaces; runs of blank lines shrink to
    one; every line is stripped. The result is what gets stored and compared.
    """
    if text.isprintable():  # no control, zero-width or special spaces, no newline, no BREAK
        return text.strip() if "  " not in text else _SPACES.sub(" ", text).strip()
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    if BREAK not in text:
        if _NEEDS_SPACING.search(text) is None:  # most labels and short values
            return text.strip()
        return _SPACES.sub(" ", text).strip()
    text = _SPACES.sub(" ", text)
    out: list[str] = []
    for line in text.split(BREAK):
        line = line.strip()
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def node_text(node: LexborNode) -> str:
    return clean_text(node.text(deep=True, separator="", strip=False))


def iter_rows(table: LexborNode) -> list[LexborNode]:
    """A table's own rows, in order (lexbor wraps them in an inserted <tbody>), found by
    walking children: cheaper than a CSS query, and never a nested table's rows."""
    rows = []
    for part in table.iter():
        if part.tag in ("tbody", "thead", "tfoot"):
            rows += [row for row in part.iter() if row.tag == "tr"]
        elif part.tag == "tr":
            rows.append(part)
    return rows


def row_cells(row: LexborNode, tags: tuple[str, ...] = ("td", "th")) -> list[LexborNode]:
    return [cell for cell in row.iter() if cell.tag in tags]


def table_rows(table: LexborNode) -> list[list[str]]:
    """Cell texts of a table, row by row, with empty rows dropped."""
    rows = []
    for row in iter_rows(table):
        cells = [node_text(cell) for cell in row_cells(row)]
        if any(cells):
            rows.append(cells)
    return rows


@functools.lru_cache(maxsize=8192)  # the same few hundred labels on every page
def label_key(text: str) -> str:
    """A label as matched: NFKC-normalized, case-folded, with every space removed."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).casefold()
