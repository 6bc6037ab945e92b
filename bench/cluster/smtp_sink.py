"""A small SMTP server for ``make bench-cluster``: it keeps every message it accepts as a file
(so the checks can count each letter's ``Message-ID``) and answers ``451 try again later``
to every ``fail_every``-th message, like a busy mail server, so the workers' retries with
backoff are part of the run. Loopback only; runs in a thread of cluster.py."""

from __future__ import annotations

import itertools
import socketserver
import threading
from pathlib import Path


class _Handler(socketserver.StreamRequestHandler):
    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        server: SmtpSink = self.server  # type: ignore[assignment]
        self._reply("220 bench-cluster SMTP sink")
        while line := self.rfile.readline():
            verb = line[:4].decode(errors="replace").upper()
            if verb == "EHLO":
                self.wfile.write(b"250-bench-cluster\r\n250 8BITMIME\r\n")
            elif verb in ("HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                if server.refuse_next():
                    self._reply("451 4.3.0 Mailbox busy, try again later")
                else:
                    server.keep(b"".join(lines))
                    self._reply("250 OK: queued")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")


class SmtpSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, directory: Path, *, fail_every: int = 3) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.directory = directory
        self.fail_every = fail_every
        self.lock = threading.Lock()
        self.seen = itertools.count(1)
        self.kept = 0
        self.refused = 0

    def refuse_next(self) -> bool:
        with self.lock:
            refuse = self.fail_every > 0 and next(self.seen) % self.fail_every == 0
            self.refused += refuse
            return refuse

    def keep(self, message: bytes) -> None:
        with self.lock:
            self.kept += 1
            (self.directory / f"{self.kept:06d}.eml").write_bytes(message)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="smtp-sink", daemon=True)
        thread.start()
        return thread
