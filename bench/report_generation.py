#!/usr/bin/env python3
"""How long the analysis report and the unit report cards take to make.

    .venv/bin/python bench/report_generation.py                    # Yinchuan and 1,000 units
    .venv/bin/python bench/report_generation.py --skip-yinchuan --units 1000 --pdf-cards 100

Two campaigns in a fresh SQLite database (a temporary directory):

- ``yc-2018``: the Yinchuan example as shipped (examples/yc-2018: 89 ranked units,
  8,386 ballots, 27 deductions);
- ``synthetic``: ``--units`` ranked units in 4 groups, 3 indicators, two ballot methods of
  ``--ballots`` ballots per unit each (filled set-based, as bench/results_vs_count.py does)
  and one imported-score method, 100 accepted deductions, a published baseline campaign,
  2 cases and 3 comments per unit.

For each it computes and stores a results snapshot, then times, in this process, what a
report job does: building the report (database reads, figures, the 4 kinds of chart),
laying it out as Word and as PDF, and the ZIP of every unit's card in Word and in PDF.
``--pdf-cards N`` makes only the first N PDF cards (the time per card is then given, and
the whole ZIP extrapolated, marked "≈"). The machine is shared: compare within one run.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MINPING = [sys.executable, "-m", "minping.cli"]
sys.path.insert(0, str(Path(__file__).resolve().parent))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--ballots", type=int, default=60, help="每单位每种答卷方法的答卷数")
    parser.add_argument(
        "--pdf-cards", type=int, default=0, help="只生成前 N 份 PDF 成绩单(0 = 全部)"
    )
    parser.add_argument("--skip-yinchuan", action="store_true")
    parser.add_argument("--skip-synthetic", action="store_true")
    return parser.parse_args()


def peak_mib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def timed(label: str, work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = work()
    elapsed = time.perf_counter() - start
    print(f"  {label:<28} {elapsed:8.1f} s   (peak RSS so far {peak_mib()} MiB)", flush=True)
    return elapsed, value


def load_yinchuan() -> None:
    from django.core.management import call_command

    folder = ROOT / "examples" / "yc-2018"
    quiet = io.StringIO()
    call_command("import", "units", str(folder / "units.csv"), stdout=quiet)
    call_command("load", str(folder / "campaign.toml"), stdout=quiet)
    call_command("import", "ballots", "yc-2018", str(folder / "ballots.csv"), stdout=quiet)
    call_command("import", "deductions", "yc-2018", str(folder / "deductions.csv"), stdout=quiet)


SYNTHETIC_TOML = """
code = "synthetic"
title = "合成测试:{units} 个单位的群众评议"
year = 2026
groups = [{groups}]
baseline = "synthetic-prev"

[[indicators]]
code = "i0"
title = "机关作风问题整治情况"

[[indicators]]
code = "i1"
title = "依法履职和为民办事情况"

[[indicators]]
code = "i2"
title = "服务态度及精神面貌"

[[methods]]
code = "survey"
title = "问卷调查"
weight = 40
input = "ballots"

[[methods]]
code = "online"
title = "网络评议"
weight = 30
input = "ballots"

[[methods]]
code = "inspectors"
title = "评议员评议"
weight = 30
input = "scores"

[deductions]
from = 2026-01-01
to = 2026-11-30

[[deductions.sources]]
code = "media"
title = "新闻媒体"
cap = 5

[[deductions.rules]]
code = "exposed"
title = "被媒体曝光机关作风问题(每次)"
source = "media"
points = 0.5

[[vetoes]]
code = "case_filed"
title = "工作人员被纪检监察机关立案"

