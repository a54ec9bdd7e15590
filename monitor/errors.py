"""Errors a user can cause, each carrying the one line the CLI prints.

Every failure that is the user's or the registry's doing (as opposed to a bug) is a
``MonitorError``: the CLI prints ``str(error)`` and exits non-zero, never a traceback.
The message names the thing at fault and, where there is one, the fix.
"""

from __future__ import annotations


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


class HostPausedError(FetchError):
    """A host is paused (it refused us, or cannot be reached): the check of a trial on it
    is deferred, a fault of the host and not of the trial."""

    kind = "paused"

    def __init__(self, message: str, *, host: str, until: float, reason: str = "blocked",
                 status_code: int | None = None):
        super().__init__(message, reason=reason, status_code=status_code)
        self.host = host
        self.until = until


class HostBlockedError(HostPausedError):
    """The host refused us (403, a firewall's block page, a 429 without a short
    Retry-After)."""

    kind = "blocked"


class HostUnreachableError(HostPausedError):
    """The host could not be reached at all (refused, DNS, TLS, connect timeout)."""

    kind = "unreachable"

    def __init__(self, message: str, *, host: str, until: float, reason: str = "unreachable",
                 status_code: int | None = None):
        super().__init__(message, host=host, until=until, reason=reason,
                         status_code=status_code)


class BulkDataError(MonitorError):
    """A registry's bulk listing (UMIN-CTR's daily CSV) that cannot be read whole."""
