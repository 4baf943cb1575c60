"""Schemathesis over the OpenAPI document: generated requests to every operation, as the
region's admin on a copy of the casebook, never get a server error, and every answer is one the
document declares (status code, content type, body schema)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web.conftest import World, copy_casebook, login_client

EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
"""No server error, and every answer as the document says: a declared status code, content
type and body."""


@pytest.fixture(scope="module")
def fuzz_app(world: World, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The app over a copy of the casebook: what the fuzzer changes stays there."""
    from lexradar.settings import load_settings
    from lexradar.web.app import create_app

    url = copy_casebook(world, tmp_path_factory.mktemp("fuzz"))
    return create_app(load_settings(lake=world.lake, casebook_url=url), secret_key="fuzz")


@pytest.fixture(scope="module")
def auth(fuzz_app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    client = login_client(fuzz_app, "admin")
    return {
        "X-CSRF-Token": client.csrf,
        "Cookie": f"lexradar_session={client.cookies.get('lexradar_session')}",
    }


def test_no_server_error(fuzz_app, auth: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Every operation of the document, fed generated parameters and bodies."""
    from hypothesis import given

    schema = schemathesis.openapi.from_asgi("/api/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    tried = []
    for operation in operations:
        if operation.path in ("/api/logout", "/api/login"):
            continue  # would end or replace the fuzzer's session

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def run(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=auth, checks=CHECKS)

        run()
        tried.append(f"{operation.method.upper()} {operation.path}")
    assert "POST /api/clues/{clue_id}/transition" in tried
