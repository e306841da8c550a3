"""The forms of issue 12, point 6 on the respondent's page, end to end with the fixture
questionnaire tests/fixtures/questionnaires/forms/v1.yaml: scales of 3, 4 and 7 levels, "don't
know", an exclusive "none of these" (refused with a field error beside the question when ticked
with another option, without JavaScript), and a question of weight 0 asked like any other."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from surveys.responses.operations import answers_by_question, start_submission
from surveys.review import workflow
from surveys.roles import Role
from tests.conftest import FORMS_V1
from tests.responses.conftest import form_state

AREA = "capacity"
COMPLETE = {
    "plan_maturity": "1",
    "unit_maturity": "3",
    "training_maturity": "5",
    "data_sharing": "dont_know",
    "support_measures": ["none"],
    "focal_point_named": "no",
}


@pytest.fixture
def forms_round(db, create_country, create_user, create_version, create_round):
    niger = create_country("NE", "NER", "Niger", "Niger")
    version = create_version(FORMS_V1)
    round_ = create_round(version, [niger])
    respondent = create_user(Role.RESPONDENT, countries=[niger], name="Aïcha")
    submission = start_submission(round_, niger, actor=respondent)
    db.session.commit()
    return submission, respondent


def _page(client, submission) -> str:
    return client.get(f"/submissions/{submission.id}/areas/{AREA}").get_data(as_text=True)


def _post(client, submission, answers):
    data = {**form_state(client, submission.id, AREA), **answers}
    return client.post(f"/submissions/{submission.id}/areas/{AREA}", data=data)


def test_the_page_offers_every_level_dont_know_and_the_exclusive_option(client, login, forms_round):
    submission, respondent = forms_round
    login(respondent)
    html = _page(client, submission)
    assert html.count('name="plan_maturity"') == 3
    assert html.count('name="unit_maturity"') == 4
    assert html.count('name="training_maturity"') == 7
    assert "Compulsory" in html and "Evaluated" in html
    assert html.count('name="data_sharing"') == 4 and "Don&#39;t know" in html
    none_box = re.search(r'<input[^>]*value="none"[^>]*>', html).group(0)
    assert (
        "data-exclusive" in none_box and 'aria-describedby="support_measures-3-alone"' in none_box
    )
    assert "(only on its own)" in html and "data-exclusive-group" in html
    shelter_box = re.search(r'<input[^>]*value="shelter"[^>]*>', html).group(0)
    assert "data-exclusive" not in shelter_box
    assert html.count('name="focal_point_named"') == 3  # weight 0: asked like any question


def test_none_of_these_ticked_with_another_option_is_refused_beside_the_question(
    client, login, forms_round
):
    submission, respondent = forms_round
    login(respondent)
    response = _post(
        client, submission, {"plan_maturity": "2", "support_measures": ["shelter", "none"]}
    )
    html = response.get_data(as_text=True)
    message = "“None of these” cannot be ticked together with other options"
    assert message in html
    assert re.search(r'id="support_measures-error"[^>]*>[^<]*' + message, html) or (
        html.count(message) >= 1 and 'id="support_measures-error"' in html
    )
    stored = answers_by_question(submission)
    assert "support_measures" not in stored or stored["support_measures"].value != [
        "shelter",
        "none",
    ]


def test_dont_know_answers_a_required_question_and_the_submission_goes_through(
    client, login, db, forms_round, create_user
):
    submission, respondent = forms_round
    login(respondent)
    response = _post(client, submission, COMPLETE)
    assert response.status_code == 302
    stored = {qid: a.value for qid, a in answers_by_question(submission).items()}
    assert stored["data_sharing"] == "dont_know"
    assert stored["support_measures"] == ["none"]
    assert stored["training_maturity"] == 5
    assert stored["focal_point_named"] == "no"
    workflow.submit(submission, respondent)
    db.session.commit()
    assert submission.status == "submitted"
    coordinator = create_user(Role.COORDINATOR, name="Coordinator")
    login(coordinator)
    with client.application.test_request_context():
        review = url_for("review.submission", submission_id=submission.id)
    html = client.get(review).get_data(as_text=True)
    for shown in ("Don&#39;t know", "None of these", "Compulsory", "Drafted"):
        assert shown in html, shown


def test_french_page_labels_the_new_answers(client, login, forms_round):
    submission, respondent = forms_round
    login(respondent)
    client.post("/language", data={"language": "fr"})
    html = _page(client, submission)
    assert 'lang="fr"' in html
    assert "Ne sait pas" in html and "(seule uniquement)" in html and "Obligatoire" in html
    response = _post(client, submission, {"support_measures": ["health", "none"]})
    assert "«\u00a0Aucun de ceux-ci\u00a0» ne peut pas être cochée avec d" in response.get_data(
        as_text=True
    )
