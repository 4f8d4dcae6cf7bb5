"""Browser tests: the real app served by uvicorn on a free port (PostgreSQL behind it), driven
by Playwright in Debian's headless Chromium (``/usr/bin/chromium``; no browser download).

- ``serve(app)``: the URL of ``app`` served in a background thread until the test ends.
- ``page``: a fresh browser context (desktop size; ``phone_page`` is a phone's).
- ``shoot(page, name)``: a full-page screenshot under ``$AGORA_ARTIFACTS_DIR/screenshots``
  (default ``var/artifacts``), kept as a CI artifact, never committed.
- ``assert_accessible(page)``: axe-core (bundled with axe-playwright-python, offline) on
  WCAG 2.1 A/AA rules; any violation fails with its rule, impact and elements.

Without Chromium the tests are skipped, except under CI, where ``.ci/run`` installs it and
its absence is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from marketplace.bootstrap import Marketplace
from serving.api.app import create_app

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("AGORA_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-dev-shm-usage"]  # fmt: skip
ARTIFACTS = Path(os.environ.get("AGORA_ARTIFACTS_DIR", "var/artifacts"))
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = pytest.mark.browser


def _chromium() -> str:
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not path:
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return str(path)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Per module, not per session: Playwright's sync API keeps an event loop running on the
    # main thread while it is open, and later tests calling asyncio.run() would fail.
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = _chromium()
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # a thread cannot take signals
        pass


@pytest.fixture
def serve() -> Iterator[Callable[[Marketplace], str]]:
    servers: list[tuple[_Server, threading.Thread]] = []

    def start(app: Marketplace) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        config = uvicorn.Config(create_app(app), host="127.0.0.1", port=port, log_level="warning",
                                lifespan="on")  # fmt: skip
        server = _Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


def shoot(page: Any, name: str) -> Path:
    """A full-page screenshot, named for the test's story (``checkout-split``...)."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page: Any, *, context: str = "") -> None:
    """No axe-core WCAG 2.1 A/AA violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    violations = result.response["violations"]
    if violations:
        lines = [f"{v['id']} ({v['impact']}): {v['help']} -> "
                 + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
                 for v in violations]  # fmt: skip
        raise AssertionError(f"axe found {len(violations)} problems on {context or page.url}:\n"
                             + "\n".join(lines))  # fmt: skip


def sign_in(page: Any, base: str, email: str, password: str, next_path: str = "/") -> None:
    page.goto(f"{base}/login?next={next_path}")
    page.get_by_label("E-mail").or_(page.get_by_label("邮箱")).fill(email)
    page.get_by_label("Password").or_(page.get_by_label("密码")).fill(password)
    page.get_by_role("button", name="Sign in").or_(page.get_by_role("button", name="登录")).click()
    page.wait_for_url(lambda url: "/login" not in url)
