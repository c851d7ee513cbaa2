"""The authorisation matrix, generated from the app's URL map (see ``tests/authz/__init__.py``)."""

from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from fieldapp.auth.context import PUBLIC_API_ENDPOINTS
from tests.authz.matrix import Case, check_envelope, load_cases, run_case
from tests.authz.pending import PENDING
from tests.authz.world import World, create_world

API_PREFIX = "/api/v1/"
SAMPLE_ARGUMENTS = {"uuid": str(uuid.uuid4()), "int": "1"}
CASES = load_cases()
RUNS = [(case, "inside") for case in CASES] + [(case, "outside") for case in CASES if case.outside]


def api_operations(app: Flask) -> list[tuple[Rule, str]]:
    """Every (rule, method) under /api/v1, as the URL map has them."""
    return [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API_PREFIX)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]


def sample_path(rule: Rule) -> str:
    """The rule's path with a made-up value for each argument."""
    return re.sub(
        r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", lambda m: SAMPLE_ARGUMENTS.get(m.group(1) or "", "x"), rule.rule
    )


def test_anonymous_callers_get_401_everywhere_but_public_endpoints(app: Flask, client: FlaskClient) -> None:
    problems = []
    for rule, method in api_operations(app):
        response = client.open(sample_path(rule), method=method, json={})
        public = rule.endpoint in PUBLIC_API_ENDPOINTS
        if public == (response.status_code == 401):
            problems.append(f"{method} {rule.rule}: {response.status_code} (public: {public})")
        elif not public and response.get_json()["error"]["code"] != "unauthenticated":
            problems.append(f"{method} {rule.rule}: {response.get_json()}")
        envelope_problem = check_envelope(response)
        if envelope_problem:
            problems.append(f"{method} {rule.rule}: {envelope_problem}")
    assert not problems, "\n".join(problems)


def test_every_endpoint_has_cases_or_is_pending(app: Flask) -> None:
    operations = {(rule.endpoint, method) for rule, method in api_operations(app)}
    covered = {case.key for case in CASES}
    missing = operations - covered - PENDING
    assert not missing, f"add cases to tests/authz/cases_<area>.py for: {sorted(missing)}"
    done = PENDING & covered
    assert not done, f"these have cases now; remove them from tests/authz/pending.py: {sorted(done)}"
    # Console pages the field app opens may have cases too (tests/authz/cases_offline.py).
    pages = {(rule.endpoint, method) for rule in app.url_map.iter_rules() for method in rule.methods or ()}
    unknown = (covered | PENDING) - operations - pages
    assert not unknown, f"cases or pending entries for endpoints the app does not have: {sorted(unknown)}"


@pytest.fixture
def world(app: Flask) -> World:
    return create_world()


@pytest.mark.parametrize(
    ("case", "place"), RUNS, ids=[f"{case.endpoint}-{case.method}-{place}" for case, place in RUNS]
)
def test_roles_inside_and_outside_the_area(client: FlaskClient, world: World, case: Case, place: str) -> None:
    problems = run_case(client, world, case, place)
    assert not problems, f"{case.method} {case.endpoint} ({place}):\n" + "\n".join(problems)
