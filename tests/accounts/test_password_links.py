"""Invitations and password resets: e-mails in the recipient's language, links that work once."""

from __future__ import annotations

import re

import sqlalchemy as sa

from surveys.accounts.models import PasswordToken, TokenPurpose, User
from surveys.accounts.passwords import verify_password
from surveys.accounts.tokens import hash_token, issue_token

LINK = re.compile(r"http://localhost(/\S+)")


def link_path(message) -> str:
    return LINK.search(message.body).group(1)


def invite(client, places, **overrides):
    data = {
        "email": "Awa@Example.org",
        "name": "Awa Diallo",
        "language": "fr",
        "roles": ["respondent"],
        "countries": [places[0].id],
    }
    data.update(overrides)
    return client.post("/people/invite", data=data)


def test_admin_invites_a_respondent_who_receives_a_french_email(
    client, db, login, create_user, countries, outbox
):
    login(create_user("admin", name="Ada Admin"))
    response = invite(client, countries)
    assert response.status_code == 302
    person = db.session.scalar(sa.select(User).where(User.email == "awa@example.org"))
    assert person.password_hash is None
    assert person.roles == {"respondent"} and person.country_ids == {countries[0].id}
    assert person.timezone == "Africa/Niamey"  # from the country, changeable in the profile
    [message] = outbox("invitation")
    assert message.recipient_email == "awa@example.org"
    assert message.language == "fr" and message.user_id == person.id
    assert "Ada Admin" in message.body and "Niger" in message.body
    # The expiry date is written for the recipient: French month names, their time zone.
    assert re.search(
        r"janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre",
        message.body,
    )


def test_the_invitation_link_sets_the_password_and_signs_in_once(
    app, client, db, login, create_user, countries, outbox
):
    login(create_user("admin"))
    invite(client, countries)
    path = link_path(outbox("invitation")[0])
    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200 and b"awa@example.org" in page.data
    assert page.headers["Cache-Control"] == "no-store"
    response = visitor.post(
        path, data={"password": "a new long password", "confirm": "a new long password"}
    )
    assert response.status_code == 302
    assert visitor.get("/account").status_code == 200
    person = db.session.scalar(sa.select(User).where(User.email == "awa@example.org"))
    assert verify_password(person.password_hash, "a new long password")
    assert app.test_client().get(path).status_code == 410


def test_set_password_page_refuses_short_or_different_passwords(app, db, create_user, countries):
    person = create_user("analyst", email="awa@example.org")
    person.password_hash = None
    db.session.commit()
    raw = issue_token(person, TokenPurpose.INVITATION)
    db.session.commit()
    visitor = app.test_client()
    short = visitor.post(f"/invitation/{raw}", data={"password": "short", "confirm": "short"})
    assert short.status_code == 200 and b"There is a problem" in short.data
    differ = visitor.post(
        f"/invitation/{raw}", data={"password": "long enough pass", "confirm": "long enough pasz"}
    )
    assert b"The passwords differ." in differ.data
    same_as_email = visitor.post(
        f"/invitation/{raw}", data={"password": "awa@example.org", "confirm": "awa@example.org"}
    )
    assert b"must not be your email address" in same_as_email.data
    db.session.refresh(person)
    assert person.password_hash is None
    # Failed attempts do not spend the link.
    assert visitor.get(f"/invitation/{raw}").status_code == 200


def test_only_a_hash_of_the_token_is_stored(app, db, create_user):
    person = create_user("analyst")
    raw = issue_token(person, TokenPurpose.PASSWORD_RESET)
    db.session.commit()
    stored = db.session.scalars(sa.select(PasswordToken.token_hash)).all()
    assert stored == [hash_token(raw)] and raw not in stored


def test_an_invitation_link_is_not_a_reset_link(app, db, create_user):
    person = create_user("analyst")
    raw = issue_token(person, TokenPurpose.INVITATION)
    db.session.commit()
    assert app.test_client().get(f"/password/reset/{raw}").status_code == 410


def test_resending_an_invitation_replaces_the_link(
    client, db, login, create_user, countries, outbox
):
    login(create_user("admin"))
    invite(client, countries)
    person = db.session.scalar(sa.select(User).where(User.email == "awa@example.org"))
    first = link_path(outbox("invitation")[0])
    assert client.post(f"/people/{person.id}/resend").status_code == 302
    second = link_path(outbox("invitation")[1])
    assert first != second
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_inviting_an_existing_address_is_refused(client, db, login, create_user, countries, outbox):
    login(create_user("admin"))
    create_user("analyst", email="awa@example.org")
    response = invite(client, countries)
    assert response.status_code == 200 and b"already has an account" in response.data
    assert outbox() == []


def test_invitation_needs_a_valid_address_a_role_and_a_country_for_respondents(
    client, db, login, create_user, countries, outbox
):
    login(create_user("admin"))
    assert b"Enter an email address" in invite(client, countries, email="not-an-address").data
    assert b"There is a problem" in invite(client, countries, roles=[]).data
    assert (
        b"A respondent needs at least one country." in invite(client, countries, countries=[]).data
    )
    assert (
        b"Only respondents are bound to countries."
        in invite(client, countries, roles=["analyst"]).data
    )
    assert outbox() == []


def test_reset_request_answers_the_same_for_known_and_unknown_addresses(
    client, db, create_user, outbox
):
    create_user("analyst", email="ana@example.org")
    known = client.post(
        "/password/forgot", data={"email": "ana@example.org"}, follow_redirects=True
    )
    unknown = client.post(
        "/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    assert known.status_code == unknown.status_code == 200

    # CSRF tokens carry a timestamp, so they differ from one second to the next.
    def page(response, email: bytes) -> bytes:
        return re.sub(rb'name="csrf_token" value="[^"]*"', b"", response.data.replace(email, b"X"))

    assert page(known, b"ana@example.org") == page(unknown, b"nobody@example.org")
    [message] = outbox("password_reset")
    assert message.recipient_email == "ana@example.org"


def test_reset_link_sets_a_new_password_and_ends_other_sessions(
    app, client, db, create_user, outbox, login
):
    person = create_user("analyst", email="ana@example.org", language="fr")
    other_session = login(person, on=app.test_client())
    client.post("/password/forgot", data={"email": "ana@example.org"})
    [message] = outbox("password_reset")
    assert message.language == "fr"
    response = client.post(
        link_path(message), data={"password": "brand new password", "confirm": "brand new password"}
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other_session.get("/account").status_code != 200
    db.session.refresh(person)
    assert verify_password(person.password_hash, "brand new password")


def test_no_reset_email_for_a_deactivated_account(client, db, create_user, outbox):
    person = create_user("analyst", email="ana@example.org")
    person.is_enabled = False
    db.session.commit()
    client.post("/password/forgot", data={"email": "ana@example.org"})
    assert outbox() == []


def test_reset_emails_are_limited_per_hour(client, create_user, outbox):
    create_user("analyst", email="ana@example.org")
    for _ in range(5):
        client.post("/password/forgot", data={"email": "ana@example.org"})
    assert len(outbox("password_reset")) == 3
