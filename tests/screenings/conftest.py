"""One township with a village, its doctor, a doctor of another township, and a resident."""

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
    doctor: User
    stranger: User
    resident: Resident


@pytest.fixture
def place(app: Flask) -> Place:
    township = create_township()
    village = create_village(township)
    elsewhere = create_township(name="河口乡")
    return Place(
        township=township,
        village=village,
        doctor=create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village]),
        stranger=create_user(Role.VILLAGE_DOCTOR, township=elsewhere, villages=[create_village(elsewhere)]),
        resident=create_resident(village),
    )
