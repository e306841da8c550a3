"""Download pages for analysts and coordinators: current workbooks, generated on request, and the
archived scorecards of closed rounds, served exactly as they were stored."""

from __future__ import annotations

import tempfile

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_babel import lazy_gettext as _l

from surveys.access import allow
from surveys.accounts.models import Role
from surveys.audit.operations import record
from surveys.db import utcnow
from surveys.export.archive import ArchiveFileError, check_archived, scorecard_filename
from surveys.export.models import ArchivedWorkbook
from surveys.export.queries import ExportError, load_round, response_counts
from surveys.export.workbook import XLSX_MIMETYPE
from surveys.extensions import db
from surveys.navigation import add_nav_item
from surveys.questionnaire.models import Questionnaire, QuestionnaireVersion
from surveys.rounds.models import Round
from surveys.storage.backends import current_store
from surveys.storage.download import send_stored

bp = Blueprint("export", __name__, template_folder="templates")
add_nav_item(
    "export.index", _l("Excel workbooks"), roles=(Role.ANALYST, Role.COORDINATOR), order=70
)

LANGUAGES = (("en", "English"), ("fr", "Français"))
EXPORT_ROLES = (Role.ANALYST, Role.COORDINATOR)

WEB_RESPONSE_ROWS = 50_000
"""The most answers a trends workbook with responses may hold to be built during a web request.

It is written at about 3,000 answer rows a second (bench/export_workbooks.py): 300,000 rows take
about 90 s, longer than a browser or proxy waits. Larger sets are written with the command line
(`surveys export trends --with-responses`). Set EXPORT_WEB_RESPONSE_ROWS to change it.
"""


def web_response_rows() -> int:
    return int(current_app.config.get("EXPORT_WEB_RESPONSE_ROWS", WEB_RESPONSE_ROWS))


def trends_command(key: str, language: str) -> str:
    """The command line that writes the trends workbook with responses (shown on the pages)."""
    return (
        f"surveys export trends --questionnaire {key} --with-responses"
        f" --lang {language} -o trends_{key}_{language}.xlsx"
    )


def _language() -> str:
    language = request.args.get("lang", "en")
    if language not in dict(LANGUAGES):
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
        web_limit=web_response_rows(),
        trends_command=trends_command,
        languages=LANGUAGES,
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
    answers = response_counts().get(questionnaire_id, 0) if with_responses else 0
    if answers > web_response_rows():
        # Too slow for a web request: the page says so and gives the command that writes it.
        return render_template(
            "export/too_large.html",
            key=key,
            answers=answers,
            web_limit=web_response_rows(),
            command=trends_command(key, language),
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
