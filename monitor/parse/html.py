"""HTML → text with the registries' quirks handled once, for every registry module.

Registry pages are old, hand-written markup. Two things make naive text extraction
produce false changes: ``<br>`` glued to the neighbouring text, and source-formatting
whitespace, non-breaking and full-width spaces varying between renderings. So every
``<br>`` becomes a sentinel before parsing, all other whitespace collapses, and the
sentinel becomes the only line break.

Labels are compared as :func:`label_key` makes them (registries respell them between
layouts), and the checks every parser makes before it trusts a page live here too: that
the page ends (:func:`has_closing_tag`), and what an error page says it is
(:func:`error_page_reason`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, NamedTuple, NoReturn

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.errors import ParseError

BREAK = "\ue000"  # private-use character standing for <br> until text is cleaned
_BR = re.compile(r"<[bB][rR][\s/]*>")  # <br>, <BR>, <br/>, <br />: faster than IGNORECASE
_SPACES = re.compile(r"\s+")  # Unicode whitespace: NBSP and U+3000 included; BREAK is not
_NEEDS_SPACING = re.compile(r"\s\s|[^\S ]")  # two spaces, or any space other than " "
# Zero-width characters, and control characters (a registry's text must never drive the
# terminal it is printed on): dropped.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\ufeff]")

FieldValue = str | list | dict


class RawField(NamedTuple):
    """One labelled value as the page shows it, in page order. (A named tuple: a page
    has a hundred of them, and a frozen dataclass costs several times more to build.)"""

    section: str
    label: str
    value: FieldValue
    label_en: str = ""
    label_ja: str = ""
    key: str = ""  # the key in the record's fields, where the label alone is not it
    meaning: str = ""  # what the registry's label table says the label means; "" if unknown

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
    # Labels the page shows that the registry's label table does not know, in page order:
    # not a failure (a new field is no reason to stop watching), but worth a look.
    unknown_labels: list[str] = field(default_factory=list)
    # The canonical values the parser read while checking the page is whole, kept so
    # that normalizing does not read them twice (the registry's normalizer owns them).
    canonical: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def first(self, meaning: str) -> FieldValue | None:
        """The first value whose label means ``meaning``, or None if absent."""
        for raw in self.fields:
            if raw.meaning == meaning:
                return raw.value
        return None

    def has(self, meaning: str) -> bool:
        return any(raw.meaning == meaning for raw in self.fields)

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


def _squash(text: str) -> str:
    return _ANY_SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()


@functools.lru_cache(maxsize=8192)  # the same few hundred labels on every page
def label_key(text: str) -> str:
    """A label as matched: NFKC-normalized, case-folded, with every space removed.

    ``Target Sample Size``, ``target sample size`` and ``Target\u3000sample size`` are one
    label, as are ``一般公開日（本登録希望日）`` and ``一般公開日(本登録希望日)``: registries
    respell labels between layouts, and a respelled label must not silently read as absent.
    """
    return _squash(text)


_ANY_SPACE = re.compile(r"[\s\ue000]+")  # BREAK counts as space inside a label


def has_closing_tag(text: str) -> bool:
    """Whether the page ends with its ``</html>``: a page cut short in transit (or by a
    proxy) loses its end first, so a page without it is never read as a version."""
    return _CLOSING_HTML.search(text, max(0, len(text) - 2048)) is not None


_CLOSING_HTML = re.compile(r"</html\s*>", re.IGNORECASE)

# What block, rate-limit and maintenance pages say (label_key form): in their title or
# headings, and for the firewall's own page, anywhere in its (short) text.
_HEADING_MARKERS = {
    "maintenance": "a maintenance page",
    "メンテナンス": "a maintenance page",
    "accessdenied": "an access-denied page",
    "toomanyrequests": "a rate-limit page (\"Too many requests\")",
    "serviceunavailable": "a \"Service unavailable\" page",
}
_BLOCK_MARKERS = {
    "requestcouldnotbesatisfied": "a CloudFront error page (\"The request could not be "
                                  "satisfied\")",
    "requestblocked": "a firewall block page (\"Request blocked\")",
}


def error_page_reason(tree: LexborHTMLParser) -> str | None:
    """What kind of error page this is (firewall block, rate limit, maintenance), or None
    if it does not look like one.

    Only consulted to name the failure of a page that lacks what a registry page has:
    a real page is never judged by these words (a trial may be about maintenance therapy).
    """
    headings = " ".join(node_text(node) for node in tree.css("title, h1, h2"))
    body = tree.body
    text = _squash(headings + " " + (node_text(body)[:3000] if body is not None else ""))
    for marker, reason in _BLOCK_MARKERS.items():
        if marker in text:
            return reason
    headings_key = _squash(headings)
    for marker, reason in _HEADING_MARKERS.items():
        if marker in headings_key:
            return reason
    return None


def refuse_page(tree: LexborHTMLParser, kind: str, problem: str) -> NoReturn:
    """Raise the ParseError for a page that is not the ``kind`` of page expected: named
    as the error page it is when it says so (a block, a rate limit, maintenance), else by
    what it lacks."""
    reason = error_page_reason(tree)
    if reason:
        raise ParseError(f"not {kind} but {reason}: try again later")
    raise ParseError(f"not {kind}: {problem} (an error page, a page cut short, or the "
                     "registry changed its layout)")


def numbered(mapping: dict[str, Any], key: str) -> str:
    """``key``, or ``key #2``, ``key #3``… if ``mapping`` has it already: a summary table
    that shows a label twice keeps both values (and a parser can see they disagree)."""
    if key not in mapping:
        return key
    n = 2
    while f"{key} #{n}" in mapping:
        n += 1
    return f"{key} #{n}"


def unnumbered(key: str) -> str:
    """The label a :func:`numbered` key stands for."""
    return _NUMBERED.sub("", key)


_NUMBERED = re.compile(r" #\d+$")


def load_html(text: str) -> LexborHTMLParser:
    """Parse decoded HTML, with every ``<br>`` turned into :data:`BREAK` first."""
    return LexborHTMLParser(_BR.sub(BREAK, text))


def clean_text(text: str) -> str:
    """Collapse whitespace, keep ``<br>`` line breaks, drop invisible characters.

    Non-breaking and ideographic spaces count as spaces; runs of blank lines shrink to
    one; every line is stripped. The result is what gets stored and compared.
    (``" ".join(s.split())`` collapses the same Unicode spaces as a regex, faster.)
    """
    if text.isprintable():  # no control, zero-width or special spaces, no newline, no BREAK
        return text.strip() if "  " not in text else " ".join(text.split())
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    if BREAK not in text:
        return " ".join(text.split())
    out: list[str] = []
    for line in text.split(BREAK):
        line = " ".join(line.split())
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


def refuse_unless_whole(page: str, missing: list[str], problems: list[str],
                        contradictions: list[str]) -> None:
    """ParseError naming everything wrong with a page that is not whole (fields every
    page has are missing, or it is cut short) or contradicts itself: such a page is a
    recorded failure, never a version."""
    if missing:
        problems.insert(0, "no " + ", no ".join(missing))
    if problems:
        raise ParseError(f"{page} is incomplete, " + "; ".join(problems)
                         + " (the page was cut short, or the registry changed its layout)")
    if contradictions:
        raise ParseError(f"{page} contradicts itself: " + "; ".join(contradictions)
                         + " (the registry changed its layout, or the page is not one trial's)")
