"""Changes to accounts: sign-in, invitations, passwords, roles, countries and deactivation.

Flush only: the caller (a view or a CLI command) commits, together with the audit events these
functions record. Messages of `AccountError` are translated, ready to show to the person acting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from babel.dates import format_datetime as babel_format_datetime
from blinker import Namespace
from sqlalchemy import func, select

from surveys.accounts.labels import ROLE_LABELS, is_valid_timezone, role_label
from surveys.accounts.models import LoginAttempt, TokenPurpose, User, UserRole
from surveys.accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    PASSWORD_TOO_SHORT,
    hash_password,
    spend_a_password_check,
    verify_password,
)
from surveys.accounts.throttle import normalise_email, prune_attempts, reserve_attempt
from surveys.accounts.tokens import (
    consume_token,
    issue_token,
    recent_token_count,
    revoke_open_tokens,
    token_lifetime,
    usable_token,
    users_with_open_tokens,
)
from surveys.audit.operations import client_address, record
from surveys.columns import utcnow
from surveys.countries.models import Country
from surveys.extensions import db
from surveys.i18n import counted, is_enabled, locale_for, zone_named
from surveys.i18n import gettext as _
from surveys.languages import DEFAULT_LANGUAGE
from surveys.links import absolute_url
from surveys.notifications.letters import Notice, render_notice
from surveys.notifications.outbox import queue_message
from surveys.roles import ROLE_VALUES, Role

# A person may ask for at most this many reset e-mails per hour (protects their mailbox).
MAX_RESET_EMAILS_PER_HOUR = 3
# Roles a coordinator may give or take away; everything else is for administrators.
COORDINATOR_MANAGED_ROLES = frozenset({Role.RESPONDENT.value})


class AccountError(ValueError):
    """A refused account change, with a translated message for the person who asked.

    `field` names the form field the message belongs to (e.g. "countries"), so that a page shows
    it next to that field whatever the language; None for a refusal about the whole account.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class LockedOut(AccountError):
    """Too many wrong passwords for the account (or from the address) until `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__("", field="current_password")
        self.until = until


# ---------------------------------------------------------------- look-ups


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def account_statuses(users: Iterable[User], now: datetime | None = None) -> dict[int, str]:
    """{user id: active, invited, invitation_expired or deactivated}, in one query for a page."""
    users = list(users)
    pending = [u.id for u in users if u.is_enabled and not u.password_hash]
    invited = users_with_open_tokens(pending, TokenPurpose.INVITATION, now)
    return {user.id: _status(user, user.id in invited) for user in users}


def _status(user: User, has_open_invitation: bool) -> str:
    if not user.is_enabled:
        return "deactivated"
    if user.password_hash:
        return "active"
    return "invited" if has_open_invitation else "invitation_expired"


def account_status(user: User, now: datetime | None = None) -> str:
    """active, invited, invitation_expired or deactivated."""
    return account_statuses([user], now)[user.id]


# ---------------------------------------------------------------- who may manage whom


def grantable_roles(actor: User | None) -> frozenset[str]:
    """The roles `actor` may give or take away (None: the command line, which may do anything)."""
    if actor is None or actor.has_role(Role.ADMIN):
        return frozenset(ROLE_VALUES)
    if actor.has_role(Role.COORDINATOR):
        return COORDINATOR_MANAGED_ROLES
    return frozenset()


def can_manage(actor: User | None, user: User) -> bool:
    """Admins manage everyone; coordinators only people who hold no role besides respondent."""
    allowed = grantable_roles(actor)
    return bool(allowed) and user.roles <= allowed


# ---------------------------------------------------------------- sign-in


@dataclass(frozen=True)
class SignIn:
    user: User | None = None
    locked_until: datetime | None = None

    @property
    def succeeded(self) -> bool:
        return self.user is not None


@dataclass(frozen=True)
class PendingSignIn:
    """An attempt recorded (as failed) before its password is checked; see `begin_sign_in`."""

    attempt: LoginAttempt
    locked_until: datetime | None


def begin_sign_in(email: str, *, now: datetime | None = None) -> PendingSignIn:
    """Record a sign-in attempt, throttled per account and per address.

    The caller commits before `authenticate`: parallel attempts are then counted one after the
    other, and none holds a lock during the (deliberately slow) password check.
    """
    attempt, lock = reserve_attempt(email, client_address(), now)
    return PendingSignIn(attempt, lock)


def authenticate(pending: PendingSignIn, password: str) -> SignIn:
    """Check the password of a recorded attempt (unless locked out); records the audit."""
    attempt = pending.attempt
    email, now = attempt.email, attempt.at
    if pending.locked_until is not None:
        spend_a_password_check(password)
        record(
            "auth.login_failed", details={"email": email, "reason": "throttled"}, actor_label=email
        )
        return SignIn(locked_until=pending.locked_until)

    user = user_by_email(email)
    if user is None or not user.password_hash:
        spend_a_password_check(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and user.is_enabled
    if not ok:
        reason = "deactivated" if user is not None and not user.is_enabled else "bad_credentials"
        record(
            "auth.login_failed",
            target_type="user" if user is not None else None,
            target_id=user.id if user is not None else None,
            details={"email": email, "reason": reason},
            actor_label=email,
        )
        return SignIn()

    attempt.succeeded = True
    prune_attempts(now)
    user.last_login_at = now
    record("auth.login", target_type="user", target_id=user.id, actor=user)
    return SignIn(user=user)


# ---------------------------------------------------------------- e-mails


def _format_for(user: User, moment: datetime) -> str:
    """A moment as the recipient reads it: their language and time zone."""
    return babel_format_datetime(
        moment, "long", tzinfo=zone_named(user.timezone), locale=locale_for(user.language)
    )


def _queue(user: User, notice: Notice, *, kind: str) -> None:
    queue_message(
        recipient_email=user.email,
        subject=notice.subject,
        body=notice.body,
        language=user.language,
        user_id=user.id,
        kind=kind,
    )


def _token_expiry(now: datetime) -> datetime:
    return now + token_lifetime()


def send_invitation_email(
    user: User, raw_token: str, inviter: User | None, now: datetime | None = None
) -> str:
    """Queue the invitation in the invited person's language; returns the link."""
    now = now or utcnow()
    link = absolute_url("accounts.accept_invitation", invitation_token=raw_token)
    notice = render_notice(
        "invitation",
        user.language,
        name=user.name,
        inviter=inviter.name if inviter is not None else None,
        roles=[ROLE_LABELS.get(r, r) for r in sorted(user.roles)],  # lazy: read when written
        countries=[c.name(user.language) for c in user.countries],
        link=link,
        expires=_format_for(user, _token_expiry(now)),
    )
    _queue(user, notice, kind="invitation")
    return link


