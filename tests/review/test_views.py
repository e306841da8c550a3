"""Review pages: coordinators compare, query, return, validate and reopen; respondents answer."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import render_template

from surveys.notifications.models import OutboxMessage
from surveys.review import workflow
from surveys.review.models import ReviewQuery
from surveys.review.operations import add_query, answer_query
from surveys.rounds.submission_status import Status
from tests.conftest import MINI_V2
from tests.review.builders import build_scenario, earlier_round, stub_completeness


@pytest.fixture
def scenario(create_country, create_user, create_version, create_round):
    return build_scenario(create_country, create_user, create_version, create_round)


@pytest.fixture
def complete(monkeypatch):
    stub_completeness(monkeypatch, [])


@pytest.fixture
def submitted(db, scenario, create_submission, complete):
    submission = create_submission(
        scenario.round, scenario.niger, {"legal_tip_offence": "partly", "protection_shelters": 3}
    )
    workflow.submit(submission, scenario.respondent)
    db.session.commit()
    return submission


@pytest.fixture
def returned(db, scenario, submitted):
    add_query(submitted, scenario.coordinator, question_id="protection_shelters", text="Source?")
    workflow.return_for_changes(submitted, scenario.coordinator)
    db.session.commit()
    return submitted


def section(html: str, question_id: str) -> str:
    """The HTML of one question's block on the review page."""
    match = re.search(
        rf'<section class="review-question" id="q-{question_id}".*?</section>', html, re.S
    )
    assert match, f"no block for {question_id}"
    return match.group(0)


# ---------------------------------------------------------------- coordinators


def test_the_review_list_shows_what_waits_for_review(client, login, scenario, submitted):
    login(scenario.coordinator)
    page = client.get("/review/").get_data(as_text=True)
    assert "Niger" in page
    assert f"/review/submissions/{submitted.id}" in page

    round_page = client.get(f"/review/rounds/{scenario.round.id}").get_data(as_text=True)
    assert "Mali" in round_page and "Not started" in round_page
    assert "Submitted" in round_page


def test_the_review_page_compares_with_the_previous_round_across_versions(
    db, client, login, scenario, create_version, create_round, create_submission, complete
):
    # v1 round a year ago, validated; this round on v2 where the question was renamed.
    old_round = earlier_round(create_round, scenario.version, [scenario.niger])
    create_submission(old_round, scenario.niger, {"legal_tip_offence": "no"}, status="validated")
    v2 = create_version(MINI_V2)
    new_round = create_round(v2, [scenario.niger], period="2027-H1")
    current = create_submission(
        new_round, scenario.niger, {"legal_tip_criminalised": "yes"}, status="submitted"
    )
    login(scenario.coordinator)
    page = client.get(f"/review/submissions/{current.id}").get_data(as_text=True)

    block = section(page, "legal_tip_criminalised")
    assert "2025-H2" in block  # the previous round's column
    this_round, previous_round = block.split("2025-H2", 1)
    assert "Yes" in this_round and "No" in previous_round
    assert "No previous answer" in section(page, "protection_hotline")


def test_without_a_validated_earlier_round_the_page_says_so(client, login, scenario, submitted):
    login(scenario.coordinator)
    page = client.get(f"/review/submissions/{submitted.id}").get_data(as_text=True)
    assert "no validated submission of this country in an earlier round" in page
    assert "Partly" in section(page, "legal_tip_offence")


def test_the_decision_section_of_a_draft_or_returned_submission_says_there_is_nothing_to_decide(
    db, client, login, scenario, create_submission, returned
):
    # Regression: a draft or returned submission only allows "submit", so the section had a
    # heading and nothing under it.
    draft = create_submission(scenario.round, scenario.mali, {})
    login(scenario.coordinator)
    for submission in (draft, returned):
        page = client.get(f"/review/submissions/{submission.id}").get_data(as_text=True)
        assert "there is nothing to decide now" in page
        assert "Return to the country" not in page


def test_a_submitted_submission_offers_a_decision_and_no_waiting_note(
    client, login, scenario, submitted
):
    login(scenario.coordinator)
    page = client.get(f"/review/submissions/{submitted.id}").get_data(as_text=True)
    assert "Return to the country" in page
    assert "there is nothing to decide now" not in page


