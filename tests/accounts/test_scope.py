"""The signed-in person's roles and countries, read with their row, follow every change made to
them in the same request, before and after it commits."""

from __future__ import annotations

from surveys.accounts.session import load_user
from surveys.countries.models import Country
from surveys.roles import Role


def test_roles_and_countries_follow_changes_made_in_the_same_request(
    app, db, create_user, create_country
):
    niger = create_country("NE", "NER", "Niger", "Niger")
    mali = create_country("ML", "MLI", "Mali", "Mali")
    person = create_user(Role.RESPONDENT, countries=[niger])
    session_id, niger_id, mali_id = person.get_id(), niger.id, mali.id
    db.session.commit()
    db.session.expunge_all()
    niger, mali = db.session.get(Country, niger_id), db.session.get(Country, mali_id)

    user = load_user(session_id)
    assert user.roles == {Role.RESPONDENT} and user.country_ids == {niger.id}
    user.grant(Role.COORDINATOR)
    assert user.roles == {Role.RESPONDENT, Role.COORDINATOR}
    user.revoke(Role.RESPONDENT)
    user.countries = [mali]
    db.session.commit()  # expires the relationships: what they hold now is read again
    assert user.roles == {Role.COORDINATOR} and user.country_ids == {mali.id}
    user.countries.append(niger)
    assert user.country_ids == {mali.id, niger.id}

    db.session.commit()
    db.session.expunge_all()
    again = load_user(session_id)
    assert again.roles == {Role.COORDINATOR} and again.country_ids == {mali_id, niger_id}
