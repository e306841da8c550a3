"""Request hooks shared by every page: access policy, security headers, template helpers, errors."""

from __future__ import annotations

import contextlib
import gzip
from collections.abc import Callable

from flask import (
    Flask,
    Response,
    current_app,
    has_request_context,
    render_template,
    request,
    session,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import format_date, format_decimal
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import BadRequest, MethodNotAllowed, ServiceUnavailable, Unauthorized

from surveys.access import PUBLIC, enforce_policy, policy_for
from surveys.audit.labels import action_label
from surveys.audit.models import AuditEvent
from surveys.engine import read_outside_a_transaction
from surveys.extensions import db
from surveys.i18n import current_language, enabled_languages, file_size, moment_in_words
from surveys.i18n import gettext as _
from surveys.languages import direction_of, list_separator
from surveys.logs import logged_route
from surveys.navigation import menu

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

ERROR_TITLES = {
    400: _l("Bad request"),
    401: _l("Please sign in"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("File too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("Temporarily unavailable"),
}
ERROR_EXPLANATIONS = {
    400: _l("The request could not be understood. Go back and try again."),
    401: _l("Sign in to continue."),
    403: _l("Your account does not have the role this page requires."),
    404: _l("The page does not exist or you do not have access to it."),
    405: _l("This address does not accept this kind of request."),
    409: _l("Someone else changed this in the meantime. Reload the page and try again."),
    413: _l("The file is larger than the allowed size."),
    429: _l("Wait a few minutes before trying again."),
    500: _l("The error has been logged. Try again in a moment."),
    503: _l(
        "The platform cannot reach its database for a moment. Nothing you saved before is "
        "lost; try again in a few seconds."
    ),
}
DATABASE_RETRY_SECONDS = 5
# The data API answers its own errors (JSON with a stable code, never a page): its slice says how
# (use_api_errors), as it gives surveys.access its token check, so that the hooks of every page do
# not reach up into it.
API_ERRORS = "surveys.api_errors"


class NoCookieFromStaticFiles(SecureCookieSessionInterface):
    """Responses under /static never set the session cookie: a missing asset's 404 page (its
    language form puts a CSRF token in the session) would otherwise start a session for every
    stray request, and a cached asset must not carry one."""

    def should_set_cookie(self, app: Flask, session) -> bool:
        if request.endpoint == "static" or request.path.startswith(f"{app.static_url_path}/"):
            return False
        return super().should_set_cookie(app, session)


def init_app(app: Flask) -> None:
    app.session_interface = NoCookieFromStaticFiles()
    app.before_request(read_pages_outside_a_transaction)
    app.before_request(enforce_policy)
    app.after_request(add_security_headers)
    app.after_request(no_store_when_signed_in)
    app.after_request(compress_response)
    app.context_processor(template_globals)
    app.jinja_env.filters["dt"] = lambda value, fmt="medium": (
        moment_in_words(value, fmt) if value else ""
    )
    app.jinja_env.filters["date"] = lambda value, fmt="medium": (
        format_date(value, "medium" if fmt == "short" else fmt) if value else ""
    )
    app.jinja_env.filters["number"] = lambda value, fmt=None: (
        "" if value is None else format_decimal(value, fmt)
    )
    app.jinja_env.filters["filesize"] = file_size
    app.jinja_env.globals["list_separator"] = lambda: list_separator(current_language())
    for code in ERROR_TITLES:
        app.register_error_handler(code, render_error)
    app.register_error_handler(CSRFError, csrf_failed)
    app.register_error_handler(OperationalError, database_unavailable)
    app.teardown_appcontext(release_session)  # runs before Flask-SQLAlchemy's own
    if not event.contains(db.session, "before_flush", refuse_writes_outside_post):
        event.listen(db.session, "before_flush", refuse_writes_outside_post)


def read_pages_outside_a_transaction() -> None:
    """The pages marked for it read without a transaction where the database gains by it (see
    engine.read_outside_a_transaction), before their person is read."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "reads_outside_a_transaction", False):
        read_outside_a_transaction()


def use_api_errors(
    app: Flask, is_api_request: Callable[[], bool], answer: Callable[[Exception], Response]
) -> None:
    """Errors of the requests `is_api_request` recognises are answered by `answer`."""
    app.extensions[API_ERRORS] = (is_api_request, answer)


def _api_answer(error: Exception) -> Response | None:
    """The data API's own answer to the error, when the request is one of the API's."""
    registered = current_app.extensions.get(API_ERRORS)
    if registered is None:
        return None
    is_api_request, answer = registered
    return answer(error) if is_api_request() else None


def refuse_writes_outside_post(session, _flush_context, _instances) -> None:
    """Only POST (behind its CSRF token) changes the database.

    A GET may record that something was read (an audit event, e.g. a workbook downloaded);
    a HEAD runs the GET view but keeps nothing (nothing is downloaded); any other method, or a
    GET that changes anything else, is refused before a row is written.
    """
    if not has_request_context() or request.method == "POST":
        return
    audit_events = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    changed = [obj for obj in session.dirty if session.is_modified(obj)]
    if len(audit_events) == len(session.new) and not changed and not session.deleted:
        if request.method == "GET":
            return
        if request.method == "HEAD":
            for event_row in audit_events:
                session.expunge(event_row)
            return
    current_app.logger.warning(
        "%s %s tried to change the database; refused", request.method, logged_route()
    )
    raise MethodNotAllowed()


COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
        "text/plain",
        "text/csv",
    }
)
MIN_COMPRESS_BYTES = 512
# zlib's level 5, not its default 6: on area pages (39 and 71 KB of HTML) the same bytes within
# 0.3 and 1.4 % (7.3 and 8.8 KB), for 0.23 ms of the worker's CPU instead of 0.32, and 0.38
# instead of 0.67. Level 4 costs 3-4 % more bytes, level 1 15-21 %: a slow link pays those.
COMPRESS_LEVEL = 5


def compress_response(response):
    """Gzip text responses for clients that accept it: respondents are often on slow links."""
    if (
        response.status_code != 200
        or response.mimetype not in COMPRESSIBLE
        or "Content-Encoding" in response.headers
        or (response.is_streamed and not response.direct_passthrough)
        or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
    ):
        return response
    response.direct_passthrough = False  # static files: read the (small) body to compress it
    source = response.response
    body = response.get_data()
    if hasattr(source, "close"):
        source.close()  # a static file's handle, now fully read
    if len(body) < MIN_COMPRESS_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=COMPRESS_LEVEL))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


# Every response carries these unless it set its own: no other site may frame a page or hold a
# reference to its window, no page needs these devices, and a type is never sniffed.
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),  # for browsers without CSP 2
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def add_security_headers(response):
    # The names set already, read once (each `setdefault` of werkzeug's headers walks them all).
    present = {name.lower() for name, _value in response.headers.items()}
    missing = [(name, value) for name, value in SECURITY_HEADERS if name.lower() not in present]
    if response.mimetype == "text/html" and "content-security-policy" not in present:
        missing.append(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
    hsts = current_app.config.get("HSTS_SECONDS")
    if hsts and request.is_secure and "strict-transport-security" not in present:
        # Only over https (never on a plain-http development server) and only where the
        # production settings ask for it: browsers then refuse plain http for that long.
        missing.append(("Strict-Transport-Security", f"max-age={hsts}"))
    response.headers.extend(missing)
    return response


def no_store_when_signed_in(response):
    """Pages shown to a signed-in person are never stored: on a shared computer, the back
    button after signing out must not show a submission."""
    # "private": the response chose its own caching (the API revalidates with its ETag).
    cache_control = response.headers.get("Cache-Control", "")
    already = "no-store" in cache_control or "private" in cache_control
    # The session says who is signed in (Flask-Login's key): asking `current_user` could reload
    # the person from the database here, after the view, where a database that went away
    # meanwhile would turn a clean 503 into a 500.
    if request.endpoint != "static" and not already and session.get("_user_id"):
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response


def template_globals() -> dict:
    """What every page knows: the menu, the languages offered and the page's language (its code
    as `language` and `current_language`, and `text_direction` for the `dir` attribute)."""
    language = current_language()
    return {
        "action_label": action_label,
        "main_menu": menu(),
        "current_language": language,
        "language": language,
        "text_direction": direction_of(language),
        "languages": enabled_languages(),
        "language_name": language_name,
    }


def language_name(code: str) -> str:
    """A language's name in itself ("Français"), or its code for one this app does not offer."""
    return next((lang.name for lang in enabled_languages() if lang.code == code), code)


def csrf_failed(error: CSRFError):
    """A form's CSRF token no longer matches: usually the session ended, so ask to sign in."""
    policy = policy_for(request.endpoint)
    if not current_user.is_authenticated and policy is not None and policy.kind != PUBLIC:
        return render_error(Unauthorized())
    expired = BadRequest(_("This page has expired. Reload it and try again."))
    expired.own_message = True  # type: ignore[attr-defined]
    return render_error(expired)


def release_session(_error) -> None:
    """End the request's session; a connection that died meanwhile (PostgreSQL restarting)
    cannot even roll back, and that must not turn an answered request into a 500."""
    from surveys.extensions import db

    try:
        db.session.remove()
    except SQLAlchemyError as error:
        current_app.logger.warning("session closed on a lost connection: %s", type(error).__name__)
        db.session.registry.clear()  # the pool has invalidated the dead connection


def database_unavailable(error: OperationalError):
    """The database is down or restarting: a clean 503 the autosave script retries after."""
    from flask import g
    from flask_login import AnonymousUserMixin

    from surveys.extensions import db

    current_app.logger.error("database unavailable: %s", str(error.orig).strip().splitlines()[0])
    with contextlib.suppress(SQLAlchemyError):  # the pool replaces the lost connection later
        db.session.rollback()
    api_answer = _api_answer(ServiceUnavailable())
    if api_answer is not None:
        return api_answer
    # The page is drawn for an anonymous visitor: reading the signed-in user's row (their
    # roles for the menu, their language) needs the database that just failed.
    g._login_user = AnonymousUserMixin()
    unavailable = ServiceUnavailable(str(ERROR_EXPLANATIONS[503]))
    unavailable.own_message = True  # type: ignore[attr-defined] - the autosave script shows it
    body, code = render_error(unavailable)
    return body, code, {"Retry-After": str(DATABASE_RETRY_SECONDS)}


def render_error(error):
    api_answer = _api_answer(error)  # the data API answers JSON with a stable code, never a page
    if api_answer is not None:
        return api_answer
    code = getattr(error, "code", 500) or 500
    description = getattr(error, "description", None)
    # Werkzeug's default descriptions are English; show ours unless a view gave its own message.
    own_message = description if getattr(error, "own_message", False) else None
    wants_json = request.accept_mimetypes.best == "application/json"
    if wants_json:
        return {"error": str(ERROR_TITLES.get(code, code)), "message": own_message}, code
    return (
        render_template(
            "error.html",
            code=code,
            title=ERROR_TITLES.get(code, ERROR_TITLES[500]),
            explanation=own_message or ERROR_EXPLANATIONS.get(code, ERROR_EXPLANATIONS[500]),
        ),
        code,
    )
