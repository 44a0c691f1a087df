from io import StringIO
from pathlib import Path

from django.core.management import call_command

from minping.audit.models import AuditEntry
from minping.campaigns.batches import AlreadyImported
from minping.campaigns.models import ImportBatch
from minping.campaigns.unit_actions import do_import_units
from minping.lib.errors import InvalidInput
from minping.lib.tests.import_fixtures import FilesMixin
from minping.orgs.models import Group, Unit
from minping.test import BaseTestCase

HEADER = ["code", "name", "parent", "group"]


class UnitImportTest(FilesMixin, BaseTestCase):
    def tree(self) -> dict[str, tuple[str, str, str]]:
        return {
            u.code: (u.name, u.parent.code if u.parent else "", u.group.code if u.group else "")
            for u in Unit.objects.select_related("parent", "group")
        }

    def problems(self, path: Path) -> list[tuple[int | None, str, str]]:
        before = (self.tree(), Group.objects.count())
        with self.assertRaises(InvalidInput) as caught:
            do_import_units(path)
        self.assertEqual((self.tree(), Group.objects.count()), before)
        self.assertEqual(ImportBatch.objects.count(), 0)
        return [(p.line, p.column, p.message) for p in caught.exception.problems]

    def test_children_may_come_before_their_parents_and_new_groups_are_created(self) -> None:
        path = self.csv_file(
            [
                HEADER,
                ["zwzx-w1", "不动产窗口", "zwzx", "windows"],
                ["zwzx-w2", "社保窗口", "zwzx", "windows"],
                ["zwzx", "政务服务中心", "", ""],
                ["gaj-w2", "出入境窗口", "gaj", ""],
            ]
        )
        summary = do_import_units(path, actor=self.organiser)
        tree = self.tree()
        self.assertEqual(tree["zwzx-w1"], ("不动产窗口", "zwzx", "windows"))
        self.assertEqual(tree["zwzx"], ("政务服务中心", "", ""))
        self.assertEqual(tree["gaj-w2"], ("出入境窗口", "gaj", ""))
        self.assertEqual(Group.objects.get(code="windows").name, "windows")
        self.assertEqual(
            summary.counts, {"created": 4, "updated": 0, "unchanged": 0, "groups_created": 1}
        )
        self.assertEqual(
            summary.text, "已导入评议对象 4 个:新增 4,更新 0,未变 0;新建组别 1:windows"
        )

    def test_reimport_updates_existing_units_and_deletes_none(self) -> None:
        path = self.csv_file(
            [
                ["代码", "名称", "上级", "组别"],
                ["gaj", "公安局", "", "agencies"],
                ["gaj-w1", "户籍窗口", "water", "重点行业"],
                ["new", "新单位", "gaj", "机关单位"],
            ],
            encoding="gb18030",
        )
        summary = do_import_units(path, actor=self.organiser)
        tree = self.tree()
        self.assertEqual(tree["gaj-w1"], ("户籍窗口", "water", "industries"))
        self.assertEqual(tree["new"], ("新单位", "gaj", "agencies"))
        self.assertEqual(tree["water"], ("水务集团", "", "industries"))  # not in the file: kept
        self.assertEqual(
            summary.counts, {"created": 1, "updated": 1, "unchanged": 1, "groups_created": 0}
        )
        entry = AuditEntry.objects.get(action="import.units")
        self.assertEqual(entry.actor, self.organiser)
        self.assertEqual(entry.detail["sha256"], summary.sha256)
        self.assertEqual(entry.detail["created"], 1)
        self.assertIn(
            {"code": "gaj-w1", "field": "parent", "old": "gaj", "new": "water"},
            entry.detail["changes"],
        )
        batch = ImportBatch.objects.get()
        self.assertEqual((batch.campaign, batch.kind, batch.rows), (None, "units", 3))

    def test_xlsx_and_optional_columns(self) -> None:
        do_import_units(self.xlsx_file([["code", "name"], ["top", "顶层"], [42, "数字代码"]]))
        self.assertEqual(self.tree()["42"], ("数字代码", "", ""))

    def test_cycles_are_reported_once_at_their_first_line(self) -> None:
        path = self.csv_file(
            [
                HEADER,
                ["a", "甲", "b", ""],
                ["b", "乙", "c", ""],
                ["c", "丙", "a", ""],
                ["d", "丁", "a", ""],
            ]
        )
        self.assertEqual(self.problems(path), [(2, "parent", "上下级形成循环:a → b → c → a")])

    def test_a_cycle_through_stored_units(self) -> None:
        # gaj-w1 is stored under gaj; putting gaj under gaj-w1 closes a loop.
        path = self.csv_file([HEADER, ["x", "某", "", ""], ["gaj", "公安局", "gaj-w1", "agencies"]])
        self.assertEqual(self.problems(path), [(3, "parent", "上下级形成循环:gaj → gaj-w1 → gaj")])

    def test_every_bad_row(self) -> None:
        path = self.csv_file(
            [
                HEADER,
                ["", "无代码", "", ""],
                ["a b", "空格", "", ""],
                ["ok", "", "", ""],
                ["self", "自己", "self", ""],
                ["orphan", "孤儿", "nowhere", ""],
                ["g", "组", "", "机关 单位"],
                ["dup", "一", "", ""],
                ["dup", "二", "", ""],
                ["long", "长" * 201, "", ""],
            ]
        )
        problems = self.problems(path)
        self.assertEqual(
            [(line, column) for line, column, _ in problems],
            [
                (2, "code"),
                (3, "code"),
                (4, "name"),
                (5, "parent"),
                (7, "group"),
                (9, "code"),
                (10, "name"),
                (6, "parent"),
            ],
        )
        messages = [m for _, _, m in problems]
        self.assertIn("不能是自己的上级", messages[3])
        self.assertIn("已有组别:agencies(机关单位)、industries(重点行业)", messages[4])
        self.assertIn("在第 8 行已出现", messages[5])
        self.assertEqual(messages[7], "上级单位“nowhere”在文件中和系统中都不存在")

    def test_the_same_file_twice_is_refused_unless_forced(self) -> None:
        path = self.csv_file([HEADER, ["a", "甲", "", ""]])
        do_import_units(path)
        with self.assertRaises(AlreadyImported):
            do_import_units(path)
        summary = do_import_units(path, force=True)
        self.assertEqual(summary.counts["unchanged"], 1)

    def test_command(self) -> None:
        path = self.csv_file([HEADER, ["a", "甲", "", ""], ["b", "乙", "a", ""]])
        out = StringIO()
        call_command("import", "units", str(path), stdout=out, stderr=StringIO())
        self.assertEqual(out.getvalue().strip(), "已导入评议对象 2 个:新增 2,更新 0,未变 0")
        self.assertEqual(Unit.objects.get(code="b").parent, Unit.objects.get(code="a"))


