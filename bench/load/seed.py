"""The load test's data: the demo (16 countries, a closed round with results, an open round),
a started submission for every country of the open round, and the simulated people:
200 respondents spread over the 16 countries (each with a question of its own to type in),
10 coordinators and 5 analysts, all with one password."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

PASSWORD = "load-test-password-42"
RESPONDENTS = 200
COORDINATORS = 10
ANALYSTS = 5


def seed(app) -> dict:
    from flask_migrate import upgrade

    from surveys.accounts.models import User
    from surveys.accounts.passwords import hash_password
    from surveys.columns import utcnow
    from surveys.demo import load_demo
    from surveys.extensions import db
    from surveys.responses.operations import definition_of, start_submission
    from surveys.roles import Role
    from surveys.rounds.models import Round
    from surveys.rounds.operations import create_round, state_of
    from surveys.rounds.state import RoundState

    with app.app_context():
        upgrade()
        load_demo()
        rounds = db.session.scalars(sa.select(Round).order_by(Round.id)).all()
        demo_open = next(r for r in rounds if state_of(r) == RoundState.OPEN)
        closed_round = next(r for r in rounds if state_of(r) == RoundState.CLOSED)
        # A round of its own, so that every country's submission is a draft anyone may edit.
        now = utcnow()
        open_round = create_round(
            version=demo_open.version,
            period_label="LOAD-TEST",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=30),
            country_ids=[p.country_id for p in demo_open.participants],
            reminder_offsets=[],
            allow_past=True,
        )
        db.session.flush()
        submissions = {}
        for participant in open_round.participants:
            submission = start_submission(open_round, participant.country, actor=None)
            submissions[participant.country_id] = submission
        db.session.commit()
        definition = definition_of(next(iter(submissions.values())))
        own_fields = [
            (area.id, question.id)
            for area in definition.areas
            for question in area.questions
            if not question.show_if
        ]
        password_hash = hash_password(PASSWORD)  # the real hashing method: sign-in costs as usual
        country_ids = sorted(submissions)
        plan: dict = {
            "password": PASSWORD,
            "open_round": open_round.id,
            "closed_round": closed_round.id,
            "countries": country_ids,
            "areas": [area.id for area in definition.areas],
            "submissions": [submissions[c].id for c in country_ids],
            "respondents": [],
            "coordinators": [],
            "analysts": [],
        }
        for n in range(RESPONDENTS):
            country_id = country_ids[n % len(country_ids)]
            area_id, question_id = own_fields[(n // len(country_ids)) % len(own_fields)]
            email = f"load-respondent-{n:03d}@example.org"
            user = User(email=email, name=f"Respondent {n}", password_hash=password_hash)
            user.grant(Role.RESPONDENT)
            user.countries.append(submissions[country_id].country)
            user.language = "fr" if n % 2 else "en"
            db.session.add(user)
            plan["respondents"].append(
                {
                    "email": email,
                    "submission": submissions[country_id].id,
                    "area": area_id,
                    "question": question_id,
                }
            )
        for role, count, key in (
            (Role.COORDINATOR, COORDINATORS, "coordinators"),
            (Role.ANALYST, ANALYSTS, "analysts"),
        ):
            for n in range(count):
                email = f"load-{key[:-1]}-{n}@example.org"
                user = User(email=email, name=f"{key} {n}", password_hash=password_hash)
                user.grant(role)
                db.session.add(user)
                plan[key].append(email)
        db.session.commit()
        db.engine.dispose()
    return plan


def acknowledged_saves_missing(app, acks: list[dict]) -> dict:
    """How many acknowledged saves have no revision with their value, and how many fields do
    not end with the last value acknowledged to their (only) writer (or a later save of theirs
    whose answer the end of the run cut off)."""
    from surveys.extensions import db
    from surveys.responses.models import Answer, AnswerRevision

    with app.app_context():
        revisions = set(
            db.session.execute(
                sa.select(
                    AnswerRevision.submission_id, AnswerRevision.question_id, AnswerRevision.comment
                )
            ).all()
        )
        finals = {
            (s, q): c
            for s, q, c in db.session.execute(
                sa.select(Answer.submission_id, Answer.question_id, Answer.comment)
            ).all()
        }
        missing = [a for a in acks if (a["submission"], a["question"], a["value"]) not in revisions]
        last: dict[tuple, dict] = {}
        for ack in sorted(acks, key=lambda a: a["seq"]):
            last[(ack["submission"], ack["question"])] = ack
        reverted = [a for key, a in last.items() if not _same_or_later(finals.get(key), a)]
        db.engine.dispose()
    return {"acknowledged": len(acks), "missing": missing, "not_final": reverted}


def _same_or_later(final: str | None, ack: dict) -> bool:
    """Values are "<email> save <n>": the acknowledged one, or a later one by the same person."""
    if final == ack["value"]:
        return True
    prefix = ack["value"].rsplit(" ", 1)[0] + " "
    return bool(final) and final.startswith(prefix) and int(final.rsplit(" ", 1)[1]) > ack["seq"]
