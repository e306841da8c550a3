"""Two respondents of one country edit the same page at once: the stale save ends on the
conflict page, and both values stay recoverable."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.browser.conftest import Site, on_both_databases, sign_in, submission_id

pytestmark = pytest.mark.browser


def open_protection_page(new_context, site: Site, email: str):
    # Without JavaScript: the plain form posts decide, no autosave races the click.
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, site, email)
    page.goto(site.url(f"/rounds/{site.round_id}/countries/{site.niger_id}/answers"))
    if page.locator("#start-form").count():  # nobody has started it yet
        with page.expect_navigation():
            page.click("#start-form button[type=submit]")
    page.goto(site.url(f"/submissions/{submission_id(site)}/areas/protection"))
    return page


def save_draft(page) -> int:
    with page.expect_navigation() as navigation:
        page.click("button[name=goto][value=protection]")
    return navigation.value.status


@on_both_databases
def test_a_stale_save_ends_on_the_conflict_page_with_both_values_kept(site, new_context):
    from surveys.responses.models import Answer, AnswerRevision

    first = open_protection_page(new_context, site, site.respondent)
    second = open_protection_page(new_context, site, site.colleague)

    first.fill("#protection_focal_point", "Alpha unit")
    assert save_draft(first) == 200
    second.fill("#protection_focal_point", "Beta unit")  # on a page shown before Alpha's save
    assert save_draft(second) == 409

    page_text = second.locator("main").inner_text()
    assert "Someone else changed these answers" in page_text
    assert "Alpha unit" in page_text and "Beta unit" in page_text  # side by side

    def stored(session):
        return session.scalar(
            sa.select(Answer.value).where(Answer.question_id == "protection_focal_point")
        )

    def revisions(session):
        return set(
            session.scalars(
                sa.select(AnswerRevision.value).where(
                    AnswerRevision.question_id == "protection_focal_point"
                )
            )
        )

    assert site.query(stored) == "Alpha unit"  # nothing silently overwritten
    assert site.query(revisions) == {"Alpha unit", "Beta unit"}

    # The colleague keeps their own answer; Alpha's stays in the history.
    second.check("input[value=mine]")
    with second.expect_navigation():  # the choice is stored once its post has been answered
        second.click("main form button[type=submit]")
    assert site.query(stored) == "Beta unit"
    second.goto(
        site.url(f"/submissions/{submission_id(site)}/questions/protection_focal_point/history")
    )
    history = second.locator("main").inner_text()
    assert "Alpha unit" in history and "Beta unit" in history


def _table(session) -> dict:
    from surveys.responses.models import Answer

    return session.scalar(
        sa.select(Answer.value).where(Answer.question_id == "protection_statistics")
    )


@on_both_databases
def test_a_figure_refused_in_a_stale_save_is_on_the_conflict_page_as_typed(site, new_context):
    """A stale save without JavaScript that also has a refused figure: the conflict page shows
    the figure as typed with its message; corrected there, it is saved with the choice."""
    first = open_protection_page(new_context, site, site.respondent)
    second = open_protection_page(new_context, site, site.colleague)

    first.fill("#protection_focal_point", "Alpha unit")
    assert save_draft(first) == 200
    second.fill("#protection_focal_point", "Beta unit")
    second.fill("#protection_statistics-prosecuted-2025-female", "2")
    second.fill("#protection_statistics-prosecuted-2025-male", "abc")
    second.fill("#protection_statistics-source", "Ministry of Justice")
    assert save_draft(second) == 409

    main = second.locator("main").inner_text()
    assert "Someone else changed these answers" in main
    assert "Alpha unit" in main and "Beta unit" in main
    summary = second.locator("#error-summary")
    assert "2.5 Persons prosecuted, 2025, Male: Enter a number." in summary.inner_text()
    box = second.locator("#protection_statistics-prosecuted-2025-male")
    assert box.input_value() == "abc"
    assert box.get_attribute("aria-invalid") == "true"
    assert second.locator("#protection_statistics-prosecuted-2025-male-error").inner_text() == (
        "Enter a number."
    )
    # The summary's link leads to the box.
    summary.get_by_role("link").click()
    assert second.evaluate("document.activeElement.id") == box.get_attribute("id")
    # The valid figure and the source were saved; the refused one was not.
    assert site.query(_table)["cells"] == {"prosecuted|2025|female": 2}
    assert site.query(_table)["source"] == "Ministry of Justice"

    box.fill("7")
    second.check("#choice-protection_focal_point-mine")
    with second.expect_navigation():
        second.click("main form button[type=submit]")
    assert "Your choices were saved." in second.locator("main").inner_text()
    assert site.query(_table)["cells"] == {"prosecuted|2025|female": 2, "prosecuted|2025|male": 7}
    assert second.input_value("#protection_statistics-prosecuted-2025-male") == "7"
    assert second.input_value("#protection_focal_point") == "Beta unit"
