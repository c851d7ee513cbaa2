"""Plain builders for test data: each creates one thing and returns it."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from flask.testing import FlaskClient

from fieldapp.auth.models import Role, User
from fieldapp.auth.service import hash_password, issue_token
from fieldapp.extensions import db
from fieldapp.org.models import Facility, Township, Village
from fieldapp.residents.identity import check_digit
from fieldapp.residents.models import Resident

_serial = itertools.count(1)
PASSWORD = "correct horse battery"
_PASSWORD_HASH: dict[str, str] = {}


def create_township(code: str | None = None, name: str = "青山镇") -> Township:
    township = Township(code=code or f"T{next(_serial)}", name=name)
    db.session.add(township)
    db.session.commit()
    return township


def create_village(township: Township | None = None, code: str | None = None, name: str = "东村") -> Village:
    township = township or create_township()
    village = Village(code=code or f"V{next(_serial)}", name=name, township_id=township.id)
    db.session.add(village)
    db.session.commit()
    return village


def create_facility(
    code: str | None = None, name: str = "县人民医院", phone: str | None = "+8613800000001"
) -> Facility:
    facility = Facility(code=code or f"F{next(_serial)}", name=name, kind="county_hospital", phone=phone)
    db.session.add(facility)
    db.session.commit()
    return facility


def create_user(
    role: Role | str,
    *,
    username: str | None = None,
    township: Township | None = None,
    villages: list[Village] | None = None,
    facility: Facility | None = None,
    phone: str | None = None,
) -> User:
    if "hash" not in _PASSWORD_HASH:
        _PASSWORD_HASH["hash"] = hash_password(PASSWORD)
    user = User(
        username=username or f"user{next(_serial)}",
        password_hash=_PASSWORD_HASH["hash"],
        role=str(role),
        township_id=township.id if township else None,
        facility_id=facility.id if facility else None,
        phone=phone,
    )
    user.villages = villages or []
    db.session.add(user)
    db.session.commit()
    return user


def id_number_for(birth: date, serial: int | None = None) -> str:
    first17 = f"110101{birth:%Y%m%d}{(serial or next(_serial)) % 1000:03d}"
    return first17 + check_digit(first17)


def create_resident(village: Village, **fields: Any) -> Resident:
    values: dict[str, Any] = {
        "name": "张伟",
        "sex": "M",
        "birth_date": date(1960, 5, 1),
        "village_id": village.id,
        "sms_consent": True,
        "phone": f"+86139{next(_serial):08d}",
    }
    values.update(fields)
    resident = Resident(**values)
    db.session.add(resident)
    db.session.commit()
    return resident


def auth_headers(user: User) -> dict[str, str]:
    raw, _token = issue_token(user)
    return {"Authorization": f"Bearer {raw}"}


def api(client: FlaskClient, method: str, path: str, user: User | None = None, **kwargs: Any) -> Any:
    """Call the API as ``user`` and return the response."""
    headers = dict(kwargs.pop("headers", {}))
    if user is not None:
        headers.update(auth_headers(user))
    return client.open(path, method=method.upper(), headers=headers, **kwargs)


def post_emergency_referral(client: FlaskClient, doctor: User, resident: Resident, facility: Facility) -> Any:
    """``POST /api/v1/referrals``: an emergency referral of ``resident`` to ``facility`` by ``doctor``."""
    body = {
        "resident_id": str(resident.id),
        "facility_id": str(facility.id),
        "urgency": "emergency",
        "reason": "x",
    }
    return api(client, "POST", "/api/v1/referrals", doctor, json=body)
