"""What every admin page shares: the platform-admin-only context and the words for a
refused write (see docs/adr/0016)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from marketplace.parties.domain import PlatformAdminRequiredError
from marketplace.shared.errors import DomainError
from serving.web.frame import PageContext, SignedIn
from serving.web.messages import MESSAGES


async def admin_context(ctx: SignedIn) -> PageContext:
    """The page's context, for platform admins only (others: the 403 page)."""
    assert ctx.viewer is not None
    if not ctx.viewer.is_platform_admin:
        raise PlatformAdminRequiredError("Only platform administrators may see this page.")
    return ctx


Admin = Annotated[PageContext, Depends(admin_context)]


def problem(ctx: PageContext, error: DomainError, prefix: str) -> str:
    """A reader's message for a refused write: the page's own words, then the service's."""
    key = f"{prefix}.{error.code}"
    own = ctx.t(key) if key in MESSAGES else ctx.t("admin.refused")
    return f"{own} ({error.message})"
