"""Fixtures of the accounts tests: the outbox, a sign-in through the real form."""

from __future__ import annotations

import pytest
import sqlalchemy as sa


@pytest.fixture
def outbox(db):
    """The queued e-mails, oldest first (a function: call it after the action)."""
    from surveys.notifications.models import OutboxMessage

    def messages(kind: str | None = None):
        query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        return db.session.scalars(query).all()

    return messages


@pytest.fixture
def sign_in(client):
    """Post the sign-in form like a person would."""

    def post(email: str, password: str = "correct horse battery", on=None, **kwargs):
        target = on or client
        return target.post("/login", data={"email": email, "password": password}, **kwargs)

    return post


@pytest.fixture
def countries(create_country):
    """Niger and Mali, the two countries most tests need."""
    return create_country("NE", "NER", "Niger", "Niger"), create_country(
        "ML", "MLI", "Mali", "Mali"
    )
