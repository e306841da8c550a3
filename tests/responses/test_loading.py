"""Issue 18, point 1: an area page and an autosave read the submission, its answers and the
person's scope once, in a handful of statements, and nothing they read is kept beyond the
request: a role removed, a country taken away or a previous round's answer changed by another
request shows on the very next one.

Each request here starts on a fresh database session, as a worker's does (the tests otherwise
hold one session across requests, whose identity map would hide both extra statements and
stale reads).
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from surveys.accounts.models import UserRole, user_countries
from surveys.columns import utcnow
from surveys.questionnaire import models as version_models
from surveys.responses import operations as ops
from surveys.responses.models import Answer, Evidence, Submission
from surveys.review.operations import add_query
from surveys.review.workflow import return_for_changes
from surveys.roles import Role
from surveys.rounds.models import RoundCountry
from surveys.rounds.submission_status import Status
from tests.responses.test_rules import COMPLETE, _start, ruled  # noqa: F401 - a fixture

JSON = {"Accept": "application/json"}
ISOLATION = "isolation_level"
# What the page needs: the person with roles and countries; the submission with its round,
# version (not its JSON), country, closing date, whether files are attached, its answers and
# (once the process has shown the area) the previous round's values the plausibility checks
# read; its review queries. (Its files are read only when there are some.)
PAGE_STATEMENTS = 3
# The same reads but evidence and queries, then the version bump, the answer and its revision:
# three statements on SQLite, one on PostgreSQL (data-modifying WITH queries).
SAVE_STATEMENTS = {"sqlite": 5, "postgresql": 3}
# A respondent's home, whatever the number of rounds: the person; the participations open to
# their countries with their rounds, versions (not the JSON), countries and submissions; those
# submissions' answers; their past validated submissions with their rounds and closing dates.
HOME_STATEMENTS = 3


@contextmanager
def recorded(db, read=lambda conn, statement: statement):
    """`read(connection, statement)` of each SQL statement run inside the block (by default the
    statement itself)."""
    seen: list = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(read(conn, statement))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def counted(db):
    """The SQL statements run inside the block."""
    return recorded(db)


def isolation_levels(db):
    """The isolation level each SQL statement inside the block ran at (None: the default)."""
    return recorded(
        db, lambda conn, _statement: conn.get_execution_options().get("isolation_level")
    )


def fresh_session(db) -> None:
    """What the next request of a worker starts with: an empty identity map."""
    db.session.remove()


@pytest.fixture
def page(client, login, db, ruled):  # noqa: F811 - the fixture imported above
    """The respondent's protection page of a submission whose round follows a validated one
    (so the plausibility checks read the previous round), seen once (definition parsed)."""
    niger, round_, respondent = ruled
    submission = _start(db, round_, niger, respondent, COMPLETE)
    login(respondent)
    ids = {"submission": submission.id, "respondent": respondent.id, "country": niger.id}
    url = f"/submissions/{submission.id}/areas/protection"
    assert client.get(url).status_code == 200
    fresh_session(db)
    return url, ids


def _autosave_body(client, url: str, field: str, value: str) -> dict:
    """What the page script posts for one changed field, from the page as it is now."""
    html = client.get(url).get_data(as_text=True)
    lock = html.split('name="lock_version" type="hidden" value="', 1)[1].split('"', 1)[0]
    raw = html.split('name="base" type="hidden" value="', 1)[1].split('"', 1)[0]
    base = json.loads(raw.replace("&#34;", '"'))
    return {"lock_version": lock, field: value, "base": json.dumps({field: base[field]})}


def _autosave(client, url: str, field: str, value: str):
    return client.post(url, data=_autosave_body(client, url, field, value), headers=JSON)


def test_an_area_page_reads_what_it_shows_in_a_few_statements(client, db, page):
    url, _ids = page
    with counted(db) as statements:
        response = client.get(url)
    assert response.status_code == 200
    assert "3 against 40" not in response.get_data(as_text=True)
    assert len(statements) <= PAGE_STATEMENTS, "\n".join(statements)
    assert not any("definition_json" in s for s in statements)  # parsed already, by its hash


def _reads_files(statements: list[str]) -> bool:
    """Whether a statement reads the evidence rows themselves (not only whether there are any)."""
    return any(s.lstrip().startswith("SELECT evidence.") for s in statements)


def test_files_are_read_only_for_a_submission_that_has_some(client, db, page):
    url, ids = page
    with counted(db) as statements:
        assert client.get(url).status_code == 200
    assert not _reads_files(statements), "\n".join(statements)
    _elsewhere(db, _attached(ids["submission"], "statute-2024.pdf"))
    fresh_session(db)
    with counted(db) as statements:
        html = client.get(url).get_data(as_text=True)
    assert _reads_files(statements)
    assert "statute-2024.pdf" in html


def test_a_file_attached_or_removed_by_another_request_shows_at_the_next_one(client, db, page):
    url, ids = page
    assert "statute-2024.pdf" not in client.get(url).get_data(as_text=True)
    _elsewhere(db, _attached(ids["submission"], "statute-2024.pdf"))
    fresh_session(db)
    assert "statute-2024.pdf" in client.get(url).get_data(as_text=True)
    _elsewhere(db, sa.update(Evidence).values(removed_at=utcnow()))
    fresh_session(db)
    assert "statute-2024.pdf" not in client.get(url).get_data(as_text=True)


def _attached(submission_id: int, filename: str) -> sa.Insert:
    """A file attached to the focal point's answer (its row: the page lists it by name)."""
    return sa.insert(Evidence).values(
        submission_id=submission_id,
        question_id="protection_focal_point",
        filename=filename,
        content_type="application/pdf",
        size_bytes=1024,
        sha256="a" * 64,
        uploaded_at=utcnow(),
    )


