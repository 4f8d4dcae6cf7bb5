from fastapi.testclient import TestClient


def test_healthz_and_readyz_on_postgres_with_redis(pg_client: TestClient) -> None:
    assert pg_client.get("/healthz").json() == {"status": "ok"}
    ready = pg_client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}
    assert ready.headers["x-request-id"]


def test_readyz_on_sqlite_without_redis(sqlite_client: TestClient) -> None:
    ready = sqlite_client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok"}


def test_unknown_route_is_problem_json(sqlite_client: TestClient) -> None:
    resp = sqlite_client.get("/api/v1/nope")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == "not_found"
