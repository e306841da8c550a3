"""The read-only data API (/api/v1, personal access tokens) and its pages (tokens, docs)."""

from __future__ import annotations

from flask import current_app, g, request
from werkzeug.exceptions import HTTPException

from surveys.api.framework import API_PREFIX, ApiError

ERROR_CODES = {
    400: "invalid_parameter",
    401: "token_missing",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "rate_limited",
    503: "unavailable",
}


def is_api_request() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def error_response(error: Exception):
    """Any error of an API request as JSON with a stable code, never an HTML page."""
    if isinstance(error, ApiError):
        return error.response()
    if isinstance(error, HTTPException) and error.code and error.code < 500:
        code = error.code
        message = {
            404: "Not found, or not visible to this token.",
            405: "The API is read-only: use GET.",
        }.get(code, error.name)
        return ApiError(code, ERROR_CODES.get(code, "error"), message).response()
    if isinstance(error, HTTPException) and error.code == 503:
        return ApiError(
            503,
            "unavailable",
            "The database is unavailable; retry shortly.",
            headers={"Retry-After": "5"},
        ).response()
    current_app.logger.exception("API request failed", exc_info=error)
    return ApiError(500, "server_error", "The error has been logged.").response()


def add_rate_limit_headers(response):
    accepted = g.get("api_token")
    if accepted is not None:
        response.headers["X-RateLimit-Limit"] = str(accepted.limit)
        response.headers["X-RateLimit-Remaining"] = str(max(0, accepted.remaining))
        response.headers["X-RateLimit-Reset"] = str(accepted.reset_after)
    return response
