"""Imports from the web page: a file is uploaded, checked, shown, confirmed, then stored.

The check and the import are the same action as ``minping import`` (the kinds
of ``import_kinds``): the check is its dry run, which does everything and rolls
back, so the page lists every problem the import would meet and stores nothing.
A file of ``MINPING_IMPORT_BACKGROUND_ROWS`` rows or more (100,000 by default)
is checked and stored by the background worker (``minping db_worker``, the
task of ``campaigns.tasks``); a smaller one within the request.

Where things are kept:

* the uploaded file, in a folder of its own under ``MINPING_IMPORT_DIR``
  (private: no URL serves it) until it is stored, refused or given up;
* every problem, one JSON line each, in the same folder (the page shows the
  first 200 and offers the whole list as a download);
* how far a running check or import got, in ``progress.json`` there. Not in the
  database: an import is one transaction, and on SQLite a second connection
  could not write while it runs. A thread rewrites the file every few seconds
  (the heartbeat), so a job whose file has not been touched for
  ``MINPING_IMPORT_STALE_SECONDS`` was cut off, by a killed worker or server:
  its transaction was rolled back, nothing of it is stored, and it can be run
  again from the start with the same file (``restart``). It cannot be resumed
  half-way, as there is no half-way: the import commits all or nothing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from minping.campaigns.batches import KIND_NAMES, AlreadyImported, ImportSummary
from minping.campaigns.import_kinds import KINDS, ImportKind
from minping.campaigns.models import Campaign, ImportJob
from minping.lib.errors import MAX_REPORTED, InputProblem, InvalidInput, ProblemCollector
from minping.lib.progress import Progress
from minping.lib.tabular import open_table
from minping.lib.uploads import XLSX, Format, safe_name

logger = logging.getLogger("minping.imports")

State = ImportJob.State
CSV = Format("text/csv", ".csv")
UPLOAD = "upload"
PROGRESS = "progress.json"
PROBLEMS = "problems.jsonl"
PREVIEW_ROWS = 10
PREVIEW_CHARS = 100  # of a cell, on the page
# How often the progress file is rewritten while rows are read, and by the heartbeat.
WRITE_EVERY = 0.5
HEARTBEAT_EVERY = 5.0
# An .xlsx row takes about 20 bytes of the zip (docs/performance.md): enough to tell a
# file of 100,000 rows from one of 1,000 without opening the workbook in the request.
XLSX_BYTES_PER_ROW = 20
XLSX_OVERHEAD = 8 * 1024  # the parts of an empty workbook
RUNNING = (State.CHECKING, State.STORING)
# Seconds a job may wait for the worker before the page asks whether one is running.
WAITING_LONG = 30


def import_dir() -> Path:
    return Path(settings.MINPING_IMPORT_DIR)


def folder_of(job: ImportJob) -> Path:
    return import_dir() / job.folder


def upload_path(job: ImportJob) -> Path | None:
    """The uploaded file while it is kept, else None."""
    files = sorted((folder_of(job) / UPLOAD).glob("*"))
    return files[0] if files else None


# -- upload ------------------------------------------------------------------------------


def create_job(kind: ImportKind, campaign: Campaign | None, upload: Any, user: Any) -> ImportJob:
    """Keep an uploaded file in a folder of its own and record the job; nothing read yet.

    Raises InvalidInput for a file that is not a .csv or .xlsx, empty or too large.
    The file's content is checked when it is read (``lib.tabular``, ``lib.table_limits``).
    """
    name = str(getattr(upload, "name", "") or "")
    suffix = Path(name).suffix.lower()
    column = "文件"
    if suffix not in (".csv", ".xlsx"):
        raise InvalidInput([InputProblem("只能导入 .csv 或 .xlsx 文件", column=column)])
    size = int(getattr(upload, "size", 0) or 0)
    limit = settings.MINPING_IMPORT_MAX_MB * 2**20
    if size > limit:
        raise InvalidInput(
            [InputProblem(f"文件超过 {settings.MINPING_IMPORT_MAX_MB} MB", column=column)]
        )
    if size == 0:
        raise InvalidInput([InputProblem("文件是空的", column=column)])
    filename = safe_name(name, XLSX if suffix == ".xlsx" else CSV, "导入文件")
    folder = uuid.uuid4().hex
    path = import_dir() / folder / UPLOAD / filename
    path.parent.mkdir(parents=True, mode=0o700)
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    rows = estimated_rows(path)
    return ImportJob.objects.create(
        kind=kind.code,
        campaign=campaign,
        filename=filename,
        folder=folder,
        size=size,
        rows_total=rows,
        background=rows >= settings.MINPING_IMPORT_BACKGROUND_ROWS,
        created_by=user,
    )


def estimated_rows(path: Path) -> int:
    """Data rows, about: the lines of a CSV, or what an .xlsx of this size holds."""
    if path.suffix == ".xlsx":
        return max(path.stat().st_size - XLSX_OVERHEAD, 0) // XLSX_BYTES_PER_ROW
    lines = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


# -- the steps the page asks for ------------------------------------------------------------


def start(job: ImportJob) -> None:
    """Run the job's next step (check, or import once confirmed): here, or in the worker."""
    if job.background:
        from minping.campaigns.tasks import run_import_job  # which imports this module

        run_import_job.enqueue(job.pk)
    else:
        run(job.pk)


