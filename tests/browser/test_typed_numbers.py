"""The area page's script reads a typed number exactly as the server does (its computed totals and
its show_if conditions show what the save will store), in English and in French."""

from __future__ import annotations

import os
from itertools import product

import pytest
import sqlalchemy as sa

from surveys.locales import number_marks
from surveys.questionnaire.kinds.base import parse_number
from surveys.questionnaire.kinds.numbers import without_unit
from tests.browser.conftest import sign_in, submission_id

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")

SHAPES = [
    f"{sign}{head}{mark}{tail}"
    for sign, head, mark, tail in product(
        ("", "-"), ("0", "1", "12", "123", "1234"), (",", "."), ("5", "12", "123", "1234")
    )
]
TEXTS = [
    *SHAPES,
    *("1,234.5", "1.234,5", "1,234,567", "1.234.567", "12,34,567", "1,234.5.6", "1.234,567.8"),
    *(" 1 234,5 ", "1\u202f234", "1'234.5", "", "  ", "abc", "1.", ",5", "1,,234", "12e3"),
    "9" * 41,
    # Digits of an Arabic keyboard (read), of other scripts (refused); spaces of every kind.
    *(
        "\u0661\u0662\u0663\u0664",
        "\u0661,\u0662\u0663\u0664",
        "\u06f1\u06f2.\u06f5",
        "\uff11\uff12",
    ),
    *("\u0967\u0968", "\u0661\u066c\u0662\u0663\u0664", "\ufeff42", "1\x1c234", "1\x85234"),
    # An Arabic keyboard's decimal and grouping marks, where they can stand and where not.
    *("\u0661\u0662\u066b\u0665", "1\u066c234\u066b5", "-12\u066b5", "1\u066c234\u066c567"),
    *("\u0661\u066c\u0662\u0663", "1\u066b2\u066b3", "1\u066b234\u066c5", "1,2\u066b5", "\u066b5"),
]


def _server_reading(text: str, language: str, whole: bool, unit: str) -> float | None:
    try:
        return parse_number(without_unit(text, unit) if unit else text, language, whole=whole)
    except ValueError:
        return None


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_script_reads_numbers_as_the_server_does(site, new_context, language):
    page = new_context().new_page()
    sign_in(page, site, site.respondent)
    _open_protection(page, site)
    decimal, group = number_marks(language)
    cases = [(text, whole, "") for text in TEXTS for whole in (False, True)]
    cases += [(text + suffix, False, "%") for text in TEXTS for suffix in ("%", " %", "\u202f% ")]
    cases += [("%", False, "%"), (" % ", False, "%"), ("45%%", False, "%")]
    read = page.evaluate(
        """([cases, marks]) => {
          const form = {getAttribute: (name) => marks[name]};
          return cases.map(([text, whole, unit]) => surveysReadNumber(text, form, whole, unit));
        }""",
        [cases, {"data-decimal-mark": decimal, "data-group-mark": group}],
    )
    expected = [_server_reading(text, language, whole, unit) for text, whole, unit in cases]
    differing = [
        (case, js, py) for case, js, py in zip(cases, read, expected, strict=True) if js != py
    ]
    assert not differing, differing


def test_a_french_figure_that_reads_two_ways_is_asked_again_as_it_is_typed(site, new_context):
    page = new_context(locale="fr-FR").new_page()
    sign_in(page, site, site.respondent)
    page.select_option("#language-select", "fr")
    with page.expect_navigation():
        page.locator(".lang-switch button").click()
    _open_protection(page, site)
    page.fill("#protection_budget", "1.234")
    page.locator("#protection_budget").blur()  # typed text is sent on leaving the field
    error = page.locator(".error-message.js")
    error.wait_for()
    assert error.inner_text() == (
        "«\u00a01.234\u00a0» peut se lire 1234 ou 1,234\u00a0: tapez 1234 pour le nombre "
        "entier, ou 1,234 pour le nombre décimal."
    )
    budget = page.locator("#protection_budget")
    # A screen reader reaching the field reads the message with it.
    assert budget.get_attribute("aria-invalid") == "true"
    assert "protection_budget-jserror" in budget.get_attribute("aria-describedby").split()
    if SHOTS:
        error.scroll_into_view_if_needed()
        page.screenshot(path=f"{SHOTS}/ambiguous-number.png")
    page.fill("#protection_budget", "1234")
    budget.blur()
    draft = submission_id(site)
    site.wait_for(lambda session: _budget(session, draft) == 1234, what="the budget retyped")
    error.wait_for(state="detached")
    assert budget.get_attribute("aria-invalid") is None
    assert "protection_budget-jserror" not in (budget.get_attribute("aria-describedby") or "")


def _open_protection(page, site) -> None:
    """The protection area of Niger's submission, started by this person."""
    page.goto(site.url(f"/rounds/{site.round_id}/countries/{site.niger_id}/answers"))
    with page.expect_navigation():
        page.click("#start-form button[type=submit]")
    page.goto(site.url(f"/submissions/{submission_id(site)}/areas/protection"))


def _budget(session, submission: int) -> object:
    from surveys.responses.models import Answer

    return session.scalar(
        sa.select(Answer.value).where(
            Answer.submission_id == submission, Answer.question_id == "protection_budget"
        )
    )


def test_a_refused_figure_is_named_below_its_table_not_in_its_cell(site, new_context):
    """On a phone a message inside a cell of the table made its row a column of words."""
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, site, site.respondent)
    _open_protection(page, site)
    cell = page.locator("#protection_statistics-prosecuted-2024-female")
    cell.fill("a few")
    cell.blur()
    message = page.locator(".table-scroll ~ .error-message.js")
    message.wait_for()
    assert message.inner_text() == "2.5 Persons prosecuted, 2024, Female: Enter a number."
    assert page.locator("td .error-message").count() == 0
    assert message.get_attribute("id") in cell.get_attribute("aria-describedby").split()
    if SHOTS:
        message.scroll_into_view_if_needed()
        page.screenshot(path=f"{SHOTS}/figure-error-390.png")
    message.locator("a").click()  # the link takes the person to the figure
    assert page.evaluate("() => document.activeElement.id") == cell.get_attribute("id")
    cell.fill("4")
    cell.blur()
    message.wait_for(state="detached")
    assert cell.get_attribute("aria-invalid") is None
