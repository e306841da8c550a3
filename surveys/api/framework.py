"""The API's declarative routes: each endpoint declares its parameters and the shape of what it
returns, and the same declaration serves the request (parsing, JSON or CSV, ETag, errors) and
writes the OpenAPI document (surveys.api.openapi). No hand-kept copy of the spec exists.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, request

from surveys.access import ROLES, SIGNED_IN, Policy
from surveys.export.text import needs_guard
from surveys.i18n import language_codes
from surveys.links import public_url

API_PREFIX = "/api/v1"
JSON_TYPE = "application/json"
CSV_TYPE = "text/csv"

bp = Blueprint("api", __name__)


# --- Errors --------------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answered as JSON: {"error": {"code", "message", "parameter"?}}."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        parameter: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.parameter = parameter
        self.headers = dict(headers or {})

    def response(self) -> Response:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.parameter:
            body["parameter"] = self.parameter
        response = current_app.response_class(
            json.dumps({"error": body}, ensure_ascii=False) + "\n",
            status=self.status,
            mimetype=JSON_TYPE,
        )
        response.headers.update(self.headers)
        response.headers["Cache-Control"] = "private, no-store"
        return response


def bad_parameter(name: str, message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", message, parameter=name)


def not_found(message: str = "Not found, or not visible to this token.") -> ApiError:
    return ApiError(404, "not_found", message)


# --- Declarations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a table resource (a JSON object key and a CSV header)."""

    name: str
    type: str  # "integer", "number", "string", "boolean", "date-time", "scalar" (string or number)
    description: str
    nullable: bool = True

    def choices(self) -> tuple[str, ...]:
        return self.enum() if callable(self.enum) else self.enum

    def schema(self) -> dict:
        if self.type == "date-time":
            base: dict[str, Any] = {"type": "string", "format": "date-time"}
        elif self.type == "scalar":
            return {"type": ["string", "number", "null"], "description": self.description}
        else:
            base = {"type": self.type}
        if self.nullable:
            base["type"] = [base["type"], "null"]
        return {**base, "description": self.description}


@dataclass(frozen=True)
class Param:
    """A query parameter: its type ("integer", "string"), description and allowed values."""

    name: str
    description: str
    type: str = "string"
    # The allowed values, or a function giving them when asked (the configured languages).
    enum: tuple[str, ...] | Callable[[], tuple[str, ...]] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 100

    def choices(self) -> tuple[str, ...]:
        return self.enum() if callable(self.enum) else self.enum

    def schema(self) -> dict:
        schema: dict[str, Any] = {"type": self.type}
        if self.choices():
            schema["enum"] = list(self.choices())
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.type == "string" and not self.choices():
            schema["maxLength"] = self.max_length
        return schema

    def parse(self, raw: str) -> object:
        if self.type == "integer":
            if not raw.isascii() or not raw.lstrip("-").isdigit() or len(raw) > 18:
                raise bad_parameter(self.name, f"{self.name} must be a whole number.")
            value: object = int(raw)
            if self.minimum is not None and value < self.minimum:  # type: ignore[operator]
                raise bad_parameter(self.name, f"{self.name} must be at least {self.minimum}.")
            if self.maximum is not None and value > self.maximum:  # type: ignore[operator]
                raise bad_parameter(self.name, f"{self.name} must be at most {self.maximum}.")
            return value
        allowed = self.choices()
        if allowed and raw not in allowed:
            raise bad_parameter(self.name, f"{self.name} must be one of {', '.join(allowed)}.")
        if len(raw) > self.max_length:
            raise bad_parameter(
                self.name, f"{self.name} must be at most {self.max_length} characters."
            )
        return raw


FORMAT = Param(
    "format", "json (the default) or csv; overrides the Accept header.", enum=("json", "csv")
)
LANG = Param("lang", "Language of labels and texts (default: the first one).", enum=language_codes)


@dataclass(frozen=True)
class Table:
    """A table resource: rows with these columns, as JSON objects or CSV lines."""

    columns: tuple[Column, ...]
    paginated: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass
class Endpoint:
    name: str
    rule: str
    summary: str
    description: str
    roles: frozenset[str]  # empty: any role
    params: tuple[Param, ...]
    table: Table | None = None
    schema: dict | None = None  # the JSON body's schema, for object resources
    tag: str = "data"

    @property
    def path(self) -> str:
        """The address as OpenAPI writes it: /api/v1/rounds/{round_id}."""
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)


ENDPOINTS: dict[str, Endpoint] = {}


@dataclass
class Page:
    """A table's rows as returned by a view: an iterator of tuples in column order, and the
    pagination state (next cursor) once the iterator is spent."""

    rows: Iterable[Sequence[object]]
    next_cursor: Callable[[], str | None] = lambda: None
    as_of: datetime | None = None
    etag_source: str | None = None
    """A string that changes whenever the rows would: used for the ETag of streamed tables."""


def route(
    rule: str,
    *,
    summary: str,
    description: str = "",
    roles: Iterable[str] = (),
    params: Sequence[Param] = (),
    table: Table | None = None,
    schema: dict | None = None,
    tag: str = "data",
) -> Callable:
    """Declare a GET endpoint of the API (see the module docstring)."""

    def decorate(view: Callable) -> Callable:
        name = view.__name__
        allowed = frozenset(str(r) for r in roles)
        all_params = tuple(params) + ((FORMAT,) if table else ())
        ENDPOINTS[name] = Endpoint(
            name, API_PREFIX + rule, summary, description, allowed, all_params, table, schema, tag
        )

        def wrapper(**kwargs):
            arguments = _parse_query(all_params)
            result = view(arguments, **kwargs)
            if table is not None:
                return _table_response(table, result, arguments)
            return _object_response(result)

        wrapper.__name__ = name
        wrapper.__doc__ = view.__doc__
        policy = Policy(ROLES, allowed) if allowed else Policy(SIGNED_IN)
        wrapper.access_policy = Policy(policy.kind, policy.roles, token_only=True)  # type: ignore[attr-defined]
        bp.add_url_rule(API_PREFIX + rule, endpoint=name, view_func=wrapper, methods=["GET"])
        return wrapper

    return decorate


