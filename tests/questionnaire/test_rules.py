# ruff: noqa: E501  (rule texts and YAML fragments are test data, kept on one line each)
"""Validation rules: every rule form the loader accepts, every malformed rule with its located
message, and the evaluation of rules on answers (pure core, no application)."""

from __future__ import annotations

import re

import pytest
from babel.support import Translations

from surveys.questionnaire import rules
from surveys.questionnaire.errors import DefinitionError, ExpressionError, translated_params
from surveys.questionnaire.loader import parse_definition
from surveys.translatable import AT_MOST_CHARACTERS
from tests.conftest import MINI_V1, ROOT

BASE = MINI_V1.read_text(encoding="utf-8")
TABLE = "areas[1].questions[4].statistics"
SHELTERS = "areas[1].questions[0]"


def _with(statistics_extra: str = "", rules_text: str = "", shelters_extra: str = "") -> str:
    """The mini definition with shorthand keys under its statistics table, top-level rules and
    keys added to its integer question."""
    text = BASE
    if statistics_extra:
        text = text.replace(
            "          years: [2024, 2025]\n",
            "          years: [2024, 2025]\n" + statistics_extra,
        )
    if shelters_extra:
        text = text.replace(
            "      - id: protection_shelters\n        type: integer\n",
            "      - id: protection_shelters\n        type: integer\n" + shelters_extra,
        )
    if rules_text:
        text = text.rstrip("\n") + "\nrules:\n" + rules_text
    return text


def _load(text: str):
    return parse_definition(text, "questionnaires/mini/v1.yaml")


def _issues(text: str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(DefinitionError) as caught:
        _load(text)
    return [(i.path, i.line, i.message) for i in caught.value.issues]


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


RULE = """  - id: {id}
    check: "{check}"
    severity: {severity}
    message: {{en: Check the figures, fr: Vérifiez les chiffres}}
"""


def _rule(check: str, severity: str = "error", rule_id: str = "r1") -> str:
    return RULE.format(id=rule_id, check=check, severity=severity)


# --- Every rule form ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "check",
    [
        "protection_statistics.prosecuted[2025].total >= protection_statistics.prosecuted[2025].female",
        "protection_statistics.prosecuted[2025].total == protection_statistics.prosecuted[2025].female + protection_statistics.prosecuted[2025].male",
        "protection_statistics.victims_identified[2025].total * 2 - 1 >= protection_statistics.prosecuted[2025].total / 4",
        "abs(protection_shelters - previous(protection_shelters)) <= 10",
        "protection_shelters <= 3 * previous(protection_shelters) or protection_shelters < 5",
        "not (protection_shelters > 100)",
        "legal_tip_offence == 'yes' or protection_shelters == 0",
        "legal_tip_offence in ['yes', 'partly']",
        "'untoc' in legal_instruments or not answered(legal_instruments)",
        "answered(protection_statistics.prosecuted[2024].total)",
        "-protection_shelters <= 0",
        "(protection_shelters + 1) * 2 > 1",
        "protection_shelters > 1 and true",
    ],
)
def test_every_rule_form_loads(check):
    definition = _load(_with(rules_text=_rule(check)))
    assert definition.rules[0].check == check
    assert definition.rules[0].severity == "error"
    assert definition.rules[0].message["fr"] == "Vérifiez les chiffres"


def test_table_shorthands_and_number_plausibility_load():
    text = _with(
        statistics_extra=(
            "          whole_numbers: true\n"
            "          totals:\n"
            "            - {total: total, parts: [female, male], computed: true}\n"
            "          plausibility: {factor: 3}\n"
        ),
        shelters_extra="        plausibility: {factor: 2.5}\n",
        rules_text=_rule("protection_shelters >= 0", "warning"),
    )
    definition = _load(text)
    table = definition.question("protection_statistics")
    assert table.table_checks.integer_columns == ("female", "male", "total")
    assert table.table_checks.totals[0].computed is True
    assert table.table_checks.computed_total("total").parts == ("female", "male")
    assert table.table_checks.plausibility_factor == 3
    assert definition.question("protection_shelters").plausibility == 2.5
    assert definition.rules[0].severity == "warning"


