"""Recording audit events (append-only). Callers commit with the change they describe."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user

from surveys.audit.labels import ACTION_LABELS
from surveys.audit.models import AuditEvent
from surveys.extensions import db


def client_address() -> str | None:
    if not has_request_context():
        return None
    return request.remote_addr


def record(
    action: str,
    *,
    target_type: str | None = None,
    target_id: int | None = None,
    details: dict | None = None,
    actor=None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Add an audit event; the actor defaults to the signed-in user, else "system"."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    if current_app.testing and action not in ACTION_LABELS:
        # Caught by the test suite so that the audit browser never shows a bare code.
        raise ValueError(f"audit action {action!r} has no label in surveys/audit/labels.py")
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor_label or (actor.email if actor is not None else "system"),
        ip=client_address(),
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details or {},
    )
    db.session.add(event)
    return event
