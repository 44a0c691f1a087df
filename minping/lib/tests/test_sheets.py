"""Text stays text in every spreadsheet and CSV the project writes (formula injection)."""

from __future__ import annotations

import ast
import csv
import datetime
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
from django.test import SimpleTestCase

import minping
from minping.lib.sheets import Book, CsvWriter, fill_sheet, put, text_csv, titled_table
from minping.lib.tests.sheet_checks import ATTACKS, SheetAssertions


class WorksheetCellTest(SheetAssertions):
    def test_text_that_looks_like_a_formula_is_stored_as_text(self) -> None:
        book = Book()
        sheet = book.sheet("表")
        for row, text in enumerate([*ATTACKS, "#DIV/0!", "=1"], start=1):
            put(sheet, row, 1, text)
        data = book.bytes()
        self.assertTextOnly(data, [*ATTACKS, "#DIV/0!"])
        cells = openpyxl.load_workbook(io.BytesIO(data))["表"]
        self.assertEqual([c.value for c in cells["A"]], [*ATTACKS, "#DIV/0!", "=1"])
        # Editing such a cell in Excel keeps it text: the cell is marked "quote prefix".
        self.assertTrue(all(c.quotePrefix for c in cells["A"][: len(ATTACKS)]))
        self.assertFalse(cells["A"][len(ATTACKS)].quotePrefix)  # "#DIV/0!" is harmless text

    def test_no_formula_reaches_the_sheet_xml_even_for_a_one_character_text(self) -> None:
        # openpyxl treats "=" alone as text but "==" as a formula; both stay text here.
        book = Book()
        put(book.sheet("表"), 1, 1, "==")
        with zipfile.ZipFile(io.BytesIO(book.bytes())) as archive:
            xml = archive.read("xl/worksheets/sheet1.xml")
        self.assertIn(b't="inlineStr"><is><t>==</t></is>', xml)
        self.assertNotIn(b"<f>", xml)

    def test_numbers_and_dates_stay_what_they_are(self) -> None:
        book = Book()
        sheet = book.sheet("表")
        values = [-5, Decimal("-1.25"), 3.5, datetime.date(2026, 3, 20), None, "普通文字"]
        for column, value in enumerate(values, start=1):
            put(sheet, 1, column, value)
        cells = next(openpyxl.load_workbook(io.BytesIO(book.bytes()))["表"].iter_rows())
        self.assertEqual([c.data_type for c in cells], ["n", "n", "n", "d", "n", "s"])
        self.assertEqual(cells[0].value, -5)
        self.assertEqual((cells[1].value, cells[1].number_format), (-1.25, "0.00"))
        self.assertEqual(cells[3].value, datetime.datetime(2026, 3, 20))
        self.assertEqual(cells[5].value, "普通文字")

    def test_characters_xml_cannot_hold_are_dropped_not_a_crash(self) -> None:
        # A summary pasted from a Word file can hold a vertical tab; openpyxl raises on it.
        book = Book()
        fill_sheet(book.sheet("表"), ["摘要"], [["窗口\x0b推诿\x01"]])
        sheet = openpyxl.load_workbook(io.BytesIO(book.bytes()))["表"]
        self.assertEqual(sheet["A2"].value, "窗口推诿")

    def test_the_titled_table_title_and_headers_are_text_too(self) -> None:
        book = Book()
        titled_table(
            book.sheet("台账"), ATTACKS[0] + "整改台账", [(ATTACKS[1], 10)], [[ATTACKS[2]]]
        )
        self.assertTextOnly(book.bytes(), [ATTACKS[0], ATTACKS[1], ATTACKS[2]])


class CsvTest(SheetAssertions):
    def test_text_that_looks_like_a_formula_gets_a_leading_quote(self) -> None:
        out = io.StringIO()
        CsvWriter(out).writerows([["名称", "得分"], *[[text, -1.5] for text in ATTACKS]])
        self.assertCsvTextOnly(out.getvalue(), ATTACKS)
        rows = list(csv.reader(io.StringIO(out.getvalue())))
        self.assertEqual(rows[1], ["'" + ATTACKS[0], "-1.5"])  # the number stays a number

    def test_text_csv_has_a_bom_and_crlf(self) -> None:
        text = text_csv([["单位", "变化"], ["公安局", Decimal("-2.90")], ["-3", 1]])
        self.assertEqual(text, "\ufeff单位,变化\r\n公安局,-2.90\r\n'-3,1\r\n")


# Where sheets are written, and where they are read (reading needs openpyxl, not writing).
WRITER = Path("lib/sheets.py")
READER = Path("lib/tabular.py")


def _writes_on_its_own(path: Path, tree: ast.AST) -> list[str]:
    """What in this module writes a CSV or a worksheet without ``minping.lib.sheets``."""
    found: list[str] = []
    uses_openpyxl = False
    for node in ast.walk(tree):
        where = f"{path}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.ImportFrom) and node.module:
            names = {alias.name for alias in node.names}
            if node.module == "csv" and names & {"writer", "DictWriter"}:
                found.append(f"{where} imports csv.writer")
            if node.module.startswith("openpyxl"):
                uses_openpyxl = True
                if "Workbook" in names or node.module.startswith("openpyxl.workbook"):
                    found.append(f"{where} imports openpyxl's Workbook")
        elif isinstance(node, ast.Import):
            uses_openpyxl |= any(a.name.startswith("openpyxl") for a in node.names)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "csv" and node.attr in {"writer", "DictWriter"}:
                found.append(f"{where} calls csv.{node.attr}")
            if node.value.id == "openpyxl" and node.attr == "Workbook":
                found.append(f"{where} uses openpyxl.Workbook")
    if uses_openpyxl and path != READER:
        for node in ast.walk(tree):
            where = f"{path}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Attribute) and t.attr == "value" for t in targets):
                    found.append(f"{where} sets a cell's value")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in {"append", "save"}:
                    found.append(f"{where} calls .{node.func.attr}() in a module using openpyxl")
                if node.func.attr == "cell" and any(k.arg == "value" for k in node.keywords):
                    found.append(f"{where} writes a cell")
    return found


class OneWriterTest(SimpleTestCase):
    def test_no_module_writes_a_csv_or_a_worksheet_itself(self) -> None:
        root = Path(minping.__file__).parent
        found: list[str] = []
        for path in sorted(root.rglob("*.py")):
            relative = path.relative_to(root)
            if "tests" in relative.parts or relative == WRITER:
                continue
            found += _writes_on_its_own(relative, ast.parse(path.read_text(encoding="utf-8")))
        self.assertEqual(found, [], "write CSV and XLSX through minping.lib.sheets")

    def test_the_check_finds_a_writer_that_bypasses_the_helper(self) -> None:
        source = (
            "import csv\nfrom openpyxl import Workbook\n"
            "def f(out, ws):\n    csv.writer(out)\n    ws.cell(row=1, column=1, value='=1')\n"
        )
        found = _writes_on_its_own(Path("x.py"), ast.parse(source))
        self.assertEqual(len(found), 3, found)
