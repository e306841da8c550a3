"""Rounds and cadences pages. Coordinators manage; analysts may look."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from surveys.access import allow
from surveys.accounts.models import User
from surveys.accounts.queries import country_respondents
from surveys.collation import sort_key
from surveys.columns import utcnow
from surveys.countries.data import REGIONS
from surveys.countries.operations import active_countries
from surveys.extensions import db
from surveys.i18n import current_language, ngettext, user_zone
from surveys.i18n import gettext as _
from surveys.inputs import parse_id
from surveys.notifications.models import OutboxMessage
from surveys.notifications.outbox import ResendError, can_resend, resend
from surveys.questionnaire.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from surveys.responses.operations import counted_countries, round_answers
from surveys.roles import Role
from surveys.rounds import notices, overview
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
    check_cadence,
    check_update,
    create_cadence,
    create_round,
    plan_round,
    state_of,
    stop_cadence,
    update_round,
)
from surveys.rounds.reminders import (
    extend_closing,
    last_reminders,
    remindable_countries,
    reminder_targets,
    send_bulk_reminders,
    send_reminder_now,
)
from surveys.rounds.state import RoundState

bp = Blueprint("rounds", __name__, template_folder="templates")

MANAGERS = (Role.COORDINATOR,)
READERS = (Role.COORDINATOR, Role.ANALYST)
MESSAGES_PER_PAGE = 20


def _round_or_404(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return round_


def _attach_errors(form, error: RoundError) -> None:
    """Show every refusal beside its field, or as a message for the whole form. A field the
    form itself refused (a date it could not read) keeps that message alone: what the checks
    say of its missing value would repeat it."""
    refused = {name for name, field in form._fields.items() if field.errors}
    for problem in error.problems:
        field = getattr(form, problem.field, None) if problem.field else None
        if field is None:
            flash(problem.message, "error")
        elif problem.field not in refused and problem.message not in field.errors:
            field.errors = [*field.errors, problem.message]


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
    named = sorted(
        ((c.name(current_language()), c.id) for c in countries), key=lambda n: sort_key(n[0])
    )
    form.country_ids.choices = [(country_id, name) for name, country_id in named]
    return form


def _prefill(form: RoundForm, round_: Round | None) -> None:
    zone = user_zone()
    if round_ is None:
        start = (utcnow() + timedelta(days=7)).replace(hour=8, minute=0)
        form.opens_at.data = to_local(start, zone)
        form.closes_at.data = to_local(start + timedelta(weeks=8), zone)
        form.country_ids.data = []  # chosen on purpose: all, none, a region or one by one
        return
    form.version_id.data = round_.questionnaire_version_id
    form.period_label.data = round_.period_label
    form.opens_at.data = to_local(round_.opens_at, zone)
    form.closes_at.data = to_local(round_.closes_at, zone)
    form.country_ids.data = [p.country_id for p in round_.participants]
    form.reminder_offsets.data = ", ".join(str(o) for o in round_.reminder_offsets)


def _accepted(field):
    """The field's value when the form accepted it, else None: the checks that follow read the
    database by the ids chosen, and a refused choice may be any number (the form says why)."""
    return None if field.errors else field.data


def _form_values(form: RoundForm) -> dict:
    zone = user_zone()
    return {
        "version": _accepted(form.version_id),
        "period_label": form.period_label.data,
        "opens_at": to_utc(form.opens_at.data, zone),
        "closes_at": to_utc(form.closes_at.data, zone),
        "country_ids": _accepted(form.country_ids) or [],
        "reminder_offsets": parse_offsets(form.reminder_offsets.data),
    }


def _regions(form: RoundForm) -> list[tuple[str, str, list[int]]]:
    """(key, name, country ids) of each region with at least one country on the form."""
    offered = {c.iso2: c.id for c in active_countries() if c.id in dict(form.country_ids.choices)}
    regions = []
    for key, name, codes in REGIONS:
        ids = [offered[code] for code in codes if code in offered]
        if ids:
            regions.append((key, str(name), ids))
    return regions


def _apply_selection(form: RoundForm, choice: str) -> None:
    """The all / none / add-a-region buttons: change the ticks, keep everything else typed."""
    ticked = list(form.country_ids.data or [])
    if choice == "all":
        ticked = [country_id for country_id, _label in form.country_ids.choices]
    elif choice == "none":
        ticked = []
    else:
        for key, _name, ids in _regions(form):
            if choice == f"region:{key}":
                ticked += [country_id for country_id in ids if country_id not in ticked]
    form.country_ids.data = ticked


def _form_page(form: RoundForm, round_: Round | None = None, **extra):
    return render_template(
        "rounds/form.html", form=form, round=round_, regions=_regions(form), **extra
    )


@bp.route("/new", methods=["GET", "POST"])
@allow(*MANAGERS)
def create():
    """New round: the form (no country ticked until chosen), then a summary to confirm."""
    form = _round_form()
    if request.method == "GET":
        _prefill(form, None)
        return _form_page(form)
    if request.form.get("select"):  # all / none / a region: nothing is created
        _apply_selection(form, request.form["select"])
        return _form_page(form)
    valid = form.validate_on_submit()
    values = _form_values(form)
    try:
        # Checked even when the form refused a field, so that every wrong value shows at once.
        plan = plan_round(**values)
        if valid and request.form.get("confirm") == "yes":
            round_ = create_round(**values, actor=current_user)
    except RoundError as exc:
        db.session.rollback()
        _attach_errors(form, exc)
        return _form_page(form)
    if not valid:
        return _form_page(form)
    if request.form.get("confirm") == "yes":
        db.session.commit()
        flash(
            ngettext(
                "Round %(period)s created for %(num)d country.",
                "Round %(period)s created for %(num)d countries.",
                len(round_.participants),
                period=round_.period_label,
            ),
            "success",
        )
        return redirect(url_for("rounds.show", round_id=round_.id))
    if request.form.get("confirm") != "change":
        return render_template(
            "rounds/confirm.html",
            form=form,
            plan=plan,
            reminders=list(zip(plan.offsets, plan.reminder_dates(), strict=True)),
            country_names=sorted(
                (c.name(current_language()) for c in plan.countries), key=sort_key
            ),
            zone=user_zone(),
        )
    return _form_page(form)


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
    elif request.form.get("select"):
        _apply_selection(form, request.form["select"])
        return _form_page(form, round_, cancel_form=ActionForm(prefix="cancel"))
    if form.validate_on_submit():
        try:
            update_round(round_, **_form_values(form), actor=current_user)
        except RoundError as exc:
            db.session.rollback()
            _attach_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Round %(period)s saved.", period=round_.period_label), "success")
            return redirect(url_for("rounds.show", round_id=round_.id))
    elif request.method == "POST":
        # The form refused some fields: say at once what is wrong with the others too.
        try:
            check_update(round_, **_form_values(form))
        except RoundError as exc:
            _attach_errors(form, exc)
    return _form_page(form, round_, cancel_form=ActionForm(prefix="cancel"))


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


def round_page(
    round_: Round,
    *,
    extend_form=None,
    reopen_form=None,
    reopen_country_id: int | None = None,
    status: int = 200,
):
    """The round's page; a form refused by one of its actions (here or in another slice, like
    the reopening in review) is shown again with its values and errors."""
    now = utcnow()
    status_filter = request.args.get("status", "")
    query = request.args.get("q", "")
    sort = request.args.get("sort", "country")
    descending = request.args.get("dir") == "desc"
    rows = overview.country_rows(round_, round_answers(round_.id), current_language(), now)
    shown = overview.filter_and_sort(
        rows, status=status_filter, query=query, sort=sort, descending=descending
    )
    can_manage = current_user.has_role(*MANAGERS)
    filters = {
        "status": status_filter,
        "q": query,
        "sort": sort,
        "dir": request.args.get("dir", ""),
    }
    extend_form = extend_form or ExtendForm(prefix="extend")
    extend_form.country_id.choices = [(0, _("Every country"))] + [
        (r.country_id, r.name) for r in sorted(rows, key=lambda r: sort_key(r.name))
    ]
    messages = db.paginate(
        sa.select(OutboxMessage)
        .where(OutboxMessage.round_id == round_.id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()),
        page=parse_id(request.args.get("page")) or 1,
        per_page=MESSAGES_PER_PAGE,
        error_out=False,
    )
    remindable = _remindable(round_, now) if can_manage else []  # the bulk reminder's offer
    deactivated = _deactivated_recipients(messages.items)
    return (
        render_template(
            "rounds/show.html",
            round=round_,
            state=state_of(round_, now),
            state_labels=overview.STATE_LABELS,
            rows=shown,
            total=len(rows),
            statuses=overview.COUNTRY_STATUSES,
            filters=filters,
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
            deactivated=deactivated,
            resendable={
                m.id
                for m in messages.items
                if can_resend(m, recipient_active=m.user_id not in deactivated)
            },
            message_filters={"round_id": round_.id, **filters},
            closing_moved=notices.CLOSING_MOVED,
            country_submitted=notices.COUNTRY_SUBMITTED,
            remindable=remindable,
            RoundState=RoundState,
        ),
        status,
    )


def _deactivated_recipients(messages) -> set[int]:
    """The ids of the deactivated accounts among these messages' recipients."""
    ids = {m.user_id for m in messages if m.user_id is not None}
    if not ids:
        return set()
    return set(
        db.session.scalars(sa.select(User.id).where(User.id.in_(ids), User.is_enabled.is_(False)))
    )


