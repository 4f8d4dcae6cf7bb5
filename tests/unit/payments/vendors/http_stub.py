"""A local HTTP server standing in for a vendor's API, on 127.0.0.1 in a thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# (method, path with query, headers, body) -> (status, headers, body)
Handler = Callable[[str, str, Mapping[str, str], bytes], tuple[int, dict[str, str], bytes]]


@contextmanager
def serve(handler: Handler, errors: list[BaseException]) -> Iterator[str]:
    """Serve ``handler``; yields the base URL. A handler that raises answers 500 and leaves
    the exception in ``errors``, so a test can show what went wrong on the vendor side."""

    class _Request(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            try:
                status, headers, out = handler(
                    self.command, self.path, dict(self.headers.items()), body
                )
            except Exception as exc:
                errors.append(exc)
                status, headers, out = 500, {}, repr(exc).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def do_POST(self) -> None:  # the name http.server dispatches POST to
            self._answer()

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Request)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
