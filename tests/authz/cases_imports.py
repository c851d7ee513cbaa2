"""Authorisation cases for imports: the county admin's alone (the register is county-wide, no area)."""

from __future__ import annotations

from fieldapp.extensions import db
from fieldapp.imports.models import ImportRun, ImportStatus
from tests.authz.matrix import Call, Case, by_role
from tests.authz.world import Area


def _run() -> ImportRun:
    run = ImportRun(
        filename="register.xlsx",
        status=ImportStatus.DONE,
        errors=[{"row": 2, "column": "姓名", "message": "必填"}],
        rejected=[{"row": 2, "values": {"name": None}}],
    )
    db.session.add(run)
    db.session.commit()
    return run


def _upload(_area: Area) -> Call:
    # JSON, not multipart: the admin gets past the role check to a 400; everyone else stops at 403.
    return Call("/api/v1/imports", json={"file": "x"})


def _import(_area: Area) -> Call:
    return Call(f"/api/v1/imports/{_run().id}")


def _errors(_area: Area) -> Call:
    return Call(f"/api/v1/imports/{_run().id}/errors.xlsx")


def _template(_area: Area) -> Call:
    return Call("/api/v1/imports/template")


CASES = [
    Case("imports_api.create_import", "POST", _upload, inside=by_role(403, county_admin=400)),
    Case("imports_api.get_import", "GET", _import, inside=by_role(403, county_admin=200)),
    Case("imports_api.import_errors", "GET", _errors, inside=by_role(403, county_admin=200)),
    Case("imports_api.import_template", "GET", _template, inside=by_role(403, county_admin=200)),
]
