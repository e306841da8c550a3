"""Demonstration answers: the closed v1 round filled in by all 16 countries, and a few drafts in
the open round (on the newest version) pre-filled from v1.

Answers are drawn from a fixed seed per country, so every load gives the same data set: most
countries validated, Mauritania returned with queries, Guinea never submitted, some "not
applicable" answers, comments and statistics with their source and definition. Answers are
written through the respondents' own save path (revisions included) and move through the real
workflow (audited; no e-mail is queued for demo history). Idempotent: a country that already has a
submission in a round is left alone.
"""

from __future__ import annotations

import io
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from surveys.accounts.models import User
from surveys.countries.models import Country
from surveys.demo.rounds import closed_demo_round, open_demo_round
from surveys.extensions import db
from surveys.questionnaire.expressions import hidden_questions
from surveys.questionnaire.framework import Framework
from surveys.questionnaire.frameworks import framework_for
from surveys.questionnaire.schema import Definition, Question, stat_cell_key
from surveys.responses.fields import AnswerInput, value_problem
from surveys.responses.models import Answer, AnswerRevision, Evidence, Submission
from surveys.review import workflow
from surveys.review.models import ReviewQuery
from surveys.rounds.models import Round

QUESTIONNAIRE_KEY = "niamey-2018"
DEMO_DOMAIN = "demo.example.org"
COORDINATOR_EMAIL = f"coordinator@{DEMO_DOMAIN}"
SEED = "niamey-demo-2025"

RETURNED_COUNTRY = "MR"  # submitted, then returned with queries
NEVER_SUBMITTED = "GN"  # a draft left half-way
V2_DRAFTS = ("NE", "SN", "IT")  # started in the open round, pre-filled from v1

# How far each country has come, 0..1: drives how favourable its drawn answers are.
CAPACITY = {
    "NE": 0.8, "NG": 0.8, "SN": 0.7, "CI": 0.65, "BF": 0.55, "ML": 0.5, "MR": 0.45,
    "TD": 0.35, "GM": 0.4, "GN": 0.35, "FR": 0.9, "DE": 0.9, "IT": 0.85, "ES": 0.85,
    "NL": 0.9, "GB": 0.85,
}  # fmt: skip
# Law ahead of practice, in capacity points: laws adopted under international commitments while
# units, services and checks lag behind (the law–practice gap the analysts look for). Negative:
# practice ahead of a law not yet updated (Niger, after repealing its smuggling law in 2023).
LAW_AHEAD = {"TD": 0.35, "ML": 0.3, "MR": 0.3, "GM": 0.25, "BF": 0.2, "NE": -0.1}
DESTINATION_COUNTRIES = frozenset({"FR", "DE", "IT", "ES", "NL", "GB"})
# Relative size of the caseload, for plausible statistics.
CASELOAD = {
    "NG": 9, "NE": 4, "ML": 3, "BF": 3, "SN": 3, "CI": 3, "TD": 2, "MR": 2, "GN": 2, "GM": 1,
    "FR": 8, "DE": 7, "IT": 8, "ES": 7, "NL": 5, "GB": 9,
}  # fmt: skip

# National laws on trafficking in persons: (reference, date of adoption).
TIP_LAWS = {
    "NE": ("Ordonnance n° 2010-86 du 16 décembre 2010 relative à la lutte contre la traite des "
           "personnes", "2010-12-16"),
    "NG": ("Trafficking in Persons (Prohibition) Enforcement and Administration Act, 2015",
           "2015-03-26"),
    "SN": ("Loi n° 2005-06 du 10 mai 2005 relative à la lutte contre la traite des personnes",
           "2005-05-10"),
    "ML": ("Loi n° 2012-023 du 12 juillet 2012 relative à la lutte contre la traite des personnes",
           "2012-07-12"),
    "BF": ("Loi n° 029-2008/AN du 15 mai 2008 portant lutte contre la traite des personnes",
           "2008-05-15"),
    "CI": ("Loi n° 2016-1111 du 8 décembre 2016 relative à la lutte contre la traite des "
           "personnes", "2016-12-08"),
    "MR": ("Loi n° 2020-017 du 6 août 2020 relative à la prévention et à la répression de la "
           "traite des personnes", "2020-08-06"),
    "TD": ("Loi n° 006/PR/2018 relative à la lutte contre la traite des personnes", "2018-03-20"),
    "GM": ("Trafficking in Persons Act 2007", "2007-10-05"),
    "FR": ("Code pénal, article 225-4-1", "2003-03-18"),
    "DE": ("Strafgesetzbuch, § 232", "2016-10-15"),
    "IT": ("Codice penale, art. 601", "2003-08-11"),
    "ES": ("Código Penal, artículo 177 bis", "2010-06-22"),
    "NL": ("Wetboek van Strafrecht, artikel 273f", "2005-01-01"),
    "GB": ("Modern Slavery Act 2015", "2015-03-26"),
}  # fmt: skip

