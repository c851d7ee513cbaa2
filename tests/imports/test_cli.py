"""``flask import records``: progress, summary, the error report; and an import killed halfway, run again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.imports.models import ImportedResident
from fieldapp.residents.models import Resident
from tests.imports.builders import COUNTY_CODE, County
from tests.imports.files import csv_file, xlsx_file, xlsx_rows
from tests.imports.rows import register_row

ROOT = Path(__file__).resolve().parents[2]


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _summary(output: str) -> dict[str, object]:
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_command_imports_with_a_progress_bar_and_writes_the_error_report(
    runner: FlaskCliRunner, county: County, tmp_path: Path
) -> None:
    source = tmp_path / "register.xlsx"
    source.write_bytes(xlsx_file([register_row(county, 1), register_row(county, 2, 出生日期="x")]))
    dry = runner.invoke(args=["import", "records", str(source), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert _summary(dry.stdout) | {"id": None} == _summary(dry.stdout) | {
        "id": None,
        "rows": 2,
        "created": 1,
        "errors": 1,
        "dry_run": True,
    }
    assert _count(Resident) == 0

    result = runner.invoke(args=["import", "records", str(source)])
    assert result.exit_code == 0, result.output
    summary = _summary(result.stdout)
    assert (summary["rows"], summary["created"], summary["errors"], summary["status"]) == (2, 1, 1, "done")
    assert "第3行 出生日期：" in result.stderr and "importing" in result.stderr
    report = xlsx_rows(Path(str(summary["error_report"])).read_bytes())
    assert report[1][0] == register_row(county, 2)["档案编号"] and "出生日期" in report[1][14]
    assert _count(Resident) == 1


def test_a_file_that_is_not_an_import_stops_with_a_chinese_message(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    source = tmp_path / "other.csv"
    source.write_bytes("名字,年龄\n张三,40\n".encode())
    result = runner.invoke(args=["import", "records", str(source)])
    assert result.exit_code != 0 and "文件缺少必需的列" in result.output


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="kills a writer mid-transaction",
)
def test_an_import_killed_halfway_and_run_again_leaves_no_partial_resident(
    app: Flask, runner: FlaskCliRunner, county: County, tmp_path: Path
) -> None:
    rows = 3000
    source = tmp_path / "register.csv"
    source.write_bytes(csv_file([register_row(county, n) for n in range(1, rows + 1)]))
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "FIELDAPP_INSTANCE_PATH": app.instance_path,
        "SECRET_KEY": "test-secret",
        "SMS_PROVIDER": "outbox",
        "FIELDAPP_COUNTY_CODE": COUNTY_CODE,
        "FIELDAPP_IMPORT_BATCH_ROWS": "25",
    }
    env.pop("REDIS_URL", None)
    importer = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "fieldapp", "import", "records", str(source)],
        env=env,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and importer.poll() is None:
            db.session.rollback()
            if _count(Resident) >= rows // 3:
                break
            time.sleep(0.01)
    finally:
        importer.send_signal(signal.SIGKILL)
        importer.wait(10)
    db.session.rollback()
    written = _count(Resident)
    assert 0 < written < rows, "the import was not stopped halfway"
    # Whole residents only: each with its two enrollments, two follow-ups and its fingerprint.
    assert written % 25 == 0
    assert (_count(Enrollment), _count(FollowUp), _count(ImportedResident)) == (
        2 * written,
        2 * written,
        written,
    )

    result = runner.invoke(args=["import", "records", str(source)])
    summary = _summary(result.stdout)
    assert (summary["created"], summary["unchanged"], summary["errors"]) == (rows - written, written, 0), (
        result.stderr[:500]
    )
    assert (_count(Resident), _count(Enrollment), _count(FollowUp)) == (rows, 2 * rows, 2 * rows)
