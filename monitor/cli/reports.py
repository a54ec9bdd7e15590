"""Commands that write reports people read: report and feed."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli.context import options
from monitor.cli.trials import LANG, output_language
from monitor.errors import InputError
from monitor.report import render_report
from monitor.report.period import since_time
from monitor.times import utc_now


@click.command()
@click.option("--since", help="Start of the period: a date (2026-11-01) or 7d, 12h… "
              "[default: 7d]")
@click.option("--watch", "watch_ids", multiple=True, help="Only these trials (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json", "html"]),
              default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to this file instead of standard output.")
@click.option("--all", "include_quiet", is_flag=True, help="Include trials with nothing new.")
@LANG
@click.pass_context
def report(ctx: click.Context, since: str | None, watch_ids: tuple[str, ...], fmt: str,
           output: Path | None, include_quiet: bool, lang: str | None) -> None:
    """Every change in a period, grouped by trial, most severe first, with consistency
    flags, failing checks and overdue records."""
    monitor = options(ctx).open(read_only=True)
    lang = output_language(monitor, lang)
    start = since_time(since, 7)
    reports = monitor.report(start, watch_ids, include_quiet=include_quiet)
    write(render_report(reports, fmt, start, utc_now(), lang), output)


@click.command()
@click.option("--since", help="Oldest change to include: a date or 30d… [default: 30d]")
@click.option("--limit", type=click.IntRange(1, 10_000), default=200, show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to this file (e.g. a web server's folder) instead of stdout.")
@LANG
@click.pass_context
def feed(ctx: click.Context, since: str | None, limit: int, output: Path | None,
         lang: str | None) -> None:
    """An Atom feed of changes, for feed readers."""
    monitor = options(ctx).open(read_only=True)
    data = monitor.feed(since_time(since, 30), limit, lang=output_language(monitor, lang))
    write(data.decode("utf-8"), output)


def write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text)
        return
    try:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write {output}: {error.strerror or error}") from None
    click.echo(f"wrote {output}", err=True)