TEXTS = {
    "mon_focal_point_contact": {
        "en": "National focal point, Ministry of the Interior (anti-trafficking unit)",
        "fr": "Point focal national, ministère de l'Intérieur (cellule de lutte contre la traite)",
    },
    "legal_som_law_change_reference": {
        "en": "Amendment to the immigration law on facilitation of unauthorised entry",
        "fr": "Modification de la loi sur l'immigration relative à l'aide à l'entrée irrégulière",
    },
    "jud_jit_details": {
        "en": "Two joint investigation teams with neighbouring countries on smuggling networks "
        "along the central Mediterranean route.",
        "fr": "Deux équipes communes d'enquête avec des pays voisins sur des réseaux de trafic "
        "illicite le long de la route de la Méditerranée centrale.",
    },
    "dev_root_causes": {
        "en": "Youth employment programmes in departure regions; awareness in schools.",
        "fr": "Programmes d'emploi des jeunes dans les régions de départ ; sensibilisation dans "
        "les écoles.",
    },
    "mon_difficulties": {
        "en": "Figures come from several agencies with different counting rules.",
        "fr": "Les chiffres proviennent de plusieurs services aux règles de comptage différentes.",
    },
}
COMMENTS = {
    "en": (
        "A revision is being prepared by the Ministry of Justice.",
        "Applies in the capital; regional coverage is still limited.",
        "Figures are provisional until the annual report is published.",
        "Implemented with the support of UNODC and IOM.",
    ),
    "fr": (
        "Une révision est en préparation au ministère de la Justice.",
        "S'applique dans la capitale ; la couverture régionale reste limitée.",
        "Chiffres provisoires jusqu'à la publication du rapport annuel.",
        "Mis en œuvre avec l'appui de l'ONUDC et de l'OIM.",
    ),
}
NA_REASONS = {
    "dev_alternative_livelihoods": {
        "en": "Destination country: supported through development cooperation abroad instead.",
        "fr": "Pays de destination : soutien apporté par la coopération au développement.",
    },
    "dev_reintegration": {
        "en": "Few nationals are returned; no dedicated programme.",
        "fr": "Peu de ressortissants sont renvoyés ; pas de programme dédié.",
    },
    "jud_mla_execution_days": {
        "en": "Execution times are not recorded centrally.",
        "fr": "Les délais d'exécution ne sont pas enregistrés de manière centralisée.",
    },
    "jud_proceedings_months": {
        "en": "No case-management system records the length of proceedings.",
        "fr": "Aucun système de gestion des affaires n'enregistre la durée des procédures.",
    },
    "prot_victims_assisted_pct": {
        "en": "Victims assisted are counted, but not matched with victims identified.",
        "fr": "Les victimes assistées sont comptées sans lien avec les victimes identifiées.",
    },
}
STAT_META = {
    "en": {
        "source": "National police and Ministry of Justice annual returns",
        "definition": "Persons counted once per case, at the first recorded step of the year.",
        "period": "Calendar years 2024 and 2025 (2025: January to June)",
        "coverage": "National",
    },
    "fr": {
        "source": "Police nationale et rapports annuels du ministère de la Justice",
        "definition": "Personnes comptées une fois par affaire, à la première étape enregistrée "
        "de l'année.",
        "period": "Années civiles 2024 et 2025 (2025 : janvier à juin)",
        "coverage": "Nationale",
    },
}


