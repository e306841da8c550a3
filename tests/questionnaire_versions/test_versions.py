"""Storing, publishing and freezing questionnaire versions (model, CLI and web)."""

from __future__ import annotations

import html
import io
import re
import shutil
from pathlib import Path

import pytest
from markupsafe import escape

from surveys.questionnaire.models import FrozenVersionError, QuestionnaireVersion
from surveys.questionnaire.operations import VersionError, import_file, publish
from tests.conftest import MINI_V1, MINI_V2, ROOT

REAL = ROOT / "questionnaires" / "niamey-2018"


def copy_mini(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "mini"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(MINI_V1.parent / name, folder / name)
    return folder


def test_import_stores_a_draft_and_publish_freezes_it(db):
    result = import_file(MINI_V1)
    db.session.commit()
    assert result.created and result.version.status == "draft"
    assert publish(result.version)
    db.session.commit()
    assert result.version.is_published and result.version.published_at is not None
    assert len(result.version.sha256) == 64


def test_importing_the_same_published_file_again_is_a_no_op(db):
    first = import_file(MINI_V1)
    publish(first.version)
    db.session.commit()
    again = import_file(MINI_V1)
    assert not again.created and again.version.id == first.version.id
    assert db.session.query(QuestionnaireVersion).count() == 1


def test_a_changed_file_under_a_published_number_is_refused(db, tmp_path):
    folder = copy_mini(tmp_path, "v1.yaml")
    publish(import_file(folder / "v1.yaml").version)
    db.session.commit()
    text = (folder / "v1.yaml").read_text(encoding="utf-8")
    (folder / "v1.yaml").write_text(text.replace("weight: 2", "weight: 3", 1), encoding="utf-8")
    with pytest.raises(VersionError, match=r"published and frozen.*new version number"):
        import_file(folder / "v1.yaml")


def test_the_model_refuses_changes_to_a_published_version(db):
    version = import_file(MINI_V1).version
    publish(version)
    db.session.commit()
    version.definition_json = version.definition_json.replace("mini", "mani")
    with pytest.raises(FrozenVersionError, match="frozen"):
        db.session.flush()
    db.session.rollback()
    version = db.session.get(QuestionnaireVersion, version.id)
    version.status = "draft"
    with pytest.raises(FrozenVersionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(QuestionnaireVersion, version.id))
    with pytest.raises(FrozenVersionError):
        db.session.flush()


def test_a_draft_can_be_replaced_before_publishing(db, tmp_path):
    folder = copy_mini(tmp_path, "v1.yaml")
    first = import_file(folder / "v1.yaml")
    db.session.commit()
    first_hash = first.version.sha256
    text = (folder / "v1.yaml").read_text(encoding="utf-8")
    (folder / "v1.yaml").write_text(text.replace("weight: 2", "weight: 3", 1), encoding="utf-8")
    second = import_file(folder / "v1.yaml")
    assert second.replaced_draft and second.version.id == first.version.id
    assert second.version.sha256 != first_hash


def test_versions_are_published_in_order(db):
    import_file(MINI_V1)
    v2 = import_file(MINI_V2).version
    with pytest.raises(VersionError, match="publish v1 first"):
        publish(v2)


class TestCommandLine:
    def test_validate_reports_the_real_questionnaires_valid(self, runner):
        result = runner.invoke(
            args=["questionnaire", "validate", str(REAL / "v1.yaml"), str(REAL / "v2.yaml")]
        )
        assert result.exit_code == 0, result.output
        assert "v1.yaml: valid" in result.output and "v2.yaml: valid" in result.output

    def test_validate_fails_with_file_line_and_path(self, runner, tmp_path):
        bad = tmp_path / "mini" / "v1.yaml"
        bad.parent.mkdir()
        bad.write_text(MINI_V1.read_text(encoding="utf-8").replace("weight: 2", "weight: -2", 1))
        result = runner.invoke(args=["questionnaire", "validate", str(bad)])
        assert result.exit_code == 1
        assert str(bad) in result.output and "weight" in result.output

    def test_import_publish_list_and_no_op(self, runner, db):
        out = runner.invoke(args=["questionnaire", "import", str(MINI_V1)])
        assert out.exit_code == 0 and "draft" in out.output
        out = runner.invoke(args=["questionnaire", "publish", "mini", "1"])
        assert out.exit_code == 0 and "Published mini v1" in out.output
        out = runner.invoke(args=["questionnaire", "import", str(MINI_V1)])
        assert "nothing changed" in out.output
        out = runner.invoke(args=["questionnaire", "list"])
        assert "mini" in out.output and "published" in out.output

    def test_publish_of_an_unknown_version_says_what_to_do(self, runner):
        out = runner.invoke(args=["questionnaire", "publish", "mini", "7"])
        assert out.exit_code != 0 and "import it first" in out.output

    def test_import_of_a_malformed_file_stores_nothing(self, runner, db, tmp_path):
        bad = tmp_path / "mini" / "v1.yaml"
        bad.parent.mkdir()
        bad.write_text("key: mini\nversion: [\n")
        out = runner.invoke(args=["questionnaire", "import", str(bad)])
        assert out.exit_code != 0 and "nothing was stored" in out.output
        assert db.session.query(QuestionnaireVersion).count() == 0

    def test_diff_lists_changes_following_replaces(self, runner):
        runner.invoke(args=["questionnaire", "import", "--publish", str(MINI_V1)])
        runner.invoke(args=["questionnaire", "import", "--publish", str(MINI_V2)])
        out = runner.invoke(args=["questionnaire", "diff", "mini", "1", "2"])
        assert out.exit_code == 0, out.output
        assert "added" in out.output.lower() and "removed" in out.output.lower()


class TestWebLibrary:
    def test_everyone_signed_in_sees_published_versions_only(
        self, client, login, create_user, create_version
    ):
        create_version(MINI_V1)
        create_version(MINI_V2, publish=False)
        login(create_user("analyst"))
        page = client.get("/questionnaires/").get_data(as_text=True)
        assert "v1" in page and "/questionnaires/mini/v2" not in page
        assert client.get("/questionnaires/mini/v2").status_code == 404
        french = client.get("/questionnaires/mini/v1?lang=fr").get_data(as_text=True)
        assert "La loi nationale incrimine-t-elle la traite des personnes" in french

    def test_respondent_cannot_upload_or_publish(self, client, login, create_user, create_version):
        create_version(MINI_V1, publish=False)
        login(create_user("respondent"))
        assert client.get("/questionnaires/upload").status_code == 403
        assert client.post("/questionnaires/mini/v1/publish").status_code == 403

    def test_upload_page_names_the_file_pattern_as_text(self, client, login, create_user):
        # Regression: "v<N>.yaml" in a translated string was taken as an HTML tag ("v.yaml").
        login(create_user("coordinator"))
        page = client.get("/questionnaires/upload").get_data(as_text=True)
        assert "named v&lt;N&gt;.yaml" in page

    def test_upload_problems_are_shown_as_text(self, client, login, create_user):
        # A problem's wording names the operators "< <= > >=": text, not markup.
        login(create_user("coordinator"))
        text = MINI_V1.read_text(encoding="utf-8").replace(
            "show_if: \"legal_tip_offence in ['yes', 'partly']\"",
            'show_if: "legal_tip_offence"',
            1,
        )
        response = client.post(
            "/questionnaires/upload",
            data={"definition": (io.BytesIO(text.encode()), "v1.yaml")},
            content_type="multipart/form-data",
        )
        page = response.get_data(as_text=True)
        assert "nothing was stored" in page
        assert "(== != &lt; &lt;= &gt; &gt;=)" in page

    def test_upload_lists_every_problem_and_stores_nothing(self, client, login, create_user, db):
        login(create_user("coordinator"))
        text = MINI_V1.read_text(encoding="utf-8").replace("weight: 2", "weight: 0", 1)
        response = client.post(
            "/questionnaires/upload",
            data={"definition": (io.BytesIO(text.encode()), "v1.yaml")},
            content_type="multipart/form-data",
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "nothing was stored" in page and "weight" in page
        assert db.session.query(QuestionnaireVersion).count() == 0

    def test_upload_then_publish_with_confirmation(self, client, login, create_user, db):
        login(create_user("coordinator"))
        response = client.post(
            "/questionnaires/upload",
            data={"definition": (io.BytesIO(MINI_V1.read_bytes()), "v1.yaml")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        confirm = client.get("/questionnaires/mini/v1/publish").get_data(as_text=True)
        assert "freezes" in confirm
        assert client.post("/questionnaires/mini/v1/publish").status_code == 302
        assert db.session.query(QuestionnaireVersion).one().is_published

    def test_diff_page(self, client, login, create_user, create_version):
        create_version(MINI_V1)
        create_version(MINI_V2)
        login(create_user("analyst"))
        response = client.get("/questionnaires/mini/diff?old=1&new=2")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        text = page_text(page)
        assert (
            "Added questions (1) 2.2 Is there a free hotline for victims of trafficking? " in text
        )
        assert "1.6 Comments on the legal framework (Legal framework)" in text  # removed
        assert "(was legal_tip_offence)" in text  # followed `replaces`
        # A re-scored option shows its old and new score in words, not a field path.
        assert "Score of the answer “Draft” before: 0.5 now: 0.25" in text
        assert "options.draft.score" not in page and "text.en" not in page
        # The words that changed inside a text are marked, in each language.
        assert '<ins><span class="visually-hidden">added: </span>all forms of </ins>' in page
        assert '<del><span class="visually-hidden">removed: </span>telle que définie</del>' in page

    def test_a_diff_asked_newer_first_reads_from_the_older(
        self, client, login, create_user, create_version
    ):
        """Versions say which earlier questions they replace: asked the other way round, the
        page listed a renamed question as both added and removed."""
        create_version(MINI_V1)
        create_version(MINI_V2)
        login(create_user("analyst"))
        response = client.get("/questionnaires/mini/diff?old=2&new=1")
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/questionnaires/mini/diff?old=1&new=2")

    def test_diff_page_reads_in_french(self, client, login, create_user, create_version):
        create_version(MINI_V1)
        create_version(MINI_V2)
        login(create_user("analyst", language="fr"))
        text = page_text(client.get("/questionnaires/mini/diff?old=1&new=2").get_data(as_text=True))
        assert "Barème de la réponse « Projet » avant : 0,5 maintenant : 0,25" in text
        assert "Texte de la question en français" in text
        assert "replaces" not in text and "(s)" not in text

    def test_question_pages_say_conditions_and_types_in_words(
        self, client, login, create_user, create_version
    ):
        create_version(MINI_V2)
        login(create_user("analyst"))
        text = page_text(client.get("/questionnaires/mini/v2").get_data(as_text=True))
        assert (
            "Shown if question 1.1 “Does national law criminalise all forms of trafficking…” "
            "is “Yes” or “Partly”" in text
        )
        assert "Type of answer Yes / partly / no" in text
        assert "yes_partly_no" not in text and " in [" not in text
        # A French reader reads the sentence and the quoted question in French.
        login(create_user("analyst", language="fr"))
        text = page_text(client.get("/questionnaires/mini/v2").get_data(as_text=True))
        assert (
            "la question 1.1 « La loi nationale incrimine-t-elle toutes les formes de… » "
            "a pour réponse « Oui » ou « Partiellement »" in text
        )
        assert "Type de réponse Oui / partiellement / non" in text

    def test_diff_page_shows_changed_scoring_settings(
        self, client, login, create_user, create_version, tmp_path
    ):
        create_version(MINI_V1)
        text = MINI_V1.read_text(encoding="utf-8").replace("version: 1", "version: 2", 1)
        changed = tmp_path / "mini" / "v2.yaml"
        changed.parent.mkdir()
        changed.write_text(
            text.replace("coverage_threshold: 0.5", "coverage_threshold: 0.6", 1), "utf-8"
        )
        create_version(changed)
        login(create_user("analyst"))
        page = client.get("/questionnaires/mini/diff?old=1&new=2").get_data(as_text=True)
        assert "Scoring settings" in page
        assert "Coverage an index needs before: 50% now: 60%" in page_text(page)


class TestPreview:
    def test_coordinator_previews_each_area_in_each_language(
        self, client, login, create_user, create_version
    ):
        version = create_version(MINI_V1, publish=False)
        login(create_user("coordinator"))
        definition = version.definition
        for area in definition.areas:
            for language in definition.languages:
                response = client.get(
                    f"/questionnaires/mini/v1/preview?area={area.id}&lang={language}"
                )
                assert response.status_code == 200
                page = response.get_data(as_text=True)
                assert area.title[language] in page
                for question in area.questions:
                    assert str(escape(question.text[language][:30])) in page

    def test_respondents_and_analysts_cannot_preview(
        self, client, login, create_user, create_version
    ):
        create_version(MINI_V1)
        login(create_user("analyst"))
        assert client.get("/questionnaires/mini/v1/preview").status_code == 403


def test_a_french_coordinator_reads_a_rule_s_problems_in_french(client, login, create_user, db):
    """The parser's and the type check's own words (what was expected, an operand's kind) are
    translated with their sentence."""
    login(create_user("coordinator", language="fr"))
    rules_text = (
        "rules:\n"
        "  - id: r1\n    check: 'protection_focal_point + 1 > 3'\n    severity: error\n"
        "    message: {en: a, fr: b}\n"
        "  - id: r2\n    check: 'protection_shelters >'\n    severity: error\n"
        "    message: {en: a, fr: b}\n"
    )
    text = MINI_V1.read_text(encoding="utf-8").rstrip("\n") + "\n" + rules_text
    response = client.post(
        "/questionnaires/upload",
        data={"definition": (io.BytesIO(text.encode()), "v1.yaml")},
        content_type="multipart/form-data",
    )
    page = html.unescape(response.get_data(as_text=True))
    assert "'protection_focal_point' est de type texte" in page
    assert "valeur attendue (un nombre, un texte entre guillemets, un identifiant" in page
    assert "mais l'expression s'arrête là" in page
    assert db.session.query(QuestionnaireVersion).count() == 0


def test_upload_refuses_a_file_that_is_not_utf8_and_stores_nothing(client, login, create_user, db):
    login(create_user("coordinator"))
    response = client.post(
        "/questionnaires/upload",
        data={"definition": (io.BytesIO("clé: é".encode("latin-1")), "v1.yaml")},
        content_type="multipart/form-data",
    )
    assert "The file is not UTF-8 text." in response.get_data(as_text=True)
    assert db.session.query(QuestionnaireVersion).count() == 0


def test_upload_refuses_a_file_over_the_size_limit(
    app, client, login, create_user, db, monkeypatch
):
    login(create_user("coordinator"))
    monkeypatch.setitem(app.config, "MAX_DEFINITION_KB", 2)  # small, so the test body stays small
    limit = app.config["MAX_DEFINITION_KB"]
    response = client.post(
        "/questionnaires/upload",
        data={"definition": (io.BytesIO(b"#" * (limit * 1024 + 10)), "v1.yaml")},
        content_type="multipart/form-data",
    )
    assert f"The file is larger than {limit} KB." in response.get_data(as_text=True)
    assert db.session.query(QuestionnaireVersion).count() == 0


def page_text(page: str) -> str:
    """The page's main text with tags dropped and white space collapsed."""
    main = page.split("<main", 1)[-1].split("</main>", 1)[0]
    main = re.sub(r"<span aria-hidden=\"true\">[^<]*</span>", " ", main)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())
