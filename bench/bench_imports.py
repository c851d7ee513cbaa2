"""Import benchmark: ``flask import records`` of a 100,000-row XLSX register on PostgreSQL, then again.

Called by ``bench.run`` with each PostgreSQL database (it runs on the synthetic county's
villages and removes what it imported afterwards, so the county keeps its size), or on
its own against a scratch database, which it empties first::

    python -m bench.bench_imports postgresql+psycopg://postgres@127.0.0.1/scratch --fresh

Each import runs as the county IT person runs it, in a child process (``flask --app
fieldapp import records FILE``): wall time from start to exit, and the child's peak
resident set (its VmHWM). A smaller file (20,000 rows) beside it shows the memory is
flat, not growing with the file. Each result notes the child's CPU seconds, its
PostgreSQL backends' and the 1-minute load average before and after (the machine may be
shared). Rows: 90 % bring their 档案编号, all have an identity number and a phone, 30 %
have diabetes besides hypertension, 95 % a last follow-up.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import create_engine, delete, select, text

from bench.county import bench_app
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.imports.columns import HEADERS
from fieldapp.imports.models import ImportedFollowUp, ImportedResident, ImportRun
from fieldapp.org.models import Township, Village
from fieldapp.residents.identity import check_digit
from fieldapp.residents.models import Resident

ROOT = Path(__file__).resolve().parent.parent
ROWS = 100_000
SMALL_ROWS = 20_000
TARGETS = {"import": "<= 60 s, flat memory", "re-import": "<= 30 s"}
# Serials far above what the demo county numbers, so the file's own 档案编号 never collide.
FIRST_SERIAL = 60_000


def _villages() -> list[tuple[str, str]]:
    """(township code, village code) of every village."""
    rows = db.session.execute(
        select(Township.division_code, Village.division_code).join(
            Village, Village.township_id == Township.id
        )
    )
    return sorted((t, v) for t, v in rows)


def write_register(path: Path, rows: int, villages: list[tuple[str, str]], county: str) -> None:
    """A register of ``rows`` residents spread over ``villages``, written row by row (write-only)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("居民")
    sheet.append(list(HEADERS))
    for n in range(rows):
        township, village = villages[n % len(villages)]
        serial = FIRST_SERIAL + n // len(villages)
        birth = f"19{40 + n % 45:02d}-{1 + n % 12:02d}-{1 + n % 28:02d}"
        first17 = f"65{(n // 1000) % 10000:04d}{birth.replace('-', '')}{n % 1000:03d}"
        diabetic = n % 10 < 3
        followed = n % 20 != 0
        sheet.append(
            [
                f"{county}{township}{village}{serial:05d}" if n % 10 else None,
                f"导入居民{n}",
                "女" if n % 2 else "男",
                birth,
                first17 + check_digit(first17),
                f"139{n:08d}",
                village,
                township,
                "2016-05-01",
                "2019-03-01" if diabetic else None,
                f"2026-{1 + n % 11:02d}-15" if followed else None,
                120 + n % 50 if followed else None,
                75 + n % 20 if followed else None,
                round(5.0 + (n % 40) / 10, 1) if followed and diabetic else None,
            ]
        )
    book.save(path)
    _as_excel_saves_it(path, f"A1:N{rows + 1}")


