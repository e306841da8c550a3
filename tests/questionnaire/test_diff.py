"""diff_definitions: what a coordinator needs to know before publishing a revision."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from surveys.questionnaire.diff import Change, DefinitionDiff, diff_definitions, render_text
from surveys.questionnaire.loader import load_definition
from surveys.questionnaire.schema import Definition, Question, QuestionType, Threshold

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "questionnaires" / "mini"


@pytest.fixture(scope="module")
def v1() -> Definition:
    return load_definition(FIXTURES / "v1.yaml")


@pytest.fixture(scope="module")
def v2() -> Definition:
    return load_definition(FIXTURES / "v2.yaml")


@pytest.fixture(scope="module")
def diff(v1: Definition, v2: Definition) -> DefinitionDiff:
    return diff_definitions(v1, v2)


def with_question(definition: Definition, question_id: str, **changes: object) -> Definition:
    """The definition with one question's fields replaced."""
    areas = []
    for area in definition.areas:
        questions = tuple(
            replace(q, **changes) if q.id == question_id else q  # type: ignore[arg-type]
            for q in area.questions
        )
        areas.append(replace(area, questions=questions))
    return replace(definition, areas=tuple(areas))


def test_added_and_removed(diff: DefinitionDiff) -> None:
    assert [(q.question_id, q.area_id) for q in diff.added] == [
        ("protection_hotline", "protection")
    ]
    assert [(q.question_id, q.area_id) for q in diff.removed] == [("legal_notes", "legal")]


def test_a_replacing_question_is_compared_with_its_predecessor(diff: DefinitionDiff) -> None:
    added = {q.question_id for q in diff.added}
    removed = {q.question_id for q in diff.removed}
    assert "legal_tip_criminalised" not in added and "legal_tip_offence" not in removed
    assert diff.links["legal_tip_criminalised"] == "legal_tip_offence"
    assert [(q.old_id, q.new_id) for q in diff.renamed] == [
        ("legal_tip_offence", "legal_tip_criminalised")
    ]
    [reworded] = diff.reworded
    assert (reworded.old_id, reworded.new_id) == ("legal_tip_offence", "legal_tip_criminalised")
    assert [change.field for change in reworded.changes] == ["text.en", "text.fr"]


def test_rescored_option(diff: DefinitionDiff) -> None:
    [rescored] = diff.rescored
    assert rescored.new_id == "legal_framework_status"
    assert rescored.changes == (Change("options.draft.score", 0.5, 0.25),)


def test_a_condition_that_only_follows_a_renamed_question_is_not_a_change(
    diff: DefinitionDiff,
) -> None:
    assert diff.changed == ()
    assert diff.retyped == ()
    assert diff.settings == () and diff.area_changes == ()
    assert not diff.is_empty


def test_identical_versions_have_no_differences(v1: Definition) -> None:
    diff = diff_definitions(v1, v1)
    assert diff.is_empty
    assert render_text(diff).endswith("No differences.")


def test_weight_thresholds_and_answered_score_are_rescoring(v1: Definition) -> None:
    changed = with_question(
        with_question(v1, "protection_shelters", weight=3.0, thresholds=(Threshold(0, 0.2),)),
        "legal_last_review",
        answered_score=0.5,
    )
    fields = {
        (q.new_id, c.field) for q in diff_definitions(v1, changed).rescored for c in q.changes
    }
    assert fields == {
        ("protection_shelters", "weight"),
        ("protection_shelters", "thresholds"),
        ("legal_last_review", "answered_score"),
    }


def test_retyped_and_other_changes(v1: Definition) -> None:
    changed = with_question(v1, "protection_budget", type=QuestionType.INTEGER, required=True)
    changed = with_question(
        changed, "legal_framework_status", show_if="answered(legal_tip_offence)"
    )
    diff = diff_definitions(v1, changed)
    [retyped] = diff.retyped
    assert retyped.changes == (Change("type", "decimal", "integer"),)
    other = {(q.new_id, c.field) for q in diff.changed for c in q.changes}
    assert other == {("protection_budget", "required"), ("legal_framework_status", "show_if")}


def test_option_label_in_one_language_is_rewording(v1: Definition) -> None:
    status = v1.question("legal_framework_status")
    assert isinstance(status, Question)
    options = (
        replace(status.options[0], label={"en": "No law", "fr": "Pas de loi"}),
        *status.options[1:],
    )
    diff = diff_definitions(v1, with_question(v1, "legal_framework_status", options=options))
    [reworded] = diff.reworded
    assert reworded.changes == (Change("options.none.label.fr", "Aucune loi", "Pas de loi"),)
    assert diff.rescored == ()


