"""The one derivation path: page text → parsed page → canonical record.

Used by a check, a reparse, ``record`` and ``doctor`` alike, so a page reads the same
whichever path reads it. A parser failure of any kind — a ParseError, a bug tripped by
odd markup, the HTML library giving up — is a ParseError for that page, never the end
of the check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.errors import MonitorError, ParseError, WrongPageError
from monitor.normalize.record import TrialRecord
from monitor.normalize.values import content_hash
from monitor.registries.base import Registry, TrialRef

# Real registry pages are 20–300 KB; the HTML parser's memory grows fast on malformed
# markup, so nothing larger is handed to it, whatever the source (a fetch, a stored
# page, a file given to `parse`).
MAX_PARSE_CHARS = 2_000_000


@dataclass(frozen=True)
class Derived:
    record: TrialRecord
    content_hash: str
    unknown_labels: tuple[str, ...] = field(default=())


def derive(registry: Registry, text: str, language: str | None, url: str,
           expected: TrialRef | None = None) -> Derived:
    """The canonical record of one page; ParseError (WrongPageError for another
    trial's page) when it cannot be read whole."""
    if len(text) > MAX_PARSE_CHARS:
        raise ParseError(f"{url} is {len(text):,} characters long, far beyond any real "
                         f"{registry.title} page: not parsed")
    try:
        page = registry.parse_page(text, language)
        record = registry.normalize(page, url)
    except MonitorError:
        raise
    except Exception as error:  # noqa: BLE001 (any parser failure is this page's failure)
        raise ParseError(f"{url}: the {registry.title} parser failed on this page "
                         f"({type(error).__name__}: {str(error)[:120]})") from None
    if expected is not None:
        _check_identity(record, expected, url)
    unknown = tuple(getattr(page, "unknown_labels", ()) or ())
    return Derived(record, content_hash(record.to_dict()), unknown)


def _check_identity(record: TrialRecord, ref: TrialRef, url: str) -> None:
    """A page of another trial (a registry mix-up, a redirect) is a fault, not a change."""
    if ref.trial_id and record.trial_id and ref.trial_id != record.trial_id:
        raise WrongPageError(f"{url} shows {record.trial_id}, not {ref.trial_id}: "
                             "the registry served another trial's page")
    for name, expected in ref.keys:
        found = record.registry_ids.get(name)
        if found and found != expected:
            raise WrongPageError(f"{url} shows {found}, not {expected}: "
                                 "the registry served another trial's page")
