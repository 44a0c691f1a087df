"""Backup and restore of an installation: the database, the uploaded files and the audit head.

``make_backup(folder)`` writes into a new or empty folder:

- ``database.pgdump`` (``pg_dump`` custom format) or ``database.sqlite3`` (SQLite's online
  backup API): one consistent snapshot, taken while the site keeps running;
- ``uploads/…``: every uploaded file, copied after the database, so that every file the
  dump refers to is there;
- ``manifest.json``, written last: the SHA-256 and size of every file, and the audit head
  and the row count of every table as they stood in the dump's own snapshot.

``restore_backup(folder)`` checks the manifest and every checksum, refuses anything but an
empty database and an empty uploads folder, then restores both and checks the restored
database against the manifest (audit chain, head, row counts).

The keys (``SECRET_KEY``, ``MINPING_SURVEY_KEY``, the audit key) are never in a backup:
whoever holds a copy of the backup must not hold them too. ``KEYS_WARNING`` says what is
lost without them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from minping.audit.log import verify
from minping.audit.models import GENESIS, AuditHead
from minping.lib.progress import Progress
from minping.oversight.storage import upload_storage

MANIFEST = "manifest.json"
FORMAT = 1
UPLOADS = "uploads"
DUMP_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
KIND_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
CHUNK = 1024 * 1024

KEYS_WARNING = (
    "注意:备份中不含密钥。SECRET_KEY、MINPING_SURVEY_KEY 和审计密钥(MINPING_AUDIT_KEY)"
    "须另行保管,不要和备份放在一起;恢复时须使用原来的值。缺少它们时:"
    "手机号和邀请对象的哈希无法再比对,本次活动余下的时间里无法保证一人一票,已发出的短码失效;"
    "所有登录会话和签名的链接、Cookie 失效(窗口平板须重新配对);审计链无法用密钥核对。"
)

# How a long step reports progress: given a description, something to report to.
ProgressFactory = Callable[[str], Progress]


def _silent(_description: str) -> Progress:
    return Progress()


class BackupRefused(Exception):
    """The backup or restore did not start or was rolled back; nothing was changed."""


class RestoreMismatch(Exception):
    """The database was restored but does not match what the manifest promised."""


@dataclass(frozen=True)
class Snapshot:
    """What the dump holds, read from the dump's own snapshot."""

    audit_head: dict[str, Any]
    tables: dict[str, int]
    details: dict[str, Any]


# ---------------------------------------------------------------------------- backup


def make_backup(folder: Path, progress: ProgressFactory = _silent) -> dict[str, Any]:
    """Write a backup into ``folder`` (new or empty) and return its manifest."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupRefused(
            f"{folder} 已存在且不是空目录:备份只写入新的或空的目录,以免覆盖或混入别的文件。"
        )
    kind = database_kind()
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        dump = folder / DUMP_FILES[kind]
        snapshot = (
            _dump_postgresql(dump, progress)
            if kind == "postgresql"
            else _dump_sqlite(dump, progress)
        )
        files = {dump.name: _describe(dump, _sha256(dump, progress("校验数据库备份")))}
        files.update(_copy_uploads(_uploads_root(), folder / UPLOADS, progress))
        manifest = {
            "format": FORMAT,
            "minping": _minping_version(),
            "created": timezone.localtime().isoformat(timespec="seconds"),
            "database": {"kind": kind, "file": dump.name, **snapshot.details},
            "audit_head": snapshot.audit_head,
            "tables": snapshot.tables,
            "files": files,
            "not_included": ["SECRET_KEY", "MINPING_SURVEY_KEY", "MINPING_AUDIT_KEY"],
        }
        # Written last and atomically: a folder without a manifest is not a backup.
        partial = folder / f".{MANIFEST}.partial"
        partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        partial.replace(folder / MANIFEST)
    except BaseException:
        _empty(folder, remove=created)
        raise
    return manifest


def _copy_uploads(source: Path, target: Path, progress: ProgressFactory) -> dict[str, Any]:
    """Copy every uploaded file, hashing it as it is read; the manifest's entries."""
    found = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else []
    bar = progress("复制上传文件")
    bar.start(sum(p.stat().st_size for p in found), "B")
    done, files = 0, {}
    try:
        for path in found:
            relative = path.relative_to(source).as_posix()
            written = target / relative
            written.parent.mkdir(parents=True, exist_ok=True)
            digest = _copy(path, written, bar, done)
            done += written.stat().st_size
            files[f"{UPLOADS}/{relative}"] = _describe(written, digest)
    finally:
        bar.finish()
    return files


