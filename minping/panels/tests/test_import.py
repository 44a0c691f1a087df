"""Filling a pool: from files (all or nothing, errors by line and column) and from units' lists."""

from __future__ import annotations

import datetime
import io
import tempfile
from pathlib import Path

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from minping.audit.models import AuditEntry
from minping.lib.errors import InvalidInput
from minping.lib.tests import upload_fixtures as files
from minping.oversight.actions import do_submit
from minping.oversight.models import SubmissionKind, SubmissionRequirement
from minping.panels.actions import do_accept_service_list, do_create_pool, do_import_pool
from minping.panels.importers import respondent_key
from minping.panels.models import PoolImport, Respondent
from minping.panels.tests.helpers import HEADER, collecting_campaign, write_csv
from minping.surveys.phones import phone_key
from minping.surveys.tokens import holder_key
from minping.test import UploadsTestCase


class PoolImportTest(UploadsTestCase):
    def setUp(self) -> None:
        super().setUp()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.dir = Path(folder.name)
        self.campaign, self.method = collecting_campaign()
        self.pool = do_create_pool(self.organiser, self.campaign, "服务对象样本库")

    def test_a_file_with_errors_stores_nothing_and_names_every_line_and_column(self) -> None:
        path = write_csv(
            self.dir,
            [
                HEADER,
                ["13900000001", "张三", "办事群众", "公安局", "兴庆区"],
                ["1390000", "李四", "办事群众", "公安局", ""],  # too short
                ["13900000003", "", "外星人", "公安局", ""],  # no such category
                ["13900000004", "", "", "自来水公司", ""],  # not a unit of the campaign
                ["", "赵六", "", "", ""],  # no phone
                ["13900000007", '=HYPERLINK("http://x.example","点我")', "", "", ""],
            ],
        )
        with self.assertRaises(InvalidInput) as caught:
            do_import_pool(self.organiser, self.pool, path)
        lines = [str(p) for p in caught.exception.problems]
        self.assertEqual(caught.exception.total, 5)
        # A formula would run when an export is opened in Excel: refused at the door.
        self.assertIn(
            "第 7 行,“姓名”列:不能以 = + - @ 等符号开头(导出后在 Excel 中会被当作公式)", lines
        )
        self.assertIn("第 3 行,“手机号”列:“1390000”不是有效的手机号码(11 位数字,以 1 开头)", lines)
        self.assertTrue(
            any(line.startswith("第 4 行,“类别”列:“外星人”不是本活动的") for line in lines)
        )
        self.assertIn("第 5 行,“单位”列:“自来水公司”不是本次活动的参评单位", lines)
        self.assertIn("第 6 行,“手机号”列:不能为空", lines)
        # Nothing at all: not the good first row, not the import record, no audit entry.
        self.assertEqual(Respondent.objects.count(), 0)
        self.assertEqual(PoolImport.objects.count(), 0)
        self.assertFalse(AuditEntry.objects.filter(action="panel.import").exists())

    def test_a_good_file_with_english_headers_is_stored(self) -> None:
        path = write_csv(
            self.dir,
            [
                ["phone", "name", "category", "unit", "district"],
                ["+86 139 0000 0001", "张三", "企业办事人员", "gaj", "兴庆区"],
                ["13900000002", "", "", "水务集团", ""],
                ["13900000003", "", "", "", ""],
            ],
        )
        done = do_import_pool(self.organiser, self.pool, path)
        self.assertEqual((done.rows, done.added, done.merged), (3, 3, 0))
        first = Respondent.objects.get(name="张三")
        self.assertEqual(first.phone, "13900000001")  # +86 and spaces dropped
        self.assertEqual(first.unit, self.gaj)  # by code …
        self.assertEqual(Respondent.objects.get(phone="13900000002").unit, self.water)  # … or name
        self.assertIsNone(Respondent.objects.get(phone="13900000003").unit)
        entry = AuditEntry.objects.get(action="panel.import")
        self.assertEqual(entry.detail["added"], 3)
        self.assertEqual(entry.actor, self.organiser)

    def test_an_xlsx_file_with_chinese_headers(self) -> None:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(["姓名", "联系电话", "评议主体类别", "办事单位"])
        sheet.append(["王五", 13900000009, "社区居民", "公安局"])
        path = self.dir / "名单.xlsx"
        workbook.save(path)
        do_import_pool(self.organiser, self.pool, path)
        person = Respondent.objects.get()
        self.assertEqual((person.phone, person.category), ("13900000009", "社区居民"))

    def test_one_phone_is_one_person_however_written_and_whatever_roles(self) -> None:
        # a deputy who is also a CPPCC member is listed twice, the number written two
        # ways; a third row repeats a phone already in the pool from an earlier file.
        do_import_pool(
            self.organiser,
            self.pool,
            write_csv(self.dir, [HEADER, ["13900000005", "周七", "办事群众", "", ""]], "a.csv"),
        )
        path = write_csv(
            self.dir,
            [
                HEADER,
                ["13900000001", "钱八", "人大代表", "", ""],
                ["139-0000-0001", "钱八", "政协委员", "", ""],
                ["13900000005", "周七", "两代表一委员", "", ""],
            ],
            "b.csv",
        )
        done = do_import_pool(self.organiser, self.pool, path)
        self.assertEqual((done.rows, done.added, done.merged), (3, 1, 2))
        self.assertEqual(Respondent.objects.filter(pool=self.pool).count(), 2)
        deputy = Respondent.objects.get(name="钱八")
        self.assertEqual(deputy.category, "两代表一委员")  # both roles are this one category
        # Found by a keyed hash of its own: it matches neither the online channel's phone
        # hash nor an invitation holder's, so the pool cannot be joined to those tables.
        self.assertEqual(deputy.phone_key, respondent_key("13900000001"))
        self.assertNotEqual(deputy.phone_key, phone_key("13900000001"))
        self.assertNotEqual(deputy.phone_key, holder_key("13900000001"))
        with self.settings(MINPING_SURVEY_KEY="another-key-entirely"):
            self.assertNotEqual(respondent_key("13900000001"), deputy.phone_key)

    def test_the_command_line_imports_into_a_new_pool_and_reports_errors(self) -> None:
        good = write_csv(self.dir, [HEADER, ["13900000001", "", "", "", ""]], "good.csv")
        out = io.StringIO()
        call_command("panels", "import", self.campaign.code, "区县样本库", str(good), stdout=out)
        self.assertIn("新增 1 人", out.getvalue())
        bad = write_csv(self.dir, [HEADER, ["12", "", "", "", ""]], "bad.csv")
        err = io.StringIO()
        with self.assertRaises(CommandError):
            call_command("panels", "import", self.campaign.code, "另一个库", str(bad), stderr=err)
        self.assertIn("第 2 行", err.getvalue())
        self.assertFalse(self.campaign.pools.filter(title="另一个库").exists())


