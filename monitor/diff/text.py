"""Readable differences between two versions of a long text value.

An eligibility field of nine lines in which one line changed should read as that line,
old and new, with a line around it; a 6,000-word field with a few edits should show
the edited words, at once. Both come from diff-match-patch (Myers' algorithm with
semantic clean-up) run over *tokens* rather than characters: words and spaces for
English, single kanji and kana and katakana words for Japanese, which has no spaces.
Runs of tokens become one changed passage where only a space or a particle stood
between them, so the reader sees phrases, not confetti.

Registry text is untrusted: every function that returns HTML escapes all of it, and
``markdown_escape`` makes it inert in Markdown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from diff_match_patch import diff_match_patch

from monitor.normalize.vocabulary import phrase

LineKind = Literal["same", "removed", "added", "skipped"]

_DELETE, _EQUAL, _INSERT = -1, 0, 1
# Past this, diff-match-patch stops refining and returns a coarser but still exact diff:
# it bounds a wholesale rewrite of a long field (edits here and there take ~30 ms).
_TIMEOUT_S = 0.5

# One token per kanji or hiragana (Japanese has no spaces: the clean-up regroups them),
# katakana words, numbers with their decimal or thousands separators (3.5, 50,000), words
# of other letters and digits, line breaks, runs of other spaces, any other character.
_CJK = "\u3005\u3006\u3040-\u309f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_KATAKANA = "\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
_TOKEN = re.compile(
    rf"[{_CJK}]|[{_KATAKANA}]+|\d+(?:[.,]\d+)+|(?:(?![{_CJK}{_KATAKANA}])\w)+|\n|[^\S\n]+|.",
    re.DOTALL,
)
# Tokens are diffed as characters of the Supplementary Private Use Area-A/B: one code
# point per distinct token, never a character the text itself could hold.
_FIRST_CODE = 0xF0000
_MAX_TOKENS = 0x10FFFF - _FIRST_CODE


@dataclass(frozen=True)
class DiffLine:
    """One line of a line diff.

    ``skipped`` lines stand for ``count`` unchanged lines left out. A removed line and
    the added line that replaced it carry ``parts``: the line cut into
    ``(changed, text)`` pieces, so a renderer can mark the words that changed.
    Line numbers are 1-based, in the old text (same, removed) and the new (same, added).
    """

    kind: LineKind
    text: str = ""
    old_number: int | None = None
    new_number: int | None = None
    count: int = 0
    parts: tuple[tuple[bool, str], ...] = ()

    @property
    def marker(self) -> str:
        return {"same": " ", "removed": "-", "added": "+", "skipped": " "}[self.kind]


# --- tokens -----------------------------------------------------------------------------


def _diff(old: str, new: str) -> list[tuple[int, str]]:
    """``(op, text)`` pieces turning ``old`` into ``new``, op -1/0/1, cleaned up to
    readable word groups."""
    vocabulary: list[str] = []
    codes: dict[str, str] = {}
    encoded = []
    for text in (old, new):
        chars = []
        for token in _TOKEN.findall(text):
            code = codes.get(token)
            if code is None:
                if len(vocabulary) >= _MAX_TOKENS:
                    return _char_diff(old, new)
                code = codes[token] = chr(_FIRST_CODE + len(vocabulary))
                vocabulary.append(token)
            chars.append(code)
        encoded.append("".join(chars))
    engine = diff_match_patch()
    engine.Diff_Timeout = _TIMEOUT_S
    diffs = engine.diff_main(encoded[0], encoded[1], False)
    engine.diff_cleanupSemantic(diffs)
    return [(op, "".join(vocabulary[ord(c) - _FIRST_CODE] for c in text))
            for op, text in diffs if text]


def _char_diff(old: str, new: str) -> list[tuple[int, str]]:
    engine = diff_match_patch()
    engine.Diff_Timeout = _TIMEOUT_S
    diffs = engine.diff_main(old, new, False)
    engine.diff_cleanupSemantic(diffs)
    return [(op, text) for op, text in diffs if text]


def _line_diff(old: list[str], new: list[str]) -> list[tuple[int, list[str]]]:
    """``(op, lines)`` pieces: whole lines compared as units."""
    vocabulary: list[str] = []
    codes: dict[str, str] = {}
    encoded = []
    for lines in (old, new):
        chars = []
        for line in lines:
            code = codes.get(line)
            if code is None:
                if len(vocabulary) >= _MAX_TOKENS:  # more distinct lines than codes
                    return [(_DELETE, old), (_INSERT, new)]
                code = codes[line] = chr(_FIRST_CODE + len(vocabulary))
                vocabulary.append(line)
            chars.append(code)
        encoded.append("".join(chars))
    engine = diff_match_patch()
    engine.Diff_Timeout = _TIMEOUT_S
    diffs = engine.diff_main(encoded[0], encoded[1], False)
    return [(op, [vocabulary[ord(c) - _FIRST_CODE] for c in text]) for op, text in diffs]


# --- lines ------------------------------------------------------------------------------


def _split_lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n") if text else []


def line_changes(old: str, new: str, context: int = 1) -> list[DiffLine]:
    """The lines that changed, with ``context`` unchanged lines around each change and
    a ``skipped`` line for every longer run left out; [] when nothing changed.

    A removed line followed by its replacement comes as a pair (removed, then added),
    each with ``parts`` marking the changed words; a one-line value is one such pair.
    """
    if old == new:
        return []
    entries: list[DiffLine] = []
    old_number = new_number = 1
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        nonlocal old_number, new_number
        for index in range(max(len(removed), len(added))):
            pair = index < len(removed) and index < len(added)
            old_parts, new_parts = (_line_parts(removed[index], added[index]) if pair
                                    else ((), ()))
            if index < len(removed):
                entries.append(DiffLine("removed", removed[index], old_number=old_number,
                                        parts=old_parts))
                old_number += 1
            if index < len(added):
                entries.append(DiffLine("added", added[index], new_number=new_number,
                                        parts=new_parts))
                new_number += 1
        removed.clear()
        added.clear()

    for op, lines in _line_diff(_split_lines(old), _split_lines(new)):
        if op == _DELETE:
            removed.extend(lines)
        elif op == _INSERT:
            added.extend(lines)
        else:
            flush()
            for line in lines:
                entries.append(DiffLine("same", line, old_number, new_number))
                old_number += 1
                new_number += 1
    flush()
    return _with_context(entries, max(0, context))


def _line_parts(old: str, new: str) -> tuple[tuple[tuple[bool, str], ...],
                                             tuple[tuple[bool, str], ...]]:
    old_parts: list[tuple[bool, str]] = []
    new_parts: list[tuple[bool, str]] = []
    for op, text in _diff(old, new):
        if op != _INSERT:
            old_parts.append((op == _DELETE, text))
        if op != _DELETE:
            new_parts.append((op == _INSERT, text))
    return tuple(old_parts), tuple(new_parts)


def _with_context(entries: list[DiffLine], context: int) -> list[DiffLine]:
    keep = [entry.kind != "same" for entry in entries]
    for index, entry in enumerate(entries):
        if entry.kind != "same":
            for near in range(max(0, index - context), min(len(entries), index + context + 1)):
                keep[near] = True
    out: list[DiffLine] = []
    run: list[DiffLine] = []
    for entry, kept in zip(entries, keep, strict=True):
        if kept:
            out += _collapse(run)
            run = []
            out.append(entry)
        else:
            run.append(entry)
    return out + _collapse(run)


def _collapse(run: list[DiffLine]) -> list[DiffLine]:
    """A run of unchanged lines left out as one "…" line; a single line is shown, as
    it takes no more room than the "…" would."""
    if len(run) <= 1:
        return run
    return [DiffLine("skipped", old_number=run[0].old_number, new_number=run[0].new_number,
                     count=len(run))]


def format_text(lines: Sequence[DiffLine], lang: str = "en") -> str:
    """Diff lines as plain text: ``-``/``+``/space markers, "…" for what is skipped."""
    return "\n".join(_plain_line(line, lang) for line in lines)


def format_markdown(lines: Sequence[DiffLine], lang: str = "en") -> str:
    """Diff lines as a fenced ``diff`` block (red and green where Markdown is rendered).

    Inside a fence nothing is Markdown, so the text needs no escaping; the fence is
    longer than any run of backticks in the text, so the text cannot close it."""
    body = format_text(lines, lang)
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}diff\n{body}\n{fence}"


def _plain_line(line: DiffLine, lang: str) -> str:
    if line.kind == "skipped":
        return f"  … {phrase('unchanged_lines', lang, count=line.count)}"
    return f"{line.marker} {line.text}"


# --- HTML -------------------------------------------------------------------------------


def _html(text: str) -> str:
    """Registry text as HTML: everything escaped, line breaks as <br>."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return html.escape(text, quote=True).replace("\n", "<br>")


