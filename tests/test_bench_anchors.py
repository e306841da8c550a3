"""The benchmarks' bare Flask anchors are the yardsticks of issue 15's and 18's ratios: they must
cost what a bare Flask page costs. A template compiled at every request (render_template_string)
made the bare form three times slower and every ratio against it look better than it was."""

from __future__ import annotations

import jinja2
import pytest

from bench import anchors, inprocess
from bench.load import bare
from surveys.extensions import db
from surveys.roles import Role
from tests.conftest import make_app


def test_the_bare_forms_compile_their_template_once_whatever_the_number_of_requests(monkeypatch):
    compiled: list[str] = []
    compile_ = jinja2.Environment.compile

    def counted(environment, source, *args, **kwargs):
        compiled.append(source)
        return compile_(environment, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    for app, path in ((bare.app, "/form"), (anchors.bare, "/form/40")):
        client = app.test_client()
        pages = [client.get(path) for _ in range(5)]
        assert {page.status_code for page in pages} == {200}
        assert 'name="q40"' in pages[-1].get_data(as_text=True)
    assert len(compiled) == 2  # once for each app


@pytest.mark.parametrize("csrf", [True, False])
def test_the_signed_in_floor_passes_every_check_an_autosave_passes(tmp_path, request, csrf):
    """bench.inprocess --floors: the floor is what any signed-in POST pays, so it must refuse
    what a save refuses (no person, no CSRF token) and answer a signed-in one."""
    app = make_app("sqlite", tmp_path, request, WTF_CSRF_ENABLED=csrf)
    inprocess.add_floor_route(app)
    with app.app_context():
        db.create_all()
        from surveys.accounts.models import User
        from surveys.accounts.passwords import hash_password

        user = User(
            email="floor@example.org",
            name="Floor",
            password_hash=hash_password("correct horse battery"),
            language="en",
            timezone="UTC",
        )
        user.grant(Role.RESPONDENT)
        db.session.add(user)
        db.session.commit()
        user_id = user.get_id()
    client = app.test_client()
    headers = {"Accept": "application/json"}
    if csrf:
        # Signed in, but without the token every form and the autosave send: refused.
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user_id, True
        assert client.post(inprocess.FLOOR, data={"a": "1"}, headers=headers).status_code == 400
        return
    assert client.post(inprocess.FLOOR, data={"a": "1"}, headers=headers).status_code == 401
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = user_id, True
    answer = client.post(inprocess.FLOOR, data={"a": "1"}, headers=headers)
    assert answer.status_code == 200 and answer.get_json()["saved"] == 0
