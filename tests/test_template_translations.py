"""Templates translate through surveys.i18n's own `_`, `gettext` and `ngettext`, which must
write exactly what Jinja's "newstyle" gettext writes: escaped in HTML, never in text (mails),
always a format string ("%%" a percent sign), a template's own `num` kept."""

from __future__ import annotations

import jinja2
import pytest

TEMPLATES = [
    '{{ _("Saved") }}',
    '{{ _("Saved at %(time)s", time="18:00") }}',
    '{{ _("<b>%(name)s</b> answered", name="O\'Brien & <script>") }}',
    '{{ _("100%% of the questions") }}',
    '{{ gettext("%(num)s MB", num=2) }}',
    '{{ ngettext("%(num)d check", "%(num)d checks", 1) }}',
    '{{ ngettext("%(num)d check", "%(num)d checks", 3) }}',
    '{{ ngettext("%(num)s country", "%(num)s countries", 1200, num="1,200") }}',
    "{% trans %}Plain text{% endtrans %}",
    '{% trans name="<i>" %}Hello {{ name }}{% endtrans %}',
    "{% trans count=2 %}{{ count }} area{% pluralize %}{{ count }} areas{% endtrans %}",
]


def jinja_s_own(autoescape: bool) -> jinja2.Environment:
    """Jinja's i18n extension alone (autoescape off: a text template, as mails are)."""
    environment = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)  # noqa: S701
    environment.install_gettext_callables(  # English: the messages are their translations
        gettext=lambda message: message,
        ngettext=lambda singular, plural, n: singular if n == 1 else plural,
        newstyle=True,
    )
    return environment


@pytest.mark.parametrize("autoescape", [True, False], ids=["html", "text"])
@pytest.mark.parametrize("source", TEMPLATES)
def test_templates_translate_as_jinja_s_newstyle_gettext_does(app, backend, source, autoescape):
    if backend != "sqlite":
        pytest.skip("templates do not depend on the database")
    ours = app.jinja_env.overlay(autoescape=autoescape)
    with app.test_request_context("/"):
        written = ours.from_string(source).render()
    assert written == jinja_s_own(autoescape).from_string(source).render()
