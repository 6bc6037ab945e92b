"""Mail servers that misbehave, for the outbox tests (EMAIL_BACKEND dotted paths).

``Outage`` is shared state: how many more sends fail, and how many were tried. A failing
send raises what smtplib raises when the server drops the line; a hanging one first waits
(as a real one would until EMAIL_TIMEOUT) and then times out."""

import smtplib
import threading
import time

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class Outage:
    failures_left = 0
    hang_seconds = 0.0
    tried = 0
    threads: list[threading.Thread] = []

    @classmethod
    def reset(cls, *, failures: int = 0, hang_seconds: float = 0.0) -> None:
        cls.failures_left = failures
        cls.hang_seconds = hang_seconds
        cls.tried = 0
        cls.threads = []


class FlakyBackend(LocmemBackend):
    """Fails (or hangs, then times out) ``Outage.failures_left`` times, then delivers to
    ``django.core.mail.outbox`` like the test backend."""

    def send_messages(self, messages):
        Outage.tried += 1
        Outage.threads.append(threading.current_thread())
        if Outage.failures_left > 0:
            Outage.failures_left -= 1
            if Outage.hang_seconds:
                time.sleep(Outage.hang_seconds)
                raise TimeoutError("timed out")
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
