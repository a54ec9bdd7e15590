"""``ctr-monitor``: a thin click shell over the library.

Every command accepts a trial in any form (UMIN…, R…, a page URL). Any MonitorError
ends the command with ``error: <one line>`` on stderr and a non-zero exit.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from monitor import __version__
from monitor.alert import sample_event
from monitor.cli import render
from monitor.cli.app import App
from monitor.cli.logs import setup_logging
from monitor.config import parse_duration
from monitor.daemon import Daemon, DaemonLock
from monitor.diff.changes import diff_versions
from monitor.errors import ConfigError, InputError, MonitorError
from monitor.fetch.cassette import RecordingTransport
from monitor.fetch.client import Fetcher
from monitor.fetch.decode import decode_html
from monitor.fetch.post import DeliveryError
from monitor.pipeline import CheckOutcome
from monitor.registries import REGISTRY_TYPES, build_registries
from monitor.report import atom_feed, collect_report, overdue_flags
from monitor.report.render import report_html, report_json, report_markdown, report_text
from monitor.store import iso_time, utc_now

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
@click.option("--log-format", type=click.Choice(["plain", "json"]), default="plain",
              show_default=True, help="Log lines on stderr: for people, or for machines.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.version_option(__version__, prog_name="ctr-monitor")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, record_dir: Path | None,
        replay_dir: Path | None, verbose: int, log_format: str, debug: bool) -> None:
    """Watch clinical-trial registries (UMIN-CTR, jRCT) and report what changed."""
    if record_dir and replay_dir:
        raise click.UsageError("--record and --replay cannot be used together")
    quiet = logging.INFO if ctx.invoked_subcommand == "run" else logging.ERROR
    level = {0: quiet, 1: logging.INFO}.get(verbose, logging.DEBUG)
    setup_logging(level, log_format)
    ctx.obj = {"app": App(config_path, record_dir, replay_dir), "debug": debug}


def _app(ctx: click.Context) -> App:
    return ctx.obj["app"]


def _overdue_flags(app: App, row) -> list[str]:
    record = app.checker.latest_record(row)
    return overdue_flags(record, datetime.now(UTC).date(), app.config.overdue) if record else []


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


@cli.command()
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


@cli.command()
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
    if not app.store.versions(row.id):
        click.echo(f"{row.label}: no versions yet; run `ctr-monitor check {trial}`")
    for each in rows:
        if app.store.versions(each.id):
            registry = app.registries[each.registry]
            render.history_table(render.console(), app.store, each, registry.title)


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
            versions = len(app.store.versions(other.id))
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


@cli.command()
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


@cli.command()
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


@cli.command()
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


@cli.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run in the background: check every watch on its schedule, alert, until stopped
    (SIGTERM or Ctrl-C finish the check in flight and exit 0)."""
    app = _app(ctx)
    app.config  # noqa: B018 (validate the whole config before anything runs)
    app.channels  # noqa: B018
    ctx.exit(Daemon(app).run())


@cli.command()
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
def status(ctx: click.Context, fmt: str) -> None:
    """Whether a daemon runs, each watch's last and next check, failures, alert backlog."""
    app = _app(ctx)
    pid = DaemonLock(app.config.database).holder()
    rows = app.store.trials()
    counts = app.store.alert_counts()
    data = {
        "daemon": {"running": pid is not None, "pid": pid},
        "database": str(app.config.database),
        "watches": [{
            "registry": r.registry, "trial_id": r.label, "status": r.status,
            "last_checked_at": r.last_checked_at, "last_success_at": r.last_success_at,
            "next_check_at": r.next_check_at, "consecutive_failures": r.consecutive_failures,
            "last_error": r.last_error, "overdue_since": r.overdue_since} for r in rows],
        "alerts": {"pending": counts.get("pending", 0), "dead": counts.get("dead", 0),
                   "delivered": counts.get("delivered", 0)},
    }
    if fmt == "json":
        click.echo(render.to_json(data))
        return
    click.echo(f"daemon: running (pid {pid})" if pid else "daemon: not running")
    click.echo(f"database: {data['database']}")
    alerts = data["alerts"]
    click.echo(f"alerts: {alerts['pending']} waiting, {alerts['dead']} given up, "
               f"{alerts['delivered']} delivered")
    render.status_table(render.console(), rows)


@cli.group(invoke_without_command=True)
@click.option("--retry", is_flag=True, help="Revive given-up alerts and deliver all due now.")
@click.option("--all", "show_all", is_flag=True, help="Include delivered alerts.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
def alerts(ctx: click.Context, retry: bool, show_all: bool, fmt: str) -> None:
    """The alert backlog: alerts waiting to be retried, and those given up on."""
    if ctx.invoked_subcommand is not None:
        return
    app = _app(ctx)
    if retry:
        revived = app.store.revive_dead_alerts(utc_now())
        report = app.outbox.deliver_due()
        click.echo(f"revived {revived} given-up alert(s); {report.summary()}")
        for line in report.details:
            click.echo(f"  {line}")
    statuses = ("pending", "dead", "delivered") if show_all else ("pending", "dead")
    rows = app.store.alerts(statuses)
    if fmt == "json":
        click.echo(render.to_json([{**{k: v for k, v in row.items() if k != "payload"},
                                    "trial_id": json.loads(row["payload"]).get("trial_id")}
                                   for row in rows]))
        return
    if not app.channels:
        click.echo("no alert channels configured: add [[alerts.webhook]] or [alerts.email] "
                   "to the config")
    if not rows:
        click.echo("no alerts waiting or given up")
        return
    render.alerts_table(render.console(), rows)


@alerts.command(name="test")
@click.pass_context
def alerts_test(ctx: click.Context) -> None:
    """Send a sample alert through every configured channel and report each result."""
    app = _app(ctx)
    if not app.channels:
        raise InputError("no alert channels configured: add [[alerts.webhook]] or "
                         "[alerts.email] to the config")
    failed = 0
    for channel in app.channels:
        try:
            detail = channel.send(sample_event(utc_now()), f"test-{uuid.uuid4().hex}")
            click.echo(f"ok      {channel.describe()}: {detail}")
        except DeliveryError as error:
            failed += 1
            click.echo(f"failed  {channel.describe()}: {error}")
    if failed:
        ctx.exit(1)


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
