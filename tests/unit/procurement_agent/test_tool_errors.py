"""A tool's error tells the buyer what is wrong with each line, not only that something is."""

from __future__ import annotations

from marketplace.ordering.domain.errors import CheckoutLinesUnavailableError
from marketplace.shared.errors import NotFoundError
from procurement_agent.tools import _explained


def test_line_problems_are_named_in_the_message() -> None:
    exc = CheckoutLinesUnavailableError(
        "Some lines cannot be bought as they are.",
        lines=[{"sku_id": "sku_1", "problem": "out_of_stock"},
               {"sku_id": "sku_2", "problem": "not_for_sale"}],
    )  # fmt: skip
    assert _explained(exc) == ("Some lines cannot be bought as they are. "
                               "(sku_1: out_of_stock; sku_2: not_for_sale)")  # fmt: skip


def test_an_error_without_lines_keeps_its_message() -> None:
    assert _explained(NotFoundError("No such offer.")) == "No such offer."
