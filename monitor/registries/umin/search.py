"""UMIN-CTR's search page: the receipt number (page key) of a UMIN ID."""

from __future__ import annotations

from monitor.parse.html import load_html, node_text
from monitor.registries.umin.labels import RECEIPT_NUMBER


def parse_search_page(text: str, trial_id: str) -> str | None:
    """The receipt number in the search result row of ``trial_id``, or None.

    The Detail link of each result carries ``ctr_view.cgi?recptno=R…``; the row is
    matched by the UMIN ID it shows, so a search that returns neighbours is safe.
    """
    tree = load_html(text)
    lone: set[str] = set()
    for row in tree.css("tr"):
        links = [a.attributes.get("href") or "" for a in row.css("a")]
        receipts = {m.group().upper() for href in links if "ctr_view" in href
                    for m in [RECEIPT_NUMBER.search(href)] if m}
        if not receipts:
            continue
        lone |= receipts
        if trial_id.upper() in node_text(row).upper() and len(receipts) == 1:
            return receipts.pop()
    return lone.pop() if len(lone) == 1 else None

