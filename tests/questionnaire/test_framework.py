"""The analysis framework file (dimensions.yaml): its format, lineage and located errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from surveys.questionnaire.errors import DefinitionError, Issue
from surveys.questionnaire.framework import (
    load_framework,
    parse_framework,
    sibling_definitions,
    validate_framework_file,
)
from surveys.questionnaire.loader import load_definition

ROOT = Path(__file__).resolve().parents[2]
NIAMEY = ROOT / "questionnaires" / "niamey-2018"
FIXTURES = ROOT / "tests" / "fixtures" / "questionnaires"
AS_FILE = "questionnaires/niamey-2018/dimensions.yaml"


@pytest.fixture(scope="module")
def niamey():
    return [load_definition(NIAMEY / "v1.yaml"), load_definition(NIAMEY / "v2.yaml")]


HEAD = """\
questionnaire: niamey-2018
version: 1
languages: [en, fr]
title: {en: Dimensions, fr: Dimensions}
dimensions:
  - id: pillar
    title: {en: Pillar, fr: Pilier}
    values:
      - {id: law, label: {en: Law, fr: Droit}}
      - {id: practice, label: {en: Practice, fr: Pratique}}
  - id: instrument
    title: {en: Instrument, fr: Instrument}
    values:
      - {id: tip, label: {en: TIP, fr: Traite}}
      - {id: som, label: {en: SOM, fr: Trafic}}
gaps:
  - id: law_practice_gap
    label: {en: Law-practice gap, fr: Écart droit-pratique}
    dimension: pillar
    minuend: law
    subtrahend: practice
