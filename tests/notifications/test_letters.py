"""Notices are templates: one per kind, written in the recipient's language; a template that
does not start with its subject line, or a kind with no template, is a clear error."""

from __future__ import annotations

import pytest
from jinja2 import ChoiceLoader, DictLoader

from surveys.accounts.operations import send_invitation_email, send_reset_email
from surveys.notifications.letters import UnknownNotice, render_notice
from surveys.notifications.models import OutboxMessage
from surveys.responses.models import Status
from surveys.rounds import notices

try:
    from surveys.review.workflow import Action, announce
except ModuleNotFoundError:  # before the lifecycle moved next to review
    from surveys.responses.workflow import Action, announce


@pytest.fixture
def world(factories):
    country = factories.create_country("NE", names={"en": "Niger", "fr": "Niger"})
    chad = factories.create_country("TD", names={"en": "Chad", "fr": "Tchad"})
    round_ = factories.create_round(factories.create_version(), [country, chad])
    english = factories.create_user("respondent", countries=[chad], name="Ann", language="en")
    french = factories.create_user("respondent", countries=[chad], name="Awa", language="fr")
    return round_, chad, english, french


def test_every_round_notice_is_written_from_its_template_in_the_readers_language(world):
    round_, chad, english, french = world
    for kind in notices.ROUND_NOTICES:
        in_english = notices.compose(kind, round_, english, country=chad)
        in_french = notices.compose(kind, round_, french, country=chad)
        assert in_english.subject and "\n" not in in_english.subject
        assert in_english.body.startswith("Dear Ann,\n\n")
        assert in_french.body.startswith("Bonjour Awa,\n\n")
        assert in_english.body.endswith("(UNODC)\n") and in_french.body.endswith("(ONUDC)\n")
        assert in_english.subject != in_french.subject, kind
    closing = notices.compose(notices.CLOSING, round_, french, country=chad)
    assert "Tchad" in closing.body and "Chad " not in closing.body
    with pytest.raises(ValueError, match="unknown round notice kind"):
        notices.compose("round.unknown", round_, english, country=chad)


def test_submission_notices_and_account_letters_follow_each_recipients_language(
    world, factories, db
):
    round_, chad, english, french = world
    submission = factories.create_submission(round_, chad, status=Status.RETURNED.value)
    assert announce(submission, Action.RETURN, note="Check 2.1") == 2
    send_invitation_email(english, "TOKEN", None)
    send_reset_email(french, "TOKEN")
    messages = {(m.kind, m.language): m for m in db.session.scalars(db.select(OutboxMessage))}
    returned_fr = messages[("submission.returned", "fr")]
    assert returned_fr.subject.startswith("Votre auto-évaluation")
    assert "Note du secrétariat\u00a0:\nCheck 2.1" in returned_fr.body
    invitation = messages[("invitation", "en")]
    assert invitation.body.startswith("Hello Ann,\n\nThe secretariat invites you")
    assert "Your role: Respondent\nCountries: Chad\n" in invitation.body
    reset = messages[("password_reset", "fr")]
    assert reset.subject == "Choisissez un nouveau mot de passe"
    assert reset.body.startswith("Bonjour Awa,\n\nQuelqu'un (sans doute vous)")


def test_a_kind_without_a_template_or_a_template_without_its_subject_line_is_refused(app):
    with pytest.raises(UnknownNotice, match=r"notices/nothing\.txt"):
        render_notice("nothing", "en")
    loader = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"notices/broken.txt": "Subject\nwithout a blank line"}), loader]
    )
    app.jinja_env.cache.clear()
    try:
        with pytest.raises(ValueError, match=r"notices/broken\.txt: the first line must be"):
            render_notice("broken", "en")
    finally:
        app.jinja_env.loader = loader
        app.jinja_env.cache.clear()