def test_shorthands_with_listed_columns_and_at_least_relation():
    text = _with(
        statistics_extra=(
            "          whole_numbers: [female, male]\n"
            "          totals:\n"
            "            - {total: total, parts: [female, male], relation: at_least}\n"
        )
    )
    checks = _load(text).question("protection_statistics").table_checks
    assert checks.integer_columns == ("female", "male")
    assert checks.totals[0].relation == "at_least"
    assert checks.totals[0].computed is False


# --- Every malformed rule, with its located message -------------------------------------------


MALFORMED_RULES = [
    # (check, words the message must contain)
    ("protection_shelters = 3", ("single '='", "column 21")),
    ("protection_shelters >", ("expected a value", "the expression ends there")),
    ("protection_shelters + ", ("expected a value",)),
    ("protection_shelters", ("expected a comparison", "column 20", "the expression ends there")),
    ("nope > 3", ("unknown question 'nope'",)),
    ("legal > 3", ("'legal', which is not a question",)),
    ("protection_statistics > 3", ("whole statistics table", "table.row[year].column")),
    ("protection_statistics.nope[2025].total > 3", ("no row 'nope'", "prosecuted")),
    ("protection_statistics.prosecuted[2030].total > 3", ("no year '2030'", "2024, 2025")),
    ("protection_statistics.prosecuted[2025].nope > 3", ("no column 'nope'", "female")),
    (
        "protection_shelters.prosecuted[2025].total > 3",
        ("'protection_shelters' is not a statistics table",),
    ),
    ("protection_focal_point + 1 > 3", ("'+' needs numbers", "text")),
    ("legal_tip_offence > 'yes'", ("orders numbers or dates",)),
    ("legal_tip_offence == 3", ("compares", "(a text)", "(a number)")),
    ("legal_tip_offence == 'maybe'", ("'maybe' is not an option", "yes, partly, no")),
    ("'nope' in legal_instruments", ("'nope' is not an option",)),
    ("'yes' in legal_tip_offence", ("not multiple-choice",)),
    ("protection_shelters > 1 and protection_shelters", ("expected a comparison", "column 48")),
    ("(protection_shelters > 1", ("expected ')'",)),
    ("protection_shelters $ 1", ("unexpected character '$'",)),
    ("'open > 1", ("unterminated text",)),
]


@pytest.mark.parametrize(("check", "words"), MALFORMED_RULES)
def test_a_malformed_rule_is_refused_where_it_is(check, words):
    text = _with(rules_text=_rule(check))
    issues = _issues(text)
    assert len(issues) == 1, issues
    path, line, message = issues[0]
    assert path == "rules[0].check"
    assert line == _line_of(text, "check: ")
    for word in words:
        assert word in message, message


# Words of the English messages that a French one must not carry (a parameter written in English
# would put them in the middle of the French sentence).
ENGLISH_WORDS = re.compile(
    r"\b(expected|found|value|the end|column|question id|row id|number|text|an expression"
    r"|statistics table|true/false|list of selections)\b"
)


@pytest.mark.parametrize(
    "check",
    [check for check, _words in MALFORMED_RULES]
    + [
        "protection_statistics.prosecuted[2025] > 3",
        "protection_statistics.prosecuted[year].total > 3",
        "protection_statistics. > 3",
        "abs(protection_shelters > 3",
        "protection_shelters in [1, 2",
        "protection_shelters > 1 protection_shelters",
        "protection_shelters == - 'x'",
        "protection_shelters + 1",
        "abs(protection_shelters - 1) > 'x'",
        "protection_statistics < 3",
    ],
)
def test_a_malformed_rule_reads_wholly_in_french(check):
    """The located messages are whole sentences of the catalogue: a French coordinator uploading
    a definition reads none of the English ones' words (the rule parser once passed "the end of
    the rule" and what it expected as English parameters of a translated sentence)."""
    catalogue = Translations.load(str(ROOT / "surveys" / "translations"), ["fr_FR"])
    problems = [
        issue
        for issue in _load_issues(_with(rules_text=_rule(check)))
        if issue.path == "rules[0].check"
    ]
    assert problems, check
    for issue in problems:
        french = catalogue.gettext(issue.template)
        assert french != issue.template, issue.template
        message = french % translated_params(issue.params, catalogue.gettext)
        assert not ENGLISH_WORDS.search(message), message


