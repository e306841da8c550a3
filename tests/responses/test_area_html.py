"""Issue 18: the area page written from parts built once shows what the WTForms page showed.

The editable questions of an area are written from parts built once per form class (version
hash, area, language) and filled in per page (surveys/responses/area_html.py). Every page below
(errors, warnings with and without an explanation, carried-over answers, hidden questions,
evidence, text with markup, in English and French) is compared with the questions as the former
template wrote them with WTForms (reference_questions.html, rendered beside the page with the
same context), and its key fragments are checked.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import template_rendered

from surveys.questionnaire.schema import localized
from surveys.responses import evidence as evidence_ops
from surveys.responses.fields import kind_of
from surveys.responses.forms import area_form_class
from surveys.responses.models import Answer, Evidence, RuleExplanation
from surveys.responses.presentation import condition_tree
from tests.responses import test_rules
from tests.responses.conftest import form_state
from tests.responses.test_rules import COMPLETE, _start

ruled = test_rules.ruled  # the mini questionnaire with rules, after a validated round
REFERENCE = Path(__file__).with_name("reference_questions.html")
MARKUP = "Notes <b>\"bold\"</b> & 'quoted'"


def _normalised(html: str) -> str:
    """Whitespace runs holding a line break as one line break (they read the same)."""
    return re.sub(r"[ \t]*\n\s*", "\n", html).strip()


def _questions_part(page: str) -> str:
    """The question blocks of an editable area page."""
    start = page.index('<script type="application/json" id="autosave-strings">')
    start = page.index("</script>", start) + len("</script>")
    return page[start : page.index('<div class="actions save-bar">')]


@pytest.fixture
def reference(app):
    """For each editable area page rendered, its questions as the former template wrote them."""
    written: list[str] = []
    questions = app.jinja_env.from_string(REFERENCE.read_text(encoding="utf-8"))

    def render_reference(sender, template, context, **extra):
        if template.name != "responses/area.html" or not context.get("editable"):
            return
        submission, area, language = context["submission"], context["area"], context["language"]
        definition = context["definition"]
        form_class = area_form_class(definition, area, language, submission.round.version.sha256)
        filled = context["form"]
        wtforms = form_class(formdata=None, data=filled.values)
        conditions = {
            q.id: json.dumps(condition_tree(q.show_if), separators=(",", ":"))
            for q in area.questions
            if q.show_if
        }
        written.append(
            questions.render(
                {
                    **context,
                    "form": wtforms,
                    "kind_of": kind_of,
                    "conditions": conditions,
                    "accept": evidence_ops.ACCEPT_ATTRIBUTE,
                    "max_upload_mb": app.config["MAX_UPLOAD_MB"],
                }
            )
        )

    template_rendered.connect(render_reference, app)
    yield written
    template_rendered.disconnect(render_reference, app)


def _same_as_reference(page: str, reference: list[str]) -> None:
    assert _normalised(_questions_part(page)) == _normalised(reference.pop())


@pytest.fixture
def filled(db, ruled, create_user):
    """Niger's submission of the ruled mini questionnaire, answered in every way a page shows."""
    niger, round_, respondent = ruled
    submission = _start(db, round_, niger, respondent, COMPLETE)
    answers = {a.question_id: a for a in submission.answers}
    answers["legal_tip_offence"].carried_over = True  # to confirm
    answers["legal_tip_offence"].comment = MARKUP
    answers["legal_framework_status"].carried_over = True
    answers["protection_assisted_share"].not_applicable = True
    answers["protection_assisted_share"].na_justification = "No <survey> yet"
    answers["protection_assisted_share"].value = None
    db.session.add(
        Answer(submission_id=submission.id, question_id="legal_notes", value=MARKUP, comment="c")
    )
    db.session.add(
        Answer(
            submission_id=submission.id,
            question_id="protection_statistics",
            value={
                "cells": {
                    "prosecuted|2025|female": 12,
                    "prosecuted|2025|male": 5,
                    "prosecuted|2025|total": 3,  # less than its parts: an error
                    "victims_identified|2024|total": 1234.5,
                },
                "source": "Ministry <of> Justice",
            },
        )
    )
    db.session.add(
        Evidence(
            submission_id=submission.id,
            question_id="legal_notes",
            filename='law "2024" <final>.pdf',
            content_type="application/pdf",
            size_bytes=1536,
            sha256="a" * 64,
        )
    )
    db.session.commit()
    return submission, respondent


