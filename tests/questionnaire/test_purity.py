"""The functional core imports neither Flask nor SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CORE = ["schema", "errors", "expressions", "loader", "serialize", "diff", "framework", "wording"]

# `surveys/__init__.py` builds the Flask app, so the package is stubbed to its path: what is
# checked is what these modules themselves import.
PROGRAM = f"""
import sys, types
package = types.ModuleType("surveys")
package.__path__ = [{str(ROOT / "surveys")!r}]
sys.modules["surveys"] = package
for name in {CORE!r}:
    __import__("surveys.questionnaire." + name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("flask", "sqlalchemy", "flask_babel"))
print(",".join(loaded))
"""


def test_core_modules_import_no_flask_or_sqlalchemy() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == ""
    assert "surveys.questionnaire.loader" not in result.stderr
