"""Sign-in, password links, one's own profile, and the people page for admins and coordinators."""

from __future__ import annotations

import math
import time
from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from surveys.access import allow, public, signed_in
from surveys.accounts.forms import (
    AccessForm,
    ActionForm,
    ChangePasswordForm,
    InviteForm,
    LoginForm,
    NewPasswordForm,
    PeopleFilterForm,
    ProfileForm,
    ResetRequestForm,
)
from surveys.accounts.labels import (
    ROLE_LABELS,
    STATUS_LABELS,
    default_timezone_for,
    suggested_timezones,
)
from surveys.accounts.models import TokenPurpose, User, UserRole, user_countries
from surveys.accounts.operations import (
    AccountError,
    LockedOut,
    account_status,
    account_statuses,
    authenticate,
    begin_sign_in,
    can_manage,
    change_access,
    change_password,
    check_new_password,
    deactivate,
    grantable_roles,
    invite_person,
    reactivate,
    request_password_reset,
    resend_invitation,
    set_password_with_token,
    update_profile,
)
from surveys.accounts.session import begin_session, end_session
from surveys.accounts.tokens import usable_token
from surveys.audit.models import AuditEvent
from surveys.audit.operations import record
from surveys.collation import sort_key
from surveys.columns import utcnow
from surveys.countries.models import Country
from surveys.extensions import db
from surveys.i18n import current_language, ngettext
from surveys.i18n import gettext as _
from surveys.inputs import parse_id, same_site_path
from surveys.roles import ROLE_VALUES, Role

bp = Blueprint("accounts", __name__, template_folder="templates")

PEOPLE_PER_PAGE = 50


def _next_url() -> str:
    """Only same-site paths, so that the sign-in page cannot be used as an open redirect."""
    return same_site_path(request.args.get("next")) or url_for("home.index")


def _show_error(form, error: AccountError, default_field: str) -> None:
    """Put a refused change's message next to the field it is about (or a sensible default)."""
    field = form[error.field] if error.field and error.field in form else form[default_field]
    field.errors.append(str(error))


def _no_store(response):
    """Pages that carry a password form or a secret link are never cached."""
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- sign-in and out


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    problem, status = None, 200
    if form.validate_on_submit():
        pending = begin_sign_in(form.email.data)
        db.session.commit()  # the attempt counts from now on, for every parallel one too
        result = authenticate(pending, form.password.data)
        if result.succeeded:
            begin_session(result.user)
            db.session.commit()
            return redirect(_next_url())
        db.session.commit()
        if result.locked_until is not None:
            problem, status = _lockout_message(result.locked_until), 429
        else:
            problem = _("Email address or password is not correct.")
    page = render_template("accounts/login.html", form=form, problem=problem)
    return _no_store(make_response(page, status))


def _lockout_message(until: datetime) -> str:
    minutes = max(1, math.ceil((until - utcnow()).total_seconds() / 60))
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(num)d minute.",
        "Too many failed sign-in attempts. Try again in %(num)d minutes.",
        minutes,
    )


@bp.post("/logout")
@signed_in
def logout():
    record("auth.logout", target_type="user", target_id=current_user.id)
    end_session(current_user._get_current_object())
    db.session.commit()
    flash(_("You are signed out."), "success")
    return redirect(url_for("accounts.login"))


# ---------------------------------------------------------------- password links


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        started = time.monotonic()
        request_password_reset(form.email.data)
        db.session.commit()
        _wait_until(started + current_app.config["PASSWORD_RESET_MIN_SECONDS"])
        # The same words whether or not the address has an account.
        flash(
            _(
                "If an account exists for %(email)s, a link to choose a new password is on its "
                "way. Check your inbox; the link works once.",
                email=form.email.data.strip().lower(),
            ),
            "success",
        )
        return redirect(url_for("accounts.login"))
    return _no_store(
        make_response(render_template("accounts/forgot_password.html", form=form), 200)
    )


def _wait_until(moment: float) -> None:
    """Answer no sooner than `moment` (time.monotonic): an address with an account takes more
    work (a link, an e-mail) than one without, and the response time must not tell which."""
    remaining = moment - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


@bp.route("/password/reset/<reset_token>", methods=["GET", "POST"])
@public
def reset_password(reset_token: str):
    return _password_link_page(reset_token, TokenPurpose.PASSWORD_RESET)


@bp.route("/invitation/<invitation_token>", methods=["GET", "POST"])
@public
def accept_invitation(invitation_token: str):
    return _password_link_page(invitation_token, TokenPurpose.INVITATION)


