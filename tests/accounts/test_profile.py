"""One's own account: name, language, time zone, password; language and dates follow them."""

from __future__ import annotations

from datetime import UTC, datetime

from surveys.accounts.passwords import verify_password


def test_profile_saves_name_language_and_time_zone(client, db, login, create_user):
    user = create_user("analyst")
    login(user)
    response = client.post(
        "/account", data={"name": "Nouvel Nom", "language": "fr", "timezone": "Africa/Niamey"}
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.language, user.timezone) == ("Nouvel Nom", "fr", "Africa/Niamey")


def test_profile_refuses_an_unknown_time_zone(client, db, login, create_user):
    user = create_user("analyst")
    login(user)
    for zone in ("Mars/Olympus", "africa/niamey", "../../etc/passwd", "UTC+1"):
        response = client.post("/account", data={"name": "X", "language": "en", "timezone": zone})
        assert response.status_code == 200, zone
        assert b"Enter a time zone name from the list" in response.data
    db.session.refresh(user)
    assert user.timezone == "UTC"


def test_page_language_follows_the_preference_else_the_browser(client, login, create_user):
    english_page = client.get("/login", headers={"Accept-Language": "en"})
    assert b'<html lang="en" dir="ltr">' in english_page.data
    french_page = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert b'<html lang="fr" dir="ltr">' in french_page.data
    login(create_user("analyst", language="fr"))
    preferred = client.get("/account", headers={"Accept-Language": "en"})
    assert b'<html lang="fr" dir="ltr">' in preferred.data


def test_every_page_has_the_language_switcher(client, login, create_user):
    assert b'name="language"' in client.get("/login").data
    login(create_user("analyst"))
    assert b'name="language"' in client.get("/account").data


def test_dates_are_shown_in_the_users_time_zone_and_locale(client, db, login, create_user):
    user = create_user("analyst", timezone="Asia/Tokyo")
    user.last_login_at = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    db.session.commit()
    login(user)
    assert b"15 Jan 2026, 21:00" in client.get("/account").data  # British English
    user.language, user.timezone = "fr", "Africa/Niamey"
    db.session.commit()
    page = client.get("/account").data
    assert b"15 janv. 2026, 13:00" in page
    assert b"13:00:00" not in page  # hours and minutes: seconds are noise


def test_change_password_needs_the_current_one(client, db, login, create_user):
    user = create_user("analyst")
    login(user)
    response = client.post(
        "/account/password",
        data={
            "current_password": "wrong",
            "password": "another long password",
            "confirm": "another long password",
        },
    )
    assert b"The current password is not correct." in response.data
    db.session.refresh(user)
    assert verify_password(user.password_hash, "correct horse battery")


def test_change_password_keeps_this_session_and_ends_the_others(
    app, client, db, login, create_user
):
    user = create_user("analyst")
    login(user)
    elsewhere = login(user, on=app.test_client())
    response = client.post(
        "/account/password",
        data={
            "current_password": "correct horse battery",
            "password": "another long password",
            "confirm": "another long password",
        },
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code != 200
    db.session.refresh(user)
    assert verify_password(user.password_hash, "another long password")


def change_own_password(client, current: str, new: str = "another long password"):
    return client.post(
        "/account/password", data={"current_password": current, "password": new, "confirm": new}
    )


def test_guessing_the_current_password_is_throttled_like_signing_in(
    app, client, db, login, create_user
):
    """A borrowed or stolen session must not be a way to try passwords without limit (to learn
    the password, and keep the account after the owner signs out everywhere)."""
    user = create_user("analyst", email="ana@example.org")
    login(user)
    for number in range(app.config["LOGIN_MAX_FAILURES"]):
        assert change_own_password(client, f"guess {number}").status_code == 200
    locked = change_own_password(client, "correct horse battery")
    assert locked.status_code == 429
    assert b"Try again in 15 minutes" in locked.data
    db.session.refresh(user)
    assert verify_password(user.password_hash, "correct horse battery")
    # The guesses count for the sign-in form too: the limit is one for both ways of guessing.
    response = app.test_client().post(
        "/login", data={"email": "ana@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 429


def test_a_refused_new_password_is_not_counted_as_a_guess(app, client, db, login, create_user):
    user = create_user("analyst", email="ana@example.org")
    login(user)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        refused = change_own_password(client, "correct horse battery", new="ana@example.org")
        assert refused.status_code == 200
        assert b"The password must not be your email address." in refused.data
    assert change_own_password(client, "correct horse battery").status_code == 302
    db.session.refresh(user)
    assert verify_password(user.password_hash, "another long password")


def test_the_right_current_password_clears_the_earlier_wrong_ones(
    app, client, db, login, create_user
):
    user = create_user("analyst")
    login(user)
    for number in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        change_own_password(client, f"guess {number}")
    assert change_own_password(client, "correct horse battery").status_code == 302
    for number in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert change_own_password(client, f"again {number}").status_code == 200
    again = change_own_password(client, "another long password", new="a third long one")
    assert again.status_code == 302


def test_a_stored_zone_the_system_does_not_know_falls_back_to_utc(client, db, login, create_user):
    user = create_user("analyst", timezone="Atlantis/Capital")
    user.last_login_at = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    db.session.commit()
    login(user)
    response = client.get("/account")
    assert response.status_code == 200
    assert b"15 Jan 2026, 12:00" in response.data


def test_account_names_the_respondents_country_in_the_readers_language(
    client, db, login, create_user, create_country
):
    chad = create_country("TD", names={"en": "Chad", "fr": "Tchad"})
    user = create_user("respondent", countries=[chad])
    login(user)
    page = client.get("/account").get_data(as_text=True)
    assert "<dt>Your country</dt><dd>Chad</dd>" in page
    user.language = "fr"
    db.session.commit()
    page = client.get("/account").get_data(as_text=True)
    assert "<dt>Votre pays</dt><dd>Tchad</dd>" in page


def test_account_lists_two_countries_by_name_in_the_readers_language(
    client, db, login, create_user, create_country
):
    chad = create_country("TD", names={"en": "Chad", "fr": "Tchad"})
    germany = create_country("DE", names={"en": "Germany", "fr": "Allemagne"})
    user = create_user("respondent", countries=[chad, germany])
    login(user)
    page = client.get("/account").get_data(as_text=True)
    assert "<dt>Your countries</dt><dd>Chad, Germany</dd>" in page
    user.language = "fr"
    db.session.commit()
    page = client.get("/account").get_data(as_text=True)
    assert "<dt>Vos pays</dt><dd>Allemagne, Tchad</dd>" in page
