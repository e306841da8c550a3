"""The definition's validation rules applied to a submission: what the answers break now, the
respondent's explanations of warnings, and what still stops submitting.

The rules themselves are evaluated by the pure core (surveys.questionnaire.rules.check_answers);
this module only gathers the answers, the previous round's answers and the explanations.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext

from surveys.columns import utcnow
from surveys.extensions import db
from surveys.questionnaire.models import QuestionnaireVersion
from surveys.questionnaire.rules import (
    Failure,
    check_answers,
    failure_text,
    has_checks,
    reads_previous,
)
from surveys.questionnaire.schema import Definition
from surveys.responses.models import Answer, RuleExplanation, Submission
from surveys.rounds.models import Round
from surveys.rounds.submission_status import COUNTED_STATUSES

EXPLANATION_MAX = 2000


@dataclass(frozen=True)
class ShownFailure:
    """A failure as a page shows it: its text in the reader's language and any explanation."""

    failure: Failure
    text: str
    explanation: str = ""

    @property
    def key(self) -> str:
        return self.failure.key

    @property
    def severity(self) -> str:
        return self.failure.severity

    @property
    def needs_action(self) -> bool:
        """An error, or a warning nobody has explained: submitting is refused."""
        return self.failure.is_error or not self.explanation

    @property
    def anchor(self) -> str:
        """The id of the page element to link to: the first cell, else the question."""
        if self.failure.cells:
            row, year, column = self.failure.cells[0].split("|")
            return f"{self.failure.question_id}-{row}-{year}-{column}"
        return f"q-{self.failure.question_id}"

    @property
    def explanation_field(self) -> str:
        return f"explain-{self.failure.key}".replace("|", "-").replace(":", "-")


def previous_submission(submission: Submission) -> Submission | None:
    """The country's latest submission of record in an earlier round of the same questionnaire."""
    return previous_submission_of(submission.round, submission.country_id)


def previous_submission_of(round_: Round, country_id: int) -> Submission | None:
    """The same, for a country that may not have started this round yet."""
    return db.session.scalar(_previous_of(round_, country_id, sa.select(Submission)))


def _previous_of(round_: Round, country_id: int, select: sa.Select) -> sa.Select:
    version = round_.version
    return (
        select.join(Round, Submission.round_id == Round.id)
        .join(QuestionnaireVersion, Round.questionnaire_version_id == QuestionnaireVersion.id)
        .where(QuestionnaireVersion.questionnaire_id == version.questionnaire_id)
        .where(Submission.country_id == country_id)
        .where(Submission.status.in_(COUNTED_STATUSES))
        .where(Round.cancelled_at.is_(None))
        .where(Round.opens_at < round_.opens_at)
        .order_by(Round.opens_at.desc(), Round.id.desc())
        .limit(1)
    )


def answer_values(answers: Mapping[str, Answer]) -> dict[str, object]:
    """Answer values as rules read them ("not applicable" reads as unanswered)."""
    return {qid: None if a.not_applicable else a.value for qid, a in answers.items()}


def previous_values(submission: Submission) -> dict[str, object]:
    return previous_values_of(submission.round, submission.country_id)


def previous_values_of(round_: Round, country_id: int) -> dict[str, object]:
    """The previous submission of record's answer values (as `answer_values`), read as plain
    rows: every area page and save checks the rules against them."""
    before = db.session.scalar(_previous_of(round_, country_id, sa.select(Submission.id)))
    if before is None:
        return {}
    rows = db.session.execute(
        sa.select(Answer.question_id, Answer.value, Answer.not_applicable).where(
            Answer.submission_id == before
        )
    )
    return {qid: None if not_applicable else value for qid, value, not_applicable in rows}


def failures_of(
    submission: Submission,
    definition: Definition,
    answers: Mapping[str, Answer],
    hidden: frozenset[str],
    beside: Collection[str] | None = None,
) -> list[Failure]:
    """The failures of the submission's answers; `beside`: only those shown beside these
    questions (see `check_answers`), reading the previous round only when one of them needs it."""
    if not has_checks(definition):
        return []
    previous = previous_values(submission) if reads_previous(definition, beside) else {}
    return check_answers(definition, answer_values(answers), previous, hidden=hidden, beside=beside)


def explanations_of(submission: Submission) -> dict[str, RuleExplanation]:
    return {
        e.failure_key: e
        for e in db.session.scalars(
            sa.select(RuleExplanation).where(RuleExplanation.submission_id == submission.id)
        )
    }


def shown_failures(
    submission: Submission,
    definition: Definition,
    answers: Mapping[str, Answer],
    hidden: frozenset[str],
    language: str,
    beside: Collection[str] | None = None,
) -> list[ShownFailure]:
    failures = failures_of(submission, definition, answers, hidden, beside)
    if not failures:
        return []
    explained = explanations_of(submission)
    return [
        ShownFailure(
            f,
            failure_text(f, language, gettext),
            explained[f.key].text if f.key in explained and not f.is_error else "",
        )
        for f in failures
    ]


def save_explanation(submission: Submission, key: str, text: str, actor) -> RuleExplanation | None:
    """Store (or, given an empty text, remove) the explanation of one warning; flush only."""
    found = db.session.scalar(
        sa.select(RuleExplanation).where(
            RuleExplanation.submission_id == submission.id, RuleExplanation.failure_key == key
        )
    )
    text = text.strip()
    if not text:
        if found is not None:
            db.session.delete(found)
        return None
    if found is None:
        found = RuleExplanation(submission_id=submission.id, failure_key=key, text=text)
        db.session.add(found)
    found.text = text
    found.updated_at = utcnow()
    found.updated_by_id = actor.id
    db.session.flush()
    return found