def test_a_one_field_autosave_reads_and_writes_in_a_few_statements(client, db, page):
    url, ids = page
    _autosave(client, url, "protection_focal_point", "Mme Aïssa")  # warm: the part's form class
    field = "protection_focal_point"
    data = _autosave_body(client, url, field, "M. Issoufou")
    fresh_session(db)
    with counted(db) as statements:
        response = client.post(url, data=data, headers=JSON)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["saved"] == 1
    assert len(statements) <= SAVE_STATEMENTS[db.engine.dialect.name], "\n".join(statements)
    fresh_session(db)
    mine = sa.select(Answer.value).where(
        Answer.question_id == field, Answer.submission_id == ids["submission"]
    )
    assert db.session.scalar(mine) == "M. Issoufou"


# Values of every shape an answer holds, as written (the statement aggregates them as JSON).
STORED_AS_WRITTEN = {
    "text": ('Aïssa «ñ» 漢字 \U0001f600 "quoted" \\ back\nline', False, "", "", False),
    "number": (1234567890123, False, "", "", False),
    "decimal": (0.1, False, "", "", False),
    "negative": (-2.5e-7, False, "", "", False),
    "none": (None, False, "", "", False),
    "nested": ({"rows": {"2024": [1, None, 2.75]}, "note": "x"}, False, "", "", False),
    "choices": (["a", "b"], False, "", "commented, 'quoted'", True),
    "na": (None, True, "Not collected: the agency was reorganised.", "", False),
    "zero": (0, False, "", "", True),
    "empty": ("", False, "", "", False),
}


def _answers_as_written(db, submission_id: int) -> None:
    """The submission's answers replaced by those of STORED_AS_WRITTEN (the caller commits)."""
    db.session.execute(sa.delete(Answer).where(Answer.submission_id == submission_id))
    for question_id, (value, na, justification, comment, carried) in STORED_AS_WRITTEN.items():
        db.session.add(
            Answer(
                submission_id=submission_id,
                question_id=question_id,
                value=value,
                not_applicable=na,
                na_justification=justification,
                comment=comment,
                carried_over=carried,
            )
        )


def test_answers_read_with_the_submission_are_those_read_alone(db, page):
    """One statement reads the submission and its answers: every value, flag and text as the
    answers' own statement reads them (and as they were written), on both databases."""
    _url, ids = page
    submission_id = ids["submission"]
    _answers_as_written(db, submission_id)
    db.session.commit()
    fresh_session(db)
    submission, answers = ops.submission_with_answers(submission_id)
    fresh_session(db)
    alone = ops.answer_values(ops.submission_for_page(submission_id))
    assert submission.id == submission_id
    assert answers == alone
    assert {
        qid: (a.value, a.not_applicable, a.na_justification, a.comment, a.carried_over)
        for qid, a in answers.items()
    } == STORED_AS_WRITTEN
    flags = [flag for a in answers.values() for flag in (a.not_applicable, a.carried_over)]
    assert all(type(flag) is bool for flag in flags)
    assert type(answers["decimal"].value) is float and type(answers["number"].value) is int


