"""A statistics table with several refused figures (the audit of issue p5, point 1): every refused
figure is reported at once, beside the table and in the summary, each naming its row, year and
column; the valid figures and the source are saved; the refused figures keep what was typed on
the page, are not stored (the value stored before stands) and are sent again with the next
save. The autosave (JSON) and the plain form (no script) end in the same state."""

from __future__ import annotations

import html as html_lib
import json
import re

import pytest

from surveys.responses.operations import answers_by_question
from surveys.roles import Role
from tests.crawl import forms_of_page
from tests.responses import test_rules
from tests.responses.test_merging import Page
from tests.responses.test_rules import COMPLETE, _start

ruled = test_rules.ruled  # the mini questionnaire with table rules: whole numbers, totals

Q = "protection_statistics"
TYPED = {
    f"{Q}-prosecuted-2025-female": "2",
    f"{Q}-prosecuted-2025-male": "abc",
    f"{Q}-prosecuted-2025-total": "-1",
    f"{Q}-prosecuted-2024-female": "2.5",  # a whole-number column
    f"{Q}-source": "Ministry of Justice",
}
REFUSED = {
    f"{Q}-prosecuted-2024-female": (
        "2.5 Persons prosecuted, 2024, Female: "
        "Enter a whole number: persons and cases are counted, not measured."
    ),
    f"{Q}-prosecuted-2025-male": "2.5 Persons prosecuted, 2025, Male: Enter a number.",
    f"{Q}-prosecuted-2025-total": (
        "2.5 Persons prosecuted, 2025, Total: Enter a number of at least 0."
    ),
}
BEFORE = {  # stored before the post: a refused figure leaves it as it was
    "cells": {"prosecuted|2025|male": 5, "victims_identified|2025|total": 7},
    "source": "",
}


@pytest.fixture
def table_page(app, client, login, db, ruled):
    niger, round_, respondent = ruled
    submission = _start(db, round_, niger, respondent, {**COMPLETE, Q: BEFORE})
    login(respondent)
    return submission, Page(app, client, submission, area="protection")


# The table once the refused figures are corrected (the valid ones were stored meanwhile).
CORRECTED_CELLS = {
    "prosecuted|2025|female": 2,
    "prosecuted|2025|male": 3,
    "prosecuted|2025|total": 5,
    "prosecuted|2024|female": 2,
    "victims_identified|2025|total": 7,
}


def _below_table(page: str) -> dict[str, str]:
    """The messages below the table: field -> text (each a link to its cell)."""
    return {
        name: html_lib.unescape(text)
        for name, link, text in re.findall(
            r'<p class="error-message" id="([^"]+)-error"><a href="#([^"]+)">([^<]*)</a></p>', page
        )
        if link == name
    }


def _stored(db, submission):
    db.session.expire_all()
    return answers_by_question(submission)[Q].value


