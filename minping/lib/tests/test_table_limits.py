"""Spreadsheet bombs are refused before anything reads them; large honest files still import.

The probe's two files are built here, small on disk: a 1.6 KB-class .xlsx with a
cell at XFD1048576 (calamine allocated the whole range and the process died of
SIGABRT) and a 400 KB .xlsx holding a 400 MB cell (3 GB of memory, 419 MB of
error output). Reading them runs in a child process under a memory limit, so a
regression kills the child, not the test run.
"""

from __future__ import annotations

import io
import os
import re
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator, Sequence
from io import StringIO
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minping.lib import tabular
from minping.lib.errors import InvalidInput
from minping.lib.table_limits import MAX_CELL_CHARS, check_xlsx
from minping.lib.tabular import Column, open_table
from minping.lib.tests.import_fixtures import FilesMixin, make_campaign
from minping.test import BaseTestCase

UNIT_COLUMNS = (Column("code", ("代码",)), Column("name", ("名称",)))
SHEET = "xl/worksheets/sheet1.xml"
MiB = 1 << 20

# What an import does first, in a child process: open the table and read every row. The
# child limits its own address space, and reports its peak resident memory (VmHWM, which
# unlike ru_maxrss does not count the test process it was forked from).
CHILD = """
import re, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from minping.lib.errors import InvalidInput
from minping.lib.tabular import Column, open_table

def peak():
    with open("/proc/self/status") as status:
        print("peak", re.search(r"VmHWM:\\s*(\\d+)", status.read()).group(1))

try:
    with open_table(sys.argv[1], [Column("code"), Column("name")]) as table:
{body}
except InvalidInput as refusal:
    print("\\n".join(refusal.lines()))
    peak()
    sys.exit(3)
peak()
"""
READ = """
        rows = sum(1 for _ in table.rows())
    print(f"read {rows} rows")
"""
# Opening a large honest workbook: the check, and the reader it chooses.
OPEN = """
        print("streamed" if table._streamed is not None else "calamine", table.total)
"""
CHILD_MEMORY = 1 << 30  # address space; the bombs wanted 3 GB and 550 GB
ATTEMPT, OPEN = (CHILD.format(limit=CHILD_MEMORY, body=body.strip("\n")) for body in (READ, OPEN))


