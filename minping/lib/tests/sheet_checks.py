"""Shared by the export tests: text a spreadsheet would run, and checks that it stays text."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import openpyxl
from django.test import SimpleTestCase

# What the probe typed (OWASP's examples): a link formula, a DDE command, an @-function,
# arithmetic, and a formula behind a tab.
ATTACKS = (
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-1+1",
    "\t=1+2",
)
# A formula element in a sheet's XML, with or without a namespace prefix.
FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")
NUMBER = re.compile(r"-?\d+(\.\d+)?")


class SheetAssertions(SimpleTestCase):
    def assertTextOnly(self, xlsx: bytes, texts: tuple[str, ...] | list[str]) -> None:
        """No formula anywhere in the workbook, and each of ``texts`` is there as a text cell."""
        with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    xml = archive.read(name)
                    self.assertIsNone(FORMULA_ELEMENT.search(xml), f"{name} holds a formula")
        workbook = openpyxl.load_workbook(io.BytesIO(xlsx))
        found: dict[str, str] = {}
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    self.assertNotEqual(cell.data_type, "f", f"{sheet.title}!{cell.coordinate}")
                    if isinstance(cell.value, str):
                        for text in texts:
                            if text in cell.value:
                                found[text] = cell.data_type
        for text in texts:
            self.assertEqual(found.get(text), "s", f"{text!r} is not in the workbook as text")

    def assertCsvTextOnly(self, text: str, texts: tuple[str, ...] | list[str]) -> None:
        """Each of ``texts`` that starts a field is there with a leading quote; none is bare."""
        fields = [f for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for f in row]
        for value in texts:
            self.assertIn("'" + value, fields, f"{value!r} is not in the CSV, quoted")
            self.assertNotIn(value, fields, f"{value!r} is in the CSV as it is")
        for field in fields:
            if not NUMBER.fullmatch(field):  # a negative figure is a number, not a formula
                self.assertFalse(field.startswith(("=", "+", "-", "@", "\t", "\r")), repr(field))
