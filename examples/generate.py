"""Write the synthetic input files of the examples (units, ballots, scores, deductions, vetoes).

Every campaign's rules live in its hand-written ``campaign.toml``; this script reads the
indicators, methods and scale from there and writes the CSV files beside it. The figures are
random but reproducible: each example has its own ``random.Random(seed)``, so running

    .venv/bin/python examples/generate.py

rewrites exactly the committed files, and ``--out DIR`` writes them under another directory
(the tests compare the two byte for byte). All figures are invented; they say nothing about
the real bodies whose names appear in the unit lists.

本脚本生成各示例的单位树和随机评议数据(答卷、得分、减分、否决)。数据为虚构,与真实单位无关。
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent

UNIT_HEADER = ("code", "name", "parent", "group")
BALLOT_HEADER = ("ballot", "method", "unit", "indicator", "level")
SCORE_HEADER = ("method", "unit", "score")
DEDUCTION_HEADER = ("unit", "rule", "date", "count", "evidence", "signed_off")
# yc-2018 (a version-2 file) has a rule several bodies propose: each row names its proposer.
SOURCED_DEDUCTION_HEADER = (*DEDUCTION_HEADER, "source")
# xzfw-2013/2014 (version 2) have a rule whose points are set case by case: each row its figure.
POINTED_DEDUCTION_HEADER = (*DEDUCTION_HEADER, "points")
VETO_HEADER = ("unit", "rule", "date", "evidence")

# A unit's latent quality: most units are good, a few are noticeably worse.
GOOD_QUALITY = (1.0, 0.3)  # mean, standard deviation
WEAK_QUALITY = (0.15, 0.15)
SKIP_ANSWER = 0.03  # share of answers left blank (the ballot still counts)


# ---------------------------------------------------------------------------
# Writing


class Writer:
    """Writes files under ``root``; remembers what it wrote."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: list[Path] = []

    def csv(
        self,
        relpath: str,
        header: Sequence[str],
        rows: Iterable[Sequence[object]],
        encoding: str = "utf-8",
    ) -> int:
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
        self.text(relpath, buf.getvalue(), encoding)
        return count

    def text(self, relpath: str, text: str, encoding: str = "utf-8") -> None:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode(encoding))
        self.written.append(path)


def load_campaign(example: str) -> dict:
    with open(HERE / example / "campaign.toml", "rb") as f:
        return tomllib.load(f)


# ---------------------------------------------------------------------------
# Ballots


class Rater:
    """Draws answers for a campaign from a simple latent model.

    answer = unit quality + respondent leniency + unit×indicator offset + noise, cut into the
    campaign's scale levels (best first). Answers on one ballot are correlated through the
    respondent's leniency, as real questionnaires are.
    """

    CUTS = (1.2, 0.3, -0.4, -1.0)  # boundaries between five levels, best first

    def __init__(self, rng: random.Random, campaign: dict) -> None:
        self.rng = rng
        levels = campaign.get("scale", {}).get("levels") or [
            {"label": label, "points": points}
            for label, points in (("好", 100), ("较好", 80), ("一般", 60), ("较差", 30), ("差", 0))
        ]
        self.labels = [lv["label"] for lv in sorted(levels, key=lambda lv: -lv["points"])]
        if len(self.labels) != len(self.CUTS) + 1:
            raise ValueError("the generator knows five-level scales only")
        self.indicators = [ind["code"] for ind in campaign["indicators"]]
        self.quality: dict[str, float] = {}
        self.offsets: dict[tuple[str, str], float] = {}

    def set_quality(self, units: Iterable[str], weak: Iterable[str] = ()) -> None:
        weak = set(weak)
        for unit in units:
            mean, sd = WEAK_QUALITY if unit in weak else GOOD_QUALITY
            self.quality[unit] = self.rng.gauss(mean, sd)
            for ind in self.indicators:
                self.offsets[unit, ind] = self.rng.gauss(0, 0.15)

    def level(self, value: float) -> str:
        for label, cut in zip(self.labels, self.CUTS, strict=False):
            if value > cut:
                return label
        return self.labels[-1]

    def ballot(
        self, ballot: str, method: str, unit: str, asks: Sequence[str] = ()
    ) -> list[tuple[str, str, str, str, str]]:
        """One questionnaire's answers: on ``asks`` (what the method asks), else every indicator."""
        leniency = self.rng.gauss(0, 0.4)
        rows = []
        for ind in asks or self.indicators:
            value = self.quality[unit] + leniency + self.offsets[unit, ind] + self.rng.gauss(0, 0.7)
            if self.rng.random() < SKIP_ANSWER:
                continue
            rows.append((ballot, method, unit, ind, self.level(value)))
        if not rows:  # a questionnaire with every answer blank is not handed in
            return self.ballot(ballot, method, unit, asks)
        return rows

    def score(self, unit: str, base: float = 72, spread: float = 10, noise: float = 4) -> str:
        """A 0–100 score given by evaluators, loosely following the unit's quality."""
        value = base + spread * self.quality[unit] + self.rng.gauss(0, noise)
        return f"{min(99.0, max(40.0, value)):.1f}"


