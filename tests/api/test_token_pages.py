"""The token pages: a token is shown once, stored hashed, listed with its last use, revocable by
its owner and by an admin, never by anyone else; each step is audited."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from surveys.accounts.tokens import hash_token
from surveys.api.models import ApiToken
from surveys.audit.models import AuditEvent


def created_token(page: str) -> str:
    found = re.search(r'id="new-token">(nmy_[A-Za-z0-9_-]+)<', page)
    assert found, "the new token is on the page"
    return found.group(1)


def test_create_shows_the_token_once_and_stores_only_its_hash(
    app, db, client, login, create_user, api
):
    user = create_user("analyst")
    login(user)
    response = client.post("/account/tokens", data={"name": "R on my laptop", "days": "30"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    raw = created_token(response.get_data(as_text=True))
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.token_hash == hash_token(raw) and raw not in stored.token_hash
    assert stored.expires_at - stored.created_at == timedelta(days=30)
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert raw not in listing and stored.prefix in listing and "Never" in listing
    assert api(raw, "/api/v1/me").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "api_token.created" in actions


def test_default_expiry_is_90_days_and_limits_are_checked(app, db, client, login, create_user):
    login(create_user("respondent"))
    page = client.get("/account/tokens").get_data(as_text=True)
    assert 'value="90"' in page
    refused = client.post("/account/tokens", data={"name": "x", "days": "9999"})
    assert refused.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0
    nameless = client.post("/account/tokens", data={"name": "  ", "days": "10"})
    assert "error-summary" in nameless.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_owner_and_admin_revoke_others_cannot(app, db, create_user, login, issue_token, api):
    owner = create_user("analyst")
    admin = create_user("admin")
    other = create_user("coordinator")
    first, second = issue_token(owner, "one"), issue_token(owner, "two")
    ids = {t.name: t.id for t in db.session.scalars(sa.select(ApiToken))}
    stranger = login(other, on=app.test_client())
    assert stranger.post(f"/account/tokens/{ids['one']}/revoke").status_code == 404
    assert api(first, "/api/v1/me").status_code == 200
    mine = login(owner, on=app.test_client())
    assert mine.post(f"/account/tokens/{ids['one']}/revoke").status_code == 302
    boss = login(admin, on=app.test_client())
    assert "two" in boss.get("/account/tokens/all").get_data(as_text=True)
    assert boss.post(f"/account/tokens/{ids['two']}/revoke").status_code == 302
    refused = [api(raw, "/api/v1/me").get_json()["error"]["code"] for raw in (first, second)]
    assert refused == ["token_revoked", "token_revoked"]
    revoked_by = dict(
        db.session.execute(
            sa.select(AuditEvent.target_id, AuditEvent.actor_id).where(
                AuditEvent.action == "api_token.revoked"
            )
        ).all()
    )
    assert revoked_by == {ids["one"]: owner.id, ids["two"]: admin.id}


def test_a_deactivated_owners_token_stops(app, db, create_user, issue_token, api):
    owner = create_user("analyst")
    raw = issue_token(owner)
    owner.is_enabled = False
    db.session.commit()
    assert api(raw, "/api/v1/me").get_json()["error"]["code"] == "account_disabled"


def test_a_deactivated_owners_tokens_stay_stopped_after_reactivation(
    app, db, create_user, issue_token, api, client, login
):
    """Deactivating someone (they left the post) revokes their tokens, audited with who did it:
    reactivating the account later gives back no key handed out before."""
    admin = create_user("admin")
    owner = create_user("analyst")
    raw = issue_token(owner)
    login(admin)
    assert client.post(f"/people/{owner.id}/deactivate").status_code == 302
    assert client.post(f"/people/{owner.id}/reactivate").status_code == 302
    assert api(raw, "/api/v1/me").get_json()["error"]["code"] == "token_revoked"
    [token] = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == owner.id))
    assert token.revoked_by_id == admin.id
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "api_token.revoked", AuditEvent.target_id == token.id)
        )
        == 1
    )


def test_docs_page_shows_examples_for_each_tool(app, client):
    page = client.get("/api/docs").get_data(as_text=True)
    for marker in (
        "curl -H",
        "import pandas",
        "req_auth_bearer_token",
        "Web.Contents",
        "/api/v1/rounds/{round_id}/scorecards",
    ):
        assert marker in page, marker
    french = client.get("/api/docs", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Paramètres\u00a0: <code>" in french  # the colon keeps to its word in French
