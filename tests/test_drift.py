"""Layout drift: every recorded page, changed the way a registry redesign plausibly
changes a page, must give the very same canonical values or a ParseError — never a
different value.

Each mutation says what it must give: ``same`` (the parser must see through it) or
``error`` (the page is no longer whole or contradicts itself). Each page × mutation is
its own test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import CASSETTES

from monitor.errors import ParseError
from monitor.registries import build_registries

REGISTRIES = build_registries()

PAGES = {
    "umin-en-R000047329": ("umin", "umin-R000047329-v1/view-en.html"),
    "umin-ja-R000047329": ("umin", "umin-R000047329-v1/view-ja.html"),
    "umin-en-R000020832": ("umin", "umin-R000020832/view-en.html"),
    "jrct-ja-v1": ("jrct", "jrct-jRCT2063200014-v1/latest-detail-ja.html"),
    "jrct-en-v1": ("jrct", "jrct-jRCT2063200014-v1/latest-detail-en.html"),
    "jrct-ja-v2": ("jrct", "jrct-jRCT2063200014-v2/latest-detail-ja.html"),
    "jrct-en-v2": ("jrct", "jrct-jRCT2063200014-v2/latest-detail-en.html"),
    "jrcts-ja": ("jrct", "jrct-jRCTs051180190/latest-detail-ja.html"),
}
_TEXTS = {name: (CASSETTES / path).read_text(encoding="utf-8") for name, (_, path) in PAGES.items()}


def canonical(registry: str, text: str) -> dict[str, Any]:
    """Every TrialRecord field except ``fields`` and ``url``."""
    parser = REGISTRIES[registry]
    record = parser.normalize(parser.parse_page(text), "https://example.org/page").to_dict()
    return {k: v for k, v in record.items() if k not in ("fields", "url")}


_BASELINES: dict[str, dict[str, Any]] = {}


def baseline(page: str) -> dict[str, Any]:
    if page not in _BASELINES:
        _BASELINES[page] = canonical(PAGES[page][0], _TEXTS[page])
    return _BASELINES[page]


@dataclass(frozen=True)
class Mutation:
    name: str
    expect: str  # "same" or "error"
    umin: Callable[[str, str], str] | None = None  # (text, page) -> mutated text
    jrct: Callable[[str, str], str] | None = None


def sub(pattern: str, replacement: str | Callable[[re.Match[str]], str], text: str,
        flags: int = 0, count: int = 0, at_least: int = 1) -> str:
    """re.sub that fails loudly when a mutation no longer matches its page."""
    result, n = re.subn(pattern, replacement, text, count=count, flags=flags)
    assert n >= at_least, f"mutation pattern {pattern!r} matched {n} times"
    return result


# --- structure ----------------------------------------------------------------------

UMIN_BLOCK = r'<div id="Input_vew_\w+">(.*?)</div>'
JRCT_SECTION = r'<h2 class="well'


def umin_wrappers(text: str, page: str) -> str:
    text = sub(UMIN_BLOCK, r'<section class="field"><div class="cell">'
               r'<div id="Input_vew_any">\1</div></div></section>', text, re.S)
    text = sub(r"(<h3>.*?</h3>)", r'<div class="label"><span>\1</span></div>', text)
    text = sub(r"(<h2>.*?</h2>)", r'<div class="heading">\1</div>', text)
    return sub(r'(<table class="explain_table">.*?</table>)',
               r'<div class="summary"><div class="inner">\1</div></div>', text, re.S)


def jrct_wrappers(text: str, page: str) -> str:
    text = sub(r"(<table\b.*?</table>)", r'<div class="table-responsive"><div>\1</div></div>',
               text, re.S)
    return sub(r"(<h2 .*?</h2>)", r'<header class="section">\1</header>', text, re.S)


def renamed_classes_ids(text: str, page: str) -> str:
    return sub(r'\b(class|id)="([^"]*)"',
               lambda m: f'{m[1]}="{m[2].lower().replace("_", "-")}-2026"', text)


def no_classes_ids(text: str, page: str) -> str:
    return sub(r'\s(?:class|id)="[^"]*"', "", text)


def no_tbody(text: str, page: str) -> str:
    return sub(r"</?tbody>", "", text)


def every_tbody(text: str, page: str) -> str:
    text = re.sub(r"</?tbody>", "", text)
    text = sub(r"(<table\b[^>]*>)", r"\1<tbody>", text)
    return sub(r"</table>", "</tbody></table>", text)


def umin_flattened(text: str, page: str) -> str:
    """No block elements: headings and values side by side."""
    return sub(UMIN_BLOCK, r"\1", text, re.S)


def umin_side_by_side_wrapped(text: str, page: str) -> str:
    """No block elements, each heading in a wrapper of its own, its value beside it."""
    text = umin_flattened(text, page)
    return sub(r"(<h3>.*?</h3>)", r'<div class="label"><span>\1</span></div>', text)


def jrct_flattened(text: str, page: str) -> str:
    return sub(r'<div class="collapse" id="area-toggle-[\d-]+">', "", text)


def minified(text: str, page: str) -> str:
    return sub(r">\s+<", "><", text)


def padded(text: str, page: str) -> str:
    text = sub(r"<(td|p)( [^>]*)?>", lambda m: m[0] + "\n      ", text)
    return sub(r"</(td|p)>", lambda m: "\n    " + m[0], text)


def doctype_added(text: str, page: str) -> str:
    """Standards mode: a <table> no longer sits inside the <p> before it."""
    return "<!DOCTYPE html>\n" + text


def doctype_removed(text: str, page: str) -> str:
    return sub(r"<!DOCTYPE html>", "", text)


def umin_reordered(text: str, page: str) -> str:
    start, end = text.index("<h2>"), text.index("<form")
    sections = re.split(r"(?=<h2>)", text[start:end])
    assert len(sections) > 10
    return text[:start] + "".join(reversed(sections)) + text[end:]


def jrct_reordered(text: str, page: str) -> str:
    start, end = text.index(JRCT_SECTION), text.index('<div class="text-center">')
    sections = re.split(f"(?={JRCT_SECTION})", text[start:end])
    assert len(sections) >= 3
    return text[:start] + "".join(reversed(sections)) + text[end:]


# --- labels -------------------------------------------------------------------------


def respaced(label: str) -> str:
    """A label as a redesign might typeset it: other case, full-width spaces, the other
    width of brackets, a line break and indentation."""
    swapped = label.translate(str.maketrans("()（）", "（）()"))
    words = swapped.split(" ")
    if re.search(r"[\u3040-\u30ff\u3400-\u9fff]", swapped[:1]):
        swapped = swapped[:1] + "\u3000" + swapped[1:]
    else:
        swapped = "\u3000 ".join(word[:1].upper() + word[1:] for word in words)
    return f"\n   {swapped}  \n"


def relabel(text: str, page: str, change: Callable[[str], str]) -> str:
    if PAGES[page][0] == "umin":
        text = sub(r"<h3>(.*?)</h3>", lambda m: f"<h3>{change(m[1])}</h3>", text)
        return sub(r"<th>(.*?)</th>", lambda m: f"<th>{change(m[1])}</th>", text)
    text = sub(r"<label>([^<]*)</label>", lambda m: f"<label>{change(m[1])}</label>", text)
    return re.sub(r"<label>([^<]*?)(\s*</th>)", lambda m: f"<label>{change(m[1])}{m[2]}",
                  text)


def labels_upper(text: str, page: str) -> str:
    return relabel(text, page, str.upper)


def labels_respaced(text: str, page: str) -> str:
    return relabel(text, page, respaced)


def umin_known_respellings(text: str, page: str) -> str:
    """The respellings seen in the issue: ``Target Sample Size``, half-width brackets."""
    text = sub(r"Target sample size</h3>", "Target Sample Size</h3>", text)
    if "一般公開日" in text:
        return sub(r"一般公開日（本登録希望日）", "一般公開日(本登録希望日)", text)
    return sub(r"Date of disclosure of the study information</th>",
               "Date of Disclosure of the Study Information</th>", text)


def umin_unknown_id_label(text: str, page: str) -> str:
    return sub(r"<th>(?:Unique ID issued by UMIN|UMIN試験ID)</th>", "<th>Trial number</th>", text)


def jrct_unknown_id_label(text: str, page: str) -> str:
    return sub(r"jRCT番号|jRCT ID|臨床研究実施計画番号", "登録番号", text)


# --- content around the fields ------------------------------------------------------


def umin_new_fields(text: str, page: str) -> str:
    bilingual = "一般公開日" in text
    label = "データ共有URL/IPD sharing URL" if bilingual else "IPD sharing URL"
    section = "データ共有" if bilingual else "Data sharing statement"
    new_section = (f'<h2>{section}</h2>\n<div id="Input_vew_any">\n<h3>{label}</h3>\n<tr>\n'
                   "<p>Shared on request</p>\n</div>\n<br />\n")
    text = sub(r"(<h2>)", new_section + r"\1", text, count=1)
    achieved = ("目標参加者数（達成）/Target sample size (achieved)" if bilingual
                else "Target sample size (achieved)")
    block = text.rindex('<div id="Input_vew', 0, text.index("Target sample size</h3>"))
    return (text[:block] + f'<div id="Input_vew_any">\n<h3>{achieved}</h3>\n<tr>\n<p>12</p>'
            "\n</div>\n" + text[block:])


def jrct_new_fields(text: str, page: str) -> str:
    row = ('<tr><th colspan="2"><label>実施予定被験者数（国内）</label> / <label>Target Sample '
           'Size (Japan)</label></th><td>12</td><td>12</td></tr>')
    text = sub(r"(<tbody>)", r"\1" + row, text, count=2)  # the header's and a section's
    new = (f'{JRCT_SECTION} well-sm">8 データ共有 / Data sharing</h2><div><table><tr><th>'
           "<label>データ共有URL</label> / <label>IPD sharing URL</label></th><td>なし</td>"
           "<td>None</td></tr></table></div>\n")
    return sub(f"({JRCT_SECTION})", new + r"\1", text, count=1)


STATUS_NOTICES = ("Recruitment status: Completed. Trials that are terminated, suspended or "
                  "no longer recruiting are kept for reference. 試験終了・募集終了・研究終了・"
                  "募集中断の試験も掲載しています。Pending / Recruiting / Complete")


def umin_boilerplate(text: str, page: str) -> str:
    text = sub(r"(</table>)", rf'\1<div class="notice"><p>{STATUS_NOTICES}</p></div>', text,
               count=1)
    text = sub(r"(<form)", r'<div class="help"><h4>Recruitment status</h4><p>Preinitiation, '
               r"Open public recruiting, Enrolling by invitation, No longer recruiting, "
               r"Completed, Suspended, Terminated</p></div>\1", text, count=1)
    legend = ('<table class="legend"><tr><th>Status legend</th><td>Completed / '
              "Terminated</td></tr></table>")
    return sub(r"(</body>)", rf"<footer>{legend}<p>{STATUS_NOTICES}</p></footer>\1", text)


def jrct_boilerplate(text: str, page: str) -> str:
    legend = ('<table class="legend"><tr><th>凡例</th><td>募集前 / 募集中 / 募集終了 / '
              "研究終了 / Pending / Recruiting / Complete</td></tr></table>")
    text = sub(r"(<table)", rf'<p class="alert">{STATUS_NOTICES}</p>{legend}\1', text, count=1)
    return sub(r"(</footer>)", rf"<p>{STATUS_NOTICES}</p>{legend}\1", text)


# --- dates --------------------------------------------------------------------------

_ERAS = {"令和": 2018, "平成": 1988}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_EN_DATE = r"([A-Z][a-z]{2})\. (\d{2}), (\d{4})"


def _gregorian(m: re.Match[str]) -> tuple[int, int, int]:
    year = 1 if m[2] == "元" else int(m[2])
    return _ERAS[m[1]] + year, int(m[3]), int(m[4])


def _month(abbreviation: str) -> int:
    return next(i for i, name in enumerate(_MONTHS, 1) if name.startswith(abbreviation))


def umin_dates(text: str, page: str) -> str:
    text = sub(r"<td>(\d{4})/(\d{2})/(\d{2}) (\d\d):(\d\d):\d\d</td>",
               r"<td>\1-\2-\3 \4:\5</td>", text)
    text = sub(r"<td>(\d{4})/(\d{2})/(\d{2})</td>", r"<td>\1年\2月\3日</td>", text)
    cell = r"<td[^>]*>{}</td>\s*"
    six = "".join(cell.format(part) for part in (r"(\d{4})", "(?:Year|年)", r"(\d{2})",
                                                 "(?:Month|月)", r"(\d{2})", "(?:Day|日)"))
    return sub(six, r"<td>\1 年 \2 月 \3 日</td>", text)


def jrct_dates(text: str, page: str) -> str:
    era = r"(令和|平成)(元|\d{1,2})年(\d{1,2})月(\d{1,2})日"
    text = re.sub(era, lambda m: "{}年{:02d}月{:02d}日".format(*_gregorian(m)), text)
    return re.sub(_EN_DATE, lambda m: f"{int(m[2])} {_MONTHS[_month(m[1]) - 1]} {m[3]}", text)


def jrct_2026_labels(text: str, page: str) -> str:
    """The English labels and date style reported from the live site in 2026, and the
    2026 Japanese secondary-ID label."""
    if 'lang="en"' in text:
        for old, new in (("jRCT ID", "Trial ID"), ("Recruitment status", "Recruitment Status"),
                         ("Date of First Enrollment", "Date of First Enrolment"),
                         ("Health Condition(s) or Problem(s) Studied",
                          "Health Condition or Problem Studied"),
                         ("Secondary ID(s)", "Secondary ID No."),
                         ("Issuing Authority", "Name of Other Registries")):
            text = sub(re.escape(f"<label>{old}</label>"), f"<label>{new}</label>", text)
        # the pages already write "Aug. 26, 2020" (like 2026's "Oct. 03, 2025"): switch
        # to 2026's other style, "April. 27, 2024", a full month name with a dot
        return sub(_EN_DATE, lambda m: f"{_MONTHS[_month(m[1]) - 1]}. {m[2]}, {m[3]}", text)
    return sub(r"<label>他の臨床研究登録機関発行の研究番号</label>",
               "<label>他の登録機関でのID番号</label> / <label>Secondary ID No.</label>", text)


# --- pages that are not whole, or contradict themselves ------------------------------

CLOUDFRONT = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">
<TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>
<H1>403 ERROR</H1><H2>The request could not be satisfied.</H2><HR noshade size="1px">
Request blocked. We can't connect to the server for this app or website at this time.
<BR clear="all"><HR noshade size="1px"><PRE>Generated by cloudfront (CloudFront)
Request ID: 8Xq1bNl7zJv9ZQ==</PRE></BODY></HTML>
"""
MAINTENANCE = ("<html><head><title>メンテナンス中</title></head><body><h1>System maintenance"
               "</h1><p>ただいまメンテナンス中です。Recruiting trials will be back soon.</p>"
               "</body></html>")


