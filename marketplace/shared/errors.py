"""Domain error hierarchy. Each error carries a stable machine-readable ``code``.

The web layer maps the *class* to an HTTP status; the domain never speaks HTTP.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the core raises on purpose."""

    code: str = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class ValidationError(DomainError):
    """Input that breaks a business rule (HTTP 422)."""

    code = "validation_error"


class NotFoundError(DomainError):
    """The thing does not exist, or the caller may not know it exists (HTTP 404)."""

    code = "not_found"


class ConflictError(DomainError):
    """The request clashes with the current state (HTTP 409)."""

    code = "conflict"


class PermissionDeniedError(DomainError):
    """Authenticated, but not allowed (HTTP 403)."""

    code = "permission_denied"


class AuthenticationError(DomainError):
    """Missing or bad credentials (HTTP 401)."""

    code = "not_authenticated"


class TransientConflictError(DomainError):
    """The database gave up on the transaction to break a deadlock or a serialization
    conflict. Nothing was changed; doing the same again is safe (HTTP 503, Retry-After)."""

    code = "concurrency_conflict"