def test_a_coordinator_queries_a_question_and_returns_the_submission(
    db, client, login, scenario, submitted
):
    login(scenario.coordinator)
    response = client.post(
        f"/review/submissions/{submitted.id}/queries",
        data={"question_id": "protection_shelters", "text": "Which ministry runs them?"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#q-protection_shelters")
    page = client.get(f"/review/submissions/{submitted.id}").get_data(as_text=True)
    assert "Which ministry runs them?" in section(page, "protection_shelters")

    client.post(f"/review/submissions/{submitted.id}/return", data={"note": ""})
    db.session.refresh(submitted)
    assert submitted.status == Status.RETURNED


def test_returning_without_query_or_note_is_refused_with_a_reason(
    db, client, login, scenario, submitted
):
    login(scenario.coordinator)
    response = client.post(
        f"/review/submissions/{submitted.id}/return", data={"note": ""}, follow_redirects=True
    )
    assert "Add a query to a question or write a note" in response.get_data(as_text=True)
    db.session.refresh(submitted)
    assert submitted.status == Status.SUBMITTED


def test_a_query_on_an_unknown_question_is_refused(db, client, login, scenario, submitted):
    login(scenario.coordinator)
    response = client.post(
        f"/review/submissions/{submitted.id}/queries",
        data={"question_id": "no_such_question", "text": "?"},
        follow_redirects=True,
    )
    assert "not part of the questionnaire" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ReviewQuery.id))) == 0


def test_validate_then_reopen_with_a_reason(db, client, login, scenario, submitted):
    login(scenario.coordinator)
    client.post(f"/review/submissions/{submitted.id}/validate")
    db.session.refresh(submitted)
    assert submitted.status == Status.VALIDATED

    refused = client.post(f"/review/submissions/{submitted.id}/reopen", data={"note": ""})
    assert refused.status_code == 400
    assert "There is a problem" in refused.get_data(as_text=True)

    client.post(f"/review/submissions/{submitted.id}/reopen", data={"note": "Figures corrected"})
    db.session.refresh(submitted)
    assert submitted.status == Status.RETURNED


def test_reopening_after_the_round_closed_asks_for_a_new_closing_date(
    db, client, login, scenario, submitted
):
    """From the submission's page as from the round's: once the round has closed for the
    country, reopening opens the round again for it until a date (it once sent the submission
    back with no deadline, listed under the respondent's open rounds with last year's date)."""
    from datetime import timedelta

    from surveys.columns import utcnow

    login(scenario.coordinator)
    client.post(f"/review/submissions/{submitted.id}/validate")
    scenario.round.opens_at = utcnow() - timedelta(days=60)
    scenario.round.closes_at = utcnow() - timedelta(days=1)
    db.session.commit()

    page = client.get(f"/review/submissions/{submitted.id}").get_data(as_text=True)
    assert "The round has closed for this country" in page
    assert 'name="reopen-closes_at"' in page
    # Which zone the date is read in, as on the round's other date fields.
    assert (
        f'id="reopen-closes_at-hint">In your time zone ({scenario.coordinator.timezone}).' in page
    )
    round_page = client.get(f"/rounds/{scenario.round.id}").get_data(as_text=True)
    hint = f'id="reopen-closes_at-{scenario.niger.id}-hint">In your time zone ('
    assert hint in round_page
    assert f'aria-describedby="reopen-closes_at-{scenario.niger.id}-hint"' in round_page

    without_date = client.post(
        f"/review/submissions/{submitted.id}/reopen", data={"reopen-note": "Figures to correct"}
    )
    assert without_date.status_code == 400
    assert "Figures to correct" in without_date.get_data(as_text=True)  # kept in its box
    db.session.refresh(submitted)
    assert submitted.status == Status.VALIDATED

    in_the_past = client.post(
        f"/review/submissions/{submitted.id}/reopen",
        data={"reopen-note": "Figures to correct", "reopen-closes_at": "2020-01-01T10:00"},
    )
    assert in_the_past.status_code == 400
    assert "The closing date is in the past." in in_the_past.get_data(as_text=True)

    done = client.post(
        f"/review/submissions/{submitted.id}/reopen",
        data={"reopen-note": "Figures to correct", "reopen-closes_at": "2099-01-01T10:00"},
        follow_redirects=True,
    )
    assert "The round is open again for this country." in done.get_data(as_text=True)
    db.session.refresh(submitted)
    assert submitted.status == Status.RETURNED
    participant = scenario.round.participant(scenario.niger.id)
    assert participant.closes_at.year == 2099
    # The country's notice says until when, in the respondent's zone (it said only "reopened").
    [notice] = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.kind == "submission.reopened",
            OutboxMessage.recipient_email == scenario.respondent.email,
        )
    ).all()
    assert (
        "changed.\n\nThe round is open to your country again until 1 January 2099, " in notice.body
    )
    assert "Figures to correct" in notice.body


