"""Reading a user's table (CSV or XLSX) row by row, lines numbered as a spreadsheet shows them.

A CSV file is streamed, so memory does not grow with its size: one pass
before reading computes its SHA-256 and finds its encoding (UTF-8, UTF-8 with
a BOM, or GB18030 as Chinese Excel writes it), the second pass reads it. An
XLSX file is first checked by ``table_limits.check_xlsx`` (nothing opens a
workbook that breaks a limit), then read with calamine, which holds the first
sheet in (compact, native) memory, or, when that would be large, streamed
with openpyxl. Every table keeps the limits of ``table_limits``: rows,
columns, characters in a cell, and for CSV the length of a record.

Headers are matched by their English name or a Chinese alias, so ``单位`` and
``unit`` both work; problems name the column as the file's header spells it.
"""

from __future__ import annotations

import calendar
import codecs
import csv
import datetime
import hashlib
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import openpyxl
import python_calamine

from minping.lib.errors import InputProblem, InvalidInput
from minping.lib.progress import Progress
from minping.lib.table_limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_LINE_CHARS,
    MAX_ROWS,
    check_xlsx,
    size_text,
    too_large,
)

CHUNK = 1 << 20
# How often (in rows) the progress display is told where reading is.
PROGRESS_EVERY = 2000

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the pre-2007 .xls format
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# calamine holds a whole sheet in memory, about 50 MB for 100,000 rows (2 MB of
# .xlsx), and allocates every cell of the rectangle the cells span; above these
# sizes a workbook is streamed with openpyxl instead, about three times slower
# but in flat memory.
XLSX_STREAM_ABOVE = 5 * 2**20
CALAMINE_MAX_CELLS = 4_000_000
CALAMINE_MAX_XML_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Column:
    """A column an importer reads: its English header and the other headers accepted."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = True

    @property
    def label(self) -> str:
        """How messages name it: ``unit(单位)``."""
        return f"{self.name}({self.aliases[0]})" if self.aliases else self.name


class Row:
    """One data row: its line number and its cells by column name ("" when empty or absent)."""

    __slots__ = ("cells", "line")

    def __init__(self, line: int, cells: dict[str, str]) -> None:
        self.line = line
        self.cells = cells

    def __getitem__(self, name: str) -> str:
        return self.cells.get(name, "")

    def __repr__(self) -> str:
        return f"Row({self.line}, {self.cells!r})"


def problem(message: str, source: str = "") -> InvalidInput:
    """One problem with the file as a whole."""
    return InvalidInput([InputProblem(message)], source=source)


def normalise_header(text: str) -> str:
    """Lower-case, without spaces, a trailing note in brackets, or a required-mark ``*``."""
    text = re.sub(r"[((][^))]*[))]\s*$", "", text.strip())
    return re.sub(r"[\s*_]+", "", text).lower()


class Table:
    """An open CSV or XLSX file. Use as a context manager; iterate ``rows()`` once."""

    path: Path
    sha256: str
    encoding: str
    # Progress is reported in ``total`` units of ``unit``: bytes for CSV, rows for XLSX.
    total: int
    unit: str
    data_rows: int

    def __init__(self, path: Path | str, columns: Sequence[Column]) -> None:
        self.path = Path(path)
        self.columns = list(columns)
        self.name = self.path.name
        self.headers: dict[str, str] = {}  # column name -> the header as the file spells it
        self.header_cells: list[str] = []  # the header row as the file holds it, every cell
        self._index: list[tuple[str, int]] = []  # (column name, cell position)
        self._binary: BinaryIO | None = None
        self._workbook: python_calamine.CalamineWorkbook | None = None
        self._streamed: Any = None  # an openpyxl read-only workbook
        self._records: Iterator[list[Any]] = iter(())
        self._line = 0
        self._record_chars = 0  # characters of the CSV record being read
        self.data_rows = 0
        self.encoding = ""
        suffix = self.path.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise problem(
                f"只能导入 .csv 或 .xlsx 文件,“{self.name}”的扩展名是“{self.path.suffix}”",
                self.name,
            )
        self.kind = suffix[1:]
        if not self.path.is_file():
            raise FileNotFoundError(2, "No such file", str(self.path))
        size = self.path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise too_large(f"文件有 {size_text(size)},超过 {size_text(MAX_FILE_BYTES)}", self.name)
        try:
            if self.kind == "csv":
                self._open_csv()
            else:
                self._open_xlsx()
            self._read_header()
        except BaseException:
            self.close()
            raise

    # -- opening -------------------------------------------------------------------------

    def _open_csv(self) -> None:
        self.sha256, self.encoding = scan_csv(self.path)
        self._binary = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        text = io.TextIOWrapper(self._binary, encoding=self.encoding, newline="")
        self.total, self.unit = self.path.stat().st_size, "B"
        self._records = csv.reader(self._capped_lines(text))

    def _capped_lines(self, text: io.TextIOWrapper) -> Iterator[str]:
        """The file's lines for csv.reader, refusing a record longer than MAX_LINE_CHARS.

        csv.reader would otherwise gather a line of any length, and a line of
        commas into as many fields.
        """
        while line := text.readline(MAX_LINE_CHARS + 1):
            self._record_chars += len(line)
            if self._record_chars > MAX_LINE_CHARS:
                raise too_large(f"第 {self._line + 1} 行超过 {MAX_LINE_CHARS} 个字符", self.name)
            yield line

    def _open_xlsx(self) -> None:
        self.sha256 = file_sha256(self.path)
        with open(self.path, "rb") as f:
            magic = f.read(8)
        if magic == OLE_MAGIC:
            raise problem("这是旧版 Excel(.xls)文件,请在 Excel 中另存为 .xlsx 或 CSV", self.name)
        if not magic.startswith(ZIP_MAGIC):
            raise problem("文件不是有效的 Excel(.xlsx)文件,无法打开", self.name)
        facts = check_xlsx(self.path, self.name)
        sheet = facts.sheet
        if (
            self.path.stat().st_size > XLSX_STREAM_ABOVE
            or sheet.cells > CALAMINE_MAX_CELLS
            or sheet.bytes + facts.shared_strings_bytes > CALAMINE_MAX_XML_BYTES
        ):
            self._open_xlsx_streamed(sheet.rows, sheet.columns)
            return
        try:
            workbook = python_calamine.CalamineWorkbook.from_path(str(self.path))
            if not workbook.sheet_names:
                raise problem("Excel 文件中没有工作表", self.name)
            calamine_sheet = workbook.get_sheet_by_index(0)
            end = calamine_sheet.end
        except python_calamine.PasswordError:
            raise problem("Excel 文件设有密码,请去掉密码后再导入", self.name) from None
        except python_calamine.CalamineError:
            raise problem("文件不是有效的 Excel(.xlsx)文件,无法打开", self.name) from None
        # calamine numbers rows from the top of the sheet, so row i is line i + 1.
        self.total, self.unit = (end[0] + 1 if end else 0), "行"
        self._records = iter(calamine_sheet.iter_rows())
        self._workbook = workbook  # kept open while its rows are read

    def _open_xlsx_streamed(self, rows: int, columns: int) -> None:
        """A large workbook, read row by row with openpyxl: slower, but memory stays flat.

        The rows and columns counted by the check bound the reading, not the
        range the sheet declares, which openpyxl would otherwise fill in.
        """
        try:
            workbook = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
            if not workbook.worksheets:
                raise problem("Excel 文件中没有工作表", self.name)
            sheet = workbook.worksheets[0]
            records = sheet.iter_rows(
                min_row=1, max_row=rows or None, max_col=columns or None, values_only=True
            )
        except InvalidInput:
            raise
        except Exception:  # openpyxl raises many kinds (zip, XML, key errors) for a bad file
            raise problem("文件不是有效的 Excel(.xlsx)文件,无法打开", self.name) from None
        self.total, self.unit = rows, "行"
        self._records = (list(record) for record in records)
        self._streamed = workbook

    def _next_record(self) -> list[str] | None:
        """The next record as text cells, or None at the end; counts lines."""
        try:
            record = next(self._records)
        except StopIteration:
            return None
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise too_large(
                    f"第 {self._line + 1} 行有单元格超过 {MAX_CELL_CHARS} 个字符", self.name
                ) from None
            raise InvalidInput(
                [InputProblem(f"CSV 格式错误:{exc}", self._line + 1)], source=self.name
            ) from None
        except UnicodeDecodeError:  # scan_csv checked the whole file; kept as a safety net
            raise InvalidInput(
                [InputProblem(f"无法按 {self.encoding} 解码", self._line + 1)], source=self.name
            ) from None
        self._line += 1
        self._record_chars = 0
        if self._line > MAX_ROWS:
            raise too_large(f"超过 {MAX_ROWS} 行", self.name)
        if self.kind == "xlsx":
            empty = record.count(None) + record.count("") == len(record)
            record = [""] * len(record) if empty else [cell_text(value) for value in record]
        if len(record) > MAX_COLUMNS:
            width = len(record)
            while width and not record[width - 1]:
                width -= 1  # empty cells at the end, as Excel writes for formatted columns
            if width > MAX_COLUMNS:
                raise too_large(
                    f"第 {self._line} 行有 {width} 列,最多只能有 {MAX_COLUMNS} 列", self.name
                )
        if record and max(map(len, record)) > MAX_CELL_CHARS:
            position = next(i for i, cell in enumerate(record) if len(cell) > MAX_CELL_CHARS)
            raise too_large(
                f"第 {self._line} 行第 {position + 1} 列的内容超过 {MAX_CELL_CHARS} 个字符",
                self.name,
            )
        return record

    def _read_header(self) -> None:
        while True:
            record = self._next_record()
            if record is None:
                raise problem("文件是空的", self.name)
            if any(cell.strip() for cell in record):
                break
        self.header_line = self._line
        self.header_cells = [cell.strip() for cell in record]
        by_alias = {}
        for column in self.columns:
            for alias in (column.name, *column.aliases):
                by_alias[normalise_header(alias)] = column.name
        problems: list[InputProblem] = []
        seen: dict[str, int] = {}
        for position, header in enumerate(record):
            name = by_alias.get(normalise_header(header))
            if name is None:
                continue  # extra columns (remarks and the like) are ignored
            if name in seen:
                first = record[seen[name]].strip()
                problems.append(
                    InputProblem(
                        f"“{header.strip()}”列与“{first}”列是同一列,只能保留一个",
                        self._line,
                        header.strip(),
                    )
                )
                continue
            seen[name] = position
            self.headers[name] = header.strip()
            self._index.append((name, position))
        missing = [c.label for c in self.columns if c.required and c.name not in seen]
        if missing:
            message = f"缺少必需的列:{'、'.join(missing)}。标题行是:{','.join(record)}"
            cells = [cell for cell in record if cell.strip()]
            if len(cells) == 1 and re.search(r"[\t;;,]", cells[0]):
                message += "(列之间应当用英文逗号分隔)"
            problems.append(InputProblem(message, self._line))
        if problems:
            raise InvalidInput(problems, source=self.name)

    # -- reading -------------------------------------------------------------------------

    def header(self, name: str) -> str:
        """The column's header as the file spells it (for messages)."""
        return self.headers.get(name, name)

    def has(self, name: str) -> bool:
        return name in self.headers

    def column_positions(self) -> dict[str, int]:
        """Where each column read is in the file's rows (0 for the first cell)."""
        return dict(self._index)

    def position(self) -> int:
        """How far reading got, in ``unit``: bytes for CSV, rows for XLSX."""
        if self._binary is not None:
            return self._binary.tell()
        return self._line

    def rows(self, progress: Progress | None = None) -> Iterator[Row]:
        """Every data row after the header; blank rows are skipped but keep their line."""
        if progress is not None:
            progress.start(self.total or None, self.unit)
        index = self._index
        while (record := self._next_record()) is not None:
            width = len(record)
            cells = {name: record[i].strip() if i < width else "" for name, i in index}
            if not any(cells.values()):
                continue
            self.data_rows += 1
            if progress is not None and self.data_rows % PROGRESS_EVERY == 0:
                progress.update_to(self.position())
            yield Row(self._line, cells)
        if progress is not None:
            progress.update_to(self.total)
            progress.finish()
        if not self.data_rows:
            raise problem("文件只有标题行,没有数据", self.name)

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """Every non-blank record after the header, all its cells as the file holds them.

        For a preview that shows the columns no importer reads as well; importers use ``rows``.
        """
        while (record := self._next_record()) is not None:
            if any(cell.strip() for cell in record):
                yield self._line, record

    def close(self) -> None:
        if self._binary is not None:
            self._binary.close()
            self._binary = None
        self._records = iter(())
        self._workbook = None
        if self._streamed is not None:
            self._streamed.close()
            self._streamed = None

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_table(path: Path | str, columns: Sequence[Column]) -> Table:
    """Open ``path`` and read its header; raises InvalidInput for anything unreadable."""
    return Table(path, columns)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def scan_csv(path: Path) -> tuple[str, str]:
    """The file's SHA-256 and its encoding, in one streaming pass (a second one for GB18030)."""
    name = path.name
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, head, size = True, b"", 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            if not head:
                head = chunk[:8]
            size += len(chunk)
            digest.update(chunk)
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if size == 0:
        raise problem("文件是空的", name)
    if head.startswith(ZIP_MAGIC):
        raise problem("这是 Excel(.xlsx)文件,不是 CSV;请把扩展名改为 .xlsx", name)
    if head == OLE_MAGIC:
        raise problem("这是旧版 Excel(.xls)文件,请在 Excel 中另存为 .xlsx 或 CSV", name)
    if head.startswith(UTF16_BOMS):
        raise problem(
            "文件是 UTF-16 编码(Excel 的“Unicode 文本”),请另存为“CSV UTF-8(逗号分隔)”", name
        )
    if utf8:
        return digest.hexdigest(), "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    gb_decoder = codecs.getincrementaldecoder("gb18030")()
    with open(path, "rb") as f:
        try:
            while chunk := f.read(CHUNK):
                gb_decoder.decode(chunk)
            gb_decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise problem(
                "无法识别文件的编码(既不是 UTF-8 也不是 GB18030);请在 Excel 中另存为"
                "“CSV UTF-8(逗号分隔)”",
                name,
            ) from None
    return digest.hexdigest(), "gb18030"


