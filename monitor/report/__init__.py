"""Reports people read: change reports (text, Markdown, JSON, HTML), an Atom feed, and
the overdue flags they show."""

from monitor.report.atom import atom_feed
from monitor.report.collect import TrialReport, collect_report
from monitor.report.overdue import OverdueRules, overdue_flags

__all__ = ["OverdueRules", "TrialReport", "atom_feed", "collect_report", "overdue_flags"]
