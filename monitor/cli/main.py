"""``ctr-monitor``: a thin click shell over the library core (``monitor.Monitor``).

Every command accepts a trial in any form (UMIN…, R…, jRCT…, a page URL). Any
MonitorError ends the command with ``error: <one line>`` on stderr and a non-zero exit
(2 for bad input or config, 1 for a failed check or page), never a traceback.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from monitor import __version__
from monitor.cli import reports, service, tools, trials
from monitor.cli.context import Options
from monitor.cli.logs import setup_logging
from monitor.errors import MonitorError

# Commands that only read: cut short by their reader (`| head`), they have done all they
# had to (`alerts --retry` and `alerts test` send, and say so through Options.sends).
READING = frozenset({"list", "history", "diff", "consistency", "search", "query", "report",
                     "feed", "status", "alerts", "parse", "doctor", "datasette-metadata"})


_NO_ARGUMENTS: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


class MonitorGroup(click.Group):
    """Turns errors a user can cause into one line and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MonitorError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(error.exit_code)
        except BrokenPipeError:  # the reader of our output has gone (`| head`)
            from monitor.cli.render import quiet_stdout

            quiet_stdout()
            sends = isinstance(ctx.obj, Options) and ctx.obj.sends
            if ctx.invoked_subcommand in READING and not sends:
                ctx.exit(0)  # it read what it wanted
            # a command that does work: what it would have said after is lost
            click.echo(f"error: output closed before `{ctx.invoked_subcommand}` finished "
                       "writing it (redirect to a file to keep all of it)", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:  # a bug: say so in one line unless --debug
            options = ctx.obj if isinstance(ctx.obj, Options) else None
            if options is not None and options.debug:
                traceback.print_exc()
            click.echo(f"internal error: {type(error).__name__}: {error} "
                       "(rerun with --debug for details, and please report it)", err=True)
            ctx.exit(70)
        finally:
            if isinstance(ctx.obj, Options):
                ctx.obj.close()


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
    ctx.obj = Options(config_path, record_dir, replay_dir, debug)


for _command in (trials.add, trials.remove, trials.list_trials, trials.check,
                 trials.history, trials.diff, trials.consistency, trials.search,
                 trials.query, reports.report, reports.feed, service.run, service.status,
                 service.alerts, tools.parse, tools.record, tools.reparse, tools.doctor,
                 tools.datasette_metadata):
    cli.add_command(_command)


def main() -> None:
    """The ``ctr-monitor`` command. A mistake in the command line itself (an unknown
    option, a missing argument, a value not among the choices) is one line too, naming
    where to look, instead of click's usage block."""
    try:
        code = cli.main(prog_name="ctr-monitor", standalone_mode=False)
    except _NO_ARGUMENTS as error:  # `ctr-monitor` alone: the help (click >= 8.2)
        error.show()
        sys.exit(error.exit_code)
    except click.UsageError as error:
        where = error.ctx.command_path if error.ctx is not None else "ctr-monitor"
        message = " ".join(error.format_message().split()).rstrip(".")
        click.echo(f"error: {message} (see `{where} --help`)", err=True)
        sys.exit(error.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["cli", "main"]
