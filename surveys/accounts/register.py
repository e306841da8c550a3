"""The accounts slice joins the application: its pages, its commands, its menu entries."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.accounts.commands import users_cli
from surveys.accounts.views import bp
from surveys.audit.labels import add_action_labels
from surveys.navigation import add_nav_item
from surveys.roles import Role


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(users_cli)
    add_nav_item("accounts.people", _l("People"), roles=(Role.ADMIN, Role.COORDINATOR), order=85)
    add_nav_item("accounts.profile", _l("My account"), order=99)
    add_action_labels(
        {
            "auth.login": _l("Signed in"),
            "auth.login_failed": _l("Sign-in failed"),
            "auth.logout": _l("Signed out"),
            "auth.password_reset_requested": _l("Password reset requested"),
            "user.created": _l("Account created"),
            "user.invited": _l("Person invited"),
            "user.invitation_resent": _l("Invitation sent again"),
            "user.invitation_accepted": _l("Invitation accepted"),
            "user.access_changed": _l("Roles or countries changed"),
            "user.deactivated": _l("Account deactivated"),
            "user.reactivated": _l("Account reactivated"),
            "user.password_set": _l("Password chosen"),
            "user.password_changed": _l("Password changed"),
            "user.password_reset": _l("Password reset"),
            "user.profile_updated": _l("Profile updated"),
        }
    )
