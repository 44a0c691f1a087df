"""Loading a definition into the database: create, update in place, refuse to lose data."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from minping.audit.log import verify
from minping.audit.models import AuditEntry
from minping.campaigns.actions import do_load_campaign, load_campaign
from minping.campaigns.definition import parse_definition
from minping.campaigns.models import (
    Campaign,
    DeductionRule,
    DeductionSource,
    Indicator,
    Method,
    ScaleLevel,
    Stage,
    VetoRule,
)
from minping.campaigns.tests.test_definition import YINCHUAN, edit
from minping.lib.errors import InvalidInput
from minping.orgs.models import Group
from minping.oversight.models import Deduction
from minping.surveys.models import Answer, Ballot
from minping.test import BaseTestCase

THIRD_PARTY = """[[methods]]
code = "third_party"
title = "第三方测评"
weight = 25
input = "ballots"
"""


def load(text: str, **kwargs: object) -> Campaign:
    campaign, _ = do_load_campaign(parse_definition(text), text, **kwargs)  # type: ignore[arg-type]
    return campaign


class LoadTestCase(BaseTestCase):
    def snapshot(self) -> list[tuple[object, ...]]:
        """Every definition row, to show that a refused load changed nothing."""
        rows: list[tuple[object, ...]] = list(Campaign.objects.values_list("code", "title"))
        for model in (ScaleLevel, Indicator, Method, Stage, DeductionSource, DeductionRule):
            rows += [(model.__name__, *r) for r in model.objects.values_list()]
        return rows

    def add_ballot(self, campaign: Campaign, method: str = "third_party") -> None:
        ballot = Ballot.objects.create(
            campaign=campaign,
            method=campaign.methods.get(code=method),
            unit=self.gaj,
            date=datetime.date(2018, 9, 1),
        )
        Answer.objects.create(
            ballot=ballot,
            campaign=campaign,
            method=ballot.method,
            unit=self.gaj,
            indicator=campaign.indicators.get(code="sifeng"),
            level=campaign.levels.get(label="差"),
        )


class CreateTests(LoadTestCase):
    def test_full_example_creates_every_row(self) -> None:
        campaign, created = do_load_campaign(
            parse_definition(YINCHUAN), YINCHUAN, actor=self.organiser
        )
        self.assertTrue(created)
        campaign.refresh_from_db()
        self.assertEqual(campaign.title, "2018年银川市群众评议机关作风")
        self.assertEqual(
            (campaign.groups, campaign.exclude), (["agencies", "industries"], ["bank"])
        )
        self.assertEqual(campaign.baseline_code, "yc-2017")
        self.assertEqual(campaign.deductions_to, datetime.date(2018, 11, 30))
        self.assertEqual(
            (campaign.excellent, campaign.unsatisfactory, campaign.watchlist), (3, 3, 3)
        )
        self.assertEqual(campaign.definition, YINCHUAN)
        self.assertEqual(
            list(campaign.levels.values_list("label", "points", "satisfied")),
            [
                ("好", 100, True),
                ("较好", 80, True),
                ("一般", 60, False),
                ("较差", 30, False),
                ("差", 0, False),
            ],
        )
        self.assertEqual(
            list(campaign.indicators.values_list("code", "weight")),
            [("sifeng", 1), ("sanbuwei", 1), ("attitude", Decimal("1.5"))],
        )
        self.assertEqual(
            list(campaign.methods.values_list("code", "weight", "input")),
            [
                ("third_party", 25, "ballots"),
                ("service_centre", 25, "ballots"),
                ("representatives", 25, "ballots"),
                ("online", 25, "scores"),
            ],
        )
        self.assertEqual(
            list(campaign.deduction_sources.values_list("code", "cap")),
            [("media", 5), ("discipline", None)],
        )
        rules = {r.code: (r.source.code, r.points) for r in campaign.deduction_rules.all()}
        self.assertEqual(len(rules), 6)
        self.assertEqual(rules["no_interview"], ("media", Decimal("0.1")))
        self.assertEqual(rules["investigated"], ("discipline", 1))
        self.assertEqual(rules["criticised"], ("discipline", Decimal("0.5")))
        self.assertEqual(
            list(campaign.veto_rules.values_list("code", flat=True)), ["case_filed", "bad_impact"]
        )
        self.assertEqual(
            list(campaign.stages.values_list("code", "starts", "ends")),
            [
                ("mobilise", datetime.date(2018, 5, 1), datetime.date(2018, 5, 31)),
                ("appraise", datetime.date(2018, 9, 1), datetime.date(2018, 10, 31)),
            ],
        )
        entry = AuditEntry.objects.get(action="campaign.load")
        self.assertEqual(entry.actor, self.organiser)
        self.assertEqual(entry.campaign_code, "yc-2018")
        self.assertEqual(entry.detail["counts"]["rules"], 6)
        self.assertEqual(verify(), [])

    def test_groups_are_created_and_named(self) -> None:
        text = edit(YINCHUAN, '"industries"]', '"industries", {code = "windows"}]')
        load(text)
        # A title renames the group; without one an existing name stays, a new group gets its code.
        self.assertEqual(
            dict(Group.objects.values_list("code", "name")),
            {"agencies": "市级机关单位", "industries": "重点行业", "windows": "windows"},
        )


class UpdateTests(LoadTestCase):
    def setUp(self) -> None:
        self.campaign = load(YINCHUAN)
        self.method_ids = dict(self.campaign.methods.values_list("code", "id"))

    def test_changed_title_updates_in_place(self) -> None:
        text = edit(YINCHUAN, 'title = "网络评议"', 'title = "网上评议"')
        text = edit(text, 'title = "2018年银川市群众评议机关作风"', 'title = "银川 2018"')
        outcome = load_campaign(parse_definition(text), text, actor=self.organiser)
        self.assertFalse(outcome.created)
        self.assertEqual(Campaign.objects.get().title, "银川 2018")
        online = Method.objects.get(code="online")
        self.assertEqual((online.title, online.id), ("网上评议", self.method_ids["online"]))
        entry = AuditEntry.objects.get(action="campaign.update")
        self.assertEqual(
            entry.detail["changes"],
            {
                "campaign": {"title": ["2018年银川市群众评议机关作风", "银川 2018"]},
                "methods": {"changed": {"online": {"title": ["网络评议", "网上评议"]}}},
            },
        )

    def test_weights_rules_and_removal_without_data(self) -> None:
        text = edit(YINCHUAN, "weight = 25.0", "weight = 35")
        text = edit(text, 'weight = 25\ninput = "scores"', 'weight = 15\ninput = "scores"')
        text = edit(text, 'source = "discipline"\npoints = 0.5', 'source = "media"\npoints = 0.5')
        text = edit(text, '[[vetoes]]\ncode = "bad_impact"', '[[vetoes]]\ncode = "lawsuit"')
        outcome = load_campaign(parse_definition(text), text)
        self.assertEqual(
            list(Method.objects.values_list("code", "weight")),
            [("third_party", 25), ("service_centre", 25), ("representatives", 35), ("online", 15)],
        )
        self.assertEqual(DeductionRule.objects.get(code="criticised").source.code, "media")
        self.assertEqual(
            list(VetoRule.objects.values_list("code", flat=True)), ["case_filed", "lawsuit"]
        )
        self.assertEqual(
            outcome.changes["vetoes"], {"added": ["lawsuit"], "removed": ["bad_impact"]}
        )
        self.assertEqual(outcome.changes["methods"]["changed"]["online"], {"weight": ["25", "15"]})

    def test_removing_a_source_moves_its_kept_rules_first(self) -> None:
        start = YINCHUAN.index('[[deductions.sources]]\ncode = "discipline"')
        end = YINCHUAN.index("[[deductions.rules]]")
        text = YINCHUAN[:start] + YINCHUAN[end:]
        text = text.replace('source = "discipline"', 'source = "media"')
        load(text)
        self.assertEqual(list(DeductionSource.objects.values_list("code", flat=True)), ["media"])
        self.assertEqual(DeductionRule.objects.filter(source__code="media").count(), 6)

    def test_reordering_scale_levels(self) -> None:
        text = edit(
            YINCHUAN,
            '{label = "一般", points = 60}, {label = "较差", points = 30}',
            '{label = "较差", points = 30}, {label = "一般", points = 60}',
        )
        load(text)
        self.assertEqual(
            list(ScaleLevel.objects.values_list("label", flat=True)),
            ["好", "较好", "较差", "一般", "差"],
        )

    def test_removing_a_method_with_ballots_is_refused_and_nothing_changes(self) -> None:
        self.add_ballot(self.campaign)
        before, audit_rows = self.snapshot(), AuditEntry.objects.count()
        text = edit(YINCHUAN, THIRD_PARTY, "")
        text = edit(text, "weight = 25.0", "weight = 50")  # still sums to 100
        text = edit(text, 'title = "网络评议"', 'title = "网上评议"')
        with self.assertRaises(InvalidInput) as caught:
            load(text)
        message = str(caught.exception.problems[0])
        self.assertIn("评议方法“third_party”", message)
        self.assertIn("答卷 1 条", message)
        self.assertIn("答案 1 条", message)  # found through the hidden reverse relation
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(AuditEntry.objects.count(), audit_rows)

    def test_removing_level_indicator_or_rule_with_data_is_refused(self) -> None:
        self.add_ballot(self.campaign)
        Deduction.objects.create(
            campaign=self.campaign,
            unit=self.gaj,
            rule=DeductionRule.objects.get(code="criticised"),
            date=datetime.date(2018, 3, 1),
        )
        text = edit(YINCHUAN, ',\n          {label = "差", points = 0}', "")
        text = edit(text, '[[indicators]]\ncode = "sifeng"', '[[indicators]]\ncode = "sifeng2"')
        text = edit(text, 'code = "criticised"', 'code = "criticised2"')
        with self.assertRaises(InvalidInput) as caught:
            load(text)
        messages = "\n".join(str(p) for p in caught.exception.problems)
        self.assertEqual(caught.exception.total, 3, messages)
        self.assertIn("评价等级“差”", messages)
        self.assertIn("评议内容“sifeng”", messages)
        self.assertIn("减分规则“criticised”,但它已有数据(减分 1 条)", messages)
        self.assertTrue(Indicator.objects.filter(code="sifeng").exists())

    def test_changing_input_of_a_method_with_ballots_is_refused(self) -> None:
        self.add_ballot(self.campaign)
        text = edit(YINCHUAN, THIRD_PARTY, THIRD_PARTY.replace("ballots", "scores"))
        with self.assertRaises(InvalidInput):
            load(text)
        self.assertEqual(Method.objects.get(code="third_party").input, "ballots")

    def test_identical_reload_is_a_no_op(self) -> None:
        audit_rows = AuditEntry.objects.count()
        updated = Campaign.objects.get().updated
        outcome = load_campaign(parse_definition(YINCHUAN), YINCHUAN)
        self.assertTrue(outcome.unchanged)
        self.assertEqual(AuditEntry.objects.count(), audit_rows)
        self.assertEqual(Campaign.objects.get().updated, updated)

    def test_comment_only_change_stores_the_new_text(self) -> None:
        text = YINCHUAN + "# 2018-06-01 修订\n"
        outcome = load_campaign(parse_definition(text), text)
        self.assertEqual(outcome.changes, {"text": "只改了注释或格式"})
        self.assertEqual(Campaign.objects.get().definition, text)
        self.assertTrue(AuditEntry.objects.filter(action="campaign.update").exists())


class PublishedTests(LoadTestCase):
    def setUp(self) -> None:
        self.campaign = load(YINCHUAN)
        self.campaign.published_at = timezone.now()
        self.campaign.save()
        self.changed = edit(YINCHUAN, "points = 0.5", "points = 1")

    def test_rule_change_is_refused(self) -> None:
        with self.assertRaises(InvalidInput) as caught:
            load(self.changed)
        message = str(caught.exception.problems[0])
        self.assertIn("结果已于", message)
        self.assertIn("criticised(分值 0.5 → 1)", message)
        self.assertIn("--force", message)
        self.assertEqual(DeductionRule.objects.get(code="criticised").points, Decimal("0.5"))

    def test_forced_change_is_audited(self) -> None:
        outcome = load_campaign(
            parse_definition(self.changed), self.changed, actor=self.organiser, force=True
        )
        self.assertTrue(outcome.forced)
        self.assertEqual(DeductionRule.objects.get(code="criticised").points, 1)
        entry = AuditEntry.objects.get(action="campaign.update")
        self.assertIs(entry.detail["forced"], True)
        self.assertEqual(
            entry.detail["changes"]["rules"], {"changed": {"criticised": {"points": ["0.5", "1"]}}}
        )

    def test_title_change_needs_no_force(self) -> None:
        text = edit(YINCHUAN, 'title = "集中评议"', 'title = "集中评议阶段"')
        outcome = load_campaign(parse_definition(text), text)
        self.assertFalse(outcome.forced)
        self.assertEqual(Stage.objects.get(code="appraise").title, "集中评议阶段")
        self.assertNotIn("forced", AuditEntry.objects.get(action="campaign.update").detail)


class CommandTests(LoadTestCase):
    def write(self, text: str | bytes, name: str = "yc.toml") -> str:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        path = Path(folder.name) / name
        if isinstance(text, str):
            path.write_text(text, encoding="utf-8")
        else:
            path.write_bytes(text)
        return str(path)

    def run_load(self, *args: str) -> tuple[str, str]:
        out, err = StringIO(), StringIO()
        call_command("load", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_create_then_unchanged_then_updated(self) -> None:
        out, _ = self.run_load(self.write(YINCHUAN))
        self.assertIn(
            "已创建评议活动 yc-2018(2018年银川市群众评议机关作风):3 项评议内容、4 种评议方法、", out
        )
        self.assertIn("6 条减分规则", out)
        out, _ = self.run_load(self.write(YINCHUAN))
        self.assertIn("未作改动", out)
        out, _ = self.run_load(self.write(edit(YINCHUAN, "cap = 5", "cap = 4")))
        self.assertIn("已更新评议活动 yc-2018", out)
        self.assertIn("减分来源:media(减分上限 5 → 4)", out)

    def test_gb18030_file(self) -> None:
        self.run_load(self.write(YINCHUAN.encode("gb18030")))
        self.assertEqual(Campaign.objects.get().title, "2018年银川市群众评议机关作风")

    def test_bad_file_lists_every_problem_and_stores_nothing(self) -> None:
        text = edit(YINCHUAN, "to = 2018-11-30", "to = 2018-11-31")
        text = edit(text, 'source = "discipline"\npoints = 1', 'source = "jiwei"\npoints = 1')
        err = StringIO()
        with self.assertRaises(CommandError) as caught:
            call_command("load", self.write(text), stderr=err)
        self.assertIn("有 2 处错误,未作任何改动", str(caught.exception))
        self.assertIn("第 53 行:2018-11-31 不是有效日期(11 月只有 30 天)", err.getvalue())
        self.assertIn("第 91 行:deductions.rules[5].source 引用了不存在的减分来源", err.getvalue())
        self.assertFalse(Campaign.objects.exists())
        self.assertFalse(Method.objects.exists())
        self.assertFalse(AuditEntry.objects.exists())

    def test_missing_file_and_directory(self) -> None:
        with self.assertRaisesMessage(CommandError, "找不到文件"):
            self.run_load("/nonexistent/yc.toml")
        with self.assertRaisesMessage(CommandError, "是一个目录"):
            self.run_load(tempfile.gettempdir())

    def test_published_change_needs_force(self) -> None:
        load(YINCHUAN)
        Campaign.objects.update(published_at=timezone.now())
        path = self.write(edit(YINCHUAN, "excellent = 3", "excellent = 5"))
        with self.assertRaises(CommandError):
            self.run_load(path)
        self.assertEqual(Campaign.objects.get().excellent, 3)
        out, _ = self.run_load(path, "--force")
        self.assertIn("强制改动", out)
        self.assertEqual(Campaign.objects.get().excellent, 5)

    def test_exit_status_and_no_traceback_from_the_console_script(self) -> None:
        path = self.write(edit(YINCHUAN, "to = 2018-11-30", "to = 2018-11-31"))
        minping = Path(sys.executable).with_name("minping")
        # Its own data directory: the command must not touch the developer's database.
        folder = Path(path).parent
        env = {
            **os.environ,
            "MINPING_DATA_DIR": str(folder),
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        }
        result = subprocess.run(
            [str(minping), "load", path], capture_output=True, text=True, env=env, timeout=60
        )
        self.assertEqual(result.returncode, 1)
        self.assertIn("第 53 行:2018-11-31 不是有效日期", result.stderr)
        self.assertNotIn("Traceback", result.stderr)
