"""Commands about watched trials: add, remove, list, check, history, diff,
consistency, and the offline tools parse and record."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from monitor.cli import render
from monitor.cli.app import App
from monitor.cli.app import app_of as _app
from monitor.diff.changes import diff_versions
from monitor.errors import InputError
from monitor.fetch.cassette import RecordingTransport
from monitor.fetch.client import Fetcher
from monitor.fetch.decode import decode_html
from monitor.pipeline import CheckOutcome
from monitor.registries import REGISTRY_TYPES, build_registries
from monitor.reparse import reparse_trial
from monitor.report import overdue_flags

FORMATS = click.Choice(["text", "json"])


@click.command()
@click.argument("ids", nargs=-1, required=True)
@click.pass_context
def add(ctx: click.Context, ids: tuple[str, ...]) -> None:
    """Watch trials: UMIN000041461, R000047329, jRCT2063200014, or a page URL."""
    app = _app(ctx)
    refs = [(text, app.parse_ref(text)) for text in ids]  # all valid before any is added
    for text, ref in refs:
        row, added = app.store.watch(ref, source="cli", typed=text)
        click.echo(f"{'watching' if added else 'already watching'} {row.label}")

@click.command()
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

@click.command(name="list")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
def list_trials(ctx: click.Context, fmt: str) -> None:
    """Watched trials (and their linked twins) with status, health and consistency."""
    app = _app(ctx)
    entries = []
    for row in app.store.trials():
        entries.append((row, None))
        entries += [(linked, row) for linked in app.store.linked(row.id)]
    if fmt == "json":
        click.echo(render.to_json([
            {**render.trial_json(app.store, row, parent),
             "overdue": _overdue_flags(app, row)} for row, parent in entries]))
        return
    if not entries:
        click.echo("no trials watched: add one with `ctr-monitor add UMIN000041461`, "
                   "or list it under [[watch]] in the config")
        return
    render.trials_table(render.console(), app.store, entries,
                        {row.id: _overdue_flags(app, row) for row, _ in entries})

@click.command()
@click.argument("ids", nargs=-1)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
def check(ctx: click.Context, ids: tuple[str, ...], fmt: str) -> None:
    """Check watched trials once now (all of them, or the ones named), with the
    registry twins they link to."""
    app = _app(ctx)
    rows = [app.find(text) for text in ids] if ids else app.store.trials()
    if not rows:
        raise InputError("no trials watched: add one with `ctr-monitor add UMIN000041461`, "
                         "or list it under [[watch]] in the config")
    outcomes: list[CheckOutcome] = []
    show_progress = fmt == "text" and sys.stderr.isatty()
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        console=Console(stderr=True), transient=True, disable=not show_progress)

    def emit(text: str) -> None:
        if show_progress:  # print above the bar, never as markup
            progress.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            click.echo(text)

    with progress:
        task = progress.add_task("checking", total=len(rows))
        seen: set[str] = set()
        for outcome in app.checker.run(rows, languages_for=app.languages_for,
                                       follow_links=app.config.follow_links):
            outcomes.append(outcome)
            if outcome.trial not in seen and outcome.registry != "consistency":
                seen.add(outcome.trial)
                progress.update(task, total=max(len(rows), len(seen)), completed=len(seen),
                                description=f"checked {outcome.trial}")
            if fmt == "text":
                emit(render.outcome_line(outcome))
                if outcome.outcome == "changed":
                    emit(render.changes_text(outcome.changes, indent="    "))
    if fmt == "json":
        click.echo(render.to_json([outcome.to_dict() for outcome in outcomes]))
    if app.channels:
        report = app.outbox.deliver_due()
        if report.delivered or report.failed or report.dead:
            click.echo(report.summary(), err=True)
    if any(o.failed for o in outcomes):
        ctx.exit(1)

@click.command()
@click.argument("trial")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
def history(ctx: click.Context, trial: str, fmt: str) -> None:
    """Every stored version of a trial and its linked twins, with what changed."""
    app = _app(ctx)
    row = app.find(trial)
    rows = [row, *app.store.linked(row.id)]
    if fmt == "json":
        click.echo(render.to_json([item for each in rows
                                   for item in render.history_json(app.store, each)]))
        return
    if not app.store.version_count(row.id):
        click.echo(f"{row.label}: no versions yet; run `ctr-monitor check {trial}`")
    for each in rows:
        if app.store.version_count(each.id):
            registry = app.registries[each.registry]
            render.history_table(render.console(), app.store, each, registry.title)

@click.command()
@click.argument("trial")
@click.option("--from", "from_version", type=int, help="Older version number.")
@click.option("--to", "to_version", type=int, help="Newer version number (default: latest).")
@click.option("--language", type=click.Choice(["en", "ja"]), help="Which page's versions.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True)
@click.pass_context
def diff(ctx: click.Context, trial: str, from_version: int | None, to_version: int | None,
         language: str | None, fmt: str) -> None:
    """What changed between two versions (default: the last change), and the last change
    of each linked twin, each labelled by registry."""
    app = _app(ctx)
    row = app.find(trial)
    if not app.store.languages(row.id):
        raise InputError(f"{row.label} has no stored versions yet: run "
                         f"`ctr-monitor check {trial}` first")
    parts = [_diff_part(app, row, language, from_version, to_version)]
    if from_version is None and to_version is None:
        parts += [_diff_part(app, linked, None, None, None)
                  for linked in app.store.linked(row.id) if app.store.languages(linked.id)]
    if fmt == "json":
        click.echo(render.to_json([
            {**change.to_dict(), "registry": other.registry, "trial_id": other.label,
             "language": lang} for other, lang, _, changes in parts for change in changes]))
    elif fmt == "markdown":
        click.echo("\n\n".join(render.changes_markdown(title, changes)
                                for _, _, title, changes in parts))
    else:
        for other, _, title, changes in parts:
            click.echo(title)
            versions = app.store.version_count(other.id)
            if versions == 1 and from_version is None:
                click.echo("  only one version so far: nothing to compare yet")
            else:
                click.echo(render.changes_text(changes))

def _diff_part(app: App, row, language: str | None, from_version: int | None,
               to_version: int | None):
    """(trial, language, title, changes) of one trial's diff between two versions."""
    languages = app.store.languages(row.id)
    registry = app.registries[row.registry]
    if language is None:
        language = next((lang for lang in registry.languages if lang in languages),
                        languages[0])
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
    changes = [] if older.id == newer.id else diff_versions(
        older.record, newer.record,
        rules=[*app.config.severity_rules, *registry.severity_rules()],
        canonical_sources=registry.canonical_sources())
    title = (f"{row.label} ({registry.title}, {language}): version {from_number} → "
             f"{to_number}, seen {newer.seen_at[:16].replace('T', ' ')} UTC")
    return row, language, title, changes