def test_validating_a_returned_submission_gives_the_specific_reason(
    db, client, login, scenario, returned
):
    login(scenario.coordinator)
    page = client.post(
        f"/review/submissions/{returned.id}/validate", follow_redirects=True
    ).get_data(as_text=True)
    assert "can be validated once it is submitted again" in page
    db.session.refresh(returned)
    assert returned.status == Status.RETURNED


def test_a_coordinator_resolves_a_query(db, client, login, scenario, returned):
    query = db.session.scalar(sa.select(ReviewQuery))
    login(scenario.coordinator)
    client.post(f"/review/queries/{query.id}/resolve")
    db.session.refresh(query)
    assert query.resolved and query.resolved_by_id == scenario.coordinator.id


def test_review_pages_are_for_coordinators_only(client, login, scenario, submitted):
    login(scenario.respondent)
    assert client.get("/review/").status_code == 403
    assert client.get(f"/review/submissions/{submitted.id}").status_code == 403
    assert client.post(f"/review/submissions/{submitted.id}/validate").status_code == 403
    assert client.get("/review/submissions/999999").status_code == 403


def test_an_unknown_submission_is_not_found(client, login, scenario):
    login(scenario.coordinator)
    assert client.get("/review/submissions/999999").status_code == 404


# ---------------------------------------------------------------- respondents


