"""Offline reading of a saved registry page."""

from __future__ import annotations

from pathlib import Path

from monitor.check.derive import derive
from monitor.errors import InputError
from monitor.fetch import decode_html
from monitor.normalize.record import TrialRecord
from monitor.registries import build_registries

MAX_FILE_BYTES = 20_000_000


def parse_file(path: Path, registry_name: str, language: str | None) -> TrialRecord:
    """The canonical record of a saved page, read by the same path as a check."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{path} is {size:,} bytes: no registry page is that large")
        content = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None
    registry = build_registries()[registry_name]
    text = decode_html(content, None, str(path))
    return derive(registry, text, language, path.resolve().as_uri()).record
