"""Submit, return, validate, reopen: the allowed transitions, their audit and notifications."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from surveys.audit.models import AuditEvent
from surveys.notifications.models import OutboxMessage
from surveys.review import workflow
from surveys.review.models import ReviewQuery
from surveys.review.operations import add_query, answer_query
from surveys.rounds.submission_status import Status
from tests.review.builders import build_scenario, needs_french, stub_completeness


@pytest.fixture
def scenario(create_country, create_user, create_version, create_round):
    return build_scenario(create_country, create_user, create_version, create_round)


@pytest.fixture
def complete(monkeypatch):
    stub_completeness(monkeypatch, [])


@pytest.fixture
def draft(scenario, create_submission):
    return create_submission(scenario.round, scenario.niger, {"legal_tip_offence": "yes"})


def messages(db) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def audit_events(db, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def submitted(db, scenario, draft):
    workflow.submit(draft, scenario.respondent)
    db.session.commit()
    return draft


# ---------------------------------------------------------------- submit


def test_submit_locks_the_submission_and_records_who_and_when(db, scenario, draft, complete):
    assert draft.is_editable
    workflow.submit(draft, scenario.respondent)
    db.session.commit()

    assert draft.status == Status.SUBMITTED
    assert not draft.is_editable
    assert draft.submitted_by_id == scenario.respondent.id
    assert draft.submitted_at is not None
    [event] = audit_events(db, "submission.submitted")
    assert event.actor_id == scenario.respondent.id
    assert event.target_id == draft.id
    assert event.details["status"] == ["draft", "submitted"]


def test_submit_tells_every_coordinator_in_their_own_language(db, scenario, draft, complete):
    workflow.submit(draft, scenario.respondent)
    db.session.commit()

    by_recipient = {m.recipient_email: m for m in messages(db)}
    assert set(by_recipient) == {"coord@unodc.example", "coord-fr@unodc.example"}
    english, french = by_recipient["coord@unodc.example"], by_recipient["coord-fr@unodc.example"]
    assert english.subject == "Niger: self-assessment submitted (2026-H2)"
    assert english.language == "en" and french.language == "fr"
    assert f"/review/submissions/{draft.id}" in english.body
    assert all(
        m.kind == "submission.submitted" and m.round_id == scenario.round.id
        for m in by_recipient.values()
    )


@needs_french
def test_notifications_are_written_in_french_for_french_speakers(db, scenario, draft, complete):
    workflow.submit(draft, scenario.respondent)
    workflow.return_for_changes(draft, scenario.coordinator, "Précisez la source.")
    db.session.commit()
    french = {m.kind: m for m in messages(db) if m.language == "fr"}
    # French puts an article before most country names ("le Niger"): the name stands as a label.
    assert (
        french["submission.submitted"].subject == "Niger\u00a0: auto-évaluation soumise (2026-H2)"
    )
    assert "renvoyée" in french["submission.returned"].subject
    assert "Précisez la source." in french["submission.returned"].body


def test_an_incomplete_submission_is_refused_with_its_problems(db, scenario, draft, monkeypatch):
    stub_completeness(monkeypatch, ["Question 1 is required", "Question 2 is required"])
    with pytest.raises(workflow.IncompleteSubmission) as refused:
        workflow.submit(draft, scenario.respondent)
    db.session.rollback()

    assert refused.value.problems == ["Question 1 is required", "Question 2 is required"]
    assert "2 problems to fix" in refused.value.message
    assert draft.status == Status.DRAFT
    assert messages(db) == []
    assert audit_events(db, "submission.submitted") == []


def test_only_the_countrys_own_respondents_can_submit(db, scenario, draft, complete):
    for outsider in (scenario.other_respondent, scenario.coordinator):
        with pytest.raises(workflow.WorkflowError, match="own respondents"):
            workflow.submit(draft, outsider)
    assert draft.status == Status.DRAFT


def test_a_draft_cannot_be_submitted_after_the_deadline(
    db, scenario, create_round, create_submission, complete
):
    from datetime import timedelta

    closed = create_round(
        scenario.version,
        [scenario.niger],
        period="2025-H2",
        opens_in=timedelta(days=-60),
        closes_in=timedelta(days=-1),
    )
    late = create_submission(closed, scenario.niger)
    with pytest.raises(workflow.WorkflowError, match="round is closed"):
        workflow.submit(late, scenario.respondent)
    assert late.status == Status.DRAFT


def test_a_returned_submission_can_be_resubmitted_after_the_deadline(
    db, scenario, create_round, create_submission, complete
):
    from datetime import timedelta

    closed = create_round(
        scenario.version,
        [scenario.niger],
        period="2025-H2",
        opens_in=timedelta(days=-60),
        closes_in=timedelta(days=-1),
    )
    returned = create_submission(closed, scenario.niger, status="returned")
    workflow.submit(returned, scenario.respondent)
    assert returned.status == Status.SUBMITTED


def test_submitting_twice_says_it_is_already_waiting_for_review(db, scenario, draft, complete):
    submitted(db, scenario, draft)
    with pytest.raises(workflow.WorkflowError, match="already been submitted"):
        workflow.submit(draft, scenario.respondent)


# ---------------------------------------------------------------- return


def test_return_needs_a_query_or_a_note(db, scenario, draft, complete):
    submitted(db, scenario, draft)
    with pytest.raises(workflow.WorkflowError, match="Add a query"):
        workflow.return_for_changes(draft, scenario.coordinator, "   ")
    db.session.rollback()
    assert draft.status == Status.SUBMITTED


def test_return_with_a_note_keeps_it_as_a_query_and_tells_the_country(
    db, scenario, draft, complete, create_user
):
    from surveys.roles import Role

    disabled = create_user(Role.RESPONDENT, countries=[scenario.niger], email="gone@ne.example")
    disabled.is_enabled = False
    submitted(db, scenario, draft)
    db.session.execute(sa.delete(OutboxMessage))

    workflow.return_for_changes(draft, scenario.coordinator, "Please add the 2025 statistics.")
    db.session.commit()

    assert draft.status == Status.RETURNED and draft.is_editable
    [query] = db.session.scalars(sa.select(ReviewQuery)).all()
    assert query.question_id is None and query.text == "Please add the 2025 statistics."
    by_recipient = {m.recipient_email: m for m in messages(db)}
    # Only Niger's enabled respondents: not Mali's, not the deactivated account.
    assert set(by_recipient) == {"resp@ne.example", "resp-fr@ne.example"}
    assert "returned" in by_recipient["resp@ne.example"].subject
    assert "Please add the 2025 statistics." in by_recipient["resp@ne.example"].body
    # The link leads the country to its own submission, not to the coordinators' review page.
    links = re.findall(r"https?://\S+", by_recipient["resp@ne.example"].body)
    assert [urlsplit(link).path for link in links] == [f"/submissions/{draft.id}"]
    assert by_recipient["resp-fr@ne.example"].language == "fr"
    [event] = audit_events(db, "submission.returned")
    assert event.details["status"] == ["submitted", "returned"]
    assert event.details["note"] == "Please add the 2025 statistics."


def test_return_with_an_open_query_needs_no_note(db, scenario, draft, complete):
    submitted(db, scenario, draft)
    add_query(draft, scenario.coordinator, question_id="legal_tip_offence", text="Which law?")
    workflow.return_for_changes(draft, scenario.coordinator)
    db.session.commit()
    assert draft.status == Status.RETURNED
    body = next(m.body for m in messages(db) if m.recipient_email == "resp@ne.example")
    assert "with 1 open question." in body
    # The e-mail alone says which question is queried and what is asked.
    assert "Does national law criminalise trafficking in persons" in body
    assert "Which law?" in body
    french_body = next(m.body for m in messages(db) if m.recipient_email == "resp-fr@ne.example")
    assert "La loi nationale incrimine-t-elle la traite" in french_body


def test_a_second_return_counts_and_lists_only_what_waits_for_the_country(
    db, scenario, draft, complete
):
    # Regression: queries the country had answered or closed with "no change" (open until
    # the secretariat resolves them) were counted again as open questions, and a return
    # with nothing new for the country to do was allowed.
    submitted(db, scenario, draft)
    add_query(draft, scenario.coordinator, question_id="legal_tip_offence", text="Which law?")
    workflow.return_for_changes(draft, scenario.coordinator)
    [law] = db.session.scalars(sa.select(ReviewQuery)).all()
    answer_query(law, scenario.respondent, "", no_change=True)
    workflow.submit(draft, scenario.respondent)
    db.session.commit()
    with pytest.raises(workflow.WorkflowError, match="Add a query to a question or write a note"):
        workflow.return_for_changes(draft, scenario.coordinator)
    db.session.rollback()
    add_query(draft, scenario.coordinator, question_id="protection_shelters", text="Source?")
    workflow.return_for_changes(draft, scenario.coordinator)
    db.session.commit()
    body = [m.body for m in messages(db) if m.recipient_email == "resp@ne.example"][-1]
    assert "with 1 open question." in body
    assert "Source?" in body and "Which law?" not in body


def test_a_returned_submission_can_be_submitted_again(db, scenario, draft, complete):
    submitted(db, scenario, draft)
    workflow.return_for_changes(draft, scenario.coordinator, "Check the dates.")
    db.session.commit()
    [note] = db.session.scalars(sa.select(ReviewQuery)).all()
    answer_query(note, scenario.respondent_fr, "The dates are right.")
    workflow.submit(draft, scenario.respondent_fr)
    db.session.commit()
    assert draft.status == Status.SUBMITTED
    assert draft.submitted_by_id == scenario.respondent_fr.id


def test_a_returned_submission_waits_until_every_open_query_is_answered_or_closed(
    db, scenario, draft, complete
):
    submitted(db, scenario, draft)
    add_query(draft, scenario.coordinator, question_id="legal_tip_offence", text="Which law?")
    add_query(draft, scenario.coordinator, question_id="legal_tip_offence", text="Since when?")
    workflow.return_for_changes(draft, scenario.coordinator)
    db.session.commit()
    first, second = db.session.scalars(sa.select(ReviewQuery).order_by(ReviewQuery.id)).all()
    with pytest.raises(workflow.UnansweredQueries) as refused:
        workflow.submit(draft, scenario.respondent)
    assert "Answer the 2 open queries" in refused.value.message
    answer_query(first, scenario.respondent, "The 2015 law.")
    with pytest.raises(workflow.UnansweredQueries) as refused:
        workflow.submit(draft, scenario.respondent)
    assert "Answer the open query" in refused.value.message
    assert draft.status == Status.RETURNED
    answer_query(second, scenario.respondent, "", no_change=True)  # "no change" closes it too
    workflow.submit(draft, scenario.respondent)
    db.session.commit()
    assert draft.status == Status.SUBMITTED
    assert second.no_change and second.is_answered and not second.resolved


# ---------------------------------------------------------------- validate, reopen


def test_validate_locks_for_good_and_resolves_open_queries(db, scenario, draft, complete):
    submitted(db, scenario, draft)
    add_query(draft, scenario.coordinator, question_id="legal_tip_offence", text="Which law?")
    workflow.validate(draft, scenario.coordinator)
    db.session.commit()

    assert draft.status == Status.VALIDATED and not draft.is_editable
    assert draft.validated_by_id == scenario.coordinator.id
    assert all(q.resolved for q in db.session.scalars(sa.select(ReviewQuery)))
    [event] = audit_events(db, "submission.validated")
    assert event.details["resolved_queries"] == 1
    recipients = {m.recipient_email for m in messages(db) if m.kind == "submission.validated"}
    assert recipients == {"resp@ne.example", "resp-fr@ne.example"}
    with pytest.raises(workflow.WorkflowError, match="reopen"):
        workflow.submit(draft, scenario.respondent)


def test_reopen_needs_a_reason_and_opens_for_changes(db, scenario, draft, complete):
    submitted(db, scenario, draft)
    workflow.validate(draft, scenario.coordinator)
    db.session.commit()
    with pytest.raises(workflow.WorkflowError, match="Say why"):
        workflow.reopen(draft, scenario.coordinator, "")

    workflow.reopen(draft, scenario.coordinator, "The 2025 figures were corrected.")
    db.session.commit()
    assert draft.status == Status.RETURNED and draft.is_editable
    assert draft.validated_at is None
    [event] = audit_events(db, "submission.reopened")
    assert event.details["status"] == ["validated", "returned"]
    reopened = [m for m in messages(db) if m.kind == "submission.reopened"]
    assert {m.recipient_email for m in reopened} == {"resp@ne.example", "resp-fr@ne.example"}
    assert all("The 2025 figures were corrected." in m.body for m in reopened)


def test_respondents_cannot_return_validate_or_reopen(db, scenario, draft, complete):
    submitted(db, scenario, draft)
    with pytest.raises(workflow.WorkflowError, match="Only coordinators"):
        workflow.validate(draft, scenario.respondent)
    with pytest.raises(workflow.WorkflowError, match="Only coordinators"):
        workflow.return_for_changes(draft, scenario.respondent, "note")
    with pytest.raises(workflow.WorkflowError, match="Only coordinators"):
        workflow.reopen(draft, scenario.respondent, "note")
    assert draft.status == Status.SUBMITTED


ACTIONS = {
    "submit": lambda s, sc: workflow.submit(s, sc.respondent),
    "return": lambda s, sc: workflow.return_for_changes(s, sc.coordinator, "note"),
    "validate": lambda s, sc: workflow.validate(s, sc.coordinator),
    "reopen": lambda s, sc: workflow.reopen(s, sc.coordinator, "note"),
}


@pytest.mark.parametrize("status", [s.value for s in Status])
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_transition_outside_the_table_is_refused_and_changes_nothing(
    db, scenario, create_submission, complete, action, status
):
    submission = create_submission(scenario.round, scenario.niger, status=status)
    allowed = (action, Status(status)) in workflow.TRANSITIONS
    if allowed:
        ACTIONS[action](submission, scenario)
        assert submission.status == workflow.TRANSITIONS[(action, Status(status))]
        return
    with pytest.raises(workflow.WorkflowError) as refused:
        ACTIONS[action](submission, scenario)
    db.session.rollback()
    assert refused.value.message != "This change is not allowed."  # a specific reason
    assert submission.status == status
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 0


def test_the_real_completeness_check_refuses_a_half_answered_draft(db, scenario, draft):
    # No stub: the respondents' slice decides what is missing.
    with pytest.raises(workflow.IncompleteSubmission) as refused:
        workflow.submit(draft, scenario.respondent)
    missing = {problem.question_id for problem in refused.value.problems}
    assert "protection_shelters" in missing
    assert "legal_tip_offence" not in missing  # answered in the draft
    assert draft.status == Status.DRAFT
