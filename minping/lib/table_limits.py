"""How large and strange a table a user may hand in; the check of an .xlsx before it is read.

An .xlsx file is a zip of XML, and a few kilobytes of it can describe what no
machine holds: one cell at XFD1048576 makes calamine allocate the whole range
(the process aborts), a 400 KB file inflates to a 400 MB cell. So before
calamine or openpyxl opens a workbook, ``check_xlsx`` reads the zip directory,
inflates every member itself with a cap (the sizes the directory declares may
lie), and parses the worksheets and the shared strings with expat, counting
as it goes and keeping nothing: rows, columns, the declared range, the size
of each cell, row and shared string. Whatever breaks a limit is refused with
one message, 「文件过大或结构异常:…」, before anything is stored.

The limits leave room for real files: an import of 1,000,000 rows works, and
no sheet written by Excel, WPS or LibreOffice keeps a cell longer than Excel's
32,767 characters or a row longer than a few hundred kilobytes.
"""

from __future__ import annotations

import posixpath
import struct
import xml.parsers.expat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NoReturn
from xml.etree import ElementTree

from minping.lib.errors import InputProblem, InvalidInput

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30

# -- limits of any table (CSV or XLSX) -------------------------------------------------
MAX_FILE_BYTES = 512 * MiB  # on disk; a million rows of CSV take about 40 MB
MAX_ROWS = 1_100_000  # lines, the header included
MAX_COLUMNS = 200  # columns holding something; formatted empty cells do not count
MAX_CELL_CHARS = 32_767  # Excel's own limit
MAX_LINE_CHARS = 8 * MiB  # one CSV record, quoted line breaks included

# -- limits of an .xlsx --------------------------------------------------------------
MAX_MEMBERS = 2_000  # files in the zip; a workbook holds a few dozen
MAX_DIRECTORY_BYTES = 4 * MiB
MAX_SHEET_BYTES = 1 * GiB  # one worksheet's XML, inflated; a million rows take 200-400 MB
MAX_SHARED_STRINGS_BYTES = 256 * MiB
MAX_SHARED_STRINGS = 2_000_000
MAX_PART_BYTES = 16 * MiB  # any other member (styles, relationships, images…)
MAX_TOTAL_BYTES = 3 * GiB // 2
MAX_CELL_BYTES = 512 * KiB  # a cell's XML: 32,767 characters escaped take at most ~230 KB
MAX_ROW_BYTES = 16 * MiB
MAX_CELLS_IN_ROW = 16_384  # cell elements, empty ones included: Excel's last column is XFD
MAX_OUTSIDE_BYTES = 16 * MiB  # a worksheet's XML outside its rows (merges, formats, links)
MAX_TOKEN_BYTES = 1 * MiB  # a tag, comment or instruction the parser must hold whole

CHUNK_IN = 64 * KiB
CHUNK_OUT = 256 * KiB

PREFIX = "文件过大或结构异常:"
SHEET_TYPE = "/worksheet"
MAIN_PART_TYPE = "/officeDocument"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Elements that make a cell or a row, by local name (any namespace prefix).
NESTED = ("c", "row")
NESTED_SUFFIXES = (":c", ":row")


def too_large(
    detail: str, source: str = "", line: int | None = None, column: str = ""
) -> InvalidInput:
    """The refusal of a file that breaks a limit or is built strangely."""
    return InvalidInput([InputProblem(PREFIX + detail, line, column)], source=source)


def not_xlsx(source: str) -> InvalidInput:
    return InvalidInput([InputProblem("文件不是有效的 Excel(.xlsx)文件,无法打开")], source=source)


def size_text(size: int) -> str:
    """512 KB, 16 MB, 1.5 GB: how a user reads a size."""
    for unit, step in (("GB", GiB), ("MB", MiB), ("KB", KiB)):
        if size >= step:
            return f"{size / step:.3g} {unit}"
    return f"{size} 字节"


