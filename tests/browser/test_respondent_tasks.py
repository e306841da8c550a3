"""What a respondent must do, shown as tasks (issue 14, points 1 to 3), in English and French:

- a returned submission lists its open queries at the top of the overview, one click from each;
  it cannot be submitted again while one is unanswered, and can once it is answered;
- answers carried over from the previous round are "to confirm", on the overview, in the area
  list and on the coordinator's round page, never counted as answered nor shown as errors;
- a choice saves itself shortly after it is made, without leaving the field.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.browser.conftest import Site, sign_in, submission_id
from tests.review.builders import COMPLETE_MINI_V1

pytestmark = pytest.mark.browser

# Every required answer of MINI_V1, its statistics table included.
COMPLETE = {
    **COMPLETE_MINI_V1,
    "protection_statistics": {"cells": {"prosecuted|2024|total": 12}, "source": "Justice"},
}
RESPONDENTS = [pytest.param("respondent", id="en"), pytest.param("respondent_fr", id="fr")]
QUERY = "Four shelters or five? The ministry's report says five."


def _answers(session, submission, values: dict) -> None:
    from surveys.responses.models import Answer

    for question_id, value in values.items():
        session.add(Answer(submission_id=submission.id, question_id=question_id, value=value))


def returned_with_a_query(site: Site) -> int:
    """Niger's complete submission, submitted, returned with a query on the shelters; the id of
    the query."""
    from surveys.accounts.models import User
    from surveys.countries.models import Country
    from surveys.responses.models import Submission
    from surveys.review import workflow
    from surveys.review.operations import add_query
    from surveys.rounds.models import Round
    from surveys.rounds.submission_status import Status

    def build(session):
        respondent = session.scalar(sa.select(User).where(User.email == site.respondent))
        coordinator = session.scalar(sa.select(User).where(User.email == site.coordinator))
        submission = Submission(
            round=session.get(Round, site.round_id),
            country=session.get(Country, site.niger_id),
            status=Status.DRAFT.value,
        )
        session.add(submission)
        session.flush()
        _answers(session, submission, COMPLETE)
        session.flush()
        session.refresh(submission)
        workflow.submit(submission, respondent, notify=False)
        query = add_query(submission, coordinator, question_id="protection_shelters", text=QUERY)
        workflow.return_for_changes(submission, coordinator, notify=False)
        session.commit()
        return query.id

    return site.query(build)


def status(site: Site) -> str:
    from surveys.responses.models import Submission

    return site.query(lambda s: s.get(Submission, submission_id(site)).status)


@pytest.mark.parametrize("who", RESPONDENTS)
def test_an_open_query_is_one_click_away_and_blocks_submitting_until_answered(
    site, new_context, who
):
    query_id = returned_with_a_query(site)
    page = new_context().new_page()
    sign_in(page, site, getattr(site, who))
    overview = site.url(f"/submissions/{submission_id(site)}")
    page.goto(overview)

    listed = page.locator("#open-queries")
    assert QUERY[:40] in listed.inner_text()
    assert listed.locator(".badge-returned").count() == 1  # "to answer"
    # The area list marks the area holding the query.
    protection = page.locator("nav.areas li", has=page.locator("a[href$='/areas/protection']"))
    assert protection.locator(".badge-returned").count() == 1
    # Nothing to submit with while the query waits: the button is disabled, and the page the
    # submit link would lead to says why and offers no button.
    assert page.locator("main a[href$='/submit']").count() == 0
    assert page.locator("main button[disabled]").count() == 1
    page.goto(site.url(f"/review/submissions/{submission_id(site)}/submit"))
    assert page.locator(".error-summary").count() == 1
    assert page.locator("main form[action$='/submit']").count() == 0

    # One click from the overview to the query, beside its question.
    page.goto(overview)
    page.locator("#open-queries a").first.click()
    page.wait_for_url(f"**/areas/protection#query-{query_id}")
    thread = page.locator(f"#query-{query_id}")
    assert thread.is_visible()
    assert page.locator("#q-protection_shelters").locator(f"#query-{query_id}").count() == 1
    thread.locator("textarea").fill("Five: one opened in May. The answer is corrected.")
    # Wait for the answer's post to come back before leaving: a goto at once may cancel it, or
    # be answered before it is stored.
    with page.expect_navigation():
        thread.locator("button[type=submit]:not([value=no_change])").click()

    page.goto(overview)
    assert page.locator("#open-queries .badge-returned").count() == 0  # answered now
    page.click("main a[href$='/submit']")
    page.click("main form[action$='/submit'] button[type=submit]")
    page.wait_for_load_state()
    site.wait_for(lambda s: status(site) == "submitted", what="the resubmission")


@pytest.mark.parametrize("who", RESPONDENTS)
def test_a_query_closed_with_no_change_lets_the_country_submit_again(site, new_context, who):
    query_id = returned_with_a_query(site)
    page = new_context().new_page()
    sign_in(page, site, getattr(site, who))
    page.goto(site.url(f"/submissions/{submission_id(site)}/areas/protection"))
    with page.expect_navigation():  # its post answered (stored) before the overview is read
        page.locator(f"#query-{query_id} button[value=no_change]").click()
    page.goto(site.url(f"/submissions/{submission_id(site)}"))
    page.click("main a[href$='/submit']")
    page.click("main form[action$='/submit'] button[type=submit]")
    site.wait_for(lambda s: status(site) == "submitted", what="the resubmission")


def validated_last_round(site: Site) -> None:
    """Niger's validated submission to an earlier round of the same questionnaire."""
    from surveys.columns import utcnow
    from surveys.responses.models import Submission
    from surveys.rounds.models import Round, RoundCountry
    from surveys.rounds.submission_status import Status

    def build(session):
        current = session.get(Round, site.round_id)
        now = utcnow()
        earlier = Round(
            questionnaire_version_id=current.questionnaire_version_id,
            period_label="2026-H1",
            opens_at=now - timedelta(days=200),
            closes_at=now - timedelta(days=150),
        )
        earlier.participants = [RoundCountry(country_id=site.niger_id)]
        session.add(earlier)
        session.flush()
        submission = Submission(
            round_id=earlier.id, country_id=site.niger_id, status=Status.VALIDATED.value
        )
        session.add(submission)
        session.flush()
        _answers(session, submission, COMPLETE)
        session.commit()

    site.query(build)


