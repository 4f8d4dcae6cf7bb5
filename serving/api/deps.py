"""``Annotated`` dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from marketplace.bootstrap import Marketplace
from marketplace.db.uow import SqlUnitOfWork


def get_marketplace(request: Request) -> Marketplace:
    container: Marketplace = request.app.state.marketplace
    return container


App = Annotated[Marketplace, Depends(get_marketplace)]


def get_uow(container: App) -> Iterator[SqlUnitOfWork]:
    yield container.uow()


Uow = Annotated[SqlUnitOfWork, Depends(get_uow)]