# ---------------------------------------------------------------- answers (pure)


@dataclass(frozen=True)
class CountryProfile:
    iso2: str
    language: str
    capacity: float
    caseload: int
    pillars: Mapping[str, str] = field(default_factory=dict)
    """Question id -> its pillar (law, practice, capacity) under the questionnaire's framework."""

    def level_of(self, question_id: str) -> float:
        """The country's capacity for this question: raised on law, lowered on practice."""
        shift = LAW_AHEAD.get(self.iso2, 0.0)
        pillar = self.pillars.get(question_id)
        if pillar == "law":
            return self.capacity + shift / 2
        if pillar == "practice":
            return self.capacity - shift / 2
        return self.capacity

    @property
    def destination(self) -> bool:
        return self.iso2 in DESTINATION_COUNTRIES


def profile_for(
    country: Country, language: str, framework: Framework | None = None
) -> CountryProfile:
    pillars: dict[str, str] = {}
    if framework is not None:
        pillars = {
            qid: tags["pillar"] for qid, tags in framework.lineage.items() if "pillar" in tags
        }
    return CountryProfile(
        iso2=country.iso2,
        language=language,
        capacity=CAPACITY.get(country.iso2, 0.5),
        caseload=CASELOAD.get(country.iso2, 2),
        pillars=pillars,
    )


def demo_answers(definition: Definition, profile: CountryProfile) -> dict[str, AnswerInput]:
    """Plausible answers to every visible question, the same for the same country every time."""
    rng = random.Random(f"{SEED}-{definition.key}-{profile.iso2}")
    answers: dict[str, AnswerInput] = {}
    for _, question in definition.questions():
        answers[question.id] = _answer(question, profile, rng)
    _apply_country_facts(answers, profile)
    values = {qid: (None if a.not_applicable else a.value) for qid, a in answers.items()}
    hidden = hidden_questions(definition, values)
    kept = {}
    for qid, answer in answers.items():
        question = definition.question(qid)
        if qid in hidden or question is None:
            continue
        if not answer.not_applicable and value_problem(question, answer.value) is not None:
            continue  # never store a value the form itself would refuse
        kept[qid] = answer
    return kept


def _answer(question: Question, profile: CountryProfile, rng: random.Random) -> AnswerInput:
    reason = NA_REASONS.get(question.id)
    if question.allow_na and reason and _not_applicable(question.id, profile, rng):
        return AnswerInput(not_applicable=True, na_justification=reason[profile.language])
    comment = rng.choice(COMMENTS[profile.language]) if rng.random() < 0.12 else ""
    return AnswerInput(value=_value(question, profile, rng), comment=comment)


def _not_applicable(question_id: str, profile: CountryProfile, rng: random.Random) -> bool:
    if question_id == "dev_alternative_livelihoods":
        return profile.destination
    if question_id in ("jud_mla_execution_days", "jud_proceedings_months"):
        return profile.capacity < 0.5 and rng.random() < 0.7
    return rng.random() < 0.15


def _value(question: Question, profile: CountryProfile, rng: random.Random) -> object:
    """The country's answer: its texts and figures, else its kind's example at its level."""
    level = min(max(profile.level_of(question.id) + rng.uniform(-0.2, 0.2), 0.0), 1.0)
    if question.statistics is not None:
        return _statistics(question, profile, rng)
    text = TEXTS.get(question.id)
    if text is not None:
        return text[profile.language]
    return question.kind.example(question, level, rng)


