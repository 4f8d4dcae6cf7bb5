"""Cart use cases on both databases: the atomic upsert, the quantity and line limits,
guest carts, merging, and what checkout relies on (version, remove_lines). Each refusal
checks its error and that no cart or line row changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from marketplace.cart import services as svc
from marketplace.cart.adapters.tables import carts
from marketplace.cart.domain import (
    MAX_QUANTITY,
    CartLineLimitError,
    CartLineNotFoundError,
    CartNotFoundError,
    CartOwner,
    CartQuantityLimitError,
    CartTokenRequiredError,
    InvalidCartQuantityError,
    SkuNotAvailableError,
    hash_cart_token,
)
from marketplace.db.uow import SqlUnitOfWork
from marketplace.shared.clock import FixedClock
from marketplace.shared.currency import UnsupportedCurrencyError
from tests.integration.cart_seed import Seller, cart_rows, count_carts, insert_user, open_seller
from tests.integration.catalog_seed import set_merchant_status


@dataclass
class World:
    engine: Engine
    clock: FixedClock
    seller: Seller
    buyer: str

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, clock=self.clock)

    def add(self, owner: CartOwner, sku: str, quantity: int, **kw: int) -> svc.CartChange:
        cmd = svc.AddToCart(owner, sku, quantity)
        return svc.add_to_cart(cmd, uow=self.uow(), **kw)  # type: ignore[arg-type]

    def cart(self, owner: CartOwner) -> dict[str, int]:
        with self.uow() as uow:
            cart = svc.find_cart(owner, uow=uow)
            return cart.quantities() if cart else {}


@pytest.fixture
def world(any_engine: Engine, clock: FixedClock) -> World:
    return World(any_engine, clock, open_seller(any_engine, clock), insert_user(any_engine, clock))


def test_adding_twice_adds_to_the_line_and_bumps_the_version(world: World) -> None:
    sku = world.seller.sku()
    buyer = CartOwner.buyer(world.buyer)
    first = world.add(buyer, sku, 2)
    world.clock.advance(timedelta(minutes=1))
    again = world.add(buyer, sku, 3)
    assert first.cart_id == again.cart_id
    assert (first.guest_token, again.guest_token) == (None, None)
    with world.uow() as uow:
        cart = uow.carts.active_for_buyer(world.buyer)
    assert cart is not None
    assert cart.quantities() == {sku: 5}
    # Created at version 1, each add locked and bumped it once.
    assert (cart.version, cart.currency, cart.updated_at) == (3, "CNY", world.clock.now())
    line = cart.lines[0]
    assert line.updated_at - line.added_at == timedelta(minutes=1)


def test_a_line_holds_at_most_999_and_a_refusal_changes_nothing(world: World) -> None:
    sku = world.seller.sku()
    buyer = CartOwner.buyer(world.buyer)
    world.add(buyer, sku, 990)
    before = cart_rows(world.engine)
    with pytest.raises(CartQuantityLimitError) as refused:
        world.add(buyer, sku, 10)
    assert refused.value.details == {"sku_id": sku, "in_cart": 990, "max_quantity": 999}
    assert cart_rows(world.engine) == before
    world.add(buyer, sku, 9)
    assert world.cart(buyer) == {sku: MAX_QUANTITY}
    for quantity in (0, -1, 1000, True):
        with pytest.raises(InvalidCartQuantityError):
            world.add(buyer, sku, quantity)  # type: ignore[arg-type]
    with pytest.raises(InvalidCartQuantityError):
        svc.set_line_quantity(svc.SetLineQuantity(buyer, sku, 1000), uow=world.uow())


def test_the_line_limit_refuses_a_new_sku_but_not_more_of_one_held(world: World) -> None:
    a, b, c = (world.seller.sku() for _ in range(3))
    buyer = CartOwner.buyer(world.buyer)
    world.add(buyer, a, 1, max_lines=2)
    world.add(buyer, b, 1, max_lines=2)
    before = cart_rows(world.engine)
    with pytest.raises(CartLineLimitError):
        world.add(buyer, c, 1, max_lines=2)
    assert cart_rows(world.engine) == before
    world.add(buyer, a, 4, max_lines=2)
    assert world.cart(buyer) == {a: 5, b: 1}


def test_unsellable_skus_are_refused_and_create_no_cart(world: World) -> None:
    seller = world.seller
    draft = seller.sku(listed=False)
    inactive = seller.sku()
    with world.uow() as uow:
        from marketplace.catalog.adapters.tables import skus

        uow.connection.execute(skus.update().where(skus.c.id == inactive).values(status="inactive"))
        uow.commit()
    other = open_seller(world.engine, world.clock)
    suspended = other.sku()
    set_merchant_status(world.engine, other.merchant_id, "suspended")
    before = cart_rows(world.engine)
    for owner in (CartOwner.buyer(world.buyer), CartOwner.guest(None)):
        for sku in ("sku_missing", draft, inactive, suspended):
            with pytest.raises(SkuNotAvailableError) as refused:
                world.add(owner, sku, 1)
            assert refused.value.code == "sku_not_available"
            assert refused.value.details == {"sku_id": sku}
    assert cart_rows(world.engine) == before == ([], [])


def test_a_guest_cart_is_found_by_its_token_whose_hash_alone_is_stored(world: World) -> None:
    sku = world.seller.sku()
    change = world.add(CartOwner.guest(None), sku, 2)
    token = change.guest_token
    assert token is not None
    assert token.startswith("gct_")
    assert len(token) > 40
    with world.engine.connect() as conn:
        row = conn.execute(select(carts)).one()
    assert (row.user_id, row.token_hash) == (None, hash_cart_token(token))
    assert token not in repr(tuple(row))
    guest = CartOwner.guest(token)
    world.add(guest, sku, 1)
    assert world.cart(guest) == {sku: 3}
    assert count_carts(world.engine) == 1  # the token reopened the same cart
    before = cart_rows(world.engine)
    for bad in ("gct_unknown", "not-a-token", token + "x"):
        with pytest.raises(CartNotFoundError):
            world.add(CartOwner.guest(bad), sku, 1)
    assert cart_rows(world.engine) == before


def test_set_remove_clear_and_currency(world: World) -> None:
    a, b = world.seller.sku(), world.seller.sku()
    buyer = CartOwner.buyer(world.buyer)
    world.add(buyer, a, 1)
    world.add(buyer, b, 1)
    svc.set_line_quantity(svc.SetLineQuantity(buyer, a, 7), uow=world.uow())
    assert world.cart(buyer) == {a: 7, b: 1}
    svc.remove_line(svc.RemoveLine(buyer, b), uow=world.uow())
    assert world.cart(buyer) == {a: 7}
    before = cart_rows(world.engine)
    with pytest.raises(CartLineNotFoundError):
        svc.remove_line(svc.RemoveLine(buyer, b), uow=world.uow())
    with pytest.raises(CartLineNotFoundError):
        svc.set_line_quantity(svc.SetLineQuantity(buyer, b, 2), uow=world.uow())
    with pytest.raises(UnsupportedCurrencyError):
        svc.set_cart_currency(svc.SetCartCurrency(buyer, "XXX"), uow=world.uow())
    assert cart_rows(world.engine) == before
    svc.set_cart_currency(svc.SetCartCurrency(buyer, "usd"), uow=world.uow())
    svc.clear_cart(buyer, uow=world.uow())
    with world.uow() as uow:
        cart = uow.carts.active_for_buyer(world.buyer)
    assert cart is not None
    assert (cart.currency, cart.lines) == ("USD", ())


def test_reading_and_clearing_without_a_cart_create_nothing(world: World) -> None:
    other = insert_user(world.engine, world.clock)
    owner = CartOwner.buyer(other)
    assert world.cart(owner) == {}
    assert svc.clear_cart(owner, uow=world.uow()).cart_id is None
    assert svc.clear_cart(CartOwner.guest(None), uow=world.uow()).cart_id is None
    with pytest.raises(CartLineNotFoundError):
        svc.remove_line(svc.RemoveLine(owner, "sku_x"), uow=world.uow())
    assert count_carts(world.engine) == 0


def test_merge_adds_quantities_caps_keeps_currency_and_kills_the_token(world: World) -> None:
    a, b, c = (world.seller.sku() for _ in range(3))
    buyer = CartOwner.buyer(world.buyer)
    world.add(buyer, b, 5)
    world.add(buyer, c, 1)
    token = world.add(CartOwner.guest(None), a, 2).guest_token
    assert token is not None
    guest = CartOwner.guest(token)
    world.add(guest, b, 998)
    svc.set_cart_currency(svc.SetCartCurrency(guest, "USD"), uow=world.uow())

    result = svc.merge_guest_cart(world.buyer, token, uow=world.uow())
    assert (result.merged, result.lines, result.capped, result.skipped) == (True, 2, (b,), ())
    assert world.cart(buyer) == {b: MAX_QUANTITY, c: 1, a: 2}
    with world.uow() as uow:
        mine = uow.carts.active_for_buyer(world.buyer)
        merged = uow.carts.by_token_hash(hash_cart_token(token))
    assert mine is not None
    assert merged is not None
    assert (mine.id, mine.currency) == (result.cart_id, "CNY")  # the buyer's currency stays
    assert merged.status == "merged"
    with pytest.raises(CartNotFoundError):
        world.cart(guest)  # the token no longer opens it
    before = cart_rows(world.engine)
    again = svc.merge_guest_cart(world.buyer, token, uow=world.uow())
    assert (again.merged, again.lines, again.cart_id) == (False, 0, None)
    assert cart_rows(world.engine) == before


def test_merge_into_a_buyer_without_a_cart_and_into_a_full_one(world: World) -> None:
    a, b, c = (world.seller.sku() for _ in range(3))
    token = world.add(CartOwner.guest(None), a, 1).guest_token
    assert token is not None
    svc.set_cart_currency(svc.SetCartCurrency(CartOwner.guest(token), "EUR"), uow=world.uow())
    first = svc.merge_guest_cart(world.buyer, token, uow=world.uow())
    with world.uow() as uow:
        cart = uow.carts.active_for_buyer(world.buyer)
    assert cart is not None
    assert (cart.id, cart.currency, cart.quantities()) == (first.cart_id, "EUR", {a: 1})

    # A full cart takes more of what it holds, and leaves the newest new SKUs out.
    world.clock.advance(timedelta(seconds=1))
    second = world.add(CartOwner.guest(None), b, 1).guest_token
    assert second is not None
    world.clock.advance(timedelta(seconds=1))
    world.add(CartOwner.guest(second), c, 1)
    world.add(CartOwner.guest(second), a, 2)
    result = svc.merge_guest_cart(world.buyer, second, uow=world.uow(), max_lines=2)
    assert (result.lines, result.skipped) == (2, (c,))
    assert world.cart(CartOwner.buyer(world.buyer)) == {a: 3, b: 1}


def test_merging_an_empty_guest_cart_or_without_a_token(world: World) -> None:
    token = svc.set_cart_currency(
        svc.SetCartCurrency(CartOwner.guest(None), "USD"), uow=world.uow()
    ).guest_token
    assert token is not None
    result = svc.merge_guest_cart(world.buyer, token, uow=world.uow())
    assert (result.merged, result.cart_id) == (True, None)
    assert count_carts(world.engine, user_id=world.buyer) == 0  # nothing to merge: no cart
    before = cart_rows(world.engine)
    with pytest.raises(CartTokenRequiredError):
        svc.merge_guest_cart(world.buyer, None, uow=world.uow())
    with pytest.raises(CartNotFoundError):
        svc.merge_guest_cart(world.buyer, "gct_nothing", uow=world.uow())
    assert cart_rows(world.engine) == before


def test_checkout_hooks_version_check_and_remove_lines(world: World) -> None:
    a, b = world.seller.sku(), world.seller.sku()
    buyer = CartOwner.buyer(world.buyer)
    world.add(buyer, a, 1)
    world.add(buyer, b, 2)
    with world.uow() as uow:
        cart = uow.carts.active_for_buyer(world.buyer)
        assert cart is not None
        now = world.clock.now()
        assert uow.carts.touch(cart.id, now=now, expected_version=cart.version - 1) is None
        assert uow.carts.touch(cart.id, now=now, expected_version=cart.version) == cart.version + 1
        assert uow.carts.remove_lines(cart.id, [a, "sku_other"]) == 1
        assert uow.carts.remove_lines(cart.id, []) == 0
        uow.commit()
    assert world.cart(buyer) == {b: 2}
