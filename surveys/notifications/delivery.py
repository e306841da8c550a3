"""Mail backends: how an outbox message leaves the platform.

"console" logs the message (development), "memory" appends it to `memory_outbox` (tests), "smtp"
sends it with smtplib using SMTP_HOST, SMTP_PORT, SMTP_USE_TLS, SMTP_USERNAME, SMTP_PASSWORD and
MAIL_FROM. A backend raises `DeliveryError` when the message was not accepted.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

logger = logging.getLogger("surveys.mail")

SMTP_TIMEOUT_SECONDS = 30


class DeliveryError(Exception):
    """The message was not delivered; the text says why (kept on the outbox row)."""


@dataclass(frozen=True)
class Mail:
    """What a backend needs to send one message."""

    sender: str
    recipient: str
    subject: str
    body: str
    language: str
    kind: str = ""
    outbox_id: int | None = None


class Backend(Protocol):
    name: str

    def send(self, mail: Mail) -> None: ...


# Messages "sent" through the memory backend, for tests to inspect.
memory_outbox: list[Mail] = []


class MemoryBackend:
    name = "memory"

    def __init__(self, sink: list[Mail] | None = None) -> None:
        self.sink = memory_outbox if sink is None else sink

    def send(self, mail: Mail) -> None:
        self.sink.append(mail)


class ConsoleBackend:
    name = "console"

    def send(self, mail: Mail) -> None:
        logger.info(
            "mail to %s [%s] %s\n%s", mail.recipient, mail.language, mail.subject, mail.body
        )


class SMTPBackend:
    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        use_tls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = SMTP_TIMEOUT_SECONDS,
        ca_file: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.use_tls = use_tls
        # STARTTLS checks the server's certificate and name (smtplib does neither without a
        # context): the password and the invitation links go through it. A relay with a
        # private CA is trusted through SMTP_TLS_CA_FILE.
        self.ca_file = ca_file
        self.username = username
        self.password = password
        self.timeout = timeout

    @contextlib.contextmanager
    def session(self, step: Callable[[str], None] = lambda _name: None) -> Iterator[smtplib.SMTP]:
        """A connection ready to send: STARTTLS when SMTP_USE_TLS, signed in when a username is
        set. `surveys check` goes through it too, so that it tries what delivery does; `step`
        hears "connect", "starttls" and "login" before each is tried."""
        step("connect")
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.use_tls:
                step("starttls")
                smtp.starttls(context=ssl.create_default_context(cafile=self.ca_file))
            if self.username:
                step("login")
                smtp.login(self.username, self.password or "")
            yield smtp

    def send(self, mail: Mail) -> None:
        try:
            with self.session() as smtp:
                smtp.send_message(email_message(mail))
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            refusals = "; ".join(
                f"{address}: {code} {_text(text)}"
                for address, (code, text) in exc.recipients.items()
            )
            raise DeliveryError(f"SMTP recipient refused: {refusals}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP error: {exc.__class__.__name__}: {exc}") from exc


def smtp_reason(exc: BaseException) -> str:
    """An SMTP failure in a few words: the server's code and text, or the error."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}".strip()
    return str(exc) or exc.__class__.__name__


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def email_message(mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Content-Language"] = mail.language
    message["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2] or None)
    message.set_content(mail.body)
    return message


def backend_from_config(config: Mapping) -> Backend:
    """The backend named by MAIL_BACKEND (console, memory or smtp)."""
    name = (config.get("MAIL_BACKEND") or "console").lower()
    if name == "console":
        return ConsoleBackend()
    if name == "memory":
        return MemoryBackend()
    if name == "smtp":
        return SMTPBackend(
            config.get("SMTP_HOST") or "localhost",
            int(config.get("SMTP_PORT") or 25),
            use_tls=bool(config.get("SMTP_USE_TLS")),
            username=config.get("SMTP_USERNAME") or None,
            password=config.get("SMTP_PASSWORD") or None,
            timeout=float(config.get("SMTP_TIMEOUT_SECONDS") or SMTP_TIMEOUT_SECONDS),
            ca_file=config.get("SMTP_TLS_CA_FILE") or None,
        )
    raise ValueError(f"unknown MAIL_BACKEND {name!r}; expected console, memory or smtp")
