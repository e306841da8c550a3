"""Respondents meet the questionnaire's validation rules: on save beside the cells and at the top
of the page, warnings with a field for the explanation, submit refused while an error or an
unexplained warning remains; whole-number columns refuse "12,5"; computed totals."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import url_for

from surveys.responses.operations import answers_by_question, start_submission
from surveys.review import workflow
from surveys.roles import Role
from tests.conftest import MINI_V1
from tests.responses.conftest import form_state

TABLE_RULES = (
    "          whole_numbers: true\n"
    "          totals:\n"
    "            - {total: total, parts: [female, male], relation: at_least}\n"
    "          plausibility: {factor: 3}\n"
)
COMPUTED = (
    "          whole_numbers: true\n"
    "          totals:\n"
    "            - {total: total, parts: [female, male], computed: true}\n"
)
AUTHOR_RULE = """rules:
  - id: shelters_for_victims
    check: "protection_statistics.victims_identified[2025].total <= protection_shelters * 50"
    severity: warning
    message:
      en: "More than 50 victims per shelter: check the number of shelters or explain."
      fr: "Plus de 50 victimes par foyer : vérifiez le nombre de foyers ou expliquez-le."
"""
COMPLETE = {
    "legal_tip_offence": "yes",
    "legal_instruments": ["untoc"],
    "legal_framework_status": "in_force",
    "legal_strategy_maturity": 3,
    "protection_shelters": 2,
    "protection_assisted_share": 60,
    "protection_focal_point": "Mme Aïssa",
}


def _version_file(tmp_path, table_rules: str) -> object:
    text = MINI_V1.read_text(encoding="utf-8").replace(
        "          years: [2024, 2025]\n", "          years: [2024, 2025]\n" + table_rules
    )
    folder = tmp_path / "mini"
    folder.mkdir(exist_ok=True)
    path = folder / "v1.yaml"
    path.write_text(text.rstrip("\n") + "\n" + AUTHOR_RULE, encoding="utf-8")
    return path


@pytest.fixture
def ruled(tmp_path, create_country, create_user, create_version, create_round, create_submission):
    """An open round of the mini questionnaire with rules, after a round where Niger reported
    40 persons prosecuted in 2025 (validated)."""
    niger = create_country("NE", "NER", "Niger", "Niger")
    version = create_version(_version_file(tmp_path, TABLE_RULES))
    before = create_round(
        version, [niger], period="2025", opens_in=timedelta(days=-400), closes_in=timedelta(-300)
    )
    create_submission(
        before,
        niger,
        {
            **COMPLETE,
            "protection_statistics": {
                "cells": {"prosecuted|2025|total": 40},
                "source": "Ministry of Justice",
            },
        },
        "validated",
    )
    round_ = create_round(version, [niger])
    respondent = create_user(Role.RESPONDENT, countries=[niger], name="Aïcha")
    return niger, round_, respondent


def _start(db, round_, country, respondent, answers):
    from surveys.responses.models import Answer

    submission = start_submission(round_, country, actor=respondent)
    for carried in list(submission.answers):  # a fresh start, not the previous round's answers
        db.session.delete(carried)
    db.session.flush()
    for question_id, value in answers.items():
        db.session.add(Answer(submission_id=submission.id, question_id=question_id, value=value))
    db.session.commit()
    db.session.refresh(submission)
    return submission


def _post_table(client, submission, cells: dict[str, str]):
    """The protection area posted as a browser would: its other answers as they are."""
    state = form_state(client, submission.id, "protection")
    answers = answers_by_question(submission)
    data = {**state, "protection_statistics-source": "Ministry of Justice"}
    others = ("protection_shelters", "protection_assisted_share", "protection_focal_point")
    for question_id in others:
        if question_id in answers:
            data[question_id] = str(answers[question_id].value)
    for key, value in cells.items():
        data[f"protection_statistics-{key}"] = value
    return client.post(f"/submissions/{submission.id}/areas/protection", data=data)


def test_an_error_rule_blocks_submission_with_its_message_beside_the_cells(
    client, login, db, ruled
):
    niger, round_, respondent = ruled
    submission = _start(db, round_, niger, respondent, COMPLETE)
    login(respondent)
    response = _post_table(
        client,
        submission,
        {"prosecuted-2025-female": "12", "prosecuted-2025-male": "5", "prosecuted-2025-total": "3"},
    )
    # Saved, but the page stays put with the rules at its top.
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/areas/protection#rule-summary")
    assert answers_by_question(submission)["protection_statistics"].value["cells"] == {
        "prosecuted|2025|female": 12,
        "prosecuted|2025|male": 5,
        "prosecuted|2025|total": 3,
    }
    html = client.get(f"/submissions/{submission.id}/areas/protection").get_data(as_text=True)
    message = "Persons prosecuted, 2025: Total (3) is less than the sum of Female + Male (17)."
    assert 'id="rule-summary"' in html and html.count(message) == 2  # summary and beside
    assert '<a href="#protection_statistics-prosecuted-2025-total">Error: ' in html
    assert '<td class="rule-error"><input aria-describedby="protection_statistics-rules"' in html
    with pytest.raises(workflow.IncompleteSubmission) as refused:
        workflow.submit(submission, respondent)
    db.session.rollback()
    assert [p.field for p in refused.value.problems] == [
        "protection_statistics-prosecuted-2025-total",
        "explain-plausible-prosecuted-2025-total",
    ]
    overview = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert f"Correct this: {message}" in overview
    assert "/areas/protection#protection_statistics-prosecuted-2025-total" in overview
    with client.application.test_request_context():
        action = url_for("review.submit", submission_id=submission.id)
    refused_post = client.post(
        action, data={"csrf_token": "", "next": f"/submissions/{submission.id}"}
    )
    db.session.refresh(submission)
    assert submission.status == "draft" and refused_post.status_code in (302, 400, 409, 422)

    # Corrected: the error is gone.
    _post_table(
        client,
        submission,
        {
            "prosecuted-2025-female": "12",
            "prosecuted-2025-male": "5",
            "prosecuted-2025-total": "17",
        },
    )
    html = client.get(f"/submissions/{submission.id}/areas/protection").get_data(as_text=True)
    assert message not in html


def test_a_warning_needs_its_explanation_to_submit(client, login, db, ruled):
    niger, round_, respondent = ruled
    submission = _start(db, round_, niger, respondent, COMPLETE)
    login(respondent)
    # 3 persons prosecuted against 40 in the previous round: more than a factor of 3.
    _post_table(client, submission, {"prosecuted-2025-total": "3"})
    html = client.get(f"/submissions/{submission.id}/areas/protection").get_data(as_text=True)
    warning = (
        "Persons prosecuted, 2025, Total: 3 against 40 in the previous round, a change by more "
        "than a factor of 3."
    )
    assert warning in html and 'class="rule-warning"' in html
    assert 'form="form-explain-plausible-prosecuted-2025-total"' in html
    with pytest.raises(workflow.IncompleteSubmission) as refused:
        workflow.submit(submission, respondent)
    db.session.rollback()
    [problem] = refused.value.problems
    assert problem.field == "explain-plausible-prosecuted-2025-total"
    assert str(problem.message).startswith(
        "Explain or correct: Persons prosecuted, 2025, Total: 3 against 40"
    )

    explained = client.post(
        f"/submissions/{submission.id}/explanations",
        data={
            "key": "plausible:prosecuted|2025|total",
            "area": "protection",
            "explanation": "A new law moved cases to the regional courts in 2025.",
        },
    )
    assert explained.status_code == 302
    html = client.get(f"/submissions/{submission.id}/areas/protection").get_data(as_text=True)
    assert "A new law moved cases to the regional courts in 2025." in html
    assert "Warning (explained)" in html
    workflow.submit(submission, respondent)
    db.session.commit()
    assert submission.status == "submitted"


def test_an_author_warning_shows_its_bilingual_message(client, login, db, ruled):
    niger, round_, respondent = ruled
    submission = _start(db, round_, niger, respondent, {**COMPLETE, "protection_shelters": 1})
    login(respondent)
    _post_table(client, submission, {"victims_identified-2025-total": "80"})
    html = client.get(f"/submissions/{submission.id}/areas/protection").get_data(as_text=True)
    assert "More than 50 victims per shelter" in html
    respondent.language = "fr"
    db.session.commit()
    login(respondent)
    french = client.get(f"/submissions/{submission.id}/areas/protection").get_data(as_text=True)
    # The file writes "foyer : vérifiez"; the French page sets a no-break space before ":".
    assert "Plus de 50 victimes par foyer\u00a0: vérifiez le nombre de foyers" in french


def test_explanations_are_refused_to_other_people_and_for_unknown_checks(
    client, login, db, ruled, create_user
):
    niger, round_, respondent = ruled
    submission = _start(db, round_, niger, respondent, COMPLETE)
    coordinator = create_user(Role.COORDINATOR, name="Coordinator")
    login(coordinator)
    response = client.post(
        f"/submissions/{submission.id}/explanations",
        data={"key": "plausible:prosecuted|2025|total", "area": "protection", "explanation": "x"},
    )
    assert response.status_code in (403, 409)
    login(respondent)
    response = client.post(
        f"/submissions/{submission.id}/explanations",
        data={"key": "made-up", "area": "protection", "explanation": "x"},
        follow_redirects=True,
    )
    assert "This check no longer applies" in response.get_data(as_text=True)
    from surveys.responses.models import RuleExplanation

    assert db.session.query(RuleExplanation).count() == 0


def test_whole_number_columns_refuse_a_decimal_comma(client, login, db, ruled):
    niger, round_, respondent = ruled
    submission = _start(db, round_, niger, respondent, COMPLETE)
    login(respondent)
    response = _post_table(client, submission, {"prosecuted-2025-female": "12,5"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter a whole number: persons and cases are counted, not measured." in html
    # The refused figure is not stored; the source typed with it is.
    stored = answers_by_question(submission)["protection_statistics"].value
    assert stored["cells"] == {} and stored["source"] == "Ministry of Justice"
    # "12,0" is twelve: stored as the whole number 12.
    _post_table(client, submission, {"prosecuted-2025-female": "12,0"})
    cells = answers_by_question(submission)["protection_statistics"].value["cells"]
    assert cells == {"prosecuted|2025|female": 12} and isinstance(
        cells["prosecuted|2025|female"], int
    )


def test_a_computed_total_cannot_be_typed_over(
    tmp_path, client, login, db, create_country, create_user, create_version, create_round
):
    niger = create_country("NE", "NER", "Niger", "Niger")
    version = create_version(_version_file(tmp_path, COMPUTED))
    round_ = create_round(version, [niger])
    respondent = create_user(Role.RESPONDENT, countries=[niger])
    submission = _start(db, round_, niger, respondent, COMPLETE)
    login(respondent)
    html = client.get(f"/submissions/{submission.id}/areas/protection").get_data(as_text=True)
    assert 'data-total-of="protection_statistics-prosecuted-2024-female ' in html
    assert "readonly" in html
    _post_table(
        client,
        submission,
        {
            "prosecuted-2025-female": "2",
            "prosecuted-2025-male": "3",
            "prosecuted-2025-total": "999",
            "prosecuted-2024-total": "50",
        },
    )
    cells = answers_by_question(submission)["protection_statistics"].value["cells"]
    assert cells == {
        "prosecuted|2025|female": 2,
        "prosecuted|2025|male": 3,
        "prosecuted|2025|total": 5,
    }


def test_the_plausibility_warning_fires_on_the_demo_data(db):
    """The demo's open round uses niamey-2018 v3; Niger's draft reports the full year 2025, with
    arrests for trafficking far above last round's figure: a warning asks for an explanation."""
    import sqlalchemy as sa

    from surveys.countries.models import Country
    from surveys.demo import load_demo
    from surveys.demo.rounds import open_demo_round
    from surveys.responses import rule_checks
    from surveys.responses.models import Submission
    from surveys.responses.operations import completeness, hidden_ids

    load_demo()
    open_round = open_demo_round()
    assert open_round.version.version == 3 and open_round.version.definition.rules
    niger = db.session.scalar(sa.select(Country).where(Country.iso2 == "NE"))
    draft = db.session.scalar(
        sa.select(Submission).where(
            Submission.round_id == open_round.id, Submission.country_id == niger.id
        )
    )
    definition = open_round.version.definition
    answers = answers_by_question(draft)
    failures = rule_checks.failures_of(draft, definition, answers, hidden_ids(definition, answers))
    by_key = {f.key: f for f in failures}
    arrested = by_key["plausible:tip_arrested|2025|total"]
    assert arrested.severity == "warning" and arrested.question_id == "stats_criminal_justice"
    before = rule_checks.previous_values(draft)["stats_criminal_justice"]["cells"]
    now = answers["stats_criminal_justice"].value["cells"]
    assert now["tip_arrested|2025|total"] > 3 * before["tip_arrested|2025|total"]
    fields = [p.field for p in completeness(draft)]
    assert "explain-plausible-tip_arrested-2025-total" in fields


