"""A real HTTP endpoint standing in for a merchant's webhook receiver (``http.server`` in
a thread). It verifies each request the way the docs tell receivers to, and can be told
to fail its first requests or answer slowly."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from marketplace.events.signing import verify_signature


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int


@dataclass
class Receiver:
    now: Callable[[], float]  # the receiver's clock, unix seconds
    secrets: list[str] = field(default_factory=list)  # any one verifying is enough
    fail_first: int = 0  # answer 500 to this many requests first
    delay_seconds: float = 0.0
    requests: list[Received] = field(default_factory=list)
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        return any(
            verify_signature(
                secret,
                body=body,
                timestamp_header=headers.get("agora-timestamp", ""),
                signature_header=headers.get("agora-signature", ""),
                now=self.now(),
            )
            for secret in self.secrets
        )

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        verified = self.verify(headers, body)
        with self._lock:
            failing = len(self.requests) < self.fail_first
            code = 401 if not verified else 500 if failing else 200
            self.requests.append(Received(headers, body, verified, code))
        return code

    def delivery_ids(self) -> list[str]:
        with self._lock:
            return [r.headers["agora-delivery-id"] for r in self.requests]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            if receiver.delay_seconds:
                threading.Event().wait(receiver.delay_seconds)
            code = receiver.answer(headers, body)
            payload = b'{"ok":true}' if code == 200 else b"nope " * 400
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler


@contextmanager
def running_receiver(receiver: Receiver, *, host: str = "127.0.0.1") -> Iterator[Receiver]:
    server = ThreadingHTTPServer((host, 0), _handler(receiver))
    receiver.url = f"http://{host}:{server.server_address[1]}/agora/hooks?src=test"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
