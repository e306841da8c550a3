"""Submitting and validating store a score snapshot of the answers as they were."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from surveys.results.models import ScoreSnapshot
from surveys.review import workflow
from surveys.scoring import scorecard_from_dict
from tests.review.builders import build_scenario, stub_completeness


@pytest.fixture
def scenario(create_country, create_user, create_version, create_round):
    return build_scenario(create_country, create_user, create_version, create_round)


def test_submit_then_validate_store_one_snapshot_each(db, scenario, create_submission, monkeypatch):
    stub_completeness(monkeypatch, [])
    draft = create_submission(scenario.round, scenario.niger, {"legal_tip_offence": "yes"})
    workflow.submit(draft, scenario.respondent)
    db.session.commit()
    workflow.validate(draft, scenario.coordinator)
    db.session.commit()

    snapshots = db.session.scalars(
        sa.select(ScoreSnapshot)
        .where(ScoreSnapshot.submission_id == draft.id)
        .order_by(ScoreSnapshot.id)
    ).all()
    assert [s.trigger for s in snapshots] == ["submitted", "validated"]
    card = scorecard_from_dict(snapshots[-1].result)
    assert card.question("legal_tip_offence").score == 1
    assert snapshots[-1].definition_sha256 == scenario.round.version.sha256
