"""The usual approach, as a user would write it: BeautifulSoup + lxml, walking the same
page structure to extract the same fields. The benchmark's yardstick, not product code."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup


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


def parse_umin(html: str) -> dict:
    soup = BeautifulSoup(html, "lxml")
    summary = {}
    table = soup.find("table", class_="explain_table")
    for row in table.find_all("tr"):
        th, td = row.find("th"), row.find("td")
        if th and td:
            summary[th.get_text(strip=True)] = td.get_text(strip=True)
    fields: dict[str, dict] = {}
    section = ""
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


def parse_jrct(html: str) -> dict:
    soup = BeautifulSoup(html, "lxml")
    header = {}
    caption = soup.find("div", class_=["jr-caption", "caption"])
    for row in caption.find("table").find_all("tr"):
        th, td = row.find("th"), row.find("td")
        if th and td:
            header[re.sub(r"\s+", "", th.get_text())] = td.get_text(strip=True)
    fields: dict[str, dict] = {}
    section = ""
    for node in soup.find_all(["h2", "table"]):
        if node.name == "h2":
            section = node.get_text(strip=True)
            continue
        if caption in node.parents:
            continue
        for row in node.find_all("tr"):
            ths, tds = row.find_all("th"), row.find_all("td")
            if ths and tds:
                label = re.sub(r"\s+", "", ths[-1].get_text())
                values = [_text(td) for td in tds]
                fields.setdefault(section, {})[label] = values
    return {"trial_id": header.get("jRCT番号") or header.get("臨床研究実施計画番号"),
            "status_raw": header.get("進捗状況"), "last_published": header.get("最終公表日"),
            "fields": fields}
