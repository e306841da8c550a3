"""The loader turns the mini fixtures into exactly the Definition they describe."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from surveys.questionnaire.errors import DefinitionError, Issue
from surveys.questionnaire.loader import load_definition, parse_definition, validate_file
from surveys.questionnaire.schema import (
    Band,
    Definition,
    LineOfAction,
    Option,
    QuestionType,
    StatColumn,
    StatRow,
    Threshold,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "questionnaires" / "mini"
MINI_V1 = FIXTURES / "v1.yaml"
MINI_V2 = FIXTURES / "v2.yaml"

MINIMAL = """\
key: demo
version: 1
languages: [en, fr]
title: {en: Demo, fr: Démo}
lines_of_action:
  - {id: LA1, title: {en: Legal frameworks, fr: Cadres juridiques}}
areas:
  - id: legal
    title: {en: Legal, fr: Juridique}
    line_of_action: LA1
    questions:
      - id: q_law
        type: yes_partly_no
        text: {en: Is there a law?, fr: Existe-t-il une loi ?}
"""


@pytest.fixture(scope="module")
def v1() -> Definition:
    return load_definition(MINI_V1)


@pytest.fixture(scope="module")
def v2() -> Definition:
    return load_definition(MINI_V2)


def test_v1_header_and_settings(v1: Definition) -> None:
    assert (v1.key, v1.version, v1.languages) == ("mini", 1, ("en", "fr"))
    assert v1.title["fr"] == "Mini auto-évaluation sur le trafic illicite et la traite"
    assert v1.description["en"] == "A short questionnaire for tests."
    assert v1.scoring.coverage_threshold == 0.5
    assert v1.scoring.comparability_threshold == 0.6
    assert v1.scoring.regression_threshold == 10.0
    assert v1.scoring.bands[2] == Band("high", 70.0, "#5cb85c", {"en": "High", "fr": "Élevé"})
    assert v1.lines_of_action == (
        LineOfAction(
            "LA1",
            {
                "en": "Strengthen national legal frameworks",
                "fr": "Renforcer les cadres juridiques nationaux",
            },
        ),
        LineOfAction(
            "LA6",
            {"en": "Protect migrants and victims", "fr": "Protéger les migrants et les victimes"},
        ),
    )


def test_v1_areas(v1: Definition) -> None:
    legal, protection = v1.areas
    assert (legal.id, legal.line_of_action, legal.weight) == ("legal", "LA1", 2.0)
    assert legal.description["fr"].startswith("Lois contre la traite")
    assert (protection.id, protection.line_of_action, protection.weight) == (
        "protection",
        "LA6",
        1.5,
    )
    assert protection.description == {}


def test_v1_has_one_question_of_every_type(v1: Definition) -> None:
    types = [question.type for _, question in v1.questions()]
    assert sorted(types) == sorted(QuestionType)


def test_questions_are_found_by_id_in_their_areas(v2: Definition) -> None:
    for area in v2.areas:
        for question in area.questions:
            assert v2.question(question.id) is question
    assert v2.question("no_such_question") is None
    assert v2.question("") is None


def test_yes_partly_no_gets_built_in_options_and_weight(v1: Definition) -> None:
    question = v1.question("legal_tip_offence")
    assert question is not None
    assert question.weight == 2.0
    assert question.line_of_action == "LA1"  # inherited from its area
    assert question.help["en"].startswith("Act, means and purpose")
    assert question.options == (
        Option("yes", {"en": "Yes", "fr": "Oui"}, 1.0),
        Option("partly", {"en": "Partly", "fr": "Partiellement"}, 0.5),
        Option("no", {"en": "No", "fr": "Non"}, 0.0),
    )
    assert question.required and not question.allow_na and question.show_if is None


def test_choice_options_keep_values_labels_and_scores(v1: Definition) -> None:
    status = v1.question("legal_framework_status")
    instruments = v1.question("legal_instruments")
    assert status is not None and instruments is not None
    assert status.option("in_force") == Option(
        "in_force", {"en": "In force", "fr": "En vigueur"}, 1.0
    )
    assert [option.score for option in status.options] == [0.0, 0.5, 1.0]
    assert [option.value for option in instruments.options] == [
        "untoc",
        "tip_protocol",
        "som_protocol",
    ]
    assert [option.score for option in instruments.options] == [0.4, 0.3, 0.3]


def test_maturity_levels_are_options_0_to_4_with_default_scores(v1: Definition) -> None:
    question = v1.question("legal_strategy_maturity")
    assert question is not None
    assert [option.value for option in question.options] == ["0", "1", "2", "3", "4"]
    assert [option.score for option in question.options] == [0.0, 0.25, 0.5, 0.75, 1.0]
    # "None" is a YAML text, not null: the label survives as written.
    assert question.options[0].label == {"en": "None", "fr": "Aucune"}
    assert question.show_if == "legal_tip_offence in ['yes', 'partly']"


def test_number_questions(v1: Definition) -> None:
    shelters = v1.question("protection_shelters")
    budget = v1.question("protection_budget")
    share = v1.question("protection_assisted_share")
    assert shelters is not None and budget is not None and share is not None
    assert (shelters.minimum, shelters.maximum) == (0.0, 1000.0)
    assert shelters.thresholds == (Threshold(0.0, 0.0), Threshold(1.0, 0.5), Threshold(5.0, 1.0))
    assert (budget.minimum, budget.maximum, budget.thresholds) == (0.0, None, ())
    assert not budget.required and not budget.is_scored
    # A percentage is always bounded by 0..100, even when the file does not say so.
    assert (share.minimum, share.maximum) == (0.0, 100.0)
    assert share.allow_na and share.weight == 0.5


def test_text_date_and_statistics_questions(v1: Definition) -> None:
    review = v1.question("legal_last_review")
    notes = v1.question("legal_notes")
    focal = v1.question("protection_focal_point")
    stats = v1.question("protection_statistics")
    assert review is not None and notes is not None and focal is not None and stats is not None
    assert review.answered_score == 1.0 and not review.required
    assert notes.answered_score is None and not notes.is_scored
    assert focal.answered_score == 1.0
    assert stats.line_of_action == "LA1"  # its own, not its area's LA6
    table = stats.statistics
    assert table is not None
    assert table.years == (2024, 2025)
    assert table.columns[0] == StatColumn("female", {"en": "Female", "fr": "Femmes"})
    assert [column.id for column in table.columns] == ["female", "male", "total"]
    assert table.rows[1] == StatRow(
        "victims_identified", {"en": "Victims identified", "fr": "Victimes identifiées"}
    )
    assert table.rows[0].definition["en"].startswith("Persons against whom prosecution")
    assert len(list(table.cell_keys())) == 2 * 2 * 3


def test_v2_resolves_replaces_from_the_sibling_v1(v2: Definition) -> None:
    question = v2.question("legal_tip_criminalised")
    assert question is not None and question.replaces == "legal_tip_offence"
    assert v2.question("legal_notes") is None
    assert v2.question("protection_hotline") is not None
    status = v2.question("legal_framework_status")
    assert status is not None and status.option("draft") is not None
    assert status.option("draft").score == 0.25  # type: ignore[union-attr]


def test_v2_without_its_earlier_versions_cannot_resolve_replaces() -> None:
    with pytest.raises(DefinitionError) as caught:
        load_definition(MINI_V2, earlier=[])
    [issue] = caught.value.issues
    assert issue.path == "areas[0].questions[0].replaces"
    assert "'legal_tip_offence'" in issue.message and "earlier version" in issue.message


def test_fixtures_validate_without_issues() -> None:
    assert validate_file(MINI_V1) == []
    assert validate_file(MINI_V2) == []


def test_validate_file_reports_problems_of_an_earlier_version(tmp_path: Path) -> None:
    folder = tmp_path / "mini"
    folder.mkdir()
    shutil.copy(MINI_V2, folder / "v2.yaml")
    (folder / "v1.yaml").write_text(
        MINI_V1.read_text(encoding="utf-8").replace("weight: 2\n", "weight: -2\n", 1),
        encoding="utf-8",
    )
    issues = validate_file(folder / "v2.yaml")
    files = {Path(issue.file).name for issue in issues}
    assert "v1.yaml" in files
    assert any(issue.path == "areas[0].weight" for issue in issues)


def test_missing_file_is_an_issue_not_a_crash(tmp_path: Path) -> None:
    [issue] = validate_file(tmp_path / "nope" / "v1.yaml")
    assert "cannot read the file" in issue.message


def test_non_utf8_file_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "v1.yaml").write_bytes(MINIMAL.encode("latin-1"))
    [issue] = validate_file(folder / "v1.yaml")
    assert "UTF-8" in issue.message


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "v1.yaml").write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode("utf-8"))
    assert load_definition(folder / "v1.yaml").key == "demo"


def test_text_without_a_file_path_skips_the_path_checks() -> None:
    text = MINIMAL.replace("key: demo", "key: anything").replace("version: 1", "version: 7")
    definition = parse_definition(text, "<string>")
    assert (definition.key, definition.version) == ("anything", 7)


def test_a_file_on_disk_must_be_named_v_number(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "version1.yaml").write_text(MINIMAL, encoding="utf-8")
    [issue] = validate_file(folder / "version1.yaml")
    assert "v<N>.yaml" in issue.message and "version1.yaml" in issue.message


def test_an_upload_may_have_any_name_but_a_v_name_must_match() -> None:
    assert parse_definition(MINIMAL, "my questionnaire.yaml").version == 1
    with pytest.raises(DefinitionError) as caught:
        parse_definition(MINIMAL, "v3.yaml")
    [issue] = caught.value.issues
    assert issue.path == "version" and "v3.yaml" in issue.message


def test_yes_and_no_stay_texts_in_labels_and_option_values() -> None:
    text = MINIMAL + (
        "      - id: q_pick\n"
        "        type: single_choice\n"
        "        text: {en: Pick, fr: Choisir}\n"
        "        options:\n"
        "          - {value: yes, label: {en: Yes, fr: Oui}}\n"
        "          - {value: no, label: {en: No, fr: Non}}\n"
    )
    question = parse_definition(text, "demo/v1.yaml").question("q_pick")
    assert question is not None
    assert [(o.value, o.label["en"], o.score) for o in question.options] == [
        ("yes", "Yes", None),
        ("no", "No", None),
    ]
    assert not question.is_scored


def test_other_languages_need_yes_partly_no_labels() -> None:
    text = MINIMAL.replace("[en, fr]", "[en, pt]").replace("fr: ", "pt: ") + (
        "        labels:\n"
        "          yes: {en: Yes, pt: Sim}\n"
        "          partly: {en: Partly, pt: Parcialmente}\n"
        "          no: {en: No, pt: Não}\n"
    )
    question = parse_definition(text, "demo/v1.yaml").question("q_law")
    assert question is not None
    assert [o.label["pt"] for o in question.options] == ["Sim", "Parcialmente", "Não"]


def test_issue_prints_file_line_path_and_message() -> None:
    issue = Issue(
        "q/demo/v1.yaml",
        "areas[0].weight",
        "the weight must be greater than 0, not %(value)s",
        {"value": "0"},
        12,
    )
    assert (
        str(issue) == "q/demo/v1.yaml:12: areas[0].weight: the weight must be greater than 0, not 0"
    )
    assert str(Issue("v1.yaml", "", "the file is empty")) == "v1.yaml: the file is empty"


def test_definition_error_lists_every_issue() -> None:
    text = MINIMAL.replace("weight", "x").replace(
        "    line_of_action: LA1\n", "    line_of_action: LA1\n    weight: 0\n"
    )
    text = text.replace("title: {en: Demo, fr: Démo}", "title: {en: Demo}")
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, "questionnaires/demo/v1.yaml")
    lines = str(caught.value).splitlines()
    assert len(lines) == len(caught.value.issues) == 2
    assert lines[0].startswith("questionnaires/demo/v1.yaml:4: title: missing the 'fr'")
    assert lines[1].startswith("questionnaires/demo/v1.yaml:11: areas[0].weight:")