@dataclass
class SheetShape:
    """What a worksheet's XML holds, counted without keeping it."""

    rows: int = 0  # the last row that holds a value
    columns: int = 0  # the last column that holds a value
    declared_rows: int = 0  # from <dimension ref="A1:D5">
    declared_columns: int = 0
    bytes: int = 0  # the XML, inflated

    @property
    def cells(self) -> int:
        """The cells of the rectangle a reader that holds the whole sheet would allocate."""
        return max(self.rows, self.declared_rows) * max(self.columns, self.declared_columns)


@dataclass
class XlsxFacts:
    """What ``check_xlsx`` found: the first sheet's shape and the shared strings' size."""

    sheet: SheetShape
    shared_strings_bytes: int = 0
    members: int = 0
    shapes: dict[str, SheetShape] = field(default_factory=dict)


# -- the zip --------------------------------------------------------------------------


def check_xlsx(path: Path, source: str) -> XlsxFacts:
    """Refuse ``path`` unless every limit holds; return the first sheet's shape."""
    with open(path, "rb") as raw:
        members, directory = _directory_size(raw, source)
        if members > MAX_MEMBERS:
            raise too_large(f"压缩包内有 {members} 个文件,超过 {MAX_MEMBERS} 个", source)
        if directory > MAX_DIRECTORY_BYTES:
            raise too_large(f"压缩包的目录超过 {size_text(MAX_DIRECTORY_BYTES)}", source)
        try:
            archive = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
            raise not_xlsx(source) from None
        with archive:
            infos = archive.infolist()
            _check_directory(infos, source)
            by_name = {info.filename: info for info in infos}

            def read(name: str) -> bytes | None:
                """A part the workbook map needs, or None if it is missing or too large."""
                info = by_name.get(name)
                if info is None or info.file_size > MAX_PART_BYTES:
                    return None
                return b"".join(_inflate(raw, info, MAX_PART_BYTES, source))

            book = _workbook_map(read, source)
            facts = XlsxFacts(sheet=SheetShape(), members=len(infos))
            total = 0
            for info in infos:
                total += _scan_member(raw, info, book, facts, source)
                if total > MAX_TOTAL_BYTES:
                    raise too_large(f"解压后超过 {size_text(MAX_TOTAL_BYTES)}", source)
    # The first sheet as either reader finds it, and any worksheet no relationship names
    # (a reader that resolves names differently could take it); if the first sheet cannot
    # be told for sure, every worksheet.
    checked = {name for name in book.first if name in facts.shapes}
    if book.unsure or len(checked) < len(book.first):
        checked = set(facts.shapes)
    checked |= set(facts.shapes) - book.sheets
    for name in sorted(checked):
        _check_shape(facts.shapes[name], source)
    if checked:
        facts.sheet = max((facts.shapes[n] for n in checked), key=lambda s: (s.cells, s.bytes))
    return facts


def _directory_size(raw: BinaryIO, source: str) -> tuple[int, int]:
    """Members and directory size from the end record, before zipfile builds one object each."""
    raw.seek(0, 2)
    size = raw.tell()
    if size > MAX_FILE_BYTES:
        raise too_large(f"文件有 {size_text(size)},超过 {size_text(MAX_FILE_BYTES)}", source)
    tail_size = min(size, 22 + 0xFFFF)
    raw.seek(size - tail_size)
    tail = raw.read(tail_size)
    # As zipfile looks: an end record without a comment first, then the last one.
    at = len(tail) - 22 if tail[-22:-18] == b"PK\x05\x06" else tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise not_xlsx(source)
    members, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
    if members == 0xFFFF or directory == 0xFFFFFFFF:  # zip64: the real figures are elsewhere
        locator = tail[at - 20 : at] if at >= 20 else b""
        if locator[:4] != b"PK\x06\x07":
            raise not_xlsx(source)
        (offset,) = struct.unpack("<Q", locator[8:16])
        raw.seek(offset)
        record = raw.read(56)
        if record[:4] != b"PK\x06\x06":
            raise not_xlsx(source)
        members, directory = struct.unpack("<QQ", record[32:48])
    return members, directory


