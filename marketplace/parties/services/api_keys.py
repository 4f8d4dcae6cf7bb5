"""Use cases of merchant API keys: ``agora_<prefix>_<secret>``, stored as a sha256 hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from marketplace.parties.domain import (
    ApiKey,
    ApiKeyNotFoundError,
    IssuedApiKey,
)
from marketplace.parties.ports import PartiesUnitOfWork
from marketplace.parties.services.merchants import merchant_for_update
from marketplace.shared.errors import AuthenticationError, ValidationError
from marketplace.shared.ids import new_id

API_KEY_PREFIX = "agora"


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class IssueApiKey:
    name: str
    scopes: list[str] = field(default_factory=lambda: ["merchant"])


def issue_api_key(
    merchant_id: str, cmd: IssueApiKey, *, uow: PartiesUnitOfWork, actor_user_id: str | None
) -> IssuedApiKey:
    """Issue ``agora_<prefix>_<secret>``; only its sha256 is kept."""
    name = cmd.name.strip()
    if not name:
        raise ValidationError("An API key needs a name.", code="name_required")
    with uow:
        merchant_for_update(merchant_id, uow)
        prefix = secrets.token_hex(6)
        secret = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        key = ApiKey(
            id=new_id("key"),
            merchant_id=merchant_id,
            name=name,
            prefix=prefix,
            key_hash=sha256_hex(secret),
            scopes=list(cmd.scopes),
            created_by=actor_user_id,
            created_at=uow.clock.now(),
        )
        uow.api_keys.add(key)
        uow.commit()
    return IssuedApiKey(key=key, secret=secret)


def list_api_keys(merchant_id: str, *, uow: PartiesUnitOfWork) -> Sequence[ApiKey]:
    with uow:
        return uow.api_keys.list_for_merchant(merchant_id)


def revoke_api_key(merchant_id: str, key_id: str, *, uow: PartiesUnitOfWork) -> None:
    with uow:
        key = uow.api_keys.get(key_id)
        if key is None or key.merchant_id != merchant_id:
            raise ApiKeyNotFoundError(f"No API key {key_id} in this merchant.")
        uow.api_keys.revoke(key_id, now=uow.clock.now())
        uow.commit()


def parse_api_key(raw: str) -> tuple[str, str] | None:
    """``agora_<prefix>_<secret>`` -> (prefix, raw); None when it is not that shape."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    if len(parts[1]) > 16 or not parts[1].isalnum():
        return None
    return parts[1], raw


def authenticate_api_key(
    raw: str, *, uow: PartiesUnitOfWork, touch_interval_seconds: int = 60
) -> ApiKey:
    """The active key matching ``raw``, with its ``last_used_at`` brought up to date."""
    parsed = parse_api_key(raw)
    if parsed is None:
        raise AuthenticationError("The API key is not valid.")
    prefix, _ = parsed
    with uow:
        key = uow.api_keys.get_by_prefix(prefix)
        if key is None or not hmac.compare_digest(key.key_hash, sha256_hex(raw)):
            raise AuthenticationError("The API key is not valid.")
        if not key.is_active:
            raise AuthenticationError("The API key has been revoked.")
        now = uow.clock.now()
        if _is_stale(key.last_used_at, now, touch_interval_seconds):
            uow.api_keys.touch(key.id, now=now, min_interval_seconds=touch_interval_seconds)
            uow.commit()
            key.last_used_at = now
    return key


def _is_stale(last: datetime | None, now: datetime, interval_seconds: int) -> bool:
    return last is None or last <= now - timedelta(seconds=interval_seconds)
