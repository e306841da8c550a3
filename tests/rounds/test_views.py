"""Round pages: who may see and do what, forms in the coordinator's time zone, the round page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from surveys.notifications.models import OutboxMessage
from surveys.roles import Role
from surveys.rounds.models import Cadence, Round


@pytest.fixture
def world(db, create_country, create_user, create_version):
    niger = create_country("NE", "NER", "Niger", "Niger")
    mali = create_country("ML", "MLI", "Mali", "Mali")
    return {
        "niger": niger,
        "mali": mali,
        "version": create_version(),
        "coordinator": create_user(Role.COORDINATOR, timezone="Africa/Niamey"),
        "analyst": create_user(Role.ANALYST),
        "respondent": create_user(Role.RESPONDENT, countries=[niger]),
    }


def round_form(world, **fields) -> dict:
    """The new-round (or edit) form as posted: a valid round for Niger, with `fields` changed
    (None leaves a field out, as a browser does for an empty choice)."""
    form = {
        "version_id": world["version"].id,
        "period_label": "2026-H2",
        "opens_at": "2030-03-01T09:00",
        "closes_at": "2030-04-30T18:00",
        "country_ids": [world["niger"].id],
        "reminder_offsets": "10, 3",
        **fields,
    }
    return {name: value for name, value in form.items() if value is not None}


def test_analyst_reads_but_cannot_change(client, login, world, create_round):
    round_ = create_round(world["version"], [world["niger"]])
    login(world["analyst"])
    assert client.get("/rounds/").status_code == 200
    page = client.get(f"/rounds/{round_.id}")
    assert page.status_code == 200
    assert "Remind…" not in page.get_data(as_text=True)
    assert client.get("/rounds/new").status_code == 403
    response = client.post(
        f"/rounds/{round_.id}/extend",
        data={"extend-country_id": "0", "extend-closes_at": "2030-01-01T00:00"},
    )
    assert response.status_code == 403


def test_respondent_and_anonymous_are_kept_out(client, login, world, create_round):
    round_ = create_round(world["version"], [world["niger"]])
    anonymous = client.get(f"/rounds/{round_.id}", headers={"Accept": "text/html"})
    assert anonymous.status_code == 302  # to the sign-in page
    assert "/login" in anonymous.headers["Location"]
    login(world["respondent"])
    assert client.get(f"/rounds/{round_.id}").status_code == 403


def test_create_form_reads_dates_in_the_coordinators_zone(client, login, world, db):
    login(world["coordinator"])
    form = client.get("/rounds/new").get_data(as_text=True)
    assert form.count("checked") == 0  # countries are chosen on purpose, none by default
    response = client.post(
        "/rounds/new",
        data=round_form(world, country_ids=[world["niger"].id, world["mali"].id], confirm="yes"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    round_ = db.session.query(Round).one()
    # Niamey is UTC+1: 09:00 there is 08:00 UTC.
    assert round_.opens_at == datetime(2030, 3, 1, 8, 0, tzinfo=UTC)
    assert round_.closes_at == datetime(2030, 4, 30, 17, 0, tzinfo=UTC)
    assert round_.reminder_offsets == [10, 3]


def test_a_period_label_is_kept_on_one_line(client, login, world, db):
    """The label names the offline workbooks' files (a header, which cannot hold a line break)
    and the e-mails' subjects: a posted line break or tab becomes one space."""
    login(world["coordinator"])
    response = client.post(
        "/rounds/new",
        data=round_form(world, period_label=" 2026\r\n\tH2 ", confirm="yes"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.query(Round).one().period_label == "2026 H2"


def test_the_countries_of_a_new_round_are_listed_in_the_readers_alphabetical_order(
    client, login, world, create_country, create_user
):
    # Regression: they came in the English order, so a French form began "Burkina Faso, Tchad".
    create_country("TD", "TCD", "Chad", "Tchad")
    create_country("DE", "DEU", "Germany", "Allemagne")
    login(create_user(Role.COORDINATOR, language="fr"))
    form = client.get("/rounds/new").get_data(as_text=True)
    labels = re.findall(r'<label for="country_ids-\d+">([^<]+)</label>', form)
    assert labels == ["Allemagne", "Mali", "Niger", "Tchad"]


def test_bad_form_input_gives_a_specific_message_and_creates_nothing(client, login, world, db):
    login(world["coordinator"])
    response = client.post(
        "/rounds/new",
        data=round_form(world, closes_at="2030-02-01T09:00", reminder_offsets="14, 7, 1"),
    )
    assert response.status_code == 200
    assert "The closing date must be after the opening date." in response.get_data(as_text=True)
    assert db.session.query(Round).count() == 0


def test_round_page_shows_status_progress_and_filters(
    client, login, world, create_round, create_submission, db
):
    round_ = create_round(world["version"], [world["niger"], world["mali"]])
    create_submission(round_, world["niger"], answers={"legal_tip_offence": "yes"})
    login(world["coordinator"])
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "Niger" in page and "Mali" in page
    assert "Not started" in page and "Draft" in page
    assert re.search(r'<td class="num">\d+% <span', page)  # Niger's completion: "12%"
    world["coordinator"].language = "fr"
    db.session.commit()
    french = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert re.search(r'<td class="num">\d+\u00a0% <span', french)  # "12 %", no break before %
    filtered = client.get(f"/rounds/{round_.id}?status=not_started").get_data(as_text=True)
    assert '<th scope="row">Mali</th>' in filtered
    assert '<th scope="row">Niger</th>' not in filtered


def test_extend_one_country_and_refusal_on_a_closed_round(client, login, world, create_round, db):
    round_ = create_round(world["version"], [world["niger"], world["mali"]])
    login(world["coordinator"])
    response = client.post(
        f"/rounds/{round_.id}/extend",
        data={"extend-country_id": world["niger"].id, "extend-closes_at": "2099-01-01T10:00"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert round_.participant(world["niger"].id).closes_at_override == datetime(
        2099, 1, 1, 9, 0, tzinfo=UTC
    )
    closed = create_round(
        world["version"],
        [world["niger"]],
        period="2025-H2",
        opens_in=timedelta(days=-60),
        closes_in=timedelta(days=-1),
    )
    response = client.post(
        f"/rounds/{closed.id}/extend",
        data={"extend-country_id": world["niger"].id, "extend-closes_at": "2099-01-01T10:00"},
    )
    assert response.status_code == 400
    assert "reopen the country&#39;s submission instead" in response.get_data(as_text=True)
    db.session.expire_all()
    assert closed.participant(world["niger"].id).closes_at_override is None


def test_extend_never_shortens_an_open_round(client, login, world, create_round, db):
    """Countries work to the date they were given: Extend refuses an earlier or the same date
    for every country, and nobody is told anything."""
    round_ = create_round(world["version"], [world["niger"], world["mali"]])
    closes_at = round_.closes_at
    login(world["coordinator"])  # Africa/Niamey: UTC+1
    for moment in (closes_at - timedelta(days=3), closes_at):
        response = client.post(
            f"/rounds/{round_.id}/extend",
            data={
                "extend-country_id": "0",
                "extend-closes_at": f"{moment + timedelta(hours=1):%Y-%m-%dT%H:%M}",
            },
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 400, page
        assert "An extension must end after the round&#39;s current closing date" in page
        assert "its closing date cannot be brought forward" in page
    db.session.expire_all()
    assert db.session.get(Round, round_.id).closes_at == closes_at
    assert db.session.query(OutboxMessage).count() == 0


def test_an_extension_is_announced_to_the_countries_it_gives_time(
    client, login, world, create_round, create_submission, create_user, create_country, db
):
    """Each respondent of a country whose date moved later is told the new date, in their
    language and zone; a country that has submitted, or whose own later date did not move, is
    not."""
    chad = create_country("TD", "TCD", "Chad", "Tchad")
    round_ = create_round(world["version"], [world["niger"], world["mali"], chad])
    create_submission(round_, world["mali"], status="submitted")
    create_user(Role.RESPONDENT, countries=[world["mali"]])
    create_user(Role.RESPONDENT, countries=[chad])
    french = create_user(
        Role.RESPONDENT, countries=[world["niger"]], language="fr", timezone="Africa/Niamey"
    )
    login(world["coordinator"])
    later_for_chad = client.post(
        f"/rounds/{round_.id}/extend",
        data={"extend-country_id": chad.id, "extend-closes_at": "2099-06-01T10:00"},
    )
    assert later_for_chad.status_code == 302
    told = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.kind for m in told] == ["round.extended"]  # Chad's respondent only
    db.session.query(OutboxMessage).delete()
    db.session.commit()

    response = client.post(
        f"/rounds/{round_.id}/extend",
        data={"extend-country_id": "0", "extend-closes_at": "2099-01-01T10:00"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "2 respondents were told the new date." in page  # Niger's two; not Mali, not Chad
    messages = db.session.scalars(sa.select(OutboxMessage)).all()
    assert {m.recipient_email for m in messages} == {world["respondent"].email, french.email}
    to_french = next(m for m in messages if m.recipient_email == french.email)
    assert to_french.subject.startswith("Nouvelle date de clôture")
    assert "Niger\u00a0: le cycle" in to_french.body
    assert "se clôt désormais le 1 janvier 2099, 10:00 (Africa/Niamey)." in to_french.body


def test_a_refused_reopen_shows_its_error_in_that_countrys_form_only(
    client, login, world, create_round
):
    # Regression: every closed country's reopen form shared one set of ids (each label named
    # the first country's box) and a refused reopen showed its error, folded away, in all rows.
    closed = create_round(
        world["version"],
        [world["niger"], world["mali"]],
        period="2025-H2",
        opens_in=timedelta(days=-60),
        closes_in=timedelta(days=-1),
    )
    niger, mali = world["niger"].id, world["mali"].id
    login(world["coordinator"])
    page = client.get(f"/rounds/{closed.id}").get_data(as_text=True)
    for country_id in (niger, mali):
        assert page.count(f'id="reopen-closes_at-{country_id}"') == 1
        assert page.count(f'for="reopen-closes_at-{country_id}"') == 1
    assert "<details open>" not in page

    response = client.post(
        f"/rounds/{closed.id}/countries/{mali}/reopen",
        data={"reopen-closes_at": "", "reopen-note": "Late figures"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert page.count("<details open>") == 1
    assert page.count('class="error-message"') == 1
    assert f'id="reopen-closes_at-{mali}-error"' in page
    assert page.count("Late figures") == 1  # kept in Mali's form, not copied into Niger's


def test_remind_now_and_resend(client, login, world, create_round, db):
    round_ = create_round(world["version"], [world["niger"]])
    login(world["coordinator"])
    response = client.post(f"/rounds/{round_.id}/countries/{world['niger'].id}/remind")
    assert response.status_code == 302
    message = db.session.query(OutboxMessage).one()
    assert message.recipient_email == world["respondent"].email
    assert message.round_id == round_.id
    message.status = "failed"
    message.last_error = "SMTP 554: refused"
    db.session.commit()
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "SMTP 554: refused" in page
    assert _reminders_shown(page, "Niger") == 1
    client.post(f"/rounds/{round_.id}/messages/{message.id}/resend")
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "pending"


def test_cancel_before_opening(client, login, world, create_round, db):
    round_ = create_round(world["version"], [world["niger"]], opens_in=timedelta(days=3))
    login(world["coordinator"])
    assert client.get(f"/rounds/{round_.id}/edit").status_code == 200
    client.post(f"/rounds/{round_.id}/cancel")
    db.session.expire_all()
    assert round_.cancelled_at is not None


def test_cadence_form(client, login, world, db):
    login(world["coordinator"])
    assert client.get("/rounds/cadences").status_code == 200
    response = client.post(
        "/rounds/cadences",
        data={
            "questionnaire_id": world["version"].questionnaire_id,
            "every_months": 6,
            "open_weeks": 8,
            "lead_days": 14,
            "first_opens_at": "2030-01-15T09:00",
            "reminder_offsets": "14, 7, 1",
        },
    )
    assert response.status_code == 302
    cadence = db.session.query(Cadence).one()
    assert cadence.first_opens_at == datetime(2030, 1, 15, 8, 0, tzinfo=UTC)


def _reminders_shown(page: str, country: str) -> int:
    """The "Reminders sent" cell of a country's row (the only whole-number cell)."""
    row = re.search(rf'<th scope="row">{country}</th>(.*?)</tr>', page, re.S)
    assert row is not None, f"no row for {country}"
    (count,) = re.findall(r'<td class="num">(\d+)</td>', row.group(1))
    return int(count)


def test_remind_now_is_refused_for_a_country_that_submitted_or_is_closed(
    client, login, world, create_round, create_submission, db
):
    from surveys.rounds.models import JobRun

    round_ = create_round(world["version"], [world["niger"], world["mali"]])
    create_submission(round_, world["niger"], status="submitted")
    closed = create_round(
        world["version"],
        [world["niger"]],
        period="2025-H2",
        opens_in=timedelta(days=-60),
        closes_in=timedelta(days=-1),
    )
    login(world["coordinator"])
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert page.count("Remind…") == 1  # Mali only

    response = client.post(
        f"/rounds/{round_.id}/countries/{world['niger'].id}/remind", follow_redirects=True
    )
    assert "has already submitted its questionnaire; no reminder was sent" in response.get_data(
        as_text=True
    )
    response = client.post(
        f"/rounds/{closed.id}/countries/{world['niger'].id}/remind", follow_redirects=True
    )
    assert "The round is not open for this country" in response.get_data(as_text=True)
    assert db.session.query(OutboxMessage).count() == 0
    assert db.session.query(JobRun).count() == 0


def test_a_reminder_that_reached_nobody_is_not_counted(client, login, world, create_round, db):
    round_ = create_round(world["version"], [world["mali"]])  # Mali has no respondent
    login(world["coordinator"])
    response = client.post(
        f"/rounds/{round_.id}/countries/{world['mali'].id}/remind", follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "nobody to remind" in page
    assert _reminders_shown(page, "Mali") == 0
    assert db.session.query(OutboxMessage).count() == 0


def _field_errors(page: str, field_id: str) -> list[str]:
    """The error messages written beside a field (its `<field>-error` paragraphs)."""
    return re.findall(rf'<p class="error-message" id="{field_id}-error">([^<]+)</p>', page)


def _unescaped(page: str) -> str:
    return page.replace("&#39;", "'").replace("&amp;", "&")


def test_every_wrong_field_of_a_new_round_is_named_at_once(client, login, world, db):
    # Regression: one error at a time (the form's own, then the first the checks found).
    login(world["coordinator"])
    response = client.post(
        "/rounds/new",
        data=round_form(
            world,
            period_label="",
            closes_at="2030-02-01T09:00",
            reminder_offsets="14, abc, -3",
            country_ids=None,
        ),
    )
    assert response.status_code == 200
    page = _unescaped(response.get_data(as_text=True))
    assert _field_errors(page, "period_label") == [
        "Give the period the round covers, e.g. 2026-H2."
    ]
    assert _field_errors(page, "closes_at") == ["The closing date must be after the opening date."]
    countries = re.search(
        r'<fieldset class="field field-error" id="country_ids">.*?</fieldset>', page, re.S
    )
    assert countries is not None
    assert "Choose at least one country." in countries.group(0)
    assert _field_errors(page, "reminder_offsets") == [
        "Reminders are whole numbers of days between 1 and 365: abc, -3 are not."
    ]
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
    assert summary.count("<li>") == 4
    assert 'value="14, abc, -3"' in page  # nothing typed is lost
    assert 'value="2030-03-01T09:00"' in page
    assert db.session.query(Round).count() == 0


def test_every_wrong_field_of_a_round_edit_is_named_at_once(client, login, world, create_round, db):
    round_ = create_round(world["version"], [world["niger"]], opens_in=timedelta(days=3))
    login(world["coordinator"])
    response = client.post(
        f"/rounds/{round_.id}/edit",
        data=round_form(
            world,
            period_label="",
            opens_at="2099-03-01T09:00",
            closes_at="2099-02-01T09:00",
            reminder_offsets="14, abc, -3",
            country_ids=None,
        ),
    )
    page = _unescaped(response.get_data(as_text=True))
    assert _field_errors(page, "period_label")
    assert _field_errors(page, "closes_at") == ["The closing date must be after the opening date."]
    assert "Choose at least one country." in page
    assert _field_errors(page, "reminder_offsets") == [
        "Reminders are whole numbers of days between 1 and 365: abc, -3 are not."
    ]
    db.session.expire_all()
    assert round_.period_label == "2026-H2"


def test_every_wrong_field_of_a_cadence_is_named_at_once(client, login, world, db):
    login(world["coordinator"])
    response = client.post(
        "/rounds/cadences",
        data={
            "questionnaire_id": world["version"].questionnaire_id,
            "every_months": "abc",
            "open_weeks": "8",
            "lead_days": "400",
            "first_opens_at": "2030-01-15T09:00",
            "reminder_offsets": "14, abc, -3",
        },
    )
    page = _unescaped(response.get_data(as_text=True))
    assert _field_errors(page, "every_months") == ["Enter a whole number."]  # said once
    assert _field_errors(page, "lead_days")
    assert _field_errors(page, "reminder_offsets") == [
        "Reminders are whole numbers of days between 1 and 365: abc, -3 are not."
    ]
    assert 'value="14, abc, -3"' in page
    assert db.session.query(Cadence).count() == 0


def test_a_reminder_before_the_opening_of_a_new_round_is_refused(client, login, world, db):
    # Regression: accepted, and the summary listed a reminder on 1 Dec 2026 for a round
    # opening on 1 Feb 2027.
    login(world["coordinator"])
    response = client.post(
        "/rounds/new",
        data=round_form(
            world,
            period_label="2027-Q1",
            opens_at="2027-02-01T09:00",
            closes_at="2027-03-01T09:00",
            reminder_offsets="90, 7",
        ),
    )
    page = response.get_data(as_text=True)
    assert _field_errors(page, "reminder_offsets") == [
        "A reminder 90 days before closing would go on 1 Dec 2026, 09:00, "
        "before the round opens on 1 Feb 2027, 09:00."
    ]
    assert "Create the round" not in page  # the form again, not the summary
    assert 'value="90, 7"' in page


def test_a_reminder_before_the_opening_of_an_edited_round_is_refused(
    client, login, world, create_round, db
):
    round_ = create_round(world["version"], [world["niger"]], opens_in=timedelta(days=3))
    login(world["coordinator"])
    response = client.post(
        f"/rounds/{round_.id}/edit",
        data=round_form(
            world,
            opens_at="2099-02-01T09:00",
            closes_at="2099-03-01T09:00",
            reminder_offsets="60, 90",
        ),
    )
    page = response.get_data(as_text=True)
    assert _field_errors(page, "reminder_offsets") == [
        "A reminder 90 days before closing would go on 1 Dec 2098, 09:00, "
        "before the round opens on 1 Feb 2099, 09:00.",
        "A reminder 60 days before closing would go on 31 Dec 2098, 09:00, "
        "before the round opens on 1 Feb 2099, 09:00.",
    ]
    db.session.expire_all()
    assert round_.reminder_offsets == [14, 7, 1]


def test_a_cadences_reminders_must_fit_in_its_rounds(client, login, world, db):
    login(world["coordinator"])
    response = client.post(
        "/rounds/cadences",
        data={
            "questionnaire_id": world["version"].questionnaire_id,
            "every_months": 6,
            "open_weeks": 4,
            "lead_days": 14,
            "first_opens_at": "2030-01-15T09:00",
            "reminder_offsets": "30, 7",
        },
    )
    page = response.get_data(as_text=True)
    assert _field_errors(page, "reminder_offsets") == [
        "A reminder 30 days before closing would go before the round opens: "
        "each round is open for 4 weeks."
    ]
    assert db.session.query(Cadence).count() == 0


def _resend_buttons(page: str) -> int:
    return len(re.findall(r'/messages/\d+/resend"', page))


def test_no_resend_for_a_pending_message_nor_to_a_deactivated_person(
    client, login, world, create_round, db
):
    # Regression: "Resend" was offered for every message, pending ones and those to people
    # deactivated since, and resending to a deactivated person queued the message again.
    round_ = create_round(world["version"], [world["niger"]])
    login(world["coordinator"])
    client.post(f"/rounds/{round_.id}/countries/{world['niger'].id}/remind")
    message = db.session.query(OutboxMessage).one()
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "Pending" in page
    assert _resend_buttons(page) == 0
    refused = client.post(
        f"/rounds/{round_.id}/messages/{message.id}/resend", follow_redirects=True
    ).get_data(as_text=True)
    assert "has not been sent yet" in refused

    message.status = "sent"
    db.session.commit()
    assert _resend_buttons(client.get(f"/rounds/{round_.id}").get_data(as_text=True)) == 1

    world["respondent"].is_enabled = False
    db.session.commit()
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert _resend_buttons(page) == 0
    assert "Account deactivated" in page
    refused = client.post(
        f"/rounds/{round_.id}/messages/{message.id}/resend", follow_redirects=True
    ).get_data(as_text=True)
    assert (
        f"The account of {world['respondent'].email} is deactivated: "
        "the message was not sent again."
    ) in refused
    assert db.session.query(OutboxMessage).count() == 1  # no copy queued


def test_an_analyst_is_not_offered_a_country_workbook_page(client, login, world, create_round):
    """The offline workbook page is for the country and the coordinators: every link the
    analyst's round page holds opens (no "Workbook" link to a 403)."""
    import re

    round_ = create_round(world["version"], [world["niger"]])
    workbook = f"/offline/rounds/{round_.id}/countries/{world['niger'].id}"
    login(world["analyst"])
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert workbook not in page
    for link in set(re.findall(r'href="(/[^"#]*)', page)):
        if link.startswith("/static/"):
            continue
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code < 400, link
        response.close()
    login(world["coordinator"])
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert workbook in page
    assert client.get(workbook).status_code == 200