def html_word_diff(old: str, new: str) -> tuple[str, str]:
    """Old and new as escaped HTML, the changed words in ``<del>`` (old) and ``<ins>``
    (new)."""
    return _sides(_diff(old, new))


def _sides(diffs: list[tuple[int, str]]) -> tuple[str, str]:
    left: list[str] = []
    right: list[str] = []
    for op, text in diffs:
        escaped = _html(text)
        if op == _EQUAL:
            left.append(escaped)
            right.append(escaped)
        elif op == _DELETE:
            left.append(f"<del>{escaped}</del>")
        else:
            right.append(f"<ins>{escaped}</ins>")
    return "".join(left), "".join(right)


def html_passage(old: str, new: str, context_chars: int = 120, *, lang: str = "en") -> str:
    """The changed passage(s) of a long text as escaped HTML, deletions and insertions
    marked in place with ``context_chars`` of unchanged text around each, "…" where
    text is left out, and then, if anything was left out, the full old and new texts
    behind a ``<details>`` the reader opens on demand."""
    pieces: list[str] = []
    diffs = _diff(old, new)
    elided = False
    for index, (op, text) in enumerate(diffs):
        if op == _DELETE:
            pieces.append(f"<del>{_html(text)}</del>")
        elif op == _INSERT:
            pieces.append(f"<ins>{_html(text)}</ins>")
        else:
            shown, cut = _context(text, context_chars, first=index == 0,
                                  last=index == len(diffs) - 1)
            pieces.append(shown)
            elided = elided or cut
    passage = f'<p class="diff-passage">{"".join(pieces)}</p>'
    if not elided:
        return passage
    old_html, new_html = _sides(diffs)
    return (f'{passage}<details class="diff-full"><summary>{_html(phrase("full_text", lang))}'
            f'</summary><p class="diff-old"><strong>{_html(phrase("before", lang))}</strong>'
            f'<br>{old_html}</p><p class="diff-new"><strong>{_html(phrase("after", lang))}'
            f"</strong><br>{new_html}</p></details>")


