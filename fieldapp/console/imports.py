"""The county admin's import page: upload a register file and watch it go in."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import roles_required
from fieldapp.auth.models import Role
from fieldapp.console.web import bp, me
from fieldapp.imports.columns import COLUMNS
from fieldapp.imports.service import recent_imports


@bp.get("/admin/imports")
@roles_required(Role.COUNTY_ADMIN)
def imports_page() -> ResponseReturnValue:
    """The upload form (with its progress display), the template and the latest runs."""
    return render_template("console/admin_imports.html", runs=recent_imports(me()), columns=COLUMNS)