@click.command()
@click.argument("trial", required=False)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
def consistency(ctx: click.Context, trial: str | None, fmt: str) -> None:
    """Where linked UMIN-CTR and jRCT records disagree (status, sample size, dates,
    titles): for one trial, or every watched one."""
    app = _app(ctx)
    rows = [app.find(trial)] if trial else app.store.trials()
    pairs = []
    for row in rows:
        for other in app.store.linked(row.id):
            key = tuple(sorted((row.id, other.id)))
            if key not in [p[0] for p in pairs]:
                pairs.append((key, row, other))
    report = [render.pair_json(app.store, row, other) for _, row, other in pairs]
    if fmt == "json":
        click.echo(render.to_json(report))
        return
    if not report:
        click.echo("no linked records yet: a check follows the jRCT/UMIN IDs a trial lists "
                   "under its secondary IDs ([jrct] follow_links)")
        return
    click.echo(render.consistency_text(report))

@click.command()
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

@click.command()
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
    try:
        transport = RecordingTransport(out_dir)
    except OSError as error:
        raise InputError(f"cannot write cassettes to {out_dir}: {error.strerror or error}") \
            from None
    with Fetcher(app.config.http, transport=transport) as fetcher:
        for ref in refs:
            registry = registries[ref.registry]
            resolved = registry.resolve(ref, lambda url: fetcher.get_html(url).text)
            for language in languages or ("en", "ja"):
                url = registry.page_url(resolved, language)
                page = fetcher.get_html(url)
                registry.normalize(registry.parse_page(page.text, language), url)
                click.echo(f"recorded {resolved.label} [{language}] {url}")
    click.echo(f"cassette written to {out_dir}")

def _overdue_flags(app: App, row) -> list[str]:
    record = app.store.latest_record(row.id, app.registries[row.registry].languages)
    return overdue_flags(record, datetime.now(UTC).date(), app.config.overdue) if record else []


@click.command()
@click.argument("ids", nargs=-1)
@click.option("--apply", is_flag=True, help="Rewrite the stored history (never alerts).")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
def reparse(ctx: click.Context, ids: tuple[str, ...], apply: bool, fmt: str) -> None:
    """Parse every stored raw page again with the current parser and show which versions
    would read differently; --apply rewrites that history (marked as a rebuild)."""
    app = _app(ctx)
    rows = [app.find(text) for text in ids] if ids else app.store.trials(watched_only=False)
    results = [result for row in rows
               for result in reparse_trial(app.store, app.registries, row, apply=apply)]
    if fmt == "json":
        click.echo(render.to_json([r.to_dict() for r in results]))
    else:
        for r in results:
            where = f"{r.trial} [{r.language}]"
            if r.error:
                click.echo(f"{where}  cannot re-parse: {r.error}")
                continue
            verb = "rewritten" if r.applied else "would change"
            click.echo(f"{where}  {r.versions} versions, {len(r.changed)} {verb}"
                       + ("" if r.applied or not r.changed else " (run with --apply)"))
            for number, changes in r.changed.items():
                click.echo(f"  version {number}:")
                click.echo(render.changes_text(changes, indent="    "))
    if any(r.error for r in results):
        ctx.exit(1)