def _context(text: str, size: int, *, first: bool, last: bool) -> tuple[str, bool]:
    """Unchanged text between changes, cut to ``size`` characters next to each change:
    (escaped HTML, whether anything was cut)."""
    if first and last:  # no change at all
        return _html(text), False
    if first:
        if len(text) <= size:
            return _html(text), False
        return "…" + _html(_start_at_break(text[-size:])), True
    if last:
        if len(text) <= size:
            return _html(text), False
        return _html(_end_at_break(text[:size])) + "…", True
    if len(text) <= 2 * size + 20:
        return _html(text), False
    return (_html(_end_at_break(text[:size])) + " … "
            + _html(_start_at_break(text[-size:])), True)


_BREAK = re.compile(r"[\s。、，．,.;；:：)）」』]")


def _end_at_break(text: str) -> str:
    """``text`` shortened to its last space or punctuation, if one is near the end, so
    that a passage does not end mid-word."""
    for index in range(len(text) - 1, max(-1, len(text) * 2 // 3 - 1), -1):
        if _BREAK.match(text, index):
            return text[: index + 1].rstrip()
    return text


def _start_at_break(text: str) -> str:
    for index in range(0, len(text) // 3):
        if _BREAK.match(text, index):
            return text[index + 1:].lstrip()
    return text


# --- Markdown ---------------------------------------------------------------------------

# Characters that make Markdown syntax anywhere in a line: escaped with a backslash where
# every common renderer honours it (CommonMark, GitHub, Python-Markdown as apprise uses
# it), as an entity otherwise.
_MD_INLINE = str.maketrans({
    "\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]",
    "|": "\\|", "~": "&#126;", "&": "&amp;", "<": "&lt;", ">": "&gt;",
})
# Syntax only at the start of a line: headings, setext underlines, list items.
_MD_LINE_START = re.compile(r"^(?:(#|\+|-)|(=)|(\d+)([.)]))")


def markdown_escape(text: str, *, line_break: str = "<br>") -> str:
    """Registry text made inert in Markdown, still readable: it can make no link, image,
    autolink, HTML tag, emphasis, code, heading, list or table break.

    Line breaks become ``line_break`` (``<br>`` keeps the text inside one table cell or
    list item; pass ``"\\n"`` for text that stands alone). Bare addresses
    (``https://…``) stay text, which some renderers (GitHub) still turn into links
    showing that same address.
    """
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.strip(" \t")  # indentation would make code
        pieces = _BARE_URL.split(line)
        # even pieces are text; odd ones addresses, which renderers that link bare
        # addresses (GitHub, linkify) would turn into links: shown as code, inert
        escaped = [piece.translate(_MD_INLINE) if index % 2 == 0 else _code_span(piece)
                   for index, piece in enumerate(pieces)]
        escaped[0] = _MD_LINE_START.sub(_escape_line_start, escaped[0])
        lines.append("".join(escaped))
    return line_break.join(lines)


_BARE_URL = re.compile(r"((?:[A-Za-z][A-Za-z0-9+.-]*://|www\.)[^\s<>`]+)")


def _code_span(text: str) -> str:
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{ticks}{text.replace('|', chr(92) + '|')}{ticks}"


def _escape_line_start(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    if match.group(2):
        return "&#61;"
    return f"{match.group(3)}\\{match.group(4)}"