# ---------------------------------------------------------------------------- restore


def read_manifest(folder: Path) -> dict[str, Any]:
    """The backup's manifest, or BackupRefused saying why it cannot be used."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise BackupRefused(f"{folder} 中没有 {MANIFEST}:这不是 minping 的备份,或者备份没有完成。")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        kind = manifest["database"]["kind"]
        fmt = int(manifest["format"])
        files = manifest["files"]
        head = manifest["audit_head"]
        if not (
            isinstance(files, dict)
            and isinstance(manifest["tables"], dict)
            and isinstance(head["seq"], int)
            and isinstance(head["hash"], str)
            and all(isinstance(e["sha256"], str) and int(e["bytes"]) >= 0 for e in files.values())
        ):
            raise ValueError("字段类型不对")
    except (ValueError, KeyError, TypeError) as error:
        raise BackupRefused(f"{MANIFEST} 已损坏或不完整,无法恢复({error})。") from None
    if fmt > FORMAT:
        raise BackupRefused("这份备份来自更新版本的 minping,格式无法识别:请先升级 minping。")
    if kind not in DUMP_FILES or manifest["database"].get("file") not in files:
        raise BackupRefused(f"{MANIFEST} 没有列出可识别的数据库备份文件,无法恢复。")
    for name in files:
        parts = PurePosixPath(name).parts
        inside = name == manifest["database"]["file"] or (
            len(parts) > 1 and parts[0] == UPLOADS and ".." not in parts
        )
        if not inside or PurePosixPath(name).is_absolute():
            raise BackupRefused(f"{MANIFEST} 列出了备份目录以外的路径“{name}”,拒绝恢复。")
    return manifest


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    uploads: int
    needs_migrate: bool


def restore_backup(folder: Path, progress: ProgressFactory = _silent) -> Restored:
    """Restore the backup in ``folder`` onto the empty database and uploads folder."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    kind, dump = manifest["database"]["kind"], folder / manifest["database"]["file"]
    current = database_kind()
    if kind != current:
        raise BackupRefused(
            f"这是 {KIND_NAMES[kind]} 数据库的备份,而当前配置的数据库是 {KIND_NAMES[current]}:"
            f"请用 DATABASE_URL 指向一个空的 {KIND_NAMES[kind]} 数据库。"
        )
    tables = connection.introspection.table_names()
    if tables:
        raise BackupRefused(
            f"当前数据库不是空的(已有 {len(tables)} 张表,如 {tables[0]}):"
            "恢复只写入新建的空数据库,以免覆盖现有数据。"
            "请新建一个空数据库(不要运行 migrate),用 DATABASE_URL 指向它后再恢复。"
        )
    uploads = _uploads_root()
    if uploads.exists() and (not uploads.is_dir() or any(uploads.iterdir())):
        raise BackupRefused(
            f"上传文件目录 {uploads} 不是空的:恢复只写入空目录。"
            "请换一个空目录(MINPING_DATA_DIR),或确认不再需要后清空它。"
        )
    if kind == "postgresql":
        _check_restore_tools(manifest["database"])
    _check(dump, manifest["files"][dump.name], progress("校验数据库备份"))
    staging = uploads.with_name(f".{uploads.name}.restoring")
    shutil.rmtree(staging, ignore_errors=True)  # left by an interrupted restore
    try:
        count = _stage_uploads(folder, manifest["files"], staging, progress)
        if kind == "postgresql":
            _restore_postgresql(dump, len(manifest["tables"]), progress)
        else:
            _restore_sqlite(dump, progress)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if uploads.exists():
        uploads.rmdir()  # checked empty above
    uploads.parent.mkdir(parents=True, exist_ok=True)
    if staging.exists():
        staging.replace(uploads)
    _compare(manifest)
    return Restored(manifest, count, _needs_migrate())


