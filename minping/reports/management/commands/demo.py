"""``minping demo``: a realistic campaign from every seed document, and one live today, served."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from minping.audit.log import record
from minping.campaigns.models import Campaign
from minping.orgs.actions import do_grant_role
from minping.orgs.models import Membership, Role, Unit
from minping.reports.live_demo import build_live_campaign, live_code
from minping.scoring.actions import (
    do_approve_results,
    do_compute_results,
    do_publish_results,
    do_submit_results,
)

EXAMPLES = settings.BASE_DIR / "examples"
DEMO_USER, DEMO_PASSWORD = "demo", "minping-demo"
# One account per role, so a newcomer can see what each kind of user sees.
# (user name, role, unit code, deduction source or approving body code, what to tell the newcomer)
ROLE_USERS = [
    ("lingdao", Role.LEADER, "", "", "领导(只读总览)"),
    ("gaj", Role.LIAISON, "yc-gaj", "", "银川市公安局联络员(部门门户)"),
    ("meiti", Role.SOURCE_MEMBER, "", "media", "媒体经办人(提出减分)"),
    ("meiti-fzr", Role.SOURCE_HEAD, "", "media", "媒体负责人(签字)"),
    ("pingyiyuan", Role.INSPECTOR, "", "", "评议员(明查暗访)"),
    ("fangwen", Role.INTERVIEWER, "", "", "调查机构访问员(代录答卷)"),
    # The bodies that approve results, by the code their example's [approval] gives.
    ("shengju", Role.APPROVER, "", "xw-province", "省局行评工作领导组审定人(审定结果)"),
    ("xianlingdao", Role.APPROVER, "", "xz-county", "县领导小组审定人(审定结果)"),
]
# The order an office follows: inputs after the rules they are scored by.
INPUT_KINDS = ["ballots", "scores", "deductions", "vetoes"]


def use_demo_survey_key() -> None:
    """Give the demo a survey key of its own unless one is set (system check minping.E010).

    Kept in the data directory beside the demo's database, so that short codes issued in
    one demo session still work in the next.
    """
    if settings.MINPING_SURVEY_KEY:
        return
    path = settings.DATA_DIR / "demo-survey-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(secrets.token_urlsafe(48))
    settings.MINPING_SURVEY_KEY = path.read_text().strip()


def approver_of(campaign: Campaign) -> User | None:
    """A demo account approving for the campaign's approving body, if there is one."""
    found = Membership.objects.filter(role=Role.APPROVER, source_code=campaign.approval_code)
    membership = found.select_related("user").first()
    return membership.user if membership else None


def example_dirs() -> list[Path]:
    return sorted(p.parent for p in EXAMPLES.glob("*/campaign.toml"))