def send_reset_email(user: User, raw_token: str, now: datetime | None = None) -> str:
    now = now or utcnow()
    link = absolute_url("accounts.reset_password", reset_token=raw_token)
    notice = render_notice(
        "password_reset",
        user.language,
        name=user.name,
        link=link,
        expires=_format_for(user, _token_expiry(now)),
    )
    _queue(user, notice, kind="password_reset")
    return link


# ---------------------------------------------------------------- invitations


@dataclass
class AccessChange:
    """Roles and countries before and after a change, for the audit log."""

    old_roles: list[str] = field(default_factory=list)
    new_roles: list[str] = field(default_factory=list)
    old_countries: list[str] = field(default_factory=list)
    new_countries: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.old_roles != self.new_roles or self.old_countries != self.new_countries

    def as_details(self) -> dict:
        details: dict = {}
        if self.old_roles != self.new_roles:
            details["roles"] = [self.old_roles, self.new_roles]
        if self.old_countries != self.new_countries:
            details["countries"] = [self.old_countries, self.new_countries]
        return details


def _check_access(roles: Iterable[str], countries: list[Country]) -> set[str]:
    roles = {str(r) for r in roles}
    unknown = roles - set(ROLE_VALUES)
    if unknown:
        raise AccountError(
            _("Unknown role: %(role)s.", role=", ".join(sorted(unknown))), field="roles"
        )
    if not roles:
        raise AccountError(_("Choose at least one role."), field="roles")
    if Role.RESPONDENT in roles and not countries:
        raise AccountError(_("A respondent needs at least one country."), field="countries")
    if countries and Role.RESPONDENT not in roles:
        raise AccountError(_("Only respondents are bound to countries."), field="countries")
    return roles