def cell_text(value: Any) -> str:
    """An XLSX cell as the text a CSV would hold: 3 not 3.0, dates as ISO days."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


# -- cell values -----------------------------------------------------------------------

DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$|^(\d{4})(\d{2})(\d{2})$"
)
YES = frozenset({"yes", "y", "true", "1", "是", "已签字", "已签"})
NO = frozenset({"no", "n", "false", "0", "否", "未签字", "未签"})


def parse_date(text: str) -> datetime.date:
    """2018-11-30, 2018/11/30, 2018.11.30, 2018年11月30日 or 20181130; ValueError says why not."""
    match = DATE_RE.match(text.strip())
    if not match:
        raise ValueError(f"“{text}”不是日期,应写作 2018-11-30")
    parts = [int(p) for p in match.groups() if p is not None]
    year, month, day = parts
    if not 1 <= month <= 12:
        raise ValueError(f"日期“{text}”不存在:没有 {month} 月")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ValueError(f"日期“{text}”不存在:{year} 年 {month} 月只有 {last} 天")
    return datetime.date(year, month, day)


def parse_yes_no(text: str) -> bool:
    """是/否, yes/no, y/n, true/false, 1/0; ValueError otherwise."""
    value = text.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError(f"“{text}”应为“是”或“否”(yes/no)")


def parse_positive_int(text: str) -> int:
    """A whole number of at least 1; ValueError says why not."""
    value = text.strip()
    if not re.fullmatch(r"\+?\d+", value):
        raise ValueError(f"“{text}”应为正整数")
    number = int(value)
    if number < 1:
        raise ValueError(f"“{text}”应为正整数(至少为 1)")
    return number
