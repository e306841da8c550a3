"""The country reference table: the 16 participants, and adding more (CLI and web)."""

from __future__ import annotations

import sqlalchemy as sa

from surveys.countries.data import PARTICIPANTS
from surveys.countries.models import Country
from surveys.countries.operations import seed_participants


def countries(db) -> list[Country]:
    return list(db.session.scalars(sa.select(Country).order_by(Country.iso2)))


def test_seed_adds_the_sixteen_participants_once(db):
    assert seed_participants() == 16
    assert seed_participants() == 0
    db.session.commit()
    names = {c.iso3: (c.name("en"), c.name("fr")) for c in countries(db)}
    assert len(names) == 16
    assert names["CIV"] == ("Côte d'Ivoire", "Côte d'Ivoire")
    assert names["NLD"] == ("Netherlands", "Pays-Bas")
    assert {row[0] for row in PARTICIPANTS} >= {"NE", "ML", "TD", "GB"}


def test_cli_adds_a_country_with_both_names(runner, db):
    result = runner.invoke(
        args=["countries", "add", "bj", "ben", "--name", "en=Benin", "--name", "fr=Bénin"]
    )
    assert result.exit_code == 0, result.output
    [benin] = countries(db)
    assert (benin.iso2, benin.iso3, benin.name("fr")) == ("BJ", "BEN", "Bénin")


def test_cli_refuses_bad_codes_and_duplicates_and_changes_nothing(runner, db):
    bad = runner.invoke(
        args=["countries", "add", "B1", "BEN", "--name", "en=Benin", "--name", "fr=Bénin"]
    )
    assert bad.exit_code != 0 and "alpha-2 code must be two letters" in bad.output
    runner.invoke(args=["countries", "seed"])
    duplicate = runner.invoke(
        args=["countries", "add", "NE", "NEX", "--name", "en=X", "--name", "fr=X"]
    )
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    assert len(countries(db)) == 16


def test_coordinator_adds_a_country_on_the_web(client, login, create_user, db):
    login(create_user("coordinator"))
    response = client.post(
        "/countries/", data={"iso2": "BJ", "iso3": "BEN", "name_en": "Benin", "name_fr": "Bénin"}
    )
    assert response.status_code == 302
    assert [c.iso2 for c in countries(db)] == ["BJ"]
    page = client.get("/countries/").get_data(as_text=True)
    assert "Benin" in page


def test_web_form_explains_a_bad_code(client, login, create_user, db):
    login(create_user("coordinator"))
    response = client.post(
        "/countries/", data={"iso2": "B", "iso3": "BEN", "name_en": "Benin", "name_fr": "Bénin"}
    )
    assert response.status_code == 200
    assert "Two letters, e.g. BJ." in response.get_data(as_text=True)
    assert countries(db) == []


def test_respondents_and_analysts_cannot_manage_countries(client, login, create_user):
    login(create_user("analyst"))
    assert client.get("/countries/").status_code == 403


def test_a_duplicate_code_is_explained_in_french_on_the_field_that_clashes(
    client, login, create_user, create_country, db
):
    create_country("NE", "NER", "Niger", "Niger")
    login(create_user("coordinator", language="fr"))
    response = client.post(
        "/countries/", data={"iso2": "NX", "iso3": "ner", "name_en": "X", "name_fr": "X"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        '<p class="error-message" id="iso3-error">Un pays avec le code NE / NER existe déjà.</p>'
        in page
    )
    assert 'id="iso2-error"' not in page
    assert [c.iso2 for c in countries(db)] == ["NE"]


def test_a_name_of_spaces_is_refused_on_that_name(client, login, create_user, db):
    login(create_user("coordinator"))
    response = client.post(
        "/countries/", data={"iso2": "BJ", "iso3": "BEN", "name_en": "Benin", "name_fr": "   "}
    )
    assert 'id="name_fr-error"' in response.get_data(as_text=True)
    assert countries(db) == []
