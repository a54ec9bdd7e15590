"""Commands about watched trials: add, remove, list, check, history, diff, consistency,
search, query."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from monitor.check.outcome import PageOutcome
from monitor.cli import render
from monitor.cli.context import options
from monitor.core import Monitor
from monitor.normalize.vocabulary import phrase
from monitor.report import views
from monitor.report.format import registry_name, status_label

FORMATS = click.Choice(["text", "json"])
LANG = click.option("--lang", type=click.Choice(["en", "ja"]), default=None,
                    help="Language of the output (default: [report] language, else en).")


def output_language(monitor: Monitor, lang: str | None) -> str:
    return lang or monitor.config.report.language


@click.command()
@click.argument("ids", nargs=-1, required=True)
@click.pass_context
def add(ctx: click.Context, ids: tuple[str, ...]) -> None:
    """Watch trials: UMIN000041461, R000047329, jRCT2063200014, or a page URL."""
    monitor = options(ctx).open()
    for row, added in monitor.watch(ids):
        click.echo(f"{'watching' if added else 'already watching'} {row.label}")


@click.command()
@click.argument("trial")
@click.pass_context
def remove(ctx: click.Context, trial: str) -> None:
    """Stop watching a trial (its history is kept)."""
    monitor = options(ctx).open()
    row, was_watched = monitor.unwatch(trial)
    click.echo(f"stopped watching {row.label} (history kept)" if was_watched
               else f"{row.label} was not being watched")


@click.command(name="list")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@LANG
@click.pass_context
def list_trials(ctx: click.Context, fmt: str, lang: str | None) -> None:
    """Watched trials and their linked twins: status, health, consistency, flags."""
    monitor = options(ctx).open(read_only=True)
    lang = output_language(monitor, lang)
    entries = views.overview(monitor, datetime.now(UTC).date())
    if fmt == "json":
        click.echo(render.to_json([overview_json(entry) for entry in entries]))
        return
    if not entries:
        click.echo(phrase("no_watches", lang))
        if monitor.config.path is None:
            click.echo(phrase("no_config_here", lang))
        return
    render.trials_view(render.PlainScreen(), entries, lang)


def overview_json(entry: views.TrialOverview) -> dict[str, object]:
    row, record = entry.row, entry.record
    return {
        "registry": row.registry, "trial_id": row.trial_id, "keys": dict(row.keys),
        "title": row.title, "status": record.status if record else None,
        "date_last_modified": record.date_last_modified if record else None,
        "watched": row.watched,
        "linked_from": entry.linked_from.label if entry.linked_from else None,
        "versions": entry.versions, "last_checked_at": row.last_checked_at,
        "last_success_at": row.last_success_at, "health": entry.health,
        "consecutive_failures": row.consecutive_failures, "last_error": row.last_error,
        "paused": ({"host": entry.paused.host, "kind": entry.paused.kind,
                    "until": entry.paused.until} if entry.paused else None),
        "links": [render.pair_json(pair) for pair in entry.pairs],
        "overdue": [{"kind": flag.kind, "days": flag.days, "since": flag.since}
                    for flag in entry.overdue],
    }


@click.command()
@click.argument("ids", nargs=-1)
@click.option("--full", is_flag=True,
              help="Fetch every page, whatever the registry's daily listing says.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@LANG
@click.pass_context
def check(ctx: click.Context, ids: tuple[str, ...], full: bool, fmt: str,
          lang: str | None) -> None:
    """Check watched trials once now (all of them, or the ones named), with the
    registry twins they link to."""
    monitor = options(ctx).open(require_secrets=True)
    lang = output_language(monitor, lang)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    show_progress = fmt == "text" and sys.stderr.isatty()
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        console=Console(stderr=True), transient=True, disable=not show_progress)

    def emit(text: str) -> None:
        if show_progress:  # print above the bar, never as markup
            progress.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            click.echo(text)

    done: set[int] = set()

    def on_page(outcome: PageOutcome) -> None:
        done.add(outcome.trial.id)
        progress.update(task, completed=len(done), total=max(len(done), total),
                        description=outcome.label)
        if fmt == "text":
            emit(render.outcome_line(outcome, lang))
            if outcome.outcome == "changed":
                emit(render.changes_text(outcome.changes, lang, outcome.trial.registry,
                                         indent="    "))

    total = len(ids) or len(monitor.watched())
    with progress:
        task = progress.add_task(phrase("checking", lang, count=total), total=total)
        result = monitor.check(ids, full=full, progress=on_page)
    for listing in result.listings:
        if listing.outcome == "failed":
            click.echo(phrase("listing_failed", lang, registry=registry_name(
                listing.registry, lang), error=listing.error), err=True)
    if fmt == "json":
        click.echo(render.to_json({
            "pages": [outcome.to_dict() for outcome in result.pages],
            "consistency": [pair.to_dict() for pair in result.pairs],
            "listings": [listing.__dict__ for listing in result.listings],
            "paused": [host.__dict__ for host in result.paused]}))
    else:
        for pair in result.pairs:
            for line in render.pair_line(pair, lang):
                click.echo(line)
        for listing in result.listings:  # new trials in the user's field, alerted or not
            for match in listing.registered:
                click.echo(phrase(
                    "new_match", lang, registry=registry_name(match["registry"], lang),
                    query=match["query"], trial=match["trial_id"],
                    status=status_label(match["status"], lang, match["registry"]),
                    title=(match[f"title_{lang}"] or match["title_en"] or match["title_ja"]
                           or "")).rstrip())
    for host in result.paused:
        click.echo(render.host_line(host, lang), err=True)
    unreachable = [page for page in result.deferred if page.reason == "unreachable"]
    if unreachable and not monitor._replaying:  # noqa: SLF001
        click.echo(phrase("offline_hint", lang), err=True)
    report = monitor.deliver_alerts()
    if report.anything:
        click.echo(report.summary(lang), err=True)
    if result.failed or result.deferred:
        ctx.exit(1)


@click.command()
@click.argument("trial")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@LANG
@click.pass_context
def history(ctx: click.Context, trial: str, fmt: str, lang: str | None) -> None:
    """Every stored version of a trial and its linked twins, with what changed."""
    monitor = options(ctx).open(read_only=True)
    lang = output_language(monitor, lang)
    histories = views.history(monitor, monitor.find(trial))
    if fmt == "json":
        click.echo(render.to_json([
            {"registry": h.row.registry, "trial_id": h.row.label,
             "version": e.version.number, "language": e.version.language,
             "seen_at": e.version.seen_at, "content_hash": e.version.content_hash,
             "status": e.version.record.status,
             "date_last_modified": e.version.record.date_last_modified,
             "target_sample_size": e.version.record.target_sample_size,
             "changes": [c.to_dict() for c in e.changes],
             "record": e.version.record.to_dict()}  # whole, raw fields included
            for h in histories for e in h.entries]))
        return
    if not histories[0].entries:
        click.echo(phrase("no_versions_yet", lang, trial=trial))
    console = render.console()
    for each in histories:
        if each.entries:
            render.history_view(console, each, lang)


@click.command()
@click.argument("trial")
@click.option("--from", "from_version", type=int, help="Older version number.")
@click.option("--to", "to_version", type=int, help="Newer version number (default: latest).")
@click.option("--language", type=click.Choice(["en", "ja"]), help="Which page's versions.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True)
@LANG
@click.pass_context
def diff(ctx: click.Context, trial: str, from_version: int | None, to_version: int | None,
         language: str | None, fmt: str, lang: str | None) -> None:
    """What changed between two versions (default: the last change), and the last change
    of each linked twin, each labelled by registry."""
    from monitor.report.render import changes_markdown, md

    monitor = options(ctx).open(read_only=True)
    words = output_language(monitor, lang)
    parts = views.diff(monitor, monitor.find(trial), language=language,
                       from_version=from_version, to_version=to_version)
    if fmt == "json":
        click.echo(render.to_json([
            {**change.to_dict(), "registry": part.row.registry, "trial_id": part.row.label,
             "language": part.language, "from_version": part.older.number,
             "to_version": part.newer.number}
            for part in parts for change in part.changes]))
    elif fmt == "markdown":
        click.echo("\n\n".join(
            f"### {md(render.diff_title(part, words))}"
            if part.only_one_version  # the title says there is nothing to compare
            else changes_markdown(render.diff_title(part, words), part.changes, words,
                                  part.row.registry)
            for part in parts))
    else:
        for part in parts:
            click.echo(render.diff_title(part, words))
            if not part.only_one_version:
                click.echo(render.changes_text(part.changes, words, part.row.registry))


@click.command()
@click.argument("trial", required=False)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@LANG
@click.pass_context
def consistency(ctx: click.Context, trial: str | None, fmt: str, lang: str | None) -> None:
    """Where linked UMIN-CTR and jRCT records disagree (status, sample size, dates,
    titles): for one trial, or every watched one."""
    monitor = options(ctx).open(read_only=True)
    lang = output_language(monitor, lang)
    rows = [monitor.find(trial)] if trial else monitor.watched()
    states = views.consistency(monitor, rows)
    if fmt == "json":
        click.echo(render.to_json([render.pair_json(state) for state in states]))
        return
    if not states:
        click.echo(phrase("no_links", lang))
        return
    click.echo(render.consistency_text(states, lang))


@click.command()
@click.argument("text")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@LANG
@click.pass_context
def search(ctx: click.Context, text: str, fmt: str, lang: str | None) -> None:
    """Find stored trials by words of their titles or conditions, in Japanese or
    English (肝硬変, cirrhosis)."""
    monitor = options(ctx).open(read_only=True)
    lang = output_language(monitor, lang)
    hits = monitor.search(text)
    if fmt == "json":
        click.echo(render.to_json([hit.to_dict() for hit in hits]))
        return
    if not hits:
        click.echo(phrase("search_nothing", lang, text=text))
        return
    for hit in hits:
        title = hit.title(lang)
        click.echo(f"{hit.trial_id} ({registry_name(hit.registry, lang)})  "
                   f"{status_label(hit.status, lang, hit.registry)}"
                   f"{'  ' + phrase('watched', lang) if hit.watched else ''}")
        if title:
            click.echo(f"    {title}")


@click.command()
@click.argument("name", required=False)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@LANG
@click.pass_context
def query(ctx: click.Context, name: str | None, fmt: str, lang: str | None) -> None:
    """The [[query]] entries of the config with their counts, or one query's current
    matches in the registries' listings."""
    monitor = options(ctx).open(read_only=True)
    lang = output_language(monitor, lang)
    if name is None:
        summaries = monitor.queries()
        if fmt == "json":
            click.echo(render.to_json([summary.to_dict() for summary in summaries]))
        elif not summaries:
            click.echo(phrase("no_queries", lang))
        for summary in summaries if fmt == "text" else []:
            click.echo(phrase("query_line", lang, name=summary.name, text=summary.text,
                              count=summary.matches, announced=summary.announced))
        return
    matches = monitor.query(name)
    if fmt == "json":
        click.echo(render.to_json([match.to_dict() for match in matches]))
        return
    if not matches:
        click.echo(phrase("query_nothing", lang, name=name))
    for match in matches:
        click.echo(f"{match.trial_id} ({registry_name(match.registry, lang)})  "
                   f"{status_label(match.status, lang, match.registry)}  "
                   f"{phrase('registered_on', lang, date=match.date_registered or '—')}")
        title = match.title(lang)
        if title:
            click.echo(f"    {title}")

