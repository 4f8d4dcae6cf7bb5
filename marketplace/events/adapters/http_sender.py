"""Sending webhooks with httpx, behind an SSRF guard.

A webhook URL is chosen by a merchant, so a request to it is a request a stranger makes
from inside our network. Registration refuses obvious internal targets; here, at send
time, the host is resolved once, every address it resolves to is checked (no loopback,
private, link-local such as cloud metadata, multicast or reserved address), and the
request goes to that checked address (``Host`` header and TLS SNI keep the name), so a
DNS answer that changes between the check and the connect (rebinding) cannot redirect it.
Redirects are not followed (a 3xx is a failed attempt) and environment proxies are not
used. What remains is the operator's part: run workers where egress is firewalled.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from marketplace.events.ports import SendResult
from marketplace.events.webhooks import is_disallowed_address

USER_AGENT = "Agora-Webhooks/1"
EXCERPT_BYTES = 1000

Resolver = Callable[..., list[Any]]


class BlockedTargetError(Exception):
    """The URL resolves nowhere, or somewhere a webhook may not go."""


class HttpxWebhookSender:
    def __init__(
        self,
        *,
        timeout_seconds: float,
        allow_private_networks: bool = False,
        resolver: Resolver = socket.getaddrinfo,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self.allow_private_networks = allow_private_networks
        self._resolve = resolver
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds), follow_redirects=False, trust_env=False
        )

    def close(self) -> None:
        self._client.close()

    def send(self, url: str, *, body: bytes, headers: dict[str, str]) -> SendResult:
        started = time.perf_counter()

        def elapsed() -> int:
            return int((time.perf_counter() - started) * 1000)

        try:
            target, host_header, extensions = self._pin(url)
        except BlockedTargetError as exc:
            return SendResult(None, elapsed(), error=f"blocked: {exc}")
        request_headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **headers,
            "Host": host_header,
        }
        try:
            with self._client.stream(
                "POST", target, content=body, headers=request_headers, extensions=extensions
            ) as response:
                excerpt = _excerpt(response)
                code = response.status_code
        except httpx.TimeoutException:
            return SendResult(None, elapsed(), error=f"timeout after {self.timeout_seconds:g}s")
        except httpx.HTTPError as exc:
            return SendResult(None, elapsed(), error=f"{type(exc).__name__}: {exc}"[:500])
        error = None if 200 <= code < 300 else f"HTTP {code}"
        return SendResult(code, elapsed(), error=error, response_excerpt=excerpt)

    def _pin(self, url: str) -> tuple[str, str, dict[str, Any]]:
        """The URL with its host replaced by a checked address, the Host header, and the
        TLS server name to verify."""
        parts = urlsplit(url)
        host, scheme = parts.hostname, parts.scheme.lower()
        if not host or scheme not in ("http", "https"):
            raise BlockedTargetError("not an http(s) URL")
        port = parts.port or (443 if scheme == "https" else 80)
        address = self._checked_address(host, port)
        literal = f"[{address}]" if address.version == 6 else str(address)
        netloc = f"{literal}:{parts.port}" if parts.port else literal
        target = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
        shown_host = f"[{host}]" if ":" in host else host
        host_header = f"{shown_host}:{parts.port}" if parts.port else shown_host
        extensions: dict[str, Any] = {}
        if scheme == "https" and not _is_ip(host):
            extensions["sni_hostname"] = host
        return target, host_header, extensions

    def _checked_address(
        self, host: str, port: int
    ) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        try:
            infos = self._resolve(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise BlockedTargetError(f"{host} does not resolve ({exc})") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        if not addresses:
            raise BlockedTargetError(f"{host} does not resolve")
        if not self.allow_private_networks:
            bad = [a for a in addresses if is_disallowed_address(a)]
            if bad:
                raise BlockedTargetError(f"{host} resolves to a non-public address ({bad[0]})")
        return addresses[0]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _excerpt(response: httpx.Response) -> str | None:
    """The first bytes of the answer, for the delivery log; the rest is not read."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= EXCERPT_BYTES:
            break
    data = b"".join(chunks)[:EXCERPT_BYTES]
    return data.decode("utf-8", errors="replace") if data else None
