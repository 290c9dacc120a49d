"""A real SMTP server on loopback for the tests (aiosmtpd), and what reached it.

`SmtpServer` listens on a free port of 127.0.0.1 in a thread of its own; the
`smtp_server` fixture (tests/conftest.py) points Django's SMTP backend at it. Each
accepted message is parsed as a recipient's mail client would. The server can be
told to refuse (a 4xx/5xx answer) or to hang (accept the connection and never greet)
to show what the queue does when the real one misbehaves.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.server.refused.get(address) or self.server.refuse
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(
            envelope.original_content or envelope.content,
            policy=email.policy.default,
        )
        # A folded header (an encoded subject) parses with its leading blank.
        for name, value in list(message.items()):
            message.replace_header(name, str(value).strip())
        with self.server.lock:
            self.server.received.append(message)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[EmailMessage] = []
        self.lock = threading.Lock()
        # An SMTP reply to every RCPT (e.g. "550 mailbox unavailable"), or "".
        self.refuse = ""
        # Replies for single addresses (a mailbox that does not exist, say).
        self.refused: dict[str, str] = {}
        self.controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port
        )

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.received)


class HangingServer:
    """Accepts TCP connections and never says a word: a stuck mail server."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.port = self.socket.getsockname()[1]

    def close(self) -> None:
        self.socket.close()


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def everything_in(message: EmailMessage) -> str:
    """Every header and every part, decoded: what a mailbox reader could see."""
    headers = "\n".join(f"{name}: {value}" for name, value in message.items())
    parts = [
        part.get_content()
        for part in message.walk()
        if part.get_content_maintype() == "text"
    ]
    return headers + "\n" + "\n".join(parts)