def _check_grant(actor: User | None, old_roles: set[str], new_roles: set[str]) -> None:
    allowed = grantable_roles(actor)
    touched = old_roles.symmetric_difference(new_roles)
    forbidden = touched - allowed
    if forbidden:
        raise AccountError(
            _(
                "You may not grant or remove the role: %(roles)s.",
                roles=", ".join(role_label(r) for r in sorted(forbidden)),
            ),
            field="roles",
        )


def invite_person(
    *,
    email: str,
    name: str,
    roles: Iterable[str],
    countries: list[Country],
    language: str,
    timezone: str | None = None,
    actor: User | None,
    now: datetime | None = None,
) -> tuple[User, str]:
    """Create a pending account and queue its invitation; returns (user, link)."""
    now = now or utcnow()
    email = normalise_email(email)
    roles = _check_access(roles, countries)
    _check_grant(actor, set(), roles)
    if not is_enabled(language):
        raise AccountError(
            _("Unknown language: %(language)s.", language=language), field="language"
        )
    if timezone and not is_valid_timezone(timezone):
        raise AccountError(_("Unknown time zone: %(zone)s.", zone=timezone), field="timezone")
    existing = user_by_email(email)
    if existing is not None:
        if existing.password_hash is None:
            raise AccountError(
                _("%(email)s is already invited: resend the invitation instead.", email=email),
                field="email",
            )
        raise AccountError(_("%(email)s already has an account.", email=email), field="email")
    user = User(email=email, name=name.strip(), language=language, timezone=timezone or "UTC")
    for role in sorted(roles):
        user.grant(role)
    user.countries.extend(countries)
    db.session.add(user)
    db.session.flush()
    raw = issue_token(user, TokenPurpose.INVITATION, created_by=actor, now=now)
    link = send_invitation_email(user, raw, actor, now)
    record(
        "user.invited",
        target_type="user",
        target_id=user.id,
        # {field: [old, new]} like every change; an invitation starts from nothing.
        details={
            "email": email,
            "roles": [[], sorted(roles)],
            "countries": [[], _country_codes(countries)],
            "language": language,
        },
        actor=actor,
    )
    return user, link


def resend_invitation(user: User, *, actor: User | None, now: datetime | None = None) -> str:
    """A fresh invitation link (the previous one stops working); returns the link."""
    if user.password_hash is not None:
        raise AccountError(_("%(email)s has already accepted the invitation.", email=user.email))
    if not user.is_enabled:
        raise AccountError(_("Reactivate the account before inviting the person again."))
    raw = issue_token(user, TokenPurpose.INVITATION, created_by=actor, now=now)
    link = send_invitation_email(user, raw, actor, now)
    record("user.invitation_resent", target_type="user", target_id=user.id, actor=actor)
    return link


# ---------------------------------------------------------------- passwords


def check_new_password(password: str, user: User | None = None) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            counted(PASSWORD_TOO_SHORT, MIN_PASSWORD_LENGTH),
            field="password",
        )
    if user is not None and password.strip().lower() == user.email:
        raise AccountError(_("The password must not be your email address."), field="password")


def _set_password(user: User, password: str) -> None:
    check_new_password(password, user)
    user.password_hash = hash_password(password)
    # Every other session of this person ends; the caller signs the current one in again.
    user.session_version += 1


