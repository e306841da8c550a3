"""The review slice joins the application: its pages, its menu entries."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from surveys.audit.labels import add_action_labels
from surveys.navigation import add_nav_item
from surveys.review.views import bp, round_bp
from surveys.roles import Role


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/review")
    app.register_blueprint(round_bp, url_prefix="/rounds")
    add_nav_item("review.index", _l("Review"), roles=(Role.COORDINATOR,), order=45)
    add_action_labels(
        {
            "submission.submitted": _l("Submission submitted"),
            "submission.returned": _l("Submission returned for changes"),
            "submission.validated": _l("Submission validated"),
            "submission.reopened": _l("Submission reopened"),
            "review.query_added": _l("Query added"),
            "review.query_answered": _l("Query answered"),
            "review.query_resolved": _l("Query resolved"),
        }
    )
