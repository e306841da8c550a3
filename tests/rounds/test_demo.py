"""The rounds and notifications demo steps: expected rounds, cadence, messages; idempotent."""

from __future__ import annotations

from surveys.countries.models import Country
from surveys.countries.operations import seed_participants
from surveys.notifications.models import OutboxMessage
from surveys.rounds.models import Cadence, Round
from surveys.rounds.operations import state_of
from tests.conftest import ROOT


class Out:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def say(self, line: str) -> None:
        self.lines.append(line)


def test_demo_rounds_cadence_and_messages(db, create_version, create_user):
    from surveys.demo import notifications as notifications_demo
    from surveys.demo import rounds as rounds_demo
    from surveys.roles import Role

    out = Out()
    rounds_demo.load_demo(out)
    assert "skipped" in out.lines[0]  # no questionnaire yet

    seed_participants()
    for number in (1, 2, 3):
        create_version(ROOT / "questionnaires" / "niamey-2018" / f"v{number}.yaml")
    niger = db.session.query(Country).filter_by(iso2="NE").one()
    create_user(Role.RESPONDENT, countries=[niger], language="fr")
    for _ in range(2):
        rounds_demo.load_demo(Out())
        notifications_demo.load_demo(Out())
        db.session.commit()

    rounds = {r.period_label: r for r in db.session.query(Round)}
    assert set(rounds) == {"2025-H2", "2026-H2"}
    assert rounds["2025-H2"].version.version == 1 and rounds["2026-H2"].version.version == 3
    assert state_of(rounds["2025-H2"]) == "closed" and state_of(rounds["2026-H2"]) == "open"
    assert all(len(r.participants) == 16 for r in rounds.values())
    assert db.session.query(Cadence).one().every_months == 6
    statuses = {m.status for m in db.session.query(OutboxMessage)}
    assert "sent" in statuses
    assert db.session.query(OutboxMessage).filter_by(kind="round.opening").count() == 1
