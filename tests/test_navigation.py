"""The main menu: what each person may use, in their language (written once per set of roles
and language, so nothing of one person's menu reaches another's)."""

from __future__ import annotations

import re

from surveys.roles import Role


def _menu(client) -> list[str]:
    page = client.get("/account").get_data(as_text=True)
    nav = page.split('<nav class="main-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r">([^<>]+)</a>", nav)


def test_each_person_sees_the_entries_of_their_roles_in_their_language(
    app, client, login, create_user, db
):
    respondent = create_user(Role.RESPONDENT)
    coordinator = create_user(Role.COORDINATOR, language="fr")
    login(respondent)
    assert "Review" not in _menu(client) and "Questionnaires" in _menu(client)
    login(coordinator)
    coordinator_menu = _menu(client)
    assert "Examen" in coordinator_menu and "Questionnaires" in coordinator_menu
    assert "Review" not in coordinator_menu
    login(respondent)
    assert "Review" not in _menu(client)


def test_a_role_granted_shows_in_the_menu_at_the_next_page(app, client, login, create_user, db):
    person = create_user(Role.RESPONDENT)
    login(person)
    assert "Review" not in _menu(client)
    person.grant(Role.COORDINATOR)
    db.session.commit()
    assert "Review" in _menu(client)


def test_every_page_names_the_time_zone_its_moments_are_written_in(client, login, create_user):
    """Pages write dates in the reader's zone while workbooks say UTC: the footer names the
    reader's zone and where to change it (an analyst in Vienna read 19:00 on a page and 18:00 in
    the workbook, with nothing saying why)."""
    assert "time zone" not in client.get("/login").get_data(as_text=True)  # nobody's zone yet
    login(create_user(Role.ANALYST, timezone="Europe/Vienna"))
    footer = client.get("/results/").get_data(as_text=True).split("<footer", 1)[1]
    assert "Times are shown in your time zone, Europe/Vienna." in footer
    assert 'href="/account"' in footer
    login(create_user(Role.COORDINATOR, language="fr", timezone="Africa/Niamey"))
    footer = client.get("/rounds/").get_data(as_text=True).split("<footer", 1)[1]
    assert "Les heures sont affichées dans votre fuseau horaire, Africa/Niamey." in footer
