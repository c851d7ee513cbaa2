"""``/api/v1/imports``: the county admin brings an existing register in."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import require_role
from fieldapp.auth.models import Role
from fieldapp.errors import BadRequestError, ValidationError
from fieldapp.http import load
from fieldapp.imports import service
from fieldapp.imports.report import error_report_xlsx, template_xlsx
from fieldapp.imports.schemas import ImportSchema, ImportUploadSchema
from fieldapp.openapi import doc

bp = Blueprint("imports_api", __name__, url_prefix="/api/v1")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


@bp.url_value_preprocessor
def allow_large_uploads(endpoint: str | None, _values: dict[str, object] | None) -> None:
    """The upload may be larger than other bodies: said before any request hook reads the form."""
    if endpoint == "imports_api.create_import":
        request.max_content_length = int(current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _xlsx(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.post("/imports")
@doc(
    "Import residents, enrollments and last follow-ups from an XLSX or CSV file",
    response=ImportSchema,
    status=201,
)
def create_import() -> ResponseReturnValue:
    """Multipart ``file`` and ``dry_run``: 201 when done, 202 while a job imports a large file."""
    user = require_role(Role.COUNTY_ADMIN)  # the role before the body
    if not request.mimetype.startswith("multipart/form-data"):
        raise BadRequestError("The body must be multipart/form-data with a file field named 'file'.")
    options = load(ImportUploadSchema(), {k: v for k, v in request.form.items() if k == "dry_run"})
    upload = request.files.get("file")
    content = upload.read() if upload is not None else b""
    if not content:
        raise ValidationError(
            "Some fields are not valid.", fields={"file": ["请选择要导入的文件（XLSX 或 CSV）"]}
        )
    run = service.start_import(
        user, upload.filename or "import" if upload else "import", content, options["dry_run"]
    )
    return ImportSchema().dump(run), 202 if run.status == "running" else 201


@bp.get("/imports/<uuid:import_id>")
@doc("An import run: its status, counts, errors and progress", response=ImportSchema)
def get_import(import_id: uuid.UUID) -> ResponseReturnValue:
    """The run (poll it while a large file runs as a job)."""
    user = require_role(Role.COUNTY_ADMIN)
    return ImportSchema().dump(service.get_import(user, import_id))


@bp.get("/imports/<uuid:import_id>/errors.xlsx")
@doc("The rejected rows of an import with an error column, to fix and upload again")
def import_errors(import_id: uuid.UUID) -> ResponseReturnValue:
    """XLSX of the rows the run skipped, each with its problems."""
    user = require_role(Role.COUNTY_ADMIN)
    run = service.get_import(user, import_id)
    return _xlsx(error_report_xlsx(run.errors, run.rejected), f"import-errors-{run.id}.xlsx")


@bp.get("/imports/template")
@doc("The empty import template (XLSX with the Chinese column headers)")
def import_template() -> ResponseReturnValue:
    """The template to fill in."""
    require_role(Role.COUNTY_ADMIN)
    return _xlsx(template_xlsx(), "import-template.xlsx")
