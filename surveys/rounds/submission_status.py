"""A country's submission status in a round, which statuses count (in scores, dashboards,
workbooks, the API and reminders), and the status in words. Pure: no Flask, no database.

Rounds keep it (the round's page and reminders reason about it); the submission itself is a
responses row (surveys.responses.models.Submission)."""

from __future__ import annotations

from enum import StrEnum

from surveys.translatable import N_


class Status(StrEnum):
    # "not started" is the absence of a submission row.
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    VALIDATED = "validated"


STATUS_VALUES = tuple(s.value for s in Status)
# A counted submission: its answers are scored and shown to analysts, and its country is no
# longer reminded. A returned one goes back to being a draft.
COUNTED_STATUSES = (Status.SUBMITTED.value, Status.VALIDATED.value)
NOT_STARTED = "not_started"  # a country of the round with no submission row

_LABELS = {
    NOT_STARTED: N_("Not started"),
    Status.DRAFT.value: N_("Draft"),
    Status.SUBMITTED.value: N_("Submitted"),
    Status.RETURNED.value: N_("Returned"),
    Status.VALIDATED.value: N_("Validated"),
}


def is_counted(status: str | None) -> bool:
    return status in COUNTED_STATUSES


def status_label(status: str | None) -> str:
    """The status in words (a message id, translated where shown); None is not started."""
    return _LABELS.get(status or NOT_STARTED, status or "")
