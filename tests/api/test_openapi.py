"""The OpenAPI 3.1 document describes exactly the routes served, and schemathesis drives every
operation from it on both databases: every response matches its schema, no 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.api.test_scope import ANSWERS

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import positive_data_acceptance  # noqa: E402

EXAMPLES_PER_OPERATION = 15  # per mode: valid requests, then requests the schema forbids


def test_document_lists_every_api_route(app, api):
    document = api(None, "/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    served = {
        rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi_json"
    }
    assert set(document["paths"]) == served
    for path, item in document["paths"].items():
        for status in ("200", "401", "404", "429"):
            assert status in item["get"]["responses"], (path, status)


@pytest.fixture
def seeded(
    create_country, create_version, create_round, create_submission, create_user, issue_token, db
):
    niger = create_country("NE", "NER", "Niger", "Niger")
    mali = create_country("ML", "MLI", "Mali", "Mali")
    version = create_version()
    round_ = create_round(version, [niger, mali])
    create_submission(round_, niger, ANSWERS, "validated")
    create_submission(round_, mali, ANSWERS, "draft")
    return issue_token(create_user("admin", "analyst", "coordinator"))


def check_operation(operation, mode, token: str) -> None:
    """Hypothesis draws requests of one mode for the operation and checks each response."""

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        # The WSGI client does not inflate gzip: ask for plain bodies.
        case.headers = {
            **(case.headers or {}),
            "Authorization": f"Bearer {token}",
            "Accept-Encoding": "identity",
        }
        response = case.call()
        assert response.status_code < 500, (case.path, case.query, response.text)
        if mode is schemathesis.GenerationMode.POSITIVE:
            # A cursor is opaque: any string fits its schema, only ours are accepted
            # (400 invalid_parameter otherwise, in the Error schema all the same).
            opaque = "cursor" in (case.query or {})
            case.validate_response(
                response, excluded_checks=[positive_data_acceptance] if opaque else None
            )
        elif response.status_code >= 400:  # refused with a JSON error, never a page
            headers = {name.lower(): value for name, value in response.headers.items()}
            assert "application/json" in str(headers["content-type"])
            assert set(response.json()["error"]) >= {"code", "message"}

    check()


def test_every_operation_matches_its_schema_and_never_fails(app, seeded):
    app.config["API_RATE_LIMIT"] = 1_000_000
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) == 9
        for operation in operations:
            for mode in (
                schemathesis.GenerationMode.POSITIVE,
                schemathesis.GenerationMode.NEGATIVE,
            ):
                check_operation(operation, mode, seeded)
    finally:
        app.config["API_RATE_LIMIT"] = 120
