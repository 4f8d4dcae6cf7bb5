"""What a conversation's tools are bound to: the marketplace container and the identity
of the conversation (company, buyer, conversation). The model never supplies these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from marketplace.bootstrap import Marketplace
from marketplace.companies.domain import Location
from marketplace.shared.errors import NotFoundError
from marketplace.shared.money import Money


class ToolInputError(NotFoundError):
    """A tool's argument names nothing this buyer may use (an unknown offer, draft...)."""

    code = "not_found"


@dataclass(frozen=True)
class ToolContext:
    app: Marketplace
    company_id: str
    buyer_id: str
    conversation_id: str
    locale: str = "zh"

    @property
    def today(self) -> date:
        return self.app.clock.now().date()

    def currency(self) -> str:
        with self.app.uow() as uow:
            company = uow.companies.get(self.company_id)
        if company is None:
            raise ToolInputError("No such company.")
        return company.currency

    def locations(self) -> list[Location]:
        with self.app.uow() as uow:
            return sorted(uow.companies.locations(self.company_id), key=lambda x: x.created_at)

    def location(self, hint: str | None = None, location_id: str | None = None) -> Location:
        """The company location by id, else the one whose name, city or region the hint
        names, else the first one."""
        places = self.locations()
        if not places:
            raise ToolInputError("The company has no delivery location.", code="no_location")
        for place in places:
            if location_id and place.id == location_id:
                return place
        wanted = (hint or "").strip().lower()
        if wanted:
            for place in places:
                a = place.address
                if wanted in {place.name.lower(), a.city.lower(), a.region.lower()}:
                    return place
        return places[0]


def money(value: Money) -> dict[str, str]:
    return value.to_dict()


def decimal_text(value: Any) -> str | None:
    return None if value is None else str(value)