def umin_without_status(text: str, page: str) -> str:
    return sub(r'<div id="Input_vew_\w+">\s*<h3>(?:試験進捗状況/)?Recruitment status</h3>'
               r".*?</div>", "", text, re.S)


def jrct_without_status(text: str, page: str) -> str:
    return sub(r"<tr>\s*<th[^>]*>\s*<label>(?:進捗状況|Recruitment status)</label>\s*</th>"
               r"\s*<td[^>]*>[^<]*</td>\s*</tr>", "", text)


def umin_summary_row(label_en: str, label_ja: str, value: Callable[[str], str]):
    def mutate(text: str, page: str) -> str:
        label = label_ja if "UMIN試験ID" in text else label_en
        return sub(r'(<table class="explain_table">\s*<tbody>)',
                   rf"\1<tr><th>{label}</th><td>{value(page)}</td></tr>", text)
    return mutate


def jrct_section_row(label_ja: str, label_en: str, value: Callable[[str], tuple[str, str]]):
    """A row in the first section table, bilingual on the Japanese page."""
    def mutate(text: str, page: str) -> str:
        ja, en = value(page)
        if 'lang="en"' in text:
            row = f'<tr><th colspan="2"><label>{label_en}</label></th><td>{en}</td></tr>'
        else:
            row = (f'<tr><th colspan="2"><label>{label_ja}</label> / <label>{label_en}</label>'
                   f"</th><td>{ja}</td><td>{en}</td></tr>")
        start = text.index(JRCT_SECTION)
        return text[:start] + sub(r"(<tbody>)", r"\1" + row, text[start:], count=1)
    return mutate


