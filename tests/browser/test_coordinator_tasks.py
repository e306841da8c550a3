"""A coordinator's first hour, in Chromium, in English and French (issue 14, points 4 and 5):
a new round made with "untick all", a region and one more country holds exactly those
countries, after a summary; a bulk reminder reaches only the countries that have not submitted,
and not twice in a day."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.browser.conftest import Site, sign_in

pytestmark = pytest.mark.browser

COORDINATORS = [pytest.param("coordinator", id="en"), pytest.param("coordinator_fr", id="fr")]
EUROPE = ("DE", "FR", "IT", "NL", "ES", "GB")


def add_countries(site: Site) -> None:
    """Europe's six, and Senegal with a respondent, next to the seeded Niger and Mali."""
    from surveys.accounts.models import User
    from surveys.accounts.passwords import hash_password
    from surveys.countries.models import Country
    from surveys.roles import Role
    from surveys.rounds.models import Round, RoundCountry
    from tests.browser.conftest import PASSWORD

    names = {
        "DE": ("DEU", "Germany", "Allemagne"),
        "FR": ("FRA", "France", "France"),
        "IT": ("ITA", "Italy", "Italie"),
        "NL": ("NLD", "Netherlands", "Pays-Bas"),
        "ES": ("ESP", "Spain", "Espagne"),
        "GB": ("GBR", "United Kingdom", "Royaume-Uni"),
        "SN": ("SEN", "Senegal", "Sénégal"),
    }

    def build(session):
        countries = {}
        for iso2, (iso3, en, fr) in names.items():
            countries[iso2] = Country(iso2=iso2, iso3=iso3, names={"en": en, "fr": fr})
            session.add(countries[iso2])
        person = User(
            email="focal.sn@example.org",
            name="Fatou Diop",
            password_hash=hash_password(PASSWORD),
            language="fr",
        )
        person.grant(Role.RESPONDENT)
        person.countries.append(countries["SN"])
        session.add(person)
        session.flush()
        round_ = session.get(Round, site.round_id)
        round_.participants.append(RoundCountry(country_id=countries["SN"].id))
        session.commit()

    site.query(build)


def round_countries(site: Site, period: str) -> set[str]:
    from surveys.rounds.models import Round

    def read(session):
        round_ = session.scalar(sa.select(Round).where(Round.period_label == period))
        return None if round_ is None else {p.country.iso2 for p in round_.participants}

    return site.query(read)


@pytest.mark.parametrize("who", COORDINATORS)
def test_a_new_round_holds_exactly_the_countries_chosen(site, new_context, who):
    add_countries(site)
    page = new_context().new_page()
    sign_in(page, site, getattr(site, who))
    page.goto(site.url("/rounds/new"))
    assert page.locator("input[name=country_ids]:checked").count() == 0  # none by default
    page.fill("#period_label", "2027-H1")

    # Each shortcut posts the form and the page comes back: count once it has loaded, or the
    # count reads the page being left.
    for shortcut, checked in (("all", 9), ("none", 0), ("'region:europe'", 6)):
        with page.expect_navigation():
            page.click(f"button[name=select][value={shortcut}]")
        assert page.locator("input[name=country_ids]:checked").count() == checked, shortcut
    page.get_by_label("Niger", exact=True).check()
    assert page.input_value("#period_label") == "2027-H1"  # kept through the clicks

    with page.expect_navigation():
        page.locator("main form button[type=submit]:not([name])").last.click()
    summary = page.locator("main").inner_text()
    assert "2027-H1" in summary
    assert round_countries(site, "2027-H1") is None  # not yet: the summary comes first
    listed = page.locator("#summary-countries").inner_text()
    assert "Niger" in listed and "Mali" not in listed and "Senegal" not in listed
    assert listed.count(",") == 6  # seven countries
    with page.expect_navigation():
        page.click("button[name=confirm][value=yes]")
    assert round_countries(site, "2027-H1") == {*EUROPE, "NE"}


@pytest.mark.parametrize("who", COORDINATORS)
def test_a_bulk_reminder_reaches_only_the_countries_that_have_not_submitted(site, new_context, who):
    from surveys.notifications.models import OutboxMessage
    from surveys.responses.models import Submission

    add_countries(site)

    def mali_submits(session):
        from surveys.countries.models import Country

        mali = session.scalar(sa.select(Country).where(Country.iso2 == "ML"))
        session.add(Submission(round_id=site.round_id, country_id=mali.id, status="submitted"))
        session.commit()

    site.query(mali_submits)
    page = new_context().new_page()
    sign_in(page, site, getattr(site, who))
    page.goto(site.url(f"/rounds/{site.round_id}"))
    page.click(f"main a[href$='/rounds/{site.round_id}/remind']")
    listed = page.locator("#to-remind").inner_text()
    assert "Niger" in listed and ("Senegal" in listed or "Sénégal" in listed)
    assert "Mali" not in listed
    assert site.query(lambda s: s.query(OutboxMessage).count()) == 0  # nothing sent yet

    with page.expect_navigation():
        page.click("main form button[type=submit]")
    recipients = site.query(
        lambda s: sorted(m.recipient_email for m in s.scalars(sa.select(OutboxMessage)))
    )
    # Niger's three respondents and Senegal's one; Mali's respondent is not reminded.
    assert recipients == sorted(
        [site.respondent, site.respondent_fr, site.colleague, "focal.sn@example.org"]
    )
    flash = page.locator(".flash-success").inner_text()
    assert "Niger" in flash and "Mali" not in flash

    # Once a day: the page no longer offers it, and a second post sends nothing.
    assert page.locator(f"main a[href$='/rounds/{site.round_id}/remind']").count() == 0
    page.goto(site.url(f"/rounds/{site.round_id}/remind"))
    assert page.locator("#reminded-recently li").count() == 2
    assert page.locator("main form[action$='/remind'] button").count() == 0
    assert site.query(lambda s: s.query(OutboxMessage).count()) == 4