def _remindable(round_: Round, now: datetime) -> list[int]:
    """The countries the bulk reminder would reach now: people there, not reminded today."""
    return remindable_countries(round_.id, submitted=counted_countries(round_.id), now=now)


@bp.get("/<int:round_id>")
@allow(*READERS)
def show(round_id: int):
    return round_page(_round_or_404(round_id))


@bp.post("/<int:round_id>/extend")
@allow(*MANAGERS)
def extend(round_id: int):
    round_ = _round_or_404(round_id)
    form = ExtendForm(prefix="extend")
    form.country_id.choices = [(0, "")] + [(p.country_id, "") for p in round_.participants]
    if not form.validate_on_submit():
        return round_page(round_, extend_form=form, status=400)
    try:
        news = extend_closing(
            round_,
            to_utc(form.closes_at.data, user_zone()),
            country_id=form.country_id.data,
            submitted=counted_countries(round_.id),
            actor=current_user,
        )
    except RoundError as exc:
        db.session.rollback()
        form.closes_at.errors = [*form.closes_at.errors, *(p.message for p in exc.problems)]
        return round_page(round_, extend_form=form, status=400)
    db.session.commit()
    flash(_("The closing date was changed."), "success")
    if news.told:
        flash(
            ngettext(
                "%(num)d respondent was told the new date.",
                "%(num)d respondents were told the new date.",
                news.told,
            ),
            "info",
        )
    if news.withdrawn:
        flash(
            ngettext(
                "%(num)d message not sent yet named the old closing date: it was withdrawn.",
                "%(num)d messages not sent yet named the old closing date: they were withdrawn.",
                news.withdrawn,
            ),
            "info",
        )
    if news.being_sent:
        flash(
            ngettext(
                "%(num)d message naming the old closing date was being sent at that moment; "
                "if it does not go, it will not be tried again.",
                "%(num)d messages naming the old closing date were being sent at that moment; "
                "those that do not go will not be tried again.",
                news.being_sent,
            ),
            "info",
        )
    return redirect(url_for("rounds.show", round_id=round_.id))


