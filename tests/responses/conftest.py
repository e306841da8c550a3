"""Fixtures for the respondents' slice: a country with a respondent and an open round of MINI_V1."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from surveys.roles import Role


@dataclass
class World:
    country: object
    other_country: object
    respondent: object
    colleague: object
    stranger: object
    coordinator: object
    version: object
    round: object


@pytest.fixture
def world(create_country, create_user, create_version, create_round) -> World:
    niger = create_country("NE", "NER", "Niger", "Niger")
    mali = create_country("ML", "MLI", "Mali", "Mali")
    version = create_version()
    round_ = create_round(version, [niger, mali])
    return World(
        country=niger,
        other_country=mali,
        respondent=create_user(Role.RESPONDENT, countries=[niger], name="Aïcha"),
        colleague=create_user(Role.RESPONDENT, countries=[niger], name="Boubacar"),
        stranger=create_user(Role.RESPONDENT, countries=[mali], name="Moussa"),
        coordinator=create_user(Role.COORDINATOR, name="Coordinator"),
        version=version,
        round=round_,
    )


@pytest.fixture
def started(world, db):
    """The world's Niger submission, started by the respondent (nothing answered)."""
    from surveys.responses.operations import start_submission

    submission = start_submission(world.round, world.country, actor=world.respondent)
    db.session.commit()
    return submission


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, f"no hidden field {name}"
    return match.group(1).replace("&#34;", '"').replace("&quot;", '"')


def form_state(client, submission_id: int, area_id: str) -> dict:
    """lock_version and base of the area form as a browser would hold them."""
    html = client.get(f"/submissions/{submission_id}/areas/{area_id}").get_data(as_text=True)
    return {
        "lock_version": hidden_value(html, "lock_version"),
        "base": hidden_value(html, "base"),
    }


def base_json(state: dict) -> dict:
    return json.loads(state["base"])


@pytest.fixture(params=["database", "directory"])
def uploads(request, app, tmp_path, monkeypatch):
    """An empty file store for one test: the database (the default) or a private folder."""
    monkeypatch.setitem(app.config, "FILE_STORAGE", request.param)
    monkeypatch.setitem(app.config, "FILE_STORAGE_DIR", str(tmp_path / "files"))
    from surveys.storage.backends import current_store

    return current_store()
