"""Forms of the accounts pages (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from surveys.accounts.labels import ROLE_LABELS, STATUS_LABELS, is_valid_timezone
from surveys.accounts.passwords import MIN_PASSWORD_LENGTH, PASSWORD_TOO_SHORT
from surveys.forms import Form, TextLength
from surveys.i18n import enabled_languages

# Deliberately simple: one @, no spaces, a dot in the domain. Whether the address works is only
# known when the invitation arrives; the email_validator package is not a dependency.
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


class EmailAddress:
    """Validates the shape of an email address (not its existence)."""

    def __call__(self, form, field) -> None:
        value = (field.data or "").strip()
        if value and not EMAIL_PATTERN.fullmatch(value):
            raise ValidationError(_l("Enter an email address like name@example.org."))


class TimeZoneName:
    def __call__(self, form, field) -> None:
        if field.data and not is_valid_timezone(field.data.strip()):
            raise ValidationError(
                _l("Enter a time zone name from the list, such as Africa/Niamey.")
            )


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (accessible without JavaScript, unlike a multiple select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def as_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, str(label)) for value, label in pairs]


def language_choices() -> list[SelectChoice]:
    """The configured languages, each by its name in itself (read when a form is built)."""
    return as_choices((language.code, language.name) for language in enabled_languages())


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LoginForm(Form):
    # autocomplete: password managers and browsers fill the right boxes (WCAG 1.3.5).
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(), TextLength(max=254)],
        filters=[_strip],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), TextLength(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class ResetRequestForm(Form):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(), TextLength(max=254), EmailAddress()],
        filters=[_strip],
    )


class NewPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            TextLength(min=MIN_PASSWORD_LENGTH, max=200, too_short=PASSWORD_TOO_SHORT),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), TextLength(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class ProfileForm(Form):
    name = StringField(
        _l("Name"), validators=[DataRequired(), TextLength(max=200)], filters=[_strip]
    )
    language = SelectField(_l("Language"), choices=language_choices)
    timezone = StringField(
        _l("Time zone"),
        validators=[DataRequired(), TextLength(max=64), TimeZoneName()],
        filters=[_strip],
        render_kw={"list": "timezones", "autocomplete": "off"},
    )


class InviteForm(Form):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(), TextLength(max=254), EmailAddress()],
        filters=[_strip],
    )
    name = StringField(
        _l("Name"), validators=[DataRequired(), TextLength(max=200)], filters=[_strip]
    )
    language = SelectField(_l("Language of the invitation"), choices=language_choices)
    roles = MultiCheckboxField(_l("Roles"), validators=[DataRequired()])
    countries = MultiCheckboxField(_l("Countries (respondents)"), coerce=int)

    def set_choices(self, roles: list[str], countries: list[tuple[int, str]]) -> None:
        self.roles.choices = as_choices((r, ROLE_LABELS[r]) for r in roles)
        self.countries.choices = as_choices(countries)


class AccessForm(Form):
    roles = MultiCheckboxField(_l("Roles"), validators=[DataRequired()])
    countries = MultiCheckboxField(_l("Countries (respondents)"), coerce=int)

    def set_choices(self, roles: list[str], countries: list[tuple[int, str]]) -> None:
        self.roles.choices = as_choices((r, ROLE_LABELS[r]) for r in roles)
        self.countries.choices = as_choices(countries)


class ActionForm(Form):
    """An empty form for buttons that POST (deactivate, resend): only the CSRF token."""

    next = HiddenField()


class PeopleFilterForm(Form):
    """Filters of the people list, sent by GET (no CSRF: reading only)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or email"), validators=[Optional(), TextLength(max=200)])
    role = SelectField(_l("Role"), validators=[Optional()])
    country = SelectField(_l("Country"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])

    def set_choices(self, roles: list[str], countries: list[tuple[str, str]]) -> None:
        everyone = [("", _l("All"))]
        self.role.choices = as_choices([*everyone, *((r, ROLE_LABELS[r]) for r in roles)])
        self.country.choices = as_choices([*everyone, *countries])
        statuses = ((key, STATUS_LABELS[key]) for key in ("active", "invited", "deactivated"))
        self.status.choices = as_choices([*everyone, *statuses])
