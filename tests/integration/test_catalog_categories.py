"""The category tree on SQLite and PostgreSQL: creation, moves, reorders, path queries."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from marketplace.catalog import queries, services
from marketplace.catalog.adapters.tables import categories
from marketplace.catalog.domain.commands import CreateCategory, MoveCategory, UpdateCategory
from marketplace.catalog.domain.errors import (
    CategoryCycleError,
    CategoryNotFoundError,
    CategorySlugTakenError,
    UnknownCategoryError,
)
from marketplace.shared.clock import FixedClock
from tests.integration.catalog_seed import Catalog


@pytest.fixture
def catalog(any_engine: Engine, clock: FixedClock) -> Catalog:
    return Catalog(any_engine, clock)


def rows(engine: Engine) -> dict[str, tuple[str | None, str, int, int]]:
    with engine.connect() as conn:
        return {
            r.id: (r.parent_id, r.path, r.depth, r.position)
            for r in conn.execute(select(categories))
        }


def tree_names(engine: Engine, locale: str = "en") -> list[object]:
    def walk(nodes: list[dict[str, object]]) -> list[object]:
        out: list[object] = []
        for node in nodes:
            children = walk(node["children"])  # type: ignore[arg-type]
            out.append((node["name"], children) if children else node["name"])
        return out

    with queries.read_connection(engine) as conn:
        return walk(queries.category_tree(conn, locale=locale))


def test_create_builds_paths_depths_and_positions(catalog: Catalog, any_engine: Engine) -> None:
    women = catalog.category("Women", zh="女装")
    dresses = catalog.category("Dresses", women, zh="连衣裙")
    tops = catalog.category("Tops", women)
    state = rows(any_engine)
    assert state[women] == (None, f"/{women}/", 0, 0)
    assert state[dresses] == (women, f"/{women}/{dresses}/", 1, 0)
    assert state[tops] == (women, f"/{women}/{tops}/", 1, 1)
    assert tree_names(any_engine) == [("Women", ["Dresses", "Tops"])]
    assert tree_names(any_engine, "zh-CN") == [("女装", ["连衣裙", "Tops"])]


def test_create_at_a_position_and_slug_rules(catalog: Catalog, any_engine: Engine) -> None:
    a = catalog.category("A")
    catalog.category("B")
    first = services.create_category(
        CreateCategory(names={"en": "Zero"}, position=0, slug="zero"), uow=catalog.uow()
    )
    assert tree_names(any_engine) == ["Zero", "A", "B"]
    assert rows(any_engine)[a][3] == 1
    with pytest.raises(CategorySlugTakenError):
        services.create_category(CreateCategory(names={"en": "Zero"}), uow=catalog.uow())
    with pytest.raises(UnknownCategoryError):
        services.create_category(
            CreateCategory(names={"en": "x"}, parent_id="cat_nope"), uow=catalog.uow()
        )
    assert first.slug == "zero"
    assert len(rows(any_engine)) == 3


def test_move_rewrites_the_whole_subtree(catalog: Catalog, any_engine: Engine) -> None:
    women = catalog.category("Women")
    dresses = catalog.category("Dresses", women)
    maxi = catalog.category("Maxi", dresses)
    long_maxi = catalog.category("Long maxi", maxi)
    sale = catalog.category("Sale")
    catalog.category("Other")

    moved = services.move_category(MoveCategory(dresses, sale), uow=catalog.uow())

    state = rows(any_engine)
    assert moved.path == f"/{sale}/{dresses}/"
    assert state[dresses] == (sale, f"/{sale}/{dresses}/", 1, 0)
    assert state[maxi] == (dresses, f"/{sale}/{dresses}/{maxi}/", 2, 0)
    assert state[long_maxi] == (maxi, f"/{sale}/{dresses}/{maxi}/{long_maxi}/", 3, 0)
    assert state[women] == (None, f"/{women}/", 0, 0)

    services.move_category(MoveCategory(maxi, None), uow=catalog.uow())
    state = rows(any_engine)
    assert state[maxi] == (None, f"/{maxi}/", 0, 3)  # after Women, Sale, Other
    assert state[long_maxi] == (maxi, f"/{maxi}/{long_maxi}/", 1, 0)
    assert tree_names(any_engine) == [
        "Women",
        ("Sale", ["Dresses"]),
        "Other",
        ("Maxi", ["Long maxi"]),
    ]


def test_move_under_itself_or_a_descendant_changes_nothing(
    catalog: Catalog, any_engine: Engine
) -> None:
    women = catalog.category("Women")
    dresses = catalog.category("Dresses", women)
    maxi = catalog.category("Maxi", dresses)
    before = rows(any_engine)
    for target in (women, dresses, maxi):
        with pytest.raises(CategoryCycleError) as info:
            services.move_category(MoveCategory(women, target), uow=catalog.uow())
        assert info.value.code == "category_cycle"
    with pytest.raises(CategoryNotFoundError):
        services.move_category(MoveCategory("cat_missing", None), uow=catalog.uow())
    assert rows(any_engine) == before


def test_move_to_a_position_among_new_siblings(catalog: Catalog, any_engine: Engine) -> None:
    root = catalog.category("Root")
    a = catalog.category("A", root)
    catalog.category("B", root)
    x = catalog.category("X")
    services.move_category(MoveCategory(x, root, position=1), uow=catalog.uow())
    assert tree_names(any_engine) == [("Root", ["A", "X", "B"])]
    assert rows(any_engine)[a][3] == 0


def test_reorder_rename_and_deactivate(catalog: Catalog, any_engine: Engine) -> None:
    root = catalog.category("Root", zh="根")
    a = catalog.category("A", root)
    b = catalog.category("B", root)
    catalog.category("Under B", b)
    services.update_category(UpdateCategory(b, position=0), uow=catalog.uow())
    assert tree_names(any_engine) == [("Root", [("B", ["Under B"]), "A"])]
    renamed = services.update_category(
        UpdateCategory(root, names={"en": "Everything"}), uow=catalog.uow()
    )
    assert renamed.names == {"en": "Everything", "zh": "根"}
    services.update_category(UpdateCategory(b, is_active=False), uow=catalog.uow())
    assert tree_names(any_engine) == [("Everything", ["A"])]  # B's subtree is hidden
    with queries.read_connection(any_engine) as conn:
        with pytest.raises(CategoryNotFoundError):
            queries.category_detail(conn, b, locale="en")
        admin_view = queries.category_detail(conn, b, locale="en", public=False)
        assert admin_view["is_active"] is False
        detail = queries.category_detail(conn, a, locale="zh")
    assert [c["name"] for c in detail["breadcrumb"]] == ["根", "A"]
    assert detail["children"] == []


def test_breadcrumb_children_and_subtree(catalog: Catalog, any_engine: Engine) -> None:
    women = catalog.category("Women")
    dresses = catalog.category("Dresses", women)
    maxi = catalog.category("Maxi", dresses)
    mini = catalog.category("Mini", dresses)
    catalog.category("Men")
    with queries.read_connection(any_engine) as conn:
        detail = queries.category_detail(conn, dresses, locale="en")
        subtree = queries.category_subtree(conn, women, locale="en")
        leaf = queries.category_detail(conn, maxi, locale="en")
    assert [c["id"] for c in detail["breadcrumb"]] == [women, dresses]
    assert [c["id"] for c in detail["children"]] == [maxi, mini]
    assert [c["name"] for c in subtree] == ["Women", "Dresses", "Maxi", "Mini"]
    assert [c["name"] for c in leaf["breadcrumb"]] == ["Women", "Dresses", "Maxi"]
