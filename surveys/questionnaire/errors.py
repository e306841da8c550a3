"""Problems found in a questionnaire definition, reported with file, path and line.

Part of the functional core: no Flask, no database. Messages are `N_()`-marked templates with
`%(name)s` parameters, so a Flask view can translate them with
`_(issue.template, **translated_params(issue.params, _))` while the CLI prints the English
`issue.message`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from surveys.locales import number_in
from surveys.translatable import Plural

MessageParam = str | int | float


class Term(str):
    """A word of the platform's own given as a message's parameter (a kind of value, "an
    expression"), marked with `N_` where it is made: the English message shows it as it is, a
    page translates it with the message (`translated_params`), so a French sentence never
    carries an English word. Ids, values and names from a file are plain strings."""

    __slots__ = ()


def format_message(template: str | Plural, params: Mapping[str, MessageParam]) -> str:
    """The template filled with its parameters (English, untranslated; a `Plural` takes the
    form for its `count` parameter)."""
    if isinstance(template, Plural):
        count = int(params["count"])
        return template.english(count) % {**params, "count": number_in(count, "en")}
    return template % dict(params) if params else template


def translated_params(
    params: Mapping[str, MessageParam], gettext: Callable[[str], str]
) -> dict[str, MessageParam]:
    """The parameters with each `Term` in the reader's language."""
    return {
        name: gettext(value) if isinstance(value, Term) else value for name, value in params.items()
    }


@dataclass(frozen=True)
class Issue:
    """One problem in a definition file.

    `path` locates the node, e.g. `areas[2].questions[4].options[1].score` (empty for the whole
    file); `line` is 1-based, or None when unknown.
    """

    file: str
    path: str
    template: str
    params: Mapping[str, MessageParam] = field(default_factory=dict)
    line: int | None = None

    @property
    def message(self) -> str:
        return format_message(self.template, self.params)

    @property
    def location(self) -> str:
        """`file:line` (or just `file` when the line is unknown)."""
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def __str__(self) -> str:
        prefix = f"{self.location}: "
        if self.path:
            prefix += f"{self.path}: "
        return prefix + self.message


class DefinitionError(Exception):
    """A definition file has problems; `.issues` lists every one of them."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


class ExpressionError(ValueError):
    """A `show_if` expression that cannot be parsed; `.column` is 1-based."""

    def __init__(self, template: str, params: Mapping[str, MessageParam] | None = None) -> None:
        self.template = template
        self.params: dict[str, MessageParam] = dict(params or {})
        column = self.params.get("column")
        self.column: int | None = column if isinstance(column, int) else None
        super().__init__(format_message(template, self.params))

    @property
    def message(self) -> str:
        return str(self)
