"""R-05 and R-03: who takes part in a campaign is decided in one place and obeyed everywhere.

One unit tree serves every test (groups in brackets). The campaign takes the groups
depts, firms and windows, and excludes bank, gas-w1 and closed-centre:

    dept [depts]              a department surveyed through its windows (R-03)
      dept-w1                   a window, itself with a station
        dept-w1-s
      dept-w2
    direct [depts]            a department surveyed directly
    centre                    a service centre: a container whose windows ...
      centre-w1 [windows]       ... are ranked in their own group
      centre-w2 [windows]
    bank [firms]              appraised elsewhere (R-05), excluded with its window
      bank-w1
    gas [firms]
      gas-w1                    a window excluded on its own
    closed-centre             an excluded container: its ranked window goes with it
      closed-w1 [windows]
    orphan                    a unit in no group, under no ranked unit
      orphan-w
    other [elsewhere]         a group this campaign does not take
      other-w1
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction
from unittest import TestCase

from django.contrib.auth.models import User
from django.urls import reverse

from minping.campaigns.definition import GroupDef, IndicatorDef, MethodDef
from minping.campaigns.models import Campaign
from minping.campaigns.participation import Participation, UnitDef
from minping.campaigns.score_actions import do_import_scores
from minping.campaigns.unit_actions import do_import_units
from minping.lib.errors import InvalidInput
from minping.lib.tests.import_fixtures import FilesMixin, make_campaign
from minping.orgs.models import Membership, Role, Unit
from minping.oversight.actions import do_import_deductions, do_import_vetoes
from minping.oversight.forms import campaign_units
from minping.scoring.engine import compute
from minping.scoring.tests.builders import campaign as engine_campaign
from minping.scoring.tests.builders import tallies, votes
from minping.surveys.actions import do_import_ballots
from minping.surveys.models import WindowLink
from minping.surveys.progress import method_progress
from minping.surveys.questionnaires import pickable_units
from minping.test import BaseTestCase

# code, name, parent, group
TREE = [
    ("dept", "人社局", "", "depts"),
    ("dept-w1", "社保窗口", "dept", ""),
    ("dept-w1-s", "社保经办站", "dept-w1", ""),
    ("dept-w2", "就业窗口", "dept", ""),
    ("direct", "民政局", "", "depts"),
    ("centre", "政务服务中心", "", ""),
    ("centre-w1", "中心一号窗口", "centre", "windows"),
    ("centre-w2", "中心二号窗口", "centre", "windows"),
    ("bank", "某银行", "", "firms"),
    ("bank-w1", "银行营业厅", "bank", ""),
    ("gas", "燃气公司", "", "firms"),
    ("gas-w1", "燃气营业厅", "gas", ""),
    ("closed-centre", "已撤销的分中心", "", ""),
    ("closed-w1", "分中心窗口", "closed-centre", "windows"),
    ("orphan", "未分组单位", "", ""),
    ("orphan-w", "未分组单位窗口", "orphan", ""),
    ("other", "外系统单位", "", "elsewhere"),
    ("other-w1", "外系统窗口", "other", ""),
]
GROUPS = ("depts", "firms", "windows")
EXCLUDE = ("bank", "gas-w1", "closed-centre")

EXCLUDED = "不参加本次活动(已被排除)"
NO_GROUP = "没有排名组别,也不是参评单位的下属窗口或站所"
# What the campaign decides for each unit: ranked, the ranked unit its data count for,
# its parts, and why data about it are refused ("" when they are not).
ROWS: list[tuple[str, bool, str | None, list[str], str]] = [
    ("dept", True, "dept", ["dept-w1", "dept-w2"], ""),
    ("dept-w1", False, "dept", ["dept-w1-s"], ""),
    ("dept-w1-s", False, "dept", [], ""),
    ("dept-w2", False, "dept", [], ""),
    ("direct", True, "direct", [], ""),
    ("centre", False, None, [], "没有排名组别,本身不参加排名(其下属单位在各自的组别中排名)"),
    ("centre-w1", True, "centre-w1", [], ""),
    ("centre-w2", True, "centre-w2", [], ""),
    ("bank", False, None, [], f"评议对象“bank”{EXCLUDED}"),
    ("bank-w1", False, None, [], f"评议对象“bank-w1”(其上级“bank”){EXCLUDED}"),
    ("gas", True, "gas", [], ""),  # its only window is excluded: no parts
    ("gas-w1", False, None, [], f"评议对象“gas-w1”{EXCLUDED}"),
    ("closed-centre", False, None, [], EXCLUDED),
    ("closed-w1", False, None, [], f"(其上级“closed-centre”){EXCLUDED}"),
    ("orphan", False, None, [], NO_GROUP),
    ("orphan-w", False, None, [], NO_GROUP),
    ("other", False, None, [], "属于组别“elsewhere”,不在本次活动的参评组别"),
    ("other-w1", False, None, [], "属于组别“elsewhere”,不在本次活动的参评组别"),
    ("nobody", False, None, [], "没有代码为“nobody”的评议对象"),
]
RANKED = ["dept", "direct", "gas", "centre-w1", "centre-w2"]  # by group, then code
PARTS = ["dept-w1", "dept-w1-s", "dept-w2"]
REFUSED = [code for code, *_, refusal in ROWS if refusal and code != "nobody"]


def tree() -> list[UnitDef]:
    return [
        UnitDef(code, name, parent or None, group or None) for code, name, parent, group in TREE
    ]


class ParticipationTableTest(TestCase):
    """The rules themselves, row by row, and the engine ranking exactly what they rank."""

    def setUp(self) -> None:
        self.taking_part = Participation(tree(), GROUPS, EXCLUDE)

    def test_every_unit_of_the_tree(self) -> None:
        for code, ranked, counts_for, parts, refusal in ROWS:
            with self.subTest(code):
                self.assertEqual(self.taking_part.is_ranked(code), ranked)
                self.assertEqual(self.taking_part.counts_for(code), counts_for)
                self.assertEqual(self.taking_part.takes_part(code), counts_for is not None)
                self.assertEqual(self.taking_part.parts(code), parts)
                if refusal:
                    self.assertIn(refusal, self.taking_part.refusal(code))
                    with self.assertRaises(ValueError):
                        self.taking_part.resolve(code)
                else:
                    self.assertEqual(self.taking_part.refusal(code), "")

    def test_the_lists(self) -> None:
        self.assertEqual([u.code for u in self.taking_part.ranked], RANKED)
        self.assertEqual([u.code for u in self.taking_part.every_part()], PARTS)
        self.assertEqual([u.code for u in self.taking_part.taking_part()], sorted(RANKED + PARTS))

    def test_the_engine_ranks_and_averages_what_participation_decides(self) -> None:
        # One answer per unit on the one indicator, so a unit's own score is its level:
        #   dept-w1-s 好 100, dept-w2 一般 60, direct 较好 80, centre-w1 好 100,
        #   centre-w2 差 0; and 好 100 for bank-w1, gas-w1, closed-w1, orphan-w and the
        #   centre itself, none of which may count.
        # dept-w1 has no answers: its figure is its station's, 100 (S-2, recursively);
        # dept = (dept-w1 100 + dept-w2 60) / 2 = 80.00.
        # gas has no answers and its only window is excluded: no figure at all, so it
        # is missing rather than scored 100 from gas-w1.
        levels = {
            "dept-w1-s": "好",
            "dept-w2": "一般",
            "direct": "较好",
            "centre-w1": "好",
            "centre-w2": "差",
            "bank-w1": "好",
            "gas-w1": "好",
            "closed-w1": "好",
            "orphan-w": "好",
            "centre": "好",
        }
        defn = engine_campaign(
            groups=tuple(GroupDef(g, g) for g in GROUPS),
            exclude=EXCLUDE,
            indicators=(IndicatorDef("a", "依法履职"),),
            methods=(MethodDef("survey", "问卷评议", Decimal(100)),),
        )
        voted = [votes("survey", unit, "a", {level: 1}) for unit, level in levels.items()]
        results = compute(defn, tallies(tree(), *voted))
        self.assertEqual(sorted(u.unit for u in results.units), sorted(RANKED))
        scores = {
            u.unit: figure.score
            for u in results.units
            if (figure := u.methods["survey"]) is not None
        }
        self.assertEqual(
            scores,
            {"dept": Fraction(80), "direct": 80, "centre-w1": 100, "centre-w2": 0},
        )
        dept = next(u for u in results.units if u.unit == "dept").methods["survey"]
        assert dept is not None
        self.assertEqual([p.unit for p in dept.parts], ["dept-w1", "dept-w2"])
        self.assertEqual([p.unit for p in dept.parts[0].parts], ["dept-w1-s"])
        self.assertEqual([m.unit for m in results.missing], ["gas"])


class ParticipationCallersTest(FilesMixin, BaseTestCase):
    """Each place that used to decide on its own now agrees with the table."""

    def setUp(self) -> None:
        super().setUp()
        rows = [["code", "name", "parent", "group"], *[list(row) for row in TREE]]
        do_import_units(self.csv_file(rows, "units.csv"))
        self.campaign = make_campaign("part-2018", groups=list(GROUPS), exclude=list(EXCLUDE))
        self.taking_part = self.campaign.participation()

    def import_refused(self, action: object, header: list[str], row: list[str]) -> None:
        """A file naming every refused unit: each row refused with the table's reason."""
        rows = [header, *([cell.replace("UNIT", code) for cell in row] for code in REFUSED)]
        with self.assertRaises(InvalidInput) as caught:
            action(self.campaign, self.csv_file(rows))  # type: ignore[operator]
        by_line = {p.line: p.message for p in caught.exception.problems if p.column}
        for line, code in enumerate(REFUSED, start=2):
            self.assertEqual(by_line.get(line), self.taking_part.refusal(code), code)

    def test_every_import_refuses_what_does_not_take_part(self) -> None:
        self.import_refused(
            do_import_ballots,
            ["ballot", "method", "unit", "indicator", "level"],
            ["b-UNIT", "third_party", "UNIT", "sifeng", "好"],
        )
        self.import_refused(
            do_import_scores, ["method", "unit", "score"], ["leaders", "UNIT", "90"]
        )
        self.import_refused(
            do_import_deductions,
            ["unit", "rule", "date", "count", "evidence", "signed_off"],
            ["UNIT", "no_interview", "2018-05-01", "1", "某号", "是"],
        )
        self.import_refused(
            do_import_vetoes,
            ["unit", "rule", "date", "evidence"],
            ["UNIT", "case_filed", "2018-05-01", "某号"],
        )
        # A station two levels down takes part, for its department.
        ok = self.csv_file(
            [
                ["ballot", "method", "unit", "indicator", "level"],
                ["b1", "third_party", "dept-w1-s", "sifeng", "好"],
            ]
        )
        self.assertEqual(do_import_ballots(self.campaign, ok).counts["ballots"], 1)

    def test_the_monitors_omit_a_window_excluded_after_its_ballots_came_in(self) -> None:
        Campaign.objects.filter(pk=self.campaign.pk).update(exclude=["bank", "closed-centre"])
        ballots = [["ballot", "method", "unit", "indicator", "level"]]
        ballots += [[f"b-{u}", "third_party", u, "sifeng", "好"] for u in ("gas-w1", "dept-w2")]
        do_import_ballots(Campaign.objects.get(pk=self.campaign.pk), self.csv_file(ballots))
        Campaign.objects.filter(pk=self.campaign.pk).update(exclude=list(EXCLUDE))
        self.campaign.refresh_from_db()

        listed = [
            u.code for u in method_progress(self.campaign.methods.get(code="third_party")).units
        ]
        self.assertEqual(listed, [*sorted(RANKED, key=self.group_then_code), "dept-w2"])

        self.client.force_login(self.organiser)
        page = self.client.get(reverse("console:monitor", args=[self.campaign.code]))
        for code in [*RANKED, *PARTS]:
            self.assertContains(page, reverse("console:portal-unit", args=[code]))
        for code in REFUSED:
            self.assertNotContains(page, reverse("console:portal-unit", args=[code]))

    def group_then_code(self, code: str) -> tuple[str, str]:
        unit = Unit.objects.select_related("group").get(code=code)
        return (unit.group.code if unit.group else "", code)

    def test_the_portal_lists_the_campaign_only_where_the_unit_takes_part(self) -> None:
        liaison = User.objects.create_user("bank-liaison")
        for code in ("bank", "dept", "centre"):
            Membership.objects.create(
                user=liaison, role=Role.LIAISON, unit=Unit.objects.get(code=code)
            )
        self.client.force_login(liaison)
        title = self.campaign.title
        for code in ("dept", "dept-w1-s", "centre-w1"):
            page = self.client.get(reverse("console:portal-unit", args=[code]))
            self.assertContains(page, title, msg_prefix=code)
        for code in ("bank", "bank-w1", "centre"):
            page = self.client.get(reverse("console:portal-unit", args=[code]))
            self.assertNotContains(page, title, msg_prefix=code)
            results = reverse("console:portal-results", args=[code, self.campaign.code])
            self.assertEqual(self.client.get(results).status_code, 404, code)
        # A liaison's whole tree: the centre takes no part, its windows do.
        centre = Unit.objects.filter(code__in=["centre", "centre-w1"])
        self.assertEqual(Campaign.taking_part(centre), [self.campaign])
        self.assertEqual(Campaign.taking_part(Unit.objects.filter(code="bank-w1")), [])

    def test_the_pickers_offer_only_units_that_take_part(self) -> None:
        # The unit a respondent picks, or an invitation names: the ranked units.
        picked = pickable_units(self.campaign).units
        self.assertEqual(sorted(u.code for u in picked), sorted(RANKED))
        self.client.force_login(self.organiser)
        invite = reverse("surveys:invite", args=[self.campaign.code, "third_party"])
        expires = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
        form = {"holders": "张三,13800000000", "expires": expires, "unit": "bank"}
        self.assertContains(self.client.post(invite, form), "不在本次评议范围内", status_code=400)
        # Window codes: every part, however deep, and not the excluded window.
        self.client.post(reverse("surveys:windows", args=[self.campaign.code, "third_party"]))
        self.assertEqual(sorted(WindowLink.objects.values_list("unit__code", flat=True)), PARTS)
        # Whom an inspection, deduction or veto may be about.
        self.assertEqual(
            sorted(campaign_units(self.campaign).values_list("code", flat=True)),
            sorted(RANKED + PARTS),
        )

    def test_the_tree_read_from_the_database_is_the_table(self) -> None:
        for code, _ranked, counts_for, parts, refusal in ROWS:
            with self.subTest(code):
                self.assertEqual(self.taking_part.counts_for(code), counts_for)
                self.assertEqual(self.taking_part.parts(code), parts)
                if not refusal:
                    self.assertEqual(self.taking_part.resolve(code), Unit.objects.get(code=code).pk)
