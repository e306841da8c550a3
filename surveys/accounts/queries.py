"""Who receives what: the people notices and status changes are addressed to."""

from __future__ import annotations

import sqlalchemy as sa

from surveys.accounts.models import User, UserRole, user_countries
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
    return list(
        db.session.scalars(
            sa.select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .join(user_countries, user_countries.c.user_id == User.id)
            .where(
                UserRole.role == Role.RESPONDENT.value,
                User.is_enabled.is_(True),
                user_countries.c.country_id == country_id,
            )
            .order_by(User.id)
        ).unique()
    )