def _signed_in_in(language: str, filled, db, login):
    """The filled submission, its respondent signed in and reading in `language`."""
    submission, respondent = filled
    respondent.language = language
    db.session.commit()
    login(respondent)
    return submission


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_legal_area_shows_what_the_wtforms_page_showed(
    client, login, db, filled, reference, language
):
    submission = _signed_in_in(language, filled, db, login)
    page = client.get(f"/submissions/{submission.id}/areas/legal").get_data(as_text=True)
    _same_as_reference(page, reference)
    # Carried over: the badge and the box to confirm, unticked.
    assert 'id="legal_tip_offence-confirm" name="legal_tip_offence-confirm" type="checkbox"' in page
    # The chosen option ticked, the others not.
    assert (
        'checked id="legal_tip_offence-0" name="legal_tip_offence" type="radio" value="yes"' in page
    )
    assert 'id="legal_tip_offence-1" name="legal_tip_offence" type="radio" value="partly">' in page
    # Text with markup escaped, in a comment and in a text area; the evidence file listed.
    assert "Notes &lt;b&gt;&#34;bold&#34;&lt;/b&gt; &amp; &#39;quoted&#39;</textarea>" in page
    assert "&lt;b&gt;" in page and "<b>" not in page
    assert "law &#34;2024&#34; &lt;final&gt;.pdf</a>" in page
    # A question whose condition holds is shown; its condition is there for the script.
    assert 'data-q="legal_strategy_maturity" data-kind="radios" data-show-if="' in page
    definition = submission.round.version.definition
    text = localized(definition.question("legal_notes").text, language)
    assert f'<label class="q-label" for="legal_notes">1.6 {text}</label>' in page
    carried, files = {
        "en": ("Carried over from the previous round", "Evidence files (1)"),
        "fr": ("Reprise du cycle précédent", "Pièces justificatives (1)"),
    }[language]
    assert f'<span class="badge">{carried}</span>' in page
    assert f"<summary>{files}</summary>" in page


def test_a_hidden_question_and_an_empty_area_show_what_the_wtforms_page_showed(
    client, login, db, ruled, reference
):
    niger, round_, respondent = ruled
    submission = _start(db, round_, niger, respondent, {"legal_tip_offence": "no"})
    login(respondent)
    page = client.get(f"/submissions/{submission.id}/areas/legal").get_data(as_text=True)
    _same_as_reference(page, reference)
    assert re.search(r'data-q="legal_strategy_maturity"[^>]* hidden>', page)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_failed_checks_and_explanations_show_what_the_wtforms_page_showed(
    client, login, db, filled, reference, language
):
    submission, respondent = filled
    respondent.language = language
    db.session.add(
        RuleExplanation(
            submission_id=submission.id,
            failure_key="plausible:prosecuted|2025|total",
            text="Courts <moved>",
            updated_by_id=respondent.id,
        )
    )
    db.session.commit()
    login(respondent)
    page = client.get(f"/submissions/{submission.id}/areas/protection").get_data(as_text=True)
    _same_as_reference(page, reference)
    # The error on the total: its cell marked, described by the question's failed checks.
    assert (
        '<td class="rule-error"><input aria-describedby="protection_statistics-rules" '
        'aria-invalid="true"' in page
    )
    assert '<ul class="rule-failures" id="protection_statistics-rules">' in page
    # The explained warning: its explanation in its text area, escaped.
    assert 'form="form-explain-plausible-prosecuted-2025-total">Courts &lt;moved&gt;' in page
    # Not applicable, with its reason; figures written in the reader's language.
    assert 'checked id="protection_assisted_share-na"' in page
    assert "No &lt;survey&gt; yet</textarea>" in page
    assert ('value="1234,5"' if language == "fr" else 'value="1234.5"') in page
    assert 'value="Ministry &lt;of&gt; Justice"' in page


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_refused_post_shows_what_the_wtforms_page_showed(
    client, login, db, filled, reference, language
):
    submission = _signed_in_in(language, filled, db, login)
    state = form_state(client, submission.id, "protection")
    reference.clear()
    response = client.post(
        f"/submissions/{submission.id}/areas/protection",
        data={
            **state,
            "protection_shelters": "many <b>",
            "protection_statistics-victims_identified-2025-female": "12,5,6",
            "protection_statistics-source": "Ministry <of> Justice",
            "protection_focal_point": "Mme <Aïssa>",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    _same_as_reference(page, reference)
    # The refused value kept, escaped, with its message beside it and the field marked.
    assert re.search(
        r'<input aria-describedby="protection_shelters-error" aria-invalid="true"[^>]* '
        r'value="many &lt;b&gt;">',
        page,
    )
    assert '<p class="error-message" id="protection_shelters-error">' in page
    assert 'id="protection_statistics-victims_identified-2025-female-error"><a href=' in page
    assert 'class="q field-error" id="q-protection_shelters"' in page