def confirm(job: ImportJob, user: Any) -> bool:
    """Import a checked file; False if it is not waiting for confirmation."""
    confirmed = ImportJob.objects.filter(pk=job.pk, state=State.READY).update(
        state=State.WAITING, confirmed_by=user, confirmed_at=timezone.now()
    )
    if confirmed:
        job.refresh_from_db()
        start(job)
    return bool(confirmed)


def cancel(job: ImportJob) -> bool:
    """Give up a job that is not running: its file is deleted. False if it cannot be."""
    done = ImportJob.objects.filter(pk=job.pk, state__in=(State.READY, State.FAILED)).update(
        state=State.CANCELLED, finished_at=timezone.now()
    )
    if done:
        remove_upload(job)
    return bool(done)


def restart(job: ImportJob) -> bool:
    """Run again, from the start, a job that was cut off. False if it was not."""
    if not can_restart(job):
        return False
    restarted = ImportJob.objects.filter(pk=job.pk, state=job.state).update(
        state=State.WAITING, message=""
    )
    if restarted:
        job.refresh_from_db()
        start(job)
    return bool(restarted)


def can_restart(job: ImportJob) -> bool:
    """Cut off (a killed worker, an unexpected error) with its file still kept."""
    cut_off = is_stalled(job) or (job.state == State.FAILED and not job.problems_total)
    return cut_off and upload_path(job) is not None


# -- running a step ----------------------------------------------------------------------------


def run(job_id: int) -> str:
    """Check or store the job's file (stored once confirmed); returns the state it ends in."""
    job = ImportJob.objects.select_related("campaign", "created_by", "confirmed_by").get(pk=job_id)
    storing = job.confirmed_at is not None
    step = State.STORING if storing else State.CHECKING
    folder = folder_of(job)
    tracker = JobProgress(folder / PROGRESS, step)
    tracker.write()  # before the state, so a running job always has a heartbeat to read
    claimed = ImportJob.objects.filter(pk=job.pk, state=State.WAITING).update(
        state=step, started_at=timezone.now(), rows_done=0
    )
    if not claimed:
        return ImportJob.objects.get(pk=job.pk).state  # given up, or taken by another run
    path = upload_path(job)
    if path is None:
        _save(job, state=State.FAILED, message="上传的文件已不在服务器上,请重新上传。")
        return job.state
    if not storing:
        # A file that cannot be read has no preview: the check reports why, in the same words.
        with contextlib.suppress(InvalidInput):
            _save(job, preview=preview(KINDS[job.kind], path))
    try:
        with (
            Heartbeat(tracker),
            ProblemFile(folder / PROBLEMS) as problems,
            transaction.atomic(),
        ):
            # Two runs of one job (a restart of one wrongly thought cut off) go one by one.
            if ImportJob.objects.select_for_update().get(pk=job.pk).state != step:
                return ImportJob.objects.get(pk=job.pk).state
            _step(job, path, tracker, problems, storing)
    except Exception:
        logger.exception("import job %s (%s) stopped", job.pk, job.kind)
        _save(
            job,
            state=State.FAILED,
            finished_at=timezone.now(),
            message="导入中断:发生意外错误,未保存任何数据。可以重新开始,或放弃后重新上传。",
        )
    if job.state == State.DONE or (job.state == State.FAILED and job.problems_total):
        remove_upload(job)
    return job.state


