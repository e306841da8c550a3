"""The export demo step archives closed rounds once."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from surveys.demo import DemoOutput
from surveys.demo.export import load_demo
from surveys.export.models import ArchivedWorkbook
from tests.conftest import MINI_V1


def test_closed_rounds_are_archived_once(
    create_version, create_country, create_round, create_submission, db
):
    version = create_version(MINI_V1)
    niger = create_country("NE", "NER", "Niger", "Niger")
    closed = create_round(
        version, [niger], period="2025", opens_in=timedelta(days=-90), closes_in=timedelta(days=-1)
    )
    create_round(version, [niger], period="2026")  # still open: not archived
    create_submission(closed, niger, {"legal_tip_offence": "yes"}, "validated")
    out = DemoOutput()
    load_demo(out)
    db.session.commit()
    load_demo(out)
    db.session.commit()
    stored = db.session.scalars(sa.select(ArchivedWorkbook)).all()
    assert sorted((a.round_id, a.language) for a in stored) == [
        (closed.id, "en"),
        (closed.id, "fr"),
    ]
    assert out.lines == ["Archived the 2025 scorecard (2 files)."]
