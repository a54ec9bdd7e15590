"""Commands for running unattended: run (the daemon), status, alerts."""

from __future__ import annotations

import click

from monitor.cli import render
from monitor.cli.context import options
from monitor.cli.trials import FORMATS, LANG, output_language
from monitor.errors import InputError
from monitor.normalize.vocabulary import phrase
from monitor.report import views


@click.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the daemon in the foreground: check every watch on its schedule and alert,
    until stopped (SIGTERM or Ctrl-C finish the check in flight and exit 0). Under
    systemd, see contrib/ctr-monitor.service."""
    monitor = options(ctx).open(owner="daemon", require_secrets=True)
    from monitor.daemon import Daemon  # the scheduler loads for this command alone

    ctx.exit(Daemon(monitor).run())


@click.command()
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@LANG
@click.pass_context
def status(ctx: click.Context, fmt: str, lang: str | None) -> None:
    """Whether a daemon runs, each watch's last and next check, paused registries,
    the alert backlog."""
    monitor = options(ctx).open(read_only=True)
    lang = output_language(monitor, lang)
    from monitor.daemon import DaemonLock

    report = views.status(monitor, DaemonLock(monitor.config.database).holder())
    if fmt == "json":
        click.echo(render.to_json({
            "daemon": {"running": report.daemon_pid is not None, "pid": report.daemon_pid},
            "database": report.database,
            "watches": [{"registry": r.registry, "trial_id": r.label, "status": r.status,
                         "last_checked_at": r.last_checked_at,
                         "last_success_at": r.last_success_at,
                         "next_check_at": r.next_check_at,
                         "consecutive_failures": r.consecutive_failures,
                         "last_error": r.last_error, "overdue_since": r.overdue_since}
                        for r in report.watches],
            "paused": [host.__dict__ for host in report.paused],
            "listings": report.listings, "alerts": report.alerts}))
        return
    render.status_view(render.console(), report, lang)


@click.group(invoke_without_command=True)
@click.option("--retry", is_flag=True,
              help="Revive given-up alerts and try every waiting alert now.")
@click.option("--all", "show_all", is_flag=True, help="Include delivered alerts.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@LANG
@click.pass_context
def alerts(ctx: click.Context, retry: bool, show_all: bool, fmt: str,
           lang: str | None) -> None:
    """The alert backlog: alerts waiting to be retried, and those given up on."""
    if ctx.invoked_subcommand is not None:
        return
    options(ctx).sends = retry
    monitor = options(ctx).open(read_only=not retry, require_secrets=retry)
    lang = output_language(monitor, lang)
    if retry:
        revived, report = monitor.retry_alerts()
        click.echo(phrase("alerts_revived", lang, count=revived, summary=report.summary(lang)))
        for line in report.details:
            click.echo(f"  {line}")
    rows = monitor.alerts(include_delivered=show_all)
    if fmt == "json":
        click.echo(render.to_json([
            {"id": row.id, "delivery_id": row.delivery_id, "channel": row.channel,
             "event": row.event, "status": row.status, "attempts": row.attempts,
             "created_at": row.created_at, "next_attempt_at": row.next_attempt_at,
             "last_attempt_at": row.last_attempt_at, "last_error": row.last_error,
             "delivered_at": row.delivered_at,
             "trial_id": row.payload.get("trial_id"), "host": row.payload.get("host")}
            for row in rows]))
        return
    if not monitor.channels:
        click.echo(phrase("no_channels", lang))
    if not rows:
        click.echo(phrase("no_alerts", lang))
        return
    render.alerts_table(render.PlainScreen(), rows, lang)


@alerts.command(name="test")
@click.pass_context
def alerts_test(ctx: click.Context) -> None:
    """Send a sample alert through every configured channel and report each result."""
    options(ctx).sends = True
    monitor = options(ctx).open(read_only=True)
    if not monitor.channels:
        raise InputError(phrase("no_channels", "en"))
    monitor.require_secrets()
    results = monitor.test_alerts()
    for channel, ok, detail in results:
        click.echo(f"{'ok    ' if ok else 'failed'}  {channel}: {detail}")
    if not all(ok for _, ok, _ in results):
        ctx.exit(1)