@pytest.mark.parametrize("word", ["abs", "previous"])
def test_a_question_cannot_be_named_after_a_word_of_rules(word):
    """A rule naming such a question would read the word as its function: refused where it is
    defined, as condition keywords are."""
    text = _with().replace("- id: protection_shelters\n", f"- id: {word}\n", 1)
    issues = _load_issues(text)
    assert any(
        f"'{word}' is a reserved word of conditions and rules" in issue.message
        and issue.path.endswith(".id")
        for issue in issues
    ), issues


def test_every_kind_of_question_has_its_value_type_in_words():
    """A type check names an operand's kind in the reader's language: each kind's tag is one of
    the words the catalogue translates."""
    from surveys.questionnaire.kinds import KINDS

    catalogue = Translations.load(str(ROOT / "surveys" / "translations"), ["fr_FR"])
    for name, kind in KINDS.items():
        assert kind.value_type in rules._VALUE_TYPES, name
        assert catalogue.gettext(kind.value_type) != kind.value_type or kind.value_type in (
            "condition",
            "date",
        ), name


def _load_issues(text: str):
    with pytest.raises(DefinitionError) as caught:
        _load(text)
    return caught.value.issues


@pytest.mark.parametrize(
    ("rule_text", "path", "words"),
    [
        (
            _rule("protection_shelters > 0", severity="fatal"),
            "rules[0].severity",
            ("error, warning", "'fatal'"),
        ),
        (
            _rule("protection_shelters > 0") + _rule("protection_shelters > 1"),
            "rules[1].id",
            ("duplicate id 'r1'",),
        ),
        (
            "  - id: r1\n    check: 'protection_shelters > 0'\n    severity: error\n",
            "rules[0].message",
            ("missing required key 'message'",),
        ),
        (
            "  - id: r1\n    check: 'protection_shelters > 0'\n    severity: error\n    message: {en: Only English}\n",
            "rules[0].message",
            ("'fr'",),
        ),
        (
            "  - id: r1\n    check: 'protection_shelters > 0'\n    severity: error\n    message: {en: a, fr: b}\n    level: 2\n",
            "rules[0].level",
            ("unknown key 'level'",),
        ),
    ],
)
def test_malformed_rule_entries(rule_text, path, words):
    issues = _issues(_with(rules_text=rule_text))
    assert len(issues) == 1, issues
    assert issues[0][0] == path
    assert issues[0][1] is not None
    for word in words:
        assert word in issues[0][2], issues[0][2]


@pytest.mark.parametrize(
    ("extra", "path", "words"),
    [
        (
            "          whole_numbers: [female, nope]\n",
            f"{TABLE}.whole_numbers[1]",
            ("'nope' is not a column",),
        ),
        (
            "          totals:\n            - {total: nope, parts: [female, male]}\n",
            f"{TABLE}.totals[0].total",
            ("'nope' is not a column",),
        ),
        (
            "          totals:\n            - {total: total, parts: [female]}\n",
            f"{TABLE}.totals[0].parts",
            ("at least two different parts",),
        ),
        (
            "          totals:\n            - {total: total, parts: [female, total]}\n",
            f"{TABLE}.totals[0].parts",
            ("other than the total",),
        ),
        (
            "          totals:\n            - {total: total, parts: [female, male], relation: most}\n",
            f"{TABLE}.totals[0].relation",
            ("equal, at_least",),
        ),
        (
            "          totals:\n            - {total: total, parts: [female, male], relation: at_least, computed: true}\n",
            f"{TABLE}.totals[0].computed",
            ("only a total with relation 'equal'",),
        ),
        (
            "          totals:\n            - {total: total, parts: [female, male], computed: true}\n            - {total: total, parts: [male, female], computed: true}\n",
            f"{TABLE}.totals",
            ("computed by two totals",),
        ),
        ("          plausibility: {factor: 1}\n", f"{TABLE}.plausibility.factor", ("more than 1",)),
        (
            "          plausibility: {factor: lots}\n",
            f"{TABLE}.plausibility.factor",
            ("must be a number",),
        ),
        (
            "          plausibility: {ratio: 3}\n",
            f"{TABLE}.plausibility.ratio",
            ("unknown key 'ratio'",),
        ),
    ],
)
def test_malformed_table_shorthands(extra, path, words):
    issues = _issues(_with(statistics_extra=extra))
    assert issues[0][0] == path, issues
    assert issues[0][1] is not None
    for word in words:
        assert word in issues[0][2], issues[0][2]


