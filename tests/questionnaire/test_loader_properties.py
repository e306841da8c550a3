"""Whatever a definition file contains, the loader answers with a Definition or with issues."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.questionnaire.errors import DefinitionError
from surveys.questionnaire.loader import parse_definition

MINI_V1 = (
    Path(__file__).resolve().parent.parent / "fixtures" / "questionnaires" / "mini" / "v1.yaml"
)
LINES = MINI_V1.read_text(encoding="utf-8").splitlines()
FRAGMENTS = [
    "",
    "  ",
    "-",
    ":",
    "[",
    "]",
    "{",
    "}",
    "&a",
    "*a",
    "!!int",
    "!!bool",
    "!!float",
    "!!python/object:os.system",
    "~",
    "null",
    "yes",
    "no",
    "0",
    "-1",
    "1.5",
    ".inf",
    ".nan",
    "1e400",
    "''",
    '"\\x00"',
    "id: q",
    "type: maturity",
    'show_if: "a =="',
    "replaces: x",
    "weight: 0",
    "min: 5",
    "max: 1",
    "\t",
    "é",
]


@st.composite
def mutated_files(draw: st.DrawFn) -> str:
    """The valid fixture with a few lines changed, cut, doubled or spliced with fragments."""
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["replace", "delete", "duplicate", "splice"]))
        fragment = draw(st.sampled_from(FRAGMENTS))
        if action == "replace":
            indent = len(lines[index]) - len(lines[index].lstrip())
            lines[index] = " " * indent + fragment
        elif action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        else:
            column = draw(st.integers(0, len(lines[index])))
            lines[index] = lines[index][:column] + fragment + lines[index][column:]
        if not lines:
            break
    return "\n".join(lines)


@settings(max_examples=200, deadline=None)
@given(mutated_files())
def test_a_damaged_file_gives_issues_never_a_crash(text: str) -> None:
    try:
        definition = parse_definition(text, "questionnaires/mini/v1.yaml")
    except DefinitionError as error:
        assert error.issues
        for issue in error.issues:
            assert issue.file == "questionnaires/mini/v1.yaml"
            assert issue.message  # every template formats with its parameters
            assert issue.line is None or 1 <= issue.line <= text.count("\n") + 2
    else:
        assert definition.key == "mini"


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_gives_issues_never_a_crash(text: str) -> None:
    try:
        parse_definition(text, "v1.yaml")
    except DefinitionError as error:
        assert all(issue.message for issue in error.issues)
