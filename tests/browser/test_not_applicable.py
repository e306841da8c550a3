"""Ticking "Not applicable" on a question with a value: no answer is kept, so the page says so
beside the box (with or without JavaScript) and its script disables the value's input; unticked
before leaving, the value typed comes back and is saved again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.browser.conftest import Site, sign_in, submission_id

pytestmark = pytest.mark.browser
NOTE = "While this box is ticked, no answer to this question is kept"


def _open_protection(page, site: Site) -> None:
    page.goto(site.url(f"/rounds/{site.round_id}/countries/{site.niger_id}/answers"))
    if page.locator("#start-form").count():
        with page.expect_navigation():
            page.click("#start-form button[type=submit]")
    page.goto(site.url(f"/submissions/{submission_id(site)}/areas/protection"))


def _stored(site: Site):
    from surveys.responses.models import Answer

    def read(session):
        answer = session.scalar(
            sa.select(Answer).where(Answer.question_id == "protection_assisted_share")
        )
        return None if answer is None else (answer.value, answer.not_applicable)

    return read


@pytest.mark.parametrize("width", [1280, 390])
def test_not_applicable_disables_the_value_and_says_it_is_not_kept(
    site: Site, new_context, width: int
) -> None:
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    sign_in(page, site, site.respondent)
    _open_protection(page, site)
    value = page.locator("#protection_assisted_share")
    box = page.locator("#protection_assisted_share-na")
    note = page.locator("#protection_assisted_share-na-note")
    assert not note.is_visible()

    value.fill("45")
    value.blur()
    site.wait_for(lambda s: _stored(site)(s) == (45, False), what="45 saved")

    box.check()
    assert value.is_disabled() and note.is_visible() and NOTE in note.inner_text()
    assert value.input_value() == "45"  # kept in the page, greyed out
    page.fill("#protection_assisted_share-na_reason", "No victim was identified this year.")
    page.locator("#protection_assisted_share-na_reason").blur()
    site.wait_for(lambda s: _stored(site)(s) == (None, True), what="not applicable saved")

    box.uncheck()  # changed one's mind before leaving: the value comes back and is saved
    assert value.is_enabled() and value.input_value() == "45" and not note.is_visible()
    site.wait_for(lambda s: _stored(site)(s) == (45, False), what="45 saved again")

    box.check()
    site.wait_for(lambda s: _stored(site)(s) == (None, True), what="not applicable again")
    page.reload()
    assert box.is_checked() and value.is_disabled() and note.is_visible()


def test_without_javascript_the_note_shows_once_the_box_is_ticked(site: Site, new_context):
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, site, site.respondent)
    _open_protection(page, site)
    note = page.locator("#protection_assisted_share-na-note")
    assert not note.is_visible()
    page.fill("#protection_assisted_share", "45")
    page.check("#protection_assisted_share-na")
    assert note.is_visible() and NOTE in note.inner_text()
