"""Demo accounts: one per role and per country, random password kept outside the repository."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from surveys.accounts.models import User
from surveys.demo import DemoOutput
from surveys.demo.accounts import DemoDisabled, demo_logins_path
from surveys.demo.accounts import load_demo as load_demo_accounts
from surveys.demo.countries import load_demo as load_demo_countries


@pytest.fixture
def demo_file(app):
    path = demo_logins_path()
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


def load(db) -> DemoOutput:
    out = DemoOutput()
    load_demo_countries(out)
    load_demo_accounts(out)
    db.session.commit()
    return out


def password_in(path: Path) -> str:
    line = next(line for line in path.read_text().splitlines() if "password:" in line)
    return line.split("password:")[1].strip()


def test_demo_creates_staff_and_a_respondent_per_country(db, demo_file):
    load(db)
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    assert users["admin@demo.example.org"].roles == {"admin"}
    assert users["coordinator@demo.example.org"].roles == {"coordinator"}
    assert users["analyst@demo.example.org"].roles == {"analyst"}
    respondents = [u for u in users.values() if u.roles == {"respondent"}]
    assert len(respondents) == 17  # 16 countries and one for Niger and Mali
    two = users["respondent-ne-ml@demo.example.org"]
    assert sorted(c.iso2 for c in two.countries) == ["ML", "NE"]
    assert users["respondent-ne@demo.example.org"].language == "fr"
    assert users["respondent-ne@demo.example.org"].timezone == "Africa/Niamey"
    assert users["respondent-gb@demo.example.org"].language == "en"


def test_logins_file_is_private_and_its_password_signs_in(app, db, demo_file):
    load(db)
    assert stat.S_IMODE(demo_file.stat().st_mode) == 0o600
    password = password_in(demo_file)
    assert len(password) >= 16
    response = app.test_client().post(
        "/login", data={"email": "respondent-ml@demo.example.org", "password": password}
    )
    assert response.status_code == 302


def test_a_second_load_changes_nothing(db, demo_file):
    load(db)
    first = demo_file.read_text()
    hashes = dict(db.session.execute(sa.select(User.email, User.password_hash)).all())
    out = load(db)
    assert demo_file.read_text() == first
    assert dict(db.session.execute(sa.select(User.email, User.password_hash)).all()) == hashes
    assert out.lines == []


def test_a_missing_account_is_recreated_with_a_new_password_for_all(db, demo_file):
    load(db)
    first_password = password_in(demo_file)
    analyst = db.session.scalar(sa.select(User).where(User.email == "analyst@demo.example.org"))
    db.session.delete(analyst)
    db.session.commit()
    load(db)
    assert password_in(demo_file) != first_password


def test_demo_accounts_are_refused_when_demo_is_disabled(app, db, demo_file, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_ENABLED", False)
    with pytest.raises(DemoDisabled):
        load_demo_accounts(DemoOutput())
    assert not demo_file.exists()


def test_demo_logins_command_prints_the_file(app, db, runner, demo_file, monkeypatch):
    assert "run `surveys demo` first" in runner.invoke(args=["demo-logins"]).output
    load(db)
    result = runner.invoke(args=["demo-logins"])
    assert result.exit_code == 0
    assert "admin@demo.example.org" in result.output and password_in(demo_file) in result.output
    monkeypatch.setitem(app.config, "DEMO_ENABLED", False)
    assert runner.invoke(args=["demo-logins"]).exit_code == 1