def _step(
    job: ImportJob, path: Path, tracker: JobProgress, problems: ProblemFile, storing: bool
) -> None:
    """The action itself, then the job's new state, in the caller's transaction."""
    kind = KINDS[job.kind]
    args: tuple[Any, ...] = (path,) if not kind.per_campaign else (job.campaign, path)
    try:
        summary = kind.action(
            *args,
            actor=job.confirmed_by if storing else job.created_by,
            progress=tracker,
            force=kind.sets_values,  # the same units or scores again: set again, harmless
            dry_run=not storing,
            problems=ProblemCollector(sink=problems.add),
        )
    except AlreadyImported as refused:
        problems.add(InputProblem(_already_imported(kind, refused)))
        _failed(job, problems, refused)
    except InvalidInput as invalid:
        problems.take(invalid)
        _failed(job, problems, invalid)
    else:
        _succeeded(job, summary, storing)


def _succeeded(job: ImportJob, summary: ImportSummary, storing: bool) -> None:
    text = summary.text
    if job.campaign is not None:
        # The command line names the campaign by its code; the page by its title.
        text = text.replace(f"到 {job.campaign.code}", f"到“{job.campaign.title}”", 1)
    common: dict[str, Any] = {
        "counts": summary.counts,
        "warnings": summary.warnings,
        "rows_total": summary.rows,
        "rows_done": summary.rows,
    }
    if storing:
        _save(
            job,
            state=State.DONE,
            result_text=text,
            batch_id=summary.batch_id,
            finished_at=timezone.now(),
            **common,
        )
    else:
        # The dry run's summary reads as the import's would; say what it will do.
        _save(job, state=State.READY, check_text=text.replace("已导入", "将导入", 1), **common)


def _failed(job: ImportJob, problems: ProblemFile, error: InvalidInput) -> None:
    _save(
        job,
        state=State.FAILED,
        problems=[list(p) for p in problems.first()],
        problems_total=problems.count,
        message=f"有 {problems.count:,} 处错误,未保存任何数据。",
        finished_at=timezone.now(),
    )


def _already_imported(kind: ImportKind, refused: AlreadyImported) -> str:
    batch = refused.batch
    when = timezone.localtime(batch.created).strftime("%Y-%m-%d %H:%M")
    job = ImportJob.objects.filter(batch=batch).select_related("confirmed_by").first()
    who = f",由 {job.confirmed_by.get_username()} 导入" if job and job.confirmed_by else ""
    return (
        f"这个文件已于 {when} 导入过({batch.rows:,} 行{who})。"
        f"{kind.name}只能导入一次,同一文件再导入会重复计数。"
    )


def _save(job: ImportJob, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def remove_upload(job: ImportJob) -> None:
    shutil.rmtree(folder_of(job) / UPLOAD, ignore_errors=True)


# -- preview ---------------------------------------------------------------------------------


def preview(kind: ImportKind, path: Path) -> dict[str, Any]:
    """The header mapped to the kind's columns, and the first rows as the file holds them.

    Every column is read as optional here, so a file missing one still shows
    its header; the check then reports the missing column.
    """
    optional = [replace(column, required=False) for column in kind.columns]
    with open_table(path, optional) as table:
        fields = {position: name for name, position in table.column_positions().items()}
        headers = list(table.header_cells)
        while headers and not headers[-1]:
            headers.pop()  # the empty cells Excel writes after the last column
        width = len(headers)
        columns = []
        for position, header in enumerate(headers):
            name = fields.get(position)
            column = next((c for c in kind.columns if c.name == name), None)
            columns.append(
                {
                    "header": header,
                    "label": kind.label(column) if column else "",
                    "note": kind.notes.get(column.name, "") if column else "",
                }
            )
        rows = []
        for line, record in table.records():
            cells = [cell.strip()[:PREVIEW_CHARS] for cell in record[:width]]
            cells += [""] * (width - len(cells))
            rows.append([line, cells])
            if len(rows) >= PREVIEW_ROWS:
                break
    missing = [kind.label(c) for c in kind.columns if not table.has(c.name)]
    required = [kind.label(c) for c in kind.columns if c.required and not table.has(c.name)]
    return {
        "columns": columns,
        "rows": rows,
        "missing": missing,
        "missing_required": required,
        "encoding": table.encoding,
    }


# -- progress --------------------------------------------------------------------------------


class JobProgress(Progress):
    """Progress written to the job's folder, where the page reads it (and the heartbeat)."""

    def __init__(self, path: Path, step: str) -> None:
        self.path = path
        self.step = step
        self.total = 0
        self.unit = ""
        self.done = 0
        self.written = 0.0
        self.lock = threading.Lock()

    def start(self, total: int | None, unit: str) -> None:
        self.total, self.unit, self.done = total or 0, unit, 0
        self.write()

    def update_to(self, done: int) -> None:
        self.done = done
        if time.monotonic() - self.written >= WRITE_EVERY:
            self.write()

    def finish(self) -> None:
        self.write()

    def write(self) -> None:
        """Replace the file whole, so a reader never sees half of it."""
        state = {
            "step": self.step,
            "done": self.done,
            "total": self.total,
            "unit": self.unit,
            "at": time.time(),
        }
        with self.lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(".tmp")
            partial.write_text(json.dumps(state), encoding="utf-8")
            os.replace(partial, self.path)
            self.written = time.monotonic()


class Heartbeat:
    """Rewrites the progress file every few seconds while the step runs, however slow a row."""

    def __init__(self, tracker: JobProgress) -> None:
        self.tracker = tracker
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.beat, name="import-heartbeat", daemon=True)

    def beat(self) -> None:
        while not self.stopped.wait(HEARTBEAT_EVERY):
            self.tracker.write()

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()
        self.tracker.write()


