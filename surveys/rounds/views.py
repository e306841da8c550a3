"""Rounds and cadences pages. Coordinators manage; analysts may look."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import _, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from surveys.access import allow
from surveys.accounts.models import Role
from surveys.countries.operations import active_countries
from surveys.db import utcnow
from surveys.extensions import db
from surveys.i18n import user_zone
from surveys.navigation import add_nav_item
from surveys.notifications.models import OutboxMessage
from surveys.notifications.outbox import resend
from surveys.questionnaire.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from surveys.rounds import overview
from surveys.rounds.forms import (
    ActionForm,
    CadenceForm,
    ExtendForm,
    ReopenForm,
    RoundForm,
    parse_offsets,
    to_local,
    to_utc,
)
from surveys.rounds.models import Cadence, Round
from surveys.rounds.operations import (
    RoundError,
    cancel_round,
    create_cadence,
    create_round,
    extend_country,
    move_closing,
    reopen_country,
    state_of,
    stop_cadence,
    update_round,
)
from surveys.rounds.state import RoundState

bp = Blueprint("rounds", __name__, template_folder="templates")
add_nav_item("rounds.index", _l("Rounds"), roles=(Role.COORDINATOR, Role.ANALYST), order=30)

MANAGERS = (Role.COORDINATOR,)
READERS = (Role.COORDINATOR, Role.ANALYST)
MESSAGES_SHOWN = 200


def _language() -> str:
    return current_user.language or "en"


def _round_or_404(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return round_


def _attach_error(form, error: RoundError) -> None:
    """Show the refusal on its field, or as a message for the whole form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


def _published_versions() -> list[QuestionnaireVersion]:
    return list(
        db.session.scalars(
            sa.select(QuestionnaireVersion)
            .join(Questionnaire)
            .where(QuestionnaireVersion.status == PUBLISHED)
            .order_by(Questionnaire.key, QuestionnaireVersion.version.desc())
        )
    )


# ---------------------------------------------------------------- list


@bp.get("/")
@allow(*READERS)
def index():
    now = utcnow()
    rounds = db.session.scalars(sa.select(Round).order_by(Round.opens_at.desc())).all()
    states = {r.id: state_of(r, now) for r in rounds}
    return render_template(
        "rounds/index.html",
        rounds=rounds,
        states=states,
        state_labels=overview.STATE_LABELS,
        can_manage=current_user.has_role(*MANAGERS),
        cadences=db.session.scalars(sa.select(Cadence).where(Cadence.active.is_(True))).all(),
    )


# ---------------------------------------------------------------- create / edit


def _round_form(round_: Round | None = None) -> RoundForm:
    form = RoundForm(obj=None)
    form.version_id.choices = [(v.id, v.label) for v in _published_versions()]
    countries = active_countries()
    if round_ is not None:
        known = {c.id for c in countries}
        countries += [p.country for p in round_.participants if p.country_id not in known]
    # Listed alphabetically in the reader's language ("Allemagne" first in French).
    named = sorted(((c.name(_language()), c.id) for c in countries), key=lambda n: n[0].casefold())
    form.country_ids.choices = [(country_id, name) for name, country_id in named]
    return form


def _prefill(form: RoundForm, round_: Round | None) -> None:
    zone = user_zone()
    if round_ is None:
        start = (utcnow() + timedelta(days=7)).replace(hour=8, minute=0)
        form.opens_at.data = to_local(start, zone)
        form.closes_at.data = to_local(start + timedelta(weeks=8), zone)
        form.country_ids.data = [c for c, _label in form.country_ids.choices]
        return
    form.version_id.data = round_.questionnaire_version_id
    form.period_label.data = round_.period_label
    form.opens_at.data = to_local(round_.opens_at, zone)
    form.closes_at.data = to_local(round_.closes_at, zone)
    form.country_ids.data = [p.country_id for p in round_.participants]
    form.reminder_offsets.data = ", ".join(str(o) for o in round_.reminder_offsets)


def _form_values(form: RoundForm) -> dict:
    zone = user_zone()
    return {
        "version": form.version_id.data,
        "period_label": form.period_label.data,
        "opens_at": to_utc(form.opens_at.data, zone),
        "closes_at": to_utc(form.closes_at.data, zone),
        "country_ids": form.country_ids.data or [],
        "reminder_offsets": parse_offsets(form.reminder_offsets.data),
    }


