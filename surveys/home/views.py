"""The landing page and the language switcher."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from surveys.access import public
from surveys.extensions import db
from surveys.i18n import SESSION_LANGUAGE_KEY

bp = Blueprint("home", __name__, template_folder="templates")


def _safe_return_url(target: str | None) -> str:
    """Only same-site paths, so the switcher cannot be used as an open redirect."""
    if not target:
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return url_for("home.index")
    return target


@bp.get("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    landing = current_app.config.get("LANDING_ENDPOINTS", {})
    for role in ("respondent", "coordinator", "analyst", "admin"):
        endpoint = landing.get(role)
        if current_user.has_role(role) and endpoint in current_app.view_functions:
            return redirect(url_for(endpoint))
    return render_template("home/index.html")


@bp.post("/language")
@public
def set_language():
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        session[SESSION_LANGUAGE_KEY] = language
        if current_user.is_authenticated and current_user.language != language:
            current_user.language = language
            db.session.commit()
    return redirect(_safe_return_url(request.form.get("next")))
