from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp


class CountryForm(FlaskForm):
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
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=120)])
    name_fr = StringField(_l("Name in French"), validators=[DataRequired(), Length(max=120)])
