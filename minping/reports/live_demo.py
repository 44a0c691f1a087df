"""The demo's live campaign: Yinchuan's plan (seed 001) moved to this year, collecting today.

The five examples are finished campaigns. This one is in full swing on the day the demo is
built: the plan's dates are moved by whole months so that today falls in its November
(third-party survey and representatives' appraisal under way, the all-year channels open,
the submission deadlines of June passed). Everything is made through the ``do_*`` actions a
user's clicks would call, so the audit log tells the same story as the pages. The choices
(who rates what, which case goes how far) come from one seeded generator; only what the
actions themselves draw at random (case numbers, tokens) differs between builds.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import random
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.utils import timezone

from minping.campaigns.actions import do_load_campaign
from minping.campaigns.definition import parse_definition
from minping.campaigns.models import Campaign, DeductionRule, Method
from minping.cases import actions as cases
from minping.cases.models import Case, ExplanationKind, Satisfaction, Source
from minping.lib.sheets import one_sheet_workbook, text_csv
from minping.orgs.models import Unit
from minping.oversight import actions as oversight
from minping.oversight.models import (
    Deduction,
    SubmissionKind,
    SubmissionRequirement,
    VisitKind,
)
from minping.panels.actions import (
    DrawPlan,
    do_create_pool,
    do_import_pool,
    do_issue_from_draw,
    do_make_draw,
)
from minping.panels.models import Draw
from minping.surveys import phones
from minping.surveys.actions import (
    Claim,
    Holder,
    InvitationClaim,
    PhoneClaim,
    do_cast_ballot,
    do_create_window_links,
    do_freeze_questionnaire,
    do_issue_invitations,
    do_mark_comment,
    do_pair_kiosk,
    do_register_kiosk,
    do_update_collection_settings,
)
from minping.surveys.models import Channel, Comment, Invitation, Questionnaire
from minping.surveys.questionnaires import UnitResponse, pickable_units
from minping.surveys.tokens import token_hash

PLAN = settings.BASE_DIR / "examples" / "yc-2018" / "campaign.toml"
# The plan's month that the build day is moved onto: the third-party survey and the
# representatives' appraisal run (10-15 to 11-30), the June deadlines have passed.
PLAN_MONTH = (2018, 11)
SEED = 20181101
DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# Units with a counter in the citizens' hall (市民大厅): the service-centre survey's windows.
HALL = ["yc-gaj", "yc-rsj", "yc-scjgj", "yc-zjj", "yc-gtj", "yc-mzj", "yc-zfgjj", "yc-xzspfwj"]
KIOSK_AT = "yc-gaj"
# The steps of a case's way, in order (cases/actions.py's TRANSITIONS).
STEPS = ["register", "transfer", "accept", "reply", "verify", "follow_up", "close"]
# Cases that only go forward: (key, unit, registered how many days ago, summary, last step).
# Registered long enough ago, the transferred and accepted ones are overdue by today.
CASES = [
    ("transferred", "yc-gaj", 1, "户籍窗口要求重复提交已有的证明材料", "transfer"),
    ("overdue_unit", "yc-gaj", 16, "派出所开具无犯罪记录证明推诿", "transfer"),
    ("in_progress", "yc-rsj", 2, "社保卡补办等待时间过长", "accept"),
    ("overdue", "yc-zjj", 20, "老旧小区改造施工噪音扰民,多次反映无果", "accept"),
    ("replied", "yc-scjgj", 6, "个体工商户登记窗口态度生硬", "reply"),
    ("verified", "yc-mzj", 9, "婚姻登记预约电话长期打不通", "verify"),
    ("followed_up", "yc-shuiwj", 11, "停水未提前通知", "follow_up"),
    ("closed", "yc-xzspfwj", 14, "企业开办一窗通办系统频繁卡顿", "close"),
]
LEVELS = ["好", "较好", "一般", "较差", "差"]
LEVEL_WEIGHTS = [45, 30, 15, 7, 3]
COMMENTS = [
    "窗口人员态度很好,一次就办成了。",
    "希望中午也能安排人值班。",
    "排队时间太长,叫号系统经常出故障。",
    "材料清单和网上公布的不一样,跑了两趟。",
]


def shift_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by whole months; a month's last day stays its month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    was_last = day.day == calendar.monthrange(day.year, day.month)[1]
    return datetime.date(year, month, last if was_last else min(day.day, last))


def months_to(today: datetime.date) -> int:
    return (today.year * 12 + today.month) - (PLAN_MONTH[0] * 12 + PLAN_MONTH[1])


def live_year(today: datetime.date) -> int:
    """The year the moved plan's summer falls in: the campaign's year."""
    return shift_months(datetime.date(2018, 7, 1), months_to(today)).year


def live_code(today: datetime.date | None = None) -> str:
    return f"yc-{live_year(today or timezone.localdate())}"


def live_definition(today: datetime.date) -> str:
    """Yinchuan's definition file with every date moved so that today is in its November."""
    months = months_to(today)
    year = live_year(today)
    text = PLAN.read_text(encoding="utf-8")

    def moved(match: re.Match[str]) -> str:
        day = datetime.date(int(match[1]), int(match[2]), int(match[3]))
        return shift_months(day, months).isoformat()

    text = DATE.sub(moved, text)
    text = text.replace('code = "yc-2018"', f'code = "{live_code(today)}"', 1)
    text = re.sub(r"^year = 2018$", f"year = {year}", text, count=1, flags=re.M)
    header = (
        f"# 演示用的进行中活动:examples/yc-2018 的方案,日期整体平移 {months} 个月,"
        "使建立演示的当天落在方案的 11 月(第三方测评期间)。\n"
    )
    return header + text.replace("2018年", f"{year}年")


