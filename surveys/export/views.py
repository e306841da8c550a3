"""Download pages for analysts and coordinators: current workbooks, generated on request, and the
archived scorecards of closed rounds, served exactly as they were stored."""

from __future__ import annotations

import tempfile

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from surveys.access import allow
from surveys.audit.operations import record
from surveys.columns import utcnow
from surveys.export import jobs as export_jobs
from surveys.export.archive import ArchiveFileError, check_archived, scorecard_filename
from surveys.export.layout import XLSX_MIMETYPE
from surveys.export.models import ArchivedWorkbook, ExportJob, ExportStatus
from surveys.export.queries import ExportError, load_round, response_counts
from surveys.extensions import db
from surveys.i18n import current_language, default_language, is_enabled
from surveys.i18n import gettext as _
from surveys.locales import percent_of_hundred
from surveys.questionnaire.models import Questionnaire, QuestionnaireVersion
from surveys.roles import Role
from surveys.rounds.models import Round
from surveys.storage.backends import current_store
from surveys.storage.download import send_stored

bp = Blueprint("export", __name__, template_folder="templates")

EXPORT_ROLES = (Role.ANALYST, Role.COORDINATOR)

# The trends workbook with every answer is written at about 3,000 answer rows a second
# (bench/export_workbooks.py): minutes on a large history, longer than a browser or proxy waits
# for a download. It is always written in the background by the scheduler (surveys.export.jobs),
# whatever its size; the other workbooks take a second or two and stay direct downloads.


def _language() -> str:
    language = request.args.get("lang", default_language())
    if not is_enabled(language):
        abort(404)
    return language


