from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from surveys.access import public, signed_in
from surveys.accounts.forms import LoginForm
from surveys.accounts.models import User
from surveys.accounts.passwords import verify_password
from surveys.audit.operations import record
from surveys.db import utcnow
from surveys.extensions import db

bp = Blueprint("accounts", __name__, template_folder="templates")


def _next_url() -> str:
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not parts.netloc and not parts.scheme:
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(User.email == email))
        if (
            user is not None
            and user.is_enabled
            and verify_password(user.password_hash, form.password.data)
        ):
            login_user(user)
            user.last_login_at = utcnow()
            record("auth.login", target_type="user", target_id=user.id, actor=user)
            db.session.commit()
            return redirect(_next_url())
        record("auth.login_failed", details={"email": email}, actor_label=email)
        db.session.commit()
        flash(_("Email address or password is not correct."), "error")
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@signed_in
def logout():
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("accounts.login"))