def ballots_for(
    rater: Rater, method: str, prefix: str, counts: dict[str, int], asks: Sequence[str] = ()
) -> list[tuple[str, ...]]:
    """``counts[unit]`` questionnaires on ``unit``; ballot ids ``prefix-00001`` upwards.
    ``asks``: the indicators the method asks (version 2), else all the rater knows."""
    rows: list[tuple[str, ...]] = []
    n = 0
    for unit, count in counts.items():
        for _ in range(count):
            n += 1
            rows.extend(rater.ballot(f"{prefix}-{n:05d}", method, unit, asks))
    return rows


def random_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


# ---------------------------------------------------------------------------
# zhifa-2014 — seed 000: a district's 12 law-enforcement systems, stations under departments

ZHIFA_DEPARTMENTS = [
    # code, name, stations (code suffix, name)
    (
        "zf-gongan",
        "公安分局",
        [
            ("jiaojing", "公安分局交警大队"),
            ("chengdong", "公安分局城东派出所"),
            ("chengxi", "公安分局城西派出所"),
            ("chengnan", "公安分局城南派出所"),
            ("chengjiao", "公安分局城郊派出所"),
        ],
    ),
    (
        "zf-renshe",
        "人社局",
        [
            ("shebao", "人社局社会保险经办窗口"),
            ("jiuye", "人社局就业服务窗口"),
            ("jiancha", "人社局劳动保障监察大队"),
        ],
    ),
    (
        "zf-minzheng",
        "民政局",
        [("hunyin", "民政局婚姻登记处"), ("jiuzhu", "民政局社会救助窗口")],
    ),
    ("zf-jianshe", "建设局", []),
    ("zf-shirong", "市容局", []),
    ("zf-jisheng", "计生局", []),
    ("zf-gongxin", "工信局", []),
    (
        "zf-weisheng",
        "卫生局",
        [("jiandu", "卫生局卫生监督所"), ("weishengyuan", "城郊乡卫生院")],
    ),
    ("zf-jiaoyu", "教育局", []),
    (
        "zf-tudi",
        "土地房产局",
        [("fangchan", "土地房产局房产交易登记窗口"), ("guotusuo", "土地房产局城郊国土所")],
    ),
    (
        "zf-shiyao",
        "食品药品监管局",
        [("chengqu", "城区食品药品监管所"), ("chengjiao", "城郊食品药品监管所")],
    ),
    ("zf-anjian", "安监局", []),
]


def zhifa_2014(w: Writer) -> None:
    example = "zhifa-2014"
    campaign = load_campaign(example)
    rng = random.Random(2014_000)
    rater = Rater(rng, campaign)

    units = []
    targets = []  # who the questionnaire is put to: stations, or the department without any
    for code, name, stations in ZHIFA_DEPARTMENTS:
        units.append((code, name, "", "zf-departments"))
        if stations:
            for suffix, station in stations:
                units.append((f"{code}-{suffix}", station, code, ""))
                targets.append(f"{code}-{suffix}")
        else:
            targets.append(code)
    w.csv(f"{example}/units.csv", UNIT_HEADER, units)

    codes = [u[0] for u in units]
    rater.set_quality(codes, weak=rng.sample(codes, 4))

    questionnaires = {t: rng.randint(22, 36) for t in targets}
    rows = ballots_for(rater, "questionnaire", "wj", questionnaires)
    departments = [d[0] for d in ZHIFA_DEPARTMENTS]
    rows += ballots_for(rater, "service_users", "fw", {d: rng.randint(15, 30) for d in departments})
    w.csv(f"{example}/ballots.csv", BALLOT_HEADER, rows)

    w.csv(
        f"{example}/scores.csv",
        SCORE_HEADER,
        [("evaluators", d, rater.score(d)) for d in departments],
    )


# ---------------------------------------------------------------------------
# yc-2018 — seed 001: Yinchuan, 82 agencies and 7 key industries, four methods, deductions

