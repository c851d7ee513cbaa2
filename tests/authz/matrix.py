"""The pieces of the matrix: a case, the call it makes, and what each role should get."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask.testing import FlaskClient

from fieldapp.auth.models import Role
from tests.authz.world import Area, World


class Listing(StrEnum):
    """For list endpoints: 200, with or without the target among the items."""

    LISTED = "200, listed"
    UNLISTED = "200, not listed"


LISTED = Listing.LISTED
UNLISTED = Listing.UNLISTED
Expect = int | Listing


@dataclass(frozen=True)
class Call:
    """One request: the path, an optional JSON body, and the id a list should (not) show."""

    path: str
    json: Any = None
    listed_id: Any = None


def item_ids(body: Any) -> list[str]:
    """The ids of a list answer's ``items``."""
    return [str(item["id"]) for item in body["items"]]


@dataclass(frozen=True)
class Case:
    """One endpoint and method: how to build its target in an area, and each role's answer."""

    endpoint: str
    method: str
    setup: Callable[[Area], Call]
    inside: dict[Role, Expect]
    outside: dict[Role, Expect] | None = None
    ids: Callable[[Any], Iterable[str]] = item_ids

    @property
    def key(self) -> tuple[str, str]:
        """``(endpoint, method)`` as the URL map names them."""
        return self.endpoint, self.method


def by_role(default: Expect, **overrides: Expect) -> dict[Role, Expect]:
    """Every role gets ``default`` except those named: ``by_role(403, county_admin=201)``."""
    unknown = set(overrides) - {role.value for role in Role}
    if unknown:
        raise ValueError(f"not roles: {sorted(unknown)}")
    return {role: overrides.get(role.value, default) for role in Role}


def load_cases() -> list[Case]:
    """Every ``CASES`` of every ``tests/authz/cases_*.py`` module."""
    import tests.authz as package

    cases: list[Case] = []
    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("cases_"):
            cases.extend(importlib.import_module(f"tests.authz.{module.name}").CASES)
    return cases


def observe(case: Case, call: Call, response: Any) -> Expect:
    """What happened, in the terms of the table."""
    if response.status_code == 200 and call.listed_id is not None:
        listed = str(call.listed_id) in {str(i) for i in case.ids(response.get_json())}
        return LISTED if listed else UNLISTED
    return int(response.status_code)


def check_envelope(response: Any) -> str | None:
    """A problem with an error answer's envelope, or None."""
    if response.status_code < 400:
        return None
    body = response.get_json(silent=True)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not {"code", "message"} <= set(error):
        return f"not the error envelope: {response.get_data(as_text=True)[:200]}"
    return None


def run_case(client: FlaskClient, world: World, case: Case, place: str) -> list[str]:
    """Call the case as every role with its target ``inside`` or ``outside``; the mismatches."""
    expected = case.inside if place == "inside" else case.outside
    assert expected is not None, f"{case.key} has no outside expectations"
    area = world.inside if place == "inside" else world.outside
    problems = []
    for role in Role:
        call = case.setup(area)
        response = client.open(call.path, method=case.method, json=call.json, headers=world.headers[role])
        got = observe(case, call, response)
        if got != expected[role]:
            detail = response.get_data(as_text=True)[:200].strip()
            problems.append(f"{role.value}: expected {expected[role]}, got {got} ({detail})")
        # A console page answers its errors as an HTML page; the API in the envelope.
        envelope_problem = check_envelope(response) if call.path.startswith("/api/") else None
        if envelope_problem:
            problems.append(f"{role.value}: {envelope_problem}")
    return problems
