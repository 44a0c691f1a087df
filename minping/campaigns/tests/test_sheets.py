"""Score sheets (R-16, R-17): assigning, filling, submitting, correcting; a unit never rates
itself; the method's score is the mean of the submitted sheets, as the engine sees an import."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User

from minping.audit.models import AuditEntry
from minping.campaigns.models import Method, MethodScore, ScoreSheet, SheetLine
from minping.campaigns.score_actions import do_import_scores
from minping.campaigns.sheet_actions import (
    do_assign,
    do_assign_peers,
    do_correct_score,
    do_fill,
    do_reopen,
    do_unassign,
)
from minping.lib.errors import InvalidInput
from minping.lib.tests.import_fixtures import FilesMixin, make_campaign
from minping.orgs.models import Group, Membership, Role, Unit
from minping.scoring.tallies import load_results, read_tallies
from minping.test import BaseTestCase


class SheetTestCase(FilesMixin, BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.campaign = make_campaign()
        self.leaders = Method.objects.get(campaign=self.campaign, code="leaders")

    def rater(self, name: str, unit: Unit | None = None) -> User:
        user = User.objects.create_user(name, first_name=name.upper())
        Membership.objects.create(user=user, role=Role.RATER, unit=unit)
        return user

    def fill(self, user: User, scores: dict[Unit, str], submit: bool = True) -> ScoreSheet:
        sheet = ScoreSheet.objects.get(method=self.leaders, rater=user)
        by_line = {
            line.pk: scores.get(line.unit, "") for line in sheet.lines.select_related("unit")
        }
        do_fill(sheet, by_line, actor=user, submit=submit)
        sheet.refresh_from_db()
        return sheet

    def score(self, unit: Unit) -> Decimal | None:
        found = MethodScore.objects.filter(method=self.leaders, unit=unit).first()
        return None if found is None else found.score

    def messages(self, caught: InvalidInput) -> str:
        return ";".join(str(p) for p in caught.problems)


class MeanOfSubmittedSheetsTest(SheetTestCase):
    def test_the_method_score_is_the_mean_of_the_submitted_sheets_only(self) -> None:
        a, b, c = self.rater("a"), self.rater("b"), self.rater("c")
        for user in (a, b, c):
            do_assign(self.leaders, user, [self.gaj, self.water], actor=self.organiser)
        self.fill(a, {self.gaj: "80", self.water: "90"})
        self.assertEqual(self.score(self.gaj), Decimal(80))
        self.fill(b, {self.gaj: "85", self.water: "91.5"})
        # c only saves a draft: drafts do not count.
        self.fill(c, {self.gaj: "86", self.water: ""}, submit=False)
        # gaj: (80 + 85) / 2 = 82.5; water: (90 + 91.5) / 2 = 90.75.
        self.assertEqual(self.score(self.gaj), Decimal("82.5"))
        self.assertEqual(self.score(self.water), Decimal("90.75"))
        self.fill(c, {self.gaj: "86", self.water: "92"})
        # gaj: (80 + 85 + 86) / 3 = 251 / 3 = 83.666… → 83.6667 (4 decimals, half-up);
        # water: (90 + 91.5 + 92) / 3 = 273.5 / 3 = 91.1666… → 91.1667.
        self.assertEqual(self.score(self.gaj), Decimal("83.6667"))
        self.assertEqual(self.score(self.water), Decimal("91.1667"))
        # The engine reads it as a method score: gaj's leaders score rounds to 83.67.
        results = load_results(self.campaign)
        gaj = next(u for u in results.units if u.unit == "gaj")
        figure = gaj.methods["leaders"]
        assert figure is not None and figure.score is not None
        self.assertEqual(round(figure.score, 2), Decimal("83.67"))

    def test_the_engine_sees_sheets_exactly_as_an_import_of_the_same_scores(self) -> None:
        a, b = self.rater("a"), self.rater("b")
        for user in (a, b):
            do_assign(self.leaders, user, [self.gaj, self.water], actor=self.organiser)
        self.fill(a, {self.gaj: "70", self.water: "88.8"})
        self.fill(b, {self.gaj: "75.5", self.water: "90"})
        # gaj (70 + 75.5) / 2 = 72.75; water (88.8 + 90) / 2 = 89.4.
        from_sheets = sorted(read_tallies(self.campaign).scores, key=str)
        other = make_campaign("yc-2018-file")
        path = self.csv_file(
            [["method", "unit", "score"], ["leaders", "gaj", "72.75"], ["leaders", "water", "89.4"]]
        )
        do_import_scores(other, path, actor=self.organiser)
        self.assertEqual(sorted(read_tallies(other).scores, key=str), from_sheets)
        self.assertEqual(
            [(s.unit, s.score) for s in from_sheets],
            [("gaj", Decimal("72.75")), ("water", Decimal("89.4"))],
        )

    def test_every_step_is_audited(self) -> None:
        a = self.rater("a")
        do_assign(self.leaders, a, [self.gaj, self.water], actor=self.organiser)
        self.fill(a, {self.gaj: "80"}, submit=False)
        sheet = self.fill(a, {self.gaj: "80", self.water: "70"})
        line = sheet.lines.get(unit=self.gaj)
        do_correct_score(line, "82", reason="笔误,原表为 82 分", actor=self.organiser)
        do_reopen(sheet, reason="漏看一项", actor=self.organiser)
        actions = list(
            AuditEntry.objects.filter(action__startswith="sheet.").values_list(
                "action", "actor_label"
            )
        )
        self.assertEqual(
            actions,
            [
                ("sheet.assign", "organiser"),
                ("sheet.save", "a"),
                ("sheet.submit", "a"),
                ("sheet.correct", "organiser"),
                ("sheet.reopen", "organiser"),
            ],
        )
        correct = AuditEntry.objects.get(action="sheet.correct")
        self.assertEqual(
            correct.detail,
            {
                "method": "领导评议",
                "rater": "a",
                "unit": "公安局",
                "old": "80",
                "new": "82",
                "reason": "笔误,原表为 82 分",
            },
        )
        self.assertEqual(correct.campaign_code, "yc-2018")


class LockedOnceSubmittedTest(SheetTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.a = self.rater("a")
        do_assign(self.leaders, self.a, [self.gaj, self.water], actor=self.organiser)

    def test_a_sheet_is_submitted_only_with_every_unit_scored(self) -> None:
        with self.assertRaises(InvalidInput) as caught:
            self.fill(self.a, {self.gaj: "80"})
        self.assertIn("水务集团:还没有打分", self.messages(caught.exception))
        self.assertFalse(ScoreSheet.objects.get().submitted)
        self.assertIsNone(self.score(self.gaj))

    def test_scores_outside_0_to_100_are_refused_and_nothing_is_stored(self) -> None:
        with self.assertRaises(InvalidInput) as caught:
            self.fill(self.a, {self.gaj: "101", self.water: "八十"}, submit=False)
        text = self.messages(caught.exception)
        self.assertIn("公安局:得分 101 不在 0 到 100 之间", text)
        self.assertIn("水务集团:“八十”不是数字", text)
        self.assertEqual(list(SheetLine.objects.values_list("score", flat=True)), [None, None])

    def test_a_submitted_sheet_is_locked_and_corrected_only_by_the_organiser(self) -> None:
        sheet = self.fill(self.a, {self.gaj: "80", self.water: "70"})
        with self.assertRaises(InvalidInput) as caught:
            self.fill(self.a, {self.gaj: "99", self.water: "99"})
        self.assertIn("评分表已提交,不能再修改", self.messages(caught.exception))
        self.assertEqual(self.score(self.gaj), Decimal(80))
        line = sheet.lines.get(unit=self.gaj)
        # The rater may not correct their own submitted score, nor remove a unit.
        with self.assertRaises(InvalidInput):
            do_correct_score(line, "99", reason="想改", actor=self.a)
        with self.assertRaises(InvalidInput):
            do_unassign(line, actor=self.organiser)
        with self.assertRaises(InvalidInput) as caught:
            do_correct_score(line, "85", reason="", actor=self.organiser)
        self.assertIn("请写明更正的原因", self.messages(caught.exception))
        do_correct_score(line, "85", reason="原表为 85", actor=self.organiser)
        self.assertEqual(self.score(self.gaj), Decimal(85))

    def test_a_reopened_sheet_stops_counting_until_submitted_again(self) -> None:
        sheet = self.fill(self.a, {self.gaj: "80", self.water: "70"})
        do_reopen(sheet, reason="请复核", actor=self.organiser)
        self.assertIsNone(self.score(self.gaj))
        self.assertEqual(MethodScore.objects.count(), 0)
        self.fill(self.a, {self.gaj: "81", self.water: "70"})
        self.assertEqual(self.score(self.gaj), Decimal(81))

    def test_nobody_fills_another_raters_sheet(self) -> None:
        sheet = ScoreSheet.objects.get()
        line_ids = list(sheet.lines.values_list("pk", flat=True))
        for intruder in (self.rater("b"), self.organiser):
            with self.assertRaises(InvalidInput) as caught:
                do_fill(sheet, dict.fromkeys(line_ids, "100"), actor=intruder, submit=True)
            self.assertIn("只有评分人本人", self.messages(caught.exception))
        self.assertIsNone(self.score(self.gaj))

    def test_a_sheet_of_a_method_changed_to_ballots_is_not_taken(self) -> None:
        self.leaders.input = Method.BALLOTS  # the definition was reloaded with input = ballots
        self.leaders.save()
        with self.assertRaises(InvalidInput) as caught:
            self.fill(self.a, {self.gaj: "80", self.water: "70"})
        self.assertIn("已改为按答卷计分", self.messages(caught.exception))
        self.assertFalse(MethodScore.objects.exists())

    def test_a_draft_assignment_can_be_removed(self) -> None:
        line = SheetLine.objects.get(unit=self.water)
        do_unassign(line, actor=self.organiser)
        self.assertEqual(list(SheetLine.objects.values_list("unit__code", flat=True)), ["gaj"])
        do_unassign(SheetLine.objects.get(), actor=self.organiser)
        self.assertEqual(ScoreSheet.objects.count(), 0)  # an empty sheet goes too


class NeverRatesItselfTest(SheetTestCase):
    """R-16: a unit never rates itself, nor its windows, nor the department above it."""

    def refused(self, user: User, units: list[Unit]) -> str:
        with self.assertRaises(InvalidInput) as caught:
            do_assign(self.leaders, user, units, actor=self.organiser)
        self.assertEqual(SheetLine.objects.count(), 0)
        return self.messages(caught.exception)

    def test_a_rater_of_a_unit_is_refused_that_unit_its_window_and_its_department(self) -> None:
        police = self.rater("police", self.gaj)
        self.assertIn(
            "评分人属于公安局,不能给公安局(本单位)评分:单位不给自己评分",
            self.refused(police, [self.gaj]),
        )
        self.assertIn("户政窗口(公安局的下属单位)", self.refused(police, [self.gaj_window]))
        window = self.rater("window", self.gaj_window)
        self.assertIn("公安局(户政窗口的上级单位)", self.refused(window, [self.gaj]))
        # All or nothing: with one unit of its own among others, nothing is assigned.
        self.refused(police, [self.water, self.gaj])
        do_assign(self.leaders, police, [self.water], actor=self.organiser)
        self.assertEqual(SheetLine.objects.count(), 1)

    def test_a_liaison_who_is_also_a_rater_never_rates_the_liaisons_unit(self) -> None:
        Membership.objects.create(user=self.liaison, role=Role.RATER)
        self.assertIn("评分人属于公安局", self.refused(self.liaison, [self.gaj_window]))

    def test_a_rater_who_joined_the_unit_after_assignment_cannot_submit_its_score(self) -> None:
        a = self.rater("a")
        do_assign(self.leaders, a, [self.water], actor=self.organiser)
        Membership.objects.create(user=a, role=Role.LIAISON, unit=self.water)
        with self.assertRaises(InvalidInput) as caught:
            self.fill(a, {self.water: "100"})
        self.assertIn("不能给水务集团(本单位)评分", self.messages(caught.exception))
        self.assertIsNone(self.score(self.water))
        self.assertFalse(ScoreSheet.objects.get().submitted)

    def test_only_raters_units_taking_part_and_score_methods(self) -> None:
        self.assertIn("没有评分人角色", self.refused(self.outsider, [self.gaj]))
        outside = Unit.objects.create(
            code="bank", name="某银行", group=Group.objects.create(code="x")
        )
        a = self.rater("a")
        self.assertIn("某银行不参加本次评议活动", self.refused(a, [outside]))
        online = Method.objects.get(campaign=self.campaign, code="online")
        with self.assertRaises(InvalidInput) as caught:
            do_assign(online, a, [self.gaj], actor=self.organiser)
        self.assertIn("按答卷计分,不用评分表", self.messages(caught.exception))
        with self.assertRaises(InvalidInput) as caught:
            do_assign(self.leaders, a, [self.gaj], actor=self.leader)
        self.assertIn("只有组织单位", self.messages(caught.exception))


class SheetsOrFileTest(SheetTestCase):
    """A method's scores come from sheets or from a file, never silently both."""

    def test_a_file_cannot_import_scores_for_a_method_on_sheets(self) -> None:
        do_assign(self.leaders, self.rater("a"), [self.gaj], actor=self.organiser)
        path = self.csv_file([["method", "unit", "score"], ["leaders", "water", "90"]])
        with self.assertRaises(InvalidInput) as caught:
            do_import_scores(self.campaign, path, actor=self.organiser)
        self.assertIn("的得分来自评分人在网上提交的评分表", self.messages(caught.exception))
        self.assertEqual(MethodScore.objects.count(), 0)

    def test_a_method_with_imported_scores_takes_no_sheets(self) -> None:
        path = self.csv_file([["method", "unit", "score"], ["leaders", "water", "90"]])
        do_import_scores(self.campaign, path, actor=self.organiser)
        with self.assertRaises(InvalidInput) as caught:
            do_assign(self.leaders, self.rater("a"), [self.gaj], actor=self.organiser)
        self.assertIn("的得分已从文件导入", self.messages(caught.exception))
        self.assertEqual(ScoreSheet.objects.count(), 0)


