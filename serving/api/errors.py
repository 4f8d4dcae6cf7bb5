"""RFC 9457 problem+json for every error, each with a stable ``code``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from marketplace.shared.errors import (
    AuthenticationError,
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    TransientConflictError,
    ValidationError,
)

log = logging.getLogger("agora.errors")

PROBLEM_JSON = "application/problem+json"

_STATUS_BY_CLASS: list[tuple[type[DomainError], int]] = [
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (ValidationError, 422),
    (TransientConflictError, 503),
]

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

_CODES_BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


class ApiError(Exception):
    """An error raised by the web layer itself (bad header, bad cursor...)."""

    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra


def status_for(error: DomainError) -> int:
    for cls, status in _STATUS_BY_CLASS:
        if isinstance(error, cls):
            return status
    return 400


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://agora.dev/problems/{code.replace('_', '-')}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


# The web pages (``serving.web``) render their own errors: a function the app keeps in
# ``app.state.html_errors`` that answers a page request (None: not one of its requests).
HtmlErrors = Callable[[Request, int, str, str], Response | None]


def _page(request: Request, status: int, code: str, detail: str) -> Response | None:
    render: HtmlErrors | None = getattr(request.app.state, "html_errors", None)
    if render is None or request.url.path.startswith("/api/"):
        return None
    return render(request, status, code, detail)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        page = _page(request, status_for(exc), exc.code, exc.message)
        if page is not None:
            return page
        status = status_for(exc)
        headers = (
            {"WWW-Authenticate": "Bearer"} if status == 401
            else {"Retry-After": "1"} if status == 503
            else None
        )  # fmt: skip
        extra = {k: v for k, v in exc.details.items() if v is not None}
        return problem(
            status, exc.code, exc.message, instance=request.url.path, headers=headers, **extra
        )

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> Response:
        page = _page(request, exc.status, exc.code, exc.detail)
        if page is not None:
            return page
        return problem(exc.status, exc.code, exc.detail, instance=request.url.path, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        page = _page(
            request, 422, "request_validation_failed", "The request did not pass validation."
        )
        if page is not None:
            return page
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return problem(
            422,
            "request_validation_failed",
            "The request did not pass validation.",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _CODES_BY_STATUS.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        page = _page(request, exc.status_code, code, detail)
        if page is not None:
            return page
        return problem(
            exc.status_code, code, detail, instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )  # fmt: skip

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", extra={"path": request.url.path})
        page = _page(request, 500, "internal_error", "An unexpected error occurred.")
        if page is not None:
            return page
        return problem(500, "internal_error", "An unexpected error occurred.")