YC_AGENCIES = [
    ("jwjw", "纪委监委"),
    ("swbgt", "市委办公厅"),
    ("rdjg", "人大机关"),
    ("zfbgt", "政府办公厅"),
    ("zxjg", "政协机关"),
    ("xfdbj", "信访督办局"),
    ("dsyjs", "党史研究室"),
    ("zzb", "组织部"),
    ("lgbj", "老干部局"),
    ("rcgzfwj", "人才工作服务局"),
    ("xcb", "宣传部"),
    ("tzb", "统战部"),
    ("zfw", "政法委"),
    ("zcyjs", "政策研究室"),
    ("bb", "编办"),
    ("dx", "党校"),
    ("daj", "档案局"),
    ("xwcmjt", "新闻传媒集团"),
    ("jgswglj", "机关事务管理局"),
    ("zb", "志办"),
    ("gsl", "工商联"),
    ("zgh", "总工会"),
    ("tsw", "团市委"),
    ("fl", "妇联"),
    ("kx", "科协"),
    ("wl", "文联"),
    ("cl", "残联"),
    ("zjfy", "中级法院"),
    ("jcy", "检察院"),
    ("fgw", "发改委"),
    ("gxj", "工信局"),
    ("dsjj", "大数据局"),
    ("jyj", "教育局"),
    ("kjj", "科技局"),
    ("mw", "民委(宗教局)"),
    ("gaj", "公安局"),
    ("mzj", "民政局"),
    ("sfj", "司法局"),
    ("czj", "财政局"),
    ("ggzyjyzx", "公共资源交易中心"),
    ("rsj", "人社局"),
    ("gtj", "国土局"),
    ("hbj", "环保局"),
    ("zjj", "住建局"),
    ("jtj", "交通局"),
    ("shuiwj", "水务局"),
    ("nmj", "农牧局"),
    ("shangwj", "商务局"),
    ("wgj", "文广局"),
    ("wjw", "卫计委"),
    ("sjj", "审计局"),
    ("scjgj", "市场监管局"),
    ("gzw", "国资委"),
    ("tylyj", "体育旅游局"),
    ("ajj", "安监局"),
    ("tjj", "统计局"),
    ("lyj", "林业局"),
    ("cgj", "城管局"),
    ("ghj", "规划局"),
    ("jhwqj", "经合外侨局"),
    ("jrgzj", "金融工作局"),
    ("xzspfwj", "行政审批服务局(政务服务中心)"),
    ("dzj", "地震局"),
    ("zfyjs", "政府研究室(扶贫办)"),
    ("tdcbj", "土地储备局"),
    ("yxlglc", "银西林管理处"),
    ("djj", "代建局"),
    ("zfgjj", "住房公积金管理中心"),
    ("xxlqglc", "西夏陵区管理处"),
    ("hlsyhglc", "贺兰山岩画管理处"),
    ("jjkfq", "银川经济技术开发区"),
    ("gxq", "银川高新技术产业开发区"),
    ("zhbsq", "银川综合保税区"),
    ("bhxq", "银川滨河新区"),
    ("sljjy", "银川丝路经济园"),
    ("zgckjy", "银川中关村创新创业科技园"),
    ("lsj", "粮食局"),
    ("guosj", "国税局"),
    ("dsj", "地税局"),
    ("yzglj", "邮政管理局"),
    ("yczmj", "烟草专卖局"),
    ("qxj", "气象局"),
]

YC_INDUSTRIES = [
    ("gdgs", "国网银川供电公司"),
    ("ztsw", "中铁水务集团有限公司"),
    ("hns", "宁夏哈纳斯天然气有限公司"),
    ("gjgs", "公共交通有限公司"),
    ("kyglc", "城市客运交通管理处"),
    ("mqgr", "煤气供热有限公司"),
    ("yzgs", "宁夏邮政公司银川分公司"),
]

# Appraised province-wide by a third party; in the tree, left out of the campaign.
YC_EXCLUDED = [
    ("x-nxyh", "宁夏银行"),
    ("x-dyrmyy", "银川市第一人民医院"),
    ("x-yczx", "银川一中"),
]


