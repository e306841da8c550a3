"""Counts are written with ngettext: one (and in French none) reads in the singular."""

from __future__ import annotations

from types import SimpleNamespace

from flask import render_template

from surveys.i18n import in_language
from surveys.roles import Role
from surveys.rounds import notices


def test_the_invitation_page_says_one_day_when_links_last_one_day(
    app, client, login, create_user, monkeypatch
):
    monkeypatch.setitem(app.config, "TOKEN_MAX_AGE_DAYS", 1)
    login(create_user(Role.ADMIN))
    assert "expires after 1 day." in client.get("/people/invite").get_data(as_text=True)
    login(create_user(Role.ADMIN, language="fr"))
    assert "expire après 1 jour." in client.get("/people/invite").get_data(as_text=True)


def test_a_round_with_one_reminder_a_day_before_says_one_day(
    client, db, login, create_user, create_country, create_version, create_round
):
    round_ = create_round(create_version(), [create_country()], reminder_offsets=(1,))
    login(create_user(Role.COORDINATOR))
    assert "1 day before closing" in client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    login(create_user(Role.COORDINATOR, language="fr"))
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "1 jour avant la clôture" in page


def test_the_closing_summary_counts_one_country_that_submitted(
    create_user, create_country, create_version, create_round
):
    round_ = create_round(create_version(), [create_country("NE"), create_country("TD")])
    summary = {"submitted": 1, "total": 2}
    english = notices.compose(
        notices.CLOSED_SUMMARY, round_, create_user(Role.COORDINATOR), summary=summary
    )
    assert "is closed: 1 country out of 2 submitted." in english.body
    french = notices.compose(
        notices.CLOSED_SUMMARY,
        round_,
        create_user(Role.COORDINATOR, language="fr"),
        summary=summary,
    )
    assert "1 pays sur 2 a soumis son questionnaire." in french.body


def test_an_export_of_one_submission_says_submission(app):
    job = SimpleNamespace(status="running", done_steps=0, total_steps=1, percent=0)
    with app.test_request_context():
        page = render_template("export/_job_status.html", job=job, percent=str)
        assert "0 of 1 submission (" in page
        with in_language("fr"):
            page = render_template("export/_job_status.html", job=job, percent=str)
        assert "0 sur 1 soumission (" in page


def test_a_length_limit_of_the_functional_core_follows_its_count(app):
    """The text kinds' limit is a `Plural`: a limit of one character reads in the singular, in
    English, on a French page and in a French workbook's validation message."""
    from surveys.i18n import make_translate
    from surveys.questionnaire.kinds.base import Message
    from surveys.responses.fields import translated
    from surveys.translatable import AT_MOST_CHARACTERS

    one, many = (
        Message(AT_MOST_CHARACTERS, {"count": 1}),
        Message(AT_MOST_CHARACTERS, {"count": 500}),
    )
    assert (str(one), str(many)) == ("Enter at most 1 character.", "Enter at most 500 characters.")
    with app.test_request_context(), in_language("fr"):
        assert translated(one) == "Saisissez au plus 1 caractère."
        assert translated(many) == "Saisissez au plus 500 caractères."
    # A long limit is written as a number of the reader's language.
    long_text = Message(AT_MOST_CHARACTERS, {"count": 20000})
    assert str(long_text) == "Enter at most 20,000 characters."
    with app.test_request_context(), in_language("fr"):
        assert translated(long_text) == "Saisissez au plus 20\u202f000 caractères."
    french = make_translate("fr")
    assert french(AT_MOST_CHARACTERS, 1) % {"count": 1} == "Saisissez au plus 1 caractère."
    assert (
        french(AT_MOST_CHARACTERS, 2000) % {"count": 2000} == "Saisissez au plus 2000 caractères."
    )
