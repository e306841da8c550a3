"""Static assets under content-hashed URLs, cached for a year by browsers and proxies.

`url_for("static", filename="app.css")` (in templates `static_url("app.css")`, the same URL
written once per process) gives `/static/app.css?v=<hash of its content>`; a
request whose `v` is the file's current hash is answered `Cache-Control: public, max-age=31536000,
immutable`, so a page on a slow link re-checks none of its files. A changed file gets a new URL.
Any other request for the file (no `v`, or another machine of a rolling upgrade asking for a
version this one does not have) is answered `no-cache`, so a wrong version is never pinned.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import Flask, current_app, request, url_for

IMMUTABLE = "public, max-age=31536000, immutable"
VERSION_LENGTH = 12
_versions: dict[str, tuple[tuple[int, int], str]] = {}


def asset_version(static_folder: str, filename: str) -> str | None:
    """The first hex digits of the file's sha256 (None for a file that does not exist)."""
    path = Path(static_folder, filename)
    try:
        stat = path.stat()
    except OSError:
        return None
    key = str(path)
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _versions.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    version = hashlib.sha256(path.read_bytes()).hexdigest()[:VERSION_LENGTH]
    _versions[key] = (stamp, version)
    return version


def add_version(endpoint: str, values: dict) -> None:
    """url_defaults hook: static URLs carry their content's version."""
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    filename = os.path.normpath(values["filename"])
    if filename.startswith(".."):
        return
    version = asset_version(current_app.static_folder, filename)
    if version is not None:
        values["v"] = version


def static_url(filename: str) -> str:
    """`url_for("static", filename=...)`, written once per process and address prefix: every
    page links to the same few files, which change with a release, and a release restarts the
    workers (in debug, where an edited file shows at once, every time). A file changed under a
    running worker is still served right: its old URL is answered no-cache."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.debug:
        return url_for("static", filename=filename)
    written = app.extensions.setdefault("assets.static_urls", {})
    key = (filename, request.script_root)
    found = written.get(key)
    if found is None:
        found = written[key] = url_for("static", filename=filename)
    return found


def cache_policy(response):
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    wanted = request.args.get("v")
    if wanted and wanted == asset_version(current_app.static_folder, filename):
        response.headers["Cache-Control"] = IMMUTABLE
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(add_version)
    app.after_request(cache_policy)
    app.add_template_global(static_url)
