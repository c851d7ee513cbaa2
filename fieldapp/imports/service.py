"""Running an import: rows checked one at a time, written a batch at a time.

Each batch is one transaction: a resident, their enrollments and their imported follow-up
are committed together or not at all, so an import killed halfway and run again leaves no
partial resident (the rows already in come back ``unchanged``). New residents go in with
set-based inserts; rows that change a known resident go through the ORM (its hooks keep
sync and moved villages right). A dry run does exactly the same and rolls every batch back.
"""

from __future__ import annotations

import functools
import io
import logging
import pickle
import queue
import re
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from fieldapp.audit.service import record_access
from fieldapp.auth.models import User
from fieldapp.errors import NotFoundError, ValidationError
from fieldapp.extensions import db
from fieldapp.imports.columns import BY_KEY
from fieldapp.imports.keys import RowsByRecordNumber
from fieldapp.imports.models import ImportedResident, ImportRun, ImportStatus
from fieldapp.imports.reader import FileProblemError, Table, open_table
from fieldapp.imports.rows import ImportRow, RowChecker, RowError, VillageRef
from fieldapp.imports.writes import Writer, one_of
from fieldapp.org.models import Township, Village
from fieldapp.org.service import normalize_phone
from fieldapp.residents.models import Resident
from fieldapp.residents.record_numbers import county_code
from fieldapp.timeutil import local_today, utcnow

log = logging.getLogger(__name__)

BATCH_ROWS = 1000
# Uploads larger than this run as a job (RQ, or in-process without Redis).
JOB_BYTES = 256 * 1024
# While a run goes on, its errors are saved with its progress up to this many (all at the end).
LIVE_ERRORS = 2000
IMPORTED_NOTE = "由原系统导入的末次随访"
ACTIVE = "active"


MOBILE = re.compile(r"^1\d{10}$")


@functools.lru_cache(maxsize=4096)
def _mobile_block_valid(block: str) -> bool:
    """Whether mainland mobile numbers of this 7-digit block are valid (validity goes by block)."""
    try:
        return normalize_phone(block + "0000") is not None
    except ValidationError:
        return False


def _phone(raw: str) -> str | None:
    """A phone as the residents API stores it (E.164); ValueError when it is not a number.

    A register holds tens of thousands of mobile numbers: their validity is looked up per
    7-digit block, not parsed number by number.
    """
    digits = raw.replace(" ", "").replace("-", "")
    if MOBILE.match(digits):
        if _mobile_block_valid(digits[:7]):
            return "+86" + digits
        raise ValueError(raw)
    try:
        return normalize_phone(raw)
    except ValidationError as error:
        raise ValueError(raw) from error


def _json_cell(value: Any) -> Any:
    """A cell as JSON keeps it for the error report: dates as ISO text, whole numbers as integers."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)  # a phone or an identity number typed as a number
    return value


@dataclass
class _Match:
    """What the database knows of a row's resident."""

    resident_id: uuid.UUID | None = None
    record_number: str = ""
    digest: str | None = None
    error: RowError | None = None


@dataclass
class Counts:
    """Rows read and what became of them."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        """Add a batch's counts."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass
class _Outcome:
    """What one batch did: counts, the known residents it named (by row), rows left for the end, rejections."""

    counts: Counts = field(default_factory=lambda: Counts())
    named: dict[str, int] = field(default_factory=dict)
    deferred: list[ImportRow] = field(default_factory=list)
    rejected: list[tuple[ImportRow, RowError]] = field(default_factory=list)

    def add(self, other: _Outcome) -> None:
        """Add another batch's outcome."""
        self.counts.add(other.counts)
        self.named.update(other.named)
        self.deferred += other.deferred
        self.rejected += other.rejected