@bp.route("/new", methods=["GET", "POST"])
@allow(*MANAGERS)
def create():
    form = _round_form()
    if request.method == "GET":
        _prefill(form, None)
    if form.validate_on_submit():
        try:
            round_ = create_round(**_form_values(form), actor=current_user)
        except RoundError as exc:
            db.session.rollback()
            _attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Round %(period)s created.", period=round_.period_label), "success")
            return redirect(url_for("rounds.show", round_id=round_.id))
    return render_template("rounds/form.html", form=form, round=None)


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
@allow(*MANAGERS)
def edit(round_id: int):
    round_ = _round_or_404(round_id)
    if state_of(round_) != RoundState.SCHEDULED:
        flash(
            _("This round has opened: only its closing date can change (use Extend)."),
            "warning",
        )
        return redirect(url_for("rounds.show", round_id=round_.id))
    form = _round_form(round_)
    if request.method == "GET":
        _prefill(form, round_)
    if form.validate_on_submit():
        try:
            update_round(round_, **_form_values(form), actor=current_user)
        except RoundError as exc:
            db.session.rollback()
            _attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Round %(period)s saved.", period=round_.period_label), "success")
            return redirect(url_for("rounds.show", round_id=round_.id))
    return render_template(
        "rounds/form.html", form=form, round=round_, cancel_form=ActionForm(prefix="cancel")
    )


@bp.post("/<int:round_id>/cancel")
@allow(*MANAGERS)
def cancel(round_id: int):
    round_ = _round_or_404(round_id)
    if ActionForm(prefix="cancel").validate_on_submit():
        try:
            cancel_round(round_, actor=current_user)
        except RoundError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Round %(period)s cancelled.", period=round_.period_label), "success")
    return redirect(url_for("rounds.show", round_id=round_.id))


# ---------------------------------------------------------------- the round page


def _page(
    round_: Round,
    *,
    extend_form=None,
    reopen_form=None,
    reopen_country_id: int | None = None,
    status: int = 200,
):
    now = utcnow()
    status_filter = request.args.get("status", "")
    query = request.args.get("q", "")
    sort = request.args.get("sort", "country")
    descending = request.args.get("dir") == "desc"
    rows = overview.country_rows(round_, _language(), now)
    shown = overview.filter_and_sort(
        rows, status=status_filter, query=query, sort=sort, descending=descending
    )
    can_manage = current_user.has_role(*MANAGERS)
    extend_form = extend_form or ExtendForm(prefix="extend")
    extend_form.country_id.choices = [(0, _("Every country"))] + [
        (r.country_id, r.name) for r in sorted(rows, key=lambda r: r.name)
    ]
    messages = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.round_id == round_.id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(MESSAGES_SHOWN)
    ).all()
    return (
        render_template(
            "rounds/show.html",
            round=round_,
            state=state_of(round_, now),
            state_labels=overview.STATE_LABELS,
            rows=shown,
            total=len(rows),
            status_labels=overview.STATUS_LABELS,
            statuses=overview.COUNTRY_STATUSES,
            filters={
                "status": status_filter,
                "q": query,
                "sort": sort,
                "dir": request.args.get("dir", ""),
            },
            sort_keys=overview.SORT_KEYS,
            can_manage=can_manage,
            extend_form=extend_form,
            # Every closed country has its own reopen form: the one that was just refused
            # keeps its values and errors, the others start blank.
            reopen_form=reopen_form or ReopenForm(prefix="reopen"),
            blank_reopen_form=ReopenForm(prefix="reopen", formdata=None),
            reopen_country_id=reopen_country_id,
            action_form=ActionForm(),
            messages=messages,
            RoundState=RoundState,
        ),
        status,
    )


@bp.get("/<int:round_id>")
@allow(*READERS)
def show(round_id: int):
    return _page(_round_or_404(round_id))


@bp.post("/<int:round_id>/extend")
@allow(*MANAGERS)
def extend(round_id: int):
    round_ = _round_or_404(round_id)
    form = ExtendForm(prefix="extend")
    form.country_id.choices = [(0, "")] + [(p.country_id, "") for p in round_.participants]
    if not form.validate_on_submit():
        return _page(round_, extend_form=form, status=400)
    closes_at = to_utc(form.closes_at.data, user_zone())
    try:
        if form.country_id.data:
            extend_country(round_, form.country_id.data, closes_at, actor=current_user)
        else:
            move_closing(round_, closes_at, actor=current_user)
    except RoundError as exc:
        db.session.rollback()
        form.closes_at.errors = [*form.closes_at.errors, exc.message]
        return _page(round_, extend_form=form, status=400)
    db.session.commit()
    flash(_("The closing date was changed."), "success")
    return redirect(url_for("rounds.show", round_id=round_.id))


