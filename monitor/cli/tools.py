"""Offline and maintenance tools: parse a saved page, record cassettes, re-derive history
(reparse), check the parsers (doctor), describe the database for Datasette."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from monitor.cli import render
from monitor.cli.context import options
from monitor.cli.trials import FORMATS
from monitor.registries import REGISTRY_TYPES


@click.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--registry", "registry_name", type=click.Choice(sorted(REGISTRY_TYPES)),
              required=True)
@click.option("--language", type=click.Choice(["en", "ja"]),
              help="The page's language (default: detected).")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
def parse(file: Path, registry_name: str, language: str | None, fmt: str) -> None:
    """Parse a saved registry page offline and print its canonical record."""
    from monitor.maintenance.files import parse_file

    record = parse_file(file, registry_name, language)
    click.echo(render.to_json(record.to_dict()) if fmt == "json" else render.record_text(record))


@click.command()
@click.argument("ids", nargs=-1, required=True)
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              required=True, help="Cassette directory to write (created if missing).")
@click.option("--language", "languages", type=click.Choice(["en", "ja"]), multiple=True,
              help="Pages to record (default: every language the registry has).")
@click.pass_context
def record(ctx: click.Context, ids: tuple[str, ...], out_dir: Path,
           languages: tuple[str, ...]) -> None:
    """Record fresh cassettes from the live registries (needs network access).

    Writes each response (ID lookups and pages) to OUT as cassette.json plus one body file
    per response; tests and --replay read that directory. Each page is parsed as it is
    recorded: a page the parser cannot read is reported (and kept, for a bug report).
    """
    monitor = options(ctx).open(read_only=True)
    failed = 0
    for line, ok in monitor.record(ids, out_dir, languages):
        click.echo(line)
        failed += not ok
    click.echo(f"cassette written to {out_dir}")
    if failed:
        ctx.exit(1)


@click.command()
@click.argument("ids", nargs=-1)
@click.option("--apply", is_flag=True, help="Rewrite the stored history (never alerts).")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
def reparse(ctx: click.Context, ids: tuple[str, ...], apply: bool, fmt: str) -> None:
    """Parse every stored raw page again with the current parser and show which versions
    would read differently; --apply rewrites that history (marked as a rebuild)."""
    monitor = options(ctx).open(read_only=not apply)
    results = monitor.reparse(ids, apply=apply)
    if fmt == "json":
        click.echo(render.to_json([r.to_dict() for r in results]))
    else:
        for r in results:
            where = f"{r.trial} [{r.language}]"
            if r.error:
                click.echo(f"{where}  cannot re-parse: {r.error}")
                continue
            versions = f"{r.versions} version{'s' if r.versions != 1 else ''}"
            if not r.changed:
                click.echo(f"{where}  {versions}, all read as stored: nothing to rebuild")
                continue
            verb = "rewritten" if r.applied else "would change"
            click.echo(f"{where}  {versions}, {len(r.changed)} {verb}"
                       + ("" if r.applied else " (run with --apply)"))
            for number, changes in r.changed.items():
                click.echo(f"  version {number}:")
                click.echo(render.changes_text(changes, "en", r.registry, indent="    "))
    if any(r.error for r in results):
        ctx.exit(1)


@click.command()
@click.argument("ids", nargs=-1)
@click.option("--live", is_flag=True, help="Fetch one known trial per registry and language "
              "(default: the seed trial and its jRCT twin) and save them as a cassette.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where --live saves its cassette (default: ./doctor-<date>).")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
def doctor(ctx: click.Context, ids: tuple[str, ...], live: bool, out_dir: Path | None,
           fmt: str) -> None:
    """Check that the parsers still read the registries: which fields each page gives,
    unknown labels, pages that no longer parse. Exits 1 when a page lacks a field every
    page has."""
    monitor = options(ctx).open(read_only=True)
    if live:
        out = out_dir or Path(f"doctor-{datetime.now(UTC):%Y%m%d-%H%M%S}")
        report = monitor.doctor(ids, live=True, out=out)
    else:
        report = monitor.doctor(ids)
    if fmt == "json":
        click.echo(render.to_json(report.to_dict()))
    else:
        click.echo(render.doctor_text(report))
    if not report.ok:
        ctx.exit(1)


@click.command(name="datasette-metadata")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to this file (default: standard output).")
@click.pass_context
def datasette_metadata(ctx: click.Context, output: Path | None) -> None:
    """Datasette metadata describing every table, view and column of the database:
    `datasette ctr-monitor.db -m metadata.json`."""
    from monitor.cli.reports import write
    from monitor.maintenance.metadata import metadata

    monitor = options(ctx).open(read_only=True)
    write(render.to_json(metadata(monitor.config.database.name)), output)