def test_plausibility_is_refused_on_a_text_question():
    text = BASE.replace(
        "      - id: protection_focal_point\n        type: short_text\n",
        "      - id: protection_focal_point\n        type: short_text\n"
        "        plausibility: {factor: 2}\n",
    )
    issues = _issues(text)
    assert len(issues) == 1 and "plausibility" in issues[0][2]


# --- Evaluation --------------------------------------------------------------------------------


def _table(**cells):
    return {"cells": {key.replace("__", "|"): value for key, value in cells.items()}}


def test_rules_hold_fail_or_are_not_checked():
    node = rules.parse("t.a[2025].total >= t.a[2025].female + t.a[2025].male")
    answers = {"t": {"cells": {"a|2025|female": 12, "a|2025|male": 5, "a|2025|total": 3}}}
    assert rules.holds(node, answers) is False
    answers["t"]["cells"]["a|2025|total"] = 17
    assert rules.holds(node, answers) is True
    del answers["t"]["cells"]["a|2025|male"]
    assert rules.holds(node, answers) is None  # a blank cell is unknown, not zero
    assert rules.holds(rules.parse("x / y > 1"), {"x": 3, "y": 0}) is None
    assert rules.holds(rules.parse("x - previous(x) <= 2"), {"x": 9}, {"x": 3}) is False
    assert rules.holds(rules.parse("not answered(x)"), {}) is True


def test_check_answers_reports_shorthands_and_rules_by_cell():
    text = _with(
        statistics_extra=(
            "          whole_numbers: true\n"
            "          totals:\n"
            "            - {total: total, parts: [female, male]}\n"
            "          plausibility: {factor: 3}\n"
        ),
        rules_text=_rule(
            "protection_statistics.prosecuted[2025].total <= protection_shelters * 100", "warning"
        ),
    )
    definition = _load(text)
    answers = {
        "protection_shelters": 0,
        "protection_statistics": {
            "cells": {
                "prosecuted|2025|female": 12,
                "prosecuted|2025|male": 5,
                "prosecuted|2025|total": 3,
                "prosecuted|2024|female": 12.5,
            }
        },
    }
    previous = {"protection_statistics": {"cells": {"prosecuted|2025|total": 40}}}
    failures = rules.check_answers(definition, answers, previous)
    by_key = {f.key: f for f in failures}
    assert set(by_key) == {
        "whole:prosecuted|2024|female",
        "total:total:prosecuted|2025",
        "plausible:prosecuted|2025|total",
        "r1",
    }
    total = by_key["total:total:prosecuted|2025"]
    assert total.is_error and total.cells[0] == "prosecuted|2025|total"
    # The row, year and columns by their labels, in the reader's language.
    assert rules.failure_text(total, "en", lambda s: s) == (
        "Persons prosecuted, 2025: Total (3) is not the sum of Female + Male (17)."
    )
    assert (
        rules.failure_text(total, "fr", lambda s: s)
    ) == "Personnes poursuivies, 2025: Total (3) is not the sum of Femmes + Hommes (17)."
    assert by_key["plausible:prosecuted|2025|total"].severity == "warning"
    assert by_key["r1"].cells == ("prosecuted|2025|total",)
    assert rules.failure_text(by_key["r1"], "fr", lambda s: s) == "Vérifiez les chiffres"
    # A hidden question's rules are not checked.
    hidden = rules.check_answers(definition, answers, previous, hidden={"protection_statistics"})
    assert hidden == []


def test_rule_in_words_uses_labels():
    definition = _load(_with())
    words = rules.rule_in_words(
        "protection_statistics.prosecuted[2025].total >= protection_statistics.prosecuted[2025].female",
        definition,
        "en",
    )
    assert words == "Persons prosecuted 2025 (Total) is at least Persons prosecuted 2025 (Female)"
    catalogue = Translations.load(str(ROOT / "surveys" / "translations"), ["fr_FR"])
    french = rules.rule_in_words("protection_shelters <= 10", definition, "fr", catalogue.gettext)
    assert french.startswith("«") and french.endswith("» est au plus 10")


