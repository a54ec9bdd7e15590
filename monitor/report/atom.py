"""An Atom 1.0 feed of changes (RFC 4287), so feed readers can follow trials.

One entry per trial and check that changed something (the language pages of one check
are one entry); entry IDs are stable tag URIs, so a reader never shows an entry twice.
The feed's ID names the database (not its path), and ``[report] feed_url`` gives the
feed its ``rel="self"``. Built with ElementTree, which escapes all text: the entry
content is HTML (escaped once more by the XML, as type="html" requires).
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from monitor import __version__
from monitor.diff.changes import Change
from monitor.normalize.vocabulary import phrase
from monitor.report.format import field_name, severity_name, trial_name, value_text

ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)


@dataclass
class FeedEntry:
    entry_id: str
    registry: str
    trial_id: str
    title: str | None
    url: str | None
    seen_at: str
    changes: list[Change]


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def atom_feed(entries: Sequence[FeedEntry], *, feed_id: str, generated_at: str,
              self_url: str | None = None, lang: str = "en",
              title: str | None = None) -> bytes:
    """``entries`` newest first."""
    title = title or phrase("feed_title", lang)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    _el(feed, "id", f"urn:uuid:{feed_id}")
    _el(feed, "title", title)
    _el(feed, "updated", entries[0].seen_at if entries else generated_at)
    if self_url:
        _el(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    author = _el(feed, "author")
    _el(author, "name", "ctr-monitor")
    _el(feed, "generator", "ctr-monitor", version=__version__)
    for entry in entries:
        item = _el(feed, "entry")
        _el(item, "id", entry.entry_id)
        headline = trial_name(entry.trial_id, entry.registry, lang)
        if entry.changes:
            top = entry.changes[0]
            more = len(entry.changes) - 1
            old = " ".join(value_text(top.field, top.old, lang, entry.registry).split())[:60]
            new = " ".join(value_text(top.field, top.new, lang, entry.registry).split())[:60]
            headline += (f": {field_name(top.field, lang, entry.registry)} {old} → {new}"
                         + (f" (+{more})" if more else ""))
        _el(item, "title", headline)
        _el(item, "updated", entry.seen_at)
        if entry.url and entry.url.startswith(("https://", "http://")):
            _el(item, "link", rel="alternate", href=entry.url)
        _el(item, "content", _content_html(entry, lang), type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _content_html(entry: FeedEntry, lang: str) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(severity_name(c.severity, lang))}</td>"
        f"<td>{e(field_name(c.field, lang, entry.registry))}</td>"
        f"<td>{e(value_text(c.field, c.old, lang, entry.registry))}</td>"
        f"<td>{e(value_text(c.field, c.new, lang, entry.registry))}</td></tr>"
        for c in entry.changes)
    title = f"<p>{e(entry.title)}</p>" if entry.title else ""
    return f"{title}<table>{rows}</table>"
