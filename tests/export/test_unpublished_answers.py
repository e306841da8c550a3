"""A draft or returned submission is the country's work in progress: no workbook prints its
answers or figures. The trends workbook "with every answer" printed them, while the scorecard
workbook and the data API (`/api/v1/responses`) left them out."""

from __future__ import annotations

import re

import sqlalchemy as sa

from surveys.api.tokens import issue_api_token
from surveys.export.scorecard import build_scorecard
from surveys.export.trends import build_trends
from surveys.extensions import db
from surveys.responses.models import Answer, Submission
from surveys.rounds.submission_status import COUNTED_STATUSES
from tests.export.conftest import NIGER_ANSWERS
from tests.export.helpers import calamine_sheets, table


def _countries(rows: list[dict], period: str) -> set[str]:
    return {r["Country code"] for r in rows if r["Period"] == period}


def test_trends_with_every_answer_prints_the_same_submissions_as_the_scorecard(
    export_data, create_submission, create_user, login, client, app, tmp_path
):
    # Côte d'Ivoire answered everything, statistics included, then was returned for changes.
    create_submission(export_data.round, export_data.countries["CI"], NIGER_ANSWERS, "returned")
    trends = tmp_path / "trends.xlsx"
    build_trends("mini", "en", trends, with_responses=True)
    sheets = calamine_sheets(trends)
    scorecard = tmp_path / "scorecard.xlsx"
    build_scorecard(export_data.round.id, "en", scorecard)
    scorecard_sheets = calamine_sheets(scorecard)

    expected = {"NE", "ML"}  # validated and submitted; SN is a draft, CI returned
    for sheet in ("Responses", "Statistics"):
        printed = table(scorecard_sheets[sheet], "Round")
        assert {r["Country code"] for r in printed} <= expected, sheet
        assert _countries(table(sheets[sheet], "Round"), "2026") <= expected, sheet
    assert _countries(table(sheets["Responses"], "Round"), "2026") == expected
    assert {r["Country code"] for r in table(scorecard_sheets["Responses"], "Round")} == expected

    _, token = issue_api_token(create_user("analyst", email="api@example.org"), "tests", None)
    db.session.commit()
    response = app.test_client().get(
        f"/api/v1/responses?round={export_data.round.id}",
        headers={"Authorization": f"Bearer {token}"},
    )
    rows = response.get_json()["data"]
    assert {r["country"] for r in rows} == expected

    # The page offering the workbook sizes it by the answers it will print.
    login(create_user("analyst"))
    page = client.get("/exports/").get_data(as_text=True)
    printed = sa.select(sa.func.count(Answer.id)).join(
        Submission, Answer.submission_id == Submission.id
    )
    published = db.session.scalar(printed.where(Submission.status.in_(COUNTED_STATUSES)))
    assert re.search(rf"\b{published} answers\b", re.sub(r"<[^>]+>", " ", page))
