"""The audit log says what happened in words, in the reader's language, with the code beside."""

from __future__ import annotations

import pytest

from surveys.audit.labels import ACTION_LABELS
from surveys.audit.operations import record


def test_an_action_without_a_label_is_caught_in_tests(app):
    with pytest.raises(ValueError, match="has no label"):
        record("something.new")


def test_the_audit_log_shows_labels_in_french(client, login, create_user, db):
    admin = create_user("admin", language="fr")
    record("submission.validated", target_type="submission", target_id=7, actor=admin)
    db.session.commit()
    login(admin)
    page = client.get("/audit/").get_data(as_text=True)
    assert "Soumission validée" in page and "submission.validated" in page
    filtered = client.get("/audit/?action=submission.validated").get_data(as_text=True)
    assert "Soumission validée" in filtered


def test_every_label_is_distinct():
    labels = [str(label) for label in ACTION_LABELS.values()]
    assert len(labels) == len(set(labels))
