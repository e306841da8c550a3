"""A save button post that never reaches the server (dropped connection while the browser still
says it is online) loses nothing: the next visit of the page sends the text kept on the device."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.browser.conftest import Site, on_both_databases, sign_in, submission_id

pytestmark = pytest.mark.browser


def stored_value(site: Site, question_id: str):
    from surveys.responses.models import Answer

    return site.query(
        lambda s: s.scalar(
            sa.select(Answer.value).where(
                Answer.submission_id == submission_id(site), Answer.question_id == question_id
            )
        )
    )


def wait_until_kept_on_the_device(page) -> None:
    for _ in range(100):
        if page.evaluate("Object.keys(localStorage).length") == 1:
            return
        page.wait_for_timeout(50)
    raise AssertionError("the typed value was never copied to localStorage")


@on_both_databases
def test_a_save_lost_on_the_way_is_sent_on_the_next_visit(site, new_context):
    context = new_context()
    # On a dead connection the beacon sent on leaving the page is lost too (routes do not see it).
    context.add_init_script("Object.defineProperty(navigator, 'sendBeacon', {value: undefined})")
    page = context.new_page()
    sign_in(page, site, site.respondent)
    page.goto(site.url(f"/rounds/{site.round_id}/countries/{site.niger_id}/answers"))
    with page.expect_navigation():
        page.click("#start-form button[type=submit]")
    area_url = site.url(f"/submissions/{submission_id(site)}/areas/protection")
    page.goto(area_url)

    # Every post of the page is lost on the way: the autosave after a pause in the typing and
    # the save button's.
    context.route("**/areas/protection", lambda route: route.abort("connectionreset"))
    page.fill("#protection_shelters", "7")
    page.locator("#save-status", has_text="not saved").wait_for()
    wait_until_kept_on_the_device(page)
    with page.expect_event("requestfailed"):
        # The form posts while the field keeps the focus (no autosave on leaving it), as when
        # Enter is pressed in a field.
        page.evaluate("document.getElementById('area-form').requestSubmit()")
    page.wait_for_url(lambda url: url.startswith("chrome-error:"))  # the browser's error page
    assert stored_value(site, "protection_shelters") is None

    context.unroute("**/areas/protection")
    page.goto(area_url)
    site.wait_for(
        lambda s: stored_value(site, "protection_shelters") == 7,
        what="the number whose post was lost to reach the server",
    )

    # Once the server has it, the kept copy is gone: a later visit sends nothing more.
    page.goto(area_url)
    assert page.evaluate("Object.keys(localStorage).length") == 0