def _statistics(question: Question, profile: CountryProfile, rng: random.Random) -> dict:
    table = question.statistics
    cells: dict[str, int] = {}
    if table is None:
        return {}
    columns = {c.id for c in table.columns}
    for row in table.rows:
        base = max(1, int(profile.caseload * rng.uniform(4, 20)))
        for year in table.years:
            # 2025 covers half a year in most returns.
            size = base if year != max(table.years) else max(1, base // 2)
            female = int(size * rng.uniform(0.2, 0.6))
            male = size - female
            figures = {"female": female, "male": male, "total": size}
            if "children" in columns:
                figures["children"] = int(size * rng.uniform(0.1, 0.35))
            for column in table.columns:
                number = figures.get(column.id, size)
                cells[stat_cell_key(row.id, year, column.id)] = number
    return {"cells": cells, **STAT_META[profile.language]}


def _apply_country_facts(answers: dict[str, AnswerInput], profile: CountryProfile) -> None:
    """Known facts win over drawn values (e.g. Niger's laws and their 2023 change)."""
    law = TIP_LAWS.get(profile.iso2)
    if law is not None:
        answers["legal_tip_criminalised"] = AnswerInput(value="yes")
        answers["legal_tip_law_reference"] = AnswerInput(value=law[0])
        answers["legal_tip_law_adopted"] = AnswerInput(value=law[1])
    if profile.iso2 == "NE":
        answers["legal_instruments_ratified"] = AnswerInput(
            value=["untoc", "tip_protocol", "som_protocol"]
        )
        answers["legal_tip_children_no_means"] = AnswerInput(value="yes")
        answers["legal_tip_attempt_complicity"] = AnswerInput(value="yes")
        # Niger repealed its 2015 smuggling law in November 2023.
        answers["legal_som_criminalised"] = AnswerInput(
            value="partly",
            comment="La loi n° 2015-36 relative au trafic illicite de migrants a été abrogée en "
            "novembre 2023 ; les faits sont poursuivis sur le fondement du Code pénal.",
        )
        answers["legal_som_law_change_date"] = AnswerInput(value="2023-11-25")
        answers["legal_som_law_change_kind"] = AnswerInput(value="repeal")
        answers["legal_som_law_change_reference"] = AnswerInput(
            value="Ordonnance n° 2023-16 du 25 novembre 2023 abrogeant la loi n° 2015-36"
        )
        answers["coord_country_profile"] = AnswerInput(value=["origin", "transit"])
    elif profile.destination:
        answers["coord_country_profile"] = AnswerInput(value=["destination", "transit"])


# ---------------------------------------------------------------- loading


def load_demo(out) -> None:
    closed = closed_demo_round()
    open_round = open_demo_round()  # on the newest version
    if closed is None:
        out.say(
            f"Answers: skipped, there is no {QUESTIONNAIRE_KEY} v1 round "
            "(the rounds demo step creates it)."
        )
        return
    coordinator = _user(COORDINATOR_EMAIL)
    if coordinator is None:
        out.say("Answers: skipped, the demo coordinator account is missing.")
        return
    counts = {"validated": 0, "returned": 0, "draft": 0}
    for participant in closed.participants:
        status = _fill_closed_round(closed, participant.country, coordinator)
        if status:
            counts[status] += 1
    if any(counts.values()):
        out.say(
            f"Answers {closed.period_label}: {counts['validated']} validated, {counts['returned']} "
            f"returned with queries, {counts['draft']} never submitted."
        )
    started = 0
    if open_round is not None:
        for iso2 in V2_DRAFTS:
            started += _start_open_draft(open_round, iso2)
    if started:
        out.say(
            f"Answers {open_round.period_label}: {started} drafts pre-filled from "
            f"{closed.period_label}."
        )


def _user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _respondent(country: Country) -> User | None:
    return _user(f"respondent-{country.iso2.lower()}@{DEMO_DOMAIN}")


def _fill_closed_round(round_: Round, country: Country, coordinator: User) -> str | None:
    """Fill in, submit and review one country's answers; None when it was already there."""
    from surveys.responses.operations import find_submission

    respondent = _respondent(country)
    if respondent is None or find_submission(round_.id, country.id) is not None:
        return None
    submission = Submission(round_id=round_.id, country_id=country.id, status="draft")
    db.session.add(submission)
    db.session.flush()
    definition = round_.version.definition
    framework = framework_for(QUESTIONNAIRE_KEY)
    profile = profile_for(country, respondent.language, framework)
    answers = demo_answers(definition, profile)
    areas = definition.areas
    if country.iso2 == NEVER_SUBMITTED:
        areas = areas[: max(1, len(areas) // 2)]
    _save_areas(submission, definition, areas, answers, respondent)
    _attach_evidence(submission, definition, areas, answers, respondent, profile)
    if country.iso2 == NEVER_SUBMITTED:
        _date_back(submission, round_, submitted=False)
        return "draft"
    workflow.submit(submission, respondent, notify=False, allow_late=True)
    if country.iso2 == RETURNED_COUNTRY:
        _return_with_queries(submission, coordinator, respondent)
        _date_back(submission, round_, submitted=True)
        return "returned"
    workflow.validate(submission, coordinator, notify=False)
    _date_back(submission, round_, submitted=True, validated=True)
    return "validated"


def _save_areas(submission, definition, areas, answers, respondent) -> None:
    from surveys.responses.operations import save_area

    for area in areas:
        inputs = {q.id: answers[q.id] for q in area.questions if q.id in answers}
        save_area(
            submission,
            area.id,
            inputs,
            actor=respondent,
            lock_version=submission.lock_version,
        )


# The chance that a scored answer comes with a file, times the country's capacity: laws are
# easy to attach (the text in force), practice less so (activity reports, case files).
EVIDENCE_CHANCE = {"law": 0.8, "capacity": 0.5, "practice": 0.35}


def _attach_evidence(submission, definition, areas, answers, respondent, profile) -> None:
    """Evidence files for some scored answers, the same for the same country every time."""
    from surveys.responses.evidence import store_upload
    from surveys.storage.backends import current_store

    rng = random.Random(f"{SEED}-evidence-{profile.iso2}")
    store = current_store()
    limit = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    for area in areas:
        for question in area.questions:
            answer = answers.get(question.id)
            if answer is None or answer.not_applicable or not question.is_scored:
                continue
            chance = EVIDENCE_CHANCE.get(profile.pillars.get(question.id, ""), 0.3)
            if rng.random() >= chance * profile.capacity:
                continue
            content = f"%PDF-1.4\n% Demo evidence: {profile.iso2}, {question.id}\n%%EOF\n"
            store_upload(
                io.BytesIO(content.encode()),
                f"{question.id}.pdf",
                submission=submission,
                question_id=question.id,
                actor=respondent,
                store=store,
                max_bytes=limit,
            )


def _return_with_queries(submission: Submission, coordinator: User, respondent: User) -> None:
    from surveys.review.operations import add_query, answer_query

    first = add_query(
        submission,
        coordinator,
        question_id="stats_criminal_justice",
        text="Les chiffres de 2025 couvrent-ils toute l'année ou seulement le premier semestre ? "
        "Merci de préciser la période dans le champ prévu.",
    )
    add_query(
        submission,
        coordinator,
        question_id="legal_som_migrant_non_liability",
        text="Quelle disposition protège les migrants objets d'un trafic contre les poursuites ? "
        "Merci d'indiquer l'article.",
    )
    workflow.return_for_changes(
        submission, coordinator, "Merci de compléter les deux points signalés.", notify=False
    )
    answer_query(
        first,
        respondent,
        "Premier semestre 2025 seulement ; les chiffres annuels seront transmis en janvier.",
    )


def _date_back(
    submission: Submission, round_: Round, *, submitted: bool, validated: bool = False
) -> None:
    """Place the demo history inside the round's dates (it was written just now)."""
    opened = round_.opens_at
    closes = round_.closes_at
    submission.created_at = opened + timedelta(days=3 + submission.country_id % 10)
    submission.last_activity_at = closes - timedelta(days=12 + submission.country_id % 9)
    _date_answers_back(submission.id, submission.created_at, submission.last_activity_at)
    if submitted:
        submission.submitted_at = submission.last_activity_at
    if validated:
        # Validated before the round closed, so that its closing snapshot is the latest one.
        reviewed = submission.submitted_at + timedelta(days=3 + submission.country_id % 5)
        submission.validated_at = min(reviewed, closes - timedelta(hours=1))
    _date_snapshots_back(submission)
    if submission.returned_at is not None:
        submission.returned_at = submission.submitted_at + timedelta(days=6)
        for query in db.session.scalars(
            sa.select(ReviewQuery).where(ReviewQuery.submission_id == submission.id)
        ):
            query.created_at = submission.returned_at
            if query.responded_at is not None:
                query.responded_at = submission.returned_at + timedelta(days=2)
    db.session.flush()


def _date_snapshots_back(submission: Submission) -> None:
    """The workflow's score snapshots, dated with the submission and validation they record."""
    from surveys.results.models import ScoreSnapshot, Trigger

    moments = {
        Trigger.SUBMITTED.value: submission.submitted_at,
        Trigger.VALIDATED.value: submission.validated_at,
    }
    for snapshot in db.session.scalars(
        sa.select(ScoreSnapshot).where(ScoreSnapshot.submission_id == submission.id)
    ):
        if moments.get(snapshot.trigger) is not None:
            snapshot.created_at = moments[snapshot.trigger]


def _date_answers_back(submission_id: int, started: datetime, finished: datetime) -> None:
    """Answers, their revisions and evidence files saved between the submission's start and its
    last activity, in the order they were written."""
    span = finished - started
    for model, stamp in (
        (AnswerRevision, "saved_at"),
        (Evidence, "uploaded_at"),
        (Answer, "updated_at"),
    ):
        rows = db.session.scalars(
            sa.select(model).where(model.submission_id == submission_id).order_by(model.id)
        ).all()
        for position, row in enumerate(rows, start=1):
            setattr(row, stamp, started + span * position / len(rows))


def _start_open_draft(round_: Round, iso2: str) -> int:
    from surveys.responses.operations import confirm_carried_over, find_submission, start_submission

    country = db.session.scalar(sa.select(Country).where(Country.iso2 == iso2))
    if country is None or round_.participant(country.id) is None:
        return 0
    if find_submission(round_.id, country.id) is not None:
        return 0
    respondent = _respondent(country)
    submission = start_submission(round_, country, actor=respondent)
    if iso2 == "NE" and submission.round.version.definition.areas:
        # Niger has already confirmed its legal framework answers for the new round.
        first_area = submission.round.version.definition.areas[0]
        confirm_carried_over(submission, [q.id for q in first_area.questions], actor=respondent)
        _report_full_year(submission, respondent)
    return 1


FULL_YEAR_QUESTION = "stats_criminal_justice"


def _report_full_year(submission: Submission, respondent: User) -> None:
    """Niger replaces last round's half-year 2025 figures with the full year, and a new
    specialised unit multiplied the arrests for trafficking: the previous-round plausibility
    check warns about that figure, so the demo shows a warning waiting for its explanation."""
    from surveys.responses.operations import save_area

    definition = submission.round.version.definition
    question = definition.question(FULL_YEAR_QUESTION)
    if question is None or question.table_checks is None:
        return
    area = next(a for a, q in definition.questions() if q.id == FULL_YEAR_QUESTION)
    from surveys.responses.rule_checks import previous_values

    before = previous_values(submission).get(FULL_YEAR_QUESTION)
    value = dict(before) if isinstance(before, dict) else {}
    keys = {stat_cell_key(*k) for k in question.statistics.cell_keys()}
    cells = {k: v for k, v in (value.get("cells") or {}).items() if k in keys}
    for key in [k for k in cells if "|2025|" in k]:
        cells[key] = cells[key] * 2  # the full year: about twice the first half
    arrested = stat_cell_key("tip_arrested", 2025, "total")
    cells[arrested] = cells.get(arrested, 5) * 4 + 10  # the first half was a quarter of this
    value["cells"] = cells
    value["period"] = "Années civiles 2025 (année complète) et 2026 (janvier à juin)"
    save_area(
        submission,
        area.id,
        {FULL_YEAR_QUESTION: AnswerInput(value=value)},
        actor=respondent,
        lock_version=submission.lock_version,
    )
