"""An Atom 1.0 feed of changes (RFC 4287), so feed readers can follow trials.

One entry per stored version that changed something; entry IDs are stable tag URIs, so
a reader never shows an entry twice. Built with ElementTree, which escapes all text:
the entry content is HTML (escaped once more by the XML, as type="html" requires).
"""

from __future__ import annotations

import hashlib
import html
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from monitor import __version__
from monitor.report.render import plain, short

ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def atom_feed(entries: Sequence[dict[str, Any]], *, feed_key: str, generated_at: str,
              title: str = "ctr-monitor: clinical trial changes") -> bytes:
    """``entries``: dicts with registry, trial_id, title, url, language, version,
    seen_at and changes (field/old/new/severity dicts), newest first."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    digest = hashlib.sha256(feed_key.encode()).hexdigest()[:16]
    _el(feed, "id", f"tag:ctr-monitor.invalid,2026:feed/{digest}")
    _el(feed, "title", title)
    _el(feed, "updated", entries[0]["seen_at"] if entries else generated_at)
    author = _el(feed, "author")
    _el(author, "name", "ctr-monitor")
    _el(feed, "generator", "ctr-monitor", version=__version__)
    for entry in entries:
        item = _el(feed, "entry")
        _el(item, "id", f"tag:ctr-monitor.invalid,2026:{entry['registry']}/"
                        f"{entry['trial_id']}/{entry['language']}/v{entry['version']}")
        top = entry["changes"][0] if entry["changes"] else None
        headline = f"{entry['trial_id']} ({entry['registry']})"
        if top:
            more = len(entry["changes"]) - 1
            headline += (f": {top['field']} {short(top['old'])} → {short(top['new'])}"
                         + (f" (+{more} more)" if more else ""))
        _el(item, "title", headline)
        _el(item, "updated", entry["seen_at"])
        if entry.get("url", "").startswith(("https://", "http://")):
            _el(item, "link", rel="alternate", href=entry["url"])
        _el(item, "content", _content_html(entry), type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _content_html(entry: dict[str, Any]) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(c['severity'])}</td><td>{e(c['field'])}</td>"
        f"<td>{e(plain(c['old']))}</td><td>{e(plain(c['new']))}</td></tr>"
        for c in entry["changes"])
    title = f"<p>{e(entry['title'])}</p>" if entry.get("title") else ""
    return (f"{title}<table><tr><th>Severity</th><th>Field</th><th>Old</th><th>New</th></tr>"
            f"{rows}</table>")