INLINE = re.compile(rb'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>')
SHARED_STRINGS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
SHARED_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _as_excel_saves_it(path: Path, ref: str) -> None:
    """Rewrite openpyxl's write-only sheet as Excel saves one: with its size (a ``dimension``) and
    text in a shared-strings table, not inline (what a reader meets in a real export)."""
    strings: dict[bytes, int] = {}

    def shared(match: re.Match[bytes]) -> bytes:
        index = strings.setdefault(match.group(2), len(strings))
        return b'<c r="' + match.group(1) + b'" t="s"><v>' + str(index).encode() + b"</v></c>"

    staged = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if not item.filename.startswith("xl/worksheets/"):
                data = source.read(item)
                if item.filename == "[Content_Types].xml":
                    override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_TYPE}"/>'
                    data = data.replace(b"</Types>", override.encode() + b"</Types>")
                elif item.filename == "xl/_rels/workbook.xml.rels":
                    relation = (
                        f'<Relationship Type="{SHARED_STRINGS}" Target="sharedStrings.xml" Id="rIdShared"/>'
                    )
                    data = data.replace(b"</Relationships>", relation.encode() + b"</Relationships>")
                target.writestr(item, data)
                continue
            with source.open(item) as reader, target.open(item.filename, "w") as writer:
                pending, first = b"", True
                while chunk := reader.read(1 << 20):
                    pending += chunk
                    if first:
                        pending = pending.replace(
                            b"</sheetPr>", f'</sheetPr><dimension ref="{ref}"/>'.encode(), 1
                        )
                        first = False
                    cut = pending.rfind(b"</row>") + len(b"</row>")
                    if cut >= len(b"</row>"):
                        writer.write(INLINE.sub(shared, pending[:cut]))
                        pending = pending[cut:]
                writer.write(INLINE.sub(shared, pending))
        table = [
            f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">'.encode()
        ]
        table += [b"<si><t>" + text + b"</t></si>" for text in strings]
        table.append(b"</sst>")
        target.writestr("xl/sharedStrings.xml", b"".join(table))
    staged.replace(path)


APP_NAME = "fieldapp-bench-import"


class BackendCpu:
    """CPU seconds of the PostgreSQL backends serving the import child, read from /proc while it runs.

    On a shared machine the wall time includes waiting for a core; the child's CPU and its
    backends' CPU do not (a local server only; elsewhere this stays 0).
    """

    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(database_url)
        self.seen: dict[int, float] = {}
        # The child's own peak resident set (VmHWM), read while it runs: its ru_maxrss would
        # also count the pages it shared with this process between fork and exec.
        self.child: int | None = None
        self.peak_kib = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        ticks = os.sysconf("SC_CLK_TCK")
        with self.engine.connect() as conn:
            while not self.done.wait(0.2):
                self._read_peak()
                pids = conn.execute(
                    text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": APP_NAME},
                ).scalars()
                for pid in pids:
                    try:
                        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    self.seen[pid] = (int(fields[11]) + int(fields[12])) / ticks
                conn.rollback()

    def _read_peak(self) -> None:
        if self.child is None:
            return
        try:
            status = Path(f"/proc/{self.child}/status").read_text()
        except OSError:
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self.peak_kib = max(self.peak_kib, int(line.split()[1]))

    def __enter__(self) -> BackendCpu:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.done.set()
        self.thread.join()
        self.engine.dispose()

    @property
    def seconds(self) -> float:
        """The backends' CPU seconds, as last seen."""
        return round(sum(self.seen.values()), 1)