class PeerRatingTest(SheetTestCase):
    """Window-to-window peer rating (互评): each window rates the others, never itself."""

    def setUp(self) -> None:
        super().setUp()
        windows = Group.objects.create(code="windows", name="服务窗口")
        centre = Unit.objects.create(code="centre", name="政务服务中心")
        self.w = [
            Unit.objects.create(code=f"w{i}", name=name, parent=centre, group=windows)
            for i, name in enumerate(["不动产窗口", "社保窗口", "税务窗口", "公积金窗口"], 1)
        ]
        self.campaign.groups = ["windows"]
        self.campaign.save()
        self.staff = {
            self.w[0]: [self.rater("bdc1", self.w[0]), self.rater("bdc2", self.w[0])],
            self.w[1]: [self.rater("sb", self.w[1])],
            self.w[2]: [self.rater("sw", self.w[2])],
        }  # the housing-fund window has no rater account

    def test_every_window_rates_all_the_others_and_never_itself(self) -> None:
        outcome = do_assign_peers(self.leaders, self.w, actor=self.organiser)
        self.assertEqual((outcome.raters, outcome.assigned), (4, 12))  # 4 raters × 3 others
        self.assertEqual(outcome.without_raters, [self.w[3]])
        for unit, people in self.staff.items():
            for user in people:
                rated = set(
                    SheetLine.objects.filter(sheet__rater=user).values_list("unit", flat=True)
                )
                self.assertEqual(rated, {w.pk for w in self.w} - {unit.pk}, user.username)
        entry = AuditEntry.objects.get(action="sheet.assign_peers")
        self.assertEqual(entry.detail["without_raters"], ["公积金窗口"])
        # Run again: nothing new, nothing doubled.
        self.assertEqual(do_assign_peers(self.leaders, self.w, actor=self.organiser).assigned, 0)
        self.assertEqual(SheetLine.objects.count(), 12)

    def test_peer_scores_average_over_the_other_windows(self) -> None:
        do_assign_peers(self.leaders, self.w[:3], actor=self.organiser)
        given = {"bdc1": "90", "bdc2": "80", "sb": "70", "sw": "60"}
        for people in self.staff.values():
            for user in people:
                sheet = ScoreSheet.objects.get(rater=user)
                do_fill(
                    sheet,
                    {line.pk: given[user.username] for line in sheet.lines.all()},
                    actor=user,
                    submit=True,
                )
        # 不动产窗口 by sb 70 and sw 60 → 65; 社保窗口 by bdc1 90, bdc2 80, sw 60 → 230/3 =
        # 76.666… → 76.6667; 税务窗口 by 90, 80, 70 → 80.
        self.assertEqual(self.score(self.w[0]), Decimal(65))
        self.assertEqual(self.score(self.w[1]), Decimal("76.6667"))
        self.assertEqual(self.score(self.w[2]), Decimal(80))

    def test_peer_rating_needs_two_units_with_raters(self) -> None:
        with self.assertRaises(InvalidInput) as caught:
            do_assign_peers(self.leaders, [self.w[3]], actor=self.organiser)
        text = self.messages(caught.exception)
        self.assertIn("互评至少要选两个单位", text)
        self.assertIn("所选单位都没有评分人账号", text)
        self.assertEqual(ScoreSheet.objects.count(), 0)
