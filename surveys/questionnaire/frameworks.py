"""The analysis framework in force for a questionnaire: `QUESTIONNAIRES_DIR/<key>/dimensions.yaml`.

The file is read again when it (or a definition file beside it) changes, so an edited framework
applies at once, to every round, without republishing anything. A file with problems is not
used: the problems are logged (and `surveys questionnaire validate` lists them), and the pages
and workbooks show no dimension figures rather than figures from a broken file.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import current_app

from surveys.questionnaire.errors import DefinitionError
from surveys.questionnaire.framework import FRAMEWORK_FILE_NAME, Framework, load_framework

log = logging.getLogger(__name__)

_Stamp = tuple[tuple[str, int, int], ...]
_cache: dict[Path, tuple[_Stamp, Framework | None]] = {}
_lock = threading.Lock()


def framework_path(key: str) -> Path:
    return Path(current_app.config["QUESTIONNAIRES_DIR"]) / key / FRAMEWORK_FILE_NAME


def _stamp(folder: Path) -> _Stamp:
    """What the framework depends on: its file and the definition files beside it."""
    files = sorted([*folder.glob("v*.y*ml"), folder / FRAMEWORK_FILE_NAME])
    stamps = []
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        stamps.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)


def framework_for(key: str) -> Framework | None:
    """The questionnaire's framework, or None when it has none (or a broken one)."""
    path = framework_path(key)
    if not path.is_file():
        return None
    stamp = _stamp(path.parent)
    with _lock:
        cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        framework: Framework | None = load_framework(path)
    except DefinitionError as error:
        log.error("framework %s not used: %s", path, error)
        framework = None
    with _lock:
        _cache[path] = (stamp, framework)
    return framework
