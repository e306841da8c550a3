"""The roles a person can hold: the platform's words for who may do what (surveys.access reads
them on every route, each slice's pages declare them). Pure: no Flask, no database."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # users and settings
    COORDINATOR = "coordinator"  # questionnaires, rounds, review
    ANALYST = "analyst"  # reads all results, downloads scorecards
    RESPONDENT = "respondent"  # fills in their own countries' submissions


ROLE_VALUES = tuple(r.value for r in Role)
