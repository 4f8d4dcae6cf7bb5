"""Read helpers for pages that show a few products by id: titles in the reader's language
(any status, for a merchant's own rows) and public cards (on sale only, fresh prices)."""

from __future__ import annotations

from sqlalchemy import Engine

from marketplace.catalog import queries
from marketplace.shared.clock import FixedClock
from tests.integration.catalog_seed import Catalog, insert_merchant


def test_titles_cards_and_sku_codes(any_engine: Engine, clock: FixedClock) -> None:
    merchant, _ = insert_merchant(any_engine, clock)
    catalog = Catalog(any_engine, clock)
    category = catalog.category("Kitchen", zh="厨房")
    sizes = (({"size": "30cm"}, "239.00"), ({"size": "34cm"}, "269.00"))
    both = catalog.product(merchant, category, titles={"zh": "铸铁炒锅", "en": "Cast iron wok"},
                           skus=sizes)  # fmt: skip
    chinese = catalog.product(merchant, category, titles={"zh": "竹蒸笼"}, skus=(({}, "59.00"),))
    draft = catalog.product(merchant, category, titles={"en": "Draft pan"}, listed=False)
    ids = [both, chinese, draft, "prod_missing"]
    with queries.read_connection(any_engine) as conn:
        english = queries.product_titles(conn, ids, locale="en")
        cards = queries.product_cards(conn, ids, locale="en")
        codes = queries.sku_codes_of_products(conn, [both])
    assert english == {both: "Cast iron wok", chinese: "竹蒸笼", draft: "Draft pan"}
    assert set(cards) == {both, chinese}  # the draft is not on sale
    assert cards[both]["title"] == "Cast iron wok"
    assert cards[both]["price"] == {"amount": "239.00", "currency": "CNY"}  # the lowest SKU
    assert [pid for _, _, pid in codes] == [both, both]
    with queries.read_connection(any_engine) as conn:
        assert queries.product_titles(conn, [], locale="en") == {}
        assert queries.product_cards(conn, [], locale="zh") == {}
