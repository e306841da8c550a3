"""Web pages of the API: one's personal access tokens, the admin's list, and the docs page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from surveys.access import allow, public, signed_in
from surveys.api.forms import NewTokenForm, RevokeForm
from surveys.api.models import ApiToken
from surveys.api.tokens import (
    TokenError,
    active_tokens,
    default_days,
    issue_api_token,
    max_days,
    revoke_api_token,
    tokens_of,
)
from surveys.columns import utcnow
from surveys.extensions import db
from surveys.i18n import gettext as _
from surveys.links import public_url
from surveys.roles import Role

bp = Blueprint("api_pages", __name__, template_folder="templates")


def _no_store(page: str, status: int = 200):
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/tokens", methods=["GET", "POST"])
@signed_in
def tokens():
    form = NewTokenForm()
    form.set_limits(default_days(), max_days())
    created = None
    if form.validate_on_submit():
        try:
            token, raw = issue_api_token(current_user, form.name.data, form.days.data)
        except TokenError:
            db.session.rollback()
            form.name.errors.append(_("Give the token a name of at most 100 characters."))
        else:
            db.session.commit()
            created = (token, raw)
            form = NewTokenForm(formdata=None, days=default_days())
            form.set_limits(default_days(), max_days())
    page = render_template(
        "api/tokens.html",
        form=form,
        revoke_form=RevokeForm(),
        tokens=tokens_of(current_user),
        created=created,
        now=utcnow(),
    )
    # The new token is on this page only: never cached, never shown again.
    return _no_store(page, 200)


@bp.post("/account/tokens/<int:token_id>/revoke")
@signed_in
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    is_admin = current_user.has_role(Role.ADMIN)
    if token is None or (token.user_id != current_user.id and not is_admin):
        abort(404)
    if RevokeForm().validate_on_submit() and revoke_api_token(
        token, current_user._get_current_object()
    ):
        db.session.commit()
        flash(_("The token “%(name)s” is revoked.", name=token.name), "success")
    if token.user_id != current_user.id:
        return redirect(url_for("api_pages.all_tokens"))
    return redirect(url_for("api_pages.tokens"))


@bp.get("/account/tokens/all")
@allow(Role.ADMIN)
def all_tokens():
    return render_template(
        "api/all_tokens.html", tokens=active_tokens(), revoke_form=RevokeForm(), now=utcnow()
    )


@bp.get("/api/docs")
@public
def docs():
    from surveys.api.framework import ENDPOINTS

    base = public_url("api.openapi_json").removesuffix("/openapi.json")
    endpoints = sorted(ENDPOINTS.values(), key=lambda e: e.rule)
    return render_template("api/docs.html", base=base, endpoints=endpoints)