@dataclass
class Built:
    """What the build made, for the command's summary and the tests."""

    campaign: Campaign
    ballots: int = 0
    invitations: int = 0
    cases: dict[str, Case] = field(default_factory=dict)
    deductions: list[Deduction] = field(default_factory=list)
    # Cases left registered because their deadline falls in a year the calendar lacks.
    skipped: list[str] = field(default_factory=list)


class LiveDemo:
    """Builds the live campaign step by step, as the office and the units would have."""

    def __init__(self, accounts: dict[str, User], say: Callable[[str], None]) -> None:
        self.users = accounts
        self.organiser = accounts["demo"]
        self.say = say
        self.rng = random.Random(SEED)
        self.today = timezone.localdate()

    def build(self) -> Built:
        text = live_definition(self.today)
        definition = parse_definition(text, source=f"{PLAN.name}(移到 {self.today.year} 年)")
        campaign, _ = do_load_campaign(definition, text, actor=self.organiser)
        self.built = Built(campaign)
        self.units = {u.code: u for u in pickable_units(campaign).units}
        self.methods = {m.code: m for m in campaign.methods.all()}
        self.questionnaires = {
            code: self.open_collection(method) for code, method in self.methods.items()
        }
        self.third_party()
        self.representatives()
        self.service_centre()
        self.online()
        self.make_cases()
        self.deductions()
        self.submissions()
        self.inspections()
        return self.built

    # --- collection -------------------------------------------------------------------------

    def open_collection(self, method: Method) -> Questionnaire:
        channels = {
            "third_party": [Channel.INVITATION, Channel.INTERVIEWER],
            "service_centre": [Channel.WINDOW, Channel.KIOSK],
            "representatives": [Channel.INVITATION],
            "online": [Channel.ONLINE],
        }[method.code]
        values: dict[str, Any] = {
            "channels": [str(c) for c in channels],
            "opens": method.starts,
            "closes": method.ends,
            "target": 30 if method.code == "third_party" else 0,
        }
        do_update_collection_settings(self.organiser, method, values)
        return do_freeze_questionnaire(self.organiser, method)

    def answers(self, method: str, unit: Unit, comment: str = "") -> UnitResponse:
        codes = [i["code"] for i in self.questionnaires[method].spec["indicators"]]
        levels = {c: self.rng.choices(LEVELS, LEVEL_WEIGHTS)[0] for c in codes}
        return UnitResponse(unit, levels, comment)

    def cast(
        self,
        method: str,
        channel: str,
        units: list[Unit],
        *,
        category: str,
        claims: tuple[Claim, ...] = (),
        comment: str = "",
    ) -> None:
        responses = [
            self.answers(method, u, comment if i == 0 else "") for i, u in enumerate(units)
        ]
        result = do_cast_ballot(
            questionnaire=self.questionnaires[method],
            channel=channel,
            responses=responses,
            category=category,
            claims=claims,
        )
        self.built.ballots += result.ballots

    def some_units(self, low: int, high: int) -> list[Unit]:
        return self.rng.sample(
            sorted(self.units.values(), key=lambda u: u.code), self.rng.randint(low, high)
        )

    def third_party(self) -> None:
        """R-11: the survey team's sample library, a draw from it and letters to those drawn."""
        method = self.methods["third_party"]
        pool = do_create_pool(self.organiser, self.built.campaign, "第三方测评样本库(市民)")
        categories = ["社区居民", "农村居民", "企业办事人员", "办事群众"]
        districts = ["兴庆区", "金凤区", "西夏区", "永宁县", "贺兰县", "灵武市"]
        rows: list[list[Any]] = [["手机号", "姓名", "类别", "区县"]]
        for n in range(480):
            surname = self.rng.choice("王李张刘陈杨马赵黄周吴徐孙胡朱高林何郭罗")
            rows.append(
                [
                    f"1{self.rng.choice('3589')}{n:09d}",
                    surname + self.rng.choice(["某某", "先生", "女士", "师傅"]),
                    categories[n % len(categories)],
                    self.rng.choice(districts),
                ]
            )
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "样本库.csv"
            path.write_text(text_csv(rows), encoding="utf-8")
            do_import_pool(self.organiser, pool, path, filename="第三方测评样本库.csv")
        plan = DrawPlan(allocation=Draw.PROPORTIONAL, total=120, reserve_percent=20)
        draw = do_make_draw(self.organiser, method, pool, plan, seed=SEED)
        outcome = do_issue_from_draw(
            self.organiser,
            draw,
            expires=method.ends or self.today + datetime.timedelta(days=30),
            issuer="国家统计局银川调查队",
            verify_phone="0951-6012345",
        )
        self.built.invitations += len(outcome.letters)
        # About a third have answered so far, each about the units they dealt with. The
        # letters come in a random order (panels/actions.py): sorted, the build is repeatable.
        for letter in sorted(outcome.letters, key=lambda letter: letter.phone)[:40]:
            invitation = Invitation.objects.get(token_hash=token_hash(letter.token))
            self.cast(
                "third_party",
                Channel.INVITATION,
                self.some_units(2, 5),
                category=letter.category,
                claims=(InvitationClaim(invitation.pk),),
            )

    def representatives(self) -> None:
        """R-13: one invitation per person, however many of the three roles they hold."""
        method = self.methods["representatives"]
        holders = [Holder(f"代表{n:02d}", f"rep-{n:02d}") for n in range(1, 31)]
        # A deputy who is also a CPPCC member is on both lists: one invitation.
        holders.append(Holder("代表07(政协委员)", "rep-07"))
        result = do_issue_invitations(
            self.organiser,
            method,
            holders,
            expires=method.ends or self.today + datetime.timedelta(days=30),
            category="两代表一委员",
        )
        self.built.invitations += len(result.issued)
        for item in result.issued[:12]:
            invitation = Invitation.objects.get(token_hash=token_hash(item.token))
            self.cast(
                "representatives",
                Channel.INVITATION,
                self.some_units(3, 8),
                category="两代表一委员",
                claims=(InvitationClaim(invitation.pk),),
            )

    def service_centre(self) -> None:
        """R-12: a QR code at each counter in the hall, and a tablet at the police counter."""
        method = self.methods["service_centre"]
        hall = [self.units[code] for code in HALL if code in self.units]
        links = {
            link.unit.code: link for link in do_create_window_links(self.organiser, method, hall)
        }
        _kiosk, pairing = do_register_kiosk(
            self.organiser, links[KIOSK_AT], "市民大厅公安窗口评价器"
        )
        do_pair_kiosk(pairing)
        for unit in hall:
            for i in range(self.rng.randint(6, 14)):
                comment = self.rng.choice(COMMENTS) if i == 0 else ""
                self.cast(
                    "service_centre", Channel.WINDOW, [unit], category="办事群众", comment=comment
                )
        for _ in range(20):
            self.cast("service_centre", Channel.KIOSK, [self.units[KIOSK_AT]], category="办事群众")

    def online(self) -> None:
        """R-14: the open web channel, one rating per phone and unit."""
        for n in range(50):
            units = self.some_units(1, 3)
            key = phones.phone_key(f"1370951{n:04d}")
            claim = PhoneClaim(self.built.campaign.pk, tuple(u.pk for u in units), key)
            category = self.rng.choice(["社区居民", "企业办事人员", "市场主体"])
            self.cast("online", Channel.ONLINE, units, category=category, claims=(claim,))

    # --- cases ------------------------------------------------------------------------------

    def register(
        self,
        key: str,
        unit: str | None,
        days_ago: int,
        summary: str,
        source: str = Source.HOTLINE_12345,
    ) -> Case:
        case = cases.do_register_case(
            source=source,
            summary=summary,
            details=summary + "(演示数据,内容虚构)",
            unit=self.units[unit] if unit else None,
            campaign=self.built.campaign,
            actor=self.organiser,
            complainant={"name": "演示群众", "phone": f"1399510{days_ago:04d}"},
            registered_on=self.today - datetime.timedelta(days=days_ago),
        )
        self.built.cases[key] = case
        return case

    def advance(self, key: str, unit: str, days_ago: int, summary: str, upto: str) -> Case:
        """Register a case ``days_ago`` and take it as far as ``upto`` (a step of ``STEPS``)."""
        case = self.register(key, unit, days_ago, summary)
        steps = STEPS[: STEPS.index(upto) + 1]
        if "transfer" in steps:
            case = cases.do_transfer(case, unit=self.units[unit], actor=self.organiser)
        if "accept" in steps:
            case = cases.do_accept(case, actor=self.organiser)
        if "reply" in steps:
            case = cases.do_reply(
                case,
                facts="经调查,反映情况属实。",
                handling="已向当事群众说明情况并当场办结。",
                measures="调整窗口排班,公开办事指南并培训窗口人员。",
                actor=self.organiser,
            )
        if "verify" in steps:
            case = cases.do_verify(case, note="已到现场核实整改情况", actor=self.organiser)
        if "follow_up" in steps:
            case = cases.do_follow_up(
                case,
                satisfaction=Satisfaction.SATISFIED,
                note="电话回访,群众表示满意",
                actor=self.organiser,
            )
        if "close" in steps:
            case = cases.do_close(case, actor=self.organiser)
        self.built.cases[key] = case
        return case

    def make_cases(self) -> None:
        """A case in every state (R-26 … R-31), each moved along by the actions."""
        steps: list[tuple[str, Callable[[], Any]]] = [
            (row[0], functools.partial(self.advance, *row)) for row in CASES
        ]
        steps += [
            ("unsorted", self.unsorted),
            ("recommendation", self.recommendation),
            ("extension_asked", self.extension_asked),
            ("extended", self.extended),
            ("explained", self.explained),
            ("repeat", self.repeat),
            ("merged", self.merged),
            ("from_comment", self.from_comment),
        ]
        refusals = []
        for name, step in steps:
            try:
                step()
            except cases.CaseActionRefused as refused:
                # A deadline in a year the holiday calendar does not know yet (late December).
                self.built.skipped.append(name)
                refusals.append(refused.message)
        if refusals:
            self.say(f"跳过问题线索的后续办理 {len(refusals)} 件(只登记,未转办):{refusals[0]}")
        cases.mark_overdue(self.today)
        # the media's deduction for hotline problems not answered in time, proposed once.
        start = self.today - datetime.timedelta(days=30)
        self.built.deductions += cases.do_propose_overdue_deductions(
            self.built.campaign, start=start, end=self.today, actor=self.organiser
        )

    def unsorted(self) -> None:
        self.register("registered", None, 0, "反映某小区物业乱收费,不知由哪个部门管")

    def recommendation(self) -> None:
        """R-27: a rectification recommendation waiting for a leader's approval."""
        case = self.register(
            "recommendation", "yc-cgj", 1, "占道经营整治中执法人员言行粗暴", Source.MEDIA
        )
        text = "建议城管局对涉事执法人员批评教育,规范执法用语,十个工作日内报送整改情况。"
        self.built.cases["recommendation"] = cases.do_draft_recommendation(
            case, text=text, actor=self.organiser
        )

    def extension_asked(self) -> None:
        case = self.advance("extension_asked", "yc-jtj", 3, "公交站台无障碍设施损坏", "accept")
        cases.do_request_extension(
            case, workdays=5, reason="需协调公交公司和施工单位现场查看", actor=self.organiser
        )

    def extended(self) -> None:
        case = self.advance("extended", "yc-gtj", 8, "不动产登记证书办理超过承诺时限", "accept")
        extension = cases.do_request_extension(
            case, workdays=10, reason="涉及历史遗留问题,需调取档案", actor=self.organiser
        )
        cases.do_decide_extension(extension, approve=True, actor=self.organiser)

    def explained(self) -> None:
        case = self.advance("explained", "yc-zfgjj", 7, "希望放宽公积金异地贷款条件", "accept")
        self.built.cases["explained"] = cases.do_explain(
            case,
            kind=ExplanationKind.POLICY,
            text="异地贷款条件由自治区统一规定,已向群众解释政策依据。",
            actor=self.organiser,
        )

    def repeat(self) -> None:
        """R-31: the same matter comes back after it was closed: a repeat complaint."""
        first = self.advance(
            "before_repeat", "yc-ghj", 18, "规划公示牌信息不全,群众看不懂", "close"
        )
        again = self.register("repeat", "yc-ghj", 2, "规划公示牌问题销号后仍未整改,再次投诉")
        deduction = cases.do_confirm_repeat(again, previous=first, actor=self.organiser)
        if deduction is not None:
            self.built.deductions.append(deduction)

    def merged(self) -> None:
        into = self.built.cases.get("in_progress")
        if into is None:  # left out for want of a deadline (see make_cases)
            return
        duplicate = self.register("merged", "yc-rsj", 2, "社保卡补办慢(与另一件重复)", Source.WEB)
        self.built.cases["merged"] = cases.do_merge(duplicate, into=into, actor=self.organiser)

    def from_comment(self) -> None:
        """R-26: a questionnaire comment marked for follow-up becomes a case."""
        comment = (
            Comment.objects.filter(campaign=self.built.campaign, text__contains="排队")
            .order_by("unit__code")
            .first()
        )
        if comment is None:
            return
        do_mark_comment(self.organiser, comment, True)
        self.built.cases["from_comment"] = cases.do_register_from_comment(
            comment, actor=self.organiser
        )

    # --- deductions and submissions ---------------------------------------------------------

    def deductions(self) -> None:
        """R-20, R-21: media proposals waiting for the head's signature and for review."""
        campaign = self.built.campaign
        rules = {r.code: r for r in DeductionRule.objects.filter(campaign=campaign)}
        member, head = self.users.get("meiti"), self.users.get("meiti-fzr")
        if member is None or head is None:
            return

        def propose(unit: str, rule: str, days_ago: int, evidence: str) -> Deduction:
            deduction = oversight.do_propose_deduction(
                campaign=campaign,
                unit=self.units[unit],
                rule=rules[rule],
                date=self.today - datetime.timedelta(days=days_ago),
                evidence=evidence,
                document_number=f"银传媒〔{self.today.year}〕{days_ago}号",
                actor=member,
            )
            self.built.deductions.append(deduction)
            return deduction

        propose("yc-jtj", "no_interview", 12, "记者就公交线路调整采访,三次联系均拒绝(演示)")
        propose("yc-hbj", "refuse_on_air", 20, "邀请参加《行风热线》节目,无正当理由未到(演示)")
        signed = propose("yc-cgj", "no_interview", 25, "占道经营报道拒绝采访(演示)")
        oversight.do_sign_off(signed, actor=head)
        counted = propose("yc-wjw", "refuse_on_air", 40, "邀请上线无正当理由不配合(演示)")
        oversight.do_sign_off(counted, actor=head)
        oversight.do_accept(counted, actor=self.organiser, reason="有节目组记录为证")
        refused = propose("yc-tjj", "no_interview", 33, "采访对象不属该局职责(演示)")
        oversight.do_sign_off(refused, actor=head)
        oversight.do_reject(refused, actor=self.organiser, reason="所涉事项不属该局职责,不予采纳")

    def submissions(self) -> None:
        """R-35: contact details handed in after the June deadline; the summary not due yet."""
        campaign = self.built.campaign
        contact = SubmissionRequirement.objects.get(campaign=campaign, kind=SubmissionKind.CONTACT)
        for code, person in [
            ("yc-rsj", "办公室 王某 0951-6010001"),
            ("yc-mzj", "办公室 李某 0951-6010002"),
            ("yc-jtj", "综合科 张某 0951-6010003"),
        ]:
            oversight.do_submit(contact, self.units[code], actor=self.organiser, text=person)
        deadline = self.methods["third_party"].deadline or self.today + datetime.timedelta(days=30)
        summary = oversight.do_set_requirement(
            campaign,
            kind=SubmissionKind.SUMMARY,
            title="年度作风建设工作总结及报表",
            due=deadline,
            actor=self.organiser,
        )
        for code in ["yc-scjgj", "yc-zjj"]:
            sheet = one_sheet_workbook(
                "整改情况",
                ["事项", "进展"],
                [["窗口服务规范", "已完成"], ["群众反映问题", "已办结"]],
            )
            oversight.do_submit(
                summary,
                self.units[code],
                actor=self.organiser,
                file=ContentFile(sheet, name=f"{code}-总结报表.xlsx"),
            )

    def inspections(self) -> None:
        """R-15, R-36: the evaluator's visits this quarter, one made and one still to make."""
        inspector = self.users.get("pingyiyuan")
        if inspector is None:
            return
        campaign, quarter = self.built.campaign, (self.today.month - 1) // 3 + 1
        oversight.do_plan_visit(
            campaign=campaign,
            unit=self.units["yc-rsj"],
            year=self.today.year,
            quarter=quarter,
            kind=VisitKind.COVERT,
            focus="社保窗口午间值班和一次告知",
            actor=inspector,
        )
        plan = oversight.do_plan_visit(
            campaign=campaign,
            unit=self.units["yc-gaj"],
            year=self.today.year,
            quarter=quarter,
            kind=VisitKind.OPEN,
            focus="户籍窗口办事指南公开情况",
            actor=inspector,
        )
        oversight.do_record_visit(
            campaign=campaign,
            unit=self.units["yc-gaj"],
            date=self.today - datetime.timedelta(days=3),
            kind=VisitKind.OPEN,
            findings="户籍窗口办事指南未更新,两名工作人员未佩戴工作牌。",
            score=82,
            plan=plan,
            actor=inspector,
        )


def build_live_campaign(accounts: dict[str, User], say: Callable[[str], None]) -> Built | None:
    """Make the live campaign unless it is there already (a second run changes nothing)."""
    if Campaign.objects.filter(code=live_code()).exists():
        say(f"已载入,跳过:{live_code()}")
        return None
    return LiveDemo(accounts, say).build()