tags:
"""


def only_issue(text: str, definitions) -> Issue:
    with pytest.raises(DefinitionError) as raised:
        parse_framework(text, AS_FILE, definitions)
    assert len(raised.value.issues) == 1, raised.value.issues
    return raised.value.issues[0]


def test_a_valid_file_reads_dimensions_values_gaps_and_tags(niamey) -> None:
    framework = parse_framework(
        HEAD + "  legal_tip_criminalised: {pillar: law, instrument: tip}\n", AS_FILE, niamey
    )
    assert [d.id for d in framework.dimensions] == ["pillar", "instrument"]
    assert framework.value_keys() == (
        "pillar:law",
        "pillar:practice",
        "instrument:tip",
        "instrument:som",
    )
    assert framework.dimension("pillar").value("law").label == {"en": "Law", "fr": "Droit"}
    assert framework.gaps[0].minuend_key == "pillar:law"
    assert framework.gaps[0].subtrahend_key == "pillar:practice"
    assert dict(framework.tags["legal_tip_criminalised"]) == {"pillar": "law", "instrument": "tip"}
    assert len(framework.sha256) == 64


def test_unknown_question_is_located(niamey) -> None:
    issue = only_issue(HEAD + "  legal_tip_criminalized: {pillar: law}\n", niamey)
    assert (issue.path, issue.line) == ("tags.legal_tip_criminalized", 23)
    assert "unknown question 'legal_tip_criminalized'" in issue.message
    assert "no version of niamey-2018 has it" in issue.message
    assert str(issue).startswith(f"{AS_FILE}:23: tags.legal_tip_criminalized: ")


def test_unknown_value_is_located_with_the_values_allowed(niamey) -> None:
    issue = only_issue(HEAD + "  legal_tip_criminalised: {pillar: lawful}\n", niamey)
    assert (issue.path, issue.line) == ("tags.legal_tip_criminalised.pillar", 23)
    assert "'lawful' is not a value of dimension 'pillar' (law, practice)" in issue.message


def test_unknown_dimension_is_located(niamey) -> None:
    issue = only_issue(HEAD + "  legal_tip_criminalised: {p4: prevention}\n", niamey)
    assert (issue.path, issue.line) == ("tags.legal_tip_criminalised.p4", 23)
    assert "dimension 'p4' is not declared in dimensions (pillar, instrument)" in issue.message


def test_a_question_tagged_twice_in_one_dimension_is_located(niamey) -> None:
    issue = only_issue(HEAD + "  legal_tip_criminalised: {pillar: law, pillar: practice}\n", niamey)
    assert (issue.path, issue.line) == ("tags.legal_tip_criminalised.pillar", 23)
    assert "tagged twice in dimension 'pillar'" in issue.message
    assert "one value per dimension" in issue.message


def test_two_values_of_one_dimension_in_a_list_are_refused(niamey) -> None:
    issue = only_issue(HEAD + "  legal_tip_criminalised: {pillar: [law, practice]}\n", niamey)
    assert (issue.path, issue.line) == ("tags.legal_tip_criminalised.pillar", 23)
    assert "one value per dimension" in issue.message


def test_a_question_listed_twice_is_located_with_its_first_line(niamey) -> None:
    text = (
        HEAD
        + "  legal_tip_criminalised: {pillar: law}\n  legal_tip_criminalised: {pillar: practice}\n"
    )
    issue = only_issue(text, niamey)
    assert (issue.path, issue.line) == ("tags.legal_tip_criminalised", 24)
    assert "tagged twice (first at line 23)" in issue.message


def test_a_value_without_a_label_in_one_language_is_located(niamey) -> None:
    text = HEAD.replace(
        "{id: practice, label: {en: Practice, fr: Pratique}}",
        "{id: practice, label: {en: Practice}}",
    )
    issue = only_issue(text + "  legal_tip_criminalised: {pillar: law}\n", niamey)
    assert (issue.path, issue.line) == ("dimensions[0].values[1].label", 10)
    assert "missing the 'fr' translation" in issue.message


def test_a_gap_on_an_unknown_value_is_located(niamey) -> None:
    text = HEAD.replace("subtrahend: practice", "subtrahend: capacity")
    issue = only_issue(text + "  legal_tip_criminalised: {pillar: law}\n", niamey)
    assert (issue.path, issue.line) == ("gaps[0].subtrahend", 21)
    assert "'capacity' is not a value of dimension 'pillar'" in issue.message


def test_the_questionnaire_must_be_the_folder(niamey) -> None:
    text = HEAD.replace("questionnaire: niamey-2018", "questionnaire: other")
    issue = only_issue(text + "  legal_tip_criminalised: {pillar: law}\n", niamey)
    assert (issue.path, issue.line) == ("questionnaire", 1)
    assert "'other' does not match the folder name 'niamey-2018'" in issue.message


def test_every_problem_is_reported_in_one_pass(niamey) -> None:
    text = HEAD + "  nope: {pillar: law}\n  legal_tip_criminalised: {pillar: lawful}\n"
    with pytest.raises(DefinitionError) as raised:
        parse_framework(text, AS_FILE, niamey)
    assert [i.line for i in raised.value.issues] == [23, 24]


def test_tags_follow_replaces_unless_the_new_question_is_tagged(niamey) -> None:
    text = HEAD + "  border_document_checks: {pillar: law, instrument: som}\n"
    framework = parse_framework(text, AS_FILE, niamey)
    v2 = niamey[1]
    assert dict(framework.tags_for(v2.question("border_sltd_checks"))) == {
        "pillar": "law",
        "instrument": "som",
    }
    own = parse_framework(text + "  border_sltd_checks: {pillar: practice}\n", AS_FILE, niamey)
    assert dict(own.tags_for(v2.question("border_sltd_checks"))) == {"pillar": "practice"}
    assert dict(own.tags_for(niamey[0].question("border_document_checks")))["pillar"] == "law"


def test_a_question_kept_across_versions_keeps_its_tags(niamey) -> None:
    framework = parse_framework(HEAD + "  legal_tip_criminalised: {pillar: law}\n", AS_FILE, niamey)
    for definition in niamey:
        assert dict(framework.tags_for(definition.question("legal_tip_criminalised"))) == {
            "pillar": "law"
        }


def test_niamey_framework_tags_every_question_of_every_version_in_three_dimensions() -> None:
    framework = load_framework(NIAMEY / "dimensions.yaml")
    definitions = sibling_definitions(NIAMEY / "dimensions.yaml")
    assert [d.version for d in definitions] == [1, 2, 3]
    assert [d.id for d in framework.dimensions] == ["pillar", "instrument", "p4"]
    for definition in definitions:
        for _, question in definition.questions():
            assert set(framework.tags_for(question)) == {"pillar", "instrument", "p4"}, question.id
    # The v2 rewording is practice where v1 asked for the means (capacity).
    assert (
        framework.tags_for(definitions[0].question("border_document_checks"))["pillar"]
        == "capacity"
    )
    assert framework.tags_for(definitions[1].question("border_sltd_checks"))["pillar"] == "practice"
    # Each value of each dimension holds scorable questions in both versions.
    for definition in definitions:
        for key in framework.value_keys():
            dimension, _, value = key.partition(":")
            assert any(
                framework.tags_for(q).get(dimension) == value and q.is_scored
                for _, q in definition.questions()
            ), (definition.version, key)


def test_validate_file_lists_problems_of_a_copied_folder(tmp_path: Path) -> None:
    folder = tmp_path / "niamey-2018"
    shutil.copytree(NIAMEY, folder)
    assert validate_framework_file(folder / "dimensions.yaml") == []
    path = folder / "dimensions.yaml"
    path.write_text(
        path.read_text().replace("prot_residence: {pillar: law", "prot_residency: {pillar: law")
    )
    issues = validate_framework_file(path)
    assert len(issues) == 1 and "unknown question 'prot_residency'" in issues[0].message
    assert issues[0].file == str(path) and issues[0].line is not None


def test_the_validate_command_checks_a_framework_file(runner, tmp_path: Path) -> None:
    good = runner.invoke(args=["questionnaire", "validate", str(NIAMEY / "dimensions.yaml")])
    assert good.exit_code == 0, good.output
    assert "dimensions.yaml: valid" in good.output
    folder = tmp_path / "niamey-2018"
    shutil.copytree(NIAMEY, folder)
    path = folder / "dimensions.yaml"
    path.write_text(path.read_text().replace("p4: protection}", "p4: protect}", 1))
    bad = runner.invoke(args=["questionnaire", "validate", str(path)])
    assert bad.exit_code == 1
    assert "1 problem(s)" in bad.output
    assert "'protect' is not a value of dimension 'p4'" in bad.output
