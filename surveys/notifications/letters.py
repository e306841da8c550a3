"""Notices written from templates: one text template per kind of notice, in the recipient's
language.

`templates/notices/<kind>.txt` (in any slice's template folder) renders the whole message: its
first line is the subject, then a blank line, then the body. The Python that sends a notice
builds only the template's context.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from jinja2 import TemplateNotFound

from surveys.i18n import in_language


class UnknownNotice(ValueError):
    """No template for that kind of notice."""


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str


def template_name(kind: str) -> str:
    return f"notices/{kind}.txt"


def render_notice(kind: str, language: str, **context: object) -> Notice:
    """The notice of that kind with that context, written in `language`."""
    name = template_name(kind)
    try:
        template = current_app.jinja_env.get_template(name)
    except TemplateNotFound as exc:
        raise UnknownNotice(f"no template {name} for the notice kind {kind!r}") from exc
    with in_language(language):
        text = template.render(language=language, **context)
    subject, blank, body = text.partition("\n\n")
    if not blank or "\n" in subject or not subject.strip():
        raise ValueError(
            f"{name}: the first line must be the subject, followed by a blank line and the body"
        )
    return Notice(subject=subject.strip(), body=body)
