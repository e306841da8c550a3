"""Structured logs: one line per request, and the app's own messages, as JSON or key=value text.

A request line holds the request id, method, route (the URL rule, never the path: paths of
password links hold tokens; an address no rule matches is logged as its first segment and
"<unmatched>"), status, duration, user id and address; never a form field, a query
string, a password, a token or an answer. LOG_FORMAT chooses "json" (production default: one
JSON object per line for the log collector) or "text" (development default, easy to read).

Part of the platform's ground, beside web.py: the app factory installs the request hooks and the
scheduler process (surveys.scheduling) configures its own logging here, so no slice reaches up
for it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, current_app, g, request
from flask_login import current_user

REQUEST_ID_HEADER = "X-Request-ID"
# An id set by the reverse proxy is kept (to follow one request through both logs) if it is sane.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
FIELDS_ATTRIBUTE = "fields"
request_logger = logging.getLogger("surveys.request")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
            **getattr(record, FIELDS_ATTRIBUTE, {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# In text, a request's method, route, status and duration are in the message already.
IN_TEXT_MESSAGE = frozenset({"method", "route", "endpoint", "status", "duration_ms"})
# Probes ask every few seconds: their lines are DEBUG, not INFO.
QUIET_ENDPOINTS = frozenset({"ops.health"})


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(process)d %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, FIELDS_ATTRIBUTE, None)
        if fields:
            line += " " + " ".join(
                f"{k}={_text_value(v)}" for k, v in fields.items() if k not in IN_TEXT_MESSAGE
            )
        return line


def _text_value(value) -> str:
    text = "-" if value is None else str(value)
    return json.dumps(text) if (" " in text or '"' in text or not text) else text


class WithoutWerkzeugAccessLines(logging.Filter):
    """The development server's own access line would repeat ours."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not (" - - [" in message and '"%s" %s %s' in message)


def configure_logging(app: Flask) -> None:
    """Send the app's logs to stderr in the configured format (tests keep pytest's capture)."""
    logging.getLogger("werkzeug").addFilter(WithoutWerkzeugAccessLines())
    if app.testing:
        return
    root = logging.getLogger("surveys")
    if getattr(root, "_surveys_handler", None) is None:
        handler = logging.StreamHandler(sys.stderr)
        root.addHandler(handler)
        root.propagate = False
        root._surveys_handler = handler  # type: ignore[attr-defined]
    formatter = JsonFormatter() if app.config["LOG_FORMAT"] == "json" else TextFormatter()
    root._surveys_handler.setFormatter(formatter)  # type: ignore[attr-defined]
    root.setLevel(app.config["LOG_LEVEL"])


def configure_process_logging(app: Flask) -> None:
    """A command-line process (the scheduler): every library's messages in the app's format."""
    formatter = JsonFormatter() if app.config["LOG_FORMAT"] == "json" else TextFormatter()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)


def log_event(logger: logging.Logger, level: int, message: str, **fields) -> None:
    """A log line with structured fields (JSON keys, or key=value in text)."""
    logger.log(level, message, extra={FIELDS_ATTRIBUTE: fields})


def start_request() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex


def finish_request(response):
    started = g.get("request_started")
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    if started is None:
        return response
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    route = logged_route()
    fields = {
        "request_id": request_id,
        "method": request.method,
        "route": route,
        "endpoint": request.endpoint,
        "status": response.status_code,
        "duration_ms": duration_ms,
        "user_id": _user_id(),
        "ip": request.remote_addr,
    }
    fields.update(g.get("request_line_fields") or {})
    level = logging.ERROR if response.status_code >= 500 else logging.INFO
    if request.endpoint in QUIET_ENDPOINTS and response.status_code < 500:
        level = logging.DEBUG
    log_event(
        request_logger,
        level,
        f"{request.method} {route} {response.status_code} {duration_ms}ms",
        **fields,
    )
    return response


def add_to_request_line(**fields) -> None:
    """Fields the request's own line carries besides the usual ones (e.g. why it failed)."""
    g.request_line_fields = {**(g.get("request_line_fields") or {}), **fields}


UNMATCHED = "<unmatched>"


def logged_route() -> str:
    """The request's URL rule; for an address no rule matches (a 404, a 405), its first
    segment when some route starts with it, then "<unmatched>": never the rest of the path,
    which may hold a token (a password link copied with a trailing slash, say)."""
    if request.url_rule is not None:
        return request.url_rule.rule
    first = request.path.lstrip("/").split("/", 1)[0]
    if first and first in _first_segments():
        return f"/{first}/{UNMATCHED}"
    return f"/{UNMATCHED}"


def _first_segments() -> frozenset[str]:
    """The first segments of the app's routes that are written out (no variable in them),
    read once: routes are all added before the first request."""
    extensions = current_app.extensions
    if "surveys.route_first_segments" not in extensions:
        extensions["surveys.route_first_segments"] = frozenset(
            first
            for rule in current_app.url_map.iter_rules()
            if (first := rule.rule.lstrip("/").split("/", 1)[0]) and "<" not in first
        )
    return extensions["surveys.route_first_segments"]


def _user_id() -> int | None:
    try:
        if current_user and current_user.is_authenticated:
            return current_user.id
    except Exception:  # a log line must never break a response
        return None
    return None


def init_app(app: Flask) -> None:
    configure_logging(app)
    # First of all the hooks: one registered earlier (the CSRF check, which reads the form) may
    # refuse the request (400, or 413 for a post over the size limit), and a refused request
    # must leave its line too.
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.after_request(finish_request)
