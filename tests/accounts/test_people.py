"""The people page: admins manage everyone, coordinators respondents only; every change audited."""

from __future__ import annotations

import re

import sqlalchemy as sa

from surveys.audit.models import AuditEvent


def last_event(db, action: str) -> AuditEvent:
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
    ).first()


def test_admin_lists_and_filters_people_by_role_and_country(client, login, create_user, countries):
    niger, mali = countries
    login(create_user("admin", name="Ada Admin"))
    create_user("respondent", countries=[niger], name="Nouhou Niger")
    create_user("respondent", countries=[mali], name="Moussa Mali")
    create_user("analyst", name="Anna Analyst")
    everyone = client.get("/people").data
    assert all(n in everyone for n in (b"Ada Admin", b"Nouhou Niger", b"Moussa Mali", b"Anna"))
    respondents_of_niger = client.get("/people?role=respondent&country=NE").data
    assert b"Nouhou Niger" in respondents_of_niger
    assert (
        b"Moussa Mali" not in respondents_of_niger and b"Anna Analyst" not in respondents_of_niger
    )
    analysts = client.get("/people?role=analyst").data
    assert b"Anna Analyst" in analysts and b"Nouhou Niger" not in analysts
    assert b"Moussa" in client.get("/people?q=mouss").data


def test_people_list_filters_by_status(client, db, login, create_user):
    admin = create_user("admin", name="Ada Admin")
    login(admin)
    gone = create_user("analyst", name="Gone Person")
    gone.is_enabled = False
    pending = create_user("analyst", name="Pending Person")
    pending.password_hash = None
    db.session.commit()
    deactivated = client.get("/people?status=deactivated").data
    assert b"Gone Person" in deactivated
    assert f"/people/{admin.id}".encode() not in deactivated
    invited = client.get("/people?status=invited").data
    assert b"Pending Person" in invited and b"Gone Person" not in invited


def test_people_list_is_paginated(client, login, create_user, monkeypatch):
    from surveys.accounts import views

    monkeypatch.setattr(views, "PEOPLE_PER_PAGE", 2)
    login(create_user("admin", name="A admin"))
    for n in range(4):
        create_user("analyst", name=f"Person {n}")
    first = client.get("/people").data
    assert b"Page 1 of 3" in first and b"Next page" in first
    assert b"Person 3" in client.get("/people?page=3").data


def test_people_are_listed_in_alphabetical_order_whatever_the_accents(
    client, login, create_user, monkeypatch
):
    # Regression: "Aïssa Maïga" came after "Anna Analyst" (and "Émile" after "Zoé"): the
    # database's collation sorts accented letters after every plain one.
    from surveys.accounts import views

    monkeypatch.setattr(views, "PEOPLE_PER_PAGE", 3)
    login(create_user("admin", name="Zoé Admin"))
    for name in ("Anna Analyst", "émile Lower", "Aïssa Maïga", "Aisha Plain", "Bob Bello"):
        create_user("analyst", name=name)

    def names(page: int) -> list[str]:
        listing = client.get(f"/people?page={page}").get_data(as_text=True)
        return re.findall(r'<a href="/people/\d+">([^<]+)</a>', listing)

    assert names(1) + names(2) == [
        "Aisha Plain",
        "Aïssa Maïga",
        "Anna Analyst",
        "Bob Bello",
        "émile Lower",
        "Zoé Admin",
    ]


def test_coordinator_sees_and_manages_respondents_only(client, login, create_user, countries):
    coordinator = create_user("coordinator", name="Coline Coordinator")
    admin = create_user("admin", name="Ada Admin")
    respondent = create_user("respondent", countries=[countries[0]], name="Nouhou Niger")
    login(coordinator)
    listing = client.get("/people").data
    assert b"Nouhou Niger" in listing and b"Ada Admin" not in listing
    assert f"/people/{coordinator.id}".encode() not in listing
    assert client.get(f"/people/{respondent.id}").status_code == 200
    assert client.get(f"/people/{admin.id}").status_code == 404
    assert client.post(f"/people/{admin.id}/deactivate").status_code == 404


def test_coordinator_cannot_grant_staff_roles(client, db, login, create_user, countries, outbox):
    login(create_user("coordinator"))
    respondent = create_user("respondent", countries=[countries[0]])
    for role in ("admin", "coordinator", "analyst"):
        response = client.post(
            "/people/invite",
            data={"email": f"{role}@example.org", "name": "X", "language": "en", "roles": [role]},
        )
        assert response.status_code == 200 and b"There is a problem" in response.data
        response = client.post(
            f"/people/{respondent.id}",
            data={"roles": ["respondent", role], "countries": [countries[0].id]},
        )
        assert b"There is a problem" in response.data
    db.session.refresh(respondent)
    assert respondent.roles == {"respondent"}
    assert outbox() == []


def test_coordinator_can_invite_a_respondent(client, login, create_user, countries, outbox):
    login(create_user("coordinator"))
    response = client.post(
        "/people/invite",
        data={
            "email": "moussa@example.org",
            "name": "Moussa",
            "language": "fr",
            "roles": ["respondent"],
            "countries": [countries[1].id],
        },
    )
    assert response.status_code == 302
    assert len(outbox("invitation")) == 1