def test_the_parser_refuses_deep_and_long_input_with_expression_errors():
    with pytest.raises(ExpressionError):
        rules.parse("(" * 100 + "x > 1" + ")" * 100)
    with pytest.raises(ExpressionError):
        rules.parse("x > " + "1 + " * 400 + "1")


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("protection_statistics > 3", ("whole statistics table",)),
        ("protection_focal_point > 3", ("compares", "(a text)", "(a number)")),
        ("protection_focal_point >= 'a'", ("orders numbers or dates",)),
    ],
)
def test_a_condition_comparing_incompatible_types_is_refused(condition, words):
    text = BASE.rstrip("\n") + (
        "\n      - id: protection_extra\n        type: short_text\n"
        f'        show_if: "{condition}"\n'
        "        text: {en: Anything else?, fr: Autre chose ?}\n"
    )
    issues = _issues(text)
    assert len(issues) == 1, issues
    path, line, message = issues[0]
    assert path == "areas[1].questions[5].show_if" and line == _line_of(
        text, 'show_if: "' + condition
    )
    for word in words:
        assert word in message, message


def test_published_versions_keep_loading_with_the_type_check():
    from pathlib import Path

    from surveys.questionnaire.loader import validate_file

    root = Path(__file__).resolve().parents[2] / "questionnaires" / "niamey-2018"
    for path in sorted(root.glob("v*.yaml")):
        assert validate_file(path) == [], path


def test_plausibility_compares_a_new_year_with_the_last_year_reported():
    text = _with(statistics_extra="          plausibility: {factor: 3}\n")
    definition = _load(text)
    question = definition.question("protection_statistics")
    now = {"cells": {"prosecuted|2025|total": 100, "prosecuted|2024|total": 12}}
    before = {"cells": {"prosecuted|2024|total": 10, "prosecuted|2023|total": 90}}
    failures = rules.table_failures(question, now, before)
    # 2024 against 2024 (12 vs 10: fine); 2025, new, against the latest year reported (2024).
    assert [f.key for f in failures] == ["plausible:prosecuted|2025|total"]
    # The message says which cell, and that it was compared with another year.
    assert rules.failure_text(failures[0], "en", lambda s: s) == (
        "Persons prosecuted, 2025, Total: 100 against 10 for 2024 in the previous round, a change "
        "by more than a factor of 3. Explain it, or correct the figure."
    )


def test_a_table_reports_every_refused_figure_and_text_at_once():
    """Not only the first: every figure that is no number, below 0 or not whole, and a text too
    long, each at its own field, in the table's order (pure core)."""
    from surveys.questionnaire.kinds import ValueProblems, kind_named

    definition = _load(_with(statistics_extra="          whole_numbers: [female]\n"))
    question = definition.question("protection_statistics")
    typed = {
        "protection_statistics-prosecuted-2024-female": "3.5",
        "protection_statistics-prosecuted-2024-male": "x7",
        "protection_statistics-prosecuted-2024-total": "-4",
        "protection_statistics-prosecuted-2025-female": "2",
        "protection_statistics-victims_identified-2025-male": "1,234",
        "protection_statistics-coverage": "x" * 2001,
    }
    with pytest.raises(ValueProblems) as refused:
        kind_named("statistics").normalise(question, typed, "en")
    assert [(p.field, p.message.template) for p in refused.value.problems] == [
        (
            "protection_statistics-prosecuted-2024-female",
            "Enter a whole number: persons and cases are counted, not measured.",
        ),
        ("protection_statistics-prosecuted-2024-male", "Enter a number."),
        ("protection_statistics-prosecuted-2024-total", "Enter a number of at least %(low)s."),
        ("protection_statistics-coverage", AT_MOST_CHARACTERS),
    ]
    assert str(refused.value.problems[-1].message) == "Enter at most 2,000 characters."


def test_a_plausibility_message_writes_its_figures_in_the_reader_s_language():
    """A number question's warning: "1 234,5 against 40", never "1234.5 against 40"."""
    text = BASE.replace(
        "      - id: protection_budget\n        type: decimal\n",
        "      - id: protection_budget\n        type: decimal\n        plausibility: {factor: 3}\n",
    )
    [failure] = rules.check_answers(
        _load(text), {"protection_budget": 1234.5}, {"protection_budget": 40}
    )
    assert rules.failure_text(failure, "fr", lambda s: s).startswith(
        "1\u202f234,5 against 40 in the previous round"
    )
    assert rules.failure_text(failure, "en", lambda s: s).startswith("1,234.5 against 40")