def _check_directory(infos: list[zipfile.ZipInfo], source: str) -> None:
    names: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if name in names:
            raise too_large(f"压缩包内有重名的文件“{name[:50]}”", source)
        names.add(name)
        if info.flag_bits & 1:
            raise InvalidInput(
                [InputProblem("Excel 文件设有密码,请去掉密码后再导入")], source=source
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise too_large(f"“{name[:50]}”使用了 Excel 不用的压缩方式", source)
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise too_large(f"解压后有 {size_text(total)},超过 {size_text(MAX_TOTAL_BYTES)}", source)


def _inflate(raw: BinaryIO, info: zipfile.ZipInfo, cap: int, source: str) -> Iterator[bytes]:
    """The member's bytes in pieces, refusing more than it declares or than ``cap``.

    Inflated here rather than by zipfile, which stops at the declared size and
    so would not see a member that holds more than its header says.
    """
    name = info.filename[:50]
    if info.file_size > cap:
        raise too_large(
            f"“{name}”解压后有 {size_text(info.file_size)},超过 {size_text(cap)}", source
        )
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise not_xlsx(source)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    raw.seek(info.header_offset + 30 + name_length + extra_length)
    left = info.compress_size
    produced = 0
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type else None
    while left > 0:
        data = raw.read(min(CHUNK_IN, left))
        if not data:
            raise not_xlsx(source)
        left -= len(data)
        while data:
            if inflater is None:
                piece, data = data, b""
            else:
                try:
                    piece = inflater.decompress(data, CHUNK_OUT)
                except zlib.error:
                    raise not_xlsx(source) from None
                data = inflater.unconsumed_tail
            produced += len(piece)
            if produced > info.file_size:
                raise too_large(f"“{name}”解压后比压缩包记录的大小更大", source)
            if piece:
                yield piece
            if inflater is not None and inflater.eof:
                return


# -- which sheet is read ----------------------------------------------------------------


@dataclass
class WorkbookMap:
    """The parts the workbook names: its sheets, its shared strings, and its first sheet."""

    first: set[str] = field(default_factory=set)  # as calamine or openpyxl would find it
    sheets: set[str] = field(default_factory=set)
    strings: set[str] = field(default_factory=lambda: {"xl/sharedStrings.xml"})
    unsure: bool = False


def _workbook_map(read: Callable[[str], bytes | None], source: str) -> WorkbookMap:
    """Which parts are sheets, which the first; calamine reads xl/workbook.xml, openpyxl the
    part the package names, so both are followed."""
    found = WorkbookMap()
    workbooks = {"xl/workbook.xml"}
    package = _parse(read("_rels/.rels"), source)
    for rel in package.iter() if package is not None else ():
        if rel.get("Type", "").endswith(MAIN_PART_TYPE):
            workbooks.add(_resolve("", rel.get("Target", "")))
    types = _parse(read("[Content_Types].xml"), source)
    for override in types.iter() if types is not None else ():
        if override.get("ContentType", "").endswith("main+xml"):
            workbooks.add(_resolve("", override.get("PartName", "")))
    for workbook in sorted(workbooks):
        folder, base = posixpath.split(workbook)
        content = read(workbook)
        if content is None:
            continue  # no such part: no reader will find sheets through it
        book = _parse(content, source)
        rels = _parse(read(posixpath.join(folder, "_rels", base + ".rels")), source)
        if book is None or rels is None:
            found.unsure = True
            continue
        targets = {
            rel.get("Id"): (_resolve(folder, rel.get("Target", "")), rel.get("Type", ""))
            for rel in rels.iter()
            if rel.get("Id")
        }
        for target, kind in targets.values():
            if kind.endswith("/sharedStrings"):
                found.strings.add(target)
            elif kind.endswith("sheet"):  # worksheet, chartsheet, dialogsheet
                found.sheets.add(target)
        order = [
            targets.get(next((v for k, v in s.attrib.items() if k.endswith("}id")), ""))
            for s in book.iter()
            if s.tag.rpartition("}")[2] == "sheet"
        ]
        sheets = [t for t in order if t is not None]
        if sheets:
            found.first.add(sheets[0][0])
        worksheets = [name for name, kind in sheets if kind.endswith(SHEET_TYPE)]
        if worksheets:
            found.first.add(worksheets[0])
    return found


def _parse(data: bytes | None, source: str) -> ElementTree.Element | None:
    if data is None:
        return None
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise too_large("文件中有 XML 文档类型声明(DOCTYPE)", source)
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return None


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(folder, target))


