"""Yardsticks for the benchmarks, not product code.

- The usual approach, as a user would write it: BeautifulSoup + lxml, walking the page
  structure to extract the same fields as ctr-monitor (``parse_umin``, ``parse_jrct``).
- The same walk over ``lxml.html`` directly (``lxml_umin``, ``lxml_jrct``): the fastest
  straightforward peer, to show what is left once BeautifulSoup's overhead is gone.
- The tree-building floors: lexbor's and lxml's parse alone, nothing read from the tree.
- The word diff the HTML report used before ``html_word_diff`` (``old_word_diff``):
  difflib over word tokens, quadratic on long fields.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from difflib import SequenceMatcher
from typing import Any

import lxml.html  # type: ignore[import-untyped,unused-ignore]
from bs4 import BeautifulSoup
from selectolax.lexbor import LexborHTMLParser

_SPACES = re.compile(r"\s+")

# --- BeautifulSoup + lxml ------------------------------------------------------------------


def _text(node) -> str:
    for br in node.find_all("br"):
        br.replace_with("\n")
    lines = [" ".join(line.split()) for line in node.get_text().split("\n")]
    return "\n".join(line for line in lines if line)


def _own_nodes(h3) -> list:
    """The nodes after a block's <h3> up to the next block or section, looking inside the
    orphan <tr> that lxml wraps around the rest of the page."""
    own = []
    stack = list(h3.next_siblings)
    while stack:
        node = stack.pop(0)
        name = getattr(node, "name", None)
        if name in ("div", "h2"):
            break
        if name == "tr":
            stack = list(node.children) + stack
            continue
        own.append(node)
    return own


def _umin_record(summary: dict, fields: dict) -> dict:
    flat = {label: value for labels in fields.values() for label, value in labels.items()}
    status = flat.get("Recruitment status", "")
    size = re.search(r"\d+", flat.get("Target sample size", ""))
    return {
        "trial_id": summary.get("Unique ID issued by UMIN"),
        "receipt_number": summary.get("Receipt number"),
        "title_public": flat.get("Public title"),
        "title_scientific": flat.get("Scientific Title"),
        "status_raw": status,
        "date_last_modified": summary.get("Last modified on", "")[:10].replace("/", "-"),
        "target_sample_size": int(size.group()) if size else None,
        "secondary_ids": [v for k, v in flat.items() if k.startswith("Study ID_") and v],
        "fields": fields,
    }


def parse_umin(html_text: str) -> dict:
    soup = BeautifulSoup(html_text, "lxml")
    summary = {}
    table: Any = soup.find("table", class_="explain_table")
    for row in table.find_all("tr"):
        th, td = row.find("th"), row.find("td")
        if th and td:
            summary[th.get_text(strip=True)] = td.get_text(strip=True)
    fields: dict[str, dict] = {}
    section = ""
    node: Any
    for node in soup.find_all(["h2", "div"]):
        if node.name == "h2":
            section = node.get_text(strip=True)
            continue
        if not (node.get("id") or "").startswith("Input_vew"):
            continue
        h3 = node.find("h3", recursive=False)
        if h3 is None:
            continue
        # lxml nests each block inside the previous one (UMIN's orphan <tr> swallows the
        # rest of the page): the value is what follows the <h3> up to the next block.
        own = _own_nodes(h3)
        tables = [t for s in own if getattr(s, "name", None)
                  for t in ([s] if s.name == "table" else s.find_all("table"))]
        if tables:
            cells = [td.get_text(strip=True) for td in tables[0].find_all("td")]
            value = " ".join(c for c in cells if c)
        else:
            parts = [_text(s) if getattr(s, "name", None) else " ".join(str(s).split())
                     for s in own]
            value = "\n".join(p for p in parts if p)
        fields.setdefault(section, {})[h3.get_text(strip=True)] = value
    return _umin_record(summary, fields)


def _jrct_record(header: dict, fields: dict) -> dict:
    return {"trial_id": header.get("jRCT番号") or header.get("臨床研究実施計画番号"),
            "status_raw": header.get("進捗状況"), "last_published": header.get("最終公表日"),
            "fields": fields}


def parse_jrct(html_text: str) -> dict:
    soup = BeautifulSoup(html_text, "lxml")
    header = {}
    caption: Any = soup.find("div", class_=["jr-caption", "caption"])
    head: Any = caption.find("table")  # the summary; the caption itself may never close
    for row in head.find_all("tr"):
        th, td = row.find("th"), row.find("td")
        if th and td:
            header[re.sub(r"\s+", "", th.get_text())] = td.get_text(strip=True)
    fields: dict[str, dict] = {}
    section = ""
    node: Any
    for node in soup.find_all(["h2", "table"]):
        if node.name == "h2":
            section = node.get_text(strip=True)
            continue
        if node is head or head in node.parents:
            continue
        for row in node.find_all("tr"):
            ths, tds = row.find_all("th"), row.find_all("td")
            if ths and tds:
                label = re.sub(r"\s+", "", ths[-1].get_text())
                values = [_text(td) for td in tds]
                fields.setdefault(section, {})[label] = values
    return _jrct_record(header, fields)


# --- the same walk over lxml.html ----------------------------------------------------------


def _is_element(node: Any) -> bool:
    return isinstance(node, lxml.html.HtmlElement) and isinstance(node.tag, str)


def _strings(node: Any) -> Iterator[str]:
    """The text of ``node`` in document order, comments left out (as BeautifulSoup's
    get_text does), each <br> as a line break."""
    if node.tag == "br":
        yield "\n"
    elif node.text and _is_element(node):
        yield node.text
    for child in node:
        if _is_element(child):
            yield from _strings(child)
        if child.tail:
            yield child.tail


def _lxml_text(node: Any) -> str:
    lines = [" ".join(line.split()) for line in "".join(_strings(node)).split("\n")]
    return "\n".join(line for line in lines if line)


def _stripped(node: Any) -> str:
    """BeautifulSoup's ``get_text(strip=True)``: every string stripped, empty ones
    dropped, the rest joined."""
    return "".join(s.strip() for s in _strings(node) if s.strip() and s != "\n")


def _with_tails(nodes: Any) -> list[Any]:
    found = []
    for node in nodes:
        found.append(node)
        if node.tail:
            found.append(node.tail)
    return found


def _lxml_own_nodes(h3: Any) -> list[Any]:
    stack = ([h3.tail] if h3.tail else []) + _with_tails(h3.itersiblings())
    own = []
    while stack:
        node = stack.pop(0)
        name = node.tag if _is_element(node) else None
        if name in ("div", "h2"):
            break
        if name == "tr":
            stack = ([node.text] if node.text else []) + _with_tails(node) + stack
            continue
        if name is not None or isinstance(node, str):
            own.append(node)
    return own


def lxml_umin(html_text: str) -> dict:
    root = lxml.html.document_fromstring(html_text)
    summary = {}
    table = next(t for t in root.iter("table")
                 if "explain_table" in (t.get("class") or "").split())
    for row in table.iter("tr"):
        th, td = next(row.iter("th"), None), next(row.iter("td"), None)
        if th is not None and td is not None:
            summary[_stripped(th)] = _stripped(td)
    fields: dict[str, dict] = {}
    section = ""
    for node in root.iter("h2", "div"):
        if node.tag == "h2":
            section = _stripped(node)
            continue
        if not (node.get("id") or "").startswith("Input_vew"):
            continue
        h3 = next((child for child in node if child.tag == "h3"), None)
        if h3 is None:
            continue
        own = _lxml_own_nodes(h3)
        tables = [t for s in own if _is_element(s)
                  for t in ([s] if s.tag == "table" else s.iterdescendants("table"))]
        if tables:
            cells = [_stripped(td) for td in tables[0].iter("td")]
            value = " ".join(c for c in cells if c)
        else:
            parts = [_lxml_text(s) if _is_element(s) else " ".join(s.split()) for s in own]
            value = "\n".join(p for p in parts if p)
        fields.setdefault(section, {})[_stripped(h3)] = value
    return _umin_record(summary, fields)


def lxml_jrct(html_text: str) -> dict:
    root = lxml.html.document_fromstring(html_text)
    caption = next(d for d in root.iter("div")
                   if {"jr-caption", "caption"} & set((d.get("class") or "").split()))
    header = {}
    head = next(caption.iter("table"))  # the summary; the caption itself may never close
    for row in head.iter("tr"):
        th, td = next(row.iter("th"), None), next(row.iter("td"), None)
        if th is not None and td is not None:
            header[_SPACES.sub("", "".join(_strings(th)))] = _stripped(td)
    fields: dict[str, dict] = {}
    section = ""
    for node in root.iter("h2", "table"):
        if node.tag == "h2":
            section = _stripped(node)
            continue
        if node is head or any(parent is head for parent in node.iterancestors()):
            continue
        for row in node.iter("tr"):
            ths, tds = list(row.iter("th")), list(row.iter("td"))
            if ths and tds:
                label = _SPACES.sub("", "".join(_strings(ths[-1])))
                fields.setdefault(section, {})[label] = [_lxml_text(td) for td in tds]
    return _jrct_record(header, fields)


# --- tree-building floors ------------------------------------------------------------------


def lexbor_tree(html_text: str) -> object:
    return LexborHTMLParser(html_text).root


def lxml_tree(html_text: str) -> object:
    return lxml.html.document_fromstring(html_text)


# --- the report's word diff before html_word_diff ------------------------------------------

_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")


def _plain(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value or '""'
    return json.dumps(value, ensure_ascii=False)


def old_word_diff(old: Any, new: Any) -> tuple[str, str]:
    """Old and new as escaped HTML with differing words in <del>/<ins>: difflib's
    SequenceMatcher over word tokens, runs of changes joined across lone spaces."""
    a, b = _TOKENS.findall(_plain(old)), _TOKENS.findall(_plain(new))
    runs: list[list[Any]] = []  # [changed, old text, new text]
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        runs.append([op != "equal", "".join(a[i1:i2]), "".join(b[j1:j2])])
    for index in range(1, len(runs) - 1):  # a lone space between two changes
        if not runs[index][0] and not runs[index][1].strip():
            runs[index][0] = True
    merged: list[list[Any]] = []
    for changed, old_part, new_part in runs:
        if merged and merged[-1][0] == changed:
            merged[-1][1] += old_part
            merged[-1][2] += new_part
        else:
            merged.append([changed, old_part, new_part])
    left, right = [], []
    for changed, old_part, new_part in merged:
        if not changed:
            left.append(html.escape(old_part))
            right.append(html.escape(new_part))
            continue
        if old_part:
            left.append(f"<del>{html.escape(old_part)}</del>")
        if new_part:
            right.append(f"<ins>{html.escape(new_part)}</ins>")
    return "".join(left).replace("\n", "<br>"), "".join(right).replace("\n", "<br>")


# --- list and report as they read the store before the bulk reads -------------------------
# One trial at a time, each record decompressed: what `overview` and `collect_report`
# did before (commit f5f00d3), kept to be timed beside them on the same database.


def per_trial_pairs(store: Any, row: Any) -> list[tuple[Any, ...]]:
    pairs = []
    for other_id in store.links.linked(row.id):
        other = store.trials.get(other_id)
        record = store.versions.latest_record(other_id)
        pairs.append((other, store.links.compared_at(row.id, other_id),
                      store.links.open_disagreements(row.id, other_id),
                      record.url if record else None))
    return pairs


def per_trial_overview(monitor: Any, today: Any) -> list[tuple[Any, ...]]:
    from monitor.report.overdue import overdue_flags

    store = monitor.store
    watched = monitor.watched()
    counts = store.versions.counts()
    watched_ids = {row.id for row in watched}
    shown: set[int] = set()
    entries = []

    def add(row: Any, parent: Any) -> None:
        shown.add(row.id)
        registry = monitor.registries.get(row.registry)
        languages = registry.settings.languages if registry else ()
        record = store.versions.latest_record(row.id, languages) if counts.get(row.id) else None
        entries.append((row, parent, counts.get(row.id, 0), record, per_trial_pairs(store, row),
                        overdue_flags(record, today, monitor.config.overdue) if record else []))

    for row in watched:
        if row.id in shown:
            continue
        add(row, None)
        for other in store.trials.many(store.links.linked(row.id)):
            if other.id not in shown and other.id not in watched_ids:
                add(other, row)
    return entries


def per_trial_report(monitor: Any, since: str, today: Any) -> list[tuple[Any, ...]]:
    from monitor.report.collect import merged_changes
    from monitor.report.overdue import overdue_flags

    store = monitor.store
    paused = {row.host for row in store.hosts.all()}
    seen: set[int] = set()
    ordered = []
    for row in monitor.watched():
        for each in (row, *store.trials.many(store.links.linked(row.id))):
            if each.id not in seen:
                seen.add(each.id)
                ordered.append(each)
    reports = []
    for row in ordered:  # every trial read whole, then the quiet ones dropped
        registry = monitor.registries[row.registry]
        record = store.versions.latest_record(row.id, registry.settings.languages)
        japanese = store.versions.latest_record(row.id, ("ja",))
        title_ja = japanese and (japanese.title_public_ja or japanese.title_scientific_ja)
        timeline = store.versions.status_timeline(row.id)
        changes = merged_changes(monitor, store.versions.since(row.id, since))
        pairs = per_trial_pairs(store, row)
        overdue = overdue_flags(record, today, monitor.config.overdue) if record else []
        linked_to = store.trials.many(store.links.linked(row.id))
        if changes or any(pair[2] for pair in pairs) or row.consecutive_failures or overdue \
                or registry.fetch_hosts & paused:
            reports.append((row, record, title_ja, changes, timeline, pairs, overdue,
                            linked_to))
    return reports
