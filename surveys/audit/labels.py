"""What each recorded action means, in the reader's language (the code stays the stored key)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
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
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "api_token.refused": _l("API token refused"),
    "questionnaire.imported": _l("Questionnaire version imported"),
    "questionnaire.draft_replaced": _l("Draft questionnaire version replaced"),
    "questionnaire.published": _l("Questionnaire version published"),
    "offline.imported": _l("Answers imported from a workbook"),
    "round.created": _l("Round created"),
    "round.updated": _l("Round changed"),
    "round.cancelled": _l("Round cancelled"),
    "round.closing_moved": _l("Closing date moved"),
    "round.extended": _l("Deadline extended for a country"),
    "round.reopened": _l("Round reopened for a country"),
    "round.opened_now": _l("Round opened at once by an operator"),
    "round.closed_now": _l("Round closed at once by an operator"),
    "cadence.created": _l("Cadence set"),
    "cadence.stopped": _l("Cadence stopped"),
    "cadence.round_skipped": _l("Cadence could not create its round"),
    "submission.submitted": _l("Submission submitted"),
    "submission.returned": _l("Submission returned for changes"),
    "submission.validated": _l("Submission validated"),
    "submission.reopened": _l("Submission reopened"),
    "review.query_added": _l("Query added"),
    "review.query_answered": _l("Query answered"),
    "review.query_resolved": _l("Query resolved"),
    "export.scorecard": _l("Scorecard downloaded"),
    "export.trends": _l("Trends workbook downloaded"),
    "export.queued": _l("Trends workbook with every answer requested"),
    "export.downloaded": _l("Prepared workbook downloaded"),
}


def action_label(action: str) -> str:
    """The action in words; an unknown code is shown as it is rather than hidden."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action
