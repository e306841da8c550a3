"""Several refused figures of a statistics table, in a real browser (issue p5, point 1): the
autosave flags every one of them below the table, each naming its cell; the valid figure and the
source are saved; the refused figures stay as typed, also after the page is loaded again."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.browser.conftest import sign_in, submission_id

pytestmark = pytest.mark.browser

Q = "protection_statistics"
TYPED = {
    "prosecuted-2025-female": "2",
    "prosecuted-2025-male": "abc",
    "prosecuted-2025-total": "-1",
    "victims_identified-2024-male": "x7",
}
REFUSED = [
    "2.5 Persons prosecuted, 2025, Male: Enter a number.",
    "2.5 Persons prosecuted, 2025, Total: Enter a number of at least 0.",
    "2.5 Victims identified, 2024, Male: Enter a number.",
]


def _table(session, submission: int) -> object:
    from surveys.responses.models import Answer

    return session.scalar(
        sa.select(Answer.value).where(Answer.submission_id == submission, Answer.question_id == Q)
    )


def _messages(page) -> list[str]:
    page.wait_for_function(
        "n => document.querySelectorAll('.table-scroll ~ .error-message').length >= n",
        arg=len(REFUSED),
    )
    return page.locator(".table-scroll ~ .error-message").all_inner_texts()


def test_the_autosave_flags_every_refused_figure_and_keeps_what_was_typed(site, new_context):
    page = new_context().new_page()
    sign_in(page, site, site.respondent)
    page.goto(site.url(f"/rounds/{site.round_id}/countries/{site.niger_id}/answers"))
    with page.expect_navigation():
        page.click("#start-form button[type=submit]")
    submission = submission_id(site)
    page.goto(site.url(f"/submissions/{submission}/areas/protection"))
    for cell, typed in TYPED.items():
        page.fill(f"#{Q}-{cell}", typed)
    page.fill(f"#{Q}-source", "Ministry of Justice")
    page.locator(f"#{Q}-source").blur()
    assert _messages(page) == REFUSED
    for cell in ("prosecuted-2025-male", "prosecuted-2025-total", "victims_identified-2024-male"):
        assert page.get_attribute(f"#{Q}-{cell}", "aria-invalid") == "true"
    assert page.get_attribute(f"#{Q}-prosecuted-2025-female", "aria-invalid") is None
    # Each message links to its cell.
    link = page.locator(".table-scroll ~ .error-message a").nth(2)
    assert link.get_attribute("href") == f"#{Q}-victims_identified-2024-male"
    # The autosave may store the figures before the source is typed: wait for the source.
    stored = site.wait_for(
        lambda s: (_table(s, submission) or {}).get("source") and _table(s, submission),
        what="the valid figure and the source saved",
    )
    assert stored["cells"] == {"prosecuted|2025|female": 2}
    assert stored["source"] == "Ministry of Justice"
    assert re.search("could not be saved", page.inner_text("#save-status"))

    # Loaded again: the refused figures are back as typed (kept on the device), sent again and
    # flagged again; the saved ones come from the server.
    page.reload()
    for cell, typed in TYPED.items():
        assert page.input_value(f"#{Q}-{cell}") == typed
    assert _messages(page) == REFUSED
    assert site.query(lambda s: _table(s, submission))["cells"] == {"prosecuted|2025|female": 2}
