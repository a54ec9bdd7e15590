"""The global options of a command line, and the Monitor each command opens from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import click

from monitor.core import Monitor


@dataclass
class Options:
    config_path: Path | None = None
    record_dir: Path | None = None
    replay_dir: Path | None = None
    debug: bool = False
    sends: bool = False  # a command that sends alerts (not only reads), for `| head`
    _opened: list[Monitor] = field(default_factory=list)

    def open(self, *, read_only: bool = False, owner: str = "cli",
             require_secrets: bool = False) -> Monitor:
        """The monitor of this command line: read commands open the database read-only
        (they work on a database this user may not write, and never change it)."""
        monitor = Monitor.open(self.config_path, read_only=read_only,
                               replay=self.replay_dir, record=self.record_dir, owner=owner,
                               require_secrets=require_secrets)
        self._opened.append(monitor)
        return monitor

    def close(self) -> None:
        for monitor in self._opened:
            monitor.close()
        self._opened.clear()


def options(ctx: click.Context) -> Options:
    obj = ctx.find_root().obj
    assert isinstance(obj, Options)
    return obj
