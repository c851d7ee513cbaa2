"""Builders for imports: a county with division codes set, its admin, and uploads."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from fieldapp.auth.models import Role, User
from fieldapp.extensions import db
from fieldapp.org.models import Township, Village
from tests.builders import api, create_township, create_user, create_village

COUNTY_CODE = "123456"


@dataclass(frozen=True)
class County:
    """Township 002 with villages 001 and 002, township 003 with village 001, and a county admin."""

    township: Township
    village: Village
    neighbour: Village
    other_township_village: Village
    admin: User

    def prefix(self, village: Village | None = None) -> str:
        """The first 12 digits of a village's record numbers."""
        village = village or self.village
        township = db.session.get(Township, village.township_id)
        assert township is not None
        return f"{COUNTY_CODE}{township.division_code}{village.division_code}"


def _coded(township_code: str, *village_codes: str) -> tuple[Township, list[Village]]:
    township = create_township()
    township.division_code = township_code
    villages = [create_village(township) for _ in village_codes]
    for village, code in zip(villages, village_codes, strict=True):
        village.division_code = code
    db.session.commit()
    return township, villages


def create_county(app: Flask) -> County:
    """Township 002 (villages 001, 002) and township 003 (village 001) of county 123456, and its admin."""
    app.config["FIELDAPP_COUNTY_CODE"] = COUNTY_CODE
    township, (village, neighbour) = _coded("002", "001", "002")
    _other, (far,) = _coded("003", "001")
    return County(township, village, neighbour, far, create_user(Role.COUNTY_ADMIN))


def upload(
    client: FlaskClient, user: User, content: bytes, filename: str = "register.xlsx", dry_run: bool = False
) -> Any:
    """``POST /api/v1/imports`` with ``content`` as the multipart ``file``."""
    data = {"file": (io.BytesIO(content), filename), "dry_run": "true" if dry_run else "false"}
    return api(client, "POST", "/api/v1/imports", user, data=data, content_type="multipart/form-data")