class _Spool:
    """Rows put aside until the end of a run, pickled to a temporary file (memory stays flat)."""

    def __init__(self) -> None:
        self.file: IO[bytes] | None = None
        self.count = 0

    def add(self, rows: list[ImportRow]) -> None:
        """Put ``rows`` aside."""
        if not rows:
            return
        if self.file is None:
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed once read back, in ``batches``)
        pickle.dump(rows, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += len(rows)

    def batches(self, size: int) -> Iterator[list[ImportRow]]:
        """The rows put aside, in order, ``size`` at a time; the file is gone afterwards."""
        if self.file is None:
            return
        file, self.file, self.count = self.file, None, 0
        with file:
            file.seek(0)
            batch: list[ImportRow] = []
            while True:
                try:
                    batch += pickle.load(file)
                except EOFError:
                    break
                while len(batch) >= size:
                    yield batch[:size]
                    batch = batch[size:]
            if batch:
                yield batch


@dataclass
class Importer:
    """One run over one file."""

    run: ImportRun
    user_id: uuid.UUID | None
    today: date = field(default_factory=local_today)
    counts: Counts = field(default_factory=Counts)
    errors: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    # Known residents the file has named so far (by 档案编号), with the row that named them.
    # (A resident this run creates is named again only by a row with the same 档案编号 or
    # 身份证号, which the checker already refuses as a duplicate within the file.)
    seen: RowsByRecordNumber = field(default_factory=RowsByRecordNumber)
    # New rows without a 档案编号, written at the end (see ``process``), kept on disk.
    deferred: _Spool = field(default_factory=lambda: _Spool())
    checker: RowChecker = field(init=False)
    writer: Writer = field(init=False)

    def __post_init__(self) -> None:
        villages, townships = _villages()
        self.checker = RowChecker(villages, townships, _phone, self.today)
        self.writer = Writer(self.run.id, self.user_id, self.today)
        self.run_id, self.dry_run = self.run.id, self.run.dry_run
        self.lock = threading.Lock()  # the errors, added to by the reading and the writing

    # --- the run ---------------------------------------------------------------------------

    def process(self, table: Table, on_progress: Callable[[int, int | None], None] | None = None) -> None:
        """Check and write every row of ``table``, a batch at a time.

        On PostgreSQL the batches are written by a thread of their own while the next ones are
        read and checked: the server's work (constraints, indexes) and this process's overlap.
        """
        batch_rows = int(current_app.config.get("IMPORT_BATCH_ROWS", BATCH_ROWS))
        threaded = db.session.get_bind().dialect.name == "postgresql" and current_app.config.get(
            "IMPORT_WRITER_THREAD", True
        )
        db.session.commit()  # this session only reads from here on; the writing has its own
        batch: list[ImportRow] = []
        with _BatchWriter(self, threaded) as writes:
            for raw in table.rows:
                self.counts.rows += 1
                row, errors = self.checker.check(raw.number, raw.values)
                if row is None:
                    self._reject(raw.number, raw.values, errors)
                else:
                    batch.append(row)
                if self.counts.rows % batch_rows == 0:
                    writes.submit(batch, self.counts.rows, table.expected_rows)
                    batch = []
                    if on_progress:
                        on_progress(self.counts.rows, table.expected_rows)
            writes.submit(batch, self.counts.rows, table.expected_rows)
        # Rows without a 档案编号 are numbered last, once every number the file brings is in:
        # a number given earlier could be one a later row brings.
        for rows in self.deferred.batches(batch_rows):
            self._write(rows, number_now=True)
        self._finish()
        if on_progress:
            on_progress(self.counts.rows, self.counts.rows)

    def _reject(self, number: int, values: dict[str, Any], errors: Iterable[RowError]) -> None:
        found = [error.as_dict() for error in errors]
        rejected = {"row": number, "values": {k: _json_cell(v) for k, v in values.items()}}
        with self.lock:
            self.errors.extend(found)
            self.rejected.append(rejected)

    def _rejected_values(self, row: ImportRow) -> dict[str, Any]:
        return {
            "record_number": row.record_number,
            "name": row.name,
            "sex": {"M": "男", "F": "女"}[row.sex],
            "birth_date": row.birth_date.isoformat(),
            "id_number": row.id_number,
            "phone": row.phone,
            "hypertension_on": _json_cell(row.diagnosed.get("hypertension")),
            "diabetes_on": _json_cell(row.diagnosed.get("diabetes")),
            "followup_on": _json_cell(row.followup_on),
            "sbp": row.sbp,
            "dbp": row.dbp,
            "fasting_glucose": row.fasting_glucose,
        }

    def _write(self, batch: list[ImportRow], *, number_now: bool = False) -> None:
        if not batch:
            return
        try:
            outcome = self._write_batch(batch, number_now)
        except IntegrityError:
            # Someone else took a number or identity number meanwhile: one row at a time.
            db.session.rollback()
            outcome = _Outcome()
            for row in batch:
                try:
                    outcome.add(self._write_batch([row], number_now))
                except IntegrityError:
                    db.session.rollback()
                    message = "与系统中已有的居民冲突（档案编号或身份证号已被占用），请核对后重新导入"
                    outcome.rejected.append((row, RowError(row.number, BY_KEY["id_number"].header, message)))
        self.counts.add(outcome.counts)
        self.seen.update(outcome.named)
        self.deferred.add(outcome.deferred)
        for row, error in outcome.rejected:
            self._reject_written(row, error)

    def _reject_written(self, row: ImportRow, error: RowError) -> None:
        values = self._rejected_values(row)
        values["village_code"] = self._codes_of(row)[1]
        values["township_code"] = self._codes_of(row)[0]
        self._reject(row.number, values, [error])

    def _codes_of(self, row: ImportRow) -> tuple[str, str]:
        prefix = row.village.record_prefix
        return prefix[6:9], prefix[9:12]

    def _write_batch(self, batch: list[ImportRow], number_now: bool) -> _Outcome:
        """Write one batch in one transaction (rolled back in a dry run); what became of its rows."""
        outcome = _Outcome()
        matches = self._match(batch)
        new_rows: list[ImportRow] = []
        for row in batch:
            match = matches[row.number]
            if match.error is not None:
                outcome.rejected.append((row, match.error))
            elif match.resident_id is None:
                (new_rows if row.record_number or number_now else outcome.deferred).append(row)
            else:
                outcome.named[match.record_number] = row.number
                if match.digest == row.digest:
                    outcome.counts.unchanged += 1
                elif self.writer.update(row, match.resident_id):
                    outcome.counts.updated += 1
                else:
                    outcome.counts.unchanged += 1
        if new_rows:
            self.writer.insert(new_rows)
            outcome.counts.created += len(new_rows)
        if self.dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        return outcome

    # --- matching ---------------------------------------------------------------------------

    def _match(self, batch: list[ImportRow]) -> dict[int, _Match]:
        """Each row's resident: by 档案编号, then by 身份证号 (one query for the batch)."""
        records = {row.record_number for row in batch if row.record_number}
        id_numbers = {row.id_number for row in batch if row.id_number}
        found = db.session.execute(
            select(Resident.id, Resident.record_number, Resident.id_number, ImportedResident.digest)
            .outerjoin(ImportedResident, ImportedResident.resident_id == Resident.id)
            .where(or_(one_of(Resident.record_number, records), one_of(Resident.id_number, id_numbers)))
        ).all()
        by_record = {r.record_number: r for r in found}
        by_id_number = {r.id_number: r for r in found if r.id_number}
        matches = {}
        in_batch: dict[uuid.UUID, int] = {}
        for row in batch:
            resident = by_record.get(row.record_number) if row.record_number else None
            holder = by_id_number.get(row.id_number) if row.id_number else None
            match = _Match()
            if resident is None and holder is not None:
                resident = holder
                if row.record_number and holder.record_number != row.record_number:
                    match.error = RowError(
                        row.number,
                        BY_KEY["id_number"].header,
                        f"该身份证号已属于档案编号为 {holder.record_number} 的居民，与本行档案编号不一致",
                    )
            elif resident is not None and holder is not None and holder.id != resident.id:
                match.error = RowError(
                    row.number,
                    BY_KEY["id_number"].header,
                    f"该身份证号已属于另一位居民（档案编号 {holder.record_number}）",
                )
            if resident is not None and match.error is None:
                first = self.seen.get(resident.record_number) or in_batch.get(resident.id)
                if first is not None:
                    match.error = RowError(
                        row.number,
                        BY_KEY["name"].header,
                        f"与第{first}行是同一位居民（档案编号或身份证号相同）",
                    )
                else:
                    match.resident_id, match.digest = resident.id, resident.digest
                    match.record_number = resident.record_number
                    in_batch[resident.id] = row.number
            matches[row.number] = match
        return matches

    # --- bookkeeping ------------------------------------------------------------------------

    def _save_progress(self, rows: int, expected: int | None) -> None:
        """Save the counts after ``rows`` rows were read and written, and the errors so far."""
        run = db.session.get(ImportRun, self.run_id)
        assert run is not None
        run.rows, run.created = rows, self.counts.created
        run.updated, run.unchanged = self.counts.updated, self.counts.unchanged
        if expected:
            run.progress = round(min(0.99, rows / expected), 4)
        with self.lock:
            if len(self.errors) <= LIVE_ERRORS:
                run.errors = sorted(self.errors, key=_by_row)
        db.session.commit()

    def _finish(self) -> None:
        self._save_progress(self.counts.rows, None)
        run = db.session.get(ImportRun, self.run_id)
        assert run is not None
        self.run = run
        # The reading and the writing each add their rows' errors: in the file's order.
        run.errors = sorted(self.errors, key=_by_row)
        run.rejected = sorted(self.rejected, key=_by_row)
        run.progress = 1.0
        run.status = ImportStatus.DONE
        run.finished_at = utcnow()
        run.content = None
        user = db.session.get(User, self.user_id) if self.user_id else None
        record_access(user, "import", "import", run.id)
        db.session.commit()


def _by_row(item: dict[str, Any]) -> int:
    return int(item.get("row") or 0)


class _BatchWriter:
    """Writes an importer's batches as they come: in a thread of its own, or at once.

    The thread has its own application context, so its own session and connection; the rows
    read meanwhile wait in a short queue (memory stays flat). An error in the thread stops
    the reading at its next batch and is raised there; an error in the reading stops the thread.
    """

    def __init__(self, importer: Importer, threaded: bool) -> None:
        self.importer = importer
        self.threaded = threaded
        self.queue: queue.Queue[tuple[list[ImportRow], int, int | None] | None] = queue.Queue(maxsize=2)
        self.failure: BaseException | None = None
        self.thread: threading.Thread | None = None

    def __enter__(self) -> _BatchWriter:
        if self.threaded:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            self.thread = threading.Thread(target=self._run, args=(app,), name="import-writer", daemon=True)
            self.thread.start()
        return self

    def submit(self, batch: list[ImportRow], rows: int, expected: int | None) -> None:
        """Write ``batch`` (``rows`` rows read so far) and save the progress."""
        if not self.threaded:
            self._write(batch, rows, expected)
            return
        while True:
            self._raise_failure()
            try:
                self.queue.put((batch, rows, expected), timeout=0.5)
                return
            except queue.Full:
                continue

    def _write(self, batch: list[ImportRow], rows: int, expected: int | None) -> None:
        self.importer._write(batch)
        self.importer._save_progress(rows, expected)

    def _run(self, app: Any) -> None:
        with app.app_context():
            while (item := self.queue.get()) is not None:
                if self.failure is None:
                    try:
                        self._write(*item)
                    except BaseException as error:  # raised again in the reading thread
                        self.failure = error
                        db.session.rollback()

    def _raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure

    def __exit__(self, kind: type[BaseException] | None, *_rest: object) -> None:
        if self.thread is None:
            return
        if kind is not None and self.failure is None:
            self.failure = RuntimeError("the reading failed")  # the thread drops what is queued
        self.queue.put(None)
        self.thread.join()
        if kind is None:
            self._raise_failure()


def _villages() -> tuple[dict[tuple[str, str], VillageRef], set[str]]:
    """Every village by (township code, village code), and the township codes."""
    county = county_code()
    rows = db.session.execute(
        select(Township.division_code, Village.division_code, Village.id).join(
            Village, Village.township_id == Township.id
        )
    ).all()
    villages = {(t, v): VillageRef(village_id, f"{county}{t}{v}") for t, v, village_id in rows}
    townships = set(db.session.scalars(select(Township.division_code)))
    return villages, townships


# --- the entry points -------------------------------------------------------------------------


def check_file(content: bytes) -> None:
    """422 when the file is not an import table (before anything is stored or queued)."""
    try:
        open_table(io.BytesIO(content))
    except FileProblemError as error:
        raise ValidationError("The file cannot be imported.", fields={"file": [str(error)]})


def start_import(user: User, filename: str, content: bytes, dry_run: bool) -> ImportRun:
    """Store the upload as a run; small files are imported at once, large ones by a job."""
    check_file(content)
    large = len(content) > int(current_app.config.get("IMPORT_JOB_BYTES", JOB_BYTES))
    run = ImportRun(
        filename=filename[:255] or "import",
        dry_run=dry_run,
        status=ImportStatus.RUNNING,
        content=content if large else None,
        created_by=user.id,
    )
    db.session.add(run)
    db.session.commit()
    if not large:
        return run_import(run.id, io.BytesIO(content))
    from workers import jobs
    from workers.queues import QueueNames, enqueue

    enqueue(jobs.import_job, str(run.id), queue=QueueNames.DEFAULT)  # after the commit: the job reads the run
    db.session.expire_all()
    return get_import(user, run.id)


def run_import(
    import_id: uuid.UUID,
    source: IO[bytes] | None = None,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> ImportRun:
    """Import a stored run's file (or ``source``); a run that is no longer running is left as it is."""
    run = db.session.get(ImportRun, import_id)
    if run is None:
        raise NotFoundError("No such import.")
    if run.status != ImportStatus.RUNNING:
        return run
    if source is None:
        source = io.BytesIO(run.content or b"")
    importer = Importer(run, run.created_by)
    try:
        importer.process(open_table(source), on_progress)
    except FileProblemError as error:
        db.session.rollback()
        run = db.session.get(ImportRun, import_id)
        assert run is not None
        run.status, run.finished_at, run.content = ImportStatus.FAILED, utcnow(), None
        run.errors = [{"row": None, "column": None, "message": str(error)}]
        db.session.commit()
        return run
    return importer.run


def get_import(user: User, import_id: uuid.UUID) -> ImportRun:
    """An import run (county admins see every run)."""
    run = db.session.get(ImportRun, import_id)
    if run is None:
        raise NotFoundError("No such import.")
    return run


def recent_imports(user: User, limit: int = 20) -> list[ImportRun]:
    """The latest import runs, newest first."""
    query = select(ImportRun).order_by(ImportRun.created_at.desc()).limit(limit)
    return list(db.session.scalars(query))