# -- what is inside a member ------------------------------------------------------------


def _scan_member(
    raw: BinaryIO, info: zipfile.ZipInfo, book: WorkbookMap, facts: XlsxFacts, source: str
) -> int:
    """Inflate one member, parsing it if it is XML. Returns its inflated size."""
    name = info.filename
    if name in book.sheets:
        cap = MAX_SHEET_BYTES
    elif name in book.strings:
        cap = MAX_SHARED_STRINGS_BYTES
    else:
        cap = MAX_PART_BYTES
    # Images and drawings are not parsed (an SVG may even carry a DOCTYPE); a worksheet
    # is found by its relationship whatever its name.
    parsed = cap != MAX_PART_BYTES or name.endswith((".xml", ".rels"))
    scan = PartScan(name, source) if parsed else None
    size = 0
    for piece in _inflate(raw, info, cap, source):
        size += len(piece)
        if scan is not None:
            scan.feed(piece)
    if scan is not None:
        scan.close()
        if scan.kind == "worksheet":
            scan.shape.bytes = size
            facts.shapes[name] = scan.shape
        elif scan.kind == "sst":
            facts.shared_strings_bytes += size
    return size


@dataclass
class Progress:
    """Where a scan is, for the checks made between pieces: -1 when nothing is open."""

    cell_start: int = -1  # the open cell (or shared string)
    row_start: int = -1
    data_start: int = -1  # the open sheetData (or shared string)
    inside: int = 0  # bytes of data already closed: everything else is "outside"
    row: int = 0


class PartScan:
    """One XML member through expat, keeping nothing of it.

    Worksheets and shared strings are parsed to the end: rows, columns and the
    declared range are counted, and each cell, row and string measured, as is
    what lies outside the data. Any other part is parsed only to its root
    element (its readers parse it whole, and its size is capped).
    """

    def __init__(self, name: str, source: str) -> None:
        self.name = name
        self.source = source
        self.kind = ""  # the root element's name: worksheet, sst, or another
        self.shape = SheetShape()
        self.at = Progress()
        self.parser = xml.parsers.expat.ParserCreate()
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.StartElementHandler = self._root
        self.fed = 0
        self.done = False

    def feed(self, piece: bytes) -> None:
        if self.done:
            return
        self.fed += len(piece)
        self._parse(piece, final=False)
        if not self.done:
            at = self.parser.CurrentByteIndex
            # expat holds an unfinished tag, comment or instruction whole: bound it.
            if self.fed - at > MAX_TOKEN_BYTES:
                self.refuse(f"有一段标记或注释超过 {size_text(MAX_TOKEN_BYTES)}")
            self.check_open(at)

    def close(self) -> None:
        if not self.done:
            self._parse(b"", final=True)
            self.check_open(self.fed)

    def _parse(self, piece: bytes, final: bool) -> None:
        try:
            self.parser.Parse(piece, final)
        except xml.parsers.expat.ExpatError as exc:
            if self.kind and self.kind not in ("worksheet", "sst"):
                self.done = True  # its own reader will say what is wrong with it
                return
            reason = xml.parsers.expat.errors.messages.get(exc.code, str(exc.code))
            self.refuse(f"“{self.name[:50]}”不是规范的 XML({reason})")

    def check_open(self, at: int) -> None:
        """Refuse a cell, row or string grown too long, or too much outside the data."""
        now = self.at
        if now.cell_start >= 0 and at - now.cell_start > MAX_CELL_BYTES:
            where = f"第 {now.row} 行有单元格" if self.kind == "worksheet" else "有共享字符串"
            self.refuse(f"{where}的内容超过 {size_text(MAX_CELL_BYTES)}")
        if now.row_start >= 0 and at - now.row_start > MAX_ROW_BYTES:
            self.refuse(f"第 {now.row} 行的内容超过 {size_text(MAX_ROW_BYTES)}")
        open_data = at - now.data_start if now.data_start >= 0 else 0
        if at - now.inside - open_data > MAX_OUTSIDE_BYTES:
            limit = size_text(MAX_OUTSIDE_BYTES)
            self.refuse(f"“{self.name[:50]}”中数据以外的内容超过 {limit}")

    def refuse(self, detail: str) -> NoReturn:
        raise too_large(detail, self.source)

    def _doctype(self, *args: object) -> None:
        self.refuse("文件中有 XML 文档类型声明(DOCTYPE)")

    def _root(self, name: str, attrs: dict[str, str]) -> None:
        self.kind = name[name.find(":") + 1 :]
        if self.kind == "worksheet":
            _read_worksheet(self)
        elif self.kind == "sst":
            _read_shared_strings(self)
        else:
            self.done = True  # styles, relationships…: their size is capped
            self.parser.StartElementHandler = None