def test_changing_roles_and_countries_is_audited_with_old_and_new_values(
    client, db, login, create_user, countries
):
    niger, mali = countries
    admin = create_user("admin")
    person = create_user("respondent", countries=[niger])
    login(admin)
    response = client.post(
        f"/people/{person.id}",
        data={"roles": ["respondent", "analyst"], "countries": [niger.id, mali.id]},
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.roles == {"respondent", "analyst"}
    assert person.country_ids == {niger.id, mali.id}
    event = last_event(db, "user.access_changed")
    assert event.actor_id == admin.id and event.target_id == person.id
    assert event.details == {
        "roles": [["respondent"], ["analyst", "respondent"]],
        "countries": [["NE"], ["ML", "NE"]],
    }
    # The person page shows the history.
    assert b"user.access_changed" in client.get(f"/people/{person.id}").data


def test_a_respondent_needs_a_country(client, db, login, create_user, countries):
    login(create_user("admin"))
    person = create_user("respondent", countries=[countries[0]])
    response = client.post(f"/people/{person.id}", data={"roles": ["respondent"], "countries": []})
    assert b"A respondent needs at least one country." in response.data
    db.session.refresh(person)
    assert person.country_ids == {countries[0].id}


def test_admin_cannot_remove_their_own_admin_role_or_deactivate_themselves(
    client, db, login, create_user
):
    admin = create_user("admin")
    login(admin)
    response = client.post(f"/people/{admin.id}", data={"roles": ["analyst"]})
    assert b"You cannot remove your own administrator role." in response.data
    response = client.post(f"/people/{admin.id}/deactivate", follow_redirects=True)
    assert b"You cannot deactivate your own account." in response.data
    db.session.refresh(admin)
    assert admin.is_enabled and admin.has_role("admin")


def test_deactivation_and_reactivation_are_audited(app, client, db, login, create_user):
    admin = create_user("admin")
    person = create_user("analyst", email="ana@example.org")
    login(admin)
    response = client.post(f"/people/{person.id}/deactivate", follow_redirects=True)
    assert b"is deactivated and signed out everywhere" in response.data
    db.session.refresh(person)
    assert not person.is_enabled
    assert last_event(db, "user.deactivated").details == {"is_enabled": [True, False]}
    client.post(f"/people/{person.id}/reactivate")
    db.session.refresh(person)
    assert person.is_enabled
    assert last_event(db, "user.reactivated").actor_id == admin.id
    signed_in = app.test_client().post(
        "/login", data={"email": "ana@example.org", "password": "correct horse battery"}
    )
    assert signed_in.status_code == 302


def test_unknown_person_is_a_404(client, login, create_user):
    login(create_user("admin"))
    assert client.get("/people/999999").status_code == 404


def test_non_managers_cannot_open_the_people_page(client, login, create_user, countries):
    for roles in (("analyst",), ("respondent",)):
        login(create_user(*roles, countries=[countries[0]] if "respondent" in roles else []))
        assert client.get("/people").status_code == 403


def test_people_list_shows_each_persons_account_status(client, db, login, create_user):
    from datetime import timedelta

    from surveys.accounts.tokens import issue_token
    from surveys.columns import utcnow

    login(create_user("admin", name="Ada Admin"))
    invited = create_user("analyst", name="Invited Person")
    late = create_user("analyst", name="Late Person")
    gone = create_user("analyst", name="Gone Person")
    for pending in (invited, late):
        pending.password_hash = None
    gone.is_enabled = False
    issue_token(invited, "invitation")
    issue_token(late, "invitation", now=utcnow() - timedelta(days=30))
    db.session.commit()
    page = client.get("/people").get_data(as_text=True)
    rows = {
        name: re.search(rf"{name}</a>.*?badge-([a-z_]+)", page, re.S).group(1)
        for name in ("Ada Admin", "Invited Person", "Late Person", "Gone Person")
    }
    assert rows == {
        "Ada Admin": "active",
        "Invited Person": "invited",
        "Late Person": "invitation_expired",
        "Gone Person": "deactivated",
    }


def test_a_coordinator_with_an_unknown_filter_is_offered_only_their_filters(
    client, login, create_user, countries
):
    niger, _mali = countries
    login(create_user("coordinator"))
    create_user("respondent", countries=[niger], name="Nouhou Niger")
    page = client.get("/people?role=admin").get_data(as_text=True)
    role_select = re.search(r'<select id="role".*?</select>', page, re.S).group(0)
    assert "Administrator" not in role_select and "Respondent" in role_select
    country_select = re.search(r'<select id="country".*?</select>', page, re.S).group(0)
    assert "Niger" in country_select and "Mali" in country_select
    assert "Nouhou Niger" in page


def test_the_people_search_ignores_accents_and_case(client, login, create_user):
    """Typed without its accents (a keyboard without them, or a hurry), a name is found, and
    typed with them too; an e-mail address is searched as well."""
    login(create_user("admin", name="Ada Admin"))
    create_user("analyst", name="Aïssa Maïga", email="a.maiga@example.org")
    create_user("analyst", name="Émile Zola", email="ez@example.org")

    def found(query: str) -> list[str]:
        listing = client.get("/people", query_string={"q": query}).get_data(as_text=True)
        return re.findall(r'<a href="/people/\d+">([^<]+)</a>', listing)

    assert found("aissa") == ["Aïssa Maïga"]
    assert found("MAÏGA") == ["Aïssa Maïga"]
    assert found("emile") == ["Émile Zola"]
    assert found("ez@example") == ["Émile Zola"]
    assert found("nobody") == []
