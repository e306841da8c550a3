"""The country reference table: the 16 participants, and adding more (CLI and web)."""

from __future__ import annotations

import pytest
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
        "/countries/", data={"iso2": "NG", "iso3": "ner", "name_en": "X", "name_fr": "X"}
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


# ---------------------------------------------------------------- renaming


def audit_events(db, action="country.renamed"):
    from surveys.audit.models import AuditEvent

    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_an_admin_renames_a_country_in_both_languages(
    client, login, create_user, create_country, db
):
    chad = create_country("TD", "TCD", "Chad", "Tchad")
    admin = create_user("admin")
    login(admin)
    page = client.get("/countries/").get_data(as_text=True)
    assert f'href="/countries/{chad.id}/names"' in page
    form = client.get(f"/countries/{chad.id}/names").get_data(as_text=True)
    assert 'value="Chad"' in form and 'value="Tchad"' in form
    response = client.post(
        f"/countries/{chad.id}/names",
        data={"name_en": " Republic of Chad ", "name_fr": "République du Tchad"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert chad.names == {"en": "Republic of Chad", "fr": "République du Tchad"}
    listed = client.get("/countries/").get_data(as_text=True)
    assert "Chad is now called Republic of Chad / République du Tchad." in listed
    [event] = audit_events(db)
    assert (event.target_type, event.target_id, event.actor_id) == ("country", chad.id, admin.id)
    assert event.details == {
        "iso2": "TD",
        "before": {"en": "Chad", "fr": "Tchad"},
        "after": {"en": "Republic of Chad", "fr": "République du Tchad"},
    }
    audit_page = client.get("/audit/").get_data(as_text=True)
    assert "Country renamed" in audit_page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name_en": "Chad", "name_fr": "  "}, "name_fr", "The name in French is required."),
        (
            {"name_en": "C" * 121, "name_fr": "Tchad"},
            "name_en",
            "The name in English may be 120 characters long at most (121 given).",
        ),
        (
            {"name_en": "Chad", "name_fr": "niger"},
            "name_fr",
            "NE is already called Niger in French: two countries cannot share a name.",
        ),
        (
            {"name_en": "Chad", "name_fr": "Tchad"},
            "name_en",
            "These are already its names: nothing was changed.",
        ),
    ],
    ids=["blank", "too-long", "another-country's", "unchanged"],
)
def test_a_rename_is_refused_with_a_message_on_the_name_at_fault(
    client, login, create_user, create_country, db, data, field, message
):
    create_country("NE", "NER", "Niger", "Niger")
    chad = create_country("TD", "TCD", "Chad", "Tchad")
    login(create_user("admin"))
    response = client.post(f"/countries/{chad.id}/names", data=data)
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 422
    assert f'<p class="error-message" id="{field}-error">{message}</p>' in page
    db.session.expire_all()
    assert chad.names == {"en": "Chad", "fr": "Tchad"}
    assert audit_events(db) == []


def test_a_rename_refused_in_french(client, login, create_user, create_country, db):
    chad = create_country("TD", "TCD", "Chad", "Tchad")
    login(create_user("admin", language="fr"))
    response = client.post(f"/countries/{chad.id}/names", data={"name_en": "", "name_fr": "T"})
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert "Le nom en anglais est obligatoire." in page
    assert "Renommer Tchad" in page


@pytest.mark.parametrize("role", ["coordinator", "analyst", "respondent"])
def test_only_an_admin_renames_a_country(client, login, create_user, create_country, db, role):
    chad = create_country("TD", "TCD", "Chad", "Tchad")
    login(create_user(role, countries=[chad] if role == "respondent" else ()))
    assert client.get(f"/countries/{chad.id}/names").status_code == 403
    refused = client.post(f"/countries/{chad.id}/names", data={"name_en": "X", "name_fr": "X"})
    assert refused.status_code == 403
    db.session.expire_all()
    assert chad.names == {"en": "Chad", "fr": "Tchad"}
    if role == "coordinator":
        assert "/names" not in client.get("/countries/").get_data(as_text=True)


def test_renaming_an_unknown_country_is_404(client, login, create_user, db):
    login(create_user("admin"))
    assert client.get("/countries/999/names").status_code == 404