def test_a_round_s_answers_are_read_with_its_submissions_as_written(db, page, create_country):
    """The round's pages read every submission with its answers in one statement: values,
    "not applicable" and carried-over flags as written; a submission without answers has
    none."""
    _url, ids = page
    submission = db.session.get(Submission, ids["submission"])
    _answers_as_written(db, submission.id)
    mali = create_country("ML")
    db.session.add(RoundCountry(round_id=submission.round_id, country_id=mali.id))
    db.session.flush()  # the participant before its submission
    other = Submission(round_id=submission.round_id, country_id=mali.id)
    db.session.add(other)
    db.session.commit()
    mine, theirs = submission.id, other.id
    countries = {submission.country_id, other.country_id}
    round_id = submission.round_id
    fresh_session(db)
    with counted(db) as statements:
        found = ops.round_answers(round_id)
    assert len(statements) == 1
    assert set(found.submissions) == countries
    assert found.values[mine] == {q: v[0] for q, v in STORED_AS_WRITTEN.items()}
    assert found.not_applicable[mine] == {"na"}
    assert found.carried_over[mine] == {"choices", "zero"}
    assert not found.values.get(theirs) and not found.not_applicable.get(theirs)


def test_a_submission_without_answers_reads_none_and_an_unknown_one_nothing(db, page):
    _url, ids = page
    db.session.execute(sa.delete(Answer).where(Answer.submission_id == ids["submission"]))
    db.session.commit()
    fresh_session(db)
    submission, answers = ops.submission_with_answers(ids["submission"])
    assert submission.id == ids["submission"] and answers == {}
    assert ops.submission_with_answers(ids["submission"] + 1000) is None


def test_a_page_of_a_definition_this_process_has_not_parsed_reads_its_json_once(
    client, db, page, monkeypatch
):
    url, _ids = page
    monkeypatch.setattr(version_models, "_DEFINITIONS", OrderedDict())  # a new worker
    with counted(db) as statements:
        assert client.get(url).status_code == 200
    assert sum("definition_json" in s for s in statements) == 1
    fresh_session(db)
    with counted(db) as statements:
        assert client.get(url).status_code == 200
    assert not any("definition_json" in s for s in statements)


def test_a_draft_never_submitted_skips_the_review_queries(client, db, page):
    """No query can be asked of a draft never submitted: its pages do not look for any."""
    url, _ = page
    with counted(db) as statements:
        assert client.get(url).status_code == 200
    assert not any("review_queries" in s for s in statements)
    assert len(statements) <= PAGE_STATEMENTS - 1, "\n".join(statements)


def test_a_returned_submission_shows_its_queries_in_the_same_few_statements(
    client, db, page, create_user
):
    """The queries are read with their authors, not with the authors' roles and countries (only
    the viewer's own are read)."""
    url, ids = page
    submission = db.session.get(Submission, ids["submission"])
    submission.status = Status.SUBMITTED.value
    submission.submitted_at = utcnow()  # as submitting stamps it
    coordinator = create_user(Role.COORDINATOR, email="coord@unodc.example")
    question = "Where do the 2025 figures come from?"
    add_query(submission, coordinator, question_id="protection_statistics", text=question)
    return_for_changes(submission, coordinator, notify=False)
    db.session.commit()
    fresh_session(db)
    with counted(db) as statements:
        html = client.get(url).get_data(as_text=True)
    assert question in html
    assert len(statements) <= PAGE_STATEMENTS, "\n".join(statements)
    assert sum("user_roles" in s for s in statements) == 1, "\n".join(statements)


def _elsewhere(db, *statements) -> None:
    """Another request (another worker) changes the database and commits."""
    with Session(db.engine) as other:
        for statement in statements:
            other.execute(statement)
        other.commit()