def request_password_reset(email: str, now: datetime | None = None) -> bool:
    """Queue a reset link if the address belongs to an enabled account; True if one was sent.

    The caller shows the same message either way; both paths write to the database, so that
    response times do not tell whether the address is registered.
    """
    now = now or utcnow()
    email = normalise_email(email)
    user = user_by_email(email)
    sent = False
    if user is not None and user.is_enabled:
        recent = recent_token_count(user, TokenPurpose.PASSWORD_RESET, now - timedelta(hours=1))
        if recent < MAX_RESET_EMAILS_PER_HOUR:
            raw = issue_token(user, TokenPurpose.PASSWORD_RESET, now=now)
            send_reset_email(user, raw, now)
            sent = True
    record(
        "auth.password_reset_requested",
        target_type="user" if user is not None else None,
        target_id=user.id if user is not None else None,
        details={"email": email, "sent": sent},
        actor_label=email,
    )
    return sent


def set_password_with_token(
    raw_token: str, purpose: TokenPurpose, password: str, now: datetime | None = None
) -> User:
    """Use an invitation or reset link once; raises AccountError if it no longer works."""
    now = now or utcnow()
    token = usable_token(raw_token, purpose, now)
    if token is None:
        raise AccountError(_("This link has expired or has already been used."))
    user = token.user
    check_new_password(password, user)
    if not consume_token(token, now):
        raise AccountError(_("This link has expired or has already been used."))
    _set_password(user, password)
    revoke_open_tokens(user, now=now)  # any other open link is now pointless
    action = (
        "user.invitation_accepted" if purpose == TokenPurpose.INVITATION else "user.password_reset"
    )
    record(action, target_type="user", target_id=user.id, actor=user)
    return user


def change_password(
    user: User, current_password: str, new_password: str, *, pending: PendingSignIn | None = None
) -> None:
    """Replace one's own password, knowing the current one.

    `pending`: the attempt `begin_sign_in` recorded for this check (the web page's), so that
    guesses of the current password are throttled as sign-ins are, and counted with them: a
    signed-in session must not be a way to try passwords without limit. Raises LockedOut (with
    the lockout's end) when locked, AccountError for a wrong password or a refused new one.
    """
    check_new_password(new_password, user)
    if pending is not None and pending.locked_until is not None:
        raise LockedOut(pending.locked_until)
    if not verify_password(user.password_hash, current_password):
        raise AccountError(_("The current password is not correct."), field="current_password")
    if pending is not None:
        pending.attempt.succeeded = True  # the owner knows the password: the slate is wiped
    _set_password(user, new_password)
    revoke_open_tokens(user, purpose=TokenPurpose.PASSWORD_RESET)
    record("user.password_changed", target_type="user", target_id=user.id, actor=user)


def set_password_directly(user: User, password: str, *, actor: User | None = None) -> None:
    """For the command line and the demo: no current password needed."""
    _set_password(user, password)
    record("user.password_set", target_type="user", target_id=user.id, actor=actor)


# ---------------------------------------------------------------- profile


def update_profile(user: User, *, name: str, language: str, timezone: str) -> dict:
    """Change one's own name, language and time zone; returns {field: [old, new]}."""
    name = name.strip()
    if not name:
        raise AccountError(_("The name is required."), field="name")
    if not is_enabled(language):
        raise AccountError(
            _("Unknown language: %(language)s.", language=language), field="language"
        )
    if not is_valid_timezone(timezone):
        raise AccountError(_("Unknown time zone: %(zone)s.", zone=timezone), field="timezone")
    changes = {}
    for attribute, value in (("name", name), ("language", language), ("timezone", timezone)):
        old = getattr(user, attribute)
        if old != value:
            changes[attribute] = [old, value]
            setattr(user, attribute, value)
    if changes:
        record("user.profile_updated", target_type="user", target_id=user.id, details=changes)
    return changes


# ---------------------------------------------------------------- roles, countries, activation


def _country_codes(countries: Iterable[Country]) -> list[str]:
    return sorted(c.iso2 for c in countries)


def _admin_count_without(user: User) -> int:
    return db.session.scalar(
        select(func.count(User.id))
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN.value, User.is_enabled, User.id != user.id)
    )


