"""Every malformed file is refused with the issue that names its problem, and only that issue.

Each file in malformed/ is the same small valid definition with one thing broken (its first
line says what). They are read as `questionnaires/demo/v1.yaml` so the key and version checks
apply. `multiple_errors.yaml` proves that the loader reports everything in one pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.questionnaire.errors import DefinitionError, Issue
from surveys.questionnaire.loader import parse_definition

MALFORMED = Path(__file__).resolve().parent / "malformed"
AS_FILE = "questionnaires/demo/v1.yaml"
Q1 = "areas[0].questions[1]"

# file stem -> (path of the issue, its line, words its message must contain)
EXPECTED: dict[str, tuple[str, int | None, tuple[str, ...]]] = {
    "yaml_syntax": ("", 13, ("invalid YAML", "expected '-'")),
    "not_mapping": ("", 2, ("mapping", "top level")),
    "empty_file": ("", None, ("empty",)),
    "unknown_top_key": ("colour", 4, ("unknown key 'colour'", "allowed keys: key, version")),
    "missing_title": ("title", 2, ("missing required key 'title'",)),
    "duplicate_key": ("title", 6, ("duplicate key 'title'",)),
    "version_not_integer": ("version", 3, ("whole number",)),
    "version_mismatch": ("version", 3, ("version 2", "file name v1.yaml")),
    "key_mismatch": ("key", 2, ("'other'", "folder name 'demo'")),
    "bad_language": ("languages[1]", 4, ("'French'", "language code")),
    "bad_question_id": ("areas[0].questions[0].id", 13, ("'Q-law'", "not a valid id")),
    "reserved_id": ("areas[0].questions[0].id", 13, ("'answered'", "reserved word")),
    "duplicate_id": (f"{Q1}.id", 16, ("duplicate id 'q_law'", "areas[0].questions[0].id")),
    "unknown_type": ("areas[0].questions[0].type", 14, ("unknown question type 'boolean'",)),
    "key_not_for_type": (f"{Q1}.options", 19, ("'options'", "yes_partly_no question")),
    "missing_translation": ("areas[0].questions[0].text", 15, ("missing", "'fr'")),
    "undeclared_language": ("areas[0].questions[0].text.de", 15, ("'de'", "not declared")),
    "empty_text": ("areas[0].questions[0].text.en", 15, ("must not be empty",)),
    "not_boolean": (f"{Q1}.required", 19, ("true or false",)),
    "score_out_of_range": (f"{Q1}.options[1].score", 21, ("between 0 and 1", "1.5")),
    "yes_partly_no_score": ("areas[0].questions[0].scores.partly", 15, ("between 0 and 1",)),
    "weight_negative": (f"{Q1}.weight", 19, ("0 or more", "not -0.5")),
    "area_weight_negative": ("areas[0].weight", 12, ("greater than 0", "-1", "weight 0")),
    "undeclared_line_of_action": ("areas[0].line_of_action", 11, ("'LA9'", "not declared")),
    "min_greater_than_max": (f"{Q1}.max", 20, ("max (5)", "min (10)")),
    "integer_fraction_bound": (f"{Q1}.min", 19, ("whole number",)),
    "percentage_bound": (f"{Q1}.max", 19, ("between 0 and 100", "150")),
    "thresholds_not_ascending": (f"{Q1}.thresholds[1].min", 21, ("ascending",)),
    "maturity_two_levels": (f"{Q1}.levels", 20, ("3 to 7 levels", "found 2")),
    "maturity_eight_levels": (f"{Q1}.levels", 20, ("3 to 7 levels", "found 8")),
    "dont_know_scored": (f"{Q1}.scores.dont_know", 19, ("never scored", "remove this score")),
    "dont_know_label_not_offered": (f"{Q1}.labels.dont_know", 19, ("dont_know: true",)),
    "dont_know_not_boolean": (f"{Q1}.dont_know", 18, ("true or false",)),
    "dont_know_on_single_choice": (
        f"{Q1}.dont_know",
        18,
        ("'dont_know' does not apply to a single_choice question",),
    ),
    "exclusive_on_single_choice": (
        f"{Q1}.options[0].exclusive",
        20,
        ("multiple_choice", "exclude each other already"),
    ),
    "exclusive_not_boolean": (f"{Q1}.options[1].exclusive", 21, ("true or false",)),
    "exclusive_every_option": (f"{Q1}.options", 20, ("every option is exclusive", "single_choice")),
    "show_if_maturity_level": (
        "areas[0].questions[2].show_if",
        25,
        ("'3' is not an option of question 'q_maturity'", "0, 1, 2"),
    ),
    "show_if_dont_know_not_offered": (f"{Q1}.show_if", 18, ("'dont_know' is not an option",)),
    "too_few_options": (f"{Q1}.options", 20, ("at least 2 options", "found 1")),
    "duplicate_option": (f"{Q1}.options[1].value", 21, ("duplicate option value 'none'",)),
    "bad_option_value": (f"{Q1}.options[1].value", 21, ("'in force'", "option value")),
    "statistics_missing_rows": (f"{Q1}.statistics.rows", 20, ("missing required key 'rows'",)),
    "statistics_empty_years": (f"{Q1}.statistics.years", 22, ("must not be empty",)),
    "statistics_implausible_year": (f"{Q1}.statistics.years[0]", 22, ("20245", "year")),
    "empty_questions": ("areas[0].questions", 12, ("must not be empty",)),
    "show_if_syntax": (f"{Q1}.show_if", 19, ("'=='", "column 7")),
    "show_if_unknown": (f"{Q1}.show_if", 19, ("unknown question 'q_nope'",)),
    "show_if_later": ("areas[0].questions[0].show_if", 16, ("'q_other'", "comes later")),
    "show_if_self": ("areas[0].questions[0].show_if", 16, ("its own question",)),
    "show_if_bad_option": (f"{Q1}.show_if", 19, ("'maybe' is not an option", "yes, partly, no")),
    "show_if_multiple_choice_compare": (
        "areas[0].questions[2].show_if",
        25,
        ("multiple-choice", "in q_instruments"),
    ),
    "replaces_unknown": ("areas[0].questions[0].replaces", 15, ("'q_old_law'", "earlier version")),
    "bands_not_from_zero": ("scoring.bands[0].min", 4, ("first band", "start at 0")),
    "bands_not_ascending": ("scoring.bands[1].min", 5, ("ascending",)),
    "band_bad_color": ("scoring.bands[0].color", 4, ("'red'", "#rrggbb")),
    "coverage_threshold_zero": ("scoring.coverage_threshold", 3, ("greater than 0", "at most 1")),
    "yes_partly_no_without_labels": (
        "areas[0].questions[0].labels",
        14,
        ("no built-in labels in pt", "yes, partly, no"),
    ),
    "repeated_alias": ("areas[0].description", 10, ("alias",)),
}


def issues_of(name: str) -> tuple[Issue, ...]:
    text = (MALFORMED / f"{name}.yaml").read_text(encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, AS_FILE)
    return caught.value.issues


def test_every_malformed_file_has_an_expectation() -> None:
    on_disk = {path.stem for path in MALFORMED.glob("*.yaml")} - {"multiple_errors"}
    assert on_disk == set(EXPECTED)
    assert len(on_disk) >= 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_file_reports_its_problem(name: str) -> None:
    path, line, words = EXPECTED[name]
    issues = issues_of(name)
    assert len(issues) == 1, "\n".join(map(str, issues))
    [issue] = issues
    assert issue.path == path
    assert issue.line == line
    assert issue.file == AS_FILE
    for word in words:
        assert word in issue.message
    assert str(issue).endswith(issue.message)


def test_all_problems_are_reported_at_once() -> None:
    issues = issues_of("multiple_errors")
    found = {(issue.path, issue.line) for issue in issues}
    assert found == {
        ("title", 5),
        ("areas[0].line_of_action", 11),
        ("areas[0].weight", 12),
        ("areas[0].questions[0].show_if", 17),
        ("areas[0].questions[1].options", 22),
        ("areas[0].questions[1].options[0].score", 22),
        ("areas[0].questions[2].id", 23),
        ("areas[0].questions[2].max", 27),
        ("areas[0].questions[2].colour", 28),
    }
    assert [issue.line for issue in issues] == sorted(issue.line or 0 for issue in issues)
