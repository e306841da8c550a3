"""SMTP delivery against a tiny local SMTP server that refuses, then accepts."""

from __future__ import annotations

import base64
import socket
import socketserver
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from surveys.columns import utcnow
from surveys.notifications.models import OutboxMessage
from surveys.notifications.outbox import deliver_pending, queue_message


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP: greets, accepts or refuses the message at DATA time; with the server's
    `tls_context` it offers STARTTLS, with its `credentials` (user, password) AUTH PLAIN, and
    then takes messages only from a client signed in with them (after STARTTLS, when offered)."""

    wrapped = None  # the TLS socket after STARTTLS: socketserver closes only the plain one

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def finish(self) -> None:
        super().finish()
        if self.wrapped is not None:
            self.wrapped.close()

    def handle(self) -> None:
        server = self.server
        tls_context = getattr(server, "tls_context", None)
        credentials = getattr(server, "credentials", None)
        secure = signed_in = False
        self.reply("220 test.invalid ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            text = line.decode(errors="replace").strip()
            command = text.upper()
            if command.startswith(("EHLO", "HELO")):
                offers = ["test.invalid"]  # the first line names the server, then its offers
                if tls_context is not None and not secure:
                    offers.append("STARTTLS")
                if credentials and (secure or tls_context is None):
                    offers.append("AUTH PLAIN")
                offers.append("8BITMIME")
                for offer in offers[:-1]:
                    self.reply(f"250-{offer}")
                self.reply(f"250 {offers[-1]}")
            elif command == "STARTTLS" and tls_context is not None and not secure:
                self.reply("220 2.0.0 Ready to start TLS")
                self.rfile.close()
                self.wfile.close()
                self.connection = tls_context.wrap_socket(self.connection, server_side=True)
                self.rfile = self.connection.makefile("rb")
                self.wfile = self.connection.makefile("wb")
                self.wrapped = self.connection
                secure = True
            elif command.startswith("AUTH PLAIN ") and credentials:
                given = base64.b64decode(text.split(" ", 2)[2]).split(b"\0")[1:]
                if tuple(part.decode() for part in given) == credentials:
                    signed_in = True
                    self.reply("235 2.7.0 Authentication successful")
                else:
                    self.reply("535 5.7.8 Authentication credentials invalid")
            elif command.startswith("MAIL FROM") and credentials and not signed_in:
                self.reply("530 5.7.0 Authentication required")
            elif command.startswith(("MAIL FROM", "RCPT TO", "RSET", "NOOP")):
                self.reply("250 OK")
            elif command == "DATA":
                if server.refuse:  # type: ignore[attr-defined]
                    self.reply("554 5.7.1 Relay access denied")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                server.received.append(b"".join(lines).decode())  # type: ignore[attr-defined]
                self.reply("250 OK queued")
            elif command == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def smtp_server() -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _SMTPHandler)
    server.refuse = True  # type: ignore[attr-defined]
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _smtp_config(app, port: int) -> dict:
    return {
        **app.config,
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_USE_TLS": False,
        "SMTP_USERNAME": None,
        "MAIL_FROM": "secretariat@example.org",
    }


def test_refusing_server_leaves_message_failed_and_a_retry_delivers(app, db, smtp_server):
    message = queue_message(
        recipient_email="focal@example.org",
        subject="Rappel : la session ferme bientôt",
        body="Bonjour,\n\nLa session ferme le 31 juillet.\n",
        language="fr",
        kind="round.reminder",
    )
    db.session.commit()
    config = _smtp_config(app, smtp_server.server_address[1])
    now = utcnow()

    counts = deliver_pending(config, now=now)

    assert (counts.sent, counts.failed) == (0, 1)
    failed = db.session.get(OutboxMessage, message.id)
    assert failed.status == "failed"
    assert "554" in failed.last_error and "Relay access denied" in failed.last_error
    assert failed.next_attempt_at > now
    assert smtp_server.received == []

    smtp_server.refuse = False
    counts = deliver_pending(config, now=now + timedelta(hours=1))

    assert counts.sent == 1
    sent = db.session.get(OutboxMessage, message.id)
    assert sent.status == "sent" and sent.last_error == "" and sent.attempts == 2
    assert len(smtp_server.received) == 1
    assert "To: focal@example.org" in smtp_server.received[0]
    assert "From: secretariat@example.org" in smtp_server.received[0]


def test_unreachable_server_is_a_failure_with_the_reason(app, db):
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    message = queue_message(
        recipient_email="focal@example.org",
        subject="s",
        body="b",
        language="en",
        kind="round.reminder",
    )
    db.session.commit()
    deliver_pending(_smtp_config(app, port))
    failed = db.session.get(OutboxMessage, message.id)
    assert failed.status == "failed"
    assert "ConnectionRefusedError" in failed.last_error


def test_a_server_that_asks_for_a_sign_in_gets_the_configured_one(app, db, smtp_server):
    smtp_server.refuse = False
    smtp_server.credentials = ("mailer", "s3cret")
    queue_message(
        recipient_email="focal@example.org", subject="s", body="b", language="en", kind="k"
    )
    db.session.commit()
    config = {
        **_smtp_config(app, smtp_server.server_address[1]),
        "SMTP_USERNAME": "mailer",
        "SMTP_PASSWORD": "s3cret",
    }
    assert deliver_pending(config).sent == 1
    assert len(smtp_server.received) == 1
