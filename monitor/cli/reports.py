"""Commands that write reports people read: report and feed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from monitor.cli.app import app_of as _app
from monitor.config import parse_duration
from monitor.errors import ConfigError, InputError
from monitor.report import atom_feed, collect_report
from monitor.report.render import report_html, report_json, report_markdown, report_text
from monitor.store import iso_time, utc_now

FORMATS = click.Choice(["text", "json"])


def _since(value: str | None, default_days: int) -> str:
    """``--since``: a date (2026-11-01) or a duration back from now (7d, 12h)."""
    if value is None:
        moment = datetime.now(UTC) - timedelta(days=default_days)
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            moment = datetime.fromisoformat(value).replace(tzinfo=UTC)
        except ValueError:
            raise InputError(f"--since {value}: not a date (use YYYY-MM-DD or 7d)") from None
    else:
        try:
            seconds = parse_duration(value, "--since")
        except ConfigError:
            raise InputError(f"--since {value}: use a date (2026-11-01) or a duration back "
                             "from now (7d, 12h)") from None
        moment = datetime.now(UTC) - timedelta(seconds=seconds)
    return iso_time(moment.timestamp())

@click.command()
@click.option("--since", help="Start of the period: a date (2026-11-01) or 7d, 12h… "
              "[default: 7d]")
@click.option("--watch", "watch_ids", multiple=True, help="Only these trials (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json", "html"]),
              default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to this file instead of standard output.")
@click.option("--all", "include_quiet", is_flag=True, help="Include trials with nothing new.")
@click.pass_context
def report(ctx: click.Context, since: str | None, watch_ids: tuple[str, ...], fmt: str,
           output: Path | None, include_quiet: bool) -> None:
    """Every change in a period, grouped by trial, most severe first, with consistency
    flags, failing checks and overdue records."""
    app = _app(ctx)
    start = _since(since, 7)
    rows = [app.find(text) for text in watch_ids] if watch_ids else app.store.trials()
    reports = collect_report(app.store, rows, since=start, today=datetime.now(UTC).date(),
                             overdue_rules=app.config.overdue, include_quiet=include_quiet)
    now = utc_now()
    text = {"text": lambda: report_text(reports, start),
            "markdown": lambda: report_markdown(reports, start),
            "json": lambda: report_json(reports, start, now),
            "html": lambda: report_html(reports, start, now)}[fmt]()
    _write(text, output)

@click.command()
@click.option("--since", help="Oldest change to include: a date or 30d… [default: 30d]")
@click.option("--limit", type=click.IntRange(1, 10_000), default=200, show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to this file (e.g. a web server's folder) instead of stdout.")
@click.pass_context
def feed(ctx: click.Context, since: str | None, limit: int, output: Path | None) -> None:
    """An Atom feed of changes, for feed readers."""
    app = _app(ctx)
    entries = app.store.changed_versions(_since(since, 30), limit)
    data = atom_feed(entries, feed_key=str(app.config.database.resolve()),
                     generated_at=utc_now())
    if output is None:
        click.echo(data.decode("utf-8"))
    else:
        _write(data.decode("utf-8"), output)

def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text)
        return
    try:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write {output}: {error.strerror or error}") from None
    click.echo(f"wrote {output}", err=True)
