"""The area page reads typed numbers as its language writes them: an English respondent's "1,234"
is 1234, a French respondent's "1.234" is asked again with both readings named, and the page
tells its script which marks its language uses."""

from __future__ import annotations

import re

import pytest

from surveys.responses.operations import answers_by_question
from surveys.roles import Role
from tests.responses.test_pages import JSON, area_url, post_area

CELL = "protection_statistics-prosecuted-2024-female"


@pytest.fixture
def french(create_user, world):
    return create_user(Role.RESPONDENT, countries=[world.country], language="fr", name="Awa")


def _answers(submission) -> dict:
    return {k: a.value for k, a in answers_by_question(submission).items()}


def test_english_thousands_separators_are_read_as_such(client, login, world, started):
    login(world.respondent)
    response = post_area(
        client,
        started,
        {CELL: "1,234", "protection_budget": "1,234.5", "protection_shelters": "1,000"},
        area="protection",
    )
    assert response.status_code == 302
    answers = _answers(started)
    assert answers["protection_statistics"]["cells"] == {"prosecuted|2024|female": 1234}
    assert answers["protection_budget"] == 1234.5
    assert answers["protection_shelters"] == 1000


def test_a_french_number_that_reads_two_ways_is_asked_again(client, login, world, started, french):
    login(french)
    response = post_area(
        client,
        started,
        {"protection_budget": "1.234", "protection_shelters": "1.000", CELL: "12,5"},
        area="protection",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    message = (
        "«\u00a01.234\u00a0» peut se lire 1234 ou 1,234\u00a0: tapez 1234 pour le nombre "
        "entier, ou 1,234 pour le nombre décimal."
    )
    assert 'id="protection_budget-error"' in page and message in page
    answers = _answers(started)
    assert "protection_budget" not in answers  # nothing guessed
    assert answers["protection_shelters"] == 1000  # only whole numbers asked: one reading
    assert answers["protection_statistics"]["cells"] == {"prosecuted|2024|female": 12.5}


def test_digits_of_an_arabic_keyboard_are_read_and_other_scripts_refused(
    client, login, world, started, french
):
    login(french)
    arabic_indic = {CELL: "\u0661\u0662", "protection_budget": "\u06f1\u06f2,\u06f5"}
    response = post_area(
        client, started, {**arabic_indic, "protection_shelters": "\uff13"}, area="protection"
    )
    assert response.status_code == 422  # the fullwidth "３" only
    assert 'id="protection_shelters-error"' in response.get_data(as_text=True)
    answers = _answers(started)
    assert answers["protection_statistics"]["cells"] == {"prosecuted|2024|female": 12}
    assert answers["protection_budget"] == 12.5
    assert "protection_shelters" not in answers


def test_an_autosave_of_an_ambiguous_figure_names_the_field(client, login, world, started, french):
    login(french)
    response = post_area(client, started, {CELL: "2.500"}, area="protection", headers=JSON)
    assert response.status_code == 422
    # Shown below the table, not in its cell: the message says which figure it is about.
    assert response.get_json()["errors"] == {
        CELL: "2.5 Personnes poursuivies, 2024, Femmes\u00a0: «\u00a02.500\u00a0» peut se lire "
        "2500 ou 2,5\u00a0: tapez 2500 pour le nombre entier, ou 2,5 pour le nombre décimal."
    }
    assert "protection_statistics" not in _answers(started)


@pytest.mark.parametrize(
    ("language", "marks"),
    [("en", 'data-decimal-mark="." data-group-mark=","'), ("fr", 'data-decimal-mark=","')],
)
def test_the_form_gives_its_script_the_language_marks(
    client, login, world, started, create_user, language, marks
):
    person = create_user(Role.RESPONDENT, countries=[world.country], language=language)
    login(person)
    page = client.get(area_url(started, "protection")).get_data(as_text=True)
    assert marks in page
    if language == "fr":
        assert 'data-group-mark="\u202f"' in page
    # Whole numbers only where the table asks them: a phone shows a decimal mark elsewhere.
    cell = re.search(rf'<input[^>]*id="{CELL}"[^>]*>', page).group()
    assert 'inputmode="decimal"' in cell


def test_a_share_typed_with_its_percent_sign_is_saved(client, login, world, started):
    login(world.respondent)
    page = client.get(area_url(started, "protection")).get_data(as_text=True)
    share = re.search(r'<input[^>]*id="protection_assisted_share"[^>]*>', page).group()
    assert 'data-unit="%"' in share  # the page's script reads it as the server does
    response = post_area(client, started, {"protection_assisted_share": "62.5 %"}, "protection")
    assert response.status_code == 302
    assert _answers(started)["protection_assisted_share"] == 62.5