def test_a_respondent_answers_a_query_and_goes_back_to_the_form(
    db, client, login, scenario, returned
):
    query = db.session.scalar(sa.select(ReviewQuery))
    login(scenario.respondent)
    response = client.post(
        f"/review/queries/{query.id}/answer",
        data={"response": "The Ministry of Justice.", "next": "/some/form?area=legal"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/some/form?area=legal"
    db.session.refresh(query)
    assert query.response == "The Ministry of Justice."
    assert query.responded_by_id == scenario.respondent.id
    assert not query.resolved  # the coordinator decides whether the answer settles it


def test_answering_never_redirects_off_site(db, client, login, scenario, returned):
    query = db.session.scalar(sa.select(ReviewQuery))
    login(scenario.respondent)
    for target in ("https://evil.example/", "//evil.example/x"):
        response = client.post(
            f"/review/queries/{query.id}/answer", data={"response": "x", "next": target}
        )
        assert response.headers["Location"] == "/"


def test_another_countrys_respondent_gets_not_found(db, client, login, scenario, returned):
    query = db.session.scalar(sa.select(ReviewQuery))
    login(scenario.other_respondent)
    assert (
        client.post(f"/review/queries/{query.id}/answer", data={"response": "x"}).status_code == 404
    )
    assert client.post(f"/review/submissions/{returned.id}/submit").status_code == 404
    db.session.refresh(query)
    assert query.response == ""


def test_a_query_cannot_be_answered_once_submitted_again(db, client, login, scenario, returned):
    query = db.session.scalar(sa.select(ReviewQuery))
    answer_query(query, scenario.respondent, "Article 4 of the 2015 law.")
    workflow.submit(returned, scenario.respondent)
    db.session.commit()
    login(scenario.respondent)
    page = client.post(
        f"/review/queries/{query.id}/answer",
        data={"response": "late", "next": "/"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "only while the submission is returned" in page
    db.session.refresh(query)
    assert query.response == "Article 4 of the 2015 law."


def test_a_respondent_submits_through_the_review_blueprint(
    db, client, login, scenario, create_submission, complete
):
    draft = create_submission(scenario.round, scenario.niger, {"legal_tip_offence": "yes"})
    login(scenario.respondent)
    response = client.post(f"/review/submissions/{draft.id}/submit", data={"next": "/x"})
    assert response.headers["Location"] == "/x"
    db.session.refresh(draft)
    assert draft.status == Status.SUBMITTED


def test_an_incomplete_submission_lists_its_problems(
    db, client, login, scenario, create_submission, monkeypatch
):
    stub_completeness(monkeypatch, ["Shelters: this question is required."])
    draft = create_submission(scenario.round, scenario.niger)
    login(scenario.respondent)
    page = client.post(
        f"/review/submissions/{draft.id}/submit", data={"next": "/"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Shelters: this question is required." in page
    db.session.refresh(draft)
    assert draft.status == Status.DRAFT


def test_the_partials_let_a_respondent_answer_beside_the_question(app, db, scenario, returned):
    from flask_login import login_user

    queries = db.session.scalars(sa.select(ReviewQuery)).all()
    with app.test_request_context("/form/legal"):
        login_user(scenario.respondent)
        thread = render_template("review/_query_thread.html", queries=queries, submission=returned)
        forms = render_template("review/_query_forms.html", submission=returned)
    query = queries[0]
    assert "Source?" in thread
    assert f'form="review-answer-{query.id}"' in thread
    assert "<form" not in thread  # it sits inside the page's own form
    assert f'<form id="review-answer-{query.id}"' in forms
    assert f"/review/queries/{query.id}/answer" in forms


def test_the_thread_is_read_only_when_the_submission_is_with_the_secretariat(
    app, db, scenario, returned
):
    from flask_login import login_user

    queries = db.session.scalars(sa.select(ReviewQuery)).all()
    for query in queries:
        answer_query(query, scenario.respondent, "", no_change=True)
    workflow.submit(returned, scenario.respondent)
    db.session.commit()
    with app.test_request_context("/form/legal"):
        login_user(scenario.respondent)
        thread = render_template("review/_query_thread.html", queries=queries, submission=returned)
        forms = render_template("review/_query_forms.html", submission=returned)
    assert "Source?" in thread
    assert "textarea" not in thread
    assert "<form" not in forms


def test_the_return_note_shows_on_the_respondents_overview_and_can_be_answered(
    db, client, login, scenario, submitted
):
    workflow.return_for_changes(submitted, scenario.coordinator, "Please add the 2025 figures.")
    db.session.commit()
    login(scenario.respondent)
    overview = client.get(f"/submissions/{submitted.id}").get_data(as_text=True)
    assert "Notes from the secretariat" in overview
    assert "Please add the 2025 figures." in overview
    note = db.session.scalar(sa.select(ReviewQuery).where(ReviewQuery.question_id.is_(None)))
    assert f'action="/review/queries/{note.id}/answer"' in overview
    client.post(
        f"/review/queries/{note.id}/answer",
        data={"response": "Added in the statistics table.", "next": f"/submissions/{submitted.id}"},
    )
    db.session.refresh(note)
    assert note.response == "Added in the statistics table."


def test_the_review_page_marks_questions_not_asked(db, client, login, scenario, submitted):
    # legal_strategy_maturity is only asked when the offence is answered yes or partly.
    answer = next(a for a in submitted.answers if a.question_id == "legal_tip_offence")
    answer.value = "no"
    db.session.commit()
    login(scenario.coordinator)
    page = client.get(f"/review/submissions/{submitted.id}").get_data(as_text=True)
    assert "Not asked" in section(page, "legal_strategy_maturity")
    assert "Not asked" not in section(page, "protection_shelters")


def test_a_decision_racing_another_change_is_refused_cleanly(
    db, client, login, scenario, submitted, monkeypatch
):
    from sqlalchemy.orm.exc import StaleDataError

    def raced(submission, actor, **kwargs):
        raise StaleDataError("the row changed under us")

    monkeypatch.setattr(workflow, "validate", raced)
    login(scenario.coordinator)
    page = client.post(
        f"/review/submissions/{submitted.id}/validate", follow_redirects=True
    ).get_data(as_text=True)
    assert "Someone else changed this submission in the meantime" in page
    db.session.refresh(submitted)
    assert submitted.status == Status.SUBMITTED


def _queue_row(page: str, country: str) -> str:
    row = re.search(rf"<tr>\s*<td>{country}</td>(.*?)</tr>", page, re.S)
    assert row is not None, f"no row for {country} in the queue"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(1)))


def test_the_queue_tells_a_resubmission_from_a_first_submission_and_counts_queries(
    db, client, login, scenario, returned, create_submission
):
    """Issue 14, point 6."""
    first = create_submission(scenario.round, scenario.mali, {"legal_tip_offence": "yes"})
    workflow.submit(first, scenario.other_respondent)
    [shelters] = db.session.scalars(sa.select(ReviewQuery)).all()
    law = add_query(returned, scenario.coordinator, question_id="legal_tip_offence", text="Law?")
    answer_query(shelters, scenario.respondent, "The ministry's 2025 census.")
    answer_query(law, scenario.respondent, "", no_change=True)
    workflow.submit(returned, scenario.respondent)
    db.session.commit()

    login(scenario.coordinator)
    queue = client.get("/review/").get_data(as_text=True)
    niger, mali = _queue_row(queue, "Niger"), _queue_row(queue, "Mali")
    assert "Resubmission" in niger and "returned" in niger
    assert "2 open: 2 answered, 0 not answered" in niger
    assert "First submission" in mali and "None" in mali
    # The round's review page says the same.
    round_page = client.get(f"/review/rounds/{scenario.round.id}").get_data(as_text=True)
    assert "2 open: 2 answered, 0 not answered" in round_page
    assert "Resubmission" in round_page and "First submission" in round_page
    # A query closed with "no change" says so to the coordinator.
    review = client.get(f"/review/submissions/{returned.id}").get_data(as_text=True)
    assert "closed it with no change" in review
    # In French, the colon keeps to its word (a no-break space before it, as the catalogue has).
    scenario.coordinator.language = "fr"
    db.session.commit()
    assert "2 ouvertes\u00a0: 2 avec réponse" in client.get("/review/").get_data(as_text=True)


def test_validating_and_submitting_show_what_they_do_before_the_post(
    db, client, login, scenario, submitted
):
    """Issue 14, point 5: Submit and Validate are confirmed on a page saying what they do."""
    add_query(submitted, scenario.coordinator, question_id="protection_shelters", text="Source?")
    db.session.commit()
    login(scenario.coordinator)
    review = client.get(f"/review/submissions/{submitted.id}").get_data(as_text=True)
    assert f'href="/review/submissions/{submitted.id}/validate"' in review
    assert f'action="/review/submissions/{submitted.id}/validate"' not in review  # no 1-click
    page = client.get(f"/review/submissions/{submitted.id}/validate").get_data(as_text=True)
    assert "Validate the answers (Niger, 2026-H2)?" in page
    assert "1 open query is marked resolved. 1 of them has no answer from the country." in page
    db.session.refresh(submitted)
    assert submitted.status == Status.SUBMITTED  # looking changed nothing
    client.post(f"/review/submissions/{submitted.id}/validate")
    db.session.refresh(submitted)
    assert submitted.status == Status.VALIDATED


def _open_queries_heading(page: str) -> str:
    match = re.search(r'<h2 id="open-queries-heading">([^<]+)</h2>', page)
    assert match is not None, "no open-queries section"
    return match.group(1)


def test_the_respondents_overview_counts_only_the_queries_still_waiting_for_her(
    db, client, login, scenario, returned
):
    # Regression: after "No change" the page still said "1 open query from the secretariat"
    # beside "Closed: no change".
    [shelters] = db.session.scalars(sa.select(ReviewQuery)).all()
    law = add_query(returned, scenario.coordinator, question_id="legal_tip_offence", text="Law?")
    db.session.commit()
    login(scenario.respondent)
    overview = client.get(f"/submissions/{returned.id}").get_data(as_text=True)
    assert _open_queries_heading(overview) == "2 open queries from the secretariat"

    answer_query(shelters, scenario.respondent, "", no_change=True)
    db.session.commit()
    overview = client.get(f"/submissions/{returned.id}").get_data(as_text=True)
    assert _open_queries_heading(overview) == "1 open query from the secretariat"
    assert "Closed: no change" in overview  # still listed, with its state

    answer_query(law, scenario.respondent, "The 2024 law.")
    db.session.commit()
    overview = client.get(f"/submissions/{returned.id}").get_data(as_text=True)
    assert _open_queries_heading(overview) == "Queries from the secretariat"
    assert "open query" not in overview and "open queries" not in overview
    assert "nothing waits for you" in overview
