"""``ctr-monitor``: a thin click shell over the library.

Every command accepts a trial in any form (UMIN…, R…, a page URL). Any MonitorError
ends the command with ``error: <one line>`` on stderr and a non-zero exit.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from monitor import __version__
from monitor.cli import render
from monitor.cli.app import App
from monitor.diff.changes import diff_versions
from monitor.errors import InputError, MonitorError
from monitor.fetch.cassette import RecordingTransport
from monitor.fetch.client import Fetcher
from monitor.fetch.decode import decode_html
from monitor.pipeline import CheckOutcome
from monitor.registries import REGISTRY_TYPES, build_registries

FORMATS = click.Choice(["text", "json"])


class MonitorGroup(click.Group):
    """Turns errors a user can cause into one line and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MonitorError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:  # a bug: say so in one line unless --debug
            if ctx.obj is not None and ctx.obj.get("debug"):
                traceback.print_exc()
            click.echo(f"internal error: {type(error).__name__}: {error} "
                       "(rerun with --debug for details, and please report it)", err=True)
            ctx.exit(70)
        finally:
            app = (ctx.obj or {}).get("app")
            if app is not None:
                app.close()


@click.group(cls=MonitorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Config file (default: ./config.toml).")
@click.option("--record", "record_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write every registry response to this cassette directory.")
@click.option("--replay", "replay_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Answer every request from this cassette directory instead of the network.")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv: debug).")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.version_option(__version__, prog_name="ctr-monitor")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, record_dir: Path | None,
        replay_dir: Path | None, verbose: int, debug: bool) -> None:
    """Watch clinical-trial registries (UMIN-CTR) and report what changed."""
    if record_dir and replay_dir:
        raise click.UsageError("--record and --replay cannot be used together")
    level = {0: logging.ERROR, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.obj = {"app": App(config_path, record_dir, replay_dir), "debug": debug}


def _app(ctx: click.Context) -> App:
    return ctx.obj["app"]


@cli.command()
@click.argument("ids", nargs=-1, required=True)
@click.pass_context
def add(ctx: click.Context, ids: tuple[str, ...]) -> None:
    """Watch trials: UMIN000041461, R000047329 or a view-page URL."""
    app = _app(ctx)
    refs = [(text, app.parse_ref(text)) for text in ids]  # all valid before any is added
    for text, ref in refs:
        row, added = app.store.watch(ref, source="cli", typed=text)
        click.echo(f"{'watching' if added else 'already watching'} {row.label}")


@cli.command()
@click.argument("trial")
@click.pass_context
def remove(ctx: click.Context, trial: str) -> None:
    """Stop watching a trial (its history is kept)."""
    app = _app(ctx)
    row = app.find(trial)
    if app.is_config_watch(row):
        raise InputError(f"{row.label} is listed under [[watch]] in {app.config.path}: "
                         "delete it there to stop watching it")
    if not row.watched:
        click.echo(f"{row.label} was not being watched")
        return
    app.store.unwatch(row)
    click.echo(f"stopped watching {row.label} (history kept)")


@cli.command(name="list")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
def list_trials(ctx: click.Context, fmt: str) -> None:
    """Watched trials with their latest status and check health."""
    app = _app(ctx)
    rows = [(row, len(app.store.versions(row.id))) for row in app.store.trials()]
    if fmt == "json":
        click.echo(render.to_json([{
            "registry": r.registry, "trial_id": r.trial_id, "receipt_number": r.receipt_number,
            "title": r.title, "status": r.status, "date_last_modified": r.date_last_modified,
            "versions": n, "last_checked_at": r.last_checked_at,
            "last_success_at": r.last_success_at,
            "consecutive_failures": r.consecutive_failures, "last_error": r.last_error,
        } for r, n in rows]))
        return
    if not rows:
        click.echo("no trials watched: add one with `ctr-monitor add UMIN000041461`, "
                   "or list it under [[watch]] in the config")
        return
    render.trials_table(render.console(), rows)


@cli.command()
@click.argument("ids", nargs=-1)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
def check(ctx: click.Context, ids: tuple[str, ...], fmt: str) -> None:
    """Check watched trials once now (all of them, or the ones named)."""
    app = _app(ctx)
    rows = [app.find(text) for text in ids] if ids else app.store.trials()
    if not rows:
        raise InputError("no trials watched: add one with `ctr-monitor add UMIN000041461`, "
                         "or list it under [[watch]] in the config")
    outcomes: list[CheckOutcome] = []
    show_progress = fmt == "text" and sys.stderr.isatty() and len(rows) > 1
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        console=Console(stderr=True), transient=True, disable=not show_progress)

    def emit(text: str) -> None:
        if show_progress:  # print above the bar, never as markup
            progress.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            click.echo(text)

    with progress:
        task = progress.add_task("checking", total=len(rows))
        for row in rows:
            progress.update(task, description=f"checking {row.label}")
            results = app.checker.check(row, app.languages_for(row))
            outcomes += results
            for outcome in results if fmt == "text" else ():
                emit(render.outcome_line(outcome))
                if outcome.outcome == "changed":
                    emit(render.changes_text(outcome.changes, indent="    "))
            progress.advance(task)
    if fmt == "json":
        click.echo(render.to_json([outcome.to_dict() for outcome in outcomes]))
    failed = [o for o in outcomes if o.failed]
    if failed:
        ctx.exit(1)