# The units stationed in the citizens' hall (seed 001: 对入驻的各单位进行测评), marked with the
# attribute the service-centre survey covers (its ``covers_attribute``). The plan names no
# list: these are the example's choice.
YC_IN_HALL = (
    "yc-cl",
    "yc-fgw",
    "yc-jyj",
    "yc-gaj",
    "yc-mzj",
    "yc-sfj",
    "yc-ggzyjyzx",
    "yc-rsj",
    "yc-gtj",
    "yc-hbj",
    "yc-zjj",
    "yc-jtj",
    "yc-shuiwj",
    "yc-nmj",
    "yc-shangwj",
    "yc-wgj",
    "yc-wjw",
    "yc-scjgj",
    "yc-ajj",
    "yc-lyj",
    "yc-cgj",
    "yc-ghj",
    "yc-xzspfwj",
    "yc-zfgjj",
    "yc-guosj",
    "yc-dsj",
    "yc-gdgs",
    "yc-ztsw",
    "yc-hns",
    "yc-kyglc",
    "yc-mqgr",
    "yc-yzgs",
)
HALL = "进驻市民大厅"


def yc_2018(w: Writer) -> None:
    example = "yc-2018"
    campaign = load_campaign(example)
    rng = random.Random(2018_001)
    rater = Rater(rng, campaign)

    agencies = [(f"yc-{c}", n, "", "yc-agencies") for c, n in YC_AGENCIES]
    industries = [(f"yc-{c}", n, "", "yc-industries") for c, n in YC_INDUSTRIES]
    excluded = [(f"yc-{c}", n, "", "yc-industries") for c, n in YC_EXCLUDED]
    marked = [(*u, HALL if u[0] in YC_IN_HALL else "") for u in agencies + industries + excluded]
    w.csv(f"{example}/units.csv", (*UNIT_HEADER, "tags"), marked)

    ranked = [u[0] for u in agencies + industries]
    weak = rng.sample(ranked[: len(agencies)], 6) + rng.sample(ranked[len(agencies) :], 2)
    rater.set_quality(ranked, weak=weak)

    # The service-centre survey rates only the units stationed in the citizens' hall: those
    # carrying the attribute its ``covers_attribute`` in campaign.toml names.
    service_centre = next(m for m in campaign["methods"] if m["code"] == "service_centre")
    assert service_centre["covers_attribute"] == [HALL]
    in_hall = [u for u in ranked if u in YC_IN_HALL]

    rows = ballots_for(rater, "third_party", "dcd", {u: rng.randint(20, 40) for u in ranked})
    rows += ballots_for(rater, "service_centre", "zwzx", {u: rng.randint(25, 40) for u in in_hall})
    rows += ballots_for(rater, "representatives", "ldy", {u: rng.randint(20, 35) for u in ranked})
    rows += ballots_for(rater, "online", "wl", {u: rng.randint(10, 30) for u in ranked})
    w.csv(f"{example}/ballots.csv", (*BALLOT_HEADER, "category"), yc_categories(rows))

    w.csv(f"{example}/deductions.csv", SOURCED_DEDUCTION_HEADER, yc_deductions(rng, ranked))

    # The document's own date, kept to show that the loader rejects it.
    text = (HERE / example / "campaign.toml").read_text(encoding="utf-8")
    text, n = re.subn(r"(?m)^to = 2018-11-30$", "to = 2018-11-31", text)
    assert n == 1, "campaign.toml has no deductions.to line to copy the typo into"
    w.text(
        f"{example}/campaign-with-document-typo.toml",
        "# 演示用:此文件照抄了文件原文的错误日期 2018-11-31(11月只有30天),"
        "`minping load` 应拒绝它并指出行号,且不作任何改动。\n"
        "# Demonstration only: this copy keeps the document's invalid date 2018-11-31; "
        "loading it must fail with the line number and change nothing.\n\n" + text,
    )


# Who answers each method (评议主体, R-18), as seed 001 says: the third party draws from a
# sample library, the service centre asks the hall's and 12345's callers, the
# representatives' appraisal only delegates, deputies and CPPCC members (R-13; the
# file counts them as one category, 两代表一委员), the web channel is open to all.
YC_CATEGORIES = {
    "third_party": ("办事群众", "企业办事人员", "社区居民", "农村居民", "市场主体"),
    "service_centre": ("办事群众", "企业办事人员"),
    "representatives": ("党代表", "人大代表", "政协委员"),
    "online": ("社区居民", "农村居民", "办事群众", "企业办事人员"),
}


