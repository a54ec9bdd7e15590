"""Reports people read: change reports (text, Markdown, JSON, HTML), an Atom feed, the
overdue flags they show, and the read-side views the commands render."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from monitor.lazy import lazy_exports

if TYPE_CHECKING:
    from monitor.report.atom import FeedEntry, atom_feed
    from monitor.report.collect import TrialReport, collect_report
    from monitor.report.overdue import OverdueFlag, overdue_flags

# Loaded when first used: the modules of this package that a command needs (``list``
# needs only ``views`` and ``format``) come without the others.
_MODULES = {"FeedEntry": "atom", "atom_feed": "atom", "TrialReport": "collect",
            "collect_report": "collect", "OverdueFlag": "overdue",
            "overdue_flags": "overdue"}


__getattr__ = lazy_exports(globals(), {name: f".{module}" for name, module in _MODULES.items()})


def render_report(reports: Sequence[TrialReport], fmt: str, since: str, generated_at: str,
                  lang: str = "en") -> str:
    from monitor.report.html import report_html
    from monitor.report.render import report_json, report_markdown, report_text

    if fmt == "json":
        return report_json(reports, since, generated_at)
    if fmt == "markdown":
        return report_markdown(reports, since, lang)
    if fmt == "html":
        return report_html(reports, since, generated_at, lang)
    return report_text(reports, since, lang)


__all__ = ["FeedEntry", "OverdueFlag", "TrialReport", "atom_feed", "collect_report",
           "overdue_flags", "render_report"]