def test_a_role_removed_by_another_request_ends_access_at_the_next_one(client, db, page):
    url, ids = page
    data = _autosave_body(client, url, "protection_focal_point", "M. Issoufou")
    fresh_session(db)
    _elsewhere(db, sa.delete(UserRole).where(UserRole.user_id == ids["respondent"]))
    # No longer a respondent: the country's draft is neither changed nor shown to them (a draft
    # is read by its country's respondents and the secretariat only).
    refused = client.post(url, data=data, headers=JSON)
    assert refused.status_code == 404
    fresh_session(db)
    assert client.get(url).status_code == 404
    fresh_session(db)
    assert client.get("/my-questionnaires").status_code == 403


def test_a_country_taken_away_by_another_request_hides_its_pages_at_the_next_one(client, db, page):
    url, ids = page
    assert client.get(url).status_code == 200
    fresh_session(db)
    _elsewhere(
        db,
        sa.delete(user_countries).where(
            user_countries.c.user_id == ids["respondent"],
            user_countries.c.country_id == ids["country"],
        ),
    )
    assert client.get(url).status_code == 404


def test_a_previous_round_answer_changed_by_another_request_is_checked_at_the_next_one(
    client, db, page
):
    """The previous round reopened and its figure corrected: the plausibility warning of this
    round follows the corrected figure on the next page and the next save."""
    url, ids = page
    save = _autosave(client, url, "protection_statistics-prosecuted-2025-total", "3")
    assert save.status_code == 200
    assert any("3 against 40" in rule["text"] for rule in save.get_json()["rules"])
    fresh_session(db)
    assert "3 against 40 in the previous round" in client.get(url).get_data(as_text=True)
    fresh_session(db)
    previous = sa.select(Answer.id).where(
        Answer.question_id == "protection_statistics", Answer.submission_id != ids["submission"]
    )
    corrected = {"cells": {"prosecuted|2025|total": 30}, "source": "Ministry of Justice"}
    _elsewhere(
        db,
        sa.update(Answer).where(Answer.id.in_(previous.scalar_subquery())).values(value=corrected),
    )
    html = client.get(url).get_data(as_text=True)
    assert "3 against 30 in the previous round" in html and "3 against 40" not in html
    fresh_session(db)
    save = _autosave(client, url, "protection_statistics-prosecuted-2025-total", "2")
    [warning] = [r["text"] for r in save.get_json()["rules"] if "previous round" in r["text"]]
    assert warning.startswith("Persons prosecuted, 2025, Total: 2 against 30 in the previous round")


def _postgresql_only(db) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite pages keep their transaction (nothing to gain)")


def test_pages_read_outside_a_transaction_and_saves_inside_one_on_postgresql(client, db, page):
    """psycopg forgets its prepared statements at each ROLLBACK, which ended every page: pages
    now read in autocommit (READ COMMITTED reads the same), saves keep their transaction."""
    _postgresql_only(db)
    url, _ = page
    with isolation_levels(db) as levels:
        assert client.get(url).status_code == 200
    assert levels and set(levels) == {"AUTOCOMMIT"}
    fresh_session(db)
    body = _autosave_body(client, url, "protection_focal_point", "Mme Diallo")
    fresh_session(db)
    with isolation_levels(db) as levels:
        assert client.post(url, data=body, headers=JSON).status_code == 200
    assert levels and "AUTOCOMMIT" not in levels


def test_after_a_page_the_session_writes_in_a_transaction_again(client, db, page):
    """A rollback after a page still undoes what it wrote (the page's autocommit connection was
    given back when the page ended)."""
    _postgresql_only(db)
    url, ids = page
    assert client.get(url).status_code == 200
    db.session.execute(sa.delete(UserRole).where(UserRole.user_id == ids["respondent"]))
    db.session.rollback()
    roles = sa.select(sa.func.count()).where(UserRole.user_id == ids["respondent"])
    with Session(db.engine) as elsewhere:
        assert elsewhere.scalar(roles.select_from(UserRole)) == 1


def test_a_named_lock_refuses_to_be_taken_outside_a_transaction(app, db):
    """A transaction-level lock taken in autocommit would end with its statement: refused."""
    _postgresql_only(db)
    from surveys.engine import lock_names, read_outside_a_transaction

    fresh_session(db)
    with app.test_request_context("/", method="GET"):
        read_outside_a_transaction()
        with pytest.raises(RuntimeError, match="needs a transaction"):
            lock_names("sign-in:someone@example.org")