def _require_manageable(actor: User | None, user: User) -> None:
    if not can_manage(actor, user):
        raise AccountError(_("You may not change this person's account."))


def change_access(
    user: User,
    *,
    roles: Iterable[str],
    countries: list[Country],
    actor: User | None,
) -> AccessChange:
    """Set the user's roles and countries; audited with the old and new values."""
    _require_manageable(actor, user)
    new_roles = _check_access(roles, countries)
    old_roles = set(user.roles)
    _check_grant(actor, old_roles, new_roles)
    if Role.ADMIN in old_roles and Role.ADMIN not in new_roles:
        if actor is not None and actor.id == user.id:
            raise AccountError(_("You cannot remove your own administrator role."), field="roles")
        if _admin_count_without(user) == 0:
            raise AccountError(
                _("The platform needs at least one active administrator."), field="roles"
            )
    change = AccessChange(
        old_roles=sorted(old_roles),
        new_roles=sorted(new_roles),
        old_countries=_country_codes(user.countries),
        new_countries=_country_codes(countries),
    )
    if not change.changed:
        return change
    for role in old_roles - new_roles:
        user.revoke(role)
    for role in sorted(new_roles - old_roles):
        user.grant(role)
    user.countries = sorted(countries, key=lambda c: c.name(DEFAULT_LANGUAGE))
    db.session.flush()
    record(
        "user.access_changed",
        target_type="user",
        target_id=user.id,
        details=change.as_details(),
        actor=actor,
    )
    return change


def grant_access(
    user: User, *, roles: Iterable[str] = (), countries: Iterable[Country] = (), actor=None
) -> AccessChange:
    """Add roles and countries to what the user already has."""
    countries = list(countries)
    new_roles = set(user.roles) | {str(r) for r in roles}
    merged = list({c.id: c for c in [*user.countries, *countries]}.values())
    return change_access(user, roles=new_roles, countries=merged, actor=actor)


def revoke_access(
    user: User, *, roles: Iterable[str] = (), countries: Iterable[Country] = (), actor=None
) -> AccessChange:
    """Remove roles and countries; removing the respondent role also removes the countries."""
    removed_roles = {str(r) for r in roles}
    removed_ids = {c.id for c in countries}
    new_roles = set(user.roles) - removed_roles
    remaining = [c for c in user.countries if c.id not in removed_ids]
    if Role.RESPONDENT not in new_roles:
        remaining = []
    return change_access(user, roles=new_roles, countries=remaining, actor=actor)


_signals = Namespace()
user_deactivated = _signals.signal("user-deactivated")
"""Sent with the deactivated user (`actor`, `now` as keywords), before the caller commits."""


def deactivate(user: User, *, actor: User | None, now: datetime | None = None) -> None:
    """Refuse sign-in and end every live session of the user at once."""
    _require_manageable(actor, user)
    if actor is not None and actor.id == user.id:
        raise AccountError(_("You cannot deactivate your own account."))
    if not user.is_enabled:
        raise AccountError(_("%(email)s is already deactivated.", email=user.email))
    if user.has_role(Role.ADMIN) and _admin_count_without(user) == 0:
        raise AccountError(_("The platform needs at least one active administrator."))
    user.is_enabled = False
    user.session_version += 1  # sessions carry the version in their id: all of them end now
    revoke_open_tokens(user, now=now)
    # Slices above this one end what they hold for the person (the data API's tokens), so
    # that a later reactivation brings back no key given out before.
    user_deactivated.send(user, actor=actor, now=now or utcnow())
    record(
        "user.deactivated",
        target_type="user",
        target_id=user.id,
        details={"is_enabled": [True, False]},
        actor=actor,
    )


def reactivate(user: User, *, actor: User | None) -> None:
    _require_manageable(actor, user)
    if user.is_enabled:
        raise AccountError(_("%(email)s is already active.", email=user.email))
    user.is_enabled = True
    record(
        "user.reactivated",
        target_type="user",
        target_id=user.id,
        details={"is_enabled": [False, True]},
        actor=actor,
    )
