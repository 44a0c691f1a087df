"""Backup and restore (issue 14): the restore drill, on the database the suite runs on.

The drill fills a real installation through the office's own commands and actions (units,
a campaign, ballots, scores, deductions, vetoes, saved results, a deduction with a PDF
attached), backs it up with ``minping backup``, restores it with ``minping restore`` into a
fresh database and a fresh uploads folder, and compares what an auditor would: the rows
of every table, the upload's bytes, the audit chain and its head. A copy of the backup
with one altered byte is refused first, and a second restore onto the restored (so
non-empty) database after: both change nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import override_settings

from minping.lib.tests.drill import small_pdf
from minping.ops.backup import BackupRefused, make_backup, read_manifest

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
DATABASE = settings.DATABASES["default"]


def _postgres(dbname: str) -> Any:
    import psycopg

    return psycopg.connect(
        host=DATABASE.get("HOST") or None,
        port=DATABASE.get("PORT") or None,
        user=DATABASE.get("USER") or None,
        password=DATABASE.get("PASSWORD") or None,
        dbname=dbname,
        autocommit=True,
    )


@dataclass
class Installation:
    """One installation: a data folder and, on PostgreSQL, a database of its own."""

    data: Path
    database: str | None  # the PostgreSQL database's name; None: SQLite in ``data``

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env["MINPING_DATA_DIR"] = str(self.data)
        if self.database is not None:
            user = quote(str(DATABASE.get("USER") or ""))
            password = f":{quote(str(DATABASE['PASSWORD']))}" if DATABASE.get("PASSWORD") else ""
            where = f"{DATABASE.get('HOST') or 'localhost'}:{DATABASE.get('PORT') or 5432}"
            env["DATABASE_URL"] = f"postgres://{user}{password}@{where}/{self.database}"
        done = subprocess.run(
            [sys.executable, "-m", "minping.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert done.returncode == 0, done.stderr
        return done

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.database is None:
            path = self.data / "minping.sqlite3"
            with closing(sqlite3.connect(path)) as db:
                return db.execute(sql).fetchall()
        with _postgres(self.database) as db:
            return db.execute(sql).fetchall()

    def tables(self) -> list[str]:
        sql = (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            if self.database is None
            else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
        return sorted(name for (name,) in self.query(sql))

    def counts(self) -> dict[str, int]:
        return {t: self.query(f'SELECT COUNT(*) FROM "{t}"')[0][0] for t in self.tables()}

    def head(self) -> dict[str, Any]:
        ((seq, digest),) = self.query("SELECT seq, hash FROM audit_audithead WHERE id = 1")
        return {"seq": seq, "hash": digest}

    def uploads(self) -> list[Path]:
        return sorted(p for p in (self.data / "uploads").rglob("*") if p.is_file())


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[Callable[[str], Installation]]:
    """Makes fresh installations; on PostgreSQL creates their databases and drops them after."""
    made: list[str] = []
    # Unique per xdist worker and per concurrent run of the suite on the same server.
    prefix = f"minping_drill_{os.getpid()}"

    def make(name: str) -> Installation:
        database = None
        if ON_POSTGRESQL:
            database = f"{prefix}_{name}"
            with _postgres("postgres") as db:
                db.execute(f'DROP DATABASE IF EXISTS "{database}"')
                db.execute(f'CREATE DATABASE "{database}"')
            made.append(database)
        return Installation(tmp_path / name, database)

    yield make
    if made:
        with _postgres("postgres") as db:
            for database in made:
                db.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.mark.slow
def test_restore_drill(installation: Callable[[str], Installation], tmp_path: Path) -> None:
    source = installation("source")
    source.run("migrate", "-v", "0")
    source.run("shell", "-c", "from minping.lib.tests.drill import populate; populate()")
    before = source.counts()
    # The drill means something only if it moved real data through every part.
    assert before["surveys_answer"] > 1000 and before["audit_auditentry"] >= 8
    assert before["scoring_resultsnapshot"] == 1 and len(source.uploads()) == 1

    folder = tmp_path / "backup"
    made = source.run("backup", str(folder))
    for warned in ("SECRET_KEY", "MINPING_SURVEY_KEY", "一人一票", "会话", "审计"):
        assert warned in made.stderr
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["database"]["kind"] == ("postgresql" if ON_POSTGRESQL else "sqlite")
    assert manifest["audit_head"] == source.head()
    assert manifest["tables"] == before

    # One altered byte in an upload: refused before the (still empty) target is touched.
    tampered = tmp_path / "tampered"
    shutil.copytree(folder, tampered)
    damaged = next(p for p in (tampered / "uploads").rglob("*") if p.is_file())
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"!")
    target = installation("target")
    refused = target.run("restore", str(tampered), check=False)
    assert refused.returncode == 1 and "校验和" in refused.stderr
    assert target.tables() == [] and target.uploads() == []
    assert not any(p.name.startswith(".") for p in target.data.iterdir())

    restored = target.run("restore", str(folder))
    assert "审计日志校验通过" in restored.stdout
    assert target.counts() == before
    assert target.head() == manifest["audit_head"]
    ((name,),) = target.query("SELECT attachment FROM oversight_deduction WHERE attachment <> ''")
    assert (target.data / "uploads" / name).read_bytes() == small_pdf()
    assert "哈希链无断点" in target.run("audit", "verify").stdout

    # A second restore onto the restored (so non-empty) database is refused.
    again = target.run("restore", str(folder), check=False)
    assert again.returncode == 1 and "不是空的" in again.stderr
    assert target.counts() == before


def test_a_backup_goes_only_into_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "old-backup.txt").write_text("keep me")
    with pytest.raises(BackupRefused, match="不是空目录"):
        make_backup(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["old-backup.txt"]


def test_a_folder_without_a_manifest_is_not_a_backup(tmp_path: Path) -> None:
    with pytest.raises(BackupRefused, match=r"没有 manifest\.json"):
        read_manifest(tmp_path)


def test_a_manifest_naming_a_path_outside_the_backup_is_refused(tmp_path: Path) -> None:
    manifest = {
        "format": 1,
        "database": {"kind": "sqlite", "file": "database.sqlite3"},
        "audit_head": {"seq": 0, "hash": "0" * 64},
        "tables": {},
        "files": {
            "database.sqlite3": {"sha256": "0" * 64, "bytes": 0},
            "uploads/../../etc/cron.d/x": {"sha256": "0" * 64, "bytes": 0},
        },
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BackupRefused, match="备份目录以外的路径"):
        read_manifest(tmp_path)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="pg_dump is for PostgreSQL")
@pytest.mark.django_db
def test_a_pg_dump_older_than_the_server_is_refused(tmp_path: Path) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    with (
        override_settings(MINPING_PG_BIN=str(tools)),
        pytest.raises(BackupRefused, match=r"postgresql-client-\d+"),
    ):
        make_backup(tmp_path / "backup")
    assert not (tmp_path / "backup").exists()


@pytest.mark.slow
@pytest.mark.skipif(not ON_POSTGRESQL, reason="the exported snapshot is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_the_audit_log_grows_agrees_with_its_manifest(
    installation: Callable[[str], Installation], tmp_path: Path
) -> None:
    """pg_dump, the audit head and the row counts come from one snapshot.

    A thread appends audit entries all through the backup; had the head or the counts
    been read outside pg_dump's snapshot, the dump would hold entries the manifest does
    not, and ``minping restore`` (which compares them) would refuse the result.
    """
    from django.db import connection, transaction

    from minping.audit import log
    from minping.audit.models import AuditHead

    stop, written = threading.Event(), list[int]()

    def append() -> None:
        try:
            while not stop.is_set():
                with transaction.atomic():
                    log.record("drill.tick", detail={"n": len(written)})
                written.append(1)
        finally:
            connection.close()

    with transaction.atomic():
        log.record("drill.start")
    writer = threading.Thread(target=append)
    writer.start()
    try:
        while len(written) < 5:  # the writer is running before the backup starts
            time.sleep(0.01)
        manifest = make_backup(tmp_path / "backup")
        during = len(written)
    finally:
        stop.set()
        writer.join()
    head = AuditHead.objects.get(id=1)
    assert head.seq > manifest["audit_head"]["seq"] > 5  # entries before, during and after
    assert during > 5
    target = installation("target")
    restored = target.run("restore", str(tmp_path / "backup"))
    assert "审计日志校验通过" in restored.stdout
    assert target.head() == manifest["audit_head"]