def _names(people) -> str:
    return ", ".join(person.name for person in people)


@bp.get("/<int:round_id>/countries/<int:country_id>/remind")
@allow(*MANAGERS)
def confirm_remind(round_id: int, country_id: int):
    """Who a reminder to this country would reach, and when it was last reminded."""
    round_ = _round_or_404(round_id)
    participant = round_.participant(country_id)
    if participant is None:
        abort(404)
    now = utcnow()
    target = next(
        (
            t
            for t in reminder_targets(round_.id, submitted=counted_countries(round_.id), now=now)
            if t.country_id == country_id
        ),
        None,
    )
    return render_template(
        "rounds/confirm_remind.html",
        round=round_,
        participant=participant,
        country_name=participant.country.name(current_language()),
        target=target,
        last_reminded_at=last_reminders(round_.id).get(country_id),
        recently=target is not None and target.reminded_recently(now),
        action_form=ActionForm(),
    )


@bp.post("/<int:round_id>/countries/<int:country_id>/remind")
@allow(*MANAGERS)
def remind(round_id: int, country_id: int):
    round_ = _round_or_404(round_id)
    participant = round_.participant(country_id)
    if participant is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    country = participant.country.name(current_language())
    people = country_respondents(country_id)
    try:
        count = send_reminder_now(
            round_.id,
            country_id,
            submitted=counted_countries(round_.id),
            answers=round_answers(round_.id),
        )
    except RoundError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("rounds.show", round_id=round_.id))
    db.session.commit()
    if count:
        flash(
            ngettext(
                "Reminder (%(country)s) queued for %(num)d person: %(names)s.",
                "Reminder (%(country)s) queued for %(num)d people: %(names)s.",
                count,
                country=country,
                names=_names(people),
            ),
            "success",
        )
    else:
        flash(
            _("%(country)s: no active respondent, nobody to remind.", country=country),
            "warning",
        )
    return redirect(url_for("rounds.show", round_id=round_.id))


