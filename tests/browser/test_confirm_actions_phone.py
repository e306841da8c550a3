"""A confirmation's "go back" link beside its button on a 390 px phone: it moves below the button
whole, never broken over two lines beside it ("Pas maintenant, / revenir")."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1}


@pytest.mark.parametrize(
    ("person", "back"), [("coordinator_fr", "Pas maintenant, revenir"), ("coordinator", "Not now")]
)
def test_the_go_back_link_of_a_confirmation_stays_on_one_line(site, new_context, person, back):
    page = new_context(**PHONE).new_page()
    sign_in(page, site, getattr(site, person))
    page.goto(site.url(f"/rounds/{site.round_id}/countries/{site.niger_id}/remind"))
    link = page.get_by_role("link", name=back)
    button = page.locator("main form button[type=submit]")
    box, button_box = link.bounding_box(), button.bounding_box()
    line = page.evaluate(
        """(link) => parseFloat(getComputedStyle(link).lineHeight)
                    || 1.2 * parseFloat(getComputedStyle(link).fontSize)""",
        link.element_handle(),
    )
    assert box is not None and button_box is not None
    assert box["height"] < 1.5 * line, (box, line)  # one line
    assert box["x"] + box["width"] <= 390  # within the screen
