"""Round trips: download, fill in as a person would, upload, preview, confirm; the stored
answers are what was typed and score as the same answers typed into the web form."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from surveys.offline.layout import SHEET_IDENTITY
from surveys.responses.models import AnswerRevision
from surveys.responses.operations import answers_by_question, start_submission, visible_responses
from surveys.scoring.engine import score
from tests.offline.conftest import confirm, download, fill, upload
from tests.responses.conftest import form_state

TYPED = {
    "en": {
        "legal_tip_offence": "Yes",
        "legal_tip_offence/comment": "Law 2015-36",
        "legal_instruments:untoc": "Yes",
        "legal_instruments:tip_protocol": "Yes",
        "legal_instruments:som_protocol": "No",
        "legal_framework_status": "In force",
        "legal_strategy_maturity": "Operational",
        "legal_last_review": date(2024, 3, 16),
        "legal_notes": "Reviewed in 2024\nby the ministry",
        "protection_shelters": 7,
        "protection_budget": 12.5,
        "protection_assisted_share/na": "Yes",
        "protection_assisted_share/reason": "No register of victims yet",
        "protection_focal_point": "Ms Amina Diallo",
        "protection_statistics:prosecuted/5": 3,
        "protection_statistics:prosecuted/6": 10,
        "protection_statistics:prosecuted/7": 13,
        "protection_statistics:victims_identified/7": 40,
        "protection_statistics:source": "Ministry of Justice",
    },
    "fr": {
        "legal_tip_offence": "Oui",
        "legal_tip_offence/comment": "Loi 2015-36",
        "legal_instruments:untoc": "Oui",
        "legal_instruments:tip_protocol": "Oui",
        "legal_instruments:som_protocol": "Non",
        "legal_framework_status": "En vigueur",
        "legal_strategy_maturity": "Opérationnelle",
        "legal_last_review": date(2024, 3, 16),
        "legal_notes": "Révisé en 2024\npar le ministère",
        "protection_shelters": 7,
        "protection_budget": 12.5,
        "protection_assisted_share/na": "Oui",
        "protection_assisted_share/reason": "Pas encore de registre des victimes",
        "protection_focal_point": "Mme Amina Diallo",
        "protection_statistics:prosecuted/5": 3,
        "protection_statistics:prosecuted/6": 10,
        "protection_statistics:prosecuted/7": 13,
        "protection_statistics:victims_identified/7": 40,
        "protection_statistics:source": "Ministère de la Justice",
    },
}


def web_form_posts(language: str) -> dict[str, dict]:
    """The same answers as the web form posts them."""
    typed = TYPED[language]
    return {
        "legal": {
            "legal_tip_offence": "yes",
            "legal_tip_offence-comment": typed["legal_tip_offence/comment"],
            "legal_instruments": ["untoc", "tip_protocol"],
            "legal_framework_status": "in_force",
            "legal_strategy_maturity": "3",
            "legal_last_review": "2024-03-16",
            "legal_notes": typed["legal_notes"],
        },
        "protection": {
            "protection_shelters": "7",
            "protection_budget": "12,5" if language == "fr" else "12.5",
            "protection_assisted_share-na": "y",
            "protection_assisted_share-na_reason": typed["protection_assisted_share/reason"],
            "protection_focal_point": typed["protection_focal_point"],
            "protection_statistics-prosecuted-2024-female": "3",
            "protection_statistics-prosecuted-2024-male": "10",
            "protection_statistics-prosecuted-2024-total": "13",
            "protection_statistics-victims_identified-2024-total": "40",
            "protection_statistics-source": typed["protection_statistics:source"],
        },
    }


def expected_values(language: str) -> dict[str, object]:
    typed = TYPED[language]
    return {
        "legal_tip_offence": "yes",
        "legal_instruments": ["untoc", "tip_protocol"],
        "legal_framework_status": "in_force",
        "legal_strategy_maturity": 3,
        "legal_last_review": "2024-03-16",
        "legal_notes": typed["legal_notes"],
        "protection_shelters": 7,
        "protection_budget": 12.5,
        "protection_assisted_share": None,
        "protection_focal_point": typed["protection_focal_point"],
        "protection_statistics": {
            "cells": {
                "prosecuted|2024|female": 3,
                "prosecuted|2024|male": 10,
                "prosecuted|2024|total": 13,
                "victims_identified|2024|total": 40,
            },
            "source": typed["protection_statistics:source"],
            "definition": "",
            "period": "",
            "coverage": "",
        },
    }


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_filled_workbook_stores_what_was_typed_and_scores_as_the_web_form(
    db, client, login, world, started, language
):
    world.respondent.language = language
    db.session.commit()
    login(world.respondent)
    book = fill(download(client, world.round.id, world.country.id, lang=language), TYPED[language])

    preview = upload(client, world.round.id, world.country.id, book)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert 'id="change-protection_statistics"' in html and 'class="offline-conflict' not in html
    assert answers_by_question(started) == {}  # the preview stores nothing
    done = confirm(client, world.round.id, world.country.id, html)
    assert done.status_code == 302, done.get_data(as_text=True)

    db.session.expire_all()
    answers = answers_by_question(started)
    assert {qid: a.value for qid, a in answers.items()} == expected_values(language)
    assert answers["legal_tip_offence"].comment == TYPED[language]["legal_tip_offence/comment"]
    share = answers["protection_assisted_share"]
    assert share.not_applicable
    assert share.na_justification == TYPED[language]["protection_assisted_share/reason"]
    assert {a.updated_by_id for a in answers.values()} == {world.respondent.id}

    # The same answers through the web form, for the other country: the same scores.
    other = start_submission(world.round, world.other_country, actor=world.stranger)
    db.session.commit()
    world.stranger.language = language
    db.session.commit()
    login(world.stranger)
    for area, fields in web_form_posts(language).items():
        state = form_state(client, other.id, area)
        response = client.post(f"/submissions/{other.id}/areas/{area}", data={**state, **fields})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    web = answers_by_question(other)
    assert {qid: a.value for qid, a in web.items()} == expected_values(language)
    definition = world.round.version.definition
    offline_card = score(definition, visible_responses(started))
    web_card = score(definition, visible_responses(other))
    assert offline_card.overall == web_card.overall and offline_card.overall.value is not None
    assert offline_card.areas == web_card.areas and offline_card.questions == web_card.questions


def with_ordinary_spaces(data: bytes) -> bytes:
    """The workbook as it was written before French text took no-break spaces ("Réponse : Oui",
    "Quels instruments ?"): every no-break space of its cells an ordinary one, the signed
    identity sheet (which holds no French text) left as it is."""
    workbook = load_workbook(io.BytesIO(data))
    replaced = 0
    for worksheet in workbook.worksheets:
        if worksheet.title == SHEET_IDENTITY:
            continue
        for row in worksheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and re.search("[\u00a0\u202f]", cell.value):
                    cell.value = re.sub("[\u00a0\u202f]", " ", cell.value)
                    replaced += 1
    assert replaced, "the French workbook holds no no-break space: nothing to turn back"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_french_workbook_written_before_the_no_break_spaces_still_imports(
    db, client, login, world, started
):
    world.respondent.language = "fr"
    db.session.commit()
    login(world.respondent)
    book = download(client, world.round.id, world.country.id, lang="fr")
    old = with_ordinary_spaces(fill(book, TYPED["fr"]))

    preview = upload(client, world.round.id, world.country.id, old)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert confirm(client, world.round.id, world.country.id, html).status_code == 302
    db.session.expire_all()
    answers = answers_by_question(started)
    assert {qid: a.value for qid, a in answers.items()} == expected_values("fr")


PARTLY_DRAFT = {"en": ("Partly", "Draft"), "fr": ("Partiellement", "Projet")}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_two_partial_workbooks_imported_one_after_the_other(
    db, client, login, world, started, language
):
    world.respondent.language = language
    db.session.commit()
    login(world.respondent)
    legal = download(client, world.round.id, world.country.id, area="legal", lang=language)
    protection = download(
        client, world.round.id, world.country.id, area="protection", lang=language
    )
    partly, draft = PARTLY_DRAFT[language]
    legal_filled = fill(legal, {"legal_tip_offence": partly, "legal_framework_status": draft})
    protection_filled = fill(protection, {"protection_shelters": 2})
    with pytest.raises(KeyError):
        fill(legal, {"protection_shelters": 2})  # that area is not in the legal workbook

    first = upload(client, world.round.id, world.country.id, legal_filled)
    assert (
        confirm(client, world.round.id, world.country.id, first.get_data(as_text=True)).status_code
        == 302
    )
    # The second was downloaded before the first was imported: its untouched fields revert nothing.
    second = upload(client, world.round.id, world.country.id, protection_filled)
    html = second.get_data(as_text=True)
    assert 'class="offline-conflict' not in html
    assert confirm(client, world.round.id, world.country.id, html).status_code == 302

    db.session.expire_all()
    values = {qid: a.value for qid, a in answers_by_question(started).items()}
    assert values == {
        "legal_tip_offence": "partly",
        "legal_framework_status": "draft",
        "protection_shelters": 2,
    }


def test_two_partial_workbooks_in_one_upload(db, client, login, world, started):
    login(world.respondent)
    legal = fill(
        download(client, world.round.id, world.country.id, area="legal"),
        {"legal_tip_offence": "No"},
    )
    protection = fill(
        download(client, world.round.id, world.country.id, area="protection"),
        {"protection_focal_point": "Mr Issa"},
    )
    preview = upload(client, world.round.id, world.country.id, legal, protection)
    assert (
        confirm(
            client, world.round.id, world.country.id, preview.get_data(as_text=True)
        ).status_code
        == 302
    )
    db.session.expire_all()
    values = {qid: a.value for qid, a in answers_by_question(started).items()}
    assert values == {"legal_tip_offence": "no", "protection_focal_point": "Mr Issa"}


def test_a_workbook_returned_unchanged_changes_nothing(db, client, login, world, started):
    login(world.respondent)
    client.post(
        f"/submissions/{started.id}/areas/protection",
        data={
            **form_state(client, started.id, "protection"),
            "protection_budget": "4.25",
            "protection_focal_point": '=HYPERLINK("x")',
        },
    )
    db.session.expire_all()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AnswerRevision))
    book = download(client, world.round.id, world.country.id)
    html = upload(client, world.round.id, world.country.id, book).get_data(as_text=True)
    assert "The files change no answer." in html
    assert confirm(client, world.round.id, world.country.id, html).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AnswerRevision)) == before
    answers = answers_by_question(started)
    assert answers["protection_budget"].value == 4.25
    assert answers["protection_focal_point"].value == '=HYPERLINK("x")'


def test_carried_over_answers_count_as_confirmed_only_when_ticked(
    db, client, login, world, create_round, create_submission
):
    from datetime import timedelta

    previous = create_round(
        world.version,
        [world.country],
        period="2025-H2",
        opens_in=timedelta(days=-400),
        closes_in=timedelta(days=-300),
    )
    create_submission(
        previous,
        world.country,
        {"legal_tip_offence": "yes", "protection_shelters": 4, "legal_framework_status": "draft"},
        status="validated",
    )
    submission = start_submission(world.round, world.country, actor=world.respondent)
    db.session.commit()
    assert all(a.carried_over for a in submission.answers)
    login(world.respondent)
    book = fill(download(client, world.round.id, world.country.id), {"protection_shelters": 6})
    html = upload(client, world.round.id, world.country.id, book).get_data(as_text=True)
    assert (
        'name="confirm-legal_tip_offence"' in html
        and 'name="confirm-protection_shelters"' not in html
    )
    done = confirm(
        client, world.round.id, world.country.id, html, **{"confirm-legal_tip_offence": "y"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    answers = answers_by_question(submission)
    assert not answers["legal_tip_offence"].carried_over  # ticked in the preview
    assert answers["legal_framework_status"].carried_over  # not ticked: still to confirm
    assert (
        not answers["protection_shelters"].carried_over
        and answers["protection_shelters"].value == 6
    )


@pytest.mark.parametrize(
    ("language", "question", "answer"),
    [
        (
            "en",
            "1.1 Does national law criminalise trafficking in persons as defined by the Protocol?",
            "Answer: Yes",
        ),
        (
            "fr",
            "1.1 La loi nationale incrimine-t-elle la traite des personnes telle que définie par "
            "le Protocole\u202f?",  # typeset as shown; the file has an ordinary space
            "Réponse\u00a0: Oui",
        ),
    ],
)
def test_a_carried_over_answer_is_shown_under_its_question_not_glued_to_it(
    db,
    client,
    login,
    world,
    create_round,
    create_submission,
    create_user,
    language,
    question,
    answer,
):
    """A question ending in '?' followed by ': Yes' read '…Protocol?: Yes' ('… ?: Oui' in
    French): the answer now stands on its own line, after a label in the reader's typography."""
    from datetime import timedelta
    from html import unescape

    previous = create_round(
        world.version,
        [world.country],
        period="2025-H2",
        opens_in=timedelta(days=-400),
        closes_in=timedelta(days=-300),
    )
    create_submission(previous, world.country, {"legal_tip_offence": "yes"}, status="validated")
    start_submission(world.round, world.country, actor=world.respondent)
    db.session.commit()
    login(create_user("respondent", countries=[world.country], language=language))
    book = fill(download(client, world.round.id, world.country.id), {"protection_shelters": 6})
    html = unescape(upload(client, world.round.id, world.country.id, book).get_data(as_text=True))
    label = html[html.index('<label for="confirm-legal_tip_offence">') :]
    label = label[: label.index("</label>")]
    assert f'{question}<br><span class="carried-answer">{answer}</span>' in label
    assert "?:" not in html and "? :" not in html
