"""schemathesis against /api/v1/openapi.json, through the WSGI app, signed in as a member with a CSRF
token header: no 5xx, and answers that match the description (status codes, content type, schema)."""
import pytest
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests.conftest import csrf_from
from tests.factories import PASSWORD

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def signed_in(make_app):
    """An app with CSRF on (as in production), a world, and a member's session cookie and CSRF token."""
    from tests.factories import build_world
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        world = build_world()
        client = app.test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        r = client.post("/login", data={"phone": "0900000003", "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 302
        csrf = client.get("/api/v1/session").json["csrf_token"]
        cookies = {"session": client.get_cookie("session").value}
        # identity: the WSGI test transport does not undo Flask-Compress (brotli) as a browser would
        yield app, world, cookies, {"X-CSRFToken": csrf, "Accept-Encoding": "identity"}


def _nothing_to_break(operation) -> bool:
    raw = operation.definition.raw
    return not raw.get("parameters") and "requestBody" not in raw and raw.get("security") == []


def test_the_sync_api_conforms_to_its_openapi_description(signed_in):
    app, world, cookies, headers = signed_in
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/session", "/services", "/households", "/visits/batch"}
    for operation, mode in [(op, mode) for op in operations for mode in (GenerationMode.POSITIVE,
                                                                       GenerationMode.NEGATIVE)]:
        if mode is GenerationMode.NEGATIVE and _nothing_to_break(operation):
            continue  # a public page without parameters (/docs): no invalid request can be made of it
        @settings(max_examples=25, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case):
            if operation.path == "/households" and isinstance(case.query, dict) and "village" in case.query \
                    and case.query["village"] in (0, 1):
                case.query["village"] = world.village1.id  # sometimes a village in scope
            if operation.path == "/leaderboard" and isinstance(case.query, dict) \
                    and case.query.get("area_id") in (0, 1):
                case.query["area_id"] = world.village1.id  # sometimes an area in scope
            if operation.path == "/areas/{area_id}/tally" and isinstance(case.path_parameters, dict) \
                    and case.path_parameters.get("area_id") in (0, 1):
                case.path_parameters["area_id"] = world.village1.id  # in scope (a member: 403)
            case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)

        check()
