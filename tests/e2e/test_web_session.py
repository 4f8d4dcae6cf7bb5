"""Signing in to the web pages: cookies carry the API's own tokens, the CSRF double submit
guards every unsafe request made with them, an expired access token is refreshed before the
route runs, and page errors are pages while API errors stay problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace, bootstrap
from marketplace.shared.clock import FixedClock
from serving.api.app import create_app
from tests.factories import API, DEFAULT_PASSWORD, register_user, unique_email


@pytest.fixture
def web(pg_app: Marketplace, clock: FixedClock) -> Iterator[tuple[TestClient, FixedClock]]:
    app = bootstrap(pg_app.settings, engine=pg_app.engine, cache=pg_app.cache, clock=clock)
    with TestClient(create_app(app), follow_redirects=False) as client:
        yield client, clock


def _sign_in(client: TestClient, email: str, next_path: str = "/orders") -> None:
    client.get("/login")
    form = {"email": email, "password": DEFAULT_PASSWORD, "next": next_path,
            "csrf": client.cookies["agora_csrf"]}  # fmt: skip
    resp = client.post("/login", data=form)
    assert resp.status_code == 303, resp.text
    assert resp.headers["location"] == next_path


def test_a_first_visit_gets_a_csrf_cookie_and_a_browsing_session(
    web: tuple[TestClient, FixedClock],
) -> None:
    client, _ = web
    page = client.get("/", headers={"accept-language": "en-GB,en;q=0.9,zh;q=0.5"})
    assert page.status_code == 200
    assert client.cookies["agora_csrf"]
    assert client.cookies["agora_sid"]
    assert f'content="{client.cookies["agora_csrf"]}"' in page.text  # for scripts and htmx
    assert '<html lang="en">' in page.text
    again = client.get("/?lang=zh")
    assert '<html lang="zh-CN">' in again.text
    assert client.cookies["agora_lang"] == "zh"
    assert '<html lang="zh-CN">' in client.get("/", headers={"accept-language": "en"}).text


def test_sign_in_refuses_a_wrong_password_and_a_missing_csrf_field(
    web: tuple[TestClient, FixedClock],
) -> None:
    client, _ = web
    email = unique_email()
    register_user(client, email=email)
    client.get("/login")
    wrong = client.post("/login", data={"email": email, "password": "nope-nope-1",
                                        "csrf": client.cookies["agora_csrf"]})  # fmt: skip
    assert wrong.status_code == 401
    assert 'role="alert"' in wrong.text
    forged = client.post("/login", data={"email": email, "password": DEFAULT_PASSWORD})
    assert forged.status_code == 403
    assert "agora_access" not in client.cookies


def test_the_session_cookie_works_for_pages_and_the_api_with_csrf_on_writes(
    web: tuple[TestClient, FixedClock],
) -> None:
    client, _ = web
    email = unique_email()
    register_user(client, email=email, display_name="Li Wei")
    _sign_in(client, email)
    assert "Li Wei" in client.get("/").text
    me = client.get(f"{API}/auth/me")
    assert me.status_code == 200, me.text
    assert me.json()["email"] == email
    body = {"sku_id": "sku_missing", "quantity": 1}
    without = client.post(f"{API}/cart/lines", json=body)
    assert without.status_code == 403
    assert without.json()["code"] == "csrf_failed"
    forged = client.post(f"{API}/cart/lines", json=body, headers={"X-CSRF-Token": "guess"})
    assert forged.json()["code"] == "csrf_failed"
    honest = client.post(f"{API}/cart/lines", json=body,
                         headers={"X-CSRF-Token": client.cookies["agora_csrf"]})  # fmt: skip
    assert honest.json().get("code") != "csrf_failed"  # past the check: the SKU is unknown


def test_an_expired_access_token_is_refreshed_before_the_route_runs(
    web: tuple[TestClient, FixedClock],
) -> None:
    client, clock = web
    email = unique_email()
    register_user(client, email=email)
    _sign_in(client, email)
    first = client.cookies["agora_access"], client.cookies["agora_refresh"]
    clock.advance(timedelta(minutes=16))  # past the 15-minute access token
    me = client.get(f"{API}/auth/me")
    assert me.status_code == 200, me.text
    assert client.cookies["agora_access"] != first[0]
    assert client.cookies["agora_refresh"] != first[1]
    # the spent refresh token, presented again after the 30 s reuse interval, is refused
    clock.advance(timedelta(seconds=31))
    stale = TestClient(client.app, follow_redirects=False)
    stale.cookies.set("agora_refresh", first[1])
    with stale:
        assert stale.get(f"{API}/auth/me").status_code == 401


def test_sign_out_revokes_the_session(web: tuple[TestClient, FixedClock]) -> None:
    client, _ = web
    email = unique_email()
    register_user(client, email=email)
    _sign_in(client, email)
    refresh = client.cookies["agora_refresh"]
    forged = client.post("/logout", data={})
    assert forged.status_code == 403
    out = client.post("/logout", data={"csrf": client.cookies["agora_csrf"]})
    assert out.status_code == 303
    assert "agora_access" not in client.cookies
    spent = client.post(f"{API}/auth/refresh", json={"refresh_token": refresh})
    assert spent.status_code == 401


def test_pages_that_need_a_user_send_to_sign_in_and_back_only_to_this_site(
    web: tuple[TestClient, FixedClock],
) -> None:
    client, _ = web
    email = unique_email()
    register_user(client, email=email)
    client.get("/login")
    form = {"email": email, "password": DEFAULT_PASSWORD, "next": "//evil.example/x",
            "csrf": client.cookies["agora_csrf"]}  # fmt: skip
    evil = client.post("/login", data=form)
    assert evil.headers["location"] == "/"


def test_errors_are_pages_on_pages_and_problem_json_on_the_api(
    web: tuple[TestClient, FixedClock],
) -> None:
    client, _ = web
    page = client.get("/p/no-such-product-here")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    fragment = client.get("/p/no-such-product-here", headers={"HX-Request": "true"})
    assert fragment.status_code == 404
    assert fragment.text.lstrip().startswith('<div class="error"')
    api = client.get(f"{API}/no-such-route")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


def test_api_clients_get_no_cookies_they_did_not_ask_for(
    web: tuple[TestClient, FixedClock],
) -> None:
    client, _ = web
    resp = client.get(f"{API}/categories")
    assert "set-cookie" not in resp.headers
    assert "set-cookie" in client.get("/").headers  # a page does hand them out