def _parse_query(params: Sequence[Param]) -> dict[str, object]:
    known = {p.name: p for p in params}
    unknown = sorted(set(request.args) - set(known))
    if unknown:
        raise bad_parameter(unknown[0], f"Unknown parameter {unknown[0]}.")
    found: dict[str, object] = {}
    for name, param in known.items():
        values = request.args.getlist(name)
        if len(values) > 1:
            raise bad_parameter(name, f"{name} may be given once.")
        if values and values[0] != "":
            found[name] = param.parse(values[0])
    return found


# --- Rendering -----------------------------------------------------------------------------------


def json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _json_default(value: object) -> object:
    converted = json_value(value)
    if converted is value:
        raise TypeError(f"not JSON serialisable: {type(value).__name__}")
    return converted


def dumps(body: object) -> str:
    return json.dumps(body, ensure_ascii=False, default=_json_default, separators=(",", ":"))


def csv_value(value: object) -> object:
    kind = value.__class__
    if kind is str:  # the common case first: most cells are text
        return "'" + value if value and needs_guard(value) else value  # type: ignore[operator]
    if kind is int or kind is float:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value and needs_guard(value) else value
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


def wants_csv(arguments: Mapping[str, object]) -> bool:
    chosen = arguments.get("format")
    if chosen is not None:
        return chosen == "csv"
    best = request.accept_mimetypes.best_match([JSON_TYPE, CSV_TYPE], default=JSON_TYPE)
    return (
        best == CSV_TYPE
        and request.accept_mimetypes[CSV_TYPE] > request.accept_mimetypes[JSON_TYPE]
    )


def weak_etag(*parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def _not_modified(etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    wanted = {tag.strip() for tag in header.split(",")}
    bare = etag.removeprefix("W/")
    return "*" in wanted or etag in wanted or bare in wanted or f"W/{bare}" in wanted


def _finish(response: Response, etag: str) -> Response:
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Authorization")
    response.vary.add("Accept")
    return response


def _not_modified_response(etag: str) -> Response:
    return _finish(current_app.response_class(status=304), etag)


def _object_response(body: object) -> Response:
    text = dumps(body) + "\n"
    etag = weak_etag(text)
    if _not_modified(etag):
        return _not_modified_response(etag)
    return _finish(current_app.response_class(text, mimetype=JSON_TYPE), etag)


def _table_response(table: Table, page: Page, arguments: Mapping[str, object]) -> Response:
    as_csv = wants_csv(arguments)
    if page.etag_source is not None:
        etag = weak_etag(page.etag_source, request.full_path, as_csv)
        if _not_modified(etag):
            return _not_modified_response(etag)
    response = _csv_response(table, page) if as_csv else _json_table(table, page)
    if page.etag_source is None:
        etag = weak_etag(response.get_data(as_text=True))
        if _not_modified(etag):
            return _not_modified_response(etag)
    return _finish(response, etag)


def next_link(cursor: str) -> str:
    args = request.args.to_dict()
    args["cursor"] = cursor
    return public_url(request.endpoint, **(request.view_args or {}), **args)


def _json_table(table: Table, page: Page) -> Response:
    names = table.names
    data = [dict(zip(names, map(json_value, row), strict=True)) for row in page.rows]
    meta: dict[str, Any] = {"count": len(data)}
    links: dict[str, Any] = {}
    if table.paginated:
        cursor = page.next_cursor()
        meta["next_cursor"] = cursor
        meta["as_of"] = json_value(page.as_of)
        links["next"] = next_link(cursor) if cursor else None
    body = {"data": data, "meta": meta}
    if table.paginated:
        body["links"] = links
    response = current_app.response_class(dumps(body) + "\n", mimetype=JSON_TYPE)
    if table.paginated and links.get("next"):
        response.headers["Link"] = f'<{links["next"]}>; rel="next"'
    return response


def _csv_lines(table: Table, rows: Iterable[Sequence[object]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.names)
    for count, row in enumerate(rows, start=1):
        writer.writerow([csv_value(v) for v in row])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _csv_response(table: Table, page: Page) -> Response:
    # The next cursor is known only once the rows are read: a page is built whole.
    text = "".join(_csv_lines(table, page.rows))
    response = current_app.response_class(text, mimetype=CSV_TYPE)
    cursor = page.next_cursor() if table.paginated else None
    if cursor:
        response.headers["Link"] = f'<{next_link(cursor)}>; rel="next"'
        response.headers["X-Next-Cursor"] = cursor
    response.mimetype_params["charset"] = "utf-8"
    response.headers["Content-Disposition"] = (
        f'inline; filename="{request.endpoint.split(".")[-1]}.csv"'
    )
    return response


# --- Cursors -------------------------------------------------------------------------------------


def encode_cursor(state: Mapping[str, object]) -> str:
    raw = json.dumps(state, separators=(",", ":"), default=_json_default).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str, keys: Sequence[str]) -> dict:
    try:
        padded = text + "=" * (-len(text) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_parameter("cursor", "cursor is not one this API gave out.") from exc
    if not isinstance(state, dict) or set(state) != set(keys):
        raise bad_parameter("cursor", "cursor is not one this API gave out.")
    return state