# The handlers below run for every element of a sheet, 24 million calls for a million
# rows of five cells: written as closures over local variables, they take less than half
# the time methods would.


def _read_worksheet(scan: PartScan) -> None:
    """Count and measure a worksheet's rows and cells as expat reports them."""
    parser, shape, now, refuse = scan.parser, scan.shape, scan.at, scan.refuse
    check_open = scan.check_open
    depth = 1
    data = 0  # the depth of sheetData while it is open
    data_seen = False
    row = column = cells_in_row = cell_row = cell_column = 0
    top_row = top_column = 0  # the last row and column holding something
    row_text = ""
    counted = True  # whether the open cell was found to hold something
    column_numbers: dict[str, int] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, data, data_seen, counted, row, row_text, column, cells_in_row
        nonlocal cell_row, cell_column, top_row, top_column
        depth += 1
        if data:
            if depth > data + 2:  # inside a cell: its value, string, formula…
                if not counted:
                    counted = True  # it holds something, so it takes room
                    if cell_column > top_column:
                        top_column = cell_column
                    if cell_row > top_row:
                        top_row = cell_row
                if name in NESTED or (":" in name and name.endswith(NESTED_SUFFIXES)):
                    # calamine would take it for a cell or row of its own.
                    refuse(f"第 {row} 行有嵌套的单元格")
            elif depth == data + 2:
                # A cell; openpyxl takes every child of a row for one, whatever its name,
                # but calamine would start a new row at a row element.
                if name == "row" or name.endswith(":row"):
                    refuse(f"第 {row} 行中有嵌套的行")
                now.cell_start = parser.CurrentByteIndex
                cells_in_row += 1
                if cells_in_row > MAX_CELLS_IN_ROW:
                    refuse(f"第 {row} 行超过 {MAX_CELLS_IN_ROW} 个单元格")
                reference = attrs.get("r")
                cell_row = row
                if reference is None:
                    column += 1
                else:
                    digits = reference.lstrip(LETTERS)
                    letters = reference[: len(reference) - len(digits)]
                    known = column_numbers.get(letters)
                    if known is None:
                        if not 0 < len(letters) <= 3:
                            refuse(f"单元格位置“{reference[:20]}”不正确")
                        known = column_numbers[letters] = column_number(letters)
                    if digits != row_text:  # a cell may name a row other than its row's
                        if not (digits.isascii() and digits.isdigit() and 0 < len(digits) <= 7):
                            refuse(f"单元格位置“{reference[:20]}”不正确")
                        cell_row = int(digits)
                    column = known
                cell_column, counted = column, False
            elif name == "row" or name.endswith(":row"):
                now.row_start = parser.CurrentByteIndex
                text = attrs.get("r")
                if text is None:
                    row += 1
                    row_text = str(row)
                else:
                    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 7):
                        refuse(f"行号“{text[:20]}”不正确")
                    row, row_text = int(text), text
                now.row = row
                column = cells_in_row = 0
            else:
                refuse(f"工作表数据中有不认识的元素“{name[:20]}”")
            return
        local = name[name.find(":") + 1 :]
        if local == "sheetData":
            if data_seen:
                refuse("工作表中有两处数据(sheetData)")
            data, data_seen = depth, True
            now.data_start = parser.CurrentByteIndex
        elif local in NESTED:
            refuse("工作表数据(sheetData)以外有单元格")
        elif local == "dimension":
            rows, columns = _declared(attrs.get("ref", ""))
            shape.declared_rows = max(shape.declared_rows, rows)
            shape.declared_columns = max(shape.declared_columns, columns)

    def end(name: str) -> None:
        nonlocal depth, data
        closing = depth
        depth -= 1
        if not data or closing > data + 2:
            return
        at = parser.CurrentByteIndex
        if closing == data + 2:
            if at - now.cell_start > MAX_CELL_BYTES:
                check_open(at)  # refuses, saying why
            now.cell_start = -1
        elif closing == data + 1:
            if at - now.row_start > MAX_ROW_BYTES:
                check_open(at)
            now.row_start = -1
        elif closing == data:
            now.inside += at - now.data_start
            data, now.data_start = 0, -1
            shape.rows, shape.columns = top_row, top_column

    parser.StartElementHandler = start
    parser.EndElementHandler = end


