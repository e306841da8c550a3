"""The offline workbook's core (layout, identity, reading and writing cells) imports neither
Flask nor SQLAlchemy: it can be tested and reused without an application."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CORE = ["surveys.offline.layout", "surveys.offline.identity", "surveys.offline.workbook"]

PROGRAM = f"""
import sys, types
package = types.ModuleType("surveys")
package.__path__ = [{str(ROOT / "surveys")!r}]
sys.modules["surveys"] = package
for name in {CORE!r}:
    __import__(name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("flask", "sqlalchemy", "flask_babel"))
print(",".join(loaded))
"""


def test_offline_core_imports_no_flask_or_sqlalchemy() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == ""
