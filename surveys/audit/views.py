"""The audit log browser for administrators: filter, page through, read. Nothing here writes."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, ValidationError

from surveys.access import allow
from surveys.audit.labels import action_label
from surveys.audit.models import AuditEvent
from surveys.collation import sort_key
from surveys.extensions import db
from surveys.forms import Form
from surveys.i18n import gettext as _
from surveys.i18n import moment_in_words, user_zone
from surveys.inputs import WholeNumberField, parse_id
from surveys.roles import Role

bp = Blueprint("audit", __name__, template_folder="templates")

EVENTS_PER_PAGE = 50


class AuditFilterForm(Form):
    """Filters sent by GET (reading only, so no CSRF token)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validators=[Optional()])
    actor = StringField(_l("Who (email contains)"), validators=[Optional()])
    date_from = DateField(_l("From (date)"), validators=[Optional()])
    date_to = DateField(_l("To (date, included)"), validators=[Optional()])
    target_type = SelectField(_l("Target type"), validators=[Optional()])
    target_id = WholeNumberField(_l("Target id"), validators=[Optional(), NumberRange(min=1)])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))


def _choices(column, label=str) -> list[SelectChoice]:
    values = db.session.scalars(select(column).where(column.is_not(None)).distinct()).all()
    options = sorted(
        (SelectChoice(v, label(v)) for v in values), key=lambda c: sort_key(str(c.label))
    )
    return [SelectChoice("", str(_l("All"))), *options]


def start_of_day(day: date) -> datetime:
    """Midnight of that day in the reader's time zone (the dates they typed are theirs)."""
    return datetime.combine(day, time.min, tzinfo=user_zone())


def filtered_events(form: AuditFilterForm):
    query = select(AuditEvent)
    if form.action.data:
        query = query.where(AuditEvent.action == form.action.data)
    if form.actor.data:
        pattern = f"%{form.actor.data.strip().lower()}%"
        query = query.where(func.lower(AuditEvent.actor_label).like(pattern))
    if form.date_from.data:
        query = query.where(AuditEvent.at >= start_of_day(form.date_from.data))
    if form.date_to.data:
        query = query.where(AuditEvent.at < start_of_day(form.date_to.data + timedelta(days=1)))
    if form.target_type.data:
        query = query.where(AuditEvent.target_type == form.target_type.data)
    if form.target_id.data:
        query = query.where(AuditEvent.target_id == form.target_id.data)
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


@bp.get("/")
@allow(Role.ADMIN)
def index():
    form = AuditFilterForm(formdata=request.args)
    form.action.choices = _choices(AuditEvent.action, action_label)
    form.target_type.choices = _choices(AuditEvent.target_type)
    if request.args and not form.validate():
        query = select(AuditEvent).where(AuditEvent.id.is_(None))  # show the errors, no rows
    else:
        query = filtered_events(form)
    page = db.paginate(
        query,
        page=parse_id(request.args.get("page")) or 1,
        per_page=EVENTS_PER_PAGE,
        error_out=False,
    )
    filters = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("audit/index.html", form=form, page=page, filters=filters)


# How events record a moment: `datetime.isoformat()` of an aware time (UTC in practice).
RECORDED_MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?[+-]\d{2}:\d{2}"
)


# Details that list things (a round's countries, its reminder days, the messages withdrawn):
# two of them are two things, not a change from one to the other. Such a detail is a change
# only when both sides are lists themselves (a person's countries before and after).
LISTS = frozenset({"countries", "reminder_offsets", "messages", "being_sent"})


@bp.app_template_test("audit_change")
def audit_change(value, key: str = "") -> bool:
    """Whether a detail is an [old, new] pair, shown "old → new"."""
    if not isinstance(value, list) or len(value) != 2:
        return False
    return key not in LISTS or all(isinstance(side, list) for side in value)


@bp.app_template_filter("audit_value")
def audit_value(value) -> str:
    """An audit detail value as plain text: lists joined, nothing as a dash."""
    if value is None or value == [] or value == "":
        return "-"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(audit_value(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {audit_value(item)}" for key, item in sorted(value.items()))
    if isinstance(value, str) and RECORDED_MOMENT.fullmatch(value):
        # A moment the event recorded (a closing date moved): in the reader's zone, as the
        # page's own times are, not in the ISO form it is stored in.
        return moment_in_words(datetime.fromisoformat(value))
    return str(value)
