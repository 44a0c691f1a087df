import codecs
import datetime
import hashlib
from unittest import mock

from minping.lib import tabular
from minping.lib.errors import InvalidInput
from minping.lib.progress import Progress
from minping.lib.tabular import (
    Column,
    Table,
    cell_text,
    open_table,
    parse_date,
    parse_positive_int,
    parse_yes_no,
)
from minping.lib.tests.import_fixtures import FilesMixin

COLUMNS = (
    Column("unit", ("单位", "单位代码")),
    Column("score", ("得分",)),
    Column("note", ("备注",), required=False),
)


class RecordingProgress(Progress):
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def start(self, total: int | None, unit: str) -> None:
        self.calls.append(("start", (total, unit)))

    def update_to(self, done: int) -> None:
        self.calls.append(("update", done))

    def finish(self) -> None:
        self.calls.append(("finish", None))


class ReadTest(FilesMixin):
    def read(self, table: Table) -> list[tuple[int, dict[str, str]]]:
        with table:
            return [(row.line, row.cells) for row in table.rows()]

    def test_utf8_bom_and_gb18030_read_alike(self) -> None:
        rows = [["单位", "得分"], ["公安局", "86.5"], ["水务集团", "90"]]
        expected = [
            (2, {"unit": "公安局", "score": "86.5"}),
            (3, {"unit": "水务集团", "score": "90"}),
        ]
        for encoding, detected in [
            ("utf-8", "utf-8"),
            ("utf-8-sig", "utf-8-sig"),
            ("gb18030", "gb18030"),
        ]:
            with self.subTest(encoding=encoding):
                path = self.csv_file(rows, name=f"{encoding}.csv", encoding=encoding)
                table = open_table(path, COLUMNS)
                self.assertEqual(table.encoding, detected)
                self.assertEqual(table.header("unit"), "单位")
                self.assertEqual(self.read(table), expected)
                self.assertEqual(table.sha256, hashlib.sha256(path.read_bytes()).hexdigest())

    def test_gb18030_detected_when_the_non_ascii_text_is_far_into_the_file(self) -> None:
        rows = [["unit", "score"]] + [["gaj", "1"]] * 200_000 + [["公安局", "2"]]
        path = self.csv_file(rows, encoding="gb18030")
        table = open_table(path, COLUMNS)
        self.assertEqual(table.encoding, "gb18030")
        self.assertEqual(self.read(table)[-1], (200_002, {"unit": "公安局", "score": "2"}))

    def test_xlsx_cells_read_as_a_csv_would_hold_them(self) -> None:
        path = self.xlsx_file(
            [
                ["单位代码", "得分", "备注"],
                ["gaj", 86.45, datetime.date(2018, 11, 30)],
                [],
                [1, 90, True],
            ]
        )
        table = open_table(path, COLUMNS)
        self.assertEqual(table.kind, "xlsx")
        self.assertEqual(
            self.read(table),
            [
                (2, {"unit": "gaj", "score": "86.45", "note": "2018-11-30"}),
                (4, {"unit": "1", "score": "90", "note": "true"}),
            ],
        )

    def test_large_xlsx_is_streamed_with_the_same_lines_and_values(self) -> None:
        path = self.xlsx_file(
            [
                [],
                ["单位代码", "得分", "备注"],
                ["gaj", 86.45, datetime.datetime(2018, 11, 30)],
                [],
                [1, 90, True],
            ]
        )
        expected = [
            (3, {"unit": "gaj", "score": "86.45", "note": "2018-11-30"}),
            (5, {"unit": "1", "score": "90", "note": "true"}),
        ]
        self.assertEqual(self.read(open_table(path, COLUMNS)), expected)
        with mock.patch.object(tabular, "XLSX_STREAM_ABOVE", 0):
            table = open_table(path, COLUMNS)
            self.assertIsNotNone(table._streamed)
            self.assertEqual(self.read(table), expected)
            self.assertIsNone(table._streamed)
            bad = self.dir / "bad.xlsx"
            bad.write_bytes(b"PK\x03\x04" + bytes(100))
            with self.assertRaisesMessage(InvalidInput, "bad.xlsx 有 1 处错误"):
                open_table(bad, COLUMNS)

    def test_blank_rows_keep_their_line_and_quoted_line_breaks_do_not_add_one(self) -> None:
        path = self.dir / "x.csv"
        path.write_text('unit,score\r\n\r\n"a\nb",1\r\n,\r\nc,2\r\n', encoding="utf-8")
        self.assertEqual(
            self.read(open_table(path, COLUMNS)),
            [(3, {"unit": "a\nb", "score": "1"}), (5, {"unit": "c", "score": "2"})],
        )

    def test_headers_match_loosely_extra_columns_are_ignored_and_cells_trimmed(self) -> None:
        path = self.csv_file([[" Unit ", "*得分(百分制)", "其他"], [" gaj\u3000", " 1 ", "x"]])
        table = open_table(path, COLUMNS)
        self.assertEqual(table.header("score"), "*得分(百分制)")
        self.assertFalse(table.has("note"))
        self.assertEqual(self.read(table), [(2, {"unit": "gaj", "score": "1"})])

    def test_a_short_row_reads_its_missing_cells_as_empty(self) -> None:
        path = self.csv_file([["unit", "score", "note"], ["gaj"]])
        self.assertEqual(
            self.read(open_table(path, COLUMNS)), [(2, {"unit": "gaj", "score": "", "note": ""})]
        )

    def test_header_after_blank_lines_keeps_spreadsheet_numbering(self) -> None:
        path = self.csv_file([[], ["unit", "score"], ["gaj", "1"]])
        self.assertEqual(self.read(open_table(path, COLUMNS)), [(3, {"unit": "gaj", "score": "1"})])

    def test_progress_starts_with_the_size_and_ends_at_it(self) -> None:
        path = self.csv_file([["unit", "score"]] + [["gaj", "1"]] * 5000)
        progress = RecordingProgress()
        with open_table(path, COLUMNS) as table:
            self.assertEqual(sum(1 for _ in table.rows(progress)), 5000)
        size = path.stat().st_size
        self.assertEqual(progress.calls[0], ("start", (size, "B")))
        self.assertEqual(progress.calls[-2:], [("update", size), ("finish", None)])
        updates = [done for what, done in progress.calls if what == "update"]
        self.assertEqual(len(updates), 3)  # at 2,000 and 4,000 rows, then the end
        self.assertEqual(updates, sorted(updates))


