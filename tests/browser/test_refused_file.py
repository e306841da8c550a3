"""A refused evidence file is named, with the types accepted; the error summary's link brings
the field into view with that message above it (the browser has emptied the file field)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Site, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_a_refused_file_is_named_beside_its_field(site: Site, new_context, width: int) -> None:
    page = new_context(viewport={"width": width, "height": 800}).new_page()
    sign_in(page, site, site.respondent)
    page.goto(site.url(f"/rounds/{site.round_id}/countries/{site.niger_id}/answers"))
    page.locator("main button[type=submit]").first.click()  # start
    page.wait_for_url("**/areas/legal")
    page.locator("#legal_tip_offence-evidence").set_input_files(
        files=[{"name": "script.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ\0"}]
    )
    page.locator(".save-bar button").first.click()
    page.wait_for_load_state()
    link = page.locator("#error-summary a")
    assert "“script.exe” was not attached" in link.inner_text()
    link.click()
    message = page.locator("#legal_tip_offence-evidence-error")
    message.wait_for()
    assert "“script.exe” was not attached" in message.inner_text()
    assert "Attach a PDF, an office document" in message.inner_text()
    box = message.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 800, box
