"""The demo answers: the closed v1 round filled in, reviewed and varied; open-round drafts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from surveys.audit.models import AuditEvent
from surveys.countries.models import Country
from surveys.demo import DemoOutput
from surveys.demo import responses as responses_demo
from surveys.demo.rounds import closed_demo_round, open_demo_round
from surveys.responses.models import Answer, AnswerRevision, Submission
from surveys.review.models import ReviewQuery
from surveys.rounds.models import Round


def load_prerequisites(create_round_pair: bool = True) -> None:
    from surveys.demo import accounts as accounts_demo
    from surveys.demo import countries as countries_demo
    from surveys.demo import questionnaire as questionnaire_demo
    from surveys.extensions import db

    out = DemoOutput()
    for step in (countries_demo, questionnaire_demo, accounts_demo):
        step.load_demo(out)
        db.session.commit()
    if create_round_pair:
        _rounds()


def _rounds() -> None:
    """The two rounds of the rounds demo step (closed on v1, open on the newest version)."""
    from surveys.demo import rounds as rounds_demo
    from surveys.extensions import db

    rounds_demo.load_demo(DemoOutput())
    db.session.commit()


def closed_period() -> str:
    return closed_demo_round().period_label


def open_period() -> str:
    return open_demo_round().period_label


@pytest.fixture(autouse=True)
def _logins_file_in_tmp(monkeypatch, tmp_path):
    """The accounts demo writes its logins file; keep it out of the real instance folder."""
    from surveys.demo import accounts as accounts_demo

    monkeypatch.setattr(accounts_demo, "demo_logins_path", lambda: tmp_path / "demo-logins.txt")


@pytest.fixture
def loaded(db):
    load_prerequisites()
    out = DemoOutput()
    responses_demo.load_demo(out)
    db.session.commit()
    return out


def statuses(db, period: str) -> dict[str, str]:
    rows = db.session.execute(
        sa.select(Country.iso2, Submission.status)
        .join(Submission, Submission.country_id == Country.id)
        .join(Round, Round.id == Submission.round_id)
        .where(Round.period_label == period)
    )
    return dict(rows.all())


def test_the_closed_round_is_filled_in_by_every_country(db, loaded):
    closed = statuses(db, closed_period())
    assert len(closed) == 16
    assert closed["MR"] == "returned"
    assert closed["GN"] == "draft"
    assert sum(1 for s in closed.values() if s == "validated") == 14
    assert any("14 validated" in line for line in loaded.lines)


def test_the_returned_submission_has_queries_one_answered(db, loaded):
    queries = db.session.scalars(sa.select(ReviewQuery)).all()
    on_questions = [q for q in queries if q.question_id]
    assert {q.question_id for q in on_questions} == {
        "stats_criminal_justice",
        "legal_som_migrant_non_liability",
    }
    assert sum(1 for q in queries if q.response) == 1
    assert not any(q.resolved for q in queries)


def test_answers_are_varied_and_realistic(db, loaded):
    answers = db.session.scalars(sa.select(Answer)).all()
    assert sum(1 for a in answers if a.not_applicable and a.na_justification) >= 6
    assert sum(1 for a in answers if a.comment) >= 20
    statistics = [a for a in answers if a.question_id == "stats_criminal_justice" and a.value]
    assert statistics and all(a.value["source"] and a.value["definition"] for a in statistics)
    niger = db.session.scalar(sa.select(Country).where(Country.iso2 == "NE"))
    niger_v1 = {
        a.question_id: a
        for a in answers
        if a.submission.country_id == niger.id and a.submission.round_id == closed_demo_round().id
    }
    assert niger_v1["legal_som_law_change_kind"].value == "repeal"
    assert "2010-86" in niger_v1["legal_tip_law_reference"].value
    # Countries answer differently: no question has the same answer everywhere.
    shelters = {str(a.value) for a in answers if a.question_id == "prot_referral_mechanism"}
    assert len(shelters) >= 3


def test_validated_history_sits_inside_the_rounds_dates(db, loaded):
    for submission in db.session.scalars(
        sa.select(Submission).where(Submission.status == "validated")
    ):
        assert submission.round.opens_at < submission.submitted_at < submission.validated_at


def test_the_open_round_has_drafts_prefilled_from_the_closed_one(db, loaded):
    drafts = statuses(db, open_period())
    assert drafts == {"NE": "draft", "SN": "draft", "IT": "draft"}
    senegal = db.session.scalar(
        sa.select(Submission)
        .join(Round)
        .join(Country)
        .where(Round.id == open_demo_round().id, Country.iso2 == "SN")
    )
    carried = [a for a in senegal.answers if a.carried_over]
    assert len(carried) > 20
    # The renamed question of v2 got the v1 answer through its `replaces` link.
    assert any(a.question_id == "border_sltd_checks" for a in senegal.answers)


def test_loading_twice_changes_nothing(db, loaded):
    def counts():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Submission, Answer, AnswerRevision, ReviewQuery, AuditEvent)
        )

    before = counts()
    out = DemoOutput()
    responses_demo.load_demo(out)
    db.session.commit()
    assert counts() == before
    assert out.lines == []


def test_without_rounds_the_step_says_it_skipped(db):
    load_prerequisites(create_round_pair=False)
    out = DemoOutput()
    responses_demo.load_demo(out)
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0
    assert "skipped" in out.lines[0]
