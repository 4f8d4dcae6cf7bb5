"""The frame every page shares, in a real browser: sign in and out, the language and currency
switches, keyboard access (skip link, focus), the phone layout, and axe-core's checks."""

from __future__ import annotations

from typing import Any

from marketplace.bootstrap import Marketplace
from marketplace.parties import services as parties
from tests.browser.conftest import assert_accessible, shoot, sign_in
from tests.factories import DEFAULT_PASSWORD, unique_email


def test_sign_in_switch_language_and_sign_out(pg_app: Marketplace, serve: Any, page: Any) -> None:
    base = serve(pg_app)
    email = unique_email()
    parties.register_user(parties.RegisterUser(email=email, password=DEFAULT_PASSWORD,
                                               display_name="Li Wei"),
                          uow=pg_app.uow(), passwords=pg_app.passwords)  # fmt: skip
    page.goto(f"{base}/login")
    assert page.locator("html").get_attribute("lang") == "en"  # from the browser's en-GB
    assert_accessible(page, context="sign-in page")
    shoot(page, "frame-login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("wrong-password-1")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "The e-mail or the password is wrong."

    sign_in(page, base, email, DEFAULT_PASSWORD)
    assert "Signed in as Li Wei" in page.inner_text("header")
    page.select_option("#pref-lang", "zh")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "已登录：Li Wei" in page.inner_text("header")
    page.reload()
    assert page.locator("html").get_attribute("lang") == "zh-CN"  # kept in a cookie
    assert_accessible(page, context="home, signed in, Chinese")

    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    assert "登录" in page.inner_text("header")
    assert not any(c["name"] == "agora_access" for c in page.context.cookies())


def test_keyboard_reaches_the_content_first(pg_app: Marketplace, serve: Any, page: Any) -> None:
    base = serve(pg_app)
    page.goto(f"{base}/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_phone_layout_has_no_sideways_scroll(
    pg_app: Marketplace, serve: Any, phone_page: Any
) -> None:
    base = serve(pg_app)
    phone_page.goto(f"{base}/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert phone_page.locator("html").get_attribute("lang") == "zh-CN"
    shoot(phone_page, "frame-home-phone")
