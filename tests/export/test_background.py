"""Background exports (issue 14, point 8): the trends workbook with every answer is queued from
the page, written by the scheduler process with its progress recorded, downloaded by the person
who asked for it and deleted when its keeping time is over. No answer limit, no command line."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from surveys.columns import utcnow
from surveys.export import jobs as export_jobs
from surveys.export.models import ExportJob, ExportStatus
from surveys.scheduling import jobs as scheduler_jobs
from surveys.scheduling.process import fixed_jobs
from surveys.storage.backends import current_store

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def analyst(create_user, login):
    user = create_user("analyst", email="analyst@example.org")
    login(user)
    return user


def _start(client, key="mini", language="en"):
    page = client.get("/exports/").get_data(as_text=True)
    assert f'action="/exports/questionnaires/{key}/trends-with-answers"' in page
    token = CSRF.search(page).group(1)
    return client.post(
        f"/exports/questionnaires/{key}/trends-with-answers",
        data={"csrf_token": token, "lang": language},
    )


def _job(db) -> ExportJob:
    db.session.expire_all()
    return db.session.scalars(sa.select(ExportJob)).one()


def test_the_scheduler_writes_the_workbook_and_the_page_offers_it(export_data, analyst, client, db):
    response = _start(client, language="fr")
    assert response.status_code == 303
    job_url = response.headers["Location"]
    waiting = client.get(job_url).get_data(as_text=True)
    assert "Waiting for the scheduler" in waiting and "<progress" in waiting
    assert '<meta http-equiv="refresh" content="2">' in waiting  # polls without JavaScript
    assert _job(db).status == ExportStatus.QUEUED

    seen: list[tuple[int, int]] = []
    recorder = export_jobs.ProgressRecorder.__call__

    def spy(self, done, total):
        seen.append((done, total))
        recorder(self, done, total)

    export_jobs.ProgressRecorder.__call__ = spy
    try:
        assert scheduler_jobs.run_exports() == 1  # what the scheduler's "exports" job runs
    finally:
        export_jobs.ProgressRecorder.__call__ = recorder
    job = _job(db)
    assert job.status == ExportStatus.DONE and job.attempts == 1
    total = job.total_steps  # one step per country and round
    assert total >= len(export_data.countries)
    assert seen[0] == (0, total) and seen[-1] == (total, total)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert job.done_steps == job.total_steps == total
    assert job.expires_at - job.finished_at == timedelta(days=7)

    ready = client.get(job_url).get_data(as_text=True)
    assert "refresh" not in ready and "Download trends_mini_responses_fr_" in ready
    assert re.search(r"\(\d[\d,]* (B|KB|MB); kept until \d+ \w{3} \d{4}, \d\d:\d\d\)", ready)
    # French typography: a non-breaking space before the unit and before the semicolon.
    analyst.language = "fr"
    db.session.commit()
    french = client.get(job_url).get_data(as_text=True)
    assert re.search(r"\(\d[\d\u00a0\u202f]*\u00a0(o|Ko|Mo)\u202f; conservé jusqu'au \d", french)
    listed = client.get("/exports/").get_data(as_text=True)
    assert f'href="/exports/jobs/{job.id}/download"' in listed
    download = client.get(f"/exports/jobs/{job.id}/download")
    assert download.status_code == 200
    assert job.filename in download.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(download.get_data()), read_only=True)
    download.close()
    assert book.sheetnames[-2:] == ["Réponses", "Statistiques"]
    book.close()


def test_only_the_person_who_asked_sees_and_downloads_it(
    export_data, analyst, client, db, create_user, login
):
    _start(client)
    scheduler_jobs.run_exports()
    job = _job(db)
    login(create_user("coordinator"))
    assert client.get(f"/exports/jobs/{job.id}").status_code == 404
    assert client.get(f"/exports/jobs/{job.id}/download").status_code == 404
    assert client.get("/exports/questionnaires/mini/trends-with-answers").status_code == 405


def test_a_job_whose_scheduler_died_is_taken_up_by_the_next(export_data, analyst, client, db, app):
    _start(client)
    job_id = export_jobs.claim_next("dead-host:1", app.config)
    assert job_id is not None
    # The first scheduler stopped mid-way: no heartbeat since.
    db.session.execute(sa.update(ExportJob).values(heartbeat_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    assert (
        export_jobs.claim_next("other:2", app.config, now=utcnow() - timedelta(minutes=9)) is None
    )
    assert export_jobs.run_pending("other:2", app.config) == 1
    job = _job(db)
    assert job.status == ExportStatus.DONE and job.attempts == 2 and job.worker == "other:2"


def test_an_export_is_kept_for_the_set_days_then_deleted_with_its_file(
    export_data, analyst, client, db, app
):
    app.config["EXPORT_KEEP_DAYS"] = 2
    _start(client)
    scheduler_jobs.run_exports()
    job = _job(db)
    assert job.expires_at - job.finished_at == timedelta(days=2)
    sha256 = job.sha256
    assert current_store().has(sha256)
    assert export_jobs.purge_expired(now=job.expires_at - timedelta(minutes=1)) == 0
    assert export_jobs.purge_expired(now=job.expires_at + timedelta(minutes=1)) == 1
    assert not current_store().has(sha256)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 0
    assert client.get(f"/exports/jobs/{job.id}/download").status_code == 404


def test_a_failure_is_shown_to_the_requester(export_data, analyst, client, db, app):
    job = export_jobs.queue_trends("mini", "en", analyst)
    job.questionnaire_key = "no-such-questionnaire"
    db.session.commit()
    export_jobs.run_pending("worker:1", app.config)
    job = _job(db)
    assert job.status == ExportStatus.FAILED and job.error
    page = client.get(f"/exports/jobs/{job.id}").get_data(as_text=True)
    assert "could not be written" in page and "refresh" not in page


def test_the_scheduler_polls_for_exports_every_few_seconds(app):
    exports = [job for job in fixed_jobs(app.config) if job.id == "exports"]
    assert exports and exports[0].seconds <= 5
    assert exports[0].func == "surveys.scheduling.process:exports_job"
    assert exports[0].after_each_run  # never two runs at once (see tests/scheduling)
    # Not written to the job store every few seconds (SQLite lock contention with the web).
    assert exports[0].jobstore == "memory"
