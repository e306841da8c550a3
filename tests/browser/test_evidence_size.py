"""An evidence file over the size limit is refused in the page when chosen (issue: the post used
to be refused whole by the server, typed answers and all, with the bare 'File too large' page):
a message next to the file input names the file, its size and the limit; the file is taken out
of the form, so saving keeps the answers; a file within the limit is still sent."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from tests.browser.conftest import Site, sign_in, submission_id

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("SCREENSHOT_DIR")
MB = 1024 * 1024


def _stored(site: Site):
    from surveys.responses.models import Answer, Evidence

    def read(session):
        sub = submission_id(site)
        notes = session.scalar(
            sa.select(Answer.value).where(
                Answer.submission_id == sub, Answer.question_id == "legal_notes"
            )
        )
        files = session.scalars(
            sa.select(Evidence.filename).where(Evidence.submission_id == sub)
        ).all()
        return notes, sorted(files)

    return site.query(read)


@pytest.mark.parametrize(
    ("who", "width", "message"),
    [
        ("respondent", 1280, "report.pdf is 14.2 MB; the limit is 10 MB. Choose a smaller file"),
        (
            "respondent_fr",
            390,
            "report.pdf pèse 14,2\u00a0Mo\u202f; la limite est de 10\u00a0Mo. Choisissez",
        ),
    ],
)
def test_a_file_over_the_limit_is_refused_before_sending(site, new_context, who, width, message):
    assert site.app.config["MAX_UPLOAD_MB"] == 10
    page = new_context(viewport={"width": width, "height": 844}).new_page()
    sign_in(page, site, getattr(site, who))
    page.goto(site.url(f"/rounds/{site.round_id}/countries/{site.niger_id}/answers"))
    with page.expect_navigation():
        page.click("#start-form button[type=submit]")
    page.goto(site.url(f"/submissions/{submission_id(site)}/areas/legal"))
    # Typed into the field that keeps the focus: autosave has not sent it when the file is chosen.
    page.fill("#legal_notes", "Decree of 2024, see the scan")
    page.locator("#legal_notes-evidence").evaluate("e => e.closest('details').open = true")
    big = {
        "name": "report.pdf",
        "mimeType": "application/pdf",
        "buffer": b"%PDF-1.7\n" * (int(14.2 * MB) // 9),
    }
    page.set_input_files("#legal_notes-evidence", big)

    error = page.locator("#legal_notes-evidence-sizeerror")
    error.wait_for()
    assert message in error.inner_text()  # French: no line break before "Mo" or ";"
    assert page.locator("#legal_notes-evidence").evaluate("e => e.files.length") == 0
    assert page.get_attribute("#legal_notes-evidence", "aria-describedby") == (
        "legal_notes-evidence-sizeerror"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if SHOTS:
        error.scroll_into_view_if_needed()
        page.screenshot(path=f"{SHOTS}/evidence-too-large-{width}.png")

    with page.expect_navigation():
        page.click("button[name=goto][value=legal]")
    assert page.locator("main h1").inner_text() != "413"
    assert _stored(site) == ("Decree of 2024, see the scan", [])

    # A file within the limit: no message, and it is sent with the form.
    page.locator("#legal_notes-evidence").evaluate("e => e.closest('details').open = true")
    small = {"name": "decree.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n%ok\n"}
    page.set_input_files("#legal_notes-evidence", small)
    assert page.locator("#legal_notes-evidence-sizeerror").count() == 0
    with page.expect_navigation():
        page.click("button[name=goto][value=legal]")
    assert _stored(site) == ("Decree of 2024, see the scan", ["decree.pdf"])


@pytest.mark.parametrize("width", [1280, 390])
def test_without_javascript_the_server_answers_with_the_area_page(site, new_context, width):
    """The same file from a browser without JavaScript reaches the server, which refuses the
    request before reading it: the browser still shows the area page, saying nothing was saved
    and naming the limit, with the form to type the changes again."""
    site.app.config["MAX_UPLOAD_MB"] = 1
    site.app.config["MAX_CONTENT_LENGTH"] = 2 * MB
    scripted = new_context().new_page()
    sign_in(scripted, site, site.respondent)
    scripted.goto(site.url(f"/rounds/{site.round_id}/countries/{site.niger_id}/answers"))
    with scripted.expect_navigation():
        scripted.click("#start-form button[type=submit]")
    page = scripted.context.browser.new_context(
        java_script_enabled=False,
        viewport={"width": width, "height": 844},
        storage_state=scripted.context.storage_state(),
    ).new_page()
    try:
        page.goto(site.url(f"/submissions/{submission_id(site)}/areas/legal"))
        page.fill("#legal_notes", "Typed without JavaScript")
        page.locator("#legal_notes-evidence").evaluate("e => e.closest('details').open = true")
        big = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"\0" * (3 * MB)}
        page.set_input_files("#legal_notes-evidence", big)
        with page.expect_navigation():
            page.click("button[name=goto][value=legal]")
        summary = page.locator("#error-summary")
        text = summary.inner_text().replace("\xa0", " ")
        assert "Nothing on this page was saved" in text
        assert "more than 1 MB, the most one file may weigh" in text
        assert page.locator("#area-form").count() == 1
        assert _stored(site) == (None, [])
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/evidence-413-nojs-{width}.png")
    finally:
        page.context.close()