@dataclass(frozen=True)
class LiveProgress:
    """How far a running step got, as the page shows it."""

    percent: int
    rows: int  # rows read so far, about
    total: int
    saving: bool  # every row read: the last batch and the commit


def live_progress(job: ImportJob) -> LiveProgress | None:
    state = _progress_file(job)
    if state is None or not state.get("total"):
        return None
    done, total = int(state["done"]), int(state["total"])
    fraction = min(done / total, 1.0) if total else 0.0
    rows = job.rows_total
    if state.get("unit") == "行":  # an .xlsx: lines, the header among them
        rows = max(total - 1, 0)
    return LiveProgress(int(fraction * 100), int(fraction * rows), rows, done >= total)


def background_rows() -> int:
    return int(settings.MINPING_IMPORT_BACKGROUND_ROWS)


def waiting_long(job: ImportJob) -> bool:
    """Waiting for the worker longer than it takes to notice a task: is a worker running?"""
    if job.state != State.WAITING:
        return False
    since = job.confirmed_at or job.created
    return (timezone.now() - since).total_seconds() > WAITING_LONG


def is_stalled(job: ImportJob) -> bool:
    """A running step whose heartbeat stopped: the worker or the server was cut off."""
    if job.state not in RUNNING:
        return False
    state = _progress_file(job)
    last = float(state["at"]) if state else (job.started_at or job.created).timestamp()
    return time.time() - last > settings.MINPING_IMPORT_STALE_SECONDS


def _progress_file(job: ImportJob) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads((folder_of(job) / PROGRESS).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return state


# -- problems ------------------------------------------------------------------------------


class ProblemFile:
    """Every problem of a step, one JSON line each: [line, column, message]."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.first_problem: InputProblem | None = None
        self.out: IO[str] | None = None

    def __enter__(self) -> ProblemFile:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.out = open(self.path, "w", encoding="utf-8")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.out is not None:
            self.out.close()
            self.out = None

    def add(self, problem: InputProblem) -> None:
        assert self.out is not None
        if self.first_problem is None:
            self.first_problem = problem
        self.count += 1
        self.out.write(json.dumps([problem.line, problem.column, problem.message]) + "\n")

    def take(self, invalid: InvalidInput) -> None:
        """Add the problems of an InvalidInput the collector did not see (a file refused whole,
        a row too long to read): those the collector raised are in the file already."""
        if invalid.problems and invalid.problems[0] is self.first_problem:
            return
        for problem in invalid.problems:
            self.add(problem)
        self.count += invalid.total - len(invalid.problems)

    def first(self) -> list[tuple[int | None, str, str]]:
        assert self.out is not None
        self.out.flush()
        return list(_read_problems(self.path, MAX_REPORTED))


def problem_rows(job: ImportJob) -> Iterator[tuple[int | None, str, str]]:
    """Every problem of the job's last step, for the download."""
    yield from _read_problems(folder_of(job) / PROBLEMS, None)


def _read_problems(path: Path, limit: int | None) -> Iterator[tuple[int | None, str, str]]:
    try:
        f = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError:
        return
    with f:
        for number, text in enumerate(f):
            if limit is not None and number >= limit:
                return
            line, column, message = json.loads(text)
            yield line, column, message


def kind_name(code: str) -> str:
    return KIND_NAMES.get(code, code)