def _declared(ref: str) -> tuple[int, int]:
    """Rows and columns of a declared range such as A1:D5 (0, 0 if it cannot be read)."""
    last = ref.rpartition(":")[2].replace("$", "")
    digits = last.lstrip(LETTERS)
    letters = last[: len(last) - len(digits)]
    if digits.isascii() and digits.isdigit() and 0 < len(letters) <= 3 and len(digits) <= 9:
        return int(digits), column_number(letters)
    return 0, 0


def _read_shared_strings(scan: PartScan) -> None:
    """Count the shared strings and measure each."""
    parser, now, refuse = scan.parser, scan.at, scan.refuse
    depth = 1
    strings = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, strings
        depth += 1
        if name != "si" and not name.endswith(":si"):
            return
        if depth != 2:
            refuse("共享字符串中有嵌套的字符串")
        strings += 1
        if strings > MAX_SHARED_STRINGS:
            refuse(f"共享字符串超过 {MAX_SHARED_STRINGS} 个")
        now.cell_start = now.data_start = parser.CurrentByteIndex

    def end(name: str) -> None:
        nonlocal depth
        if depth == 2 and now.cell_start >= 0:
            at = parser.CurrentByteIndex
            scan.check_open(at)
            now.inside += at - now.data_start
            now.cell_start = now.data_start = -1
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end


def column_number(letters: str) -> int:
    """A → 1, Z → 26, AA → 27, XFD → 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _check_shape(shape: SheetShape, source: str) -> None:
    if shape.columns > MAX_COLUMNS:
        raise too_large(f"工作表有 {shape.columns} 列,最多只能有 {MAX_COLUMNS} 列", source)
    if shape.rows > MAX_ROWS:
        raise too_large(f"工作表有 {shape.rows} 行,最多只能有 {MAX_ROWS} 行", source)
    if shape.declared_columns > MAX_COLUMNS or shape.declared_rows > MAX_ROWS:
        raise too_large(
            f"工作表声明的范围有 {shape.declared_rows} 行 × {shape.declared_columns} 列,"
            f"最多只能有 {MAX_ROWS} 行 × {MAX_COLUMNS} 列",
            source,
        )
