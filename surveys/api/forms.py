"""Forms of the token pages (every POST carries its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from surveys.forms import Form, TextLength
from surveys.inputs import WholeNumberField


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class NewTokenForm(Form):
    name = StringField(
        _l("Name"), validators=[DataRequired(), TextLength(max=100)], filters=[_strip]
    )
    days = WholeNumberField(_l("Expires after (days)"), validators=[InputRequired()])

    def set_limits(self, default: int, longest: int) -> None:
        if self.days.data is None and not self.is_submitted():
            self.days.data = default
        self.days.validators = [InputRequired(), NumberRange(1, longest)]


class RevokeForm(Form):
    """A revoke button: only the CSRF token."""
