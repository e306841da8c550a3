"""Saving an area: revisions, per-question optimistic merging, conflicts, hidden questions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from surveys.responses.fields import AnswerInput
from surveys.responses.models import AnswerRevision
from surveys.responses.operations import (
    answer_fingerprint,
    answers_by_question,
    area_fingerprints,
    save_area,
)
from tests.responses.test_loading import counted


def revisions(db, submission, question_id):
    return list(
        db.session.scalars(
            sa.select(AnswerRevision)
            .where(
                AnswerRevision.submission_id == submission.id,
                AnswerRevision.question_id == question_id,
            )
            .order_by(AnswerRevision.id)
        )
    )


def shown_state(submission, area_id="legal"):
    """What a freshly loaded form carries: the version and the fingerprints it showed."""
    definition = submission.round.version.definition
    return submission.lock_version, area_fingerprints(
        definition.area(area_id), answers_by_question(submission)
    )


def test_a_save_stores_the_answer_writes_a_revision_and_bumps_the_version(db, world, started):
    version, base = shown_state(started)
    result = save_area(
        started,
        "legal",
        {"legal_tip_offence": AnswerInput("yes", comment="Law 2015-36")},
        actor=world.respondent,
        lock_version=version,
        base=base,
    )
    db.session.commit()

    assert result.saved == ["legal_tip_offence"] and not result.conflicts
    assert started.lock_version == version + 1 == result.lock_version
    answer = answers_by_question(started)["legal_tip_offence"]
    assert (answer.value, answer.comment, answer.updated_by_id) == (
        "yes",
        "Law 2015-36",
        world.respondent.id,
    )
    [revision] = revisions(db, started, "legal_tip_offence")
    assert (revision.value, revision.saved_by_id, revision.source) == (
        "yes",
        world.respondent.id,
        "saved",
    )


def test_saving_the_same_values_again_changes_nothing(db, world, started):
    version, base = shown_state(started)
    save_area(
        started,
        "legal",
        {"legal_tip_offence": AnswerInput("no")},
        actor=world.respondent,
        lock_version=version,
        base=base,
    )
    db.session.commit()
    version, base = shown_state(started)

    result = save_area(
        started,
        "legal",
        {"legal_tip_offence": AnswerInput("no")},
        actor=world.respondent,
        lock_version=version,
        base=base,
    )
    db.session.commit()

    assert not result.changed and started.lock_version == version
    assert len(revisions(db, started, "legal_tip_offence")) == 1


def test_a_stale_save_of_other_questions_is_merged(db, world, started):
    version, base = shown_state(started)
    # A colleague answers question 1 after both forms were loaded.
    save_area(
        started,
        "legal",
        {"legal_tip_offence": AnswerInput("yes")},
        actor=world.colleague,
        lock_version=version,
        base=base,
    )
    db.session.commit()

    # The respondent's stale form still shows question 1 empty and changes question 3 only.
    result = save_area(
        started,
        "legal",
        {"legal_tip_offence": AnswerInput(None), "legal_framework_status": AnswerInput("draft")},
        actor=world.respondent,
        lock_version=version,
        base=base,
    )
    db.session.commit()

    assert result.stale and not result.conflicts
    answers = answers_by_question(started)
    assert answers["legal_tip_offence"].value == "yes"  # the colleague's answer stands
    assert answers["legal_framework_status"].value == "draft"


def test_a_stale_save_of_the_same_question_is_a_conflict_and_keeps_both_values(db, world, started):
    version, base = shown_state(started)
    save_area(
        started,
        "legal",
        {"legal_notes": AnswerInput("Theirs")},
        actor=world.colleague,
        lock_version=version,
        base=base,
    )
    db.session.commit()

    result = save_area(
        started,
        "legal",
        {"legal_notes": AnswerInput("Mine")},
        actor=world.respondent,
        lock_version=version,
        base=base,
    )
    db.session.commit()

    [conflict] = result.conflicts
    assert conflict.question.id == "legal_notes"
    assert answers_by_question(started)["legal_notes"].value == "Theirs"
    kept = [(r.value, r.source, r.saved_by_id) for r in revisions(db, started, "legal_notes")]
    assert kept == [
        ("Theirs", "saved", world.colleague.id),
        ("Mine", "conflict", world.respondent.id),
    ]


def test_a_save_without_fingerprints_on_a_stale_version_never_overwrites(db, world, started):
    version, base = shown_state(started)
    save_area(
        started,
        "legal",
        {"legal_notes": AnswerInput("Theirs")},
        actor=world.colleague,
        lock_version=version,
        base=base,
    )
    db.session.commit()

    result = save_area(
        started,
        "legal",
        {"legal_notes": AnswerInput("Mine")},
        actor=world.respondent,
        lock_version=version,
        base=None,
    )

    assert [c.question.id for c in result.conflicts] == ["legal_notes"]
    assert answers_by_question(started)["legal_notes"].value == "Theirs"


def test_a_question_hidden_by_the_new_answers_loses_its_value_but_keeps_its_history(
    db, world, started
):
    version, base = shown_state(started)
    save_area(
        started,
        "legal",
        {"legal_tip_offence": AnswerInput("yes"), "legal_strategy_maturity": AnswerInput(3)},
        actor=world.respondent,
        lock_version=version,
        base=base,
    )
    db.session.commit()
    version, base = shown_state(started)

    save_area(
        started,
        "legal",
        {"legal_tip_offence": AnswerInput("no"), "legal_strategy_maturity": AnswerInput(3)},
        actor=world.respondent,
        lock_version=version,
        base=base,
    )
    db.session.commit()

    assert answers_by_question(started)["legal_strategy_maturity"].value is None
    history = [(r.value, r.source) for r in revisions(db, started, "legal_strategy_maturity")]
    assert history == [(3, "saved"), (None, "hidden")]


def test_not_applicable_is_ignored_where_the_definition_does_not_allow_it(db, world, started):
    version, base = shown_state(started)
    save_area(
        started,
        "legal",
        {"legal_tip_offence": AnswerInput("yes", not_applicable=True, na_justification="x")},
        actor=world.respondent,
        lock_version=version,
        base=base,
    )
    answer = answers_by_question(started)["legal_tip_offence"]
    assert (answer.value, answer.not_applicable, answer.na_justification) == ("yes", False, "")


def test_not_applicable_drops_the_value_where_allowed(db, world, started):
    version, base = shown_state(started, "protection")
    save_area(
        started,
        "protection",
        {
            "protection_assisted_share": AnswerInput(
                40.0, not_applicable=True, na_justification="No victims identified"
            )
        },
        actor=world.respondent,
        lock_version=version,
        base=base,
    )
    answer = answers_by_question(started)["protection_assisted_share"]
    assert (answer.value, answer.not_applicable) == (None, True)
    assert answer.na_justification == "No victims identified"


def test_fingerprints_ignore_surrounding_blanks_but_see_comments():
    assert answer_fingerprint(AnswerInput("a", comment=" x ")) == answer_fingerprint(
        AnswerInput("a", comment="x")
    )
    assert answer_fingerprint(AnswerInput("a")) != answer_fingerprint(AnswerInput("a", comment="x"))
    assert answer_fingerprint(None) == answer_fingerprint(AnswerInput(""))


def test_a_whole_number_stored_as_7_0_is_the_same_answer_as_the_7_a_form_posts(db, world, started):
    """Found by the load test: a carried-over decimal (7.0) came back from the form as 7, was
    written again on every autosave of its area, and turned colleagues' stale saves there
    into conflicts."""
    from surveys.responses.models import Answer

    db.session.add(Answer(submission_id=started.id, question_id="protection_budget", value=7.0))
    db.session.commit()
    assert answer_fingerprint(AnswerInput(7)) == answer_fingerprint(AnswerInput(7.0))
    version, base = shown_state(started, "protection")
    result = save_area(
        started,
        "protection",
        {"protection_budget": AnswerInput(7)},
        actor=world.respondent,
        lock_version=version,
        base=base,
    )
    assert result.saved == [] and revisions(db, started, "protection_budget") == []


def test_ticked_options_in_another_order_are_the_same_answer(db, world, started):
    """Found by the load test: a carried-over multiple choice stored as ["b", "a"] came back from
    the form as ["a", "b"] and was written again, so colleagues' stale saves of that area got
    conflicts on a question nobody had touched."""
    from surveys.responses.models import Answer

    db.session.add(
        Answer(
            submission_id=started.id,
            question_id="legal_instruments",
            value=["tip_protocol", "untoc"],
        )
    )
    db.session.commit()
    version, base = shown_state(started)
    result = save_area(
        started,
        "legal",
        {"legal_instruments": AnswerInput(["untoc", "tip_protocol"])},
        actor=world.respondent,
        lock_version=version - 1,  # stale, as a colleague's post would be
        base=base,
    )
    assert result.saved == [] and result.conflicts == []
    assert revisions(db, started, "legal_instruments") == []


def _save_legal(started, answers: dict[str, AnswerInput], actor, version: int, base: dict):
    """A save of the legal area by `actor`, on the form state (version, base) they were shown."""
    return save_area(started, "legal", answers, actor=actor, lock_version=version, base=base)


def _answered(db, world, started) -> tuple[int, dict]:
    """Two questions answered and committed: the next save changes stored answers."""
    version, base = shown_state(started)
    _save_legal(
        started,
        {"legal_tip_offence": AnswerInput("yes"), "legal_framework_status": AnswerInput("draft")},
        world.respondent,
        version,
        base,
    )
    db.session.commit()
    return shown_state(started)


def _writes(statements: list[str]) -> list[str]:
    return [s for s in statements if not s.lstrip().upper().startswith("SELECT")]


def test_changes_to_stored_answers_bump_write_and_record_in_one_statement_on_postgresql(
    db, world, started
):
    version, base = _answered(db, world, started)
    with counted(db) as statements:
        result = _save_legal(
            started,
            {
                "legal_tip_offence": AnswerInput("no", comment="repealed"),
                "legal_framework_status": AnswerInput("adopted"),
            },
            world.colleague,
            version,
            base,
        )
    db.session.commit()

    # The version bump, both answers and both revisions: one statement on PostgreSQL; SQLite
    # has no data-modifying WITH, and takes three (the bump, the answers, the revisions).
    writes = _writes(statements)
    assert len(writes) == (1 if db.engine.dialect.name == "postgresql" else 3), writes
    assert sorted(result.saved) == ["legal_framework_status", "legal_tip_offence"]
    db.session.expire_all()
    assert started.lock_version == version + 1 == result.lock_version
    answers = answers_by_question(started)
    assert (answers["legal_tip_offence"].value, answers["legal_tip_offence"].comment) == (
        "no",
        "repealed",
    )
    assert answers["legal_framework_status"].value == "adopted"
    assert answers["legal_framework_status"].updated_by_id == world.colleague.id
    for question_id, values in (
        ("legal_tip_offence", ["yes", "no"]),
        ("legal_framework_status", ["draft", "adopted"]),
    ):
        history = revisions(db, started, question_id)
        assert [r.value for r in history] == values
        assert (history[-1].saved_by_id, history[-1].based_on_version) == (
            world.colleague.id,
            version,
        )


def test_a_save_that_lost_the_race_writes_nothing_and_is_merged_again(db, world, started):
    version, base = _answered(db, world, started)
    # A colleague's save lands between this request's read and its write.
    with db.engine.begin() as elsewhere:
        elsewhere.execute(
            sa.text("UPDATE submissions SET lock_version = lock_version + 1 WHERE id = :id"),
            {"id": started.id},
        )
    counts = sa.select(
        sa.select(sa.func.count()).select_from(AnswerRevision).scalar_subquery(),
        sa.select(sa.func.max(sa.literal_column("lock_version")))
        .select_from(sa.table("submissions"))
        .scalar_subquery(),
    )
    with pytest.raises(StaleDataError):
        _save_legal(
            started, {"legal_tip_offence": AnswerInput("no")}, world.respondent, version, base
        )
    # Inside the same transaction, before the caller rolls back: not a row written.
    assert db.session.execute(counts).one() == (2, version + 1)
    assert db.session.scalar(
        sa.text("SELECT value FROM answers WHERE question_id = 'legal_tip_offence'")
    ) in ("yes", '"yes"')
    db.session.rollback()


def test_a_save_of_more_answers_than_one_statement_takes_writes_them_all(
    db, world, started, monkeypatch
):
    from surveys.responses.operations import _Rows

    monkeypatch.setattr(_Rows, "ONE_STATEMENT_ANSWERS", 1)
    version, base = _answered(db, world, started)
    with counted(db) as statements:
        result = _save_legal(
            started,
            {
                "legal_tip_offence": AnswerInput("no"),
                "legal_framework_status": AnswerInput("adopted"),
            },
            world.colleague,
            version,
            base,
        )
    db.session.commit()

    assert len(_writes(statements)) == 3, statements  # the bump, answers, revisions
    assert started.lock_version == version + 1 == result.lock_version
    answers = answers_by_question(started)
    assert [answers[q].value for q in ("legal_tip_offence", "legal_framework_status")] == [
        "no",
        "adopted",
    ]
    assert [r.value for r in revisions(db, started, "legal_framework_status")] == [
        "draft",
        "adopted",
    ]
