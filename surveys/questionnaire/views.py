"""The questionnaire library: versions, read-only views, diffs, upload and publishing."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_login import current_user

from surveys.access import allow, signed_in
from surveys.extensions import db
from surveys.i18n import current_language, gettext, reading_language
from surveys.i18n import gettext as _
from surveys.inputs import parse_id
from surveys.locales import percent_of_hundred
from surveys.questionnaire.errors import DefinitionError, translated_params
from surveys.questionnaire.forms import PublishForm, UploadDefinitionForm
from surveys.questionnaire.models import QuestionnaireVersion
from surveys.questionnaire.operations import (
    VersionError,
    all_versions,
    find_version,
    parse_uploaded_definition,
    publish,
    store_definition,
)
from surveys.questionnaire.rules import rule_in_words
from surveys.questionnaire.schema import Definition, localized
from surveys.questionnaire.wording import (
    ChangeInWords,
    ChangeReader,
    Wording,
    condition_in_words,
    question_numbers,
    type_name,
)
from surveys.roles import Role

bp = Blueprint("questionnaire", __name__, template_folder="templates")

MANAGERS = (Role.COORDINATOR, Role.ADMIN)


def _may_manage() -> bool:
    return current_user.has_role(*MANAGERS)


def _visible_version(key: str, number: int) -> QuestionnaireVersion:
    """A version the current user may see: drafts only for coordinators and admins."""
    version = find_version(key, number)
    if version is None or (not version.is_published and not _may_manage()):
        abort(404)
    return version


@bp.get("/")
@signed_in
def index():
    versions = [v for v in all_versions() if v.is_published or _may_manage()]
    return render_template(
        "questionnaire/index.html", versions=versions, may_manage=_may_manage(), localized=localized
    )


@bp.get("/<key>/v<int:version>")
@signed_in
def show(key: str, version: int):
    stored = _visible_version(key, version)
    definition = stored.definition
    return render_template(
        "questionnaire/show.html",
        stored=stored,
        definition=definition,
        language=reading_language(definition),
        localized=localized,
        may_manage=_may_manage(),
        preview_endpoint="responses.preview",
        condition_text=condition_text,
        type_name=lambda question_type: type_name(question_type, gettext),
    )


@bp.get("/<key>/diff")
@signed_in
def diff(key: str):
    old_number = parse_id(request.args.get("old"))
    new_number = parse_id(request.args.get("new"))
    if old_number is None or new_number is None:
        abort(404)
    if old_number > new_number:
        # A version says which questions of earlier ones it replaces, not the reverse: the
        # changes always read from the older to the newer.
        return redirect(url_for("questionnaire.diff", key=key, old=new_number, new=old_number))
    from surveys.questionnaire.diff import diff_definitions

    old, new = _visible_version(key, old_number), _visible_version(key, new_number)
    language = reading_language(new.definition)
    changes = diff_definitions(old.definition, new.definition)
    return render_template(
        "questionnaire/diff.html",
        key=key,
        old=old,
        new=new,
        changes=changes,
        language=language,
        localized=localized,
        words=DiffInWords(old.definition, new.definition, language),
    )


class DiffInWords:
    """The diff's questions, areas and changed fields written for the page's reader."""

    def __init__(self, old: Definition, new: Definition, language: str) -> None:
        self.old_definition, self.new_definition = old, new
        self.old = _wording(old, language)
        self.new = _wording(new, language)
        self.old_numbers, self.new_numbers = question_numbers(old), question_numbers(new)
        self.language = language

    def question(self, question_id: str, *, removed: bool = False) -> str:
        """ "2.3 The question's text" in the version that has it."""
        definition = self.old_definition if removed else self.new_definition
        numbers = self.old_numbers if removed else self.new_numbers
        question = definition.question(question_id)
        text = localized(question.text, self.language) if question else question_id
        return f"{numbers.get(question_id, '')} {text}".strip()

    def area(self, area_id: str, *, removed: bool = False) -> str:
        definition = self.old_definition if removed else self.new_definition
        area = definition.area(area_id)
        return localized(area.title, self.language) if area else area_id

    def question_changes(self, item) -> list[ChangeInWords]:
        reader = ChangeReader(
            self.old,
            self.new,
            self.old_definition.question(item.old_id),
            self.new_definition.question(item.new_id),
        )
        return [reader.change(change) for change in item.changes]

    def other_changes(self, changes) -> list[ChangeInWords]:
        reader = ChangeReader(self.old, self.new)
        return [reader.change(change) for change in changes]

    def rule(self, rule_id: str, *, removed: bool = False) -> str:
        """A validation rule: its severity and its check in words, in the version that has it."""
        wording = self.old if removed else self.new
        found = next((r for r in wording.definition.rules if r.id == rule_id), None)
        if found is None:
            return rule_id
        check = rule_in_words(found.check, wording.definition, self.language, gettext)
        severity = gettext("Error") if found.severity == "error" else gettext("Warning")
        return gettext("%(severity)s: %(check)s", severity=severity, check=check)


def _wording(definition: Definition, language: str) -> Wording:
    return Wording(
        definition,
        language,
        gettext,
        number=format_decimal,
        percent=lambda value: percent_of_hundred(value, current_language()),
    )


def condition_text(definition: Definition, text: str | None, language: str) -> str:
    return condition_in_words(text, definition, language, gettext, format_decimal)


@bp.route("/upload", methods=["GET", "POST"])
@allow(*MANAGERS)
def upload():
    form = UploadDefinitionForm()
    issues = []
    if form.validate_on_submit():
        file = form.definition.data
        try:
            text = _uploaded_text(file)
            definition = parse_uploaded_definition(text, file.filename or "upload.yaml")
            result = store_definition(
                definition, source_name=file.filename or "", actor=current_user
            )
        except UploadError as exc:
            form.definition.errors.append(str(exc))
        except DefinitionError as exc:
            issues = exc.issues
        except VersionError as exc:
            form.definition.errors.append(_(exc.template, **translated_params(exc.params, _)))
        else:
            db.session.commit()
            flash(
                _(
                    "%(label)s is stored as a draft. Check it, then publish it.",
                    label=result.version.label,
                ),
                "success",
            )
            return redirect(
                url_for("questionnaire.show", key=definition.key, version=definition.version)
            )
    return render_template(
        "questionnaire/upload.html", form=form, issues=issues, describe=_describe_issue
    )


class UploadError(ValueError):
    """The uploaded file cannot be read as a definition at all (size, encoding)."""


def _uploaded_text(file) -> str:
    """The upload as text, refusing files above MAX_DEFINITION_KB or not in UTF-8."""
    limit_kb = current_app.config["MAX_DEFINITION_KB"]
    try:
        raw = file.read(limit_kb * 1024 + 1)
    finally:
        file.close()  # large uploads are spooled to a temporary file
    if len(raw) > limit_kb * 1024:
        raise UploadError(_("The file is larger than %(kb)s KB.", kb=limit_kb))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError(_("The file is not UTF-8 text.")) from None


def _describe_issue(issue) -> str:
    """An issue in the reader's language as plain text, escaped in the page like any text:
    in a template, a translated string is taken as markup ("v<N>.yaml", "< <= > >=")."""
    return _(issue.template, **translated_params(issue.params, _))


@bp.route("/<key>/v<int:version>/publish", methods=["GET", "POST"])
@allow(*MANAGERS)
def publish_version(key: str, version: int):
    stored = _visible_version(key, version)
    form = PublishForm()
    if stored.is_published:
        flash(_("%(label)s is already published.", label=stored.label), "info")
        return redirect(url_for("questionnaire.show", key=key, version=version))
    if form.validate_on_submit():
        try:
            publish(stored, actor=current_user)
        except VersionError as exc:
            flash(_(exc.template, **translated_params(exc.params, _)), "error")
        else:
            db.session.commit()
            flash(_("%(label)s is published and frozen.", label=stored.label), "success")
            return redirect(url_for("questionnaire.show", key=key, version=version))
    return render_template(
        "questionnaire/publish.html", stored=stored, form=form, localized=localized
    )
