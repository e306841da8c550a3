"""The base of the platform's forms (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm

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
