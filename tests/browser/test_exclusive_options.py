"""An exclusive option ("none of these") in the page: ticking it unticks the other options,
ticking another unticks it, and autosave stores the boxes as they end up; the question with its
new forms fits a 390 px phone (issue 12, point 6)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.browser.conftest import Site, sign_in

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("SCREENSHOT_DIR")


def _forms_draft(site: Site) -> int:
    """A round of the forms questionnaire for Niger, with a draft; the draft's id."""
    from surveys.columns import utcnow
    from surveys.questionnaire.loader import load_definition
    from surveys.questionnaire.models import PUBLISHED, Questionnaire, QuestionnaireVersion
    from surveys.questionnaire.serialize import definition_hash, to_canonical_json
    from surveys.responses.models import Submission
    from surveys.rounds.models import Round, RoundCountry
    from tests.conftest import FORMS_V1

    def build(session):
        definition = load_definition(FORMS_V1)
        now = utcnow()
        version = QuestionnaireVersion(
            questionnaire=Questionnaire(key=definition.key),
            version=definition.version,
            definition_json=to_canonical_json(definition),
            sha256=definition_hash(definition),
            source_name=FORMS_V1.name,
            status=PUBLISHED,
            published_at=now,
        )
        session.add(version)
        session.flush()
        round_ = Round(
            questionnaire_version_id=version.id,
            period_label="2026-H2 forms",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=30),
        )
        round_.participants = [RoundCountry(country_id=site.niger_id)]
        session.add(round_)
        session.flush()
        submission = Submission(round_id=round_.id, country_id=site.niger_id, status="draft")
        session.add(submission)
        session.commit()
        return submission.id

    return site.query(build)


def _stored(site: Site, draft_id: int, question_id: str):
    from surveys.responses.models import Answer

    return site.query(
        lambda s: s.scalar(
            sa.select(Answer.value).where(
                Answer.submission_id == draft_id, Answer.question_id == question_id
            )
        )
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_none_of_these_unticks_the_others_and_autosave_keeps_it_alone(site, new_context, width):
    draft_id = _forms_draft(site)
    page = new_context(viewport={"width": width, "height": 844}).new_page()
    sign_in(page, site, site.respondent)
    page.goto(site.url(f"/submissions/{draft_id}/areas/capacity"))
    box = {
        v: page.locator(f"input[name=support_measures][value={v}]")
        for v in ("shelter", "legal_aid", "none")
    }
    box["shelter"].check()
    box["legal_aid"].check()
    site.wait_for(
        lambda s: _stored(site, draft_id, "support_measures") == ["shelter", "legal_aid"],
        what="the two options saved",
    )
    box["none"].check()
    assert not box["shelter"].is_checked() and not box["legal_aid"].is_checked()
    site.wait_for(
        lambda s: _stored(site, draft_id, "support_measures") == ["none"], what="'none' saved alone"
    )
    box["shelter"].check()
    assert not box["none"].is_checked()
    site.wait_for(
        lambda s: _stored(site, draft_id, "support_measures") == ["shelter"], what="'none' unticked"
    )
    # The other new forms on the same page: a "don't know" answer and a seven-level scale.
    page.locator("input[name=data_sharing][value=dont_know]").check()
    page.locator("input[name=training_maturity][value='6']").check()
    site.wait_for(
        lambda s: _stored(site, draft_id, "data_sharing") == "dont_know", what="don't know"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if SHOTS:
        page.locator("#q-support_measures").scroll_into_view_if_needed()
        page.screenshot(path=f"{SHOTS}/forms-{width}.png", full_page=True)
