"""The OpenAPI 3.1 document, written from the endpoint declarations (framework.ENDPOINTS) and
Flask's URL rules: what is served is what is described."""

from __future__ import annotations

import re

from flask import current_app

from surveys.api.framework import API_PREFIX, ENDPOINTS, Endpoint, Table

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable code: token_missing, token_invalid, token_expired, "
                    "token_revoked, account_disabled, rate_limited, forbidden, not_found, "
                    "invalid_parameter, method_not_allowed, server_error.",
                },
                "message": {"type": "string"},
                "parameter": {"type": "string"},
            },
        }
    },
}

ERRORS = {
    "400": "A parameter is malformed or unknown (error.parameter names it).",
    "401": "No token, or an unknown, expired or revoked one.",
    "403": "The token's owner lacks a role this data needs.",
    "404": "No such object, or another country's (not revealed).",
    "429": "Too many requests with this token: wait Retry-After seconds.",
}
PATH_ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path(rule: str) -> str:
    return PATH_ARGUMENT.sub(lambda m: "{" + m.group(2) + "}", rule).removeprefix(API_PREFIX)


def _path_parameters(rule: str) -> list[dict]:
    found = []
    for converter, name in PATH_ARGUMENT.findall(rule):
        schema = (
            {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
            if converter == "int"
            else {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9_.-]+$"}
        )
        found.append({"name": name, "in": "path", "required": True, "schema": schema})
    return found


def _table_schema(table: Table) -> dict:
    row = {
        "type": "object",
        "required": list(table.names),
        "properties": {c.name: c.schema() for c in table.columns},
        "additionalProperties": False,
    }
    meta: dict = {
        "type": "object",
        "required": ["count"],
        "properties": {"count": {"type": "integer", "minimum": 0}},
    }
    properties: dict = {"data": {"type": "array", "items": row}, "meta": meta}
    if table.paginated:
        meta["properties"]["next_cursor"] = {"type": ["string", "null"]}
        meta["properties"]["as_of"] = {"type": "string", "format": "date-time"}
        properties["links"] = {
            "type": "object",
            "properties": {"next": {"type": ["string", "null"]}},
        }
    return {"type": "object", "required": ["data", "meta"], "properties": properties}


def _operation(endpoint: Endpoint) -> dict:
    parameters = _path_parameters(endpoint.rule) + [
        {
            "name": p.name,
            "in": "query",
            "required": False,
            "description": p.description,
            "schema": p.schema(),
        }
        for p in endpoint.params
    ]
    content: dict = {}
    if endpoint.table is not None:
        content["application/json"] = {"schema": _table_schema(endpoint.table)}
        content["text/csv"] = {
            "schema": {
                "type": "string",
                "description": "Header: " + ", ".join(endpoint.table.names),
            }
        }
    else:
        content["application/json"] = {"schema": endpoint.schema or {"type": "object"}}
    responses: dict = {
        "200": {
            "description": "OK",
            "headers": {"ETag": {"schema": {"type": "string"}, "description": "Weak ETag."}},
            "content": content,
        },
        "304": {"description": "Not modified since the ETag given in If-None-Match."},
    }
    for status, text in ERRORS.items():
        if status == "403" and not endpoint.roles:
            continue
        responses[status] = {
            "description": text,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    roles = ", ".join(sorted(endpoint.roles)) if endpoint.roles else "any role"
    description = (endpoint.description + "\n\n" if endpoint.description else "") + (
        f"Roles: {roles}. A respondent's token sees its owner's countries only."
    )
    return {
        "operationId": endpoint.name,
        "summary": endpoint.summary,
        "description": description,
        "tags": [endpoint.tag],
        "parameters": parameters,
        "responses": responses,
    }


def openapi_document(server_url: str = API_PREFIX) -> dict:
    paths: dict = {}
    for endpoint in sorted(ENDPOINTS.values(), key=lambda e: e.rule):
        assert endpoint.name in {
            r.endpoint.removeprefix("api.") for r in current_app.url_map.iter_rules()
        }, f"declared endpoint {endpoint.name} is not served"
        paths.setdefault(_path(endpoint.rule), {})["get"] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Niamey monitoring mechanism: data API",
            "version": "1",
            "description": (
                "Read-only access to what the token's owner may see on the web. Send a "
                "personal access token (created on the account page) as "
                "`Authorization: Bearer <token>`. Tables come as JSON (`data`, `meta`) or CSV "
                "(`Accept: text/csv` or `format=csv`)."
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
    }
