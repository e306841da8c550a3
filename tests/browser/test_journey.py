"""The whole journey in a real browser: a respondent fills in two areas, loses the connection
while typing, submits; the coordinator returns it with a query; the respondent answers and
submits again; the coordinator validates. Once in English, once in French."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from tests.browser.conftest import Site, sign_in, submission_id
from tests.review.builders import FRENCH_CATALOGUE

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Journey:
    respondent: str
    coordinator: str
    focal_point: str  # typed while offline
    decimal: str  # the share, typed the way the language writes decimals
    query: str
    query_answer: str


ENGLISH = Journey(
    respondent="respondent",
    coordinator="coordinator",
    focal_point="Directorate for the protection of victims, Niamey",
    decimal="62.5",
    query="Which ministry runs the four shelters?",
    query_answer="The Ministry of Women's Promotion runs them.",
)
FRENCH = Journey(
    respondent="respondent_fr",
    coordinator="coordinator_fr",
    focal_point="Direction de la protection des victimes, Niamey",
    decimal="62,5",
    query="Quel ministère gère les quatre foyers ?",
    query_answer="Le ministère de la Promotion de la femme.",
)


# ---------------------------------------------------------------- reading the server's database


def answer_value(site: Site, question_id: str):
    from surveys.responses.models import Answer

    return site.query(
        lambda s: s.scalar(
            sa.select(Answer.value).where(
                Answer.submission_id == submission_id(site), Answer.question_id == question_id
            )
        )
    )


def status(site: Site) -> str:
    from surveys.responses.models import Submission

    return site.query(lambda s: s.get(Submission, submission_id(site)).status)


def wait_for_status(site: Site, wanted: str) -> None:
    site.wait_for(lambda s: status(site) == wanted, what=f"status {wanted}")


# ---------------------------------------------------------------- steps


def fill_legal_area(page) -> None:
    page.check("#q-legal_tip_offence input[value=yes]")
    # Shown live once the offence is answered "yes" (show_if evaluated in the page).
    page.locator("#q-legal_strategy_maturity").wait_for(state="visible")
    page.check("#q-legal_strategy_maturity input[value='3']")
    page.check("#q-legal_instruments input[value=untoc]")
    page.check("#q-legal_instruments input[value=tip_protocol]")
    page.check("#q-legal_framework_status input[value=in_force]")
    page.click("button[name=goto][value=protection]")
    page.wait_for_url("**/areas/protection")


def fill_protection_area_losing_the_connection(page, context, site: Site, journey: Journey):
    page.fill("#protection_shelters", "4")
    page.fill("#protection_assisted_share", journey.decimal)
    page.fill("#protection_statistics-prosecuted-2024-total", "12")
    page.fill("#protection_statistics-source", "Ministère de la Justice")
    page.focus("#protection_focal_point")  # leaving a field autosaves what came before
    site.wait_for(lambda s: answer_value(site, "protection_shelters") == 4, what="autosave")

    context.set_offline(True)
    page.locator("#protection_focal_point").press_sequentially(journey.focal_point, delay=5)
    page.focus("#protection_shelters")  # the autosave attempt fails: kept on the device
    page.locator("#save-status.offline").wait_for()
    assert answer_value(site, "protection_focal_point") is None

    context.set_offline(False)  # no click on "save": the page sends it when the network is back
    site.wait_for(
        lambda s: answer_value(site, "protection_focal_point") == journey.focal_point,
        what="the text typed offline to reach the server",
    )


def submit(page, site: Site) -> None:
    page.goto(site.url(f"/submissions/{submission_id(site)}"))
    page.click("main a[href$='/submit']")  # a summary to confirm, then the post
    page.click("main form[action$='/submit'] button[type=submit]")
    page.wait_for_load_state()
    wait_for_status(site, "submitted")


def return_with_query(page, site: Site, journey: Journey) -> None:
    page.goto(site.url(f"/review/submissions/{submission_id(site)}"))
    block = page.locator("#q-protection_shelters")
    assert "4" in block.locator(".review-compare").inner_text()
    block.locator("summary").click()
    block.locator("textarea[name=text]").fill(journey.query)
    # The post brings the review page back: read the question's block on that page, not the
    # one it leaves (which has the same block, without the query).
    with page.expect_navigation():
        block.locator("button[type=submit]").click()
    assert journey.query in page.locator("#q-protection_shelters").inner_text()
    page.click("form[action$='/return'] button[type=submit]")
    page.wait_for_load_state()
    wait_for_status(site, "returned")


def answer_query_and_resubmit(page, site: Site, journey: Journey) -> None:
    page.goto(site.url(f"/submissions/{submission_id(site)}/areas/protection"))
    thread = page.locator("#q-protection_shelters .review-thread")
    assert journey.query in thread.inner_text()
    thread.locator("textarea").fill(journey.query_answer)
    # As above: the area page comes back with the answer, read it there.
    with page.expect_navigation():
        thread.locator("button[type=submit]:not([value=no_change])").click()
    assert journey.query_answer in page.locator("#q-protection_shelters").inner_text()
    submit(page, site)


def validate(page, site: Site, journey: Journey) -> None:
    page.goto(site.url(f"/review/submissions/{submission_id(site)}"))
    assert journey.query_answer in page.locator("#q-protection_shelters").inner_text()
    page.click("main a[href$='/validate']")  # what validating does, then the post
    # The tests read the page the post leads to (its confirmation): wait for it, not only for
    # the status, which is stored before the page is sent.
    with page.expect_navigation():
        page.click("form[action$='/validate'] button[type=submit]")
    wait_for_status(site, "validated")


def run_journey(site: Site, new_context, journey: Journey):
    """The journey; returns the two pages (respondent, coordinator) for language checks."""
    respondent_context = new_context()
    respondent = respondent_context.new_page()
    sign_in(respondent, site, getattr(site, journey.respondent))
    respondent.goto(site.url(f"/rounds/{site.round_id}/countries/{site.niger_id}/answers"))
    if respondent.locator("#start-form").count():  # nobody has started it yet
        with respondent.expect_navigation():
            respondent.click("#start-form button[type=submit]")
    fill_legal_area(respondent)
    fill_protection_area_losing_the_connection(respondent, respondent_context, site, journey)
    submit(respondent, site)

    coordinator = new_context().new_page()
    sign_in(coordinator, site, getattr(site, journey.coordinator))
    return_with_query(coordinator, site, journey)
    answer_query_and_resubmit(respondent, site, journey)
    validate(coordinator, site, journey)
    return respondent, coordinator


def test_the_whole_journey_in_english(site, new_context):
    respondent, coordinator = run_journey(site, new_context, ENGLISH)
    assert answer_value(site, "protection_assisted_share") == 62.5
    assert coordinator.locator("html").get_attribute("lang") == "en"
    assert "Validated" in coordinator.locator("main").inner_text()
    # Validated means locked: the respondent now sees the answers read-only.
    respondent.goto(site.url(f"/submissions/{submission_id(site)}/areas/protection"))
    assert respondent.locator("#area-form").count() == 0


def test_the_whole_journey_in_french(site, new_context):
    respondent, coordinator = run_journey(site, new_context, FRENCH)
    assert answer_value(site, "protection_assisted_share") == 62.5  # "62,5" read the French way
    assert respondent.locator("html").get_attribute("lang") == "fr"
    assert coordinator.locator("html").get_attribute("lang") == "fr"
    if not FRENCH_CATALOGUE.exists():
        pytest.skip("journey done in French; its wording needs the compiled French catalogue")
    review_page = coordinator.locator("main").inner_text()
    assert "La soumission a été validée." in review_page  # the confirmation, in French
    assert "Décision" in review_page
    assert "Validate" not in review_page
