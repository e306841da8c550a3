"""The landing page and the language switcher."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from surveys.access import public
from surveys.extensions import db
from surveys.i18n import SESSION_LANGUAGE_KEY, is_enabled
from surveys.inputs import same_site_path

bp = Blueprint("home", __name__, template_folder="templates")


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
    if is_enabled(language):
        session[SESSION_LANGUAGE_KEY] = language
        if current_user.is_authenticated and current_user.language != language:
            current_user.language = language
            db.session.commit()
    # Only same-site paths, so the switcher cannot be used as an open redirect.
    return redirect(same_site_path(request.form.get("next")) or url_for("home.index"))
