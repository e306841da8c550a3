"""The statistics area on a 390 × 844 phone: the respondent's table and the coordinator's review
(this round beside the previous one) scroll inside their boxes; the page never scrolls sideways
(issue 12, points 2 and 3)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.browser.conftest import Site, sign_in
from tests.review.builders import COMPLETE_MINI_V1

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1}
TABLE = {
    "cells": {
        f"{row}|{year}|{column}": number
        for row in ("prosecuted", "victims_identified")
        for year in (2024, 2025)
        for column, number in (("female", 12), ("male", 5), ("total", 3))
    },
    "source": "Ministère de la Justice, rapport annuel",
}
SHOTS = os.environ.get("SCREENSHOT_DIR")


def _submissions(site: Site) -> int:
    """A validated submission of Niger in an earlier round, and a draft in the site's round; the
    draft's id."""
    from surveys.columns import utcnow
    from surveys.responses.models import Answer, Submission
    from surveys.rounds.models import Round, RoundCountry

    def build(session):
        current = session.get(Round, site.round_id)
        now = utcnow()
        earlier = Round(
            questionnaire_version_id=current.questionnaire_version_id,
            period_label="2025-H2",
            opens_at=now - timedelta(days=300),
            closes_at=now - timedelta(days=200),
        )
        earlier.participants = [RoundCountry(country_id=site.niger_id)]
        session.add(earlier)
        session.flush()
        ids = []
        for round_, status in ((earlier, "validated"), (current, "draft")):
            submission = Submission(round_id=round_.id, country_id=site.niger_id, status=status)
            session.add(submission)
            session.flush()
            for question_id, value in {**COMPLETE_MINI_V1, "protection_statistics": TABLE}.items():
                session.add(
                    Answer(submission_id=submission.id, question_id=question_id, value=value)
                )
            ids.append(submission.id)
        session.commit()
        return ids[1]

    return site.query(build)


def _widths(page) -> dict:
    return page.evaluate(
        """() => {
          const box = document.querySelector('.table-scroll');
          return {
            page: document.documentElement.scrollWidth,
            viewport: window.innerWidth,
            box: box.clientWidth,
            table: box.scrollWidth,
          };
        }"""
    )


def test_the_statistics_area_fits_a_phone(site, new_context):
    draft_id = _submissions(site)
    page = new_context(**PHONE).new_page()
    sign_in(page, site, site.respondent)
    page.goto(site.url(f"/submissions/{draft_id}/areas/protection"))
    page.locator("#protection_statistics-prosecuted-2024-female").scroll_into_view_if_needed()
    widths = _widths(page)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/respondent-390.png", full_page=False)
    assert widths["viewport"] == 390
    assert widths["page"] <= widths["viewport"], widths
    assert widths["table"] > widths["box"]  # the table scrolls inside its own box
    # The row label stays in view when the table is scrolled to its last column.
    page.evaluate("document.querySelector('.table-scroll').scrollLeft = 10000")
    label = page.locator("#protection_statistics-h-prosecuted").bounding_box()
    assert label is not None and label["x"] >= 0

    from surveys.responses.models import Submission

    site.query(
        lambda s: (
            s.execute(
                sa.update(Submission).where(Submission.id == draft_id).values(status="submitted")
            ),
            s.commit(),
        )
    )
    review = new_context(**PHONE).new_page()
    sign_in(review, site, site.coordinator)
    review.goto(site.url(f"/review/submissions/{draft_id}"))
    assert review.locator(".review-stats").count() == 2  # this round and the previous one
    review.locator(".review-stats").first.scroll_into_view_if_needed()
    widths = _widths(review)
    if SHOTS:
        review.screenshot(path=f"{SHOTS}/review-390.png", full_page=False)
    assert widths["page"] <= widths["viewport"], widths
    # The figures are a table, not a run-on sentence.
    assert "2025 Female: 12" not in review.content()
    assert review.locator(".review-stats tbody tr").count() == 4