@bp.post("/<int:round_id>/countries/<int:country_id>/reopen")
@allow(*MANAGERS)
def reopen(round_id: int, country_id: int):
    round_ = _round_or_404(round_id)
    form = ReopenForm(prefix="reopen")
    if not form.validate_on_submit():
        return _page(round_, reopen_form=form, reopen_country_id=country_id, status=400)
    try:
        reopen_country(
            round_,
            country_id,
            to_utc(form.closes_at.data, user_zone()),
            actor=current_user,
            note=form.note.data or "",
        )
    except RoundError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _page(round_, reopen_form=form, reopen_country_id=country_id, status=400)
    db.session.commit()
    flash(_("The round is open again for this country."), "success")
    return redirect(url_for("rounds.show", round_id=round_.id))


@bp.post("/<int:round_id>/countries/<int:country_id>/remind")
@allow(*MANAGERS)
def remind(round_id: int, country_id: int):
    from surveys.scheduling.jobs import send_reminder_now

    round_ = _round_or_404(round_id)
    participant = round_.participant(country_id)
    if participant is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        count = send_reminder_now(round_.id, country_id)
    except RoundError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("rounds.show", round_id=round_.id))
    db.session.commit()
    if count:
        flash(
            ngettext(
                "Reminder queued for %(num)d person.", "Reminder queued for %(num)d people.", count
            ),
            "success",
        )
    else:
        flash(_("This country has no active respondent: nobody to remind."), "warning")
    return redirect(url_for("rounds.show", round_id=round_.id))


@bp.post("/<int:round_id>/messages/<int:message_id>/resend")
@allow(*MANAGERS)
def resend_message(round_id: int, message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.round_id != round_id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    resend(message)
    db.session.commit()
    flash(
        _("The message to %(email)s will be sent again.", email=message.recipient_email), "success"
    )
    return redirect(url_for("rounds.show", round_id=round_id) + "#messages")


# ---------------------------------------------------------------- cadences


def _cadence_form() -> CadenceForm:
    form = CadenceForm()
    questionnaires = db.session.scalars(sa.select(Questionnaire).order_by(Questionnaire.key)).all()
    form.questionnaire_id.choices = [
        (q.id, q.key) for q in questionnaires if q.latest_published() is not None
    ]
    return form


@bp.route("/cadences", methods=["GET", "POST"])
@allow(*MANAGERS)
def cadences():
    form = _cadence_form()
    if request.method == "GET" and form.first_opens_at.data is None:
        form.first_opens_at.data = to_local(
            (utcnow() + timedelta(days=30)).replace(hour=8, minute=0), user_zone()
        )
    if form.validate_on_submit():
        try:
            create_cadence(
                questionnaire=form.questionnaire_id.data,
                every_months=form.every_months.data,
                open_weeks=form.open_weeks.data,
                lead_days=form.lead_days.data,
                first_opens_at=to_utc(form.first_opens_at.data, user_zone()),
                reminder_offsets=parse_offsets(form.reminder_offsets.data),
                actor=current_user,
            )
        except RoundError as exc:
            db.session.rollback()
            _attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Cadence saved: the scheduler will create the rounds."), "success")
            return redirect(url_for("rounds.cadences"))
    all_cadences = db.session.scalars(sa.select(Cadence).order_by(Cadence.id)).all()
    return render_template(
        "rounds/cadences.html", form=form, cadences=all_cadences, action_form=ActionForm()
    )


@bp.post("/cadences/<int:cadence_id>/stop")
@allow(*MANAGERS)
def stop(cadence_id: int):
    cadence = db.session.get(Cadence, cadence_id)
    if cadence is None:
        abort(404)
    if ActionForm().validate_on_submit():
        stop_cadence(cadence, actor=current_user)
        db.session.commit()
        flash(_("Cadence stopped; rounds already created are kept."), "success")
    return redirect(url_for("rounds.cadences"))