def workbook(rows: Sequence[Sequence[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewrite(
    data: bytes,
    path: Path,
    write_sheet: Callable[[zipfile.ZipFile, bytes], None],
    level: int = 9,
) -> Path:
    """``data`` with its first worksheet written anew by ``write_sheet(archive, old_xml)``."""
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target,
    ):
        for info in source.infolist():
            body = source.read(info)
            if info.filename == SHEET:
                write_sheet(target, body)
            else:
                target.writestr(info.filename, body)
    return path


def with_rows(extra: bytes) -> Callable[[zipfile.ZipFile, bytes], None]:
    """A sheet writer that appends ``extra`` to the sheet's data."""

    def write(archive: zipfile.ZipFile, xml: bytes) -> None:
        archive.writestr(SHEET, xml.replace(b"</sheetData>", extra + b"</sheetData>"))

    return write


def streamed_rows(
    pieces: Callable[[], Iterator[bytes]],
) -> Callable[[zipfile.ZipFile, bytes], None]:
    """A sheet writer that streams rows into the zip, so a huge sheet is never in memory."""

    def write(archive: zipfile.ZipFile, xml: bytes) -> None:
        head, tail = xml.split(b"</sheetData>")
        with archive.open(SHEET, "w", force_zip64=True) as out:
            out.write(head)
            for piece in pieces():
                out.write(piece)
            out.write(b"</sheetData>" + tail)

    return write


UNITS = [["code", "name"], ["gaj", "公安局"]]


def far_cell(path: Path) -> Path:
    """The probe's first file: one value at XFD1048576, Excel's last cell."""
    extra = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return rewrite(workbook(UNITS), path, with_rows(extra))


def big_cell(path: Path, size: int = 400 * MiB) -> Path:
    """The probe's second file: a cell of ``size`` letters, which deflate shrinks 1000-fold."""

    def pieces() -> Iterator[bytes]:
        yield b'<row r="3"><c r="A3" t="inlineStr"><is><t>'
        chunk = b"A" * MiB
        for _ in range(size // MiB):
            yield chunk
        yield b'</t></is></c><c r="B3" t="inlineStr"><is><t>x</t></is></c></row>'

    return rewrite(workbook(UNITS), path, streamed_rows(pieces))


class BombTest(FilesMixin):
    def attempt(self, path: Path, script: str = ATTEMPT) -> tuple[int, str, int]:
        """Run ``script`` on ``path`` in a child limited to CHILD_MEMORY.

        Returns its exit status, its output and its peak resident memory.
        """
        child = subprocess.run(
            [sys.executable, "-c", script, str(path)],
            capture_output=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])},
            timeout=600,
        )
        output = (child.stdout + child.stderr).decode("utf-8", "replace")
        found = re.search(r"^peak (\d+)$", output, re.MULTILINE)
        peak = int(found.group(1)) * 1024 if found else 0
        return child.returncode, re.sub(r"^peak \d+\n?", "", output, flags=re.MULTILINE), peak

    def assertRefused(self, path: Path, reason: str) -> None:
        status, output, peak = self.attempt(path)
        self.assertEqual(status, 3, f"the reader did not refuse cleanly: {output[-2000:]}")
        self.assertIn("文件过大或结构异常:", output)
        self.assertIn(reason, output)
        self.assertLess(len(output), 1000)
        self.assertLess(peak, 200 * MiB)

    def test_a_cell_at_xfd1048576_is_refused_not_a_crash(self) -> None:
        path = far_cell(self.dir / "far.xlsx")
        self.assertLess(path.stat().st_size, 8 * 1024)
        self.assertRefused(path, "工作表有 16384 列,最多只能有 200 列")

    @pytest.mark.slow
    def test_a_400_mb_cell_is_refused_in_little_memory(self) -> None:
        path = big_cell(self.dir / "big.xlsx")
        self.assertLess(path.stat().st_size, 600 * 1024)
        self.assertRefused(path, "第 3 行有单元格的内容超过 512 KB")

    @pytest.mark.slow
    def test_excels_largest_sheet_is_checked_in_little_memory(self) -> None:
        # 1,048,576 rows of five columns, as a million-ballot file has: 190 MB of XML.
        def pieces() -> Iterator[bytes]:
            for start in range(3, 1_048_577, 4096):
                yield b"".join(
                    b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Q%d</t></is></c>'
                    b'<c r="B%d"><v>1</v></c><c r="C%d"><v>2</v></c><c r="D%d"><v>3</v></c>'
                    b'<c r="E%d"><v>4</v></c></row>' % ((n,) * 7)
                    for n in range(start, min(start + 4096, 1_048_577))
                )

        path = rewrite(workbook(UNITS), self.dir / "huge.xlsx", streamed_rows(pieces), level=1)
        status, output, peak = self.attempt(path, OPEN)
        # Too many cells for calamine's whole-sheet memory: openpyxl streams it.
        self.assertEqual((status, output.strip()), (0, "streamed 1048576"))
        self.assertLess(peak, 200 * MiB)

    def test_an_honest_workbook_is_read_in_the_child(self) -> None:
        path = self.dir / "units.xlsx"
        path.write_bytes(workbook(UNITS))
        status, output, _ = self.attempt(path)
        self.assertEqual((status, output.strip()), (0, "read 1 rows"))


