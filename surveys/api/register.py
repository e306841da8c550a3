"""The api slice joins the application: the /api/v1 endpoints and the token and docs pages."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.access import use_token_authenticator
from surveys.accounts.operations import user_deactivated
from surveys.api import (  # noqa: F401 - routes
    add_rate_limit_headers,
    error_response,
    is_api_request,
    openapi_views,
    views,
)
from surveys.api.auth import authenticate
from surveys.api.framework import ApiError, bp
from surveys.api.pages import bp as pages_bp
from surveys.api.tokens import revoke_tokens_of_deactivated
from surveys.audit.labels import add_action_labels
from surveys.web import use_api_errors


def init_app(app: Flask) -> None:
    use_token_authenticator(app, authenticate)
    user_deactivated.connect(revoke_tokens_of_deactivated)  # once: the same receiver
    use_api_errors(app, is_api_request, error_response)
    if not bp._got_registered_once:
        bp.register_error_handler(ApiError, lambda error: error.response())
        bp.after_request(add_rate_limit_headers)
    app.register_blueprint(bp)
    app.register_blueprint(pages_bp)
    add_action_labels(
        {
            "api_token.created": _l("API token created"),
            "api_token.revoked": _l("API token revoked"),
            "api_token.refused": _l("API token refused"),
        }
    )