class Command(BaseCommand):
    help = (
        "演示:建立 SQLite 数据库,载入 examples/ 中依据五份真实工作方案编制的评议活动和模拟数据,"
        "计算结果;再按银川市的方案建立一个今年正在进行的活动(收集中的问卷、各种状态的问题线索、"
        "待签字和待审核的减分、逾期的报送材料),然后在本机地址上启动网站。"
    )

    def execute(self, *args: Any, **options: Any) -> Any:
        # Before the system checks, which refuse to run without a survey key.
        use_demo_survey_key()
        return super().execute(*args, **options)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="端口,默认 8000")
        parser.add_argument("--host", default="127.0.0.1", help="地址,默认 127.0.0.1")
        parser.add_argument("--no-serve", action="store_true", help="只准备数据,不启动网站")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("正在建立数据库 …")
        call_command("migrate", interactive=False, verbosity=0)
        self.load_examples(example_dirs())
        # The accounts first: the approving bodies' approvers take part in computing results.
        self.ensure_demo_user()
        self.ensure_role_users()
        self.compute_results()
        self.build_live_campaign()
        if options["no_serve"]:
            return
        address = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(
            self.style.SUCCESS(
                f"\n演示已就绪:{address}\n"
                f"登录:{address}login/  组织单位(纠风办)用户名 {DEMO_USER}  密码 {DEMO_PASSWORD}\n"
                + "".join(f"  {name:<11} {label}\n" for name, *_, label in ROLE_USERS)
                + f"(以上账号密码都是 {DEMO_PASSWORD})\n"
                "按 Ctrl+C 停止。\n"
            )
        )
        # Large reports are made by the background worker (docs/reports.md): run one alongside.
        worker = subprocess.Popen([sys.executable, "-m", "minping.cli", "db_worker"])
        try:
            call_command(
                "runserver",
                f"{options['host']}:{options['port']}",
                use_reloader=False,
                insecure_serving=True,
            )
        finally:
            worker.terminate()
            worker.wait(timeout=10)

    def load_examples(self, folders: list[Path]) -> None:
        """Every unit tree first, then each campaign: units are global, and an example may
        rate another's units (xzfw-2013, last year's campaign, rates xzfw-2014's windows)."""
        pending = []
        for folder in folders:
            code = self.campaign_code(folder)
            if Campaign.objects.filter(code=code).exists():
                self.stdout.write(f"已载入,跳过:{code}")
            else:
                pending.append(folder)
        for folder in pending:
            units = folder / "units.csv"
            if units.exists():
                call_command("import", "units", str(units), stdout=self.stdout)
        for folder in pending:
            self.load_example(folder)

    def load_example(self, folder: Path) -> None:
        code = self.campaign_code(folder)
        self.stdout.write(f"正在载入示例 {folder.name} …")
        call_command("load", str(folder / "campaign.toml"), stdout=self.stdout)
        for kind in INPUT_KINDS:
            path = folder / f"{kind}.csv"
            if path.exists():
                call_command("import", kind, code, str(path), stdout=self.stdout)

    def campaign_code(self, folder: Path) -> str:
        with open(folder / "campaign.toml", "rb") as f:
            code = tomllib.load(f).get("code")
        if not isinstance(code, str):
            raise CommandError(f"{folder / 'campaign.toml'} 缺少 code")
        return code

    def compute_results(self) -> None:
        """Compute every campaign and publish its results: to the public where the plan says
        so, otherwise to the units alone (R-37).

        Results that need a higher body's approval (R-23) are submitted; where the plan has
        them published, the body's demo approver approves them first, and the others wait
        for a newcomer to approve them as that approver.
        """
        demo = User.objects.get(username=DEMO_USER)
        for campaign in Campaign.objects.exclude(code=live_code()).order_by("year", "code"):
            if campaign.snapshots.exists():
                continue
            snapshot = do_compute_results(campaign, actor=demo)
            complete = snapshot.results.get("complete", False)
            if campaign.needs_approval and complete:
                do_submit_results(snapshot, actor=demo)
                approver = approver_of(campaign)
                if not campaign.publish or approver is None:
                    self.stdout.write(f"已计算结果并上报审定:{campaign.code}")
                    continue
                do_approve_results(snapshot, actor=approver)
            if not complete:
                self.stdout.write(f"已计算结果(数据不完整,未发布):{campaign.code}")
                continue
            # Publishing gives each unit its own results; the public sees them only
            # where the plan says so (Yinchuan's forbids it).
            do_publish_results(snapshot, actor=demo)
            if campaign.publish:
                self.stdout.write(f"已计算并发布结果:{campaign.code}")
            else:
                self.stdout.write(f"已计算结果并通报各单位(不向社会公开):{campaign.code}")

    def build_live_campaign(self) -> None:
        """The campaign in full swing today (``reports/live_demo.py``); its results wait."""
        names = [DEMO_USER, *(name for name, *_ in ROLE_USERS)]
        accounts = {u.username: u for u in User.objects.filter(username__in=names)}
        started = time.monotonic()
        built = build_live_campaign(accounts, self.stdout.write)
        if built is not None:
            self.stdout.write(
                f"已建立进行中的活动 {built.campaign.code}:{built.ballots} 份答卷,"
                f"{built.invitations} 个邀请码,{len(built.cases)} 件问题线索,"
                f"{len(built.deductions)} 条减分({time.monotonic() - started:.1f} 秒)"
            )

    @transaction.atomic
    def ensure_demo_user(self) -> None:
        user, created = User.objects.get_or_create(
            username=DEMO_USER, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            record("demo.create_user", obj=user, detail={"username": DEMO_USER})

    def ensure_role_users(self) -> None:
        """Accounts for every other role, each granted through the audited action."""
        demo = User.objects.get(username=DEMO_USER)
        for username, role, unit_code, source, _ in ROLE_USERS:
            if User.objects.filter(username=username).exists():
                continue
            unit = Unit.objects.filter(code=unit_code).first() if unit_code else None
            if unit_code and unit is None:
                continue  # the example that holds this unit is not in examples/
            with transaction.atomic():
                user = User.objects.create_user(username, password=DEMO_PASSWORD)
                record("demo.create_user", obj=user, detail={"username": username})
                do_grant_role(user, role, actor=demo, unit=unit, source_code=source)
