"""A real SMTP server (aiosmtpd on 127.0.0.1) that keeps every message, for tests that send e-mail.

def test_x(smtp_sink):
    sink = smtp_sink()          # settings now point Django's SMTP backend at it
    ...
    sink.messages[0]["To"]
"""

import email
import re
import socket
import time
from email import policy

import pytest
from aiosmtpd.controller import Controller


class Recorder:
    """Keeps every accepted message; refuses the messages whose 1-based numbers are in `fail_on`."""

    def __init__(self, fail_on=()):
        self.messages = []
        self.attempts = 0
        self.fail_on = set(fail_on)

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.attempts in self.fail_on:
            return "451 4.3.0 Temporary failure, try again later"
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"

    def recipients(self):
        return sorted(str(m["To"]) for m in self.messages)

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        """The messages once at least `count` arrived (a live server sends from another thread)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"expected {count} messages, got {len(self.messages)}"
        return self.messages

    def links(self, message, pattern: str = r"https?://\S+") -> list[str]:
        body = message.get_body(preferencelist=("plain", "html")).get_content()
        return re.findall(pattern, body)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_sink(settings):
    servers = []

    def start(fail_on=()):
        recorder = Recorder(fail_on)
        controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), ready_timeout=5)
        controller.start()
        servers.append(controller)
        recorder.port = controller.port
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", controller.port, 5
        return recorder

    yield start
    for controller in servers:
        controller.stop()