def _send_built(build, download_name: str):
    """Build the workbook into a temporary file (deleted once sent) and stream it."""
    # Not a context manager: send_file closes (and so deletes) it after the last byte is sent.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    try:
        build(handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return send_file(
        handle,
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=download_name,
        max_age=0,
    )


@bp.get("/")
@allow(*EXPORT_ROLES)
def index():
    rounds = db.session.execute(
        sa.select(Round, QuestionnaireVersion, Questionnaire.key)
        .join(QuestionnaireVersion, Round.questionnaire_version_id == QuestionnaireVersion.id)
        .join(Questionnaire, QuestionnaireVersion.questionnaire_id == Questionnaire.id)
        .where(Round.cancelled_at.is_(None))
        .order_by(Round.opens_at.desc(), Round.id.desc())
    ).all()
    archives: dict[int, list[ArchivedWorkbook]] = {}
    for archived in db.session.scalars(
        sa.select(ArchivedWorkbook).order_by(
            ArchivedWorkbook.created_at.desc(), ArchivedWorkbook.language
        )
    ):
        archives.setdefault(archived.round_id, []).append(archived)
    questionnaires = db.session.scalars(
        sa.select(Questionnaire)
        .where(Questionnaire.id.in_(sa.select(QuestionnaireVersion.questionnaire_id)))
        .order_by(Questionnaire.key)
    ).all()
    return render_template(
        "export/index.html",
        rounds=rounds,
        archives=archives,
        questionnaires=questionnaires,
        answer_counts=response_counts(),
        my_exports=_my_exports(),
        keep_days=export_jobs.keep_days(current_app.config),
        percent=_percent,
    )


def _my_exports() -> list[ExportJob]:
    return list(
        db.session.scalars(
            sa.select(ExportJob)
            .where(ExportJob.requested_by_id == current_user.id)
            .order_by(ExportJob.created_at.desc(), ExportJob.id.desc())
            .limit(20)
        )
    )


@bp.get("/rounds/<int:round_id>/scorecard.xlsx")
@allow(*EXPORT_ROLES)
def scorecard(round_id: int):
    from surveys.export.scorecard import build_scorecard

    language = _language()
    try:
        loaded = load_round(round_id)
    except ExportError:
        abort(404)
    generated_at = utcnow().replace(microsecond=0)
    name = scorecard_filename(
        loaded.info.questionnaire_key, loaded.info.period, language, generated_at
    )
    response = _send_built(
        lambda target: build_scorecard(round_id, language, target, generated_at=generated_at),
        name,
    )
    record("export.scorecard", target_type="round", target_id=round_id, details={"lang": language})
    db.session.commit()
    return response


@bp.get("/questionnaires/<key>/trends.xlsx")
@allow(*EXPORT_ROLES)
def trends(key: str):
    from surveys.export.trends import build_trends

    language = _language()
    with_responses = request.args.get("with_responses") == "1"
    questionnaire_id = db.session.scalar(
        sa.select(Questionnaire.id).where(Questionnaire.key == key)
    )
    if questionnaire_id is None:
        abort(404)
    if with_responses:
        # Minutes of work: offered as a background export (a GET changes nothing).
        return render_template(
            "export/background.html",
            key=key,
            language=language,
            answers=response_counts().get(questionnaire_id, 0),
            keep_days=export_jobs.keep_days(current_app.config),
        )
    generated_at = utcnow().replace(microsecond=0)
    stamp = generated_at.strftime("%Y%m%dT%H%M%SZ")
    suffix = "_responses" if with_responses else ""
    name = f"trends_{key}{suffix}_{language}_{stamp}.xlsx"
    response = _send_built(
        lambda target: build_trends(
            key, language, target, with_responses=with_responses, generated_at=generated_at
        ),
        name,
    )
    record(
        "export.trends",
        target_type="questionnaire",
        details={"key": key, "lang": language, "with_responses": with_responses},
    )
    db.session.commit()
    return response


@bp.get("/archive/<int:archive_id>")
@allow(*EXPORT_ROLES)
def archived(archive_id: int):
    found = db.session.get(ArchivedWorkbook, archive_id)
    if found is None:
        abort(404)
    try:
        check_archived(found)
    except ArchiveFileError:
        # Logged for the administrators; the analyst gets a page saying what to do.
        current_app.logger.exception("archived workbook %s is unusable", found.filename)
        return render_template("export/missing.html", archived=found), 500
    return send_stored(
        current_store(),
        found.sha256,
        found.size_bytes,
        mimetype=XLSX_MIMETYPE,
        download_name=found.filename,
    )


# --- Background exports ------------------------------------------------------------------------


@bp.post("/questionnaires/<key>/trends-with-answers")
@allow(*EXPORT_ROLES)
def start_trends_export(key: str):
    """Queue the trends workbook with every answer; the scheduler writes it."""
    language = request.form.get("lang", default_language())
    if not is_enabled(language):
        abort(400)
    if db.session.scalar(sa.select(Questionnaire.id).where(Questionnaire.key == key)) is None:
        abort(404)
    job = export_jobs.queue_trends(key, language, current_user)
    record(
        "export.queued",
        target_type="questionnaire",
        details={"key": key, "lang": language, "job": job.id},
    )
    db.session.commit()
    flash(_("The workbook is being prepared. You can leave this page: it stays in your list."))
    return redirect(url_for("export.export_job", job_id=job.id), code=303)


def _own_job(job_id: int) -> ExportJob:
    """The current user's job; anyone else's is not found (an export holds every answer)."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.requested_by_id != current_user.id:
        abort(404)
    return job


@bp.get("/jobs/<int:job_id>")
@allow(*EXPORT_ROLES)
def export_job(job_id: int):
    job = _own_job(job_id)
    return render_template("export/job.html", job=job, refresh=job.is_active, percent=_percent)


def _percent(value: int) -> str:
    return percent_of_hundred(value, current_language())


@bp.get("/jobs/<int:job_id>/download")
@allow(*EXPORT_ROLES)
def download_export(job_id: int):
    job = _own_job(job_id)
    if job.status != ExportStatus.DONE or job.expires_at <= utcnow():
        abort(404)
    record("export.downloaded", target_type="export_job", target_id=job.id)
    db.session.commit()
    return send_stored(
        current_store(),
        job.sha256,
        job.size_bytes,
        mimetype=XLSX_MIMETYPE,
        download_name=job.filename,
    )
