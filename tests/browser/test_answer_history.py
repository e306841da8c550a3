"""The history of a statistics answer reads one line per row of figures, and on a phone every
column (the comment, what happened) is in view, each cell under its column's name."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.browser.conftest import Site, sign_in

pytestmark = pytest.mark.browser

FIGURES = {
    "cells": {
        "prosecuted|2024|female": 3,
        "prosecuted|2024|male": 9,
        "victims_identified|2024|female": 41,
        "victims_identified|2025|male": 12,
    },
    "source": "Ministry of Justice annual returns",
}
COMMENT = "Figures of the ministry, checked with the police"


def saved_statistics(site: Site) -> int:
    from surveys.accounts.models import User
    from surveys.countries.models import Country
    from surveys.responses.fields import AnswerInput
    from surveys.responses.operations import save_area, start_submission
    from surveys.rounds.models import Round

    def save(session):
        respondent = session.scalar(sa.select(User).where(User.email == site.respondent))
        submission = start_submission(
            session.get(Round, site.round_id),
            session.get(Country, site.niger_id),
            actor=respondent,
        )
        save_area(
            submission,
            "protection",
            {"protection_statistics": AnswerInput(FIGURES, comment=COMMENT)},
            actor=respondent,
            lock_version=submission.lock_version,
        )
        session.commit()
        return submission.id

    return site.query(save)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_statistics_answers_history_is_readable(site: Site, new_context, width: int) -> None:
    submission = saved_statistics(site)
    page = new_context(viewport={"width": width, "height": 800}).new_page()
    sign_in(page, site, site.respondent)
    page.goto(site.url(f"/submissions/{submission}/questions/protection_statistics/history"))
    row = page.locator("main tbody tr").first
    answer = row.locator("td").nth(2)
    lines = [line for line in answer.inner_text().splitlines() if line.strip()]
    # One line per row of the table and one for the source, not one unbroken block.
    assert len(lines) >= 3, lines
    assert lines[0].startswith("Persons prosecuted"), lines
    assert any(line.startswith("Victims identified") for line in lines), lines
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for column, text in ((3, COMMENT), (4, "Saved")):
        cell = row.locator("td").nth(column)
        assert cell.inner_text().strip().endswith(text)
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (column, box)
        # Wide enough to read: not squeezed into a sliver beside the figures.
        assert box["width"] >= min(width * 0.6, 80), (column, box)
    if width < 640:  # stacked: each cell under its column's name
        assert "Comment" in row.locator("td").nth(3).evaluate(
            "cell => getComputedStyle(cell, '::before').content"
        )
