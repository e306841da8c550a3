"""The OpenAPI document itself (no token needed: it describes, it holds no data)."""

from __future__ import annotations

from flask import current_app, request

from surveys.access import public
from surveys.api.framework import API_PREFIX, bp, dumps, weak_etag
from surveys.api.openapi import openapi_document
from surveys.links import public_url


@bp.get(API_PREFIX + "/openapi.json")
@public
def openapi_json():
    server = public_url("api.openapi_json").removesuffix("/openapi.json")
    text = dumps(openapi_document(server)) + "\n"
    response = current_app.response_class(text, mimetype="application/json")
    response.headers["ETag"] = weak_etag(text)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)