def _stage_uploads(
    folder: Path, files: dict[str, Any], staging: Path, progress: ProgressFactory
) -> int:
    """Copy the listed uploads into ``staging``, checking each checksum on the way."""
    listed = {name: entry for name, entry in files.items() if name.startswith(f"{UPLOADS}/")}
    bar = progress("恢复上传文件")
    bar.start(sum(int(entry["bytes"]) for entry in listed.values()), "B")
    done = 0
    try:
        for name, entry in sorted(listed.items()):
            source = folder / name
            if not source.is_file():
                raise BackupRefused(f"备份中缺少文件 {name}:备份不完整,未作任何改动。")
            target = staging / PurePosixPath(name).relative_to(UPLOADS)
            target.parent.mkdir(parents=True, exist_ok=True)
            if _copy(source, target, bar, done) != entry["sha256"]:
                raise BackupRefused(_corrupt(name))
            done += int(entry["bytes"])
    finally:
        bar.finish()
    return len(listed)


def _compare(manifest: dict[str, Any]) -> None:
    """The restored database against the manifest: chain intact, same head, same rows."""
    problems = [problem.message for problem in verify()]
    head = _audit_head()
    if head != manifest["audit_head"]:
        problems.append(
            f"审计链头为第 {head['seq']} 条,备份清单记录的是第 {manifest['audit_head']['seq']} 条"
        )
    counts = _count_rows()
    for table, rows in manifest["tables"].items():
        if counts.get(table) != rows:
            problems.append(f"表 {table} 有 {counts.get(table, 0)} 行,备份时为 {rows} 行")
    if problems:
        raise RestoreMismatch("恢复后的数据库与备份清单不符:" + ";".join(problems[:20]))


def _needs_migrate() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


# ---------------------------------------------------------------------------- databases


def database_kind() -> str:
    vendor = connection.vendor
    if vendor not in DUMP_FILES:
        raise BackupRefused(f"不支持备份 {vendor} 数据库:minping 只支持 PostgreSQL 和 SQLite。")
    return vendor


def _audit_head() -> dict[str, Any]:
    head = AuditHead.objects.filter(id=1).values_list("seq", "hash").first()
    seq, digest = head if head is not None else (0, GENESIS)
    return {"seq": seq, "hash": digest}