def test_a_respondent_s_home_reads_no_questionnaire_json_once_parsed(client, db, page):
    """Rounds join their version, and the version's ~90 KB JSON stays in the database: the
    parsed definition is found by its hash."""
    assert client.get("/my-questionnaires").status_code == 200
    fresh_session(db)
    with counted(db) as statements:
        assert client.get("/my-questionnaires").status_code == 200
    assert not any("definition_json" in s for s in statements), "\n".join(statements)


def test_a_respondent_s_home_reads_outside_a_transaction_on_postgresql(client, db, page):
    _postgresql_only(db)
    fresh_session(db)
    with isolation_levels(db) as levels:
        assert client.get("/my-questionnaires").status_code == 200
    assert levels and set(levels) == {"AUTOCOMMIT"}


@pytest.fixture
def home(client, login, db, factories):
    """A respondent of Niger and Mali. Three rounds closed 100 days ago yet open for Niger: one
    extended for it, one whose submission was returned to it, one reopened for it after its
    submission was validated. `add(n)` adds n rounds open to both (with a draft of one) and n
    closed ones with Niger's validated submission. The home seen once (definition parsed)."""
    f = factories
    niger = f.create_country("NE", "NER", "Niger", "Niger")
    mali = f.create_country("ML", "MLI", "Mali", "Mali")
    version = f.create_version()
    respondent = f.create_user(Role.RESPONDENT, countries=[niger, mali])
    ago, closed = timedelta(days=-300), timedelta(days=-100)
    extended = f.create_round(
        version, [niger, mali], period="extended", opens_in=ago, closes_in=closed
    )
    returned = f.create_round(version, [niger], period="returned", opens_in=ago, closes_in=closed)
    f.create_submission(returned, niger, {"legal_tip_offence": "no"}, status="returned")
    reopened = f.create_round(version, [niger], period="reopened", opens_in=ago, closes_in=closed)
    f.create_submission(reopened, niger, {"legal_tip_offence": "yes"}, status="validated")
    for round_, days in ((extended, 60), (reopened, 5)):
        participant = db.session.get(RoundCountry, (round_.id, niger.id))
        participant.closes_at_override = utcnow() + timedelta(days=days)
    db.session.commit()
    added = []

    def add(count: int) -> None:
        for n in range(len(added), len(added) + count):
            open_ = f.create_round(
                version, [niger, mali], period=f"open-{n}", closes_in=timedelta(days=10 + n)
            )
            answers = {"legal_tip_offence": "partly", "protection_shelters": 3}
            f.create_submission(open_, niger if n % 2 else mali, answers)
            closed = f.create_round(
                version,
                [niger, mali],
                period=f"past-{n}",
                opens_in=timedelta(days=-200 - n),
                closes_in=timedelta(days=-100 - n),
            )
            f.create_submission(closed, niger, {"legal_tip_offence": "no"}, status="validated")
            added.append(n)

    login(respondent)
    assert client.get("/my-questionnaires").status_code == 200
    fresh_session(db)
    return add


def _home(client, db) -> tuple[str, list[str]]:
    """The home as a fresh request reads it: its HTML and its statements."""
    fresh_session(db)
    with counted(db) as statements:
        response = client.get("/my-questionnaires")
    assert response.status_code == 200
    return response.get_data(as_text=True), statements


def test_a_respondent_s_home_reads_its_rounds_in_statements_that_do_not_grow_with_them(
    client, db, home
):
    home(2)
    html, few = _home(client, db)
    assert "open-1" in html and "past-1" in html
    home(3)
    html, more = _home(client, db)
    assert "open-4" in html and "past-4" in html
    assert len(more) == len(few) <= HOME_STATEMENTS, "\n".join(more)
    assert not any("definition_json" in s for s in more)


