"""Saves racing on one submission never answer 500 (issue 10, point 5): three people autosave
three areas of one submission at the same moment; every save is acknowledged (200) or, if it
kept losing the race, answered 409 (busy) for the script to send again, and what was
acknowledged last is what is stored."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import pytest

from surveys.responses.operations import answers_by_question, start_submission
from tests.crawl import forms_of_page

NIAMEY = Path(__file__).resolve().parents[2] / "questionnaires" / "niamey-2018" / "v1.yaml"
SAVES = 12  # per person
# (area, the comment field each person types in)
AREAS = [
    ("legal", "legal_tip_criminalised-comment"),
    ("coordination", "coord_action_plan-comment"),
    ("capacity", "cap_human_rights_training-comment"),
]


@pytest.fixture
def niamey_submission(db, create_country, create_user, create_version, create_round):
    niger = create_country("NE", "NER", "Niger", "Niger")
    round_ = create_round(create_version(NIAMEY), [niger])
    people = [create_user("respondent", countries=[niger]) for _ in AREAS]
    submission = start_submission(round_, niger, actor=people[0])
    db.session.commit()
    return submission, people


def autosave_loop(app, session_id, submission_id, area, field, results, barrier) -> None:
    """One person: load the area, then autosave a new comment SAVES times, as the script does."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
    url = f"/submissions/{submission_id}/areas/{area}"
    html = client.get(url).get_data(as_text=True)
    [form] = [f for f in forms_of_page(app, html, url) if f.endpoint == "responses.area"]
    version, base = form.body()["lock_version"], json.loads(form.body()["base"])
    barrier.wait()
    for number in range(SAVES):
        value = f"{area} comment {number}"
        response = client.post(
            url,
            data={"lock_version": version, field: value, "base": json.dumps({field: base[field]})},
            headers={"Accept": "application/json"},
        )
        reply = response.get_json(silent=True) or {}
        results.append((area, number, response.status_code, reply.get("error")))
        if response.status_code == 200:
            version, base[field] = str(reply["lock_version"]), reply["base"][field]
            results.append((area, "acknowledged", value, None))


def test_three_people_saving_three_areas_at_once(app, db, niamey_submission):
    submission, people = niamey_submission
    results: list[tuple] = []
    barrier = threading.Barrier(len(AREAS))
    threads = [
        threading.Thread(
            target=autosave_loop,
            args=(app, person.get_id(), submission.id, area, field, results, barrier),
        )
        for person, (area, field) in zip(people, AREAS, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = Counter(status for _, number, status, _ in results if number != "acknowledged")
    print(f"\n{sum(statuses.values())} concurrent saves: {dict(statuses)}")
    assert sum(statuses.values()) == SAVES * len(AREAS)
    assert set(statuses) <= {200, 409}, statuses
    busy = [error for _, number, status, error in results if status == 409]
    assert all(error == "busy" for error in busy)  # never a conflict: nobody shares a field
    db.session.expire_all()
    answers = answers_by_question(submission)
    for area, field in AREAS:
        acknowledged = [value for a, n, value, _ in results if a == area and n == "acknowledged"]
        question_id = field.removesuffix("-comment")
        assert acknowledged, f"no save of {area} went through"
        assert answers[question_id].comment == acknowledged[-1]