def _count_rows() -> dict[str, int]:
    """Rows per table of the current connection (inside its transaction, if any)."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _dump_postgresql(target: Path, progress: ProgressFactory) -> Snapshot:
    """pg_dump in a snapshot exported from a transaction that also reads the head and counts."""
    pg_dump = _pg_tool("pg_dump")
    tool, server = _tool_major(pg_dump), _server_major()
    if tool < server:
        raise BackupRefused(
            f"pg_dump 的版本({tool})低于数据库服务器({server}),无法备份:"
            f"请安装 PostgreSQL {server} 的客户端(Debian/Ubuntu:apt-get install "
            f"postgresql-client-{server}),或用 MINPING_PG_BIN 指向它所在的目录。"
        )
    connection.ensure_connection()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        head, tables = _audit_head(), _count_rows()
        # pg_dump joins the snapshot while this transaction is still open.
        _run_tool(
            [pg_dump, "--format=custom", "--verbose", f"--snapshot={snapshot}", f"--file={target}"],
            progress("导出数据库"),
            total=len(tables),
            marker="dumping contents of table",
        )
    return Snapshot(head, tables, {"server_major": server, "pg_dump_major": tool})


def _check_restore_tools(database: dict[str, Any]) -> None:
    pg_restore = _pg_tool("pg_restore")
    tool, server = _tool_major(pg_restore), _server_major()
    made_by, made_on = int(database.get("pg_dump_major", 0)), int(database.get("server_major", 0))
    if tool < made_by:
        raise BackupRefused(
            f"备份由 pg_dump {made_by} 导出,而 pg_restore 是 {tool} 版,无法读取:请安装 "
            f"postgresql-client-{made_by} 或更新版本,或用 MINPING_PG_BIN 指向它所在的目录。"
        )
    if server < made_on:
        raise BackupRefused(
            f"备份来自 PostgreSQL {made_on},当前服务器是 {server}:"
            f"请恢复到 PostgreSQL {made_on} 或更新版本的服务器。"
        )


def _restore_postgresql(dump: Path, tables: int, progress: ProgressFactory) -> None:
    """pg_restore in one transaction: on any error nothing of the backup stays."""
    connection.close()
    name = str(settings.DATABASES["default"]["NAME"])
    _run_tool(
        [
            _pg_tool("pg_restore"),
            *("--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges"),
            *("--verbose", f"--dbname={name}", str(dump)),
        ],
        progress("恢复数据库"),
        total=tables,
        marker="processing data for table",
    )


def _dump_sqlite(target: Path, progress: ProgressFactory) -> Snapshot:
    """SQLite's online backup API, page by page, inside one read transaction of the source.

    Holding the read transaction keeps the source's snapshot fixed, so writers (the site
    keeps running, WAL lets them) neither block the copy nor make it start over.
    """
    source = _sqlite_path()
    if not source.is_file():
        raise BackupRefused(f"找不到数据库文件 {source}。")
    with closing(sqlite3.connect(source, isolation_level=None)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        with closing(sqlite3.connect(target)) as copy:
            _sqlite_copy(reader, copy, progress("备份数据库"))
            reader.execute("COMMIT")
            # One self-contained file: no -wal beside it when the copy is opened again.
            copy.execute("PRAGMA journal_mode=DELETE")
            head = copy.execute("SELECT seq, hash FROM audit_audithead WHERE id = 1").fetchone()
            names = copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
            tables = {
                name: copy.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
                for (name,) in sorted(names)
            }
    seq, digest = head if head is not None else (0, GENESIS)
    return Snapshot({"seq": seq, "hash": digest}, tables, {})


def _restore_sqlite(dump: Path, progress: ProgressFactory) -> None:
    """Copy into a file beside the database, then put it in place in one rename."""
    target = _sqlite_path()
    connection.close()
    staging = target.with_name(f".{target.name}.restoring")
    staging.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(dump)) as source, closing(sqlite3.connect(staging)) as copy:
            _sqlite_copy(source, copy, progress("恢复数据库"))
        # The empty database's journal files must not be replayed onto the restored one.
        for suffix in ("-wal", "-shm", "-journal"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        staging.replace(target)
    finally:
        staging.unlink(missing_ok=True)


def _sqlite_copy(source: sqlite3.Connection, target: sqlite3.Connection, bar: Progress) -> None:
    started = False

    def report(_status: int, remaining: int, total: int) -> None:
        nonlocal started
        if not started:
            bar.start(total, "页")
            started = True
        bar.update_to(total - remaining)

    try:
        source.backup(target, pages=1024, progress=report)
    finally:
        bar.finish()


def _sqlite_path() -> Path:
    name = str(settings.DATABASES["default"]["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupRefused("内存中的 SQLite 数据库无法备份或恢复。")
    return Path(name)


# ---------------------------------------------------------------------------- PostgreSQL tools


def _pg_tool(name: str) -> str:
    folder = getattr(settings, "MINPING_PG_BIN", "")
    path = str(Path(folder) / name) if folder else shutil.which(name)
    if not path or not os.access(path, os.X_OK):
        raise BackupRefused(
            f"找不到 {name}:请安装与数据库服务器同一主版本的 PostgreSQL 客户端"
            "(Debian/Ubuntu:apt-get install postgresql-client-主版本号),"
            "或用 MINPING_PG_BIN 指向它所在的目录。"
        )
    return path


def _tool_major(path: str) -> int:
    # "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", _run([path, "--version"]).stdout)
    if found is None:
        raise BackupRefused(f"无法识别 {path} 的版本。")
    return int(found.group(1))


def _server_major() -> int:
    connection.ensure_connection()
    return int(connection.pg_version) // 10000  # type: ignore[attr-defined]


def _pg_environment() -> dict[str, str]:
    """The configured database as libpq's variables: the password never on a command line."""
    database: dict[str, Any] = dict(settings.DATABASES["default"])
    env = {**os.environ, "LC_ALL": "C", "PGCONNECT_TIMEOUT": "10"}
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if database.get(key):
            env[variable] = str(database[key])
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey", "passfile", "service"):
        if option in database.get("OPTIONS", {}):
            env[f"PG{option.upper()}"] = str(database["OPTIONS"][option])
    return env


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=_pg_environment(), capture_output=True, text=True, timeout=60
    )