def test_reviewers_see_failed_checks_tables_and_explanations(client, login, db, ruled, create_user):
    from surveys.responses.rule_checks import save_explanation

    niger, round_, respondent = ruled
    table = {
        "cells": {
            "prosecuted|2025|female": 12,
            "prosecuted|2025|male": 5,
            "prosecuted|2025|total": 3,
        },
        "source": "Ministry of Justice",
    }
    submission = _start(db, round_, niger, respondent, {**COMPLETE, "protection_statistics": table})
    save_explanation(submission, "plausible:prosecuted|2025|total", "New courts.", respondent)
    submission.status = "submitted"
    db.session.commit()
    login(create_user(Role.COORDINATOR, name="Coordinator"))
    html = client.get(f"/review/submissions/{submission.id}").get_data(as_text=True)
    assert "2 checks failed on these answers" in html
    assert "Persons prosecuted, 2025: Total (3) is less than the sum of Female + Male (17)." in html
    assert "Explanation from the country:</span> New courts." in html
    # Both rounds' figures are tables; the cell the rules concern is marked.
    assert html.count('class="stats review-stats"') == 2
    assert '<td class="num rule-error">3</td>' in html
    assert "About the check “Persons prosecuted, 2025: Total (3) is less than" in html


def test_a_coordinator_attaches_a_query_to_a_failed_check(client, login, db, ruled, create_user):
    """Issue 12, point 3: from the list of failed checks, a query on the check's question that
    names the check (kept once the figures are corrected); the country sees the check and the
    query beside the table once the submission is returned. A check that does not fail, or
    another question's, is refused."""
    from surveys.review.models import ReviewQuery

    niger, round_, respondent = ruled
    table = {
        "cells": {
            "prosecuted|2025|female": 12,
            "prosecuted|2025|male": 5,
            "prosecuted|2025|total": 3,
        },
        "source": "Ministry of Justice",
    }
    submission = _start(db, round_, niger, respondent, {**COMPLETE, "protection_statistics": table})
    submission.status = "submitted"
    db.session.commit()
    login(create_user(Role.COORDINATOR, name="Coordinator"))
    html = client.get(f"/review/submissions/{submission.id}").get_data(as_text=True)
    checks = html[html.index('id="checks"') : html.index("</section>", html.index('id="checks"'))]
    form = re.search(r'<details class="review-ask">.*?</details>', checks, re.S).group(0)
    assert 'name="question_id" value="protection_statistics"' in form
    key = re.search(r'name="rule_key" value="([^"]+)"', form).group(1)
    assert key == "total:total:prosecuted|2025"
    check = "Persons prosecuted, 2025: Total (3) is less than the sum of Female + Male (17)."
    posted = f"/review/submissions/{submission.id}/queries"
    # Sad paths first: a check that does not fail, a check of another question.
    for question_id, rule_key in (
        ("protection_statistics", "total:total:prosecuted|2024"),
        ("protection_shelters", key),
    ):
        response = client.post(
            posted, data={"question_id": question_id, "rule_key": rule_key, "text": "Why?"}
        )
        assert response.status_code == 302
        assert db.session.scalars(sa.select(ReviewQuery)).all() == []
    response = client.post(
        posted,
        data={"question_id": "protection_statistics", "rule_key": key, "text": "Which is right?"},
    )
    assert response.status_code == 302
    [query] = db.session.scalars(sa.select(ReviewQuery)).all()
    assert (query.question_id, query.rule_key, query.rule_text) == (
        "protection_statistics",
        key,
        check,
    )
    html = client.get(f"/review/submissions/{submission.id}").get_data(as_text=True)
    assert f'<p class="review-query-check">About the check: {check}</p>' in html
    client.post(f"/review/submissions/{submission.id}/return", data={"note": ""})
    db.session.refresh(submission)
    assert submission.status == "returned"
    from surveys.notifications.models import OutboxMessage

    bodies = [m.body for m in db.session.scalars(sa.select(OutboxMessage))]
    assert any(f"About the check: {check} — Which is right?" in body for body in bodies), bodies
    login(respondent)
    page = client.get(f"/submissions/{submission.id}/areas/protection").get_data(as_text=True)
    thread = page[page.index('id="q-protection_statistics"') :]
    thread = thread[: thread.index('class="q-links"')]
    assert f"About the check: {check}" in thread and "Which is right?" in thread
    # Corrected, the check passes; the query still says which check it was about.
    _post_table(
        client,
        submission,
        {
            "prosecuted-2025-female": "12",
            "prosecuted-2025-male": "5",
            "prosecuted-2025-total": "17",
        },
    )
    page = client.get(f"/submissions/{submission.id}/areas/protection").get_data(as_text=True)
    assert f"About the check: {check}" in page