def test_every_refused_figure_is_reported_at_once_and_the_rest_is_saved(db, table_page):
    submission, page = table_page
    response = page.submit(**TYPED)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    # Each refused figure in the summary, linked to its cell, naming row, year and column.
    for name, text in REFUSED.items():
        assert f'<a href="#{name}">{text}</a>' in summary
    assert "What is listed below was not saved: correct it and save again." in summary
    # And below the table, each linked to its cell, which is marked and described by it.
    assert _below_table(html) == REFUSED
    for name in REFUSED:
        cell = re.search(rf'<input [^>]*id="{name}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in cell and f'aria-describedby="{name}-error"' in cell
    # What was typed stays on the page, refused figures included.
    for name, typed in TYPED.items():
        assert f'name="{name}"' in html and f'value="{typed}"' in html
    # The valid figure and the source are stored; the refused ones are not: the male figure
    # stored before stands, the other table rows are untouched.
    assert _stored(db, submission) == {
        "cells": {
            "prosecuted|2025|female": 2,
            "prosecuted|2025|male": 5,
            "victims_identified|2025|total": 7,
        },
        "source": "Ministry of Justice",
        "definition": "",
        "period": "",
        "coverage": "",
    }


def _shown(app, page: Page, html: str) -> Page:
    """`page` as the browser holds it after showing `html` (a refused post's answer)."""
    [form] = [f for f in forms_of_page(app, html, page.url) if f.endpoint == "responses.area"]
    page.body = form.body()
    page.base = json.loads(page.body["base"])
    return page


def test_the_refused_figures_are_sent_again_and_stored_once_corrected(app, db, table_page):
    submission, page = table_page
    refused = page.submit(**TYPED)
    assert refused.status_code == 422
    # The page the refusal shows, posted again as it is: the refused figures are in it (nothing
    # typed is lost) and are refused again; what was saved stays saved.
    page = _shown(app, page, refused.get_data(as_text=True))
    assert all(page.body[name] == typed for name, typed in TYPED.items())
    again = page.submit()
    assert again.status_code == 422
    assert _below_table(again.get_data(as_text=True)) == REFUSED
    page = _shown(app, page, again.get_data(as_text=True))
    corrected = page.submit(
        **{
            f"{Q}-prosecuted-2025-male": "3",
            f"{Q}-prosecuted-2025-total": "5",
            f"{Q}-prosecuted-2024-female": "2",
        }
    )
    assert corrected.status_code == 302
    assert _stored(db, submission)["cells"] == CORRECTED_CELLS
    # A page loaded afresh shows what is stored.
    assert 'value="abc"' not in page.client.get(page.url).get_data(as_text=True)


def test_the_autosave_reports_every_refused_figure_and_acknowledges_only_the_rest(db, table_page):
    submission, page = table_page
    response = page.autosave(**TYPED)
    assert response.status_code == 422
    reply = response.get_json()
    assert reply["errors"] == REFUSED
    # The saved fields are acknowledged (their new prints); the refused ones are not, so the
    # script sends them again with the next save.
    assert set(reply["base"]) == {f"{Q}-prosecuted-2025-female", f"{Q}-source"}
    assert _stored(db, submission)["cells"] == {
        "prosecuted|2025|female": 2,
        "prosecuted|2025|male": 5,
        "victims_identified|2025|total": 7,
    }
    assert _stored(db, submission)["source"] == "Ministry of Justice"


def test_the_autosave_and_the_plain_form_end_in_the_same_state(app, client, db, table_page):
    """The same typing on two submissions: one page autosaves, the other is posted whole."""
    submission, page = table_page
    scripted = page.autosave(**TYPED)
    stored_by_script = _stored(db, submission)
    answers_by_question(submission)[Q].value = BEFORE  # back to the state before
    db.session.commit()
    plain = Page(app, client, submission, area="protection").submit(**TYPED)
    assert plain.status_code == scripted.status_code == 422
    assert _stored(db, submission) == stored_by_script
    assert _below_table(plain.get_data(as_text=True)) == scripted.get_json()["errors"]


def test_several_bad_figures_of_one_row_are_each_flagged_by_the_autosave(db, table_page):
    """The audit's autosave case: 3.5, x7 and -4 in one row, not only the first."""
    _submission, page = table_page
    reply = page.autosave(
        **{
            f"{Q}-victims_identified-2024-female": "3.5",
            f"{Q}-victims_identified-2024-male": "x7",
            f"{Q}-victims_identified-2024-total": "-4",
        }
    ).get_json()
    assert list(reply["errors"]) == [
        f"{Q}-victims_identified-2024-female",
        f"{Q}-victims_identified-2024-male",
        f"{Q}-victims_identified-2024-total",
    ]
    assert reply["base"] == {}


def test_a_source_typed_before_any_figure_is_kept(app, client, db, table_page):
    submission, _page = table_page
    db.session.delete(answers_by_question(submission)[Q])
    db.session.commit()
    fresh = Page(app, client, submission, area="protection")
    response = fresh.autosave(**{f"{Q}-source": "Police nationale"})
    assert response.status_code == 200
    assert _stored(db, submission)["source"] == "Police nationale"
    assert 'value="Police nationale"' in client.get(fresh.url).get_data(as_text=True)


def test_a_refused_number_does_not_lose_the_comment_typed_with_it(app, client, db, table_page):
    """Outside tables too: the refused field is not stored, the other fields of its question
    are (the summary says everything else on the page was saved)."""
    submission, page = table_page
    response = page.submit(protection_shelters="many", **{"protection_shelters-comment": "Two new"})
    assert response.status_code == 422
    assert 'value="many"' in response.get_data(as_text=True)
    db.session.expire_all()
    answer = answers_by_question(submission)["protection_shelters"]
    assert (answer.value, answer.comment) == (COMPLETE["protection_shelters"], "Two new")


# ------------------------------------------------- a refused figure and a conflict, in one post


@pytest.fixture
def colleague_page(app, login, create_user, ruled, table_page):
    """A colleague's page of the same area, loaded at the same time as the respondent's."""
    niger, _round, _respondent = ruled
    submission, _page = table_page
    colleague = create_user(Role.RESPONDENT, countries=[niger], name="Boubacar")
    return Page(app, login(colleague, on=app.test_client()), submission, area="protection")


def _conflict_page_after_refused_figures(db, table_page, colleague_page):
    """The colleague saves the focal point; the respondent's page, loaded before, is posted
    without a script with another focal point and the typed figures."""
    _submission, page = table_page
    assert colleague_page.submit(protection_focal_point="M. Boubacar").status_code == 302
    return page.submit(protection_focal_point="Mme Aïcha", **TYPED)


def test_the_conflict_page_shows_the_refused_figures_as_typed_with_their_messages(
    db, table_page, colleague_page
):
    submission, _page = table_page
    response = _conflict_page_after_refused_figures(db, table_page, colleague_page)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else changed these answers" in html  # the conflict, as before
    assert "Mme Aïcha" in html and "M. Boubacar" in html
    # Each refused figure is listed at the top, linked to its box, naming row, year and column;
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    for name, text in REFUSED.items():
        assert f'<a href="#{name}">{text}</a>' in summary
    # its box holds what was typed, marked and described by its message.
    for name, text in REFUSED.items():
        cell = re.search(rf'<input [^>]*id="{name}"[^>]*>', html).group(0)
        assert f'value="{TYPED[name]}"' in cell
        assert 'aria-invalid="true"' in cell and f'aria-describedby="{name}-error"' in cell
        message = re.search(rf'<p class="error-message" id="{name}-error">([^<]*)</p>', html)
        assert text.endswith(html_lib.unescape(message.group(1)))
    # Each box is labelled with its figure, under its question's legend.
    assert "<legend>2.5 Criminal justice statistics</legend>" in html
    assert f'<label for="{Q}-prosecuted-2025-male">Persons prosecuted, 2025, Male</label>' in html
    # The valid figure and the source are saved; the focal point stays the colleague's, the
    # respondent's kept as a conflict revision to choose.
    assert _stored(db, submission)["cells"] == {
        "prosecuted|2025|female": 2,
        "prosecuted|2025|male": 5,
        "victims_identified|2025|total": 7,
    }
    assert _stored(db, submission)["source"] == "Ministry of Justice"
    assert answers_by_question(submission)["protection_focal_point"].value == "M. Boubacar"


def _conflict_form(app, page: Page, html: str):
    """The conflict page's form, as a browser would post it with nothing changed."""
    [form] = [f for f in forms_of_page(app, html, page.url) if f.endpoint == "responses.resolve"]
    return form


CORRECTED = {
    f"{Q}-prosecuted-2024-female": "2",
    f"{Q}-prosecuted-2025-male": "3",
    f"{Q}-prosecuted-2025-total": "5",
}


def test_the_figures_corrected_on_the_conflict_page_are_saved_with_the_choices(
    app, db, table_page, colleague_page
):
    submission, page = table_page
    conflict = _conflict_page_after_refused_figures(db, table_page, colleague_page)
    body = _conflict_form(app, page, conflict.get_data(as_text=True)).body()
    assert {name: body[name] for name in REFUSED} == {name: TYPED[name] for name in REFUSED}
    body["choice-protection_focal_point"] = "mine"
    for name, value in CORRECTED.items():
        body[name] = value
    resolved = page.client.post(f"{page.url}/conflicts", data=body)
    assert resolved.status_code == 302
    assert resolved.headers["Location"].split("#")[0].endswith(page.url)
    assert _stored(db, submission)["cells"] == CORRECTED_CELLS
    assert answers_by_question(submission)["protection_focal_point"].value == "Mme Aïcha"
    shown = page.client.get(page.url).get_data(as_text=True)
    assert "Your choices were saved." in shown and "Saved at" in shown


def test_figures_left_refused_on_the_conflict_page_come_back_on_the_area_page(
    app, db, table_page, colleague_page
):
    submission, page = table_page
    conflict = _conflict_page_after_refused_figures(db, table_page, colleague_page)
    form = _conflict_form(app, page, conflict.get_data(as_text=True))
    resolved = page.client.post(form.action, data=form.body())  # the saved answer kept
    # The choice is saved; the figures, still refused, are on the area page as typed, with
    # their messages, as after a refused post without a conflict.
    assert resolved.status_code == 422
    html = resolved.get_data(as_text=True)
    assert "Your choices were saved." in html
    assert _below_table(html) == REFUSED
    for name in REFUSED:
        assert f'value="{TYPED[name]}"' in re.search(rf'<input [^>]*id="{name}"[^>]*>', html)[0]
    assert answers_by_question(submission)["protection_focal_point"].value == "M. Boubacar"
    assert _stored(db, submission)["cells"] == {
        "prosecuted|2025|female": 2,
        "prosecuted|2025|male": 5,
        "victims_identified|2025|total": 7,
    }
    # That page, corrected and saved, stores them.
    page = _shown(app, page, html)
    assert page.submit(**CORRECTED).status_code == 302
    assert _stored(db, submission)["cells"]["prosecuted|2025|male"] == 3


def test_a_figure_a_colleague_changed_meanwhile_is_not_overwritten_from_the_conflict_page(
    app, db, table_page, colleague_page
):
    submission, page = table_page
    conflict = _conflict_page_after_refused_figures(db, table_page, colleague_page)
    form = _conflict_form(app, page, conflict.get_data(as_text=True))
    # While the conflict page is open, the colleague changes the male figure (5 -> 9).
    assert colleague_page.submit(**{f"{Q}-prosecuted-2025-male": "9"}).status_code == 302
    body = form.body()
    for name, value in CORRECTED.items():
        body[name] = value
    again = page.client.post(form.action, data=body)
    # Both changed it since the respondent's page showed 5: the table is a conflict, as any
    # question changed by both, the colleague's figures stored, the corrected ones to choose.
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "2.5 Criminal justice statistics" in html and "Keep my answer" in html
    assert _stored(db, submission)["cells"]["prosecuted|2025|male"] == 9
    form = _conflict_form(app, page, html)
    body = form.body()
    body[f"choice-{Q}"] = "mine"
    assert page.client.post(form.action, data=body).status_code == 302
    assert _stored(db, submission)["cells"] == CORRECTED_CELLS


def test_a_choice_overtaken_again_is_asked_again_and_the_corrected_figures_are_saved(
    app, db, table_page, colleague_page
):
    submission, page = table_page
    conflict = _conflict_page_after_refused_figures(db, table_page, colleague_page)
    form = _conflict_form(app, page, conflict.get_data(as_text=True))
    # While the conflict page is open, the colleague changes the focal point again.
    colleague_page = Page(app, colleague_page.client, submission, area="protection")
    assert colleague_page.submit(protection_focal_point="Mme Diallo").status_code == 302
    body = form.body()
    body["choice-protection_focal_point"] = "mine"
    for name, value in CORRECTED.items():
        body[name] = value
    again = page.client.post(form.action, data=body)
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "Mme Aïcha" in html and "Mme Diallo" in html and 'id="error-summary"' not in html
    assert answers_by_question(submission)["protection_focal_point"].value == "Mme Diallo"
    assert _stored(db, submission)["cells"]["prosecuted|2025|male"] == 3
