"""Demo step: publish every definition file under QUESTIONNAIRES_DIR (idempotent).

Each version is dated as the demo's history implies (surveys.demo.timeline): v1 over a year ago,
before the closed round that used it; the newest before the open round."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from surveys.columns import utcnow
from surveys.demo.timeline import demo_timeline
from surveys.questionnaire.loader import FILE_NAME_PATTERN
from surveys.questionnaire.operations import import_file, publish


def definition_files(root: Path) -> list[Path]:
    files = [p for p in root.glob("*/v*.y*ml") if FILE_NAME_PATTERN.fullmatch(p.name)]
    return sorted(files, key=lambda p: (p.parent.name, _number(p)))


def _number(path: Path) -> int:
    return int(FILE_NAME_PATTERN.fullmatch(path.name)[1])


def load_demo(out) -> None:
    root = Path(current_app.config["QUESTIONNAIRES_DIR"])
    timeline = demo_timeline(utcnow())
    files = definition_files(root)
    newest = {}
    for path in files:
        newest[path.parent.name] = max(newest.get(path.parent.name, 0), _number(path))
    for path in files:
        result = import_file(path)
        at = timeline.published_at(result.version.version, newest[path.parent.name])
        if publish(result.version, at=at) or result.created:
            out.say(f"Questionnaire: published {result.version.label}.")
