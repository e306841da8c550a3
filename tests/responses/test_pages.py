"""The respondents' pages through the test client: task list, area forms, autosave, conflicts."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import sqlalchemy as sa

from surveys.columns import utcnow
from surveys.responses.models import AnswerRevision, Submission
from surveys.responses.operations import answers_by_question
from tests.responses.conftest import form_state

JSON = {"Accept": "application/json"}


def area_url(submission, area="legal"):
    return f"/submissions/{submission.id}/areas/{area}"


def post_area(client, submission, data, area="legal", state=None, headers=None):
    state = state or form_state(client, submission.id, area)
    return client.post(area_url(submission, area), data={**state, **data}, headers=headers or {})


# ---------------------------------------------------------------- task list and start


def test_the_task_list_shows_the_open_round_with_its_deadline_and_a_start_button(
    client, login, world
):
    login(world.respondent)
    html = client.get("/my-questionnaires").get_data(as_text=True)
    assert "Mini self-assessment" in html and "2026-H2" in html
    assert "Deadline:" in html and "Not started" in html
    start = f"/rounds/{world.round.id}/countries/{world.country.id}/answers"
    assert start in html
    assert f"/countries/{world.other_country.id}/answers" not in html


def test_the_task_list_leaves_out_cancelled_rounds_and_closed_ones_not_validated(
    client, login, world, db, create_round, create_submission, create_user
):
    world.round.cancelled_at = utcnow()
    closed = create_round(
        world.version,
        [world.country],
        period="2025-H2",
        opens_in=timedelta(days=-200),
        closes_in=timedelta(days=-100),
    )
    create_submission(closed, world.country, status="submitted")
    login(world.respondent)
    html = client.get("/my-questionnaires").get_data(as_text=True)
    assert "No round is open for your country at the moment." in html
    assert "No validated submission yet." in html
    assert "2026-H2" not in html and "2025-H2" not in html
    login(create_user("respondent"))  # of no country yet
    html = client.get("/my-questionnaires").get_data(as_text=True)
    assert "No round is open for your country at the moment." in html
    assert "No validated submission yet." in html


def test_starting_creates_one_submission_and_opens_the_first_area(client, login, world, db):
    login(world.respondent)
    start = f"/rounds/{world.round.id}/countries/{world.country.id}/answers"
    looked = client.get(start)  # e.g. the link in the opening e-mail: creates nothing
    assert looked.status_code == 200 and "Start the questionnaire" in looked.get_data(as_text=True)
    assert db.session.scalars(sa.select(Submission)).all() == []
    first = client.post(start)
    second = client.post(start)
    [submission] = db.session.scalars(sa.select(Submission)).all()
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"].endswith(area_url(submission))
    assert client.get(start).headers["Location"].endswith(area_url(submission))
    html = client.get("/my-questionnaires").get_data(as_text=True)
    assert "0 of 5 answered" in html and "Continue" in html


def test_starting_another_countrys_round_is_not_found(client, login, world, db):
    login(world.respondent)
    response = client.get(f"/rounds/{world.round.id}/countries/{world.other_country.id}/answers")
    assert response.status_code == 404
    response = client.post(f"/rounds/{world.round.id}/countries/{world.other_country.id}/answers")
    assert response.status_code == 404
    assert db.session.scalars(sa.select(Submission)).all() == []


# ---------------------------------------------------------------- the form


def test_the_area_page_has_a_label_or_legend_for_every_field(client, login, world, started):
    login(world.respondent)
    html = client.get(area_url(started, "protection")).get_data(as_text=True)
    inputs = re.findall(r"<(?:input|textarea|select)\b[^>]*>", html)
    for tag in inputs:
        if 'type="hidden"' in tag or "csrf_token" in tag:
            continue
        field_id = re.search(r'id="([^"]+)"', tag).group(1)
        labelled = f'for="{field_id}"' in html or "aria-labelledby=" in tag
        assert labelled, f"{field_id} has no label"
    assert "<legend>2.5 Criminal justice statistics</legend>" in html
    assert 'scope="colgroup">2024</th>' in html
    assert 'for="protection_statistics-source">Source</label>' in html
    assert "Not applicable" in html  # protection_assisted_share allows it


def test_the_page_is_in_the_users_language(client, login, world, started, create_user):
    francophone = create_user("respondent", countries=[world.country], language="fr")
    login(francophone)
    html = client.get(area_url(started)).get_data(as_text=True)
    assert "La loi nationale incrimine-t-elle la traite des personnes" in html
    assert ">Oui</label>" in html and ">Partiellement</label>" in html
    # The file writes "… par le Protocole ?"; the page never lets the "?" start a line.
    assert "telle que définie par le Protocole\u202f?</legend>" in html
    assert "par le Protocole ?" not in html


def test_the_english_page_keeps_the_questionnaire_text_as_written(client, login, world, started):
    login(world.respondent)
    html = client.get(area_url(started)).get_data(as_text=True)
    assert "trafficking in persons as defined by the Protocol?</legend>" in html
    assert "\u202f" not in html and "\u00a0?" not in html


def test_the_overview_counts_what_is_left_in_good_french(
    client, login, world, started, create_user
):
    # Regression: "12 réponse(s)" and "Cadre juridique: 0 sur 3" (French puts a space before
    # a colon, and says one or several answers).
    francophone = create_user("respondent", countries=[world.country], language="fr")
    login(francophone)
    overview = client.get(f"/submissions/{started.id}").get_data(as_text=True)
    assert re.search(r"\d+ réponses à compléter avant de soumettre", overview)
    assert "(s)" not in overview
    home = client.get("/my-questionnaires").get_data(as_text=True)
    assert re.search(r"<li>[^<:]+\u00a0: \d+ renseignées? sur \d+</li>", home)
    assert not re.search(r"<li>[^<:]+\S: \d+ ", home)


LEGAL_COMPLETE = {
    "legal_tip_offence": "no",
    "legal_instruments": ["untoc"],
    "legal_framework_status": "draft",
    "legal_last_review": "2025-03-01",
    "legal_notes": "Revised in 2025.",
}


def test_areas_complete_and_answers_are_counted_in_the_singular_for_none_or_one(
    client, db, login, world, create_submission, create_user
):
    # Regression: "1 domaines complets sur 2", "0 domaines complets sur 2" (a plain gettext).
    submission = create_submission(world.round, world.country, {"legal_tip_offence": "no"})
    francophone = create_user("respondent", countries=[world.country], language="fr")
    login(francophone)
    page = client.get(area_url(submission)).get_data(as_text=True)
    assert "0 domaine complet sur 2" in page
    assert "1 renseignée sur 5" in page  # the legal area: one of its five questions shown
    assert "0 renseignée sur 5" in page  # protection
    login(world.respondent)
    page = client.get(area_url(submission)).get_data(as_text=True)
    assert "0 of 2 areas complete" in page and "1 of 5 answered" in page

    submission = create_submission(world.round, world.other_country, LEGAL_COMPLETE)
    for reader, singular, plural in (
        (world.stranger, "1 of 2 areas complete", "5 of 5 answered"),
        (
            create_user("respondent", countries=[world.other_country], language="fr"),
            "1 domaine complet sur 2",
            "5 renseignées sur 5",
        ),
    ):
        login(reader)
        for url in (area_url(submission), f"/submissions/{submission.id}"):
            page = client.get(url).get_data(as_text=True)
            assert singular in page and plural in page, (url, reader.language)


def test_a_conditional_question_is_hidden_until_its_condition_holds(client, login, world, started):
    login(world.respondent)
    html = client.get(area_url(started)).get_data(as_text=True)
    box = re.search(r'<div class="q" id="q-legal_strategy_maturity"[^>]*>', html).group(0)
    assert " hidden" in box
    condition = json.loads(
        re.search(r"data-show-if=\"([^\"]+)\"", box).group(1).replace("&#34;", '"')
    )
    assert condition == ["in", "legal_tip_offence", ["yes", "partly"]]

    post_area(client, started, {"legal_tip_offence": "yes"})
    html = client.get(area_url(started)).get_data(as_text=True)
    box = re.search(r'<div class="q" id="q-legal_strategy_maturity"[^>]*>', html).group(0)
    assert " hidden" not in box


def test_saving_without_javascript_stores_every_type_and_comes_back_to_the_page(
    client, login, world, started
):
    login(world.respondent)
    response = post_area(
        client,
        started,
        {
            "legal_tip_offence": "partly",
            "legal_instruments": ["untoc", "som_protocol"],
            "legal_framework_status": "draft",
            "legal_strategy_maturity": "2",
            "legal_last_review": "16/03/2018",
            "legal_notes": "  Reform under way  ",
            "legal_tip_offence-comment": "Penal code art. 5",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(area_url(started))
    answers = {k: a.value for k, a in answers_by_question(started).items()}
    assert answers == {
        "legal_tip_offence": "partly",
        "legal_instruments": ["untoc", "som_protocol"],
        "legal_framework_status": "draft",
        "legal_strategy_maturity": 2,
        "legal_last_review": "2018-03-16",
        "legal_notes": "Reform under way",
    }
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved at" in page
    assert 'value="2018-03-16"' in page and "Penal code art. 5" in page


def test_numbers_and_figures_are_read_in_french_style(client, login, world, started):
    login(world.respondent)
    response = post_area(
        client,
        started,
        {
            "protection_shelters": "1 200",
            "protection_budget": "12,5",
            "protection_assisted_share": "99,5",
            "protection_statistics-prosecuted-2024-total": "1 234",
            "protection_statistics-source": "Police nationale",
        },
        area="protection",
    )
    assert response.status_code == 422  # 1 200 is above the maximum of 1000
    answers = {k: a.value for k, a in answers_by_question(started).items()}
    assert answers["protection_budget"] == 12.5
    assert answers["protection_assisted_share"] == 99.5
    assert answers["protection_statistics"]["cells"] == {"prosecuted|2024|total": 1234}
    assert "protection_shelters" not in answers


def test_a_malformed_value_is_refused_with_a_summary_and_a_message_beside_the_field(
    client, login, world, started
):
    login(world.respondent)
    response = post_area(
        client,
        started,
        {
            "protection_shelters": "many",
            "protection_assisted_share": "140",
            "protection_statistics-prosecuted-2025-male": "-3",
            "protection_focal_point": "Mme Diallo",
        },
        area="protection",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    # Each line names its question (and a figure's row, year and column) before the message.
    assert re.search(r'href="#protection_shelters">\d\.\d+: Enter a whole number\.<', summary)
    assert re.search(
        r'href="#protection_assisted_share">\d\.\d+: Enter a percentage between 0 and 100\.<',
        summary,
    )
    assert re.search(
        r'href="#protection_statistics-prosecuted-2025-male">'
        r"\d\.\d+ Persons prosecuted, 2025, Male: ",
        summary,
    )
    assert 'id="protection_shelters-error">Enter a whole number.</p>' in html
    assert 'value="many"' in html  # what was typed is shown again, not lost
    assert answers_by_question(started)["protection_focal_point"].value == "Mme Diallo"


def test_a_draft_never_requires_completeness(client, login, world, started):
    login(world.respondent)
    response = post_area(client, started, {"legal_notes": "Only this"})
    assert response.status_code == 302


# ---------------------------------------------------------------- autosave and conflicts


def test_autosave_answers_with_json_carrying_the_new_version(client, login, world, started):
    login(world.respondent)
    state = form_state(client, started.id, "legal")
    response = post_area(client, started, {"legal_notes": "Typed"}, state=state, headers=JSON)
    data = response.get_json()
    assert response.status_code == 200
    assert data["lock_version"] == int(state["lock_version"]) + 1
    assert data["status"].startswith("Saved at")
    assert data["errors"] == {}
    assert data["progress"] == "1 of 5 answered"
    bad = post_area(client, started, {"legal_last_review": "31/02/2020"}, headers=JSON)
    assert bad.status_code == 422
    assert "legal_last_review" in bad.get_json()["errors"]


def test_two_respondents_editing_the_same_answer_end_on_the_conflict_page(
    app, client, login, world, started, db
):
    other = app.test_client()
    login(world.respondent)
    login(world.colleague, on=other)
    mine = form_state(client, started.id, "legal")
    theirs = form_state(other, started.id, "legal")

    saved = post_area(other, started, {"legal_notes": "Colleague's text"}, state=theirs)
    assert saved.status_code == 302
    stale = post_area(
        client, started, {"legal_notes": "My text", "legal_tip_offence": "yes"}, state=mine
    )

    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "My text" in html and "Colleague&#39;s text" in html
    assert "Keep my answer" in html
    answers = answers_by_question(started)
    assert answers["legal_notes"].value == "Colleague's text"
    assert answers["legal_tip_offence"].value == "yes"  # no conflict there: merged

    revision_id = re.search(r'name="r" value="(\d+)"', html).group(1)
    base = re.search(r'name="base-legal_notes" value="([^"]+)"', html).group(1)
    version = re.search(r'name="lock_version" value="(\d+)"', html).group(1)
    resolved = client.post(
        f"/submissions/{started.id}/areas/legal/conflicts",
        data={
            "r": revision_id,
            "base-legal_notes": base,
            "lock_version": version,
            "choice-legal_notes": "mine",
        },
    )
    assert resolved.status_code == 302
    db.session.expire_all()
    assert answers_by_question(started)["legal_notes"].value == "My text"
    history = client.get(f"/submissions/{started.id}/questions/legal_notes/history")
    text = history.get_data(as_text=True)
    assert "Colleague&#39;s text" in text and "My text" in text
    assert "Chosen after a conflict" in text


def test_a_conflict_with_ones_own_save_from_another_window_says_so(
    app, client, login, world, started, create_user
):
    # Regression: "a colleague saved different answers" then "Saved by <the same person>".
    other_window = app.test_client()
    login(world.respondent)
    login(world.respondent, on=other_window)
    page_state = form_state(client, started.id, "legal")
    post_area(other_window, started, {"legal_notes": "From the laptop"})
    stale = post_area(client, started, {"legal_notes": "From the phone"}, state=page_state)
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "You changed these answers in another window</h1>" in html
    assert "You saved different answers to the questions below from another window" in html
    assert "colleague" not in html
    assert "Saved by you on" in html and f"Saved by {world.respondent.name}" not in html
    assert "Keep the answer on this page" in html and "Keep my answer" not in html
    assert "Keep the answer you saved elsewhere" in html

    url = re.search(r'action="(/submissions/[^"]+/conflicts)"', html).group(1)
    revision = re.search(r'name="r" value="(\d+)"', html).group(1)
    french = create_user("respondent", countries=[world.country], language="fr")
    login(french)
    post_area(client, started, {"legal_notes": "Depuis la tablette"})
    login(world.respondent)
    page = client.get(f"{url}?r={revision}").get_data(as_text=True)
    assert "Someone else changed these answers</h1>" in page  # the colleague's save, now
    assert f"Saved by {french.name} on" in page


def test_a_conflict_with_both_a_colleague_and_oneself_names_each(
    app, client, login, world, started
):
    other_window, colleague = app.test_client(), app.test_client()
    login(world.respondent)
    login(world.respondent, on=other_window)
    login(world.colleague, on=colleague)
    page_state = form_state(client, started.id, "legal")
    post_area(colleague, started, {"legal_last_review": "2024-05-01"})
    post_area(
        other_window, started, {"legal_notes": "From the laptop", "legal_last_review": "2024-05-01"}
    )
    stale = post_area(
        client,
        started,
        {"legal_notes": "From the phone", "legal_last_review": "2023-01-01"},
        state=page_state,
    )
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "These answers were changed meanwhile</h1>" in html
    assert "by a colleague, or by you from another window or device" in html
    assert "Saved by you on" in html and f"Saved by {world.colleague.name} on" in html


def test_a_stale_autosave_gets_409_json_with_a_link_to_the_conflict(
    app, client, login, world, started
):
    other = app.test_client()
    login(world.respondent)
    login(world.colleague, on=other)
    mine = form_state(client, started.id, "legal")
    post_area(other, started, {"legal_notes": "Theirs"})

    response = post_area(client, started, {"legal_notes": "Mine"}, state=mine, headers=JSON)

    assert response.status_code == 409
    url = response.get_json()["conflict_url"]
    page = client.get(url).get_data(as_text=True)
    assert "Mine" in page and "Theirs" in page


def test_confirm_all_clears_carried_over_marks_on_the_page(client, login, world, started, db):
    answer = answers_by_question(started)
    assert answer == {}
    from surveys.responses.models import Answer

    db.session.add(
        Answer(submission_id=started.id, question_id="legal_notes", value="Old", carried_over=True)
    )
    db.session.commit()
    login(world.respondent)
    page = client.get(area_url(started)).get_data(as_text=True)
    assert "Carried over from the previous round" in page
    post_area(client, started, {"legal_notes": "Old", "action": "confirm_all"})
    db.session.expire_all()
    assert not answers_by_question(started)["legal_notes"].carried_over


def test_every_saved_change_is_in_the_questions_history(client, login, world, started, db):
    login(world.respondent)
    post_area(client, started, {"legal_notes": "First"})
    post_area(client, started, {"legal_notes": "Second"})
    html = client.get(f"/submissions/{started.id}/questions/legal_notes/history").get_data(
        as_text=True
    )
    assert html.index("Second") < html.index("First")  # newest first
    assert html.count(f'data-label="Who">{world.respondent.name}</td>') == 2
    count = db.session.scalar(sa.select(sa.func.count()).select_from(AnswerRevision))
    assert count == 2


def test_a_percentage_shows_its_unit_and_one_message_for_any_refused_value(
    client, login, world, started, create_user
):
    login(world.respondent)
    page = client.get(area_url(started, "protection")).get_data(as_text=True)
    box = re.search(r'<input[^>]*id="protection_assisted_share"[^>]*>([^<]*<span[^>]*>[^<]*)', page)
    assert box is not None
    assert 'aria-describedby="protection_assisted_share-unit"' in box.group(0)
    assert box.group(1).strip() == '<span class="unit" id="protection_assisted_share-unit">%'
    login(create_user("respondent", countries=[world.country], language="fr"))
    for typed in ("abc", "150"):
        response = post_area(
            client, started, {"protection_assisted_share": typed}, area="protection"
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert (
            'id="protection_assisted_share-error">'
            "Saisissez un pourcentage compris entre 0 et 100.</p>" in html
        ), typed
        assert f'value="{typed}"' in html  # what was typed is kept


def test_a_returned_submission_of_a_closed_round_is_listed_as_returned_not_open(
    client, db, login, world, create_round, create_submission, create_user
):
    # Regression: listed under "Open rounds" with "Deadline: 31 Dec 2025, 18:00", a year past.
    from datetime import UTC, datetime

    closed = create_round(
        world.version,
        [world.country],
        period="2025-H2",
        opens_in=timedelta(days=-400),
        closes_in=timedelta(days=-100),
    )
    closed.closes_at = datetime(2025, 12, 31, 18, 0, tzinfo=UTC)
    db.session.commit()
    create_submission(closed, world.country, status="returned")
    login(world.respondent)
    html = client.get("/my-questionnaires").get_data(as_text=True)
    returned, _, rest = html.partition("<h2>Open rounds</h2>")
    assert '<h2 id="returned">Returned for changes</h2>' in returned
    assert "2025-H2" in returned and "2025-H2" not in rest
    assert "The round closed on 31 Dec 2025, 18:00; the secretariat asked for changes" in returned
    assert "Deadline: 31 Dec 2025" not in html
    assert "2026-H2" in rest and "Deadline:" in rest  # the open round, as before

    login(create_user("respondent", countries=[world.country], language="fr"))
    html = client.get("/my-questionnaires").get_data(as_text=True)
    assert "Renvoyés pour modification</h2>" in html
    assert "Le cycle a été clos le 31 déc. 2025, 18:00\u202f; le secrétariat a demandé" in html


def test_a_returned_submission_of_an_open_round_keeps_its_deadline(
    client, login, world, create_submission
):
    create_submission(world.round, world.country, status="returned")
    login(world.respondent)
    html = client.get("/my-questionnaires").get_data(as_text=True)
    returned, _, rest = html.partition("<h2>Open rounds</h2>")
    assert "Returned for changes</h2>" in returned and "2026-H2" in returned
    assert "Deadline:" in returned and "The round closed" not in returned
    assert "No round is open for your country at the moment." in rest
