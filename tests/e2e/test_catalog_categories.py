"""The category tree over HTTP: platform admins build it, everyone reads it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from tests.e2e.catalog_api import API, ok, problem, refuse_all
from tests.factories import db_snapshot, make_platform_admin, new_user_headers


def create(client: TestClient, admin: dict[str, str], **body: object) -> dict[str, object]:
    return ok(client.post(f"{API}/admin/categories", json=body, headers=admin), 201)  # type: ignore[no-any-return]


def test_build_rename_reorder_move_and_read_the_tree(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    c = sqlite_client
    admin = make_platform_admin(c, sqlite_app)
    women = create(c, admin, names={"zh": "女装", "en": "Women"})
    dresses = create(c, admin, names={"zh": "连衣裙", "en": "Dresses"}, parent_id=women["id"])
    tops = create(c, admin, names={"en": "Tops"}, parent_id=women["id"], slug="tops")
    sale = create(c, admin, names={"en": "Sale"})
    assert dresses["path"] == f"/{women['id']}/{dresses['id']}/"
    assert (dresses["depth"], tops["position"]) == (1, 1)

    renamed = ok(
        c.patch(
            f"{API}/admin/categories/{tops['id']}",
            json={"names": {"zh": "上衣"}, "position": 0},
            headers=admin,
        )
    )
    assert renamed["names"] == {"en": "Tops", "zh": "上衣"}
    assert renamed["position"] == 0

    tree = ok(c.get(f"{API}/categories", params={"locale": "zh-CN"}))
    assert [(n["name"], [k["name"] for k in n["children"]]) for n in tree] == [
        ("女装", ["上衣", "连衣裙"]),
        ("Sale", []),
    ]

    moved = ok(
        c.post(
            f"{API}/admin/categories/{women['id']}/move",
            json={"parent_id": sale["id"]},
            headers=admin,
        )
    )
    assert moved["path"] == f"/{sale['id']}/{women['id']}/"
    detail = ok(c.get(f"{API}/categories/{dresses['id']}", headers={"Accept-Language": "en"}))
    assert [b["name"] for b in detail["breadcrumb"]] == ["Sale", "Women", "Dresses"]
    assert detail["path"] == f"/{sale['id']}/{women['id']}/{dresses['id']}/"
    assert detail["depth"] == 2
    sale_detail = ok(c.get(f"{API}/categories/{sale['id']}"))
    assert [ch["id"] for ch in sale_detail["children"]] == [women["id"]]

    ok(c.patch(f"{API}/admin/categories/{women['id']}", json={"is_active": False}, headers=admin))
    problem(c.get(f"{API}/categories/{dresses['id']}"), 404, "category_not_found")
    assert [n["name"] for n in ok(c.get(f"{API}/categories"))[0]["children"]] == []


def test_refusals_change_nothing(sqlite_client: TestClient, sqlite_app: Marketplace) -> None:
    c = sqlite_client
    admin = make_platform_admin(c, sqlite_app)
    root = create(c, admin, names={"en": "Root"}, slug="root")
    child = create(c, admin, names={"en": "Child"}, parent_id=root["id"])
    _, buyer = new_user_headers(c)
    cats, move = f"{API}/admin/categories", f"{API}/admin/categories/{root['id']}/move"
    before = db_snapshot(sqlite_app)
    refuse_all(c, [
        ("POST", move, {"parent_id": child["id"]}, admin, 409, "category_cycle"),
        ("POST", move, {"parent_id": root["id"]}, admin, 409, "category_cycle"),
        ("POST", cats, {"names": {"en": "x"}, "slug": "root"}, admin, 409, "category_slug_taken"),
        ("POST", cats, {"names": {"en": "x"}, "parent_id": "cat_x"}, admin, 422,
         "unknown_category"),
        ("POST", cats, {"names": {"english!": "x"}}, admin, 422, "invalid_locale"),
        ("POST", cats, {"names": {"en": "x"}, "slug": "Bad Slug"}, admin, 422, "invalid_category"),
        ("PATCH", f"{cats}/cat_missing", {"position": 1}, admin, 404, "category_not_found"),
        ("POST", cats, {"names": {"en": "x"}}, buyer, 403, "platform_admin_required"),
        ("POST", cats, {"names": {"en": "x"}}, None, 401, "not_authenticated"),
        ("GET", f"{API}/categories/cat_missing", None, None, 404, "category_not_found"),
    ])  # fmt: skip
    assert db_snapshot(sqlite_app) == before
