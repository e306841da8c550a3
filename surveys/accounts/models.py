from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.columns import UTCDateTime, utcnow
from surveys.countries.models import Country
from surveys.extensions import db
from surveys.languages import DEFAULT_LANGUAGE, LANGUAGE_CODE_LENGTH
from surveys.roles import ROLE_VALUES, Role

user_countries = Table(
    "user_countries",
    db.metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("country_id", ForeignKey("countries.id"), primary_key=True),
)


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLE_VALUES!r}".replace(",)", ")"), name="known_role"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower_case"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(200))
    # None until the person accepts the invitation and chooses a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # A configured language's code (surveys.languages: checked by the app, not the schema, so
    # that adding a language is configuration).
    language: Mapped[str] = mapped_column(String(LANGUAGE_CODE_LENGTH), default=DEFAULT_LANGUAGE)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")  # IANA name
    is_enabled: Mapped[bool] = mapped_column(default=True)  # False: deactivated, cannot sign in
    # Bumped on deactivation or password change; a session carrying an older value is ended.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    countries: Mapped[list[Country]] = relationship(
        secondary=user_countries, lazy="selectin", order_by=lambda: Country.sort_name()
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users are refused
        return self.is_enabled

    def get_id(self) -> str:
        # The session version is part of the id so that deactivation ends live sessions at once.
        return f"{self.id}:{self.session_version}"

    def preload_scope(self, roles: frozenset[str], country_ids: frozenset[int]) -> None:
        """Roles and countries read with the user's row (see accounts.session.load_user): the
        relationships stay unloaded until something lists them; a change to them drops this."""
        self._preloaded_scope = (roles, country_ids)

    @property
    def roles(self) -> frozenset[str]:
        if "role_rows" not in self.__dict__ and (scope := self._scope()) is not None:
            return scope[0]
        return frozenset(r.role for r in self.role_rows)

    def _scope(self) -> tuple[frozenset[str], frozenset[int]] | None:
        return self.__dict__.get("_preloaded_scope")

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def grant(self, role: str) -> None:
        if role not in ROLE_VALUES:
            raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLE_VALUES)}")
        if role not in self.roles:
            self.role_rows.append(UserRole(role=role))

    def revoke(self, role: str) -> None:
        self.role_rows = [r for r in self.role_rows if r.role != role]

    @property
    def country_ids(self) -> frozenset[int]:
        if "countries" not in self.__dict__ and (scope := self._scope()) is not None:
            return scope[1]
        return frozenset(c.id for c in self.countries)

    @property
    def sees_all_countries(self) -> bool:
        """Coordinators, analysts and admins read every country's data."""
        return self.has_role(Role.ADMIN, Role.COORDINATOR, Role.ANALYST)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


def _forget_preloaded_scope(user: User, *_args, **_kwargs) -> None:
    """A role or country added, removed or replaced: the scope read with the row is stale (the
    relationships, loaded to change them, answer from then on, even once expired by a commit)."""
    user.__dict__.pop("_preloaded_scope", None)


for _relationship in (User.role_rows, User.countries):
    for _change in ("append", "remove", "bulk_replace"):
        event.listen(_relationship, _change, _forget_preloaded_scope)


class TokenPurpose(StrEnum):
    INVITATION = "invitation"  # first password of an invited person
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a password


TOKEN_PURPOSE_VALUES = tuple(p.value for p in TokenPurpose)


class PasswordToken(db.Model):
    """A single-use, expiring link that lets its holder choose the password of one account.

    Only the SHA-256 of the token is stored: a copy of the database cannot be used to take over
    accounts. Used, superseded and expired tokens stay as a record.
    """

    __tablename__ = "password_tokens"
    __table_args__ = (
        CheckConstraint("purpose IN ('invitation', 'password_reset')", name="known_purpose"),
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
        Index("ix_password_tokens_user_purpose", "user_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the token
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set once when the link is used; a second use finds it set and is refused.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a newer link replaces this one, the password changes or the account is deactivated.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: self/CLI

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


class LoginAttempt(db.Model):
    """One sign-in attempt, kept for throttling across every web worker (pruned after a day)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The address typed, lower-cased, whether or not an account has it.
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(45), default="")
    succeeded: Mapped[bool] = mapped_column(default=False)