@pytest.mark.parametrize("who", RESPONDENTS)
def test_carried_over_answers_are_to_confirm_everywhere_not_answered_nor_errors(
    site, new_context, who
):
    validated_last_round(site)
    page = new_context().new_page()
    sign_in(page, site, getattr(site, who))
    page.goto(site.url(f"/rounds/{site.round_id}/countries/{site.niger_id}/answers"))
    with page.expect_navigation():
        page.click("#start-form button[type=submit]")
    overview = site.url(f"/submissions/{submission_id(site)}")
    page.goto(overview)

    carried = len(COMPLETE)  # 8: four in "legal", four in "protection"
    tasks = page.locator("#to-confirm")
    assert str(carried) in tasks.locator("h3").inner_text()
    assert tasks.locator("li").count() == 2  # one line per area, not one per answer
    # The error box lists what is really missing, not the answers to confirm.
    errors = page.locator(".error-summary")
    assert errors.count() == 0 or "confirm" not in errors.inner_text().lower()
    legal = page.locator("nav.areas li", has=page.locator("a[href$='/areas/legal']"))
    # "0 of 6 answered, 4 carried over to confirm" (6 shown, 2 of them optional)
    before = legal.locator("span.muted").inner_text()
    assert before.startswith("0 ") and ", 4 " in before

    # The coordinator sees 0% (French: 0 % with a no-break space), with the answers to
    # confirm, not 100%.
    coordinator = new_context().new_page()
    sign_in(coordinator, site, site.coordinator if who == "respondent" else site.coordinator_fr)
    coordinator.goto(site.url(f"/rounds/{site.round_id}"))
    niger = coordinator.locator("tbody tr", has_text="Niger")
    assert ("0%" if who == "respondent" else "0\u00a0%") in niger.inner_text()
    assert str(carried) in niger.locator(".to-confirm").inner_text()

    # Confirming an area's answers turns them into answers of this round.
    page.goto(site.url(f"/submissions/{submission_id(site)}/areas/legal"))
    with page.expect_navigation():  # its post answered (stored) before the overview is read
        page.click("button[name=action][value=confirm_all]")
    page.goto(overview)
    legal = page.locator("nav.areas li", has=page.locator("a[href$='/areas/legal']"))
    after = legal.locator("span.muted").inner_text()
    assert after.startswith("4 ") and "," not in after  # "4 of 6 answered"
    assert str(carried - 4) in page.locator("#to-confirm h3").inner_text()
    coordinator.reload()
    niger = coordinator.locator("tbody tr", has_text="Niger")
    assert str(carried - 4) in niger.locator(".to-confirm").inner_text()


def test_a_choice_is_saved_shortly_without_leaving_the_field(site, new_context):
    from surveys.responses.models import Answer

    page = new_context().new_page()
    sign_in(page, site, site.respondent)
    page.goto(site.url(f"/rounds/{site.round_id}/countries/{site.niger_id}/answers"))
    with page.expect_navigation():
        page.click("#start-form button[type=submit]")
    page.wait_for_url("**/areas/legal")
    radio = page.locator("#q-legal_tip_offence input[value=partly]")
    radio.check()
    assert page.evaluate("document.activeElement.value") == "partly"  # the focus stays on it
    # Well within the 30 s of the periodic save: sent ~0.7 s after the click.
    page.locator("#save-status", has_text=":").wait_for(timeout=5_000)
    value = site.query(
        lambda s: s.scalar(
            sa.select(Answer.value).where(
                Answer.submission_id == submission_id(site),
                Answer.question_id == "legal_tip_offence",
            )
        )
    )
    assert value == "partly"
