"""Who receives what: the people notices and status changes are addressed to."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from surveys.accounts.models import User, UserRole, user_countries
from surveys.collation import sort_key
from surveys.extensions import db
from surveys.roles import Role


def coordinators() -> list[User]:
    """The enabled coordinators (the secretariat)."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.COORDINATOR.value, User.is_enabled.is_(True))
            .order_by(User.id)
        ).unique()
    )


def country_respondents(country_id: int) -> list[User]:
    """The enabled respondents of a country."""
    return respondents_by_country([country_id]).get(country_id, [])


def respondents_by_country(country_ids: Collection[int]) -> dict[int, list[User]]:
    """The enabled respondents of each of these countries, by country id, in one statement (a
    round's page lists whom a reminder would reach in each of its countries); a country with
    none is left out. Notices need their names, addresses and languages, not their roles and
    countries, which stay unloaded until read."""
    if not country_ids:
        return {}
    rows = db.session.execute(
        _enabled_respondents_of(sa.select(user_countries.c.country_id, User), country_ids)
        .order_by(user_countries.c.country_id, User.id)
        .options(lazyload(User.role_rows), lazyload(User.countries))
    )
    found: dict[int, list[User]] = defaultdict(list)
    for country_id, user in rows:
        found[country_id].append(user)
    # Listed by name as a reader sorts them (the pages say whom a reminder reaches).
    return {
        country_id: sorted(people, key=lambda user: (sort_key(user.name), user.id))
        for country_id, people in found.items()
    }


def countries_with_respondents(country_ids: Collection[int]) -> set[int]:
    """Those of these countries `respondents_by_country` would list (someone enabled to receive
    a notice there), without loading anyone: a round's page only counts them."""
    if not country_ids:
        return set()
    statement = _enabled_respondents_of(sa.select(user_countries.c.country_id), country_ids)
    return set(db.session.scalars(statement.distinct()))


def _enabled_respondents_of(select: sa.Select, country_ids: Collection[int]) -> sa.Select:
    """`select` over the enabled respondents of these countries, each with one of its countries
    (user_countries) and the user's row joined."""
    return (
        select.select_from(user_countries)
        .join(User, User.id == user_countries.c.user_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.role == Role.RESPONDENT.value,
            User.is_enabled.is_(True),
            user_countries.c.country_id.in_(set(country_ids)),
        )
    )