class UnitAttributesTest(FilesMixin, BaseTestCase):
    """The units file's optional 属性 column: what a version-2 method may cover by."""

    def test_attributes_are_read_split_and_kept_when_the_column_is_absent(self) -> None:
        do_import_units(
            self.csv_file(
                [
                    ["代码", "名称", "上级", "组别", "属性"],
                    ["gaj", "公安局", "", "agencies", "进驻市民大厅、窗口单位;进驻市民大厅"],
                    ["water", "自来水公司", "", "industries", ""],
                ]
            ),
            force=True,
        )
        self.assertEqual(Unit.objects.get(code="gaj").tags, ["进驻市民大厅", "窗口单位"])
        self.assertEqual(Unit.objects.get(code="water").tags, [])
        # A file without the column changes names, never attributes.
        summary = do_import_units(
            self.csv_file([HEADER, ["gaj", "市公安局", "", "agencies"]]), force=True
        )
        self.assertEqual(summary.counts["updated"], 1)
        self.assertEqual(Unit.objects.get(code="gaj").tags, ["进驻市民大厅", "窗口单位"])
        # With the column, an empty cell clears them.
        do_import_units(
            self.csv_file([[*HEADER, "属性"], ["gaj", "市公安局", "", "agencies", ""]]),
            force=True,
        )
        self.assertEqual(Unit.objects.get(code="gaj").tags, [])

    def test_an_overlong_attribute_is_refused_at_its_cell(self) -> None:
        path = self.csv_file([[*HEADER, "属性"], ["gaj", "公安局", "", "agencies", "长" * 41]])
        with self.assertRaises(InvalidInput) as caught:
            do_import_units(path, force=True)
        (problem,) = caught.exception.problems
        self.assertEqual((problem.line, problem.column), (2, "属性"))
        self.assertIn("每个属性不能超过 40 个字", problem.message)
        self.assertEqual(Unit.objects.get(code="gaj").tags, [])
