"""Errors a user can cause, each carrying the one line the CLI prints.

Every failure that is the user's or the registry's doing (as opposed to a bug) is a
``MonitorError``: the CLI prints ``str(error)`` and exits non-zero, never a traceback.
The message names the thing at fault and, where there is one, the fix.
"""

from __future__ import annotations


class Cancelled(Exception):  # noqa: N818 (it is not an error: the daemon is stopping)
    """The fetcher was cancelled (the daemon is stopping): abandon the check unrecorded."""


class MonitorError(Exception):
    """Base class: a failure with a message fit to show a user as-is."""

    exit_code = 1


class ConfigError(MonitorError):
    """A config file that is missing, malformed, or has a bad value."""

    exit_code = 2


class InputError(MonitorError):
    """An ID or URL the user typed that no registry recognises."""

    exit_code = 2


class FetchError(MonitorError):
    """A page could not be fetched: network fault, HTTP error, undecodable body."""

    def __init__(self, message: str, *, reason: str = "network", status_code: int | None = None,
                 attempts: int | None = None):
        super().__init__(message)
        self.reason = reason
        self.status_code = status_code
        self.attempts = attempts


class NotFoundError(FetchError):
    """The registry says the trial does not exist (HTTP 404 or an empty search)."""

    def __init__(self, message: str, *, status_code: int | None = 404):
        super().__init__(message, reason="not_found", status_code=status_code)


class HostUnavailableError(FetchError):
    """A host we must leave alone for now: the failure is the host's, not the trial's.

    ``until`` is when the host may be asked again (epoch seconds); ``deferred`` is True
    when this request was never sent because the host was already paused, False when
    this very request met the block or the outage.
    """

    def __init__(self, message: str, *, reason: str, host: str, until: float,
                 deferred: bool = False, status_code: int | None = None,
                 attempts: int | None = None):
        super().__init__(message, reason=reason, status_code=status_code, attempts=attempts)
        self.host = host
        self.until = until
        self.deferred = deferred


class HostBlockedError(HostUnavailableError):
    """The host refused us (403, a firewall's block page, a 429 asking for a long
    pause): every request to it waits out the cooldown, none is retried."""

    def __init__(self, message: str, *, host: str, until: float, deferred: bool = False,
                 status_code: int | None = None, attempts: int | None = None):
        super().__init__(message, reason="blocked", host=host, until=until, deferred=deferred,
                         status_code=status_code, attempts=attempts)


class HostUnreachableError(HostUnavailableError):
    """The host could not be reached at all (DNS, refused, TLS, connect timeout)."""

    def __init__(self, message: str, *, host: str, until: float, deferred: bool = False,
                 attempts: int | None = None):
        super().__init__(message, reason="unreachable", host=host, until=until,
                         deferred=deferred, attempts=attempts)


class ParseError(MonitorError):
    """A page that does not have the layout the parser knows.

    Raised instead of returning a record with missing fields, so that a layout change
    or a truncated page is reported rather than stored as a version in which every
    field was deleted.
    """


class WrongPageError(ParseError):
    """A page that parses, but belongs to another trial than the one asked for."""


class StoreError(MonitorError):
    """The database cannot be opened or lacks what the command needs."""


class BulkDataError(MonitorError):
    """A registry's bulk listing (UMIN-CTR's daily CSV) that cannot be read whole."""


class DeliveryError(Exception):
    """An alert delivery that did not succeed; the message is safe to log (no secrets).
    Not a MonitorError: it ends no command, the outbox retries it."""
