"""Accounts and sessions: register, OAuth2 password login, refresh, logout, me."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from marketplace.parties import queries, services
from serving.api.deps import App
from serving.api.routers.events import link_login_session
from serving.api.schemas.auth import (
    MembershipRead,
    MeRead,
    RefreshRequest,
    TokenRead,
    UserCreate,
    UserRead,
)
from serving.api.security import CurrentUser

_Responses = dict[int | str, dict[str, Any]]

router = APIRouter(prefix="/auth", tags=["auth"])

_401: _Responses = {401: {"description": "Bad credentials (problem+json)"}}
# The anonymous behaviour-events session to link to the user at login (optional).
AGORA_SESSION = Header(alias="X-Agora-Session", description="Anonymous session id to link")


def _refresh_ttl(container: App) -> timedelta:
    return timedelta(seconds=container.settings.refresh_token_ttl_seconds)


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    summary="Create a buyer account",
    responses={409: {"description": "email_taken"}, 422: {"description": "weak_password"}},
)
def register(body: UserCreate, container: App) -> UserRead:
    cmd = services.RegisterUser(
        email=body.email,
        password=body.password,
        display_name=body.display_name,
        locale=body.locale,
    )
    user = services.register_user(cmd, uow=container.uow(), passwords=container.passwords)
    return UserRead.model_validate(user, from_attributes=True)


@router.post(
    "/token",
    summary="Log in (OAuth2 password flow): 'username' is the e-mail",
    responses=_401,
)
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    container: App,
    session_id: Annotated[str | None, AGORA_SESSION] = None,
) -> TokenRead:
    pair = services.login(
        form.username,
        form.password,
        uow=container.uow(),
        passwords=container.passwords,
        tokens=container.tokens,
        refresh_ttl=_refresh_ttl(container),
    )
    link_login_session(container, pair.access_token, session_id)
    return TokenRead.model_validate(pair, from_attributes=True)


@router.post(
    "/refresh",
    summary="Trade a refresh token for a new pair (the old one is spent)",
    description="Presenting a spent refresh token again closes the whole session "
    "(401 `refresh_token_reused`): it means the token leaked.",
    responses=_401,
)
def refresh(body: RefreshRequest, container: App) -> TokenRead:
    pair = services.refresh_session(
        body.refresh_token,
        uow=container.uow(),
        tokens=container.tokens,
        refresh_ttl=_refresh_ttl(container),
    )
    return TokenRead.model_validate(pair, from_attributes=True)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Close the session the refresh token belongs to",
)
def logout(body: RefreshRequest, container: App) -> Response:
    services.logout(body.refresh_token, uow=container.uow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", summary="The signed-in user and the merchants they work for", responses=_401)
def me(principal: CurrentUser, container: App) -> MeRead:
    assert principal.user_id is not None  # CurrentUser refuses API keys
    user = services.get_user(principal.user_id, uow=container.uow())
    memberships = queries.memberships_of(container.engine, user.id)
    return MeRead(
        **UserRead.model_validate(user, from_attributes=True).model_dump(),
        memberships=[MembershipRead.model_validate(m, from_attributes=True) for m in memberships],
    )
