"""One township with two villages, a doctor of the first and a resident there."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask

from fieldapp.auth.models import Role, User
from fieldapp.org.models import Township, Village
from fieldapp.residents.models import Resident
from tests.builders import create_resident, create_township, create_user, create_village


@dataclass
class Place:
    township: Township
    village: Village
    other_village: Village
    doctor: User
    other_doctor: User
    resident: Resident


@pytest.fixture
def place(app: Flask) -> Place:
    township = create_township()
    village = create_village(township)
    other_village = create_village(township, name="西村")
    return Place(
        township=township,
        village=village,
        other_village=other_village,
        doctor=create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village]),
        other_doctor=create_user(Role.VILLAGE_DOCTOR, township=township, villages=[other_village]),
        resident=create_resident(village),
    )