def timed_import(database_url: str, path: Path) -> tuple[float, float, dict[str, Any]]:
    """Seconds and peak RSS (MiB) of one ``flask import records`` child, and its summary with CPU seconds."""
    env = {**os.environ, "DATABASE_URL": database_url, "SMS_PROVIDER": "outbox", "PGAPPNAME": APP_NAME}
    env.pop("REDIS_URL", None)
    env.setdefault("FIELDAPP_INSTANCE_PATH", str(Path(tempfile.gettempdir()) / "fieldapp-bench-instance"))
    load_before = os.getloadavg()[0]
    with BackendCpu(database_url) as backends:
        started = time.perf_counter()
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "fieldapp",
                "import",
                "records",
                str(path),
                "--report",
                os.devnull,
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        backends.child = child.pid
        assert child.stdout is not None
        output = child.stdout.read()
        _pid, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(f"flask import records failed (status {status}): {output[-500:]!r}")
    summary = json.loads(output.decode().strip().splitlines()[-1])
    summary["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 1)
    summary["db_cpu_s"] = backends.seconds
    # The machine may be shared: the wall time means little without how busy it was.
    summary["load"] = f"{load_before:.1f}-{os.getloadavg()[0]:.1f}"
    return elapsed, (backends.peak_kib or usage.ru_maxrss) / 1024, summary


def _row(
    operation: str, seconds: float, rows: int, peak_mb: float, summary: dict[str, Any]
) -> dict[str, Any]:
    return {
        "operation": operation,
        "database": "postgresql",
        "median_ms": round(seconds * 1000, 1),
        "p95_ms": round(seconds * 1000, 1),
        "records_per_s": round(rows / seconds, 1),
        "peak_mem_mb": round(peak_mb, 1),
        "runs": 1,
        "note": ", ".join(
            f"{k} {summary[k]}"
            for k in ("created", "updated", "unchanged", "errors", "cpu_s", "db_cpu_s", "load")
        ),
    }


def remove_imported() -> None:
    """Delete every resident the import benchmark brought in (the county keeps its size)."""
    runs = select(ImportRun.id).where(ImportRun.filename.like("bench-register-%"))
    residents = select(ImportedResident.resident_id).where(ImportedResident.import_id.in_(runs))
    db.session.execute(delete(ImportedFollowUp).where(ImportedFollowUp.import_id.in_(runs)))
    db.session.execute(delete(FollowUp).where(FollowUp.resident_id.in_(residents)))
    db.session.execute(delete(Enrollment).where(Enrollment.resident_id.in_(residents)))
    doomed = list(db.session.scalars(residents))
    db.session.execute(delete(ImportedResident).where(ImportedResident.import_id.in_(runs)))
    for start in range(0, len(doomed), 10_000):
        db.session.execute(delete(Resident).where(Resident.id.in_(doomed[start : start + 10_000])))
    db.session.execute(delete(ImportRun).where(ImportRun.filename.like("bench-register-%")))
    db.session.commit()


def run(database_url: str) -> list[dict[str, Any]]:
    """Import 100,000 rows, import them again, and (for memory) a 20,000-row file; the result rows."""
    app = bench_app(database_url)
    with app.app_context():
        villages = _villages()
        county = str(app.config["FIELDAPP_COUNTY_CODE"])
        remove_imported()
    if not villages:
        raise RuntimeError("the database has no villages to import into")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder) / "bench-register-small.xlsx", Path(folder) / "bench-register-large.xlsx"
        started = time.perf_counter()
        write_register(large, ROWS, villages, county)
        print(f"wrote {ROWS:,} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        write_register(small, SMALL_ROWS, villages, county)
        seconds, peak, summary = timed_import(database_url, large)
        results.append(_row(f"import {ROWS:,} rows (flask import records)", seconds, ROWS, peak, summary))
        seconds, peak, summary = timed_import(database_url, large)
        results.append(_row(f"re-import the same {ROWS:,} rows", seconds, ROWS, peak, summary))
        with app.app_context():
            remove_imported()
        seconds, peak, summary = timed_import(database_url, small)
        results.append(
            _row(
                f"import {SMALL_ROWS:,} rows (memory beside the large file)",
                seconds,
                SMALL_ROWS,
                peak,
                summary,
            )
        )
    with app.app_context():
        remove_imported()
    return results


def _fresh(database_url: str, townships: int = 10, villages: int = 30) -> None:
    """Empty the database and give it ``townships`` × ``villages`` coded villages."""
    app = bench_app(database_url)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        for t in range(1, townships + 1):
            township = Township(code=f"BT{t}", name=f"镇{t}", division_code=f"{t:03d}")
            db.session.add(township)
            db.session.flush()
            for v in range(1, villages + 1):
                db.session.add(
                    Village(
                        code=f"BV{t}-{v}", name=f"村{v}", township_id=township.id, division_code=f"{v:03d}"
                    )
                )
        db.session.commit()


def main() -> None:
    """``python -m bench.bench_imports DATABASE_URL [--fresh]``: print the result rows."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--fresh", action="store_true", help="empty the database and make 300 villages first")
    args = parser.parse_args()
    if args.fresh:
        _fresh(args.database_url)
    for row in run(args.database_url):
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
