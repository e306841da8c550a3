"""The definition's validation rules applied to a submission: what the answers break now, the
respondent's explanations of warnings, and what still stops submitting.

The rules themselves are evaluated by the pure core (surveys.questionnaire.rules.check_answers);
this module only gathers the answers, the previous round's answers and the explanations.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from surveys.columns import utcnow
from surveys.extensions import db
from surveys.i18n import gettext
from surveys.questionnaire.models import QuestionnaireVersion
from surveys.questionnaire.rules import (
    Failure,
    Previous,
    check_answers,
    failure_text,
    has_checks,
    parse,
    reads_previous,
    walk,
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


def previous_submission_of(round_: Round, country_id: int) -> Submission | None:
    """The country's latest submission of record in an earlier round of the same questionnaire
    (the country may not have started this round yet)."""
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


def previous_values(
    submission: Submission, question_ids: frozenset[str] | None = None
) -> dict[str, object]:
    return previous_values_of(submission.round, submission.country_id, question_ids)


def previous_values_of(
    round_: Round, country_id: int, question_ids: frozenset[str] | None = None
) -> dict[str, object]:
    """The previous submission of record's answer values (as `answer_values`), of these
    questions only when given: every area page and save checks the rules against them, so one
    narrow statement (the previous submission found inside it), never a copy kept across
    requests (a reopened previous round may change them)."""
    if question_ids is not None and not question_ids:
        return {}
    parameters = {
        "questionnaire_id": round_.version.questionnaire_id,
        "country_id": country_id,
        "opens_at": round_.opens_at,
    }
    if question_ids is not None:
        parameters["question_ids"] = sorted(question_ids)
    statement = _previous_values_statement(question_ids is not None)
    # Through the connection: plain columns need none of the ORM session's work on the result.
    return values_of_rows(db.session.connection().execute(statement, parameters).all())


@cache
def _previous_values_statement(narrow: bool) -> sa.Select:
    # Built once (with parameters): composing it cost more than running it, on every page.
    before = previous_submission_id(
        sa.bindparam("questionnaire_id"), sa.bindparam("country_id"), sa.bindparam("opens_at")
    )
    query = sa.select(Answer.question_id, Answer.value, Answer.not_applicable).where(
        Answer.submission_id == before
    )
    if narrow:
        query = query.where(Answer.question_id.in_(sa.bindparam("question_ids", expanding=True)))
    return query


def previous_submission_id(questionnaire_id, country_id, opens_at) -> sa.ScalarSelect:
    """The id of the country's previous submission of record for the questionnaire: the latest
    counted one of a round opened before `opens_at` and not cancelled. The arguments are
    parameters, or columns of an enclosing statement (under aliases of its own, it reads the
    same tables as any statement around it)."""
    earlier, round_, version = aliased(Submission), aliased(Round), aliased(QuestionnaireVersion)
    return (
        sa.select(earlier.id)
        .join(round_, earlier.round_id == round_.id)
        .join(version, round_.questionnaire_version_id == version.id)
        .where(version.questionnaire_id == questionnaire_id)
        .where(earlier.country_id == country_id)
        .where(earlier.status.in_(COUNTED_STATUSES))
        .where(round_.cancelled_at.is_(None))
        .where(round_.opens_at < opens_at)
        .order_by(round_.opens_at.desc(), round_.id.desc())
        .limit(1)
        .correlate_except(earlier, round_, version)  # the enclosing statement's columns
        .scalar_subquery()
    )


def values_of_rows(rows) -> dict[str, object]:
    """(question id, value, not applicable) rows as `answer_values` gives them."""
    return {qid: None if not_applicable else value for qid, value, not_applicable in rows}


_PREVIOUS_READS: dict[str, frozenset[str]] = {}
MAX_CACHED_READS = 64


def previous_reads(definition: Definition, sha256: str) -> frozenset[str]:
    """The questions whose previous-round answer a check of the definition reads: plausibility
    bands (tables and numbers) and `previous(...)` in rules. Kept per definition hash."""
    found = _PREVIOUS_READS.get(sha256)
    if found is None:
        read = set()
        for _, question in definition.questions():
            if question.statistics is not None:
                checks = question.table_checks
                if checks is not None and checks.plausibility_factor is not None:
                    read.add(question.id)
            elif question.plausibility is not None:
                read.add(question.id)
        for rule in definition.rules:
            read |= {n.ref.question_id for n in walk(parse(rule.check)) if isinstance(n, Previous)}
        if len(_PREVIOUS_READS) >= MAX_CACHED_READS:
            _PREVIOUS_READS.clear()
        found = _PREVIOUS_READS[sha256] = frozenset(read)
    return found


def previous_reads_beside(
    definition: Definition, sha256: str, beside: Collection[str] | None = None
) -> frozenset[str]:
    """The questions whose previous-round values the checks shown beside these questions (all:
    None) read: `previous_reads`, or none when no such check reads the previous round."""
    if not has_checks(definition) or not reads_previous(definition, beside):
        return frozenset()
    return previous_reads(definition, sha256)


def failures_of(
    submission: Submission,
    definition: Definition,
    answers: Mapping[str, Answer],
    hidden: frozenset[str],
    beside: Collection[str] | None = None,
    previous: Mapping[str, object] | None = None,
) -> list[Failure]:
    """The failures of the submission's answers; `beside`: only those shown beside these
    questions (see `check_answers`), reading the previous round only when one of them needs it.
    `previous`: the previous round's values of `previous_reads_beside`, when the caller read
    them (with the submission)."""
    if not has_checks(definition):
        return []
    if previous is None:
        reads = previous_reads_beside(definition, submission.round.version.sha256, beside)
        previous = previous_values(submission, reads) if reads else {}
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
    previous: Mapping[str, object] | None = None,
) -> list[ShownFailure]:
    failures = failures_of(submission, definition, answers, hidden, beside, previous)
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