def _password_link_page(raw_token: str, purpose: TokenPurpose):
    token = usable_token(raw_token, purpose)
    if token is None:
        page = render_template("accounts/link_invalid.html", purpose=str(purpose))
        return _no_store(make_response(page, 410))
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = set_password_with_token(raw_token, purpose, form.password.data)
        except AccountError as exc:
            db.session.rollback()
            _show_error(form, exc, "password")
        else:
            begin_session(user)
            db.session.commit()
            if purpose == TokenPurpose.INVITATION:
                flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
            else:
                flash(_("Your new password is saved."), "success")
            return redirect(url_for("home.index"))
    page = render_template(
        "accounts/set_password.html", form=form, purpose=str(purpose), person=token.user
    )
    return _no_store(make_response(page, 200))


# ---------------------------------------------------------------- one's own account


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            changes = update_profile(
                current_user,
                name=form.name.data,
                language=form.language.data,
                timezone=form.timezone.data,
            )
        except AccountError as exc:
            db.session.rollback()
            _show_error(form, exc, "timezone")
        else:
            db.session.commit()
            if changes:
                flash(_("Your details are saved."), "success")
            return redirect(url_for("accounts.profile"))
    roles = [str(ROLE_LABELS[r]) for r in ROLE_VALUES if r in current_user.roles]
    language = current_language()
    country_names = sorted(
        (country.name(language) for country in current_user.countries), key=str.casefold
    )
    return render_template(
        "accounts/profile.html",
        form=form,
        roles=roles,
        country_names=country_names,
        timezones=suggested_timezones(),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_own_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            check_new_password(form.password.data, user)  # a refused new password is no guess
            # The check of the current password counts as a sign-in attempt (committed before
            # the check, as at sign-in, so that parallel guesses are counted one by one).
            pending = begin_sign_in(user.email)
            db.session.commit()
            change_password(user, form.current_password.data, form.password.data, pending=pending)
        except LockedOut as exc:
            db.session.rollback()
            form.current_password.errors.append(_lockout_message(exc.until))
            status = 429
        except AccountError as exc:
            db.session.rollback()
            _show_error(form, exc, "password")
        else:
            # The session version changed: every other session ended; keep this one.
            begin_session(current_user._get_current_object())
            db.session.commit()
            flash(_("Your new password is saved. Your other sessions are signed out."), "success")
            return redirect(url_for("accounts.profile"))
    return _no_store(
        make_response(render_template("accounts/change_password.html", form=form), status)
    )


# ---------------------------------------------------------------- people


def _country_choices() -> list[tuple[int, str]]:
    language = current_user.language if current_user.is_authenticated else current_language()
    countries = db.session.scalars(select(Country).where(Country.active)).all()
    return sorted(((c.id, c.name(language)) for c in countries), key=lambda item: sort_key(item[1]))


def _grantable_in_order() -> list[str]:
    allowed = grantable_roles(current_user)
    return [r for r in ROLE_VALUES if r in allowed]


def _manageable_users_query():
    """Admins see everyone; coordinators only people whose sole role is respondent."""
    query = select(User)
    if not current_user.has_role(Role.ADMIN):
        others = select(UserRole.user_id).where(UserRole.role != Role.RESPONDENT.value)
        respondents = select(UserRole.user_id).where(UserRole.role == Role.RESPONDENT.value)
        query = query.where(User.id.in_(respondents), User.id.not_in(others))
    return query


def _filtered_people_query(form: PeopleFilterForm):
    query = _manageable_users_query()
    if form.role.data:
        query = query.where(
            User.id.in_(select(UserRole.user_id).where(UserRole.role == form.role.data))
        )
    if form.country.data:
        query = query.where(
            User.id.in_(
                select(user_countries.c.user_id)
                .join(Country, Country.id == user_countries.c.country_id)
                .where(Country.iso2 == form.country.data)
            )
        )
    if form.status.data == "active":
        query = query.where(User.is_enabled, User.password_hash.is_not(None))
    elif form.status.data == "invited":
        query = query.where(User.is_enabled, User.password_hash.is_(None))
    elif form.status.data == "deactivated":
        query = query.where(~User.is_enabled)
    return query


class PeoplePage(Pagination):
    """A page of people in the order of their names as a reader sorts them ("Aïssa" before
    "Anna"): the ids and names of everyone listed are sorted here, not by the database, whose
    collation puts accented letters after every plain one; only the page's people are loaded."""

    def _query_items(self) -> list[User]:
        start = self._query_offset
        ids = self._query_args["ids"][start : start + self.per_page]
        found = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
        return [found[user_id] for user_id in ids]

    def _query_count(self) -> int:
        return len(self._query_args["ids"])


def _people_page(query, page: int, per_page: int, search: str = "") -> PeoplePage:
    """The page of people `query` lists whose name or e-mail holds `search`, compared as names
    are sorted (without accents or case: "aissa" finds "Aïssa"), here rather than by the
    database, whose LIKE would not."""
    named = db.session.execute(query.with_only_columns(User.id, User.name, User.email)).all()
    wanted = sort_key(search)[0]
    if wanted:
        named = [
            row
            for row in named
            if wanted in sort_key(row.name)[0] or wanted in sort_key(row.email)[0]
        ]
    ids = [row.id for row in sorted(named, key=lambda r: (sort_key(r.name), r.id))]
    return PeoplePage(page=page, per_page=per_page, error_out=False, ids=ids)


@bp.get("/people")
@allow(Role.ADMIN, Role.COORDINATOR)
def people():
    language = current_user.language
    countries = db.session.scalars(select(Country)).all()
    role_choices = _grantable_in_order()
    country_choices = sorted(
        ((c.iso2, c.name(language)) for c in countries), key=lambda c: sort_key(c[1])
    )
    form = PeopleFilterForm(formdata=request.args)
    form.set_choices(role_choices, country_choices)
    if not form.validate():
        # An unknown value (an old or hand-edited link): list everyone, offer the same filters.
        form = PeopleFilterForm(formdata=None)
        form.set_choices(role_choices, country_choices)
    page = _people_page(
        _filtered_people_query(form),
        page=parse_id(request.args.get("page")) or 1,
        per_page=PEOPLE_PER_PAGE,
        search=form.q.data or "",
    )
    statuses = account_statuses(page.items)
    rows = [(person, statuses[person.id]) for person in page.items]
    filters = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "accounts/people.html",
        form=form,
        page=page,
        rows=rows,
        filters=filters,
        role_labels=ROLE_LABELS,
        status_labels=STATUS_LABELS,
    )


