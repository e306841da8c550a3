"""Forms for rounds and cadences. Date-times are entered in the coordinator's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from surveys.forms import Form, TextLength
from surveys.inputs import WholeNumberField

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def to_utc(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A wall-clock time typed in `zone` as an aware datetime."""
    if value is None:
        return None
    return value.replace(tzinfo=zone)


def to_local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """An aware datetime as the wall-clock time a datetime-local input shows."""
    if value is None:
        return None
    return value.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


def parse_offsets(text: str | None) -> list[str]:
    """ "14, 7, 1" -> ["14", "7", "1"] (checked by the operations)."""
    return [part.strip() for part in (text or "").replace(";", ",").split(",") if part.strip()]


def _datetime_field(label) -> DateTimeLocalField:
    return DateTimeLocalField(
        label,
        format=DATETIME_FORMATS,
        validators=[InputRequired(message=_l("Enter a date and time, e.g. 2026-07-01 09:00."))],
    )


class RoundForm(Form):
    version_id = SelectField(_l("Questionnaire version"), coerce=int, validators=[InputRequired()])
    period_label = StringField(
        _l("Period"),
        validators=[
            DataRequired(message=_l("Give the period the round covers, e.g. 2026-H2.")),
            TextLength(max=40),
        ],
        description="2026-H2",
    )
    opens_at = _datetime_field(_l("Opens on"))
    closes_at = _datetime_field(_l("Closes on"))
    country_ids = MultiCheckboxField(_l("Participating countries"), coerce=int)
    reminder_offsets = StringField(
        _l("Reminders (days before closing)"),
        default="14, 7, 1",
        validators=[TextLength(max=100)],
    )


class ExtendForm(Form):
    # 0: every country (the round's closing date); else one country's extension.
    country_id = SelectField(_l("For"), coerce=int, default=0)
    closes_at = _datetime_field(_l("New closing date"))


class ReopenForm(Form):
    closes_at = _datetime_field(_l("Open again until"))
    note = TextAreaField(
        _l("Reason (the country will see it)"), validators=[Optional(), TextLength(max=5000)]
    )


class ActionForm(Form):
    """A button that only needs its CSRF token (cancel, remind now, resend)."""


class CadenceForm(Form):
    questionnaire_id = SelectField(_l("Questionnaire"), coerce=int, validators=[InputRequired()])
    every_months = WholeNumberField(
        _l("A round every (months)"), default=6, validators=[InputRequired(), NumberRange(1, 36)]
    )
    open_weeks = WholeNumberField(
        _l("Open for (weeks)"), default=8, validators=[InputRequired(), NumberRange(1, 104)]
    )
    lead_days = WholeNumberField(
        _l("Created ahead of opening (days)"),
        default=14,
        validators=[InputRequired(), NumberRange(0, 365)],
    )
    first_opens_at = _datetime_field(_l("First opening"))
    reminder_offsets = StringField(
        _l("Reminders (days before closing)"), default="14, 7, 1", validators=[TextLength(max=100)]
    )