class ServiceListTest(UploadsTestCase):
    """R-04: a unit's list of service objects joins a pool once the organiser accepts it."""

    def setUp(self) -> None:
        super().setUp()
        self.campaign, self.method = collecting_campaign()
        self.pool = do_create_pool(self.organiser, self.campaign, "服务对象样本库")
        self.requirement = SubmissionRequirement.objects.create(
            campaign=self.campaign,
            kind=SubmissionKind.DUTIES,
            title="工作职能及服务对象登记表",
            due=datetime.date(2026, 6, 30),
        )

    def submit(self, name: str, data: bytes) -> object:
        upload = SimpleUploadedFile(name, data)
        return do_submit(self.requirement, self.gaj, actor=self.liaison, file=upload)

    def xlsx(self, rows: list[list[object]]) -> bytes:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        assert sheet is not None
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()

    def test_accepting_a_list_adds_its_people_to_the_unit_audited(self) -> None:
        submission = self.submit(
            "服务对象.xlsx",
            self.xlsx([["姓名", "手机号", "类别"], ["孙九", "13900000011", "企业办事人员"]]),
        )
        done = do_accept_service_list(self.organiser, submission, self.pool)  # type: ignore[arg-type]
        self.assertEqual(done.added, 1)
        person = Respondent.objects.get()
        self.assertEqual(person.unit, self.gaj)  # everyone on it dealt with the unit itself
        entry = AuditEntry.objects.get(action="panel.accept_list")
        self.assertEqual(entry.detail["unit"], "gaj")
        self.assertEqual(entry.detail["added"], 1)

    def test_a_document_is_refused_in_plain_words(self) -> None:
        submission = self.submit("登记表.pdf", files.pdf())
        with self.assertRaises(InvalidInput) as caught:
            do_accept_service_list(self.organiser, submission, self.pool)  # type: ignore[arg-type]
        self.assertIn("不是 Excel 表格", caught.exception.lines()[0])
        self.assertEqual(Respondent.objects.count(), 0)
