"""The cart's pure rules: quantities, guest tokens, and the merge plan."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from marketplace.cart.domain import (
    MAX_QUANTITY,
    Cart,
    CartLine,
    CartOwner,
    CartStatus,
    InvalidCartQuantityError,
    hash_cart_token,
    looks_like_cart_token,
    plan_merge,
    require_quantity,
)
from marketplace.cart.services import new_guest_token

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def line(sku_id: str, quantity: int, minutes: int = 0) -> CartLine:
    at = T0 + timedelta(minutes=minutes)
    return CartLine(sku_id, quantity, at, at)


@pytest.mark.parametrize("quantity", [1, 2, 999])
def test_quantities_within_range(quantity: int) -> None:
    assert require_quantity(quantity) == quantity


@pytest.mark.parametrize("quantity", [0, -1, 1000, True, 2.0, "3", None])
def test_quantities_out_of_range_or_not_ints(quantity: object) -> None:
    with pytest.raises(InvalidCartQuantityError) as refused:
        require_quantity(quantity)
    assert refused.value.code == "invalid_quantity"


def test_guest_tokens_are_random_prefixed_and_stored_as_sha256() -> None:
    tokens = {new_guest_token() for _ in range(50)}
    assert len(tokens) == 50
    token = tokens.pop()
    assert looks_like_cart_token(token)
    assert len(token) >= 4 + 43  # 32 random bytes in URL-safe base64
    assert hash_cart_token(token) == hashlib.sha256(token.encode()).hexdigest()
    assert not looks_like_cart_token("Bearer abc")
    assert not looks_like_cart_token("gct_" + "x" * 300)


def test_cart_quantities_keep_line_order_and_owner_kinds() -> None:
    cart = Cart("cart_1", None, CartStatus.ACTIVE, "CNY", 1, T0, T0,
                (line("b", 2), line("a", 1)))  # fmt: skip
    assert list(cart.quantities().items()) == [("b", 2), ("a", 1)]
    assert (cart.is_guest, cart.is_active, cart.line("a"), cart.line("z")) == (
        True, True, line("a", 1), None,
    )  # fmt: skip
    assert CartOwner.buyer("usr_1").is_buyer
    assert CartOwner.guest("") == CartOwner()  # an empty header is no token


def test_merge_plan_adds_caps_and_skips_the_newest_new_lines() -> None:
    guest = [line("new-late", 1, 3), line("held", 5, 0), line("new-early", 2, 1),
             line("near-cap", 9, 2)]  # fmt: skip
    buyer = {"held": 1, "near-cap": MAX_QUANTITY - 3}
    plan = plan_merge(guest, buyer, max_lines=3)
    assert [(sku, q) for sku, q, _ in plan.lines] == [("held", 5), ("new-early", 2),
                                                       ("near-cap", 9)]  # fmt: skip
    assert plan.lines[1][2] == T0 + timedelta(minutes=1)  # keeps the guest's added_at
    assert (plan.capped, plan.skipped) == (("near-cap",), ("new-late",))


def test_merge_plan_into_a_cart_over_its_limit_still_tops_up_held_lines() -> None:
    plan = plan_merge([line("held", 1), line("new", 1)], {"held": 1, "x": 1}, max_lines=1)
    assert ([sku for sku, _, _ in plan.lines], plan.skipped) == (["held"], ("new",))
    assert plan_merge([], {}, max_lines=5).lines == ()
