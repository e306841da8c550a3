"""Every module that says it is part of the functional core (its docstring: "functional core",
"no Flask", "pure") imports neither Flask nor the database, nor anything that does: it can be
tested and reused without an application."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLAIM = re.compile(
    r"part of the functional core|^functional core\b|no flask|imports nothing from flask"
    r"|^pure\b|\(pure functions\)",
    re.IGNORECASE | re.MULTILINE,
)
FORBIDDEN = ("flask", "flask_babel", "flask_login", "flask_wtf", "flask_sqlalchemy", "sqlalchemy")
# What must stay in the core whatever the docstrings say: the claim cannot quietly disappear.
KNOWN_CORE = {
    "surveys.questionnaire.schema",
    "surveys.questionnaire.loader",
    "surveys.questionnaire.expressions",
    "surveys.questionnaire.rules",
    "surveys.questionnaire.reader",
    "surveys.questionnaire.kinds",
    "surveys.questionnaire.kinds.base",
    "surveys.questionnaire.kinds.choices",
    "surveys.questionnaire.kinds.numbers",
    "surveys.questionnaire.kinds.statistics",
    "surveys.scoring",
    "surveys.scoring.engine",
    "surveys.scoring.dimensions",
    "surveys.scoring.progress",
    "surveys.scoring.aggregates",
    "surveys.export.layout",
    "surveys.offline.layout",
}

# `surveys/__init__.py` builds the Flask app, so the package is stubbed to its path: what is
# checked is what the module itself imports.
PROGRAM = """
import sys, types
package = types.ModuleType("surveys")
package.__path__ = [{path!r}]
sys.modules["surveys"] = package
__import__({module!r})
print(",".join(sorted(m for m in sys.modules if m.split(".")[0] in {forbidden!r})))
"""


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def claimed_core() -> list[str]:
    found = []
    for path in sorted((ROOT / "surveys").rglob("*.py")):
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if CLAIM.search(docstring):
            found.append(module_of(path))
    return found


def flask_or_database_loaded(module: str) -> str:
    program = PROGRAM.format(path=str(ROOT / "surveys"), module=module, forbidden=FORBIDDEN)
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return result.stdout.strip()


def test_the_functional_core_is_found_by_what_it_says() -> None:
    assert set(claimed_core()) >= KNOWN_CORE


def test_the_functional_core_imports_no_flask_and_no_database() -> None:
    loaded = {module: flask_or_database_loaded(module) for module in claimed_core()}
    assert {module: found for module, found in loaded.items() if found} == {}
