"""``flask --app fieldapp import records FILE [--dry-run]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup

from fieldapp.extensions import db
from fieldapp.imports.models import ImportRun, ImportStatus
from fieldapp.imports.reader import FileProblemError, open_table
from fieldapp.imports.report import error_report_xlsx
from fieldapp.imports.schemas import ImportSchema
from fieldapp.imports.service import run_import

import_group = AppGroup("import", help="Bring existing records in.")


@import_group.command("records")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and count what would change; write nothing.")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the rejected rows with an error column (default: FILE.errors.xlsx, when any).",
)
def import_records_command(file: Path, dry_run: bool, report: Path | None) -> None:
    """Import residents, enrollments and last follow-ups from an XLSX or CSV file (UTF-8 or GB18030)."""
    with file.open("rb") as probe:  # a file that is no import table stops here, before any run is stored
        try:
            open_table(probe)
        except FileProblemError as error:
            raise click.ClickException(str(error)) from error
    run = ImportRun(filename=file.name, dry_run=dry_run, status=ImportStatus.RUNNING)
    db.session.add(run)
    db.session.commit()
    bar = click.progressbar(length=1000, label="导入 / importing", file=sys.stderr)
    with file.open("rb") as source, bar:
        shown = {"done": 0}

        def progress(rows: int, expected: int | None) -> None:
            done = int(1000 * min(1.0, rows / expected)) if expected else 0
            bar.update(done - shown["done"])
            shown["done"] = done

        run = run_import(run.id, source, progress)
    answer: dict[str, Any] = ImportSchema(exclude=("errors",)).dump(run)
    for problem in run.errors:
        where = f"第{problem['row']}行 {problem['column']}：" if problem.get("row") else ""
        click.echo(f"{where}{problem['message']}", err=True)
    if run.errors and run.status == ImportStatus.DONE:
        target = report or file.with_name(file.name + ".errors.xlsx")
        target.write_bytes(error_report_xlsx(run.errors, run.rejected))
        answer["error_report"] = str(target)
    answer["errors"] = len(run.errors)
    click.echo(json.dumps(answer, ensure_ascii=False))


def init_app(app: Flask) -> None:
    """Register ``flask import records``."""
    app.cli.add_command(import_group)
