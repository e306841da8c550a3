"""Demo step: publish every definition file under QUESTIONNAIRES_DIR (idempotent)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from surveys.questionnaire.loader import FILE_NAME_PATTERN
from surveys.questionnaire.operations import import_file, publish


def definition_files(root: Path) -> list[Path]:
    files = [p for p in root.glob("*/v*.y*ml") if FILE_NAME_PATTERN.fullmatch(p.name)]
    return sorted(files, key=lambda p: (p.parent.name, int(FILE_NAME_PATTERN.fullmatch(p.name)[1])))


def load_demo(out) -> None:
    root = Path(current_app.config["QUESTIONNAIRES_DIR"])
    for path in definition_files(root):
        result = import_file(path)
        if publish(result.version) or result.created:
            out.say(f"Questionnaire: published {result.version.label}.")