def test_area_and_settings_changes(v1: Definition) -> None:
    area = replace(v1.areas[1], weight=3.0)
    scoring = replace(v1.scoring, coverage_threshold=0.7)
    diff = diff_definitions(v1, replace(v1, areas=(v1.areas[0], area), scoring=scoring))
    assert [(a.area_id, a.changes) for a in diff.area_changes] == [
        ("protection", (Change("weight", 1.5, 3.0),))
    ]
    assert diff.settings == (Change("coverage_threshold", 0.5, 0.7),)


def test_render_text_lists_each_kind_in_the_chosen_language(diff: DefinitionDiff) -> None:
    text = render_text(diff, language="fr")
    assert text.splitlines()[0] == "Questionnaire mini: v1 -> v2"
    assert "+ protection_hotline [protection]: Existe-t-il une ligne" in text
    assert "- legal_notes [legal]: Commentaires sur le cadre juridique" in text
    assert "legal_tip_offence -> legal_tip_criminalised" in text
    assert "options.draft.score: 0.5 -> 0.25" in text


def test_each_entry_describes_itself_in_one_line(diff: DefinitionDiff) -> None:
    assert diff.added[0].describe("en") == (
        "protection_hotline [protection]: Is there a free hotline for victims of trafficking?"
    )
    [reworded] = diff.reworded
    line = reworded.describe("fr")
    assert line.startswith("legal_tip_offence -> legal_tip_criminalised [legal]: La loi")
    assert line.endswith("(text.en, text.fr)")


NIAMEY = Path(__file__).resolve().parents[2] / "questionnaires" / "niamey-2018"


def test_rules_added_removed_and_changed_between_versions(v1: Definition) -> None:
    """Issue 12: the diff reports validation rules and table checks, not only questions."""
    from surveys.questionnaire.schema import Rule, TableChecks, TotalCheck

    rule = Rule(
        "r_shelters", "protection_shelters <= 100", "warning", {"en": "Check", "fr": "Vérifiez"}
    )
    gone = Rule("r_gone", "protection_shelters >= 0", "error", {"en": "No", "fr": "Non"})
    stats = v1.question("protection_statistics")
    checked = replace(
        stats,
        table_checks=TableChecks(
            integer_columns=("female", "male"),
            totals=(TotalCheck("total", ("female", "male"), computed=True),),
            plausibility_factor=3.0,
        ),
    )
    before = replace(v1, rules=(rule, gone))
    areas = tuple(
        replace(a, questions=tuple(checked if q.id == stats.id else q for q in a.questions))
        for a in v1.areas
    )
    after = replace(
        v1,
        version=2,
        areas=areas,
        rules=(
            replace(
                rule,
                check="protection_shelters  <=  50",
                severity="error",
                message={"en": "Too many", "fr": "Vérifiez"},
            ),
            Rule("r_new", "protection_budget >= 0", "error", {"en": "Negative", "fr": "Négatif"}),
        ),
    )
    diff = diff_definitions(before, after)
    assert diff.rules_added == ("r_new",) and diff.rules_removed == ("r_gone",)
    [changed] = diff.rules_changed
    assert changed.rule_id == "r_shelters"
    assert [c.field for c in changed.changes] == ["check", "severity", "message.en"]
    assert changed.changes[0] == Change(
        "check", "protection_shelters <= 100", "protection_shelters  <=  50"
    )
    [table] = [c for c in diff.changed if c.new_id == "protection_statistics"]
    assert {c.field: (c.old, c.new) for c in table.changes} == {
        "whole_numbers": ([], ["female", "male"]),
        "totals": ([], [("total", ("female", "male"), "equal", True)]),
        "table_plausibility": (None, 3.0),
    }
    text = render_text(diff)
    assert "Validation rules:\n  + r_new\n  - r_gone\n  ~ r_shelters" in text
    # The same rule written with other spacing is not a change.
    same = replace(
        before,
        version=2,
        rules=(replace(rule, check=" protection_shelters<=100 ".replace("<=", " <= ")), gone),
    )
    assert diff_definitions(before, same).rules_changed == ()


def test_the_diff_page_lists_the_rules_niamey_v3_brings(client, login, create_user, create_version):
    for version in (1, 2, 3):
        create_version(NIAMEY / f"v{version}.yaml")
    login(create_user("analyst"))
    page = client.get("/questionnaires/niamey-2018/diff?old=2&new=3").get_data(as_text=True)
    assert "<h2>Validation rules</h2>" in page
    assert page.count("Added: ") >= 21
    assert "Added: tip_convicted_not_above_prosecuted_2025" in page
    assert "Columns of whole numbers" in page and "Totals checked" in page
    assert "Plausible change since the previous round (factor)" in page
    assert "“Total” ≥ “Female” + “Male”" in page
    client.post("/language", data={"language": "fr"})
    french = client.get("/questionnaires/niamey-2018/diff?old=2&new=3").get_data(as_text=True)
    assert "<h2>Règles de validation</h2>" in french and "Colonnes de nombres entiers" in french