class XlsxCheckTest(FilesMixin):
    def refusal(self, path: Path) -> str:
        with self.assertRaises(InvalidInput) as caught:
            check_xlsx(path, path.name)
        return str(caught.exception.problems[0])

    def test_a_declared_range_beyond_the_limits(self) -> None:
        def write(archive: zipfile.ZipFile, xml: bytes) -> None:
            archive.writestr(
                SHEET,
                re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', xml),
            )

        path = rewrite(workbook(UNITS), self.dir / "dim.xlsx", write)
        self.assertIn("声明的范围有 1048576 行 × 16384 列", self.refusal(path))

    def test_cells_named_again_and_again_in_one_row(self) -> None:
        extra = b'<row r="3">' + b'<c r="A3"><v>1</v></c>' * 20_000 + b"</row>"
        path = rewrite(workbook(UNITS), self.dir / "same.xlsx", with_rows(extra))
        self.assertIn("第 3 行超过 16384 个单元格", self.refusal(path))

    def test_a_cell_nested_in_a_cell(self) -> None:
        extra = b'<row r="3"><c r="A3" t="inlineStr"><is><c r="XFD9"/></is></c></row>'
        path = rewrite(workbook(UNITS), self.dir / "nested.xlsx", with_rows(extra))
        self.assertIn("第 3 行有嵌套的单元格", self.refusal(path))
        # calamine would start row 5,000,000 here and put the next cells in it.
        extra = b'<row r="3"><row r="5000000"/><c><v>1</v></c></row>'
        path = rewrite(workbook(UNITS), self.dir / "row-in-row.xlsx", with_rows(extra))
        self.assertIn("第 3 行中有嵌套的行", self.refusal(path))

    def test_entities_are_refused(self) -> None:
        def write(archive: zipfile.ZipFile, xml: bytes) -> None:
            bomb = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            archive.writestr(SHEET, xml.replace(b"<worksheet", bomb + b"<worksheet", 1))

        path = rewrite(workbook(UNITS), self.dir / "entity.xlsx", write)
        self.assertIn("DOCTYPE", self.refusal(path))

    def test_a_long_comment_is_not_held(self) -> None:
        def pieces() -> Iterator[bytes]:
            yield b"<!--"
            for _ in range(3):
                yield b"<" * MiB
            yield b"-->"

        path = rewrite(workbook(UNITS), self.dir / "comment.xlsx", streamed_rows(pieces))
        self.assertIn("有一段标记或注释超过 1 MB", self.refusal(path))

    def test_a_member_that_inflates_past_its_declared_size(self) -> None:
        extra = b"".join(
            b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(3, 3000)
        )
        path = rewrite(workbook(UNITS), self.dir / "lying.xlsx", with_rows(extra))
        declare_size(path, SHEET, 1000)
        self.assertIn("比压缩包记录的大小更大", self.refusal(path))

    def test_too_many_members(self) -> None:
        path = self.dir / "many.xlsx"
        with zipfile.ZipFile(path, "w") as archive:
            for n in range(2001):
                archive.writestr(f"x/{n}", b"")
        self.assertIn("压缩包内有 2001 个文件", self.refusal(path))

    def test_sizes_the_directory_declares(self) -> None:
        path = self.dir / "declared.xlsx"
        path.write_bytes(workbook(UNITS))
        declare_size(path, "xl/styles.xml", 100 * MiB, local=False)
        self.assertIn("“xl/styles.xml”解压后有 100 MB,超过 16 MB", self.refusal(path))

    def test_a_formatted_but_empty_far_cell_does_not_count(self) -> None:
        # Excel writes formatting-only cells; calamine skips them, so they take no room.
        extra = b'<row r="9"><c r="XFD9" s="0"/></row>'
        path = rewrite(workbook(UNITS), self.dir / "styled.xlsx", with_rows(extra))
        facts = check_xlsx(path, path.name)
        self.assertEqual((facts.sheet.rows, facts.sheet.columns), (2, 2))
        with open_table(path, UNIT_COLUMNS) as table:
            self.assertEqual([r.cells for r in table.rows()], [{"code": "gaj", "name": "公安局"}])

    def test_a_stale_declared_range_does_not_cut_a_streamed_sheet_short(self) -> None:
        # openpyxl stops at the range the sheet declares; before the check counted the rows,
        # a large file declaring A1:B2 imported its first row and dropped the rest unsaid.
        extra = b"".join(
            b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d"><v>1</v></c></row>' % (n, n, n, n)
            for n in range(3, 11)
        )
        path = rewrite(workbook(UNITS), self.dir / "stale.xlsx", with_rows(extra))
        with (
            mock.patch.object(tabular, "XLSX_STREAM_ABOVE", 0),
            open_table(path, UNIT_COLUMNS) as table,
        ):
            self.assertIsNotNone(table._streamed)
            self.assertEqual([r.line for r in table.rows()], list(range(2, 11)))

    def test_only_the_first_sheet_must_keep_to_the_column_limit(self) -> None:
        book = openpyxl.Workbook()
        first = book.active
        assert first is not None
        for row in UNITS:
            first.append(row)
        book.create_sheet("说明").append([f"第 {n} 列" for n in range(1, 301)])
        path = self.dir / "two.xlsx"
        book.save(path)
        self.assertEqual(check_xlsx(path, path.name).sheet.columns, 2)
        book.move_sheet("说明", offset=-1)
        book.save(path)
        self.assertIn("工作表有 300 列", self.refusal(path))