def _tasks(html: str) -> list[tuple[str, ...]]:
    """Each open round shown: its period, country, status, progress per area and action."""
    found = []
    for task in re.findall(r'<section class="task">(.*?)</section>', html, re.S):
        period = re.search(r" — ([\w-]+)</h3>", task).group(1)
        country, status = re.search(r"<p>(\w+) · <span[^>]*>([^<]+)</span>", task).groups()
        progress = re.findall(r"<li>[^<:]+: (\d+ of \d+) answered</li>", task)
        action = re.search(r">(Continue|View the answers|Start)</", task).group(1)
        found.append((period, country, status, *progress, action))
    return found


def test_a_respondent_s_home_shows_each_open_round_and_past_submission_once(client, db, home):
    """Open rounds soonest deadline first, then by country, with their drafts' progress; past
    validated submissions newest round first, without the one of the round reopened."""
    home(2)
    html, _ = _home(client, db)
    assert _tasks(html) == [
        ("returned", "Niger", "Returned", "1 of 5", "0 of 5", "Continue"),
        ("reopened", "Niger", "Validated", "1 of 6", "0 of 5", "View the answers"),
        ("open-0", "Mali", "Draft", "1 of 6", "1 of 5", "Continue"),
        ("open-0", "Niger", "Not started", "Start"),
        ("open-1", "Mali", "Not started", "Start"),
        ("open-1", "Niger", "Draft", "1 of 6", "1 of 5", "Continue"),
        ("extended", "Niger", "Not started", "Start"),
    ]
    past = html.split("Past rounds", 1)[1]
    assert re.findall(r" — ([\w-]+) \((\w+)\)</a>", past) == [
        ("past-0", "Niger"),
        ("past-1", "Niger"),
    ]


def _page_with_statements(client, db, url: str) -> tuple[str, list[str]]:
    """The page's HTML, and the statements it took."""
    with counted(db) as statements:
        html = client.get(url).get_data(as_text=True)
    return html, statements


def _reads_the_previous_round_alone(statements: list[str]) -> bool:
    """A statement of the previous round's values of its own (rule_checks.previous_values_of)."""
    return any(s.lstrip().startswith("SELECT answers.question_id") for s in statements)


def test_the_previous_round_s_values_are_read_with_the_submission_once_the_area_is_known(
    client, db, page
):
    """The page fixture showed the area once: its next page and save read the previous round's
    figure beside the submission, and check against it as a statement of its own would."""
    url, _ids = page
    with counted(db) as statements:
        save = _autosave(client, url, "protection_statistics-prosecuted-2025-total", "3")
    assert any("3 against 40" in rule["text"] for rule in save.get_json()["rules"])
    assert not _reads_the_previous_round_alone(statements), "\n".join(statements)
    fresh_session(db)
    html, statements = _page_with_statements(client, db, url)
    assert "3 against 40 in the previous round" in html
    assert not _reads_the_previous_round_alone(statements), "\n".join(statements)


def test_what_an_area_read_of_another_version_is_not_taken_for_this_one(client, db, page):
    """A round's version may change until it opens: what the area's checks read under another
    hash is not read beside the submission; they read it themselves, and it is remembered."""
    url, ids = page
    save = _autosave(client, url, "protection_statistics-prosecuted-2025-total", "3")
    assert save.status_code == 200
    fresh_session(db)
    key = (ids["submission"], "protection")
    ops._PREVIOUS_READS_OF_AREAS[key] = ("0" * 64, ("protection_statistics",))
    for reads_alone in (True, False):  # under the other hash, then as remembered again
        html, statements = _page_with_statements(client, db, url)
        assert "3 against 40 in the previous round" in html
        assert _reads_the_previous_round_alone(statements) is reads_alone, "\n".join(statements)
        assert ops._PREVIOUS_READS_OF_AREAS[key][0] != "0" * 64
        fresh_session(db)


def test_an_area_whose_checks_read_nothing_of_the_previous_round_reads_none_of_it(client, db, page):
    url, ids = page
    other = url.replace("/protection", "/legal")
    assert client.get(other).status_code == 200
    assert ops._PREVIOUS_READS_OF_AREAS[(ids["submission"], "legal")][1] == ()
    fresh_session(db)
    html, statements = _page_with_statements(client, db, other)
    assert 'id="area-form"' in html
    # One aggregate of answers beside the submission (its own), none of the previous round's.
    aggregates = sum(s.count("json_agg(") + s.count("json_group_array(") for s in statements)
    assert aggregates == 1, "\n".join(statements)