def yc_categories(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """``rows`` with each ballot's respondent category. Drawn from a generator of its own,
    so that the answers (and every figure from them) stay as they were without categories."""
    rng = random.Random(2018_018)
    chosen: dict[str, str] = {}
    out = []
    for row in rows:
        ballot, method = row[0], row[1]
        if ballot not in chosen:
            chosen[ballot] = rng.choice(YC_CATEGORIES[method])
        out.append((*row, chosen[ballot]))
    return out


def yc_deductions(rng: random.Random, ranked: list[str]) -> list[tuple[object, ...]]:
    """A year of deductions: each kind of rule, both sign-off states, the window's edges,
    dates outside the window, and one unit whose media deductions pass the cap of 5.
    The last column names the proposing body of the rule that three bodies propose."""
    picks = rng.sample(ranked[:82], 10)
    industry = rng.choice(ranked[82:])
    rows: list[tuple[object, ...]] = [
        (picks[0], "leader_case", "2018-03-16", 1, "银纪立〔2018〕7号 立案决定书", "是", ""),
        (picks[1], "criticism", "2018-05-09", 1, "市纪委监委通报〔2018〕第5期", "是", "jiwei"),
        (picks[2], "criticism", "2018-07-20", 2, "银机工通〔2018〕8号 两件", "是", "gongwei"),
        (picks[3], "criticism", "2018-09-12", 1, "市委巡察办通报〔2018〕3号", "是", "xuncha"),
        # outside the window: before it starts and after it ends
        (picks[4], "criticism", "2017-11-28", 1, "银机工通〔2017〕21号", "是", "gongwei"),
        (picks[5], "repeat_complaint", "2018-12-05", 1, "12345工单 YC20181205-0412 二次投诉", "是", ""),  # noqa: E501
        # on the window's first and last day
        (picks[6], "criticism", "2017-12-01", 1, "市纪委监委通报〔2017〕第12期", "是", "jiwei"),
        (picks[7], "no_interview", "2018-11-30", 1, "作风热线采访记录 第47期", "是", ""),
        # proposed but not yet signed off by the proposing body's head: does not count
        (picks[8], "hotline_overdue", "2018-08-03", 1, "12345工单 YC20180803-0097 超期", "否", ""),
        (industry, "repeat_complaint", "2018-06-21", 1, "12345工单 YC20180621-0233 二次投诉", "是", ""),  # noqa: E501
        (industry, "hotline_overdue", "2018-10-11", 2, "作风热线栏目 第41期 两次超期", "是", ""),
    ]  # fmt: skip
    # One unit with 55 media events in the year: 55 × 0.1 = 5.5, capped at 5.
    capped = picks[9]
    monthly = [
        ("no_interview", 12, "作风热线栏目 采访记录"),
        ("hotline_overdue", 25, "12345平台超期工单汇总"),
        ("repeat_complaint", 10, "二次投诉核查报告"),
        ("refuse_on_air", 8, "电视问政 邀请上线记录"),
    ]
    for rule, total, evidence in monthly:
        months = sorted(rng.sample(range(1, 12), 4))
        shares = [total // 4] * 4
        shares[-1] += total - sum(shares)
        for month, count in zip(months, shares, strict=True):
            day = random_day(rng, date(2018, month, 1), date(2018, month, 28))
            evidence_text = f"{evidence} 2018年{month}月"
            rows.append((capped, rule, day.isoformat(), count, evidence_text, "是", ""))
    return rows


# ---------------------------------------------------------------------------
# nt-2012 — seed 002: Nantong, divisions and service-centre windows in one campaign

# department code, name, divisions (suffix, name), has a window in the service centre
NT_DEPARTMENTS = [
    ("fgw", "市发改委", [("tzc", "投资处"), ("zdxm", "重点项目协调处"), ("nyc", "能源处")], True),
    ("jxw", "市经信委", [("tzgh", "投资与规划处")], True),
    ("gtj", "市国土资源局", [("gdbh", "耕地保护处"), ("ydgl", "用地管理处")], True),
    ("ghj", "市规划局", [("ydgh", "建设用地规划管理处")], True),
    ("zjj", "市住建局", [("jzy", "建筑业管理处"), ("cjc", "城建处")], True),
    ("hbj", "市环保局", [("hp", "环境影响评价处")], True),
    ("jtj", "市交通运输局", [("zhjh", "综合计划处"), ("jbjs", "基本建设处")], True),
    ("slj", "市水利局", [("ghjh", "规划计划处")], True),
    ("czj", "市财政局", [("jjjs", "经济建设处")], True),
    ("swj", "市商务局", [("wz", "外国投资管理处")], True),
    ("rsj", "市人社局", [("jycj", "就业促进和失业保险处")], True),
    ("gkj", "市港口局", [("gkjs", "港口建设管理处")], False),
    ("cgj", "市城管局", [("szss", "市政设施管理处")], True),
    ("ajj", "市安监局", [("whp", "危险化学品安全监督管理处")], True),
    ("gzw", "市国资委", [("ghfz", "规划发展处")], False),
    ("gaj", "市公安局", [], True),
    ("gsj", "市工商局", [], True),
    ("zjju", "市质监局", [], True),
    ("wsj", "市卫生局", [], True),
    ("jyj", "市教育局", [], True),
    ("mzj", "市民政局", [], True),
    ("wgxj", "市文广新局", [], True),
    ("nw", "市农委", [], True),
    ("wjj", "市物价局", [], True),
    ("dsj", "市地税局", [], True),
    ("guosj", "市国税局", [], True),
    ("rfb", "市人防办", [], True),
    ("xfzd", "市公安消防支队", [], True),
    ("sjj", "市食品药品监管局", [], True),
    ("lyj", "市旅游局", [], True),
    ("gjj", "市住房公积金管理中心", [], True),
    ("qxj", "市气象局", [], True),
    ("fgj", "市房管局", [], True),
]


def nt_2012(w: Writer) -> None:
    """One version-2 campaign for the divisions and the windows, each with its methods;
    each ballot method asks its own indicators (the file's ``indicators`` on a method)."""
    campaign = load_campaign("nt-2012")
    asks = {m["code"]: m.get("indicators", []) for m in campaign["methods"]}
    indicators = campaign["indicators"]
    divisions_campaign = {
        **campaign,
        "indicators": [i for i in indicators if i["code"] not in asks["service_users"]],
    }
    windows_campaign = {
        **campaign,
        "indicators": [i for i in indicators if i["code"] in asks["service_users"]],
    }
    rng = random.Random(2012_002)

    units = []
    divisions = []
    windows = []
    for code, name, divs, has_window in NT_DEPARTMENTS:
        dept = f"nt-{code}"
        units.append((dept, name, "", ""))  # not ranked here: its divisions and window are
        for suffix, div in divs:
            units.append((f"{dept}-{suffix}", f"{name}{div}", dept, "nt-divisions"))
            divisions.append(f"{dept}-{suffix}")
        if has_window:
            units.append((f"{dept}-ck", f"{name}政务中心窗口", dept, "nt-windows"))
            windows.append(f"{dept}-ck")
    # Saved with a byte-order mark, as Excel's "CSV UTF-8" writes it.
    w.csv("nt-2012/units.csv", UNIT_HEADER, units, encoding="utf-8-sig")

    rater = Rater(rng, divisions_campaign)
    rater.set_quality(divisions, weak=rng.sample(divisions, 3))
    scores = []
    for method, base, spread in (("daily", 78, 8), ("inquiry", 72, 12)):
        scores += [(method, d, rater.score(d, base, spread)) for d in divisions]
    survey = {d: rng.randint(30, 50) for d in divisions}
    ballots = ballots_for(rater, "survey", "dc", survey, asks["survey"])
    # 年中汇报测评: a few dozen 评议代表 at the report meeting rate each division on six points.
    representatives = {d: rng.randint(24, 36) for d in divisions}
    ballots += ballots_for(rater, "midyear", "nb", representatives, asks["midyear"])

    rater = Rater(rng, windows_campaign)
    rater.set_quality(windows, weak=rng.sample(windows, 4))
    scores += [("window_daily", u, rater.score(u, 80, 8)) for u in windows]
    users = {u: rng.randint(25, 45) for u in windows}
    ballots += ballots_for(rater, "service_users", "fw", users, asks["service_users"])
    w.csv("nt-2012/scores.csv", SCORE_HEADER, scores)
    w.csv("nt-2012/ballots.csv", BALLOT_HEADER, ballots)


# ---------------------------------------------------------------------------
# xzfw-2014 — seed 003: a county administrative service centre's windows

# code, name, traffic (how many of the public do business there: 1 low … 3 high)
XZ_WINDOWS = [
    ("gaj", "县公安局窗口", 3),
    ("rsj", "县人社局窗口", 3),
    ("gtj", "县国土资源局窗口", 3),
    ("fgj", "县房管局窗口", 3),
    ("gsj", "县工商局窗口", 3),
    ("dsj", "县地税局窗口", 3),
    ("guosj", "县国税局窗口", 2),
    ("gjj", "县住房公积金管理中心窗口", 2),
    ("zjj", "县住建局窗口", 2),
    ("mzj", "县民政局窗口", 2),
    ("jsw", "县人口计生委窗口", 2),
    ("wsj", "县卫生局窗口", 2),
    ("fgw", "县发改委窗口", 1),
    ("zjju", "县质监局窗口", 1),
    ("sjj", "县食品药品监管局窗口", 1),
    ("hbj", "县环保局窗口", 1),
    ("jtj", "县交通运输局窗口", 1),
    ("slj", "县水利局窗口", 1),
    ("lyj", "县林业局窗口", 1),
    ("nyj", "县农业局窗口", 1),
    ("wgxj", "县文广新局窗口", 1),
    ("jyj", "县教育局窗口", 1),
    ("ghj", "县规划局窗口", 1),
    ("ajj", "县安监局窗口", 1),
    ("xfdd", "县公安消防大队窗口", 1),
    ("cl", "县残联窗口", 1),
    ("gdgs", "县供电公司窗口", 2),
    ("zlsgs", "县自来水公司窗口", 1),
]

XZ_RESPONDENTS_PER_ROUND = 100  # “每次随机问卷调查100名群众”
XZ_CASE_POINTS = ("0.5", "1", "1", "1.5", "2")  # a deduction's own figure, at most max_points 2


def xz_survey(rng: random.Random, rater: Rater) -> list[tuple[str, ...]]:
    """Two rounds (July, August) of 100 random people each. Everyone rates each window they did
    business at on one questionnaire: one ballot id ``r<round>-<person>`` over those windows
    (a version-2 import stores one ballot per window and counts the person once)."""
    windows = [f"xz-{c}" for c, _, _ in XZ_WINDOWS]
    traffic = [t for _, _, t in XZ_WINDOWS]
    rows: list[tuple[str, ...]] = []
    for rnd in (1, 2):
        for person in range(1, XZ_RESPONDENTS_PER_ROUND + 1):
            k = rng.choices((1, 2, 3, 4), weights=(4, 3, 2, 1))[0]
            visited: list[str] = []
            while len(visited) < k:
                window = rng.choices(windows, weights=traffic)[0]
                if window not in visited:
                    visited.append(window)
            for window in visited:
                rows += rater.ballot(f"r{rnd}-{person:03d}", "public", window)
    per_window = Counter(unit for _, unit in {(r[0], r[2]) for r in rows})
    assert min(per_window[u] for u in windows) >= 3, per_window
    return rows


def xz_self_scores(rng: random.Random, rater: Rater, windows: list[str]) -> list[tuple[str, ...]]:
    """The windows' self-assessment (窗口自评): generous, loosely following their quality."""
    scores: list[tuple[str, ...]] = []
    for unit in windows:
        value = 88 + 4 * rater.quality[unit] + rng.gauss(0, 3)
        scores.append(("self", unit, f"{min(99.0, max(40.0, value)):.1f}"))
    return scores


def xzfw_2014(w: Writer) -> None:
    example = "xzfw-2014"
    campaign = load_campaign(example)
    rng = random.Random(2014_003)
    # Draws added with the version-2 file (self-assessment, deductions' own points) come from
    # a second generator, so the figures drawn before stay as they were.
    extra = random.Random(2014_003_2)
    rater = Rater(rng, campaign)

    units = [("xz-center", "县行政服务中心", "", "")]  # a container: its windows are ranked
    units += [(f"xz-{c}", n, "xz-center", "xz-windows") for c, n, _ in XZ_WINDOWS]
    # Saved as GB18030, as Chinese Excel writes a CSV. xzfw-2013 rates the same windows.
    w.csv(f"{example}/units.csv", UNIT_HEADER, units, encoding="gb18030")

    windows = [f"xz-{c}" for c, _, _ in XZ_WINDOWS]
    rater.set_quality(windows, weak=rng.sample(windows, 4))
    w.csv(f"{example}/ballots.csv", BALLOT_HEADER, xz_survey(rng, rater))

    scores: list[tuple[str, ...]] = [("leading_group", u, rater.score(u, 74, 10)) for u in windows]
    scores += [("peer", u, rater.score(u, 80, 6, 3)) for u in windows]
    scores += xz_self_scores(extra, rater, windows)
    w.csv(f"{example}/scores.csv", SCORE_HEADER, scores)

    deductions = []
    # inspections run while the plan is carried out (组织实施)
    start, end = date(2014, 4, 21), date(2014, 10, 20)
    for unit in rng.sample(windows, 7):
        day = random_day(rng, start, end)
        count = rng.choice((1, 1, 1, 2, 3))
        points = extra.choice(XZ_CASE_POINTS)
        evidence = f"集中督查通报 {day.month}月"
        deductions.append((unit, "ducha_problem", day.isoformat(), count, evidence, "是", points))
    unit = rng.choice(windows)
    deductions.append(
        (
            unit,
            "ducha_problem",
            "2014-10-15",
            1,
            "暗访记录 10月 待签字",
            "否",
            extra.choice(XZ_CASE_POINTS),
        )
    )
    w.csv(f"{example}/deductions.csv", POINTED_DEDUCTION_HEADER, deductions)

    # One window whose clerk was placed under investigation: unsatisfactory whatever its score.
    vetoed = max(windows, key=lambda u: rater.quality[u])
    w.csv(
        f"{example}/vetoes.csv",
        VETO_HEADER,
        [(vetoed, "case_filed", "2014-09-03", "县纪委立案决定书 〔2014〕19号")],
    )


def xzfw_2013(w: Writer) -> None:
    """Last year's campaign over the same windows (units in xzfw-2014/units.csv): its
    composites and its deductions (通报批评) give xzfw-2014 its focus list."""
    example = "xzfw-2013"
    campaign = load_campaign(example)
    rng = random.Random(2013_003)
    rater = Rater(rng, campaign)

    windows = [f"xz-{c}" for c, _, _ in XZ_WINDOWS]
    rater.set_quality(windows, weak=rng.sample(windows, 4))
    w.csv(f"{example}/ballots.csv", BALLOT_HEADER, xz_survey(rng, rater))

    scores: list[tuple[str, ...]] = [("leading_group", u, rater.score(u, 72, 10)) for u in windows]
    scores += [("peer", u, rater.score(u, 80, 6, 3)) for u in windows]
    scores += xz_self_scores(rng, rater, windows)
    w.csv(f"{example}/scores.csv", SCORE_HEADER, scores)

    deductions = []
    start, end = date(2013, 4, 21), date(2013, 10, 20)
    for unit in rng.sample(windows, 4):
        day = random_day(rng, start, end)
        points = rng.choice(XZ_CASE_POINTS)
        evidence = f"集中督查通报批评 {day.month}月"
        deductions.append((unit, "ducha_problem", day.isoformat(), 1, evidence, "是", points))
    # proposed, never signed off: not a criticism, and not on this year's focus list for it
    unit = rng.choice(windows)
    deductions.append((unit, "ducha_problem", "2013-10-10", 1, "暗访记录 10月 未签字", "否", "1"))
    w.csv(f"{example}/deductions.csv", POINTED_DEDUCTION_HEADER, deductions)


# ---------------------------------------------------------------------------
# xwcb-2010 — seed 004: a provincial press and publication bureau's appraisal of the cities

XW_CITIES = [
    ("jia", "甲"),
    ("yi", "乙"),
    ("bing", "丙"),
    ("ding", "丁"),
    ("wu", "戊"),
    ("ji", "己"),
    ("geng", "庚"),
    ("xin", "辛"),
    ("ren", "壬"),
    ("gui", "癸"),
]


def xwcb_2010(w: Writer) -> None:
    example = "xwcb-2010"
    campaign = load_campaign(example)
    rng = random.Random(2010_004)
    rater = Rater(rng, campaign)

    units = [(f"xw-{c}", f"{n}市新闻出版局", "", "xw-cities") for c, n in XW_CITIES]
    w.csv(f"{example}/units.csv", UNIT_HEADER, units)
    cities = [u[0] for u in units]
    rater.set_quality(cities, weak=rng.sample(cities, 2))

    scores = [("daily", u, rater.score(u, 76, 10)) for u in cities]
    scores += [("year_end", u, rater.score(u, 74, 12)) for u in cities]
    w.csv(f"{example}/scores.csv", SCORE_HEADER, scores)
    users = {u: rng.randint(30, 50) for u in cities}
    w.csv(f"{example}/ballots.csv", BALLOT_HEADER, ballots_for(rater, "service_users", "fw", users))


EXAMPLES = (zhifa_2014, yc_2018, nt_2012, xzfw_2013, xzfw_2014, xwcb_2010)


def generate(out: Path) -> list[Path]:
    w = Writer(out)
    for example in EXAMPLES:
        example(w)
    return w.written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=HERE, help="directory to write into (default: examples/)"
    )
    args = parser.parse_args(argv)
    for path in generate(args.out):
        print(path)


if __name__ == "__main__":
    main()