class UnreadableFileTest(FilesMixin):
    def problem(self, path: object) -> str:
        with self.assertRaises(InvalidInput) as caught:
            table = open_table(path, COLUMNS)  # type: ignore[arg-type]
            with table:
                list(table.rows())
        self.assertEqual(len(caught.exception.problems), 1, caught.exception.lines())
        return str(caught.exception.problems[0])

    def write(self, name: str, data: bytes) -> object:
        path = self.dir / name
        path.write_bytes(data)
        return path

    def test_missing_columns_are_named_in_one_message(self) -> None:
        path = self.csv_file([["名称", "备注"], ["x", "y"]])
        message = self.problem(path)
        self.assertIn("第 1 行", message)
        self.assertIn("unit(单位)", message)
        self.assertIn("score(得分)", message)
        self.assertNotIn("note", message)

    def test_semicolons_get_a_hint(self) -> None:
        self.assertIn("英文逗号", self.problem(self.write("x.csv", b"unit;score\ngaj;1\n")))

    def test_the_same_column_twice(self) -> None:
        message = self.problem(self.csv_file([["unit", "score", "单位"], ["a", "1", "b"]]))
        self.assertIn("“单位”列", message)
        self.assertIn("同一列", message)

    def test_empty_and_header_only_files(self) -> None:
        self.assertIn("文件是空的", self.problem(self.write("e.csv", b"")))
        self.assertIn("文件是空的", self.problem(self.write("b.csv", codecs.BOM_UTF8 + b"\r\n")))
        self.assertIn("没有数据", self.problem(self.csv_file([["unit", "score"], [], ["", ""]])))
        self.assertIn("没有数据", self.problem(self.xlsx_file([["unit", "score"]])))
        self.assertIn("文件是空的", self.problem(self.xlsx_file([])))

    def test_wrong_extension(self) -> None:
        message = self.problem(self.write("data.txt", b"unit,score\n"))
        self.assertIn(".csv 或 .xlsx", message)
        self.assertIn(".txt", message)

    def test_missing_file_is_reported_by_the_command_helper(self) -> None:
        with self.assertRaises(FileNotFoundError):
            open_table(self.dir / "nowhere.csv", COLUMNS)

    def test_files_that_are_not_what_their_name_says(self) -> None:
        xlsx = self.xlsx_file([["unit", "score"], ["a", 1]])
        self.assertIn("扩展名改为 .xlsx", self.problem(self.write("x.csv", xlsx.read_bytes())))
        self.assertIn("不是有效的 Excel", self.problem(self.write("y.xlsx", b"unit,score\na,1\n")))
        self.assertIn("不是有效的 Excel", self.problem(self.write("z.xlsx", b"PK\x03\x04broken")))
        old_xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)
        self.assertIn("旧版", self.problem(self.write("old.xlsx", old_xls)))

    def test_unreadable_encodings(self) -> None:
        utf16 = "unit,score\r\na,1\r\n".encode("utf-16")
        self.assertIn("UTF-16", self.problem(self.write("u16.csv", utf16)))
        self.assertIn(
            "无法识别文件的编码", self.problem(self.write("bin.csv", b"unit,score\n\xff\xff\n"))
        )