def _run_tool(command: list[str], bar: Progress, *, total: int, marker: str) -> None:
    """Run pg_dump/pg_restore, counting tables on its verbose output; refuse on failure."""
    bar.start(total, "表")
    done, tail = 0, deque[str](maxlen=15)
    try:
        with subprocess.Popen(
            [*command, "--no-password"],
            env=_pg_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        ) as process:
            assert process.stderr is not None
            for line in process.stderr:
                if marker in line:
                    done += 1
                    bar.update_to(done)
                elif line.strip():
                    tail.append(line.rstrip())
    finally:
        bar.finish()
    if process.returncode != 0:
        details = "\n".join(line for line in tail if "error" in line.lower()) or "\n".join(tail)
        raise BackupRefused(
            f"{Path(command[0]).name} 失败(退出状态 {process.returncode}),未作任何改动:\n{details}"
        )


# ---------------------------------------------------------------------------- files


def _uploads_root() -> Path:
    return Path(upload_storage().location)


def _minping_version() -> str:
    try:
        return version("minping")
    except PackageNotFoundError:
        return "unknown"


def _chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _sha256(path: Path, bar: Progress | None = None) -> str:
    digest, done = hashlib.sha256(), 0
    if bar is not None:
        bar.start(path.stat().st_size, "B")
    try:
        for chunk in _chunks(path):
            digest.update(chunk)
            done += len(chunk)
            if bar is not None:
                bar.update_to(done)
    finally:
        if bar is not None:
            bar.finish()
    return digest.hexdigest()


def _copy(source: Path, target: Path, bar: Progress, before: int) -> str:
    """Copy one file, returning the SHA-256 of what was read; keeps the modification time.

    ``bar`` counts bytes over all files; ``before`` of them were copied already.
    """
    digest, done = hashlib.sha256(), before
    with open(target, "xb") as out:
        for chunk in _chunks(source):
            digest.update(chunk)
            out.write(chunk)
            done += len(chunk)
            bar.update_to(done)
    shutil.copystat(source, target)
    return digest.hexdigest()


def _describe(path: Path, digest: str) -> dict[str, Any]:
    return {"sha256": digest, "bytes": path.stat().st_size}


def _check(path: Path, entry: dict[str, Any], bar: Progress) -> None:
    if not path.is_file():
        raise BackupRefused(f"备份中缺少文件 {path.name}:备份不完整,未作任何改动。")
    if _sha256(path, bar) != entry["sha256"]:
        raise BackupRefused(_corrupt(path.name))


def _corrupt(name: str) -> str:
    return f"备份文件 {name} 的校验和与 {MANIFEST} 不符(文件已损坏或被改动),未作任何改动。"


def _empty(folder: Path, *, remove: bool) -> None:
    """Undo a failed backup: remove what it wrote (and the folder, if it made it)."""
    if remove:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
