"""Schemas of the auth endpoints: registration, tokens, the signed-in user."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from marketplace.parties.domain import MemberLevel


class UserCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"email": "li.wei@example.com", "password": "Passw0rd-123", "display_name": "Li"}
            ]
        }
    )

    email: str = Field(max_length=320, description="Login e-mail; stored lower-cased, unique")
    password: str = Field(
        max_length=256, description="At least 8 characters, with letters and digits"
    )
    display_name: str | None = Field(None, max_length=200, description="Name shown to others")
    locale: str = Field("zh", max_length=10, description="Preferred language (BCP 47)")


class UserRead(BaseModel):
    id: str = Field(description="User id (usr_...)", examples=["usr_01JD3X8Q6V9M2K4N7P0R5T8W1Y"])
    email: str
    display_name: str
    locale: str
    member_level: MemberLevel = Field(description="Loyalty level; drives member prices")
    is_platform_admin: bool
    created_at: datetime


class MembershipRead(BaseModel):
    merchant_id: str
    merchant_name: str
    merchant_status: str
    role: str = Field(description="merchant_owner or merchant_staff")


class MeRead(UserRead):
    memberships: list[MembershipRead] = Field(description="Merchants this user works for")


class TokenRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...",
                    "token_type": "bearer",
                    "expires_in": 900,
                    "refresh_token": "f3Yc0bq2...",
                }
            ]
        }
    )

    access_token: str = Field(description="JWT to send as 'Authorization: Bearer ...'")
    token_type: str = Field("bearer", description="Always 'bearer'")
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_token: str = Field(
        description="Opaque, single use: trade it at /auth/refresh for a new pair"
    )


class RefreshRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"refresh_token": "f3Yc0bq2..."}]})

    refresh_token: str = Field(min_length=1, max_length=200)
