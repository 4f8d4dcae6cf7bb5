"""``Idempotency-Key`` on POSTs: the first request runs, a retry with the same key and
body gets the stored response (``Idempotent-Replayed: true``), a retry with another body
gets 422, and a retry while the first is still running gets 409.

Pure ASGI middleware, so requests without the header pay nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marketplace.idempotency.adapters import IdempotencyRecord, IdempotencyStore
from marketplace.shared.clock import Clock

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 255
_KEPT_HEADERS = {"content-type", "location"}

PrincipalResolver = Callable[[dict[str, str]], str]


def default_principal(headers: dict[str, str]) -> str:
    """Scope keys to the credential presented (callers replace this with a verified id)."""
    credential = headers.get("authorization") or headers.get("x-api-key") or ""
    return "cred:" + hashlib.sha256(credential.encode()).hexdigest()[:32]


class IdempotencyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        store: Callable[[], IdempotencyStore],
        clock: Callable[[], Clock],
        principal: Callable[[], PrincipalResolver],
    ) -> None:
        self.app = app
        self.store = store
        self.clock = clock
        self.principal = principal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        raw_key = next((v for k, v in scope["headers"] if k == HEADER), None)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        await self._handle(scope, receive, send, raw_key.decode("latin-1").strip())

    async def _handle(self, scope: Scope, receive: Receive, send: Send, key: str) -> None:
        from starlette.concurrency import run_in_threadpool

        if not key or len(key) > MAX_KEY_LENGTH:
            detail = f"Idempotency-Key must be 1..{MAX_KEY_LENGTH} characters."
            await _send_problem(send, 400, "idempotency_key_invalid", detail)
            return
        body = await _read_body(receive)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        principal = self.principal()(headers)
        path = scope["path"]
        digest = hashlib.sha256(
            scope["method"].encode() + b" " + path.encode() + b"\n" + body
        ).hexdigest()
        store = self.store()
        existing = await run_in_threadpool(
            lambda: store.claim(
                principal=principal, key=key, method=scope["method"], path=path,
                request_hash=digest, now=self.clock().now(),
            )
        )  # fmt: skip
        if existing is not None:
            await _answer_existing(send, existing, digest)
            return

        captured: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray()}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"].extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, _replay(body, receive), capture)
        except BaseException:
            await run_in_threadpool(lambda: store.release(principal=principal, key=key))
            raise
        status = captured["status"]
        if status >= 500:
            # Server errors are not remembered: the client may retry for real.
            await run_in_threadpool(lambda: store.release(principal=principal, key=key))
            return
        kept = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in captured["headers"]
            if k.decode("latin-1").lower() in _KEPT_HEADERS
        }
        await run_in_threadpool(
            lambda: store.complete(
                principal=principal, key=key, status=status, headers=kept,
                body=bytes(captured["body"]),
            )
        )  # fmt: skip


async def _answer_existing(send: Send, record: IdempotencyRecord, digest: str) -> None:
    if record.request_hash != digest:
        await _send_problem(send, 422, "idempotency_key_reused",
                            "This Idempotency-Key was used with a different request.")  # fmt: skip
    elif record.status != "completed":
        detail = "A request with this Idempotency-Key is still being processed."
        await _send_problem(send, 409, "idempotency_request_in_progress", detail)
    else:
        headers = [(k.encode(), v.encode()) for k, v in (record.response_headers or {}).items()]
        headers.append((b"idempotent-replayed", b"true"))
        await send({"type": "http.response.start", "status": record.response_status or 200,
                    "headers": headers})  # fmt: skip
        await send({"type": "http.response.body", "body": record.response_body or b""})


async def _read_body(receive: Receive) -> bytes:
    chunks = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunks.extend(message.get("body", b""))
            if not message.get("more_body", False):
                return bytes(chunks)
        elif message["type"] == "http.disconnect":
            return bytes(chunks)


def _replay(body: bytes, upstream: Receive) -> Receive:
    """Hand the buffered body to the app once, then pass the real channel through."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await upstream()

    return receive


async def _send_problem(send: Send, status: int, code: str, detail: str) -> None:
    body = json.dumps(
        {"type": f"https://agora.dev/problems/{code.replace('_', '-')}", "title": "Error",
         "status": status, "code": code, "detail": detail}
    ).encode()  # fmt: skip
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/problem+json")]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
