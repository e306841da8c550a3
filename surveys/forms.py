"""The base of the platform's forms (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import Length, ValidationError

from surveys.i18n import counted
from surveys.translatable import AT_MOST_CHARACTERS, Plural

HIDDEN_FIELDS = frozenset({"CSRFTokenField", "HiddenField"})


class Form(FlaskForm):
    """A Flask-WTF form whose hidden fields are written without an id: a page with several
    forms (a review page, a person's page) repeated "csrf_token", and nothing refers to a
    hidden field by its id (it is posted by name)."""

    class Meta(FlaskForm.Meta):
        def render_field(self, field, render_kw):
            if field.type in HIDDEN_FIELDS and "id" not in render_kw:
                render_kw = {**render_kw, "id": False}
            return super().render_field(field, render_kw)


class TextLength(Length):
    """wtforms' Length (its maxlength and minlength attributes on the input) saying the limit in
    the platform's words, in the reader's language and in the singular for a count of one:
    "Enter at most 200 characters.", not "Field cannot be longer than 200 characters.".
    `too_short`: what a minimum says (a `Plural` with %(count)s), e.g. the password rule."""

    def __init__(self, min: int = -1, max: int = -1, *, too_short: Plural | None = None):
        if min > 0 and too_short is None:
            raise ValueError("a minimum length says why, in its own words (too_short)")
        super().__init__(min=min, max=max)
        self.too_short = too_short

    def __call__(self, form, field):
        length = len(field.data) if field.data else 0
        if self.too_short is not None and length < self.min:
            raise ValidationError(counted(self.too_short, self.min))
        if self.max != -1 and length > self.max:
            raise ValidationError(counted(AT_MOST_CHARACTERS, self.max))
