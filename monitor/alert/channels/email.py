"""E-mail: one message per event, plain text and HTML, registry text escaped."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from monitor.alert.channels.base import ChannelContext, Event, secret
from monitor.alert.channels.webhook import DELIVERY_HEADER
from monitor.alert.messages import email_html, email_text, headline
from monitor.config.section import Section
from monitor.errors import ConfigError, DeliveryError

if TYPE_CHECKING:  # smtplib, ssl and email load when a message is sent, not with the config
    import smtplib
    from email.message import EmailMessage


@dataclass(frozen=True)
class EmailSettings:
    host: str
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    username: str | None = None
    password_env: str | None = None
    sender: str = ""
    to: tuple[str, ...] = ()
    timeout: float = 30.0
    kind: ClassVar[str] = "email"

    @property
    def key(self) -> str:
        return "email"


class EmailChannel:
    kind: ClassVar[str] = "email"
    repeatable: ClassVar[bool] = False  # [alerts.email]

    def __init__(self, settings: EmailSettings, context: ChannelContext) -> None:
        self.settings = settings
        self.context = context
        self.key = settings.key

    @classmethod
    def read_settings(cls, section: Section, number: int) -> EmailSettings:
        host = section.text("host", required='"smtp.example.org" (your mail server)')
        sender = section.text("from", required='"monitor@example.org" (the sender address)')
        to = section.string_list("to", (), what="e-mail addresses") if section.has("to") \
            else None
        if not to:
            raise ConfigError(f'{section.name} needs to = ["you@example.org"] (the recipients)')
        for address in (sender, *to):
            if "@" not in address or any(c.isspace() for c in address):
                raise section.error("from" if address == sender else "to", address,
                                    "expected an e-mail address")
        use_ssl = section.boolean("ssl", False)
        return EmailSettings(
            host=host, port=section.integer("port", 465 if use_ssl else 587, minimum=1,
                                            maximum=65535),
            starttls=section.boolean("starttls", not use_ssl), ssl=use_ssl,
            username=section.optional_text("username"),
            password_env=section.env_name("password_env"), sender=sender, to=to,
            timeout=section.duration("timeout", "30s", minimum=1, maximum=300))

    @classmethod
    def secrets(cls, settings: EmailSettings) -> list[tuple[str, str]]:
        return [(settings.password_env, "the SMTP password")] if settings.password_env else []

    @classmethod
    def describe_settings(cls, settings: EmailSettings) -> str:
        return f"email via {settings.host}:{settings.port} to {', '.join(settings.to)}"

    def describe(self) -> str:
        return self.describe_settings(self.settings)

    def message(self, event: Event, delivery_id: str) -> EmailMessage:
        """One message per event: plain text and an HTML table, registry text escaped."""
        from email.message import EmailMessage
        from email.utils import formatdate

        language = self.context.language
        message = EmailMessage()
        message["Subject"] = f"[ctr-monitor] {headline(event, language)}"[:250]
        message["From"] = self.settings.sender
        message["To"] = ", ".join(self.settings.to)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = f"<{delivery_id}@ctr-monitor>"
        message[DELIVERY_HEADER] = delivery_id
        message.set_content(email_text(event, delivery_id, language))
        message.add_alternative(email_html(event, delivery_id, language), subtype="html")
        return message

    def send(self, event: Event, delivery_id: str) -> str:
        import smtplib
        import ssl

        s = self.settings
        password = (secret(self.context.env, s.password_env, "SMTP password")
                    if s.password_env else None)
        message = self.message(event, delivery_id)
        smtp_class = smtplib.SMTP_SSL if s.ssl else smtplib.SMTP
        smtp = smtp_class(timeout=s.timeout)
        # smtplib's timeout is per socket operation: a server that drips one byte at a
        # time would hold the check for ever. Past the deadline its socket is cut off.
        cutoff = threading.Timer(s.timeout * 2, _cut_off, args=[smtp])
        cutoff.daemon = True
        cutoff.start()
        try:
            with smtp:
                smtp.connect(s.host, s.port)
                if s.starttls and not s.ssl:
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, password or "")
                refused = smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as error:
            raise DeliveryError(f"SMTP login as {s.username} refused ({error.smtp_code})") \
                from None
        except (smtplib.SMTPException, OSError) as error:
            late = " (no complete answer within the deadline)" if not cutoff.is_alive() else ""
            raise DeliveryError(f"SMTP {s.host}:{s.port}: {type(error).__name__}: "
                                f"{str(error)[:160]}{late}") from None
        finally:
            cutoff.cancel()
        if refused:
            raise DeliveryError(f"SMTP refused recipients: {', '.join(refused)}")
        return f"sent to {len(s.to)} recipient{'s' if len(s.to) != 1 else ''}"


def _cut_off(smtp: smtplib.SMTP) -> None:
    """End a conversation that ran past its deadline: a blocked read returns at once."""
    sock = getattr(smtp, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