[grading]
excellent = 10
unsatisfactory = 10
watchlist = 5
"""


def load_synthetic(units: int, per_unit: int) -> None:
    """Units, definition, ballots (set-based), scores, deductions, a baseline, cases, comments."""
    from django.core.management import call_command
    from results_vs_count import add_ballots

    from minping.campaigns.models import Campaign, DeductionRule, Method, MethodScore
    from minping.cases.models import Case, State
    from minping.orgs.models import Group, Unit
    from minping.oversight.models import Deduction, Review
    from minping.scoring.models import ResultSnapshot
    from minping.surveys.models import Comment

    rng = random.Random(2026)
    groups = [
        ("bench-g1", "市直部门"),
        ("bench-g2", "公用事业"),
        ("bench-g3", "区县窗口"),
        ("bench-g4", "基层站所"),
    ]
    for code, name in groups:
        Group.objects.get_or_create(code=code, defaults={"name": name})
    by_code = {g.code: g for g in Group.objects.filter(code__in=[c for c, _ in groups])}
    Unit.objects.bulk_create(
        Unit(code=f"bench-{i:04d}", name=f"第{i + 1}单位", group=by_code[groups[i % 4][0]])
        for i in range(units)
    )
    definition = Path(tempfile.mkdtemp()) / "synthetic.toml"
    definition.write_text(
        SYNTHETIC_TOML.format(
            units=units, groups=", ".join(f'{{code = "{c}", title = "{n}"}}' for c, n in groups)
        ),
        encoding="utf-8",
    )
    Campaign.objects.create(
        code="synthetic-prev", title="上年度合成测试", year=2025, groups=[c for c, _ in groups]
    )
    call_command("load", str(definition), stdout=io.StringIO())
    campaign = Campaign.objects.get(code="synthetic")
    for method in Method.objects.filter(campaign=campaign, input="ballots"):
        add_ballots(campaign.pk, method.pk, 0, units * per_unit)  # per_unit for every unit
    unit_rows = list(Unit.objects.filter(code__startswith="bench-").order_by("code"))
    inspectors = Method.objects.get(campaign=campaign, code="inspectors")
    MethodScore.objects.bulk_create(
        MethodScore(
            campaign=campaign, method=inspectors, unit=u, score=round(rng.uniform(70, 98), 2)
        )
        for u in unit_rows
    )
    rule = DeductionRule.objects.get(campaign=campaign, code="exposed")
    Deduction.objects.bulk_create(
        Deduction(
            campaign=campaign,
            unit=rng.choice(unit_rows),
            rule=rule,
            date=f"2026-{rng.randint(1, 11):02d}-15",
            count=rng.randint(1, 3),
            status=Review.ACCEPTED,
            evidence=f"媒体报道〔2026〕{n}号",
        )
        for n in range(100)
    )
    previous = Campaign.objects.get(code="synthetic-prev")
    ResultSnapshot.objects.create(
        campaign=previous,
        published=True,
        results={
            "campaign": previous.code,
            "complete": True,
            "units": [
                {"unit": u.code, "composite": round(rng.uniform(70, 95), 2)} for u in unit_rows
            ],
        },
    )
    states = [State.CLOSED, State.REPLIED, State.TRANSFERRED]
    Case.objects.bulk_create(
        Case(
            number=f"B{n:06d}",
            source="hotline",
            summary="办事难",
            unit=u,
            campaign=campaign,
            state=states[n % 3],
            pseudonym="群众",
            registered_on="2026-06-01",
            transferred_on="2026-06-02",
            replied_late=n % 7 == 0,
        )
        for n, u in enumerate(u for u in unit_rows for _ in range(2))
    )
    Comment.objects.bulk_create(
        Comment(campaign=campaign, unit=u, date="2026-09-01", text=f"希望{u.name}继续改进服务({k})")
        for u in unit_rows
        for k in range(3)
    )


def measure(code: str, pdf_cards: int) -> None:
    from minping.campaigns.models import Campaign
    from minping.reports.analysis import analysis_report
    from minping.reports.cards import CardMaker, write_cards_zip
    from minping.reports.docx_layout import docx_bytes
    from minping.reports.pdf_layout import PdfWriter, pdf_bytes
    from minping.scoring.actions import do_compute_results

    campaign = Campaign.objects.get(code=code)
    _, snapshot = timed("compute results (snapshot)", lambda: do_compute_results(campaign))
    units = len(snapshot.results["units"])
    print(f"  {units} ranked units, complete: {snapshot.results['complete']}")
    build, document = timed("report: figures + charts", lambda: analysis_report(campaign, snapshot))
    word_s, word = timed("report: Word layout", lambda: docx_bytes(document))
    pdf_s, pdf = timed("report: PDF layout", lambda: pdf_bytes(document))
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(
        f"  report total {build + word_s + pdf_s:.1f} s; Word {len(word) / 1e6:.2f} MB, "
        f"PDF {len(pdf) / 1e6:.2f} MB, {pages} pages, {len(document.tables())} tables, "
        f"{len(document.charts())} charts"
    )
    with tempfile.TemporaryFile() as out:
        zip_s, _ = timed(
            "cards ZIP, Word", lambda: write_cards_zip(campaign, snapshot, "docx", out)
        )
        print(
            f"  Word cards: {zip_s / units * 1000:.0f} ms per card, ZIP {out.tell() / 1e6:.1f} MB"
        )
    if pdf_cards and pdf_cards < units:
        maker = CardMaker(campaign, snapshot)
        writer = PdfWriter()
        chosen = maker.units()[:pdf_cards]
        sample_s, _ = timed(
            f"PDF cards, first {pdf_cards}", lambda: [writer(maker.card(u.code)) for u in chosen]
        )
        per = sample_s / pdf_cards
        print(f"  PDF cards: {per * 1000:.0f} ms per card; whole ZIP ≈ {per * units:.0f} s")
    else:
        with tempfile.TemporaryFile() as out:
            zip_s, _ = timed(
                "cards ZIP, PDF", lambda: write_cards_zip(campaign, snapshot, "pdf", out)
            )
            print(
                f"  PDF cards: {zip_s / units * 1000:.0f} ms per card, "
                f"ZIP {out.tell() / 1e6:.1f} MB"
            )


def main() -> None:
    args = parse_args()
    tmp = tempfile.mkdtemp(prefix="minping-report-bench-")
    url = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("MINPING_ENV", "development")  # a throw-away database, no secrets
    os.environ.update({"DATABASE_URL": url, "MINPING_DATA_DIR": tmp})
    subprocess.run([*MINPING, "migrate", "-v0"], env=os.environ, check=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minping.settings")
    import django

    django.setup()
    if not args.skip_yinchuan:
        print("yc-2018 (examples/yc-2018)")
        timed("load the example", load_yinchuan)
        measure("yc-2018", args.pdf_cards)
    if not args.skip_synthetic:
        print(f"synthetic: {args.units} units, {args.ballots} ballots per unit and method")
        timed("fill", lambda: load_synthetic(args.units, args.ballots))
        measure("synthetic", args.pdf_cards)


if __name__ == "__main__":
    main()
