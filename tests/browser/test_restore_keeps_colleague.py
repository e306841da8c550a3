"""Text kept on the device is sent later without overwriting what a colleague saved meanwhile on
questions this respondent never touched."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Site, on_both_databases, sign_in, submission_id
from tests.browser.test_lost_post import stored_value, wait_until_kept_on_the_device

pytestmark = pytest.mark.browser


def open_area(page, site: Site, area: str = "protection") -> str:
    page.goto(site.url(f"/rounds/{site.round_id}/countries/{site.niger_id}/answers"))
    if page.locator("#start-form").count():
        with page.expect_navigation():
            page.click("#start-form button[type=submit]")
    url = site.url(f"/submissions/{submission_id(site)}/areas/{area}")
    page.goto(url)
    return url


@on_both_databases
def test_a_restored_copy_never_brings_back_a_colleagues_old_value(site, new_context):
    mine = new_context()
    mine.add_init_script("Object.defineProperty(navigator, 'sendBeacon', {value: undefined})")
    page = mine.new_page()
    sign_in(page, site, site.respondent)
    area_url = open_area(page, site)
    mine.route("**/areas/protection", lambda route: route.abort("connectionreset"))
    page.fill("#protection_shelters", "7")  # typed while every post is lost
    page.locator("#protection_budget").focus()
    wait_until_kept_on_the_device(page)

    colleague = new_context(java_script_enabled=False).new_page()
    sign_in(colleague, site, site.colleague)
    open_area(colleague, site)
    colleague.fill("#protection_focal_point", "Colleague's focal point")
    with colleague.expect_navigation():
        colleague.click("button[name=goto][value=protection]")
    assert stored_value(site, "protection_focal_point") == "Colleague's focal point"

    mine.unroute("**/areas/protection")
    page.goto(area_url)  # the kept copy is restored and sent
    site.wait_for(lambda s: stored_value(site, "protection_shelters") == 7, what="the kept number")
    assert page.input_value("#protection_focal_point") == "Colleague's focal point"

    page.fill("#protection_budget", "5.5")  # a later autosave of this page
    page.locator("#protection_shelters").focus()
    site.wait_for(lambda s: stored_value(site, "protection_budget") == 5.5, what="the later save")
    assert stored_value(site, "protection_focal_point") == "Colleague's focal point"
