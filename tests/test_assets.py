"""Static files under content-hashed URLs: cached for a year, never a stale version pinned."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from surveys.assets import IMMUTABLE, asset_version


def test_pages_link_assets_by_content_and_those_are_cached_for_a_year(client):
    page = client.get("/login").get_data(as_text=True)
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)
    assert re.fullmatch(r"/static/app\.css\?v=[0-9a-f]{12}", href)
    with client.get(href) as versioned:
        assert versioned.status_code == 200
        assert versioned.headers["Cache-Control"] == IMMUTABLE
    with client.get("/static/app.css") as bare:
        assert bare.headers["Cache-Control"] == "no-cache"
    with client.get("/static/app.css?v=000000000000") as other_version:
        # A machine still on the previous release must not let a proxy pin its file for a year.
        assert other_version.headers["Cache-Control"] == "no-cache"


def test_a_changed_file_gets_a_new_url(tmp_path):
    shutil.copy(__file__, tmp_path / "app.css")
    before = asset_version(str(tmp_path), "app.css")
    (tmp_path / "app.css").write_text("body { color: teal; }")
    after = asset_version(str(tmp_path), "app.css")
    assert before and after and before != after
    assert asset_version(str(tmp_path), "missing.css") is None


def test_pages_keep_their_own_cache_policy(client):
    assert "immutable" not in client.get("/login").headers.get("Cache-Control", "")


def test_a_file_changed_under_a_running_worker_is_still_served_fresh(app, client, tmp_path):
    """Pages look a file's version up once per process (a release restarts the workers); a file
    edited under a running one keeps its URL, which is then answered with the new content and
    no-cache, never pinned."""
    shutil.copy(Path(app.static_folder, "app.css"), tmp_path / "app.css")
    folder = app.static_folder
    app.static_folder = str(tmp_path)
    _forget_linked_assets(app)
    try:
        href = _stylesheet(client)
        (tmp_path / "app.css").write_text("body { color: teal; }")
        assert _stylesheet(client) == href
        with client.get(href) as response:
            assert response.headers["Cache-Control"] == "no-cache"
            assert b"teal" in response.data
    finally:
        app.static_folder = folder
        _forget_linked_assets(app)


def _forget_linked_assets(app) -> None:
    app.extensions.pop("assets.static_urls", None)


def test_pages_served_under_a_prefix_link_assets_under_it(client):
    """Asset URLs are written once per process and address prefix: a second prefix (a proxy
    mounting the app under /surveys) gets its own, not the first one's."""
    plain = _stylesheet(client)
    assert _stylesheet(client, base_url="http://localhost/surveys") == "/surveys" + plain
    assert _stylesheet(client) == plain


def _stylesheet(client, **request) -> str:
    page = client.get("/login", **request).get_data(as_text=True)
    return re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)
