"""schemathesis against the API's own OpenAPI document, in-process (WSGI),
on the test database: as a head of delegation with a bearer token (path ids
of real objects of their negotiation, or the other side's, so requests reach
the model) and anonymously. Bounded and repeatable: a fixed number of
examples per operation, derandomized. Every answer must be a documented
status (no 5xx, nothing undocumented) and match its documented schema."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.scene import build_scene

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_the_test_connection")]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 10  # per operation, mode and user: about 1,100 requests in all


@pytest.fixture
def keep_the_test_connection():
    """The WSGI handler closes the database connection after each request; the test's transaction lives on
    it. As Django's own test client does, leave it open while the requests run."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def operations():
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    return [result.ok() for result in schema.get_all_operations()]


def fuzz(operation, mode, headers: dict[str, str], path_parameters: dict[str, str], seen: Counter) -> None:
    known = {name: value for name, value in path_parameters.items() if f"{{{name}}}" in operation.path}

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=known or None))
    def run(case):
        response = case.call(headers=headers)
        seen[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.fixture
def scene(world):
    return build_scene(world)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_answers_every_generated_request_of_a_member_with_a_documented_status_and_no_5xx(scene, mode):
    from negotiations.models import ApiToken

    headers = {"Authorization": f"Bearer {ApiToken.issue(scene.head)}"}
    ids = {
        "negotiation_id": str(scene.negotiation.public_id),
        "session_id": str(scene.session.public_id),
        "entry_id": str(scene.entry.public_id),
        "formulation_id": str(scene.formulation.public_id),
        "point_id": str(scene.point.public_id),
        "delegation_id": str(scene.aurelian.public_id),
    }
    seen: Counter = Counter()
    for operation in operations():
        fuzz(operation, mode, headers, ids, seen)
    # the fuzzing reached the model: requests were accepted, and refused for what they carried
    assert seen[200] + seen[201] > 50 if mode == GenerationMode.POSITIVE else seen[400] > 100, seen


def test_the_api_answers_every_generated_anonymous_request_with_a_documented_status_and_no_5xx(db):
    seen: Counter = Counter()
    for operation in operations():
        fuzz(operation, GenerationMode.POSITIVE, {}, {}, seen)
    assert seen[401] > 100, seen
