"""The phone's classification (static/field/js/rules.js) gives what the server's rules give, on every boundary."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any

import pytest
from flask import Flask

from fieldapp.auth.models import Role
from fieldapp.followups import rules
from fieldapp.timeutil import local_zone
from tests.builders import create_township, create_user, create_village
from tests.field.helpers import sign_in_page

pytestmark = pytest.mark.browser

PERFORMED = datetime(2026, 11, 22, 9, 30)
# Born 65 years before the follow-up's local date, and one day later: the elderly target's edge.
TURNS_65 = date(1961, 11, 22)
JUST_64 = date(1961, 11, 23)

ASSESS_JS = """async ([cases, performedAt]) => {
  const rules = await (await fetch("/api/v1/rules", {credentials: "same-origin"})).json();
  const { assess } = await import("/static/field/js/rules.js");
  const earlier = new Date(Date.parse(performedAt) - 86400000).toISOString();
  return cases.map((c) => assess(rules, { ...c.measurements, performed_at: performedAt }, c.birth_date,
    c.previous ? [{ id: "before", condition: c.measurements.condition, performed_at: earlier, classification: c.previous }] : [],
    c.current_due));
}"""


def _cases() -> list[dict[str, Any]]:
    hypertension = itertools.product(
        [139, 140, 149, 150, 179, 180],
        [89, 90, 109, 110],
        [TURNS_65, JUST_64],
        [None, "uncontrolled", "controlled"],
    )
    cases = [
        {
            "measurements": {"condition": "hypertension", "sbp": sbp, "dbp": dbp},
            "birth_date": born,
            "previous": prev,
        }
        for sbp, dbp, born, prev in hypertension
    ]
    for glucose, heart_rate in itertools.product([3.8, 3.9, 4.0, 6.9, 7.0, 16.6, 16.7], [None, 100, 101]):
        cases.append(
            {
                "measurements": {
                    "condition": "diabetes",
                    "sbp": 130,
                    "dbp": 80,
                    "fasting_glucose": glucose,
                    "heart_rate": heart_rate,
                },
                "birth_date": JUST_64,
                "previous": "adverse_reaction",
            }
        )
    for flags in (
        {"adverse_reaction": True},
        {"new_complication": True},
        {"worsened_complication": True},
        {"danger_signs": ["chest_pain"]},
        {"danger_signs": ["eye_pain"]},
    ):
        cases.append(
            {
                "measurements": {"condition": "hypertension", "sbp": 120, "dbp": 70, **flags},
                "birth_date": JUST_64,
                "previous": None,
            }
        )
    # Phone follow-ups: reported values never classify; the last face-to-face one's class, else
    # uncontrolled; never later than the enrollment's due date.
    phone = itertools.product(
        [None, 200],
        [None, "controlled", "uncontrolled"],
        [None, "2026-12-01", "2027-06-01"],
        [{}, {"danger_signs": ["sweating"]}, {"adverse_reaction": True}],
    )
    for sbp, prev, due, flags in phone:
        cases.append(
            {
                "measurements": {
                    "condition": "diabetes",
                    "mode": "phone",
                    "sbp": sbp,
                    "dbp": None if sbp is None else 100,
                    **flags,
                },
                "birth_date": JUST_64,
                "previous": prev,
                "current_due": due,
            }
        )
    return cases


def _server_outcome(case: dict[str, Any]) -> dict[str, Any]:
    m = case["measurements"]
    outcome = rules.assess(
        rules.Measurements(
            condition=rules.Condition(m["condition"]),
            sbp=m["sbp"],
            dbp=m["dbp"],
            heart_rate=m.get("heart_rate"),
            fasting_glucose=m.get("fasting_glucose"),
            danger_signs=tuple(m.get("danger_signs", ())),
            adverse_reaction=m.get("adverse_reaction", False),
            new_complication=m.get("new_complication", False),
            worsened_complication=m.get("worsened_complication", False),
            measured=m.get("mode") != "phone",
        ),
        birth_date=case["birth_date"],
        performed_on=PERFORMED.date(),
        previous=rules.Classification(case["previous"]) if case["previous"] else None,
        current_due_on=date.fromisoformat(case["current_due"]) if case.get("current_due") else None,
    )
    return {
        "classification": str(outcome.classification),
        "urgent_referral": outcome.urgent_referral,
        "referral_recommended": outcome.referral_recommended,
        "next_due_on": outcome.next_due_on.isoformat(),
    }


def test_the_phone_classifies_like_the_server(app: Flask, phone: Any) -> None:
    township = create_township()
    create_user(
        Role.VILLAGE_DOCTOR, username="cundoc", township=township, villages=[create_village(township)]
    )
    page = phone.new_page()
    sign_in_page(page)
    cases = _cases()
    performed_at = PERFORMED.replace(tzinfo=local_zone()).isoformat()
    for_js = [{**case, "birth_date": case["birth_date"].isoformat()} for case in cases]
    on_phone = page.evaluate(ASSESS_JS, [for_js, performed_at])
    on_server = [_server_outcome(case) for case in cases]
    differences = [
        (case, phone_, server)
        for case, phone_, server in zip(cases, on_phone, on_server, strict=True)
        if phone_ != server
    ]
    assert differences == []
    assert {outcome["classification"] for outcome in on_server} == {str(c) for c in rules.Classification}
    assert (rules.age_on(TURNS_65, PERFORMED.date()), rules.age_on(JUST_64, PERFORMED.date())) == (65, 64)