@bp.get("/<int:round_id>/remind")
@allow(*MANAGERS)
def confirm_remind_all(round_id: int):
    """Every country a bulk reminder would reach, and those it leaves out and why."""
    round_ = _round_or_404(round_id)
    now = utcnow()
    language = current_language()

    def name(target) -> str:
        return target.participant.country.name(language)

    # In the reader's alphabetical order, as the message after sending lists them.
    targets = sorted(
        reminder_targets(round_.id, submitted=counted_countries(round_.id), now=now),
        key=lambda target: sort_key(name(target)),
    )
    to_remind = [t for t in targets if t.people and not t.reminded_recently(now)]
    return render_template(
        "rounds/confirm_remind_all.html",
        round=round_,
        to_remind=to_remind,
        people=_people_count(to_remind),
        recent=[t for t in targets if t.people and t.reminded_recently(now)],
        nobody=[t for t in targets if not t.people],
        name=name,
        action_form=ActionForm(),
    )


def _people_count(targets) -> int:
    """How many people the reminders reach: one answering for two countries counts once."""
    return len({person.id for target in targets for person in target.people})


@bp.post("/<int:round_id>/remind")
@allow(*MANAGERS)
def remind_all(round_id: int):
    """Remind every country that has not submitted (each at most once a day)."""
    round_ = _round_or_404(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        reminded, skipped = send_bulk_reminders(
            round_.id, submitted=counted_countries(round_.id), answers=round_answers(round_.id)
        )
        db.session.commit()
    except IntegrityError:  # another coordinator sent the same bulk reminder this moment
        db.session.rollback()
        flash(
            _("These reminders were just sent by someone else; nothing more was sent."), "warning"
        )
        return redirect(url_for("rounds.show", round_id=round_.id))
    language = current_language()
    countries = ", ".join(
        sorted((t.participant.country.name(language) for t in reminded), key=sort_key)
    )
    people = _people_count(reminded)
    if reminded:
        flash(
            ngettext(
                "Reminder queued for %(num)d country (%(people)s): %(countries)s.",
                "Reminders queued for %(num)d countries (%(people)s): %(countries)s.",
                len(reminded),
                people=ngettext("%(num)d person", "%(num)d people", people),
                countries=countries,
            ),
            "success",
        )
    else:
        flash(_("No country needed a reminder: nothing was sent."), "warning")
    if skipped:
        flash(
            ngettext(
                "%(num)d country reminded in the last 24 hours was left out: %(countries)s.",
                "%(num)d countries reminded in the last 24 hours were left out: %(countries)s.",
                len(skipped),
                countries=", ".join(
                    sorted((t.participant.country.name(language) for t in skipped), key=sort_key)
                ),
            ),
            "info",
        )
    return redirect(url_for("rounds.show", round_id=round_.id))


@bp.post("/<int:round_id>/messages/<int:message_id>/resend")
@allow(*MANAGERS)
def resend_message(round_id: int, message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.round_id != round_id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    recipient = db.session.get(User, message.user_id) if message.user_id is not None else None
    try:
        resend(message, recipient_active=recipient is None or recipient.is_enabled)
    except ResendError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("rounds.show", round_id=round_id) + "#messages")
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
    if request.method == "POST":
        valid = form.validate_on_submit()
        values = {
            "questionnaire": _accepted(form.questionnaire_id),
            "every_months": form.every_months.data,
            "open_weeks": form.open_weeks.data,
            "lead_days": form.lead_days.data,
            "first_opens_at": to_utc(form.first_opens_at.data, user_zone()),
            "reminder_offsets": parse_offsets(form.reminder_offsets.data),
        }
        try:
            # Checked even when the form refused a field, so that every wrong value shows.
            check_cadence(**values)
            if valid:
                create_cadence(**values, actor=current_user)
        except RoundError as exc:
            db.session.rollback()
            _attach_errors(form, exc)
        else:
            if valid:
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
