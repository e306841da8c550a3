"""A round's data quality: every validation rule each country's answers break, with the
respondent's explanations, counted per country and per rule.

One source for the analysts' data-quality page (here, in results) and the scorecard's "Data
quality" sheet (surveys.export.scorecard, which stands above), so the two show the same rows
under the same column titles. The rules are evaluated by the pure core
(surveys.questionnaire.rules.check_answers) on the answers as stored, against each country's
previous round of record (the plausibility checks: outliers against the previous round).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from surveys.countries.models import Country
from surveys.extensions import db
from surveys.questionnaire.expressions import hidden_questions
from surveys.questionnaire.models import QuestionnaireVersion
from surveys.questionnaire.rules import check_answers, failure_text
from surveys.questionnaire.schema import Definition, localized
from surveys.responses.models import RuleExplanation, Submission
from surveys.rounds.models import Round, earlier_than
from surveys.rounds.submission_status import COUNTED_STATUSES, status_label
from surveys.translatable import N_

PLAUSIBILITY = "plausibility"
Translate = Callable[[str], str]
"""msgid -> text in the page's or the workbook's language."""

# The title of each value of a row (data_quality_values), on the page and in the sheet.
DATA_QUALITY_HEADERS = (
    N_("Country code"),
    N_("Country"),
    N_("Status"),
    N_("Rule"),
    N_("Severity"),
    N_("Question id"),
    N_("Question"),
    N_("Cells"),
    N_("Message"),
    N_("Explanation"),
)
SEVERITY_LABELS: Mapping[str, str] = {"error": N_("Error"), "warning": N_("Warning")}


@dataclass(frozen=True)
class QualityRow:
    """One rule broken by one country's answers."""

    country_iso2: str
    country_name: str
    status: str
    rule_id: str
    severity: str
    question_id: str
    question_text: str
    cells: str
    """The cells concerned, e.g. "tip_arrested 2025 total" (empty for a plain question)."""
    message: str
    explanation: str

    @property
    def is_outlier(self) -> bool:
        return self.rule_id == PLAUSIBILITY


@dataclass
class RoundQuality:
    rows: list[QualityRow] = field(default_factory=list)
    checked: int = 0
    """How many countries' answers were checked."""

    def per_country(self) -> list[tuple[str, str, int, int, int]]:
        """(iso2, name, errors, warnings, outliers) per country with at least one failure."""
        found: dict[str, list] = {}
        for row in self.rows:
            entry = found.setdefault(row.country_iso2, [row.country_name, 0, 0, 0])
            entry[1 if row.severity == "error" else 2] += 1
            entry[3] += row.is_outlier
        return [(code, *values) for code, values in sorted(found.items())]

    def per_rule(self) -> list[tuple[str, str, int]]:
        """(rule id, severity, countries concerned), most frequent first."""
        severity = {row.rule_id: row.severity for row in self.rows}
        counts = Counter()
        for rule_id, _code in {(row.rule_id, row.country_iso2) for row in self.rows}:
            counts[rule_id] += 1
        return [(rule, severity[rule], n) for rule, n in sorted(counts.items(), key=_by_count)]


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def _cells_text(cells: tuple[str, ...]) -> str:
    return "; ".join(key.replace("|", " ") for key in cells)


def _previous_values(round_: Round, country_ids: list[int]) -> dict[int, dict[str, object]]:
    """Country id -> its answers in its latest earlier round of record of the questionnaire."""

    questionnaire_id = round_.version.questionnaire_id
    rows = db.session.scalars(
        sa.select(Submission)
        .join(Round, Submission.round_id == Round.id)
        .join(QuestionnaireVersion, Round.questionnaire_version_id == QuestionnaireVersion.id)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
        .where(Round.cancelled_at.is_(None), earlier_than(round_.opens_at, round_.id))
        .where(Submission.status.in_(COUNTED_STATUSES))
        .where(Submission.country_id.in_(country_ids))
        .order_by(Round.opens_at, Round.id)
    )
    latest: dict[int, Submission] = {}
    for submission in rows:
        latest[submission.country_id] = submission  # later rounds come last
    return {
        country_id: {a.question_id: None if a.not_applicable else a.value for a in s.answers}
        for country_id, s in latest.items()
    }


def round_quality(
    round_id: int, language: str, translate: Callable[[str], str] = lambda text: text
) -> RoundQuality:
    """Every rule broken in the round, country by country (ISO code order), in `language`."""
    round_ = db.session.get(Round, round_id)
    quality = RoundQuality()
    if round_ is None:
        return quality
    definition: Definition = round_.version.definition
    submissions = list(
        db.session.scalars(
            sa.select(Submission)
            .join(Country, Submission.country_id == Country.id)
            .where(Submission.round_id == round_id)
            .order_by(Country.iso2)
        )
    )
    previous = _previous_values(round_, [s.country_id for s in submissions])
    explanations: dict[tuple[int, str], str] = {
        (e.submission_id, e.failure_key): e.text
        for e in db.session.scalars(
            sa.select(RuleExplanation).where(
                RuleExplanation.submission_id.in_([s.id for s in submissions])
            )
        )
    }
    for submission in submissions:
        values = {a.question_id: None if a.not_applicable else a.value for a in submission.answers}
        if not values:
            continue
        quality.checked += 1
        hidden = hidden_questions(definition, values)
        country = submission.country
        for failure in check_answers(
            definition, values, previous.get(submission.country_id, {}), hidden=hidden
        ):
            question = definition.question(failure.question_id)
            quality.rows.append(
                QualityRow(
                    country_iso2=country.iso2,
                    country_name=country.name(language),
                    status=submission.status,
                    rule_id=failure.rule_id,
                    severity=failure.severity,
                    question_id=failure.question_id,
                    question_text=localized(question.text, language) if question else "",
                    cells=_cells_text(failure.cells),
                    message=failure_text(failure, language, translate),
                    explanation=explanations.get((submission.id, failure.key), "")
                    if not failure.is_error
                    else "",
                )
            )
    return quality


def data_quality_values(row: QualityRow, t: Translate) -> list[object]:
    """One Data quality row as the sheet writes it (the web page shows the same values)."""
    return [
        row.country_iso2,
        row.country_name,
        t(status_label(row.status)),
        row.rule_id,
        t(SEVERITY_LABELS[row.severity]),
        row.question_id,
        row.question_text,
        row.cells or None,
        row.message,
        row.explanation or None,
    ]
