"""Import every slice's models so that the metadata (and Alembic) sees all tables."""

from __future__ import annotations

import importlib

SLICES = (
    "storage",
    "countries",
    "accounts",
    "audit",
    "questionnaire",
    "rounds",
    "responses",
    "review",
    "results",
    "notifications",
    "scheduling",
    "export",
    "api",
)


def import_all_models() -> None:
    for name in SLICES:
        module_name = f"surveys.{name}.models"
        try:
            importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
