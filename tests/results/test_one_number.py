"""The same number in two places is equal: the results pages against each other after the
situations that used to split them (a scoring change, 4-decimal scores)."""

from __future__ import annotations

import re

import pytest

from surveys.results.operations import snapshot_submission
from surveys.roles import Role
from tests.results.conftest import STRONG, WEAK


@pytest.fixture
def analyst(create_user, login):
    user = create_user(Role.ANALYST)
    login(user)
    return user


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _row(html: str, country: str) -> str:
    for row in re.findall(r"<tr>.*?</tr>", html, flags=re.S):
        text = _text(row).strip()
        if text.startswith(country):
            return text
    raise AssertionError(f"no row for {country}")


def test_after_a_scoring_change_the_answers_page_shows_the_overviews_number(
    client, analyst, scored_round, db
):
    """A snapshot taken by earlier scoring rules (`surveys scores recompute` lists it) is not
    shown by the overview, which scores the answers under today's rules; the answers page that
    each of its numbers links to showed the old snapshot's numbers instead."""
    round_, _, subs = scored_round({"NE": (STRONG, "validated"), "ML": (WEAK, "submitted")})
    older = snapshot_submission(subs["ML"], "submitted")
    # Taken by an earlier scoring code, whose rules gave other numbers.
    result = dict(older.result)
    result["scoring_version"] = "0"
    result["overall"] = {**result["overall"], "value": "33.33"}
    result["areas"] = [{**a, "value": "33.33"} for a in result["areas"]]
    older.scoring_version = "0"
    older.result = result
    db.session.commit()

    overview = _row(client.get(f"/results/rounds/{round_.id}").text, "Country ML")
    assert "12.86" in overview and "22.50" in overview and "33.33" not in overview
    for url in (
        f"/results/submissions/{subs['ML'].id}",
        f"/results/submissions/{subs['ML'].id}/areas/legal",
    ):
        page = _text(client.get(url).text)
        assert "33.33" not in page, url
        assert "22.50" in page, url
        assert "scoring rules version 0" not in page, url
    page = _text(client.get(f"/results/submissions/{subs['ML'].id}").text)
    assert "Overall index: 12.86" in page
    assert "earlier rules (version 0)" in page  # says why the stored scores are not shown
    dimensions = client.get(f"/results/submissions/{subs['ML'].id}/dimensions")
    assert dimensions.status_code == 200
