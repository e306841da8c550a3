from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Regexp

from surveys.countries.operations import NAME_FIELD
from surveys.forms import Form, TextLength
from surveys.i18n import current_language, language_codes
from surveys.languages import language_name_in


class CountryForm(Form):
    iso2 = StringField(
        _l("ISO 3166 alpha-2 code"),
        validators=[DataRequired(), Regexp(r"^[A-Za-z]{2}$", message=_l("Two letters, e.g. BJ."))],
    )
    iso3 = StringField(
        _l("ISO 3166 alpha-3 code"),
        validators=[
            DataRequired(),
            Regexp(r"^[A-Za-z]{3}$", message=_l("Three letters, e.g. BEN.")),
        ],
    )

    def name_fields(self) -> list:
        """One name field per configured language, in the order of the setting."""
        return [self[NAME_FIELD % code] for code in language_codes()]

    def names(self) -> dict[str, str]:
        return {code: self[NAME_FIELD % code].data for code in language_codes()}


def country_form() -> CountryForm:
    """The form with a name field for each language the application offers (read per request:
    the languages are configuration)."""

    class ConfiguredCountryForm(CountryForm):
        pass

    reader = current_language()
    for code in language_codes():
        label = _l("Name in %(language)s", language=language_name_in(code, reader))
        field = StringField(label, validators=[DataRequired(), TextLength(max=120)])
        setattr(ConfiguredCountryForm, NAME_FIELD % code, field)
    return ConfiguredCountryForm()


class RenameForm(Form):
    def name_fields(self) -> list:
        return [self[NAME_FIELD % code] for code in language_codes()]

    def names(self) -> dict[str, str]:
        return {code: self[NAME_FIELD % code].data or "" for code in language_codes()}


def rename_form(country) -> RenameForm:
    """One name field per configured language, holding the country's name in it. The checks,
    with their specific messages, are the operation's (countries.operations.rename_country)."""

    class ConfiguredRenameForm(RenameForm):
        pass

    reader = current_language()
    for code in language_codes():
        label = _l("Name in %(language)s", language=language_name_in(code, reader))
        field = StringField(label, default=country.names.get(code, ""))
        setattr(ConfiguredRenameForm, NAME_FIELD % code, field)
    return ConfiguredRenameForm()


class ActivationForm(Form):
    """Offer a country for new rounds again, or no longer (the button says which)."""

    active = HiddenField()
