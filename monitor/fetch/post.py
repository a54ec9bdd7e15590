"""Outgoing HTTP for alert delivery (webhooks), kept in the fetch layer so that httpx
stays behind one seam. No retries here: the alert outbox owns retrying."""

from __future__ import annotations

import logging

import httpx

from monitor import __version__
from monitor.errors import DeliveryError
from monitor.fetch.deadline import Exchange, bounded, deadline_transport


class _HideAlertRequests(logging.Filter):
    """httpx logs every request with its full URL, and a webhook URL can itself be a
    credential (Slack's are): drop httpx's lines for the POSTs alerts make. The outbox
    logs each delivery itself, with the URL redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return not (args and args[0] == "POST")


for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_HideAlertRequests())


class Poster:
    def __init__(self, *, transport: httpx.BaseTransport | None = None,
                 user_agent: str | None = None) -> None:
        self.client = httpx.Client(
            headers={"User-Agent": user_agent or f"ctr-monitor/{__version__}"},
            follow_redirects=False, transport=transport or deadline_transport())

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
        """POST ``body``; the status code if 2xx, else DeliveryError (the receiver did not
        take it: a 404 or 500 is a failed delivery, never "sent"). The whole exchange ends
        within twice ``timeout``, whatever the receiver does (one that drips its headers
        cannot hold a check)."""
        try:
            with bounded(Exchange(timeout * 2)):
                response = self.client.post(url, content=body, headers=headers,
                                            timeout=timeout)
        except httpx.HTTPError as error:
            raise DeliveryError(f"{type(error).__name__}: {str(error)[:160] or 'no detail'}") \
                from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"receiver answered HTTP {response.status_code}")
        return response.status_code

    def close(self) -> None:
        self.client.close()
