"""A session that ends while typing loses nothing: the page asks to sign in again, and the text
kept on the device is sent once the person is back."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PASSWORD, sign_in
from tests.browser.test_lost_post import stored_value
from tests.browser.test_restore_keeps_colleague import open_area

pytestmark = pytest.mark.browser


def test_typing_after_the_session_ended_is_sent_after_signing_in_again(site, new_context):
    context = new_context()
    page = context.new_page()
    sign_in(page, site, site.respondent)
    open_area(page, site)
    context.clear_cookies()  # the session ends (expired, or signed out in another tab)

    page.fill("#protection_focal_point", "Typed after the session ended")
    page.locator("#protection_shelters").focus()  # leaving the field saves
    status = page.locator("#save-status", has_text="session has ended")
    status.wait_for()
    assert stored_value(site, "protection_focal_point") is None

    with page.expect_navigation():
        status.get_by_role("link").click()
    page.fill("#email", site.respondent)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()
    site.wait_for(
        lambda s: stored_value(site, "protection_focal_point") == "Typed after the session ended",
        what="the text typed while signed out",
    )
