"""Refuse markup built to make the HTML parser blow up, before it is parsed.

A byte cap alone cannot bound what parsing costs. HTML's error recovery re-creates
every still-open formatting element (``<b>``, ``<font>``…) at each new block, so 64 KB
of unclosed ``<b x=1><b x=2>…`` followed by ``<div>x</div>…`` makes lexbor build
millions of nodes (3.3 GB measured); and each block start tag scans the stack of open
elements, so 1 MB of nested ``<div>`` takes minutes. Registry pages do neither. One
linear pass over the tags estimates both costs, imitating just enough of the HTML
tree builder (the three-copies limit on identical formatting elements, table cells
clearing the formatting opened inside them, elements that close implicitly) to stay
far below the limits on real pages, and refuses a page beyond them as ``malformed``:
a recorded failure, never a parser running out of memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from monitor.errors import FetchError

MAX_TAGS = 150_000  # a 300 KB registry page has about 10,000
MAX_DEPTH = 512  # nested elements that only an end tag closes; real pages: under 30
MAX_TABLE_DEPTH = 16  # tables inside tables; real pages: 2 or 3
# Bytes the parser may spend re-creating formatting elements, each estimated as a node
# (~400 bytes in lexbor, measured) plus its attributes, which every copy repeats.
MAX_CLONE_BYTES = 40 << 20  # real pages: under 1 KB
NODE_BYTES = 400

_SKIPPED = re.compile(r"<!--.*?(?:-->|\Z)|<(script|style|textarea|title)\b[^>]*>.*?(?:</\1\s*>|\Z)",
                      re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^>]*)>")
_FORMATTING = frozenset({"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small",
                         "strike", "strong", "tt", "u"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link",
                   "meta", "param", "source", "track", "wbr", "basefont", "bgsound", "frame",
                   "image"})
# Closed implicitly by their siblings or parents: they never nest deep by themselves.
_IMPLIED = frozenset({"html", "head", "body", "p", "li", "dt", "dd", "option", "optgroup", "tr",
                      "td", "th", "tbody", "thead", "tfoot", "caption", "colgroup", "rb", "rt",
                      "rp", "rtc"})
_CELLS = frozenset({"td", "th", "caption"})
_ROW_BOUNDARIES = frozenset({"tr", "tbody", "thead", "tfoot"})


@dataclass
class _Formatting:
    """The formatting elements opened since the last table-cell marker."""

    table_depth: int
    open: dict[str, list[str]] = field(default_factory=dict)  # name -> keys, innermost last
    copies: dict[str, int] = field(default_factory=dict)  # key -> open elements with it
    weight: int = 0  # bytes of one copy of them all, at most three per key (the parser's
    # own limit on identical formatting elements)


@dataclass
class MarkupCost:
    tags: int = 0
    depth: int = 0
    table_depth: int = 0
    clone_bytes: int = 0


def markup_cost(text: str) -> MarkupCost:
    """Tags, deepest nesting, deepest table nesting, and the memory the parser would
    spend re-creating formatting elements, estimated generously in one pass."""
    cost = MarkupCost()
    stack: list[str] = []
    open_names: dict[str, int] = {}
    tables = 0
    layers = [_Formatting(0)]
    active = 0  # bytes the parser would spend re-creating formatting at the next block
    for match in _TAG.finditer(_SKIPPED.sub("", text)):
        closing, name = match.group(1), match.group(2).lower()
        cost.tags += 1
        if cost.tags > MAX_TAGS:
            break
        if name in _FORMATTING:
            layer = layers[-1]
            if closing:
                keys = layer.open.get(name)
                if keys:
                    key = keys.pop()
                    layer.copies[key] -= 1
                    if layer.copies[key] < 3:
                        layer.weight -= NODE_BYTES + len(key)
                        active -= NODE_BYTES + len(key)
            else:
                key = f"{name} {' '.join(match.group(3).split())}"
                layer.open.setdefault(name, []).append(key)
                layer.copies[key] = layer.copies.get(key, 0) + 1
                if layer.copies[key] <= 3:
                    layer.weight += NODE_BYTES + len(key)
                    active += NODE_BYTES + len(key)
        else:
            cost.clone_bytes += active
            if name in _CELLS or name in _ROW_BOUNDARIES:
                while len(layers) > 1 and layers[-1].table_depth >= tables:
                    active -= layers.pop().weight
                if name in _CELLS and not closing:
                    layers.append(_Formatting(tables))
            elif name == "table":
                if closing:
                    while len(layers) > 1 and layers[-1].table_depth >= tables:
                        active -= layers.pop().weight
                tables = max(0, tables + (-1 if closing else 1))
                cost.table_depth = max(cost.table_depth, tables)
        if name in _VOID or name in _IMPLIED or match.group(3).endswith("/"):
            continue
        if not closing:
            stack.append(name)
            open_names[name] = open_names.get(name, 0) + 1
            cost.depth = max(cost.depth, len(stack))
        elif open_names.get(name):
            while stack:  # an end tag closes everything opened inside its element
                popped = stack.pop()
                open_names[popped] -= 1
                if popped == name:
                    break
    return cost


def check_markup(text: str, url: str) -> MarkupCost:
    """The page's markup cost; FetchError ``malformed`` if parsing it could exhaust
    memory or time."""
    cost = markup_cost(text)
    problem = None
    if cost.tags > MAX_TAGS:
        problem = f"more than {MAX_TAGS:,} tags"
    elif cost.depth > MAX_DEPTH:
        problem = f"elements nested {cost.depth} deep (limit {MAX_DEPTH})"
    elif cost.table_depth > MAX_TABLE_DEPTH:
        problem = f"tables nested {cost.table_depth} deep (limit {MAX_TABLE_DEPTH})"
    elif cost.clone_bytes > MAX_CLONE_BYTES:
        problem = (f"unclosed formatting tags the parser would copy into about "
                   f"{cost.clone_bytes >> 20:,} MB (limit {MAX_CLONE_BYTES >> 20} MB)")
    if problem is not None:
        raise FetchError(f"{url}: markup too malformed to parse safely ({problem})",
                         reason="malformed")
    return cost
