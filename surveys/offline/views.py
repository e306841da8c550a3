"""Offline answering pages: download a country's workbook, upload filled ones, preview, confirm.

Thin: the checks and the merge live in operations.py. Uploaded workbooks are kept in the file
store (by sha256) between the preview and the confirmation, so a slow connection sends a file
once; the confirmation reads them again and merges against what is stored then.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import RequestEntityTooLarge

from surveys.access import allow
from surveys.countries.models import Country
from surveys.extensions import db
from surveys.i18n import current_language, gettext, ngettext
from surveys.i18n import gettext as _
from surveys.offline import operations as offline
from surveys.offline.contents import Problem
from surveys.questionnaire.rules import failure_text
from surveys.questionnaire.schema import localized
from surveys.responses import operations as ops
from surveys.responses.models import Submission
from surveys.roles import Role
from surveys.rounds.models import Round
from surveys.storage.backends import FileDigest, StoredFileMissing, current_store, is_checksum
from surveys.web import file_size, render_error

bp = Blueprint("offline", __name__, template_folder="templates")
MAX_FILES = 10
CHUNK = 64 * 1024


def _round_country_or_404(round_id: int, country_id: int) -> tuple[Round, Country]:
    round_ = db.session.get(Round, round_id)
    country = db.session.get(Country, country_id)
    if round_ is None or country is None or round_.cancelled_at is not None:
        abort(404)
    if not offline.may_download(current_user, round_, country_id):
        abort(404)  # another country's page is not revealed
    return round_, country


def message(problem: Problem) -> str:
    """A problem in the reader's language (a broken rule's text included)."""
    params = dict(problem.params)
    if problem.failure is not None:
        params["rule"] = failure_text(problem.failure, current_language(), gettext)
    return _(problem.message, **params)


@bp.app_template_global("offline_url")
def offline_url(submission: Submission) -> str:
    return url_for("offline.page", round_id=submission.round_id, country_id=submission.country_id)


@bp.app_template_global("offline_refusal")
def offline_refusal(submission: Submission) -> str | None:
    """Why the person cannot import a workbook into this submission now (translated), "" when
    they can, None when the offline page is not theirs at all (an analyst)."""
    if not offline.may_download(current_user, submission.round, submission.country_id):
        return None
    refusal = offline.refusal(current_user, submission.round, submission.country_id, submission)
    return _(refusal) if refusal else ""


@bp.get("/rounds/<int:round_id>/countries/<int:country_id>")
@allow(Role.RESPONDENT, Role.COORDINATOR, Role.ADMIN)
def page(round_id: int, country_id: int):
    round_, country = _round_country_or_404(round_id, country_id)
    return _render_page(round_, country)


def _render_page(round_, country, preview=None, errors=(), status=200, note=""):
    submission = ops.find_submission(round_.id, country.id)
    definition = round_.version.definition
    refusal = offline.refusal(current_user, round_, country.id, submission)
    return render_template(
        "offline/page.html",
        round=round_,
        country=country,
        submission=submission,
        definition=definition,
        refusal=_(refusal) if refusal else "",
        on_behalf=offline.on_behalf(current_user, country.id),
        preview=preview,
        errors=errors,
        note=note,
        message=message,
        shown=offline.shown,
        localized=localized,
        max_upload_mb=current_app.config["MAX_UPLOAD_MB"],
        state=offline.preview_state(preview) if preview else "",
    ), status


@bp.get("/rounds/<int:round_id>/countries/<int:country_id>/workbook")
@allow(Role.RESPONDENT, Role.COORDINATOR, Role.ADMIN)
def workbook(round_id: int, country_id: int):
    round_, country = _round_country_or_404(round_id, country_id)
    language = request.args.get("lang") or current_language()
    if language not in round_.version.definition.languages:
        language = round_.version.definition.languages[0]
    buffer = io.BytesIO()
    template = offline.make_template(
        buffer,
        round_,
        country,
        language,
        secret=current_app.config["SECRET_KEY"],
        area_ids=request.args.getlist("area"),
        blank=request.args.get("blank") == "1",
        timezone=current_user.timezone or "UTC",
        made_for=current_user.name if offline.on_behalf(current_user, country.id) else "",
    )
    buffer.seek(0)
    response = send_file(
        buffer,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=template.filename,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@contextlib.contextmanager
def _stored_copies(shas: list[str]):
    """The stored uploads as temporary files (removed afterwards)."""
    store = current_store()
    with tempfile.TemporaryDirectory(dir=store.temporary_dir()) as folder:
        paths = []
        for index, sha in enumerate(shas):
            path = Path(folder) / f"{index}.xlsx"
            with path.open("wb") as handle:
                for chunk in store.chunks(sha):
                    handle.write(chunk)
            paths.append(path)
        yield paths


@bp.post("/rounds/<int:round_id>/countries/<int:country_id>/import")
@allow(Role.RESPONDENT, Role.COORDINATOR, Role.ADMIN)
def upload(round_id: int, country_id: int):
    round_, country = _round_country_or_404(round_id, country_id)
    submission = ops.find_submission(round_id, country_id)
    refusal = offline.refusal(current_user, round_, country_id, submission)
    if refusal:
        return _render_page(round_, country, errors=[_(refusal)], status=403)
    files = [f for f in request.files.getlist("workbook") if f and f.filename][:MAX_FILES]
    if not files:
        return _render_page(round_, country, errors=[_("Choose a workbook to upload.")], status=422)
    try:
        return _preview_uploads(round_, country, files)
    finally:
        for upload_ in files:
            upload_.close()  # an early refusal leaves the rest of a spooled file unread


def _preview_uploads(round_, country, files):
    store = current_store()
    max_bytes = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    secret = current_app.config["SECRET_KEY"]
    with tempfile.TemporaryDirectory(dir=store.temporary_dir()) as folder:
        uploads = []
        for index, upload_ in enumerate(files):
            path = Path(folder) / f"{index}.xlsx"
            size = _copy_limited(upload_.stream, path, max_bytes)
            if size is None:
                error = _(
                    "The file %(name)s is larger than %(size)d MB: nothing was imported.",
                    name=upload_.filename,
                    size=max_bytes // (1024 * 1024),
                )
                return _render_page(round_, country, errors=[error], status=413)
            uploads.append((path, upload_.filename))
        preview = offline.preview_import(round_, country, uploads, secret=secret)
        if not preview.ok:
            return _render_page(round_, country, preview=preview, status=422)
        for (path, _name), result in zip(uploads, preview.files, strict=True):
            store.put(path, FileDigest(result.sha256, path.stat().st_size))
    if preview.submission is None:
        preview = _start_and_preview_again(round_, country, preview)
    db.session.commit()
    return _render_page(round_, country, preview=preview)


def _start_and_preview_again(round_, country, preview):
    """The first answers of a country: start its submission (pre-filled from the previous
    round, as the web form's start does), then merge the files against it."""
    try:
        ops.start_submission(round_, country, actor=current_user)
        db.session.commit()
    except IntegrityError:  # a colleague started it at the same moment
        db.session.rollback()
    shas = [f.sha256 for f in preview.files]
    names = [f.name for f in preview.files]
    with _stored_copies(shas) as paths:
        return offline.preview_import(
            round_,
            country,
            list(zip(paths, names, strict=True)),
            secret=current_app.config["SECRET_KEY"],
        )


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    """A request larger than the server accepts at all: refused before a byte is read, with
    the upload page and its specific message rather than a bare error page. Nothing stored
    changes, and the page keeps the answers and the preview as they were."""
    args = request.view_args or {}
    if (
        request.endpoint != "offline.upload"
        or not current_user.is_authenticated
        or not current_user.has_role(Role.RESPONDENT, Role.COORDINATOR, Role.ADMIN)
    ):
        return render_error(error)
    round_, country = _round_country_or_404(args["round_id"], args["country_id"])
    limit = current_app.config["MAX_UPLOAD_MB"]
    message = _(
        "The upload (%(size)s) is larger than %(limit)d MB, the most one file may weigh: "
        "nothing was imported and your saved answers are unchanged. Upload the files one at a "
        "time, or download a workbook for fewer areas.",
        size=file_size(request.content_length or 0),
        limit=limit,
    )
    return _render_page(round_, country, errors=[message], status=413)


def _copy_limited(stream, path: Path, max_bytes: int) -> int | None:
    size = 0
    with path.open("wb") as handle:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                return None
            handle.write(chunk)
    return size


@bp.post("/rounds/<int:round_id>/countries/<int:country_id>/import/confirm")
@allow(Role.RESPONDENT, Role.COORDINATOR, Role.ADMIN)
def confirm(round_id: int, country_id: int):
    round_, country = _round_country_or_404(round_id, country_id)
    shas = request.form.getlist("file")[:MAX_FILES]
    names = request.form.getlist("name")[: len(shas)]
    if not shas or not all(is_checksum(sha) for sha in shas) or len(names) != len(shas):
        abort(400)  # not a preview's form
    submission = ops.find_submission(round_id, country_id)
    refusal = offline.refusal(current_user, round_, country_id, submission)
    if refusal:
        return _render_page(round_, country, errors=[_(refusal)], status=403)
    if submission is None:
        abort(400)  # a preview always starts the submission
    try:
        with _stored_copies(shas) as paths:
            preview = offline.preview_import(
                round_,
                country,
                list(zip(paths, names, strict=True)),
                secret=current_app.config["SECRET_KEY"],
            )
    except StoredFileMissing:
        return _render_page(
            round_,
            country,
            errors=[_("The uploaded files are no longer here: upload them again.")],
            status=409,
        )
    if not preview.ok:
        return _render_page(round_, country, preview=preview, status=422)
    if request.form.get("state") != offline.preview_state(preview):
        note = _(
            "The answers changed online while you were reading the preview. Nothing was saved: "
            "check the preview again and confirm."
        )
        return _render_page(round_, country, preview=preview, note=note, status=409)
    choices = {
        change.question.id: request.form.get(f"choice-{change.question.id}", "")
        for change in preview.conflicts
    }
    if any(choice not in ("file", "online") for choice in choices.values()):
        note = _("Choose, for each conflict, which answer to keep.")
        return _render_page(round_, country, preview=preview, note=note, status=422)
    confirm_ids = [
        c.question.id for c in preview.carried if request.form.get(f"confirm-{c.question.id}")
    ]
    try:
        outcome = offline.apply_import(
            preview, submission, actor=current_user, choices=choices, confirm=confirm_ids
        )
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        note = _(
            "Someone saved answers at the same moment. Nothing was saved: check the preview "
            "again and confirm."
        )
        return _render_page(round_, country, preview=preview, note=note, status=409)
    flash(" ".join(_outcome_sentences(outcome)), "success")
    return redirect(url_for("responses.submission", submission_id=submission.id))


def _outcome_sentences(outcome: offline.Imported) -> list[str]:
    sentences = [
        ngettext(
            "Workbook imported: %(num)d answer saved.",
            "Workbook imported: %(num)d answers saved.",
            outcome.saved,
        )
    ]
    if outcome.resolved:
        sentences.append(
            ngettext(
                "%(num)d conflict settled with the file's answer.",
                "%(num)d conflicts settled with the file's answers.",
                outcome.resolved,
            )
        )
    if outcome.kept_online:
        sentences.append(
            ngettext(
                "%(num)d answer kept as saved online (the file's value is in its history).",
                "%(num)d answers kept as saved online (the file's values are in their history).",
                outcome.kept_online,
            )
        )
    if outcome.explained:
        sentences.append(
            ngettext(
                "%(num)d warning explained.",
                "%(num)d warnings explained.",
                outcome.explained,
            )
        )
    if outcome.confirmed:
        sentences.append(
            ngettext(
                "%(num)d carried-over answer confirmed.",
                "%(num)d carried-over answers confirmed.",
                outcome.confirmed,
            )
        )
    return sentences
