"""A real SMTP server on loopback for the tests (aiosmtpd): it keeps every message it accepts.

``SmtpServer(port)`` can be stopped and started again on the same port (a mail server that is down for a while).
``hold()`` makes the server keep the next message's DATA answer back until ``release()`` (the message is already
recorded: a sender killed then has handed it over without hearing 250). Optional STARTTLS and login.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from dataclasses import dataclass

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    rcpt: list[str]
    raw: bytes

    @property
    def message(self):
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def text(self) -> str:
        """The whole mail as a reader sees it: raw headers and body, plus the decoded subject and body."""
        msg = self.message
        return "\n".join([self.raw.decode("utf-8", "replace"), str(msg["Subject"]), msg.get_content()])


class _Handler:
    def __init__(self, server: "SmtpServer"):
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):
        srv = self.server
        with srv.lock:
            srv.received.append(Received(list(envelope.rcpt_tos), bytes(envelope.original_content
                                                                         or envelope.content)))
            holding = srv._hold
        if holding is not None:
            srv.arrived.set()
            while not holding.is_set():
                await asyncio.sleep(0.02)
        return "250 OK"


class SmtpServer:
    def __init__(self, port: int | None = None, *, tls_context=None, credentials: tuple[str, str] | None = None):
        self.port = port or free_port()
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.arrived = threading.Event()
        self._hold: threading.Event | None = None
        self._tls = tls_context
        self._credentials = credentials
        self._controller: Controller | None = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = self._credentials is not None and (auth_data.login.decode(), auth_data.password.decode()) == \
            self._credentials
        return AuthResult(success=ok, handled=False)

    def start(self) -> "SmtpServer":
        kwargs = {}
        if self._tls is not None:
            kwargs.update(tls_context=self._tls, require_starttls=True)
        if self._credentials is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=True)
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                      server_hostname="127.0.0.1", ready_timeout=10, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def hold(self) -> None:
        self.arrived.clear()
        self._hold = threading.Event()

    def release(self) -> None:
        if self._hold is not None:
            self._hold.set()
            self._hold = None

    def messages(self) -> list[Received]:
        with self.lock:
            return list(self.received)