@bp.route("/people/invite", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.COORDINATOR)
def invite():
    form = InviteForm()
    form.set_choices(_grantable_in_order(), _country_choices())
    if request.method == "GET":
        form.language.data = current_user.language
        if not current_user.has_role(Role.ADMIN):
            form.roles.data = [Role.RESPONDENT.value]
    if form.validate_on_submit():
        countries = _countries_by_id(form.countries.data)
        try:
            person, _link = invite_person(
                email=form.email.data,
                name=form.name.data,
                roles=form.roles.data,
                countries=countries,
                language=form.language.data,
                timezone=default_timezone_for([c.iso2 for c in countries]),
                actor=current_user,
            )
        except AccountError as exc:
            db.session.rollback()
            _show_error(form, exc, "email")
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=person.email), "success")
            return redirect(url_for("accounts.person", user_id=person.id))
    return render_template("accounts/invite.html", form=form)


def _countries_by_id(ids: list[int]) -> list[Country]:
    if not ids:
        return []
    return list(db.session.scalars(select(Country).where(Country.id.in_(ids))))


def _manageable_person(user_id: int) -> User:
    """404 for an unknown person or one the current user may not manage (not revealed)."""
    person = db.session.get(User, user_id)
    if person is None or not can_manage(current_user, person):
        abort(404)
    return person


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.COORDINATOR)
def person(user_id: int):
    person = _manageable_person(user_id)
    form = AccessForm(
        data=None
        if request.method == "POST"
        else {"roles": sorted(person.roles), "countries": [c.id for c in person.countries]}
    )
    form.set_choices(_grantable_in_order(), _country_choices())
    if form.validate_on_submit():
        try:
            change = change_access(
                person,
                roles=form.roles.data,
                countries=_countries_by_id(form.countries.data),
                actor=current_user,
            )
        except AccountError as exc:
            db.session.rollback()
            _show_error(form, exc, "roles")
        else:
            db.session.commit()
            if change.changed:
                flash(_("Roles and countries of %(name)s are saved.", name=person.name), "success")
            return redirect(url_for("accounts.person", user_id=person.id))
    history = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target_type == "user", AuditEvent.target_id == person.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "accounts/person.html",
        person=person,
        form=form,
        action_form=ActionForm(),
        status=account_status(person),
        status_labels=STATUS_LABELS,
        role_labels=ROLE_LABELS,
        history=history,
    )


def _person_action(user_id: int, action, success_message: str):
    person = _manageable_person(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        action(person)
    except AccountError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(success_message % {"name": person.name, "email": person.email}, "success")
    return redirect(url_for("accounts.person", user_id=person.id))


@bp.post("/people/<int:user_id>/resend")
@allow(Role.ADMIN, Role.COORDINATOR)
def resend(user_id: int):
    return _person_action(
        user_id,
        lambda person: resend_invitation(person, actor=current_user),
        _("A new invitation was sent to %(email)s; the previous link no longer works."),
    )


@bp.post("/people/<int:user_id>/deactivate")
@allow(Role.ADMIN, Role.COORDINATOR)
def deactivate_person(user_id: int):
    return _person_action(
        user_id,
        lambda person: deactivate(person, actor=current_user),
        _("%(name)s is deactivated and signed out everywhere."),
    )


@bp.post("/people/<int:user_id>/reactivate")
@allow(Role.ADMIN, Role.COORDINATOR)
def reactivate_person(user_id: int):
    return _person_action(
        user_id,
        lambda person: reactivate(person, actor=current_user),
        _("%(name)s can sign in again."),
    )
