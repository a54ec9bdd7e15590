"""Commands for running unattended: run (the daemon), status, alerts."""

from __future__ import annotations

import json
import uuid

import click

from monitor.alert import sample_event
from monitor.cli import render
from monitor.cli.app import app_of as _app
from monitor.daemon import Daemon, DaemonLock
from monitor.errors import InputError
from monitor.fetch.post import DeliveryError
from monitor.store import utc_now

FORMATS = click.Choice(["text", "json"])


@click.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run in the background: check every watch on its schedule, alert, until stopped
    (SIGTERM or Ctrl-C finish the check in flight and exit 0)."""
    app = _app(ctx)
    app.config  # noqa: B018 (validate the whole config before anything runs)
    app.channels  # noqa: B018
    ctx.exit(Daemon(app).run())

@click.command()
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

@click.group(invoke_without_command=True)
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