class ValueTest(FilesMixin):
    def test_dates_in_the_forms_offices_write_them(self) -> None:
        day = datetime.date(2018, 11, 30)
        for text in ["2018-11-30", "2018/11/30", "2018.11.30", "2018年11月30日", "20181130"]:
            self.assertEqual(parse_date(text), day, text)
        self.assertEqual(parse_date("2018-1-5"), datetime.date(2018, 1, 5))

    def test_impossible_dates_say_why(self) -> None:
        with self.assertRaisesMessage(ValueError, "2018 年 11 月只有 30 天"):
            parse_date("2018-11-31")
        with self.assertRaisesMessage(ValueError, "2019 年 2 月只有 28 天"):
            parse_date("2019年2月29日")
        with self.assertRaisesMessage(ValueError, "没有 13 月"):
            parse_date("2018/13/01")
        with self.assertRaisesMessage(ValueError, "不是日期"):
            parse_date("去年")

    def test_yes_no(self) -> None:
        for text in ["yes", "Y", "是", "TRUE", "1", "已签字"]:
            self.assertIs(parse_yes_no(text), True, text)
        for text in ["no", "N", "否", "false", "0"]:
            self.assertIs(parse_yes_no(text), False, text)
        with self.assertRaisesMessage(ValueError, "应为“是”或“否”"):
            parse_yes_no("也许")

    def test_positive_int(self) -> None:
        self.assertEqual(parse_positive_int("3"), 3)
        for text in ["0", "-1", "1.5", "两"]:
            with self.assertRaises(ValueError):
                parse_positive_int(text)

    def test_cell_text(self) -> None:
        self.assertEqual(cell_text(3.0), "3")
        self.assertEqual(cell_text(0.1 + 0.2), "0.30000000000000004")
        self.assertEqual(cell_text(datetime.datetime(2018, 1, 2)), "2018-01-02")
        self.assertEqual(cell_text(datetime.datetime(2018, 1, 2, 8, 30)), "2018-01-02 08:30:00")
        self.assertEqual(cell_text(None), "")
