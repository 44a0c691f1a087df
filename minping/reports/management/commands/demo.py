"""``minping demo``: a realistic campaign from every seed document, served locally."""

from __future__ import annotations

import subprocess
import sys
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
from minping.orgs.models import Role, Unit
from minping.scoring.actions import do_compute_results, do_publish_results

EXAMPLES = settings.BASE_DIR / "examples"
DEMO_USER, DEMO_PASSWORD = "demo", "minping-demo"
# One account per role, so a newcomer can see what each kind of user sees.
# (user name, role, unit code, deduction source code, what to tell the newcomer)
ROLE_USERS = [
    ("lingdao", Role.LEADER, "", "", "领导(只读总览)"),
    ("gaj", Role.LIAISON, "yc-gaj", "", "银川市公安局联络员(部门门户)"),
    ("meiti", Role.SOURCE_MEMBER, "", "media", "媒体经办人(提出减分)"),
    ("meiti-fzr", Role.SOURCE_HEAD, "", "media", "媒体负责人(签字)"),
    ("pingyiyuan", Role.INSPECTOR, "", "", "评议员(明查暗访)"),
    ("fangwen", Role.INTERVIEWER, "", "", "调查机构访问员(代录答卷)"),
]
# The order an office follows: inputs after the rules they are scored by.
INPUT_KINDS = ["ballots", "scores", "deductions", "vetoes"]


def example_dirs() -> list[Path]:
    return sorted(p.parent for p in EXAMPLES.glob("*/campaign.toml"))


class Command(BaseCommand):
    help = (
        "演示:建立 SQLite 数据库,载入 examples/ 中依据五份真实工作方案编制的评议活动和模拟数据,"
        "计算结果,然后在本机地址上启动网站。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="端口,默认 8000")
        parser.add_argument("--host", default="127.0.0.1", help="地址,默认 127.0.0.1")
        parser.add_argument("--no-serve", action="store_true", help="只准备数据,不启动网站")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("正在建立数据库 …")
        call_command("migrate", interactive=False, verbosity=0)
        for folder in example_dirs():
            self.load_example(folder)
        self.compute_results()
        self.ensure_demo_user()
        self.ensure_role_users()
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

    def load_example(self, folder: Path) -> None:
        code = self.campaign_code(folder)
        if Campaign.objects.filter(code=code).exists():
            self.stdout.write(f"已载入,跳过:{code}")
            return
        self.stdout.write(f"正在载入示例 {folder.name} …")
        units = folder / "units.csv"
        if units.exists():
            call_command("import", "units", str(units), stdout=self.stdout)
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
        """Compute every campaign; publish those whose plan says the public sees results (R-37)."""
        for campaign in Campaign.objects.order_by("year", "code"):
            if campaign.snapshots.exists():
                continue
            snapshot = do_compute_results(campaign)
            if campaign.publish and snapshot.results.get("complete", False):
                do_publish_results(snapshot)
                self.stdout.write(f"已计算并发布结果:{campaign.code}")
            else:
                self.stdout.write(f"已计算结果(不公开):{campaign.code}")

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