def _other_status(page: str) -> tuple[str, str]:
    """A status the page does not have."""
    if PAGES[page][0] == "jrct":
        return ("研究終了", "Complete")
    completed = baseline(page)["status"] == "completed"
    return ("試験中断", "Suspended") if completed else ("試験終了", "Completed")


def _same_status(page: str) -> str:
    return str(baseline(page)["status_raw"])


def _jrct_same_status(page: str) -> tuple[str, str]:
    raw = _same_status(page)
    return raw, raw


def cut(percent: int) -> Callable[[str, str], str]:
    """The page cut short after ``percent`` % of its text."""
    return lambda text, page: text[:len(text) * percent // 100]


MUTATIONS = [
    Mutation("wrapper-divs", "same", umin_wrappers, jrct_wrappers),
    Mutation("renamed-classes-ids", "same", renamed_classes_ids, renamed_classes_ids),
    Mutation("no-classes-ids", "same", no_classes_ids, no_classes_ids),
    Mutation("tbody-removed", "same", no_tbody, no_tbody),
    Mutation("tbody-added", "same", every_tbody, every_tbody),
    Mutation("blocks-flattened", "same", umin_flattened, jrct_flattened),
    Mutation("labels-wrapped-side-by-side", "same", umin_side_by_side_wrapped, None),
    Mutation("minified", "same", minified, minified),
    Mutation("padded-cells", "same", padded, padded),
    Mutation("doctype-added", "same", doctype_added, None),
    Mutation("doctype-removed", "same", None, doctype_removed),
    Mutation("sections-reordered", "same", umin_reordered, jrct_reordered),
    Mutation("labels-upper-case", "same", labels_upper, labels_upper),
    Mutation("labels-respaced", "same", labels_respaced, labels_respaced),
    Mutation("labels-known-respellings", "same", umin_known_respellings, None),
    Mutation("id-label-unknown", "same", umin_unknown_id_label, jrct_unknown_id_label),
    Mutation("new-fields-and-sections", "same", umin_new_fields, jrct_new_fields),
    Mutation("boilerplate-status-words", "same", umin_boilerplate, jrct_boilerplate),
    Mutation("other-date-forms", "same", umin_dates, jrct_dates),
    Mutation("jrct-2026-labels", "same", None, jrct_2026_labels),
    Mutation("status-repeated-alike", "same",
             umin_summary_row("Recruitment status", "試験進捗状況", _same_status),
             jrct_section_row("進捗状況", "Recruitment status", _jrct_same_status)),
    Mutation("status-contradicted", "error",
             umin_summary_row("Recruitment status", "試験進捗状況",
                              lambda page: "/".join(_other_status(page))),
             jrct_section_row("進捗状況", "Recruitment status", _other_status)),
    Mutation("second-trial-id", "error",
             umin_summary_row("Unique ID issued by UMIN", "UMIN試験ID",
                              lambda page: "UMIN000099999"),
             jrct_section_row("jRCT番号", "jRCT ID",
                              lambda page: ("jRCT2063209999", "jRCT2063209999"))),
    Mutation("status-row-missing", "error", umin_without_status, jrct_without_status),
    Mutation("cloudfront-block-page", "error", lambda t, p: CLOUDFRONT, lambda t, p: CLOUDFRONT),
    Mutation("maintenance-page", "error", lambda t, p: MAINTENANCE, lambda t, p: MAINTENANCE),
    Mutation("cut-before-closing-tag", "error", lambda t, p: t[:t.rindex("</html>")],
             lambda t, p: t[:t.rindex("</html>")]),
    *(Mutation(f"truncated-{percent:02d}pct", "error", cut(percent), cut(percent))
      for percent in range(5, 100, 5)),
]

CASES = [pytest.param(page, mutation, id=f"{page}-{mutation.name}")
         for page, (registry, _) in PAGES.items() for mutation in MUTATIONS
         if getattr(mutation, registry) is not None]


@pytest.mark.parametrize("page, mutation", CASES)
def test_drift_gives_the_same_values_or_a_parse_error(page: str, mutation: Mutation) -> None:
    registry = PAGES[page][0]
    text = getattr(mutation, registry)(_TEXTS[page], page)
    assert text != _TEXTS[page]
    if mutation.expect == "error":
        with pytest.raises(ParseError):
            canonical(registry, text)
    else:
        assert canonical(registry, text) == baseline(page)


def test_the_2026_relabelling_keeps_links_conditions_dates_and_size() -> None:
    """The values the 2026 labels used to lose, checked by name (not only by equality
    with a baseline that might itself be empty)."""
    for page in ("jrct-en-v1", "jrct-en-v2"):
        values = canonical("jrct", jrct_2026_labels(_TEXTS[page], page))
        assert values["secondary_ids"] == ["UMIN000041461"]
        assert values["conditions"] == ["Decompensated liver cirrhosis"]
        assert values["date_start"] == "2020-09-01"
        assert values["date_registered"] == "2020-08-26"
        assert values["target_sample_size"] == 10
    values = canonical("jrct", jrct_2026_labels(_TEXTS["jrct-ja-v1"], "jrct-ja-v1"))
    assert values["secondary_ids"] == ["UMIN000041461"]


def test_every_baseline_is_a_full_record() -> None:
    """The drift tests compare against these: they must hold the values, not Nones."""
    for page in PAGES:
        values = baseline(page)
        assert values["trial_id"] and values["status"] != "unknown", page
        assert values["title_scientific"] and values["date_last_modified"], page
        assert values["target_sample_size"] and values["conditions"], page