def test_cli_renames_a_country_and_audits_it(runner, db, create_country):
    create_country("CI", "CIV", "Ivory Coast", "Côte d'Ivoire")
    result = runner.invoke(args=["countries", "rename", "civ", "--name", "en=Côte d'Ivoire"])
    assert result.exit_code == 0, result.output
    assert "CI en: Ivory Coast -> Côte d'Ivoire" in result.output
    [ivory] = countries(db)
    assert ivory.names == {"en": "Côte d'Ivoire", "fr": "Côte d'Ivoire"}  # French kept
    [event] = audit_events(db)
    assert event.actor_label == "command line"
    assert event.details["after"] == {"en": "Côte d'Ivoire"}


def test_cli_refuses_a_bad_rename_and_changes_nothing(runner, db, create_country):
    create_country("NE", "NER", "Niger", "Niger")
    create_country("TD", "TCD", "Chad", "Tchad")
    unknown = runner.invoke(args=["countries", "rename", "XX", "--name", "en=X"])
    assert unknown.exit_code != 0 and "No country has the code XX." in unknown.output
    twin = runner.invoke(args=["countries", "rename", "TD", "--name", "en=Niger"])
    assert twin.exit_code != 0 and "NE is already called Niger in English" in twin.output
    language = runner.invoke(args=["countries", "rename", "TD", "--name", "de=Tschad"])
    assert language.exit_code != 0 and "Unknown language: de." in language.output
    malformed = runner.invoke(args=["countries", "rename", "TD", "--name", "Tschad"])
    assert malformed.exit_code != 0 and "is not LANG=NAME" in malformed.output
    assert {c.iso2: c.names["en"] for c in countries(db)} == {"NE": "Niger", "TD": "Chad"}
    assert audit_events(db) == []


def test_a_code_that_names_no_country_is_refused(client, login, create_user, runner, db):
    """Two letters are not enough: ZZ ("Unknown Region"), EU or QQ name no country, on the web
    and in the CLI alike; the names typed stay in the form."""
    login(create_user("coordinator"))
    for code in ("ZZ", "EU", "QQ"):
        response = client.post(
            "/countries/",
            data={"iso2": code, "iso3": "ZZZ", "name_en": "Zedland", "name_fr": "Zédie"},
        )
        page = response.get_data(as_text=True)
        assert f"{code} is not the ISO 3166 code of a country (e.g. BJ for Benin)." in page
        assert 'value="Zédie"' in page
    cli = runner.invoke(
        args=["countries", "add", "zz", "zzz", "--name", "en=Zedland", "--name", "fr=Zédie"]
    )
    assert cli.exit_code != 0 and "not the ISO 3166 code of a country" in cli.output
    assert countries(db) == []


def test_an_admin_stops_offering_a_country_for_new_rounds_and_back(
    client, login, create_user, create_country, create_version, create_round, db
):
    """Deactivating keeps the country in the rounds it is part of and takes it out of the new
    round form's choices; reactivating offers it again. Audited; admins only."""
    from surveys.audit.models import AuditEvent

    benin = create_country("BJ", "BEN", "Benin", "Bénin")
    round_ = create_round(create_version(), [benin])
    login(create_user("coordinator"))
    assert (
        client.post(f"/countries/{benin.id}/activation", data={"active": "no"}).status_code == 403
    )
    login(create_user("admin"))
    page = client.get("/countries/").get_data(as_text=True)
    assert 'Deactivate<span class="visually-hidden"> Benin</span>' in page
    done = client.post(
        f"/countries/{benin.id}/activation", data={"active": "no"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "No longer offered for new rounds: Benin." in done
    db.session.expire_all()
    assert not db.session.get(Country, benin.id).active
    assert round_.participant(benin.id) is not None  # still in its round
    login(create_user("coordinator", email="second@example.org"))
    assert "Benin" not in client.get("/rounds/new").get_data(as_text=True)
    login(create_user("admin", email="a2@example.org"))
    client.post(f"/countries/{benin.id}/activation", data={"active": "yes"})
    db.session.expire_all()
    assert db.session.get(Country, benin.id).active
    actions = [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["country.deactivated", "country.activated"]