def declare_size(path: Path, name: str, size: int, local: bool = True) -> None:
    """Rewrite the uncompressed size a member's headers declare (the data stays as it is)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    if local:
        struct.pack_into("<I", data, info.header_offset + 22, size)
    end = data.rindex(b"PK\x05\x06")
    at = struct.unpack_from("<I", data, end + 16)[0]  # where the central directory starts
    while True:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length].decode() == name:
            struct.pack_into("<I", data, at + 24, size)
            break
        extra, comment = struct.unpack_from("<HH", data, at + 30)
        at += 46 + length + extra + comment
    path.write_bytes(bytes(data))


class CsvLimitTest(FilesMixin):
    def refusal(self, path: Path) -> str:
        with self.assertRaises(InvalidInput) as caught, open_table(path, UNIT_COLUMNS) as table:
            list(table.rows())
        self.assertEqual(len(caught.exception.problems), 1)
        return str(caught.exception.problems[0])

    def test_a_cell_longer_than_excel_allows(self) -> None:
        path = self.csv_file([["code", "name"], ["gaj", "公" * (MAX_CELL_CHARS + 1)]])
        self.assertIn("第 2 行第 2 列的内容超过 32767 个字符", self.refusal(path))

    def test_a_field_past_the_csv_modules_limit_is_told_in_chinese(self) -> None:
        path = self.csv_file([["code", "name"], ["gaj", '"' + "x" * 200_000]])
        message = self.refusal(path)
        self.assertIn("第 2 行有单元格超过 32767 个字符", message)
        self.assertNotIn("field", message)

    def test_a_line_past_the_record_limit(self) -> None:
        path = self.dir / "long.csv"
        path.write_text("code,name\ngaj," + "," * 3000 + "\n", encoding="utf-8")
        with mock.patch.object(tabular, "MAX_LINE_CHARS", 1000):
            self.assertIn("第 2 行超过 1000 个字符", self.refusal(path))

    def test_columns_count_up_to_the_last_non_empty_one(self) -> None:
        wide = self.csv_file([["code", "name", *[""] * 300], ["gaj", "公安局", *[""] * 300]])
        with open_table(wide, UNIT_COLUMNS) as table:
            self.assertEqual(len(list(table.rows())), 1)
        too_wide = self.csv_file([["code", "name", *["x"] * 199], ["gaj", "公安局"]])
        self.assertIn("第 1 行有 201 列,最多只能有 200 列", self.refusal(too_wide))

    def test_rows_and_file_size(self) -> None:
        path = self.csv_file([["code", "name"]] + [["gaj", "公安局"]] * 20)
        with mock.patch.object(tabular, "MAX_ROWS", 10):
            self.assertIn("超过 10 行", self.refusal(path))
        with mock.patch.object(tabular, "MAX_FILE_BYTES", 100):
            self.assertIn("文件过大或结构异常:文件有", self.refusal(path))

    def test_an_xlsx_cell_longer_than_excel_allows(self) -> None:
        extra = (
            b'<row r="3"><c r="A3" t="inlineStr"><is><t>' + b"x" * 40_000 + b"</t></is></c></row>"
        )
        path = rewrite(workbook(UNITS), self.dir / "long.xlsx", with_rows(extra))
        self.assertIn("第 3 行第 1 列的内容超过 32767 个字符", self.refusal(path))


class ErrorReportTest(FilesMixin, BaseTestCase):
    def test_many_long_bad_values_print_a_short_report(self) -> None:
        # 250 rows, each naming a different unknown level of 30,000 characters: the report
        # lists 200 problems, each quoting 50 characters of the value, and counts the rest.
        make_campaign()
        header = ["ballot", "method", "unit", "indicator", "level"]
        rows = [
            [f"Q{n}", "online", "gaj", "sifeng", f"{n:05d}" + "级" * 30_000] for n in range(250)
        ]
        path = self.csv_file([header, *rows])
        err = StringIO()
        with self.assertRaisesMessage(CommandError, "有 250 处错误,未作任何改动。"):
            call_command("import", "ballots", "yc-2018", str(path), stdout=StringIO(), stderr=err)
        lines = err.getvalue().splitlines()
        self.assertEqual(len(lines), 201)
        self.assertEqual(lines[-1], "……另有 50 处错误未列出")
        self.assertIn("本活动没有评价等级“00000" + "级" * 45 + "…”(共 30005 字)", lines[0])
        self.assertLess(len(err.getvalue()), 40_000)
