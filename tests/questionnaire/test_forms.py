# ruff: noqa: E501  (YAML fragments are test data, kept on one line each)
"""The forms that stop distorting questions (issue 12, point 6), as the loader reads them:
maturity scales of 3 to 7 levels, "don't know" on yes/partly/no, exclusive options, weight 0,
and rules and conditions on them type-checked with a located message. Every malformed form is in
malformed/ and asserted by test_malformed.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.questionnaire.diff import diff_definitions
from surveys.questionnaire.errors import DefinitionError
from surveys.questionnaire.loader import load_definition, parse_definition
from surveys.questionnaire.serialize import definition_from_json, definition_hash, to_canonical_json
from tests.conftest import FORMS_V1

ROOT = Path(__file__).resolve().parents[2]
TEXT = FORMS_V1.read_text(encoding="utf-8")


def _load(text: str = TEXT):
    return parse_definition(text, "questionnaires/forms/v1.yaml")


def _issues(text: str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(DefinitionError) as caught:
        _load(text)
    return [(i.path, i.line, i.message) for i in caught.value.issues]


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_maturity_scales_of_three_to_seven_levels_are_scored_evenly_unless_scores_are_given():
    definition = load_definition(FORMS_V1)
    scores = {
        qid: [(o.value, o.score) for o in definition.question(qid).options]
        for qid in ("plan_maturity", "unit_maturity", "training_maturity")
    }
    assert scores["plan_maturity"] == [("0", 0.0), ("1", 0.5), ("2", 1.0)]
    assert scores["unit_maturity"] == [("0", 0.0), ("1", 0.3333), ("2", 0.6667), ("3", 1.0)]
    assert [v for v, _ in scores["training_maturity"]] == ["0", "1", "2", "3", "4", "5", "6"]
    assert [s for _, s in scores["training_maturity"]] == [
        0,
        0.1667,
        0.3333,
        0.5,
        0.6667,
        0.8333,
        1,
    ]


def test_a_maturity_level_keeps_the_score_its_author_gives():
    text = TEXT.replace(
        "- {label: {en: Drafted, fr: Rédigé}}", "- {label: {en: Drafted, fr: Rédigé}, score: 0.2}"
    )
    assert [o.score for o in _load(text).question("plan_maturity").options] == [0, 0.2, 1]


def test_dont_know_is_an_unscored_option_of_a_yes_partly_no_question_with_built_in_labels():
    question = load_definition(FORMS_V1).question("data_sharing")
    assert [o.value for o in question.options] == ["yes", "partly", "no", "dont_know"]
    dont_know = question.option("dont_know")
    assert dont_know.score is None and dont_know.dont_know
    assert dict(dont_know.label) == {"en": "Don't know", "fr": "Ne sait pas"}
    assert question.is_scored


def test_dont_know_takes_the_authors_label():
    text = TEXT.replace(
        "        dont_know: true\n",
        "        dont_know: true\n        labels:\n          dont_know: {en: Not known, fr: Inconnu}\n",
    )
    label = _load(text).question("data_sharing").option("dont_know").label
    assert dict(label) == {"en": "Not known", "fr": "Inconnu"}


def test_dont_know_false_offers_only_yes_partly_no():
    text = TEXT.replace("        dont_know: true\n", "        dont_know: false\n")
    assert [o.value for o in _load(text).question("data_sharing").options] == [
        "yes",
        "partly",
        "no",
    ]


def test_dont_know_in_a_language_without_built_in_labels_needs_its_label():
    text = TEXT.replace("languages: [en, fr]", "languages: [en, fr, pt]")
    line = _line_of(text, "dont_know: true") - 1  # reported on the question's type
    labels = [i for i in _issues(text) if i[0] == "areas[0].questions[3].labels"]
    assert labels == [
        (
            "areas[0].questions[3].labels",
            line,
            "no built-in labels in pt: give labels for yes, partly, no, dont_know",
        )
    ]


def test_an_exclusive_option_is_read_on_a_multiple_choice_question():
    question = load_definition(FORMS_V1).question("support_measures")
    assert [o.value for o in question.options if o.exclusive] == ["none"]


def test_a_weight_of_zero_is_accepted_collected_and_never_scored():
    question = load_definition(FORMS_V1).question("focal_point_named")
    assert question.weight == 0
    assert not question.is_scored


@pytest.mark.parametrize(
    ("check", "words"),
    [
        ("plan_maturity >= 3", ("3 is not a level of question 'plan_maturity'", "levels 0 to 2")),
        ("plan_maturity in [1, 5]", ("5 is not a level",)),
        ("plan_maturity == 'adopted'", ("compares", "(a number)", "(a text)")),
        ("data_sharing == 'maybe'", ("'maybe' is not an option", "yes, partly, no, dont_know")),
        ("data_sharing > 'no'", ("orders numbers or dates",)),
        ("support_measures == 'none'", ("compares", "(a list of selections)", "(a text)")),
        ("'nothing' in support_measures", ("'nothing' is not an option", "none")),
        ("focal_point_named + 1 > 1", ("'+' needs numbers", "text")),
    ],
)
def test_a_rule_on_the_new_forms_comparing_values_that_do_not_fit_is_refused_where_it_is(
    check, words
):
    text = TEXT.replace('check: "unit_maturity <= 2 or plan_maturity >= 1"', f'check: "{check}"')
    issues = _issues(text)
    assert len(issues) == 1, issues
    path, line, message = issues[0]
    assert (path, line) == ("rules[0].check", _line_of(text, "check: "))
    for word in words:
        assert word in message, message


@pytest.mark.parametrize(
    "check",
    [
        "data_sharing == 'dont_know' or plan_maturity >= 1",
        "'none' in support_measures or unit_maturity == 3",
        "training_maturity in [0, 6]",
    ],
)
def test_rules_on_the_new_forms_that_fit_are_accepted(check):
    text = TEXT.replace('check: "unit_maturity <= 2 or plan_maturity >= 1"', f'check: "{check}"')
    assert _load(text).rules[0].check == check


def test_the_new_forms_survive_the_canonical_json():
    definition = load_definition(FORMS_V1)
    assert definition_from_json(to_canonical_json(definition)) == definition


def test_published_versions_keep_their_hashes():
    """Fields added with a default are left out of the canonical JSON: nothing published moves."""
    published = {
        1: "b4b2db95b7417e5fc57d0cff2bdd0f38c224b86da96aaf18a24fbff7af1a4aeb",
        2: "79380e4f12fe58207d45aa1702dacde4de640cb0f9906dfa226b6a64394cfd79",
        3: "7eb8a6f2545529f4eba8ff1f8fa88b559e8cc382a8db1e6b153ba71ae6f707bc",
    }
    for version, expected in published.items():
        path = ROOT / "questionnaires" / "niamey-2018" / f"v{version}.yaml"
        assert definition_hash(load_definition(path)) == expected


def test_the_diff_reports_the_new_forms_changing_between_versions():
    old = load_definition(FORMS_V1)
    text = (
        TEXT.replace("version: 1", "version: 2")
        .replace("        dont_know: true\n", "")
        .replace(", score: 0, exclusive: true}", ", score: 0}")
        .replace("        weight: 0\n", "")
        .replace("          - {label: {en: Compulsory, fr: Obligatoire}}\n", "")
    )
    new = parse_definition(text, "questionnaires/forms/v2.yaml", earlier=[old])
    diff = diff_definitions(old, new)
    found = {
        (change.new_id, c.field, str(c.old), str(c.new))
        for change in (*diff.changed, *diff.rescored)
        for c in change.changes
    }
    assert ("support_measures", "options.none.exclusive", "True", "False") in found
    yes_partly_no = "['yes', 'partly', 'no']"
    assert (
        "data_sharing",
        "options",
        yes_partly_no[:-1] + ", 'dont_know']",
        yes_partly_no,
    ) in found
    levels = [str(level) for level in range(7)]
    assert ("training_maturity", "options", str(levels), str(levels[:-1])) in found
    assert ("focal_point_named", "weight", "0.0", "1.0") in found


def test_the_questionnaire_page_and_its_diff_show_the_new_forms(
    tmp_path, client, login, create_user, create_version
):
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "v1.yaml").write_text(TEXT, encoding="utf-8")
    (folder / "v2.yaml").write_text(
        TEXT.replace("version: 1", "version: 2").replace(
            ", score: 0, exclusive: true}", ", score: 0}"
        ),
        encoding="utf-8",
    )
    create_version(folder / "v1.yaml")
    create_version(folder / "v2.yaml")
    login(create_user("analyst"))
    page = client.get("/questionnaires/forms/v1").get_data(as_text=True)
    assert 'None of these <span class="hint">(only on its own)</span>' in page
    assert "not scored, counts against coverage" in page
    assert "(collected and shown, never scored)" in page
    assert page.count("Evaluated") == 2 and "Compulsory" in page  # 4 and 7 levels
    diff = client.get("/questionnaires/forms/diff?old=1&new=2").get_data(as_text=True)
    assert "Answer “None of these” chosen only on its own" in diff
    client.post("/language", data={"language": "fr"})
    french = client.get("/questionnaires/forms/diff?old=1&new=2").get_data(as_text=True)
    assert "Réponse «\u00a0Aucun de ceux-ci\u00a0» choisie seule uniquement" in french
