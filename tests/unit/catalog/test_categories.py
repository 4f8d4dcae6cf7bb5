from datetime import UTC, datetime

import pytest

from marketplace.catalog.domain import Category, plan_move, reorder
from marketplace.catalog.domain.categories import (
    MAX_PATH_LENGTH,
    child_path,
    clean_names,
    make_slug,
    rename,
)
from marketplace.catalog.domain.errors import (
    CategoryCycleError,
    CategoryTooDeepError,
    InvalidCategoryError,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def cat(cid: str, parent: Category | None = None, position: int = 0) -> Category:
    return Category(
        id=cid,
        parent_id=parent.id if parent else None,
        slug=cid,
        names={"en": cid},
        path=child_path(parent, cid),
        depth=parent.depth + 1 if parent else 0,
        position=position,
        is_active=True,
        created_at=NOW,
        updated_at=NOW,
    )


ROOT = cat("a")
CHILD = cat("b", ROOT)
GRANDCHILD = cat("c", CHILD)
OTHER = cat("x")


def test_paths_and_ancestors() -> None:
    assert GRANDCHILD.path == "/a/b/c/"
    assert GRANDCHILD.ancestor_ids == ["a", "b"]
    assert ROOT.is_ancestor_of(GRANDCHILD)
    assert not GRANDCHILD.is_ancestor_of(ROOT)


@pytest.mark.parametrize("target", [CHILD, GRANDCHILD])
def test_moving_under_a_descendant_is_a_cycle(target: Category) -> None:
    with pytest.raises(CategoryCycleError) as info:
        plan_move(ROOT, target, deepest_path_length=len(GRANDCHILD.path))
    assert info.value.code == "category_cycle"


def test_moving_under_itself_is_a_cycle() -> None:
    with pytest.raises(CategoryCycleError):
        plan_move(CHILD, CHILD, deepest_path_length=len(GRANDCHILD.path))


def test_plan_move_under_another_parent() -> None:
    move = plan_move(CHILD, OTHER, deepest_path_length=len(GRANDCHILD.path))
    assert (move.old_prefix, move.new_prefix) == ("/a/b/", "/x/b/")
    assert move.depth_delta == 0
    assert move.new_parent_id == "x"


def test_plan_move_to_root_and_deeper() -> None:
    to_root = plan_move(GRANDCHILD, None, deepest_path_length=len(GRANDCHILD.path))
    assert (to_root.new_prefix, to_root.depth_delta, to_root.new_parent_id) == ("/c/", -2, None)
    deeper = plan_move(OTHER, GRANDCHILD, deepest_path_length=len(OTHER.path))
    assert (deeper.new_prefix, deeper.depth_delta) == ("/a/b/c/x/", 3)


def test_moves_that_would_overflow_the_path_are_refused() -> None:
    with pytest.raises(CategoryTooDeepError):
        plan_move(OTHER, GRANDCHILD, deepest_path_length=MAX_PATH_LENGTH)
    deep = ROOT
    with pytest.raises(CategoryTooDeepError):  # noqa: PT012
        for i in range(MAX_PATH_LENGTH):
            deep = cat(f"cat_{i:026d}", deep)


def test_reorder_moves_one_and_renumbers() -> None:
    siblings = [cat("p", position=0), cat("q", position=1), cat("r", position=2)]
    assert reorder(siblings, "r", 0) == {"r": 0, "p": 1, "q": 2}
    assert reorder(siblings, "p", 99) == {"q": 0, "r": 1, "p": 2}
    assert reorder(siblings, "q", 1) == {}
    with pytest.raises(InvalidCategoryError):
        reorder(siblings, "q", -1)


def test_names_are_validated_and_merged_on_rename() -> None:
    assert clean_names({"ZH": " 女装 ", "en": "Women's  clothing"}) == {
        "zh": "女装",
        "en": "Women's clothing",
    }
    with pytest.raises(InvalidCategoryError):
        clean_names({})
    with pytest.raises(InvalidCategoryError):
        clean_names({"en": "  "})
    renamed = rename(ROOT, {"zh": "根"}, NOW)
    assert renamed.names == {"en": "a", "zh": "根"}


def test_slugs() -> None:
    assert make_slug(None, {"en": "Women's Clothing & Shoes"}, "cat_X") == "women-s-clothing-shoes"
    assert make_slug(None, {"zh": "女装"}, "cat_01ABC") == "cat-01abc"
    assert make_slug("dresses", {}, "x") == "dresses"
    with pytest.raises(InvalidCategoryError):
        make_slug("Not A Slug", {}, "x")