@cli.command()
@click.argument("trial")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
def history(ctx: click.Context, trial: str, fmt: str) -> None:
    """Every stored version of a trial, with what changed in each."""
    app = _app(ctx)
    row = app.find(trial)
    versions = app.store.versions(row.id)
    changes = {v.id: app.store.changes(v.id) for v in versions}
    if fmt == "json":
        click.echo(render.to_json(render.history_json(versions, changes)))
        return
    if not versions:
        click.echo(f"{row.label}: no versions yet; run `ctr-monitor check {trial}`")
        return
    render.history_table(render.console(), f"{row.label} — {row.title or ''}", versions,
                         changes)


@cli.command()
@click.argument("trial")
@click.option("--from", "from_version", type=int, help="Older version number.")
@click.option("--to", "to_version", type=int, help="Newer version number (default: latest).")
@click.option("--language", type=click.Choice(["en", "ja"]), help="Which page's versions.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True)
@click.pass_context
def diff(ctx: click.Context, trial: str, from_version: int | None, to_version: int | None,
         language: str | None, fmt: str) -> None:
    """What changed between two versions (default: the last change)."""
    app = _app(ctx)
    row = app.find(trial)
    languages = app.store.languages(row.id)
    if not languages:
        raise InputError(f"{row.label} has no stored versions yet: run "
                         f"`ctr-monitor check {trial}` first")
    if language is None:
        configured = app.registries[row.registry].languages
        language = next((lang for lang in configured if lang in languages), languages[0])
    elif language not in languages:
        raise InputError(f"{row.label} has no {language} versions; it has: "
                         + ", ".join(languages))
    latest = app.store.latest_version(row.id, language)
    assert latest is not None
    to_number = to_version or latest.number
    from_number = from_version or max(to_number - 1, 1)
    for number in (from_number, to_number):
        if not 1 <= number <= latest.number:
            raise InputError(f"{row.label} [{language}] has versions 1 to {latest.number}, "
                             f"not {number}")
    older = app.store.version(row.id, language, from_number)
    newer = app.store.version(row.id, language, to_number)
    assert older is not None and newer is not None
    registry = app.registries[row.registry]
    changes = [] if older.id == newer.id else diff_versions(
        older.record, newer.record,
        rules=[*app.config.severity_rules, *registry.severity_rules()],
        canonical_sources=registry.canonical_sources())
    title = (f"{row.label} ({registry.title}, {language}): version {from_number} → "
             f"{to_number}, seen {newer.seen_at[:16].replace('T', ' ')} UTC")
    if fmt == "json":
        click.echo(render.to_json([change.to_dict() for change in changes]))
    elif fmt == "markdown":
        click.echo(render.changes_markdown(title, changes))
    else:
        click.echo(title)
        if latest.number == 1 and from_version is None:
            click.echo("  only one version so far: nothing to compare yet")
        else:
            click.echo(render.changes_text(changes))


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--registry", "registry_name", type=click.Choice(sorted(REGISTRY_TYPES)),
              required=True)
@click.option("--language", type=click.Choice(["en", "ja"]),
              help="The page's language (default: detected).")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
def parse(file: Path, registry_name: str, language: str | None, fmt: str) -> None:
    """Parse a saved registry page offline and print its canonical record."""
    try:
        content = file.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read {file}: {error.strerror or error}") from None
    registry = build_registries()[registry_name]
    text = decode_html(content, None, str(file))
    record = registry.normalize(registry.parse_page(text, language), file.resolve().as_uri())
    data = record.to_dict()
    click.echo(render.to_json(data) if fmt == "json" else render.record_text(data))


@cli.command()
@click.argument("ids", nargs=-1, required=True)
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              required=True, help="Cassette directory to write (created if missing).")
@click.option("--language", "languages", type=click.Choice(["en", "ja"]), multiple=True,
              help="Pages to record (default: en and ja).")
@click.pass_context
def record(ctx: click.Context, ids: tuple[str, ...], out_dir: Path,
           languages: tuple[str, ...]) -> None:
    """Record fresh cassettes from the live registries (needs network access).

    Writes each response (ID lookups and view pages) to OUT as cassette.json plus one
    body file per response; tests and --replay read that directory.
    """
    app = _app(ctx)
    refs = [app.parse_ref(text) for text in ids]
    registries = app.registries
    with Fetcher(app.config.http, transport=RecordingTransport(out_dir)) as fetcher:
        for ref in refs:
            registry = registries[ref.registry]
            resolved = registry.resolve(ref, lambda url: fetcher.get_html(url).text)
            for language in languages or ("en", "ja"):
                url = registry.page_url(resolved, language)
                page = fetcher.get_html(url)
                registry.normalize(registry.parse_page(page.text, language), url)
                click.echo(f"recorded {resolved.label} [{language}] {url}")
    click.echo(f"cassette written to {out_dir}")


def main() -> None:
    cli(prog_name="ctr-monitor")


__all__ = ["cli", "main", "build_registries"]
