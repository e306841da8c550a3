"""Keyboard focus never goes behind the sticky save bar of an area page (a wide window): the
page scrolls the focused field, the carried-over answer's tick box among them, above the bar."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Site, sign_in

pytestmark = pytest.mark.browser

# Carried-over answers: each brings its "The answer carried over is still correct" tick box.
CARRIED = {
    "legal_tip_offence": "yes",
    "legal_instruments": ["untoc"],
    "legal_framework_status": "draft",
    "protection_shelters": 4,
    "protection_focal_point": "Ministry of Justice",
}

# The focused element and the bar, where they meet: each outline (3 px, 2 px from the element)
# must stay clear of the bar.
COVERED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const bar = document.querySelector(".save-bar");
  if (bar.contains(element)) return {inBar: true};
  const box = element.getBoundingClientRect(), barBox = bar.getBoundingClientRect();
  return {
    name: element.id || element.name || element.textContent.trim().slice(0, 40),
    where: {top: box.top, bottom: box.bottom, barTop: barBox.top},
    covered: box.bottom + 5 > barBox.top && box.top < barBox.bottom,
  };
}"""


def started_with_carried_answers(site: Site) -> int:
    from surveys.accounts.models import User
    from surveys.countries.models import Country
    from surveys.responses.models import Answer
    from surveys.responses.operations import start_submission
    from surveys.rounds.models import Round

    def build(session):
        import sqlalchemy as sa

        respondent = session.scalar(sa.select(User).where(User.email == site.respondent))
        submission = start_submission(
            session.get(Round, site.round_id), session.get(Country, site.niger_id), actor=respondent
        )
        for question_id, value in CARRIED.items():
            session.add(
                Answer(
                    submission_id=submission.id,
                    question_id=question_id,
                    value=value,
                    carried_over=True,
                )
            )
        session.commit()
        return submission.id

    return site.query(build)


@pytest.mark.parametrize(
    ("javascript", "width"),
    [(True, 1280), (False, 1280), (True, 720)],
    ids=["js", "nojs", "js-two-rows"],  # 720 px: the bar's buttons wrap, the script measures it
)
def test_tabbing_through_an_area_page_keeps_each_focused_field_above_the_save_bar(
    site: Site, new_context, javascript: bool, width: int
) -> None:
    submission = started_with_carried_answers(site)
    context = new_context(java_script_enabled=javascript, viewport={"width": width, "height": 600})
    page = context.new_page()
    sign_in(page, site, site.respondent)
    for area in ("legal", "protection"):
        page.goto(site.url(f"/submissions/{submission}/areas/{area}"))
        assert page.locator(".save-bar").evaluate("bar => getComputedStyle(bar).position") == (
            "sticky"
        )
        if width < 1000:
            assert page.locator(".save-bar").evaluate("bar => bar.offsetHeight") > 90
        stops, hidden, confirm_boxes = 0, [], 0
        for _ in range(400):
            page.keyboard.press("Tab")
            found = page.evaluate(COVERED)
            if found is None:
                break
            if found.get("inBar"):
                continue
            stops += 1
            confirm_boxes += found["name"].endswith("-confirm")
            if found["covered"]:
                hidden.append((found["name"], found["where"]))
        assert stops > 20, (area, stops)
        assert confirm_boxes >= 2, area  # the carried-over answers' tick boxes were reached
        assert not hidden, f"{area}: {len(hidden)} of {stops} focus stops behind the bar: {hidden}"
