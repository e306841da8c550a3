"""A new round holds the countries chosen on purpose, confirmed on a summary; reminders are
confirmed, name the country and its people, go in bulk to those that have not submitted (at most
once a day each); the message log is paginated (issue 14, points 4 and 5)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from surveys.notifications.models import OutboxMessage
from surveys.roles import Role
from surveys.rounds.models import JobRun, Round


@pytest.fixture
def world(db, create_country, create_user, create_version):
    countries = {
        iso2: create_country(iso2, iso3, name, name)
        for iso2, iso3, name in (
            ("NE", "NER", "Niger"),
            ("ML", "MLI", "Mali"),
            ("SN", "SEN", "Senegal"),
            ("DE", "DEU", "Germany"),
            ("FR", "FRA", "France"),
            ("IT", "ITA", "Italy"),
        )
    }
    people = {
        iso2: create_user(
            Role.RESPONDENT, countries=[countries[iso2]], email=f"focal.{iso2.lower()}@example.org"
        )
        for iso2 in ("NE", "ML", "SN")
    }
    return {
        **countries,
        "people": people,
        "version": create_version(),
        "coordinator": create_user(Role.COORDINATOR, timezone="Africa/Niamey"),
    }


def ticked(page: str) -> set[str]:
    """The labels of the ticked country boxes of the round form."""
    labels = dict(re.findall(r'<label for="(country_ids-\d+)">([^<]+)</label>', page))
    ids = re.findall(r'<input checked id="(country_ids-\d+)"', page)
    ids += re.findall(r'<input[^>]*id="(country_ids-\d+)"[^>]*checked', page)
    return {labels[i] for i in ids}


def form_data(world, **changes) -> dict:
    data = {
        "version_id": world["version"].id,
        "period_label": "2027-H1",
        "opens_at": "2030-01-05T09:00",
        "closes_at": "2030-03-01T18:00",
        "reminder_offsets": "14, 1",
    }
    data.update(changes)
    return data


def test_no_country_is_ticked_until_chosen_and_all_none_and_regions_tick_exactly(
    client, login, world, db
):
    login(world["coordinator"])
    assert ticked(client.get("/rounds/new").get_data(as_text=True)) == set()

    page = client.post("/rounds/new", data=form_data(world, select="all")).get_data(as_text=True)
    assert ticked(page) == {"Niger", "Mali", "Senegal", "Germany", "France", "Italy"}
    assert 'value="2027-H1"' in page  # what was typed stays
    page = client.post("/rounds/new", data=form_data(world, select="none")).get_data(as_text=True)
    assert ticked(page) == set()
    # A region adds its countries to those already ticked.
    data = form_data(world, select="region:europe", country_ids=[world["NE"].id])
    page = client.post("/rounds/new", data=data).get_data(as_text=True)
    assert ticked(page) == {"Niger", "Germany", "France", "Italy"}
    assert "Add African countries (3 countries)" in page  # only the countries on offer
    assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 0  # nothing created


def test_the_summary_shows_the_round_and_only_its_confirmation_creates_it(client, login, world, db):
    login(world["coordinator"])
    chosen = [world["NE"].id, world["DE"].id]
    page = client.post("/rounds/new", data=form_data(world, country_ids=chosen))
    summary = page.get_data(as_text=True)
    assert page.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 0
    assert "Germany, Niger" in summary
    assert "2 countries" in summary
    # Dates in the coordinator's zone (Niamey, UTC+1), the reminders as dates.
    assert "Africa/Niamey" in summary
    assert "5 Jan 2030" in summary or "Jan 5, 2030" in summary
    assert summary.count("days before closing") + summary.count("day before closing") == 2

    changed = client.post(
        "/rounds/new", data=form_data(world, country_ids=chosen, confirm="change")
    )
    assert ticked(changed.get_data(as_text=True)) == {"Niger", "Germany"}
    created = client.post("/rounds/new", data=form_data(world, country_ids=chosen, confirm="yes"))
    assert created.status_code == 302
    round_ = db.session.scalars(sa.select(Round)).one()
    assert {p.country.iso2 for p in round_.participants} == {"NE", "DE"}


def test_a_wrong_value_comes_back_on_the_form_not_on_the_summary(client, login, world, db):
    login(world["coordinator"])
    page = client.post(
        "/rounds/new",
        data=form_data(world, country_ids=[world["NE"].id], closes_at="2029-01-01T09:00"),
    ).get_data(as_text=True)
    assert "The closing date must be after the opening date." in page
    assert 'name="confirm"' not in page


def test_a_reminder_is_confirmed_first_and_names_the_country_and_its_people(
    client, login, world, create_round, db
):
    round_ = create_round(world["version"], [world["NE"], world["ML"]])
    login(world["coordinator"])
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert f"/rounds/{round_.id}/countries/{world['NE'].id}/remind" in page
    assert "<form" not in page.split("Remind…")[0][-400:]  # a link to a summary, not a post
    confirm = client.get(f"/rounds/{round_.id}/countries/{world['NE'].id}/remind")
    text = confirm.get_data(as_text=True)
    assert "Send a reminder now (Niger)?" in text and "focal.ne@example.org" in text
    assert db.session.query(OutboxMessage).count() == 0  # looking sends nothing

    done = client.post(
        f"/rounds/{round_.id}/countries/{world['NE'].id}/remind", follow_redirects=True
    ).get_data(as_text=True)
    name = world["people"]["NE"].name
    assert f"Reminder (Niger) queued for 1 person: {name}." in done
    assert db.session.query(OutboxMessage).count() == 1


def test_a_person_answering_for_two_countries_tells_their_reminders_apart(
    client, login, world, create_round, create_user, db
):
    """One reminder a country, each naming its country in the subject (they once had the same
    subject), and the closing date said once, without a second pair of brackets."""
    both = create_user(
        Role.RESPONDENT,
        countries=[world["NE"], world["ML"]],
        email="both@example.org",
        language="fr",
        timezone="Africa/Niamey",
    )
    round_ = create_round(world["version"], [world["NE"], world["ML"]])
    login(world["coordinator"])
    for country in ("NE", "ML"):
        client.post(f"/rounds/{round_.id}/countries/{world[country].id}/remind")
    mine = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient_email == both.email)
    ).all()
    subjects = sorted(m.subject for m in mine)
    assert len(subjects) == 2 and subjects[0] != subjects[1]
    assert subjects[0].startswith("Rappel (Mali)\u00a0: ") and " se clôt le " in subjects[0]
    body = next(m.body for m in mine if "(Niger)" in m.subject)
    assert "Niger\u00a0: le cycle se clôt le " in body and ") (" not in body


def test_the_bulk_reminder_reaches_only_countries_that_have_not_submitted_once_a_day(
    client, login, world, create_round, create_submission, db
):
    round_ = create_round(world["version"], [world["NE"], world["ML"], world["SN"], world["DE"]])
    create_submission(round_, world["ML"], status="submitted")
    create_submission(round_, world["NE"], status="draft")
    login(world["coordinator"])
    confirm = client.get(f"/rounds/{round_.id}/remind").get_data(as_text=True)
    listed = re.search(r'<ul id="to-remind">(.*?)</ul>', confirm, re.S).group(1)
    assert "Niger" in listed and "Senegal" in listed
    assert "Mali" not in listed  # submitted
    assert "Germany" not in listed  # no respondent: listed apart
    assert "no active respondent" in confirm

    done = client.post(f"/rounds/{round_.id}/remind", follow_redirects=True)
    assert "Reminders queued for 2 countries (2 people): Niger, Senegal." in done.get_data(
        as_text=True
    )
    recipients = {m.recipient_email for m in db.session.scalars(sa.select(OutboxMessage))}
    assert recipients == {"focal.ne@example.org", "focal.sn@example.org"}

    # The same day: nobody is reminded twice; the page says who was left out and why.
    again = client.post(f"/rounds/{round_.id}/remind", follow_redirects=True).get_data(as_text=True)
    assert "No country needed a reminder" in again
    assert "2 countries reminded in the last 24 hours were left out: Niger, Senegal." in again
    assert db.session.query(OutboxMessage).count() == 2
    # Counted with the reminders, per country.
    runs = db.session.scalars(sa.select(JobRun).where(JobRun.messages_queued > 0)).all()
    assert sorted(r.country_id for r in runs) == sorted([world["NE"].id, world["SN"].id])


def test_a_person_answering_for_two_countries_is_counted_once_among_those_reminded(
    client, login, world, create_round, create_user, db
):
    create_user(Role.RESPONDENT, countries=[world["NE"], world["ML"]], email="both@example.org")
    round_ = create_round(world["version"], [world["NE"], world["ML"]])
    login(world["coordinator"])
    confirm = client.get(f"/rounds/{round_.id}/remind").get_data(as_text=True)
    assert "3 people in all." in confirm  # focal.ne, focal.ml and both: not 4
    done = client.post(f"/rounds/{round_.id}/remind", follow_redirects=True)
    assert "(3 people)" in done.get_data(as_text=True)
    assert db.session.query(OutboxMessage).count() == 4  # one a country for "both"


def test_the_bulk_reminder_leaves_out_a_country_reminded_by_hand_today(
    client, login, world, create_round, db
):
    round_ = create_round(world["version"], [world["NE"], world["SN"]])
    login(world["coordinator"])
    client.post(f"/rounds/{round_.id}/countries/{world['NE'].id}/remind")
    confirm = client.get(f"/rounds/{round_.id}/remind").get_data(as_text=True)
    assert "Niger" in re.search(r'<ul id="reminded-recently">(.*?)</ul>', confirm, re.S).group(1)
    client.post(f"/rounds/{round_.id}/remind")
    recipients = [m.recipient_email for m in db.session.scalars(sa.select(OutboxMessage))]
    assert sorted(recipients) == ["focal.ne@example.org", "focal.sn@example.org"]


def test_a_bulk_reminder_to_a_round_not_open_sends_nothing(client, login, world, create_round, db):
    round_ = create_round(world["version"], [world["NE"]], opens_in=timedelta(days=3))
    login(world["coordinator"])
    assert "No country needs a reminder now." in client.get(f"/rounds/{round_.id}/remind").get_data(
        as_text=True
    )
    client.post(f"/rounds/{round_.id}/remind")
    assert db.session.query(OutboxMessage).count() == 0


def test_the_message_log_is_paginated(client, login, world, create_round, db):
    from surveys.notifications.outbox import queue_message

    round_ = create_round(world["version"], [world["NE"]])
    for number in range(45):
        queue_message(
            recipient_email=f"p{number}@example.org",
            subject=f"Message {number}",
            body="Body",
            language="en",
            user_id=None,
            round_id=round_.id,
            kind="round.opening",
        )
    db.session.commit()
    login(world["coordinator"])
    first = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "45 messages, newest first." in first
    assert first.count("p4") >= 1 and len(re.findall(r"p\d+@example\.org", first)) == 20
    assert "Page 1 of 3" in first
    last = client.get(f"/rounds/{round_.id}?page=3").get_data(as_text=True)
    assert len(re.findall(r"p\d+@example\.org", last)) == 5


def test_the_round_page_reads_every_country_s_respondents_in_one_statement(
    client, login, world, create_round, db
):
    from tests.responses.test_loading import counted, fresh_session

    login(world["coordinator"])
    sizes = {2: ("NE", "ML"), 4: ("NE", "ML", "SN", "DE")}
    rounds = {
        size: create_round(world["version"], [world[c] for c in countries], period=f"r{size}").id
        for size, countries in sizes.items()
    }
    # What a process reads once (the version's parsed definition) is read before counting: the
    # test compares two pages, not the first page a worker serves with the second.
    client.get(f"/rounds/{rounds[2]}")
    statements = {}
    for size, round_id in rounds.items():
        fresh_session(db)
        with counted(db) as seen:
            page = client.get(f"/rounds/{round_id}").get_data(as_text=True)
        statements[size] = len(seen)
        # Every country with a respondent (not Germany), none reminded yet.
        reached = size - 1 if "DE" in sizes[size] else size
        assert f"Remind the {reached} countries that have not submitted" in page
    assert statements[4] == statements[2]


def test_the_round_page_offers_to_remind_the_countries_the_confirmation_lists(
    client, login, world, create_round, create_submission, create_user, db
):
    """The page counts, without loading anyone, the countries the bulk reminder would reach:
    not submitted, someone enabled to receive it, not reminded in the last 24 hours."""
    countries = [world[c] for c in ("NE", "ML", "SN", "DE", "FR", "IT")]
    round_ = create_round(world["version"], countries)
    create_submission(round_, world["ML"], status="submitted")
    disabled = create_user(Role.RESPONDENT, countries=[world["FR"]], email="gone@example.org")
    disabled.is_enabled = False
    create_user(Role.ANALYST, countries=[world["IT"]], email="analyst.it@example.org")
    db.session.commit()
    login(world["coordinator"])
    client.post(f"/rounds/{round_.id}/countries/{world['SN'].id}/remind")

    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    confirm = client.get(f"/rounds/{round_.id}/remind").get_data(as_text=True)
    listed = re.search(r'<ul id="to-remind">(.*?)</ul>', confirm, re.S).group(1)
    assert re.findall(r"<li>\s*([A-Z][a-z]+)", listed) == ["Niger"]
    assert "Remind the 1 country that has not submitted" in page

    create_user(Role.RESPONDENT, countries=[world["FR"]], email="focal.fr@example.org")
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "Remind the 2 countries that have not submitted" in page


def test_the_bulk_reminder_lists_countries_and_people_in_the_readers_alphabetical_order(
    client, login, create_country, create_user, create_version, create_round, db
):
    # Regression: the confirmation listed the countries in the database's order ("Burkina
    # Faso, Tchad, Côte d'Ivoire, Allemagne") though the message after sending sorted them.
    names = [
        ("BF", "BFA", "Burkina Faso", "Burkina Faso"),
        ("TD", "TCD", "Chad", "Tchad"),
        ("CI", "CIV", "Côte d'Ivoire", "Côte d'Ivoire"),
        ("DE", "DEU", "Germany", "Allemagne"),
        ("EG", "EGY", "Egypt", "Égypte"),
    ]
    countries = [create_country(*row) for row in names]
    for country in countries:
        create_user(Role.RESPONDENT, countries=[country], name=f"Focal {country.iso2}")
    create_user(Role.RESPONDENT, countries=[countries[0]], name="Émile Second")
    create_user(Role.RESPONDENT, countries=[countries[0]], name="Anna Third")
    round_ = create_round(create_version(), countries)
    login(create_user(Role.COORDINATOR, language="fr"))
    confirm = client.get(f"/rounds/{round_.id}/remind").get_data(as_text=True)
    listed = re.search(r'<ul id="to-remind">(.*?)</ul>', confirm, re.S).group(1)
    items = re.findall(r"<li>([^<]+?) <span", listed.replace("&#39;", "'"))
    assert items == ["Allemagne", "Burkina Faso", "Côte d'Ivoire", "Égypte", "Tchad"]
    assert "(Anna Third, Émile Second, Focal BF)" in listed
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True).replace("&#39;", "'")
    rows = re.findall(r'<th scope="row">([^<]+)</th>', page)
    assert rows == ["Allemagne", "Burkina Faso", "Côte d'Ivoire", "Égypte", "Tchad"]
