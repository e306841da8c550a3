"""The slices of the application, in one list: the ladder, from the bottom up.

A slice may build on the slices below it. Its models, operations and queries never import a
slice above it (tests/test_layering.py); its views, commands and the demo may use any. Each
slice with something to bring has `surveys/<slice>/register.py` with `init_app(app)`, which
registers its pages, commands and menu entries; a slice's models are imported here so that
the metadata (and Alembic) sees every table.
"""

from __future__ import annotations

import importlib

from flask import Flask

LADDER = (
    "storage",
    "countries",
    "audit",
    "notifications",
    "accounts",
    "questionnaire",
    "scoring",
    "rounds",
    "responses",
    "results",
    "review",
    "export",
    "offline",
    "scheduling",
    "api",
    "ops",
    "home",
)


def _optional_module(name: str):
    """The slice's module of that name, or None when the slice has none."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


def import_all_models() -> None:
    for slice_name in LADDER:
        _optional_module(f"surveys.{slice_name}.models")


def init_app(app: Flask) -> None:
    """Let every slice register itself, from the bottom of the ladder up."""
    for slice_name in LADDER:
        register = _optional_module(f"surveys.{slice_name}.register")
        if register is not None:
            register.init_app(app)
