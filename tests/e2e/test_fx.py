"""FX over HTTP: the admin's batch upload, the public rates table, history and converter."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from tests.factories import db_snapshot, make_platform_admin, new_user_headers

API = "/api/v1"

BATCH = {
    "rate_date": "2026-01-05",
    "source": "PBOC central parity",
    "rates": [
        {"base": "USD", "quote": "CNY", "rate": "7.2"},
        {"base": "CNY", "quote": "JPY", "rate": "20.5"},
        {"base": "KWD", "quote": "CNY", "rate": "23.45678"},
    ],
}


def put_rates(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.put(f"{API}/admin/fx/rates", json=body, headers=headers)


@pytest.fixture
def admin(sqlite_client: TestClient, sqlite_app: Marketplace) -> dict[str, str]:
    return make_platform_admin(sqlite_client, sqlite_app)


@pytest.fixture
def seeded(sqlite_client: TestClient, admin: dict[str, str]) -> TestClient:
    resp = put_rates(sqlite_client, admin, BATCH)
    assert resp.status_code == 200, resp.text
    return sqlite_client


def convert(client: TestClient, amount: str, source: str, target: str, **extra: str) -> Any:
    params = {"amount": amount, "from": source, "to": target, "date": "2026-01-10", **extra}
    return client.get(f"{API}/fx/convert", params=params)


def test_admin_uploads_a_batch_and_the_public_reads_the_table(
    sqlite_client: TestClient, admin: dict[str, str]
) -> None:
    resp = put_rates(sqlite_client, admin, BATCH)
    assert resp.status_code == 200
    body = resp.json()
    assert body["rate_date"] == "2026-01-05"
    assert [(r["base"], r["quote"], r["rate"]) for r in body["rates"]] == [
        ("USD", "CNY", "7.2"),
        ("CNY", "JPY", "20.5"),
        ("KWD", "CNY", "23.45678"),
    ]

    table = sqlite_client.get(f"{API}/fx/rates", params={"date": "2026-01-31"}).json()
    assert table["as_of"] == "2026-01-31"
    assert [(r["base"], r["quote"], r["rate"], r["rate_date"]) for r in table["rates"]] == [
        ("CNY", "JPY", "20.5", "2026-01-05"),
        ("KWD", "CNY", "23.45678", "2026-01-05"),
        ("USD", "CNY", "7.2", "2026-01-05"),
    ]
    usd = sqlite_client.get(f"{API}/fx/rates", params={"base": "usd", "date": "2026-01-31"})
    assert usd.json()["base"] == "USD"
    assert [r["quote"] for r in usd.json()["rates"]] == ["CNY"]
    before = sqlite_client.get(f"{API}/fx/rates", params={"date": "2026-01-04"}).json()
    assert before["rates"] == []
    today = sqlite_client.get(f"{API}/fx/rates").json()  # no date: as of today
    assert len(today["rates"]) == 3


def test_a_same_day_upload_replaces_and_history_keeps_other_days(
    seeded: TestClient, admin: dict[str, str]
) -> None:
    later = {
        "rate_date": "2026-01-06",
        "source": "PBOC",
        "rates": [{"base": "USD", "quote": "CNY", "rate": "7.3"}],
    }
    assert put_rates(seeded, admin, later).status_code == 200
    fix = {**later, "source": "PBOC (corrected)"}
    fix["rates"] = [{"base": "USD", "quote": "CNY", "rate": "7.25"}]
    assert put_rates(seeded, admin, fix).status_code == 200
    history = seeded.get(f"{API}/fx/rates/history", params={"base": "USD", "quote": "CNY"})
    assert history.status_code == 200
    assert [(r["rate_date"], r["rate"], r["source"]) for r in history.json()["rates"]] == [
        ("2026-01-06", "7.25", "PBOC (corrected)"),
        ("2026-01-05", "7.2", "PBOC central parity"),
    ]


def test_convert_directly_states_the_rate_its_date_and_source(seeded: TestClient) -> None:
    resp = convert(seeded, "10.00", "USD", "CNY")
    assert resp.status_code == 200
    assert resp.json() == {
        "original": {"amount": "10.00", "currency": "USD"},
        "converted": {"amount": "72.00", "currency": "CNY"},
        "rate": "7.2",
        "rate_date": "2026-01-05",
        "source": "PBOC central parity",
        "method": "direct",
        "legs": [
            {
                "base": "USD",
                "quote": "CNY",
                "rate": "7.2",
                "rate_date": "2026-01-05",
                "source": "PBOC central parity",
            }
        ],
    }


def test_convert_through_the_inverse_and_through_the_pivot(seeded: TestClient) -> None:
    inverse = convert(seeded, "100", "CNY", "USD").json()
    assert inverse["method"] == "inverse"
    assert inverse["converted"] == {"amount": "13.89", "currency": "USD"}
    assert inverse["rate"] == "0.1388888888888888888888888889"

    cross = convert(seeded, "1.234", "KWD", "JPY").json()
    assert cross["method"] == "triangulated"
    assert cross["rate"] == "480.863990"  # 23.45678 x 20.5
    assert cross["converted"] == {"amount": "593", "currency": "JPY"}  # 593.386... -> 593
    assert [(leg["base"], leg["quote"]) for leg in cross["legs"]] == [
        ("KWD", "CNY"),
        ("CNY", "JPY"),
    ]

    same = convert(seeded, "5.5", "CNY", "CNY").json()
    assert (same["method"], same["rate"]) == ("identity", "1")
    assert same["converted"] == {"amount": "5.50", "currency": "CNY"}


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"amount": "1", "from": "USD", "to": "EUR"}, 404, "fx_rate_not_found"),
        ({"amount": "1", "from": "USD", "to": "CNY", "date": "2026-01-04"}, 404,
         "fx_rate_not_found"),
        ({"amount": "1.001", "from": "USD", "to": "CNY"}, 422, "money_precision"),
        ({"amount": "ten", "from": "USD", "to": "CNY"}, 422, "invalid_money"),
        ({"amount": "1", "from": "USD", "to": "XYZ"}, 422, "unsupported_currency"),
        ({"amount": "1", "from": "USD"}, 422, "request_validation_failed"),
        ({"amount": "1", "from": "USD", "to": "CNY", "date": "yesterday"}, 422,
         "request_validation_failed"),
    ],
)  # fmt: skip
def test_convert_errors_are_problem_json(
    seeded: TestClient, params: dict[str, str], status: int, code: str
) -> None:
    resp = seeded.get(f"{API}/fx/convert", params={"date": "2026-01-10", **params})
    assert resp.status_code == status
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == code


def test_only_platform_admins_may_upload_and_a_refusal_changes_nothing(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    before = db_snapshot(sqlite_app)
    anonymous = put_rates(sqlite_client, {}, BATCH)
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
    _, buyer = new_user_headers(sqlite_client)
    before = db_snapshot(sqlite_app)
    refused = put_rates(sqlite_client, buyer, BATCH)
    assert (refused.status_code, refused.json()["code"]) == (403, "platform_admin_required")
    assert db_snapshot(sqlite_app) == before


@pytest.mark.parametrize(
    ("rates", "code"),
    [
        ([{"base": "USD", "quote": "CNY", "rate": "0"}], "invalid_fx_rate"),
        ([{"base": "USD", "quote": "CNY", "rate": "-7"}], "invalid_fx_rate"),
        ([{"base": "USD", "quote": "USD", "rate": "1"}], "invalid_fx_rate"),
        ([{"base": "USD", "quote": "ABC", "rate": "1"}], "unsupported_currency"),
        ([{"base": "USD", "quote": "CNY", "rate": 7.2}], "request_validation_failed"),
        ([], "request_validation_failed"),
    ],
)
def test_a_bad_batch_is_refused_whole_and_changes_nothing(
    seeded: TestClient,
    sqlite_app: Marketplace,
    admin: dict[str, str],
    rates: list[dict[str, Any]],
    code: str,
) -> None:
    before = db_snapshot(sqlite_app)
    body = {**BATCH, "rates": [{"base": "EUR", "quote": "CNY", "rate": "7.8"}, *rates]}
    if not rates:
        body["rates"] = []
    resp = put_rates(seeded, admin, body)
    assert resp.status_code == 422
    assert resp.json()["code"] == code
    if code != "request_validation_failed":
        assert resp.json()["rate_index"] == 1
    assert db_snapshot(sqlite_app) == before


def test_fx_on_postgres(pg_client: TestClient, pg_app: Marketplace) -> None:
    admin = make_platform_admin(pg_client, pg_app)
    assert put_rates(pg_client, admin, BATCH).status_code == 200
    assert put_rates(pg_client, admin, BATCH).status_code == 200  # the same day again
    cross = convert(pg_client, "1.234", "KWD", "JPY").json()
    assert (cross["converted"]["amount"], cross["method"]) == ("593", "triangulated")
    table = pg_client.get(f"{API}/fx/rates", params={"date": "2026-01-05"}).json()
    assert len(table["rates"]) == 3
