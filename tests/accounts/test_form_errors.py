"""A refused account change shows its message next to the field it is about, in any language."""

from __future__ import annotations

import re

import sqlalchemy as sa

from surveys.accounts.models import User


def field_block(page: str, field_id: str) -> str:
    """The HTML of one form field: its `.field` div or its checkbox fieldset."""
    fieldset = re.search(rf'<fieldset[^>]*id="{field_id}".*?</fieldset>', page, re.S)
    if fieldset:
        return fieldset.group(0)
    error = re.search(rf'<p class="error-message" id="{field_id}-error">(.*?)</p>', page, re.S)
    return error.group(0) if error else ""


def test_a_wrong_current_password_is_shown_on_that_field_in_french(client, login, create_user):
    login(create_user("analyst", language="fr"))
    response = client.post(
        "/account/password",
        data={
            "current_password": "not my password at all",
            "password": "another long password",
            "confirm": "another long password",
        },
    )
    page = response.get_data(as_text=True)
    assert "Le mot de passe actuel est incorrect." in field_block(page, "current_password")
    assert field_block(page, "password") == ""


def test_a_password_equal_to_the_email_is_shown_on_the_new_password_field(
    client, login, create_user
):
    login(create_user("analyst", email="long.address@example.org"))
    response = client.post(
        "/account/password",
        data={
            "current_password": "correct horse battery",
            "password": "long.address@example.org",
            "confirm": "long.address@example.org",
        },
    )
    page = response.get_data(as_text=True)
    assert "must not be your email address" in field_block(page, "password")
    assert field_block(page, "current_password") == ""


def test_inviting_a_respondent_without_a_country_points_at_the_countries(
    client, db, login, create_user, countries
):
    login(create_user("admin"))
    response = client.post(
        "/people/invite",
        data={
            "email": "new@example.org",
            "name": "New Person",
            "language": "en",
            "roles": ["respondent"],
        },
    )
    page = response.get_data(as_text=True)
    assert "A respondent needs at least one country." in field_block(page, "countries")
    assert 'id="email-error"' not in page
    assert db.session.scalar(sa.select(User).where(User.email == "new@example.org")) is None


def test_inviting_a_known_address_points_at_the_email(client, login, create_user):
    login(create_user("admin"))
    create_user("analyst", email="taken@example.org")
    response = client.post(
        "/people/invite",
        data={"email": "taken@example.org", "name": "X", "language": "en", "roles": ["analyst"]},
    )
    assert "taken@example.org already has an account." in field_block(
        response.get_data(as_text=True), "email"
    )


def test_an_analyst_bound_to_a_country_is_refused_on_the_countries(
    client, login, create_user, countries
):
    niger, _mali = countries
    login(create_user("admin"))
    analyst = create_user("analyst")
    response = client.post(
        f"/people/{analyst.id}", data={"roles": ["analyst"], "countries": [niger.id]}
    )
    page = response.get_data(as_text=True)
    assert "Only respondents are bound to countries." in field_block(page, "countries")
    assert "Only respondents" not in field_block(page, "roles")


def test_a_short_new_password_is_refused_with_the_rule_in_either_language(
    client, login, create_user
):
    """The forms have `novalidate`: the server's words are what a phone shows. They state the
    rule the field's hint gives ("At least 10 characters."), not wtforms' "between 10 and 200"."""
    for language, rule in (
        ("en", "The password must have at least 10 characters."),
        ("fr", "Le mot de passe doit comporter au moins 10 caractères."),
    ):
        login(create_user("analyst", email=f"short-{language}@example.org", language=language))
        page = client.post(
            "/account/password",
            data={
                "current_password": "correct horse battery",
                "password": "short",
                "confirm": "short",
            },
        ).get_data(as_text=True)
        assert rule in field_block(page, "password"), language
        assert "200" not in field_block(page, "password")


def test_a_length_limit_of_a_form_is_said_in_the_platforms_words(client, login, create_user):
    """As the questionnaire's own limits say it ("Enter at most 500 characters."), not
    wtforms' "Field cannot be longer than 200 characters."."""
    for language, limit in (
        ("en", "Enter at most 200 characters."),
        ("fr", "Saisissez au plus 200 caractères."),
    ):
        login(create_user("analyst", email=f"long-{language}@example.org", language=language))
        page = client.post(
            "/account", data={"name": "N" * 201, "language": language, "timezone": "UTC"}
        ).get_data(as_text=True)
        assert limit in field_block(page, "name"), language
        assert "Field" not in page and "champ" not in field_block(page, "name")
