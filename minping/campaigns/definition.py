"""Reading and checking a campaign definition file (DESIGN.md, "Campaign definition (TOML)").

Pure: no ORM, no I/O. ``parse_definition`` turns the file's text into a frozen
``CampaignDefinition`` or raises ``InvalidInput`` listing every problem with its
line, so a form can reuse the same checks as ``minping load``.

Extensions to the contract, all optional:

- ``[[stages]]`` with ``code``, ``title``, ``starts``, ``ends`` (dates,
  starts ≤ ends): the campaign's dated stages (R-34).
- ``groups`` entries may be inline tables ``{code = "agencies", title = "市级机关单位"}``
  as well as plain codes; the loader then names the ranking group.
- ``input`` of a method defaults to ``"ballots"``.
- Wherever a date is expected, a quoted ISO date ``"2018-11-30"`` is taken too.
- A method's ``body``, ``starts``, ``ends`` and ``deadline`` (R-19: who runs it, when,
  and by when its data are due); ``input = "cases"`` with an optional ``cases`` table
  (R-33: a score from the unit's case handling, see ``CaseFormulaDef``).
- ``[[submissions]]`` with ``code``, ``kind``, ``title``, ``due`` and an optional
  ``stage``: what every unit hands in by when (R-35).
- ``[approval]`` with ``code`` and ``title``: the body that approves the results
  before they are released (R-23).
- ``issuer`` and ``verify_phone``: the office that runs the appraisal and the telephone
  number on which a respondent can check that a questionnaire is genuine; every page a
  respondent sees shows them.

These are read the same way in every version of the file: none changes a score
a version-1 file already gives.

Version 2 (``format = 2`` at the top; a file without it is version 1) may say
more of what the seed plans say; only a version-2 file may use these keys, and
a version-1 file scores exactly as before. See ``docs/definition.md``.

Item codes (indicators, methods, sources, rules, vetoes, stages, groups) may
use ``_`` as the contract's own example does ("third_party"); the campaign's
code may not, so that it stays a clean URL and file name.
"""

from __future__ import annotations

import calendar
import datetime
import difflib
import math
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypeVar

from minping.campaigns.categories import canonical_category
from minping.lib.errors import InvalidInput, ProblemCollector

CAMPAIGN_CODE_RE = re.compile(r"[a-z0-9-]+")
ITEM_CODE_RE = re.compile(r"[a-z0-9_-]+")
CODE_MAX_LENGTH = 64
BALLOTS = "ballots"
SCORES = "scores"
CASES = "cases"  # scored from the unit's case statistics
INPUTS = (BALLOTS, SCORES, CASES)
# How a department with windows or stations is rated on a ballot method (version 2, R-03).
PARTS_RULES = {
    "mean": "取下属窗口/站所的平均,不直接评议部门",
    "own": "直接评议部门本身,不评下属窗口/站所",
}
FORMATS = (1, 2)  # versions of the definition file; without ``format`` a file is version 1

# What units hand in, by the code a definition file uses; oversight's
# SubmissionKind has the same codes (a test keeps the two equal).
SUBMISSION_KINDS = {
    "self_inspection": "自查报告",
    "commitments": "公开承诺",
    "duties": "工作职能及服务对象登记表",
    "contact": "联络人",
    "summary": "总结报告及报表",
    "other": "其他材料",
}

Path = tuple[str | int, ...]


class _HasCode(Protocol):
    @property
    def code(self) -> str: ...


_Coded = TypeVar("_Coded", bound=_HasCode)


class _Asking(Protocol):
    """A method as the file (``MethodDef``) or the database (``Method``) holds it."""

    @property
    def input(self) -> str: ...

    @property
    def indicators(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class LevelDef:
    """A scale level (R-07): its label, points, and whether it counts as satisfied (R-09)."""

    label: str
    points: Decimal
    satisfied: bool


@dataclass(frozen=True)
class IndicatorDef:
    """A question asked about each unit (R-06), weighted in the method score (S-1)."""

    code: str
    title: str
    weight: Decimal = Decimal(1)


@dataclass(frozen=True)
class CaseFormulaDef:
    """How a method whose input is ``cases`` scores a unit from its case handling (R-33).

    Weights, in percent, of four rates worked out from the cases of the campaign the
    unit (with its windows and stations) is responsible for:

    - ``on_time``: answered by the deadline / answered (按时答复率)
    - ``resolved``: closed (销号) / cases (办结率)
    - ``satisfied``: satisfied or basically satisfied / followed up (回访满意率)
    - ``promised``: ledger lines struck off by their time limit / ledger lines the
      unit wrote for these cases (承诺解决率: what it promised to solve, and did)

    A rate with nothing to divide by is left out and the other weights are rescaled
    to 100; a unit with no case at all scores ``no_cases``. The default weighs the
    four alike and gives 100 to a unit nobody complained about.
    """

    on_time: Decimal = Decimal(25)
    resolved: Decimal = Decimal(25)
    satisfied: Decimal = Decimal(25)
    promised: Decimal = Decimal(25)
    no_cases: Decimal = Decimal(100)

    @property
    def weights(self) -> tuple[tuple[str, Decimal], ...]:
        return tuple((rate, getattr(self, rate)) for rate in CASE_RATES)


# The rates a case formula weighs, in the order they are shown, with their names.
CASE_RATES = {
    "on_time": "按时答复率",
    "resolved": "办结率",
    "satisfied": "回访满意率",
    "promised": "承诺解决率",
}


@dataclass(frozen=True)
class MethodDef:
    """An appraisal method (R-10…R-17): its weight in the composite (S-3), its input.

    ``body``, ``starts``, ``ends`` and ``deadline`` say who runs it, when, and by when
    its data are due (R-19); they change no score. ``cases`` is the formula of a
    method whose input is ``cases``.
    """

    code: str
    title: str
    weight: Decimal
    input: str = BALLOTS
    body: str = ""
    starts: datetime.date | None = None
    ends: datetime.date | None = None
    deadline: datetime.date | None = None
    cases: CaseFormulaDef | None = None
    # Version 2, ``scored = false``: recorded and ranked on its own, never in the
    # composite (seed 003's self-assessment); its weight is 0.
    scored: bool = True
    # Version 2: the groups it applies to (Nantong's 综合考评 only for the divisions);
    # empty: every group. The weights of each group's methods sum to 100.
    groups: tuple[str, ...] = ()
    # Version 2: minimum samples of a ballot method (000: 测评问卷不少于500份), checked when
    # results are computed: ``min_ballots`` in the whole campaign, ``min_unit_ballots`` per
    # ranked unit (its parts' included); ``too_few`` "warn" or "refuse" (results incomplete).
    min_ballots: int = 0
    min_unit_ballots: int = 0
    too_few: str = "warn"

    # Version 2, whom it rates (``campaigns.participation``): ``parts`` of a ballot method,
    # "mean" (R-03, the default of a version-2 file) or "own"; "" is version 1's rule
    # (own ballots first, else the mean of the parts). ``covers``: the units it rates
    # (a code of one of the campaign's groups: that group's units),
    # with everything under them; empty, every unit (seed 001's hall survey names some).
    parts: str = ""
    covers: tuple[str, ...] = ()
    # Version 2, ``covers_attribute``: it also rates the units that carry one of these
    # attributes in the unit tree (“进驻市民大厅”), with everything under them.
    covers_attribute: tuple[str, ...] = ()
    # Version 2, ``indicators``: the campaign indicators a ballot method's questionnaire
    # asks (seed 002's 集中汇报 rates 态度、广度、深度……); empty: all of them. Read it
    # through ``CampaignDefinition.indicators_for``.
    indicators: tuple[str, ...] = ()
    # Version 2, whose ballots count: ``respondents``, only these categories
    # (empty: every one); ``exclude_respondents``, never these (以上均不含厅级干部).
    respondents: tuple[str, ...] = ()
    exclude_respondents: tuple[str, ...] = ()

    def applies_to(self, group: str | None) -> bool:
        return not self.groups or group in self.groups

    def respondent_refusal(self, category: str) -> str:
        """Why a ballot of respondent ``category`` does not count on this method; "" if it does.

        The one place that decides it: the engine leaves such ballots out, the importers
        refuse them, questionnaires and sample draws do not offer them. A representative's
        role (党代表, 人大代表, 政协委员) is the category 两代表一委员 (R-13).
        """
        if not (self.respondents or self.exclude_respondents):
            return ""
        name = canonical_category(category)
        shown = category.strip()
        if name in {canonical_category(c) for c in self.exclude_respondents}:
            return (
                f"评议主体类别“{shown}”不参加该项评议"
                f"(本项评议不含{'、'.join(self.exclude_respondents)})"
            )
        if self.respondents and name not in {canonical_category(c) for c in self.respondents}:
            who = "、".join(self.respondents)
            if not name:
                return f"未注明评议主体类别,该项评议只计{who}的答卷"
            return f"评议主体类别“{shown}”不是该项评议的评议主体(评议主体:{who})"
        return ""

    @property
    def respondents_text(self) -> str:
        """Whose ballots count, in plain words for a questionnaire; empty without a rule."""
        said = []
        if self.respondents:
            said.append(f"评议主体:{'、'.join(self.respondents)}")
        if self.exclude_respondents:
            said.append(f"本项评议不含{'、'.join(self.exclude_respondents)}")
        return ";".join(said)


@dataclass(frozen=True)
class SourceDef:
    """A body that proposes deductions (R-20), with an optional cap on its total (S-4).

    ``floor`` (version 2): the score its deductions come off is never taken below
    this figure by them (``floor = 0``: 扣完为止); ``None``, as S-4 says, no floor.
    """

    code: str
    title: str
    cap: Decimal | None = None
    floor: Decimal | None = None


@dataclass(frozen=True)
class RuleDef:
    """A deduction rule of one source: points per event (R-20).

    ``sources`` (version 2, ``sources = [...]``): every body that may propose it, when
    several do (被市纪委监委、市直机关工委、市委巡察办通报批评的); ``source`` is then the
    first of them, and each deduction names its own. Empty for a rule of one source.
    ``method`` (version 2): the code of the method whose score its deductions come off
    (R-20: Yinchuan's 网络及跟踪评议); empty: off the composite (S-4).
    """

    code: str
    title: str
    source: str
    points: Decimal
    sources: tuple[str, ...] = ()
    method: str = ""
    # Version 2, ``max_points``: the points are set case by case, at most this many per
    # event (seed 003's 督查扣分); each deduction carries its own figure and ``points`` is 0.
    max_points: Decimal | None = None

    @property
    def proposers(self) -> tuple[str, ...]:
        """The sources that may propose this rule's deductions."""
        return self.sources or (self.source,)


@dataclass(frozen=True)
class VetoDef:
    """A case that makes a unit unsatisfactory whatever its score (R-22)."""

    code: str
    title: str


@dataclass(frozen=True)
class IneligibilityDef:
    """A reason a unit loses award eligibility (R-39): never excellent, not thereby
    unsatisfactory (version 2, ``[[ineligibility]]``). ``body``: who finds it."""

    code: str
    title: str
    body: str = ""


@dataclass(frozen=True)
class StageDef:
    """A dated stage of the campaign (R-34)."""

    code: str
    title: str
    starts: datetime.date
    ends: datetime.date


@dataclass(frozen=True)
class SubmissionDef:
    """Something every unit taking part hands in by a date (R-35), optionally in a stage."""

    code: str
    kind: str  # a key of SUBMISSION_KINDS
    title: str
    due: datetime.date
    stage: str = ""


@dataclass(frozen=True)
class ApprovalDef:
    """The body that approves the results before they stand (R-23: 上报省局审定).

    Its approvers hold the role ``approver`` for ``code``.
    """

    code: str
    title: str


@dataclass(frozen=True)
class GroupDef:
    """A ranking group taking part (R-02).

    ``excellent``, ``unsatisfactory`` and ``watchlist`` (version 2) replace ``[grading]``'s
    numbers for this group (Nantong: 6 先进处室, 10 优质服务窗口); None: as ``[grading]``.
    """

    code: str
    title: str = ""  # empty in a file: keep the group's existing name
    excellent: int | None = None
    unsatisfactory: int | None = None
    watchlist: int | None = None
    # Version 2: the group whose units' parts (windows, stations) this group ranks, while
    # they still feed their department's mean (seed 000 commends the windows). Its
    # members are those parts, not the units of the tree in this group.
    parts_of: str = ""


@dataclass(frozen=True)
class GradingDef:
    """How many units per group are excellent, unsatisfactory, watched (S-6)."""

    excellent: int = 0
    unsatisfactory: int = 0
    watchlist: int = 0
    # Version 2 (seed 003, R-24): this year's focus (重点督查) is last year's bottom N of the
    # group (by the baseline's composites) and, with ``baseline_criticised``, every unit the
    # baseline campaign deducted points from (通报批评).
    baseline_bottom: int = 0
    baseline_criticised: bool = False
    # Version 2, with ``composite = false``: the method whose score (after its deductions)
    # ranks and grades the units; empty: no unit has a rank, only vetoes grade.
    by: str = ""


GRADING_KEYS = ("excellent", "unsatisfactory", "watchlist")

DEFAULT_LEVELS = (
    LevelDef("好", Decimal(100), True),
    LevelDef("较好", Decimal(80), True),
    LevelDef("一般", Decimal(60), False),
    LevelDef("较差", Decimal(30), False),
    LevelDef("差", Decimal(0), False),
)


@dataclass(frozen=True)
class CampaignDefinition:
    code: str
    title: str
    year: int
    groups: tuple[GroupDef, ...]
    methods: tuple[MethodDef, ...]
    indicators: tuple[IndicatorDef, ...] = ()
    levels: tuple[LevelDef, ...] = DEFAULT_LEVELS
    exclude: tuple[str, ...] = ()
    publish: bool = False
    baseline: str = ""
    deductions_from: datetime.date | None = None
    deductions_to: datetime.date | None = None
    sources: tuple[SourceDef, ...] = ()
    rules: tuple[RuleDef, ...] = ()
    vetoes: tuple[VetoDef, ...] = ()
    stages: tuple[StageDef, ...] = ()
    grading: GradingDef = field(default_factory=GradingDef)
    # Read in every version: none of them changes a score.
    submissions: tuple[SubmissionDef, ...] = ()
    approval: ApprovalDef | None = None
    issuer: str = ""
    verify_phone: str = ""
    format: int = 1  # the file's version (``format = 2``); 1 without the key
    ineligibility: tuple[IneligibilityDef, ...] = ()  # version 2
    # Version 2, ``composite = false`` (R-19, seed 001): methods have no weights and no
    # composite is computed; each method is ranked on its own, and ``grading.by`` (if
    # given) orders and grades the units.
    composite: bool = True

    @property
    def period(self) -> tuple[datetime.date, datetime.date]:
        """The days the campaign covers: its year, widened by every date the file gives
        (deduction window, stages, method dates). A veto must fall inside (R-22)."""
        starts = [datetime.date(self.year, 1, 1)]
        ends = [datetime.date(self.year, 12, 31)]
        starts += [d for d in (self.deductions_from, self.deductions_to) if d]
        ends += [d for d in (self.deductions_from, self.deductions_to) if d]
        starts += [s.starts for s in self.stages]
        ends += [s.ends for s in self.stages]
        for m in self.methods:
            starts += [d for d in (m.starts,) if d]
            ends += [d for d in (m.ends, m.deadline) if d]
        return min(starts), max(ends)

    @property
    def source_methods(self) -> dict[str, str]:
        """Each source's deductions come off this method's score; "" (or absent): the composite.
        A version-2 file keeps every rule of one source on one place (the parser checks)."""
        return {s: r.method for r in self.rules for s in r.proposers if r.method}

    def methods_for(self, group: str | None) -> tuple[MethodDef, ...]:
        """The methods that apply to ``group`` (version 2 may limit a method to some groups)."""
        return tuple(m for m in self.methods if m.applies_to(group))

    def indicators_for(self, method: str) -> tuple[IndicatorDef, ...]:
        """The indicators the questionnaire of ``method`` asks, in the file's order: those
        its ``indicators`` names (version 2), else every indicator of the campaign; a
        method not scored from ballots asks none. Every place that lists a method's
        questions (scoring, importers, forms, reports) asks here (or, holding stored
        rows, ``Method.asked_indicators``, which applies the same ``asked``)."""
        return asked(self.indicators, next((m for m in self.methods if m.code == method), None))

    def indicators_of_group(self, group: str | None) -> tuple[IndicatorDef, ...]:
        """The indicators some method of ``group`` asks, in the file's order: what a
        per-indicator table of the group shows (version 2 may leave some out)."""
        codes = {i.code for m in self.methods_for(group) for i in self.indicators_for(m.code)}
        return tuple(i for i in self.indicators if i.code in codes)

    def grading_for(self, group: str | None) -> GradingDef:
        """``[grading]`` with the numbers the group itself gives (version 2)."""
        found = next((g for g in self.groups if g.code == group), None)
        if found is None:
            return self.grading
        own = {key: value for key in GRADING_KEYS if (value := getattr(found, key)) is not None}
        return replace(self.grading, **own)

    @property
    def group_codes(self) -> list[str]:
        return [g.code for g in self.groups]

    @property
    def part_groups(self) -> dict[str, str]:
        """Version 2: each group that ranks parts → the group whose units' parts it ranks."""
        return {g.code: g.parts_of for g in self.groups if g.parts_of}

    @property
    def satisfied(self) -> list[str]:
        return [level.label for level in self.levels if level.satisfied]


def asked(indicators: Sequence[_Coded], method: _Asking | None) -> tuple[_Coded, ...]:
    """Of a campaign's ``indicators`` (in their order), those ``method``'s questionnaire
    asks: the ones its ``indicators`` names (version 2), or all of them when it names
    none; a method not scored from ballots asks nothing. The one rule behind
    ``CampaignDefinition.indicators_for`` and ``Method.asked_indicators``."""
    if method is None or method.input != BALLOTS:
        return ()
    if not method.indicators:
        return tuple(indicators)
    return tuple(i for i in indicators if i.code in method.indicators)


def parse_definition(text: str, *, source: str = "") -> CampaignDefinition:
    """Parse and check a definition file's text; raise InvalidInput listing every problem."""
    problems = ProblemCollector()
    bad_dates: set[int] = set()
    data, text = _load_toml(text, problems, bad_dates)
    if data is None:
        problems.raise_if_any(source)
        raise AssertionError("unreachable: a TOML error is always reported")
    reader = _Reader(LineMap(text), problems, bad_dates)
    definition = reader.campaign(data)
    # Top to bottom, as the user will fix them; file-wide problems first.
    problems.problems.sort(key=lambda p: -1 if p.line is None else p.line)
    problems.raise_if_any(source)
    assert definition is not None
    return definition


def decode_definition(data: bytes, *, source: str = "") -> str:
    """The file's text: UTF-8 (BOM or not) as TOML wants, else GB18030 as Chinese Windows saves."""
    if b"\x00" in data:
        raise _not_text(source)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _not_text(source)


def _not_text(source: str) -> InvalidInput:
    problems = ProblemCollector()
    problems.add(
        "文件不是文本文件,或者既不是 UTF-8 也不是 GB18030 编码;请用文本编辑器另存为 UTF-8。"
    )
    return InvalidInput(problems.problems, problems.total, source)


# --- TOML syntax ---------------------------------------------------------------

_WHERE_RE = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)$")
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

# tomllib's messages, said the way a clerk editing the file in Notepad understands them.
_TOML_MESSAGES = [
    ("Invalid date or datetime", "日期或时间无效"),
    ("Invalid value", '值无效(文字要用英文双引号括起来,如 title = "…")'),
    ("Illegal character", "非法字符(是否少了结尾的引号,或用了中文引号?)"),
    ("Unterminated string", "字符串缺少结尾的引号"),
    ("Cannot overwrite a value", "同一个键赋值了两次"),
    ("Cannot declare", "同一个表声明了两次"),
    ("Cannot mutate", "不能给已定义的数组或表再添加内容"),
    ("Unclosed array", "数组缺少结尾的“]”"),
    ("Unclosed inline table", "内联表缺少结尾的“}”"),
    ("Expected '=' after a key", "键的后面应当是“=”(是否用了中文等号或空格?)"),
    ("Expected newline or end of document after a statement", "一行只能写一个键值对"),
    ("Invalid initial character for a key part", "键名的第一个字符无效"),
    ("Invalid statement", "无法识别的语句"),
    ("Expected ']' at the end of a table declaration", "表头缺少结尾的“]”"),
    ("Expected ']]' at the end of an array declaration", "表数组头缺少结尾的“]]”"),
]

# Replacing an impossible date and parsing again lets one run report every such date.
_MAX_DATE_RETRIES = 50


def _load_toml(
    text: str, problems: ProblemCollector, bad_dates: set[int]
) -> tuple[dict[str, Any] | None, str]:
    """The parsed TOML (None after a syntax error) and the text it was parsed from.

    Each impossible date is reported, its line added to ``bad_dates``, and
    replaced by the nearest real date so the rest of the file is still checked.
    """
    for _ in range(_MAX_DATE_RETRIES):
        try:
            return tomllib.loads(text), text
        except tomllib.TOMLDecodeError as exc:
            message, line, column = _split_where(str(exc), text)
            match = _bad_date_on_line(text, line)
            if match and (why := _impossible_date(match)):
                problems.add(why[0], line)
                if line is not None:
                    bad_dates.add(line)
                text = text[: match.start()] + why[1] + text[match.end() :]
                continue
            if message.startswith("Cannot overwrite") and column is None:
                line = LineMap(text).first_duplicate or line
            where = f"(第 {column} 列)" if column is not None else ""
            problems.add(f"TOML 语法错误{where}:{_translate(message)}", line)
            return None, text
    return None, text


# A date written as a bare value, not inside a string or a longer token.
_DATE_VALUE_RE = re.compile(r"(?<![\w\"'.:-])(\d{4})-(\d{2})-(\d{2})(?![\w:.-])")


def _bad_date_on_line(text: str, line: int | None) -> re.Match[str] | None:
    """An impossible date on the line tomllib stopped at: it says "Invalid date" for
    2018-11-31 but "Invalid value" or "Expected newline" for 2018-13-01."""
    if line is None:
        return None
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return None
    end = text.find("\n", start)
    line_text = text[start : end if end >= 0 else len(text)]
    for match in _DATE_VALUE_RE.finditer(line_text):
        if _impossible_date(match):
            return _DATE_RE.match(text, start + match.start())
    return None


def _split_where(message: str, text: str) -> tuple[str, int | None, int | None]:
    match = _WHERE_RE.search(message)
    if match is None:
        return message, None, None
    if match.group(1) is None:  # at end of document
        return message[: match.start()], text.count("\n") + 1, None
    return message[: match.start()], int(match.group(1)), int(match.group(2))


def _translate(message: str) -> str:
    for english, chinese in _TOML_MESSAGES:
        if message.startswith(english):
            return f"{chinese}({message})"
    return message


def _impossible_date(match: re.Match[str]) -> tuple[str, str] | None:
    """Why a yyyy-mm-dd literal is no date, and a same-length stand-in to parse on with."""
    year, month, day = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        why = "月份应为 1–12"
        month = min(max(month, 1), 12)
    else:
        last = calendar.monthrange(max(year, 1), month)[1]
        if 1 <= day <= last:
            return None
        why = "日应从 1 开始" if day < 1 else f"{_month_name(year, month)}只有 {last} 天"
    day = min(max(day, 1), calendar.monthrange(max(year, 1), month)[1])
    return (
        f"{match.group(0)} 不是有效日期({why})",
        f"{max(year, 1):04d}-{month:02d}-{day:02d}",
    )


def _month_name(year: int, month: int) -> str:
    return f"{year} 年 2 月" if month == 2 else f"{month} 月"


# --- where each key is ----------------------------------------------------------

_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")


class LineMap:
    """Maps a key path such as ("methods", 1, "weight") to the line it is written on.

    Scans the text line by line for table headers, array-table headers (counting
    their index) and ``key =`` lines. Values inside inline tables and arrays are
    found at their key's line: the closest written-down prefix of a path wins.
    """

    def __init__(self, text: str) -> None:
        self.lines: dict[Path, int] = {}
        self.first_duplicate: int | None = None
        self._arrays: dict[Path, int] = {}
        self._scan(text)

    def line(self, path: Path) -> int | None:
        for end in range(len(path), 0, -1):
            if (found := self.lines.get(path[:end])) is not None:
                return found
        return None

    def _scan(self, text: str) -> None:
        table: Path = ()
        depth, open_string = 0, ""
        for number, raw in enumerate(text.splitlines(), start=1):
            rest = raw
            if open_string:
                end = rest.find(open_string)
                if end < 0:
                    continue
                rest, open_string = rest[end + 3 :], ""
            elif depth == 0:
                stripped = rest.strip()
                if stripped.startswith("["):
                    table = self._header(stripped, number, table)
                    continue
                parsed = _split_key(stripped)
                if parsed is None:
                    continue
                parts, rest = parsed
                self._remember((*table, *parts), number)
            depth, open_string = _scan_brackets(rest, depth)

    def _header(self, stripped: str, number: int, table: Path) -> Path:
        is_array = stripped.startswith("[[")
        parsed = _split_key(stripped[2 if is_array else 1 :], terminator="]")
        if parsed is None:
            return table
        parts = parsed[0]
        path: list[str | int] = []
        for i, part in enumerate(parts):
            path.append(part)
            last = i == len(parts) - 1
            if tuple(path) in self._arrays and not (last and is_array):
                path.append(self._arrays[tuple(path)] - 1)
        if is_array:
            base = tuple(path)
            self.lines.setdefault(base, number)
            self._arrays[base] = self._arrays.get(base, 0) + 1
            path.append(self._arrays[base] - 1)
        self._remember(tuple(path), number)
        return tuple(path)

    def _remember(self, path: Path, number: int) -> None:
        if path in self.lines and self.first_duplicate is None:
            self.first_duplicate = number
        self.lines.setdefault(path, number)


def _split_key(text: str, terminator: str = "=") -> tuple[list[str], str] | None:
    """A dotted key at the start of ``text`` and what follows its terminator."""
    parts: list[str] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] in "\"'":
            end = text.find(text[pos], pos + 1)
            if end < 0:
                return None
            parts.append(text[pos + 1 : end])
            pos = end + 1
        else:
            match = _BARE_KEY_RE.match(text, pos)
            if match is None:
                return None
            parts.append(match.group(0))
            pos = match.end()
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] == ".":
            pos += 1
            continue
        if text.startswith(terminator, pos):
            return parts, text[pos + len(terminator) :]
        return None


def _scan_brackets(text: str, depth: int) -> tuple[int, str]:
    """Bracket depth after ``text``, and any multi-line string it leaves open."""
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "#":
            break
        if text.startswith(('"""', "'''"), pos):
            quote = text[pos : pos + 3]
            end = text.find(quote, pos + 3)
            if end < 0:
                return depth, quote
            pos = end + 3
            continue
        if char in "\"'":
            pos += 1
            while pos < len(text) and text[pos] != char:
                pos += 2 if char == '"' and text[pos] == "\\" else 1
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(depth - 1, 0)
        pos += 1
    return depth, ""


# --- checking the values -----------------------------------------------------------

# The file's top-level keys, in the order a reader goes through them (and a file is written).
TOP_KEYS = (
    "format",
    "code",
    "title",
    "year",
    "groups",
    "exclude",
    "publish",
    "baseline",
    "scale",
    "indicators",
    "composite",
    "methods",
    "deductions",
    "vetoes",
    "grading",
    "stages",
    "submissions",
    "approval",
    "issuer",
    "verify_phone",
    "ineligibility",
)

# Version 2: a ballot method's minimum samples, and what falling short of them does.
SAMPLE_KEYS = ("min_ballots", "min_unit_ballots", "too_few")
TOO_FEW = ("warn", "refuse")

# Version 2: the respondent categories a ballot method counts, and those it never counts.
RESPONDENT_KEYS = ("respondents", "exclude_respondents")
CATEGORY_MAX_LENGTH = 40  # as a ballot stores it

# A method's keys besides code, title, weight and input; read in every version.
METHOD_WORKFLOW_KEYS = {"body", "starts", "ends", "deadline", "cases"}


def _name(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _kind(value: Any) -> str:
    kinds: list[tuple[type | tuple[type, ...], str]] = [
        (bool, "真假值"),
        (int, "整数"),
        (float, "小数"),
        (str, "字符串"),
        (datetime.datetime, "日期时间"),
        (datetime.date, "日期"),
        (datetime.time, "时间"),
        (list, "数组"),
        (dict, "表"),
    ]
    for cls, name in kinds:
        if isinstance(value, cls):
            return name
    return type(value).__name__


def _number_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)


class _Reader:
    """Walks the parsed TOML, adding a problem (with its line) for each bad value."""

    def __init__(self, lines: LineMap, problems: ProblemCollector, bad_dates: set[int]) -> None:
        self.lines = lines
        self.problems = problems
        self.bad_dates = bad_dates
        self.format = 1
        self.method_codes: list[str] = []
        self.group_list: list[str] = []
        self.composite = True  # ``composite = false`` (version 2): no weights, no composite
        self.indicator_codes: set[str] = set()

    def add(self, path: Path, message: str) -> None:
        self.problems.add(message, self.lines.line(path))

    # Generic readers: each returns None (after reporting) when the value is unusable.

    def keys(
        self, data: dict[str, Any], path: Path, known: set[str], required: Iterable[str]
    ) -> None:
        for key in data:
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
                hint = (
                    f",是不是“{close[0]}”?" if close else f"(可用的键:{'、'.join(sorted(known))})"
                )
                self.add((*path, key), f"不认识的键“{_name((*path, key))}”{hint}")
        for key in required:
            if key not in data:
                where = f"{_name(path)} 中" if path else ""
                self.add(path, f"{where}缺少必填项“{key}”")

    def table(self, data: dict[str, Any], key: str, path: Path) -> dict[str, Any] | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.add((*path, key), f"{_name((*path, key))} 应为表([{key}]),而不是{_kind(value)}")
            return None
        return value

    def tables(
        self, data: dict[str, Any], key: str, path: Path
    ) -> list[tuple[Path, dict[str, Any]]]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.add((*path, key), f"{_name((*path, key))} 应写成表数组([[{_name((*path, key))}]])")
            return []
        return [((*path, key, i), item) for i, item in enumerate(value)]

    def string(self, data: dict[str, Any], key: str, path: Path, *, max_length: int) -> str | None:
        if key not in data:
            return None  # a missing required key is reported by keys()
        value, where = data[key], (*path, key)
        if not isinstance(value, str):
            self.add(where, f"{_name(where)} 应为字符串(用英文双引号括起来),而不是{_kind(value)}")
            return None
        value = value.strip()
        if not value:
            self.add(where, f"{_name(where)} 不能为空")
            return None
        if len(value) > max_length:
            self.add(where, f"{_name(where)} 太长:最多 {max_length} 个字,现在是 {len(value)} 个")
            return None
        return value

    def code(self, value: Any, where: Path, *, campaign: bool = False) -> str | None:
        if not isinstance(value, str):
            self.add(where, f"{_name(where)} 应为字符串代码,而不是{_kind(value)}")
            return None
        pattern = CAMPAIGN_CODE_RE if campaign else ITEM_CODE_RE
        if not pattern.fullmatch(value):
            allowed = (
                "小写字母、数字和连字符(-)" if campaign else "小写字母、数字、下划线(_)和连字符(-)"
            )
            self.add(where, f"{_name(where)}“{value}”只能由{allowed}组成")
            return None
        if len(value) > CODE_MAX_LENGTH:
            self.add(where, f"{_name(where)} 太长:最多 {CODE_MAX_LENGTH} 个字符")
            return None
        return value

    def integer(
        self, data: dict[str, Any], key: str, path: Path, *, low: int, high: int
    ) -> int | None:
        if key not in data:
            return None
        value, where = data[key], (*path, key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(where, f"{_name(where)} 应为整数,而不是{_kind(value)}")
            return None
        if value < 0 <= low:
            self.add(where, f"{_name(where)} 不能为负数(现在是 {value})")
            return None
        if not low <= value <= high:
            self.add(where, f"{_name(where)} 应在 {low}–{high} 之间(现在是 {value})")
            return None
        return value

    def decimal(
        self, data: dict[str, Any], key: str, path: Path, *, places: int, high: int
    ) -> Decimal | None:
        """A non-negative number; floats go through str() so that 0.1 stays exactly 0.1."""
        if key not in data:
            return None
        value, where = data[key], (*path, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(where, f"{_name(where)} 应为数字,而不是{_kind(value)}")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.add(where, f"{_name(where)} 应为有限的数字")
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:  # pragma: no cover - str() of a finite float always parses
            self.add(where, f"{_name(where)} 不是有效数字")
            return None
        if number < 0:
            self.add(where, f"{_name(where)} 不能为负数(现在是 {_number_text(number)})")
            return None
        if number > high:
            self.add(where, f"{_name(where)} 太大:不能超过 {high}(现在是 {_number_text(number)})")
            return None
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            self.add(where, f"{_name(where)} 最多 {places} 位小数(现在是 {value})")
            return None
        return number

    def date(self, data: dict[str, Any], key: str, path: Path) -> datetime.date | None:
        if key not in data:
            return None
        value, where = data[key], (*path, key)
        if self.lines.line(where) in self.bad_dates:
            return None  # already reported; its stand-in must not cause more problems
        if isinstance(value, str):
            match = _DATE_RE.fullmatch(value.strip())
            if match and (why := _impossible_date(match)):
                self.add(where, f"{_name(where)}:{why[0]}")
                return None
            if match:
                return datetime.date.fromisoformat(value.strip())
            # A quoted text that is no date at all ("5月10日") is said so, not passed over.
            self.add(where, f"{_name(where)}“{value}”不是日期,应写成 2018-11-30 的形式")
            return None
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            self.add(where, f"{_name(where)} 应为日期(如 2018-11-30),而不是{_kind(value)}")
            return None
        return value

    def boolean(self, data: dict[str, Any], key: str, path: Path) -> bool | None:
        if key not in data:
            return None
        value = data[key]
        if not isinstance(value, bool):
            self.add((*path, key), f"{key} 应为 true 或 false,而不是{_kind(value)}")
            return None
        return value

    def unique(self, items: Iterable[tuple[Path, Any]], what: str) -> None:
        seen: dict[str, Path] = {}
        for where, value in items:
            if not isinstance(value, str):
                continue
            if value in seen:
                first = self.lines.line(seen[value])
                at = f"(第 {first} 行已有)" if first is not None else ""
                self.add(where, f"{what}“{value}”重复{at}")
            else:
                seen[value] = where

    # The campaign, part by part.

    def version(self, data: dict[str, Any]) -> int:
        """``format``: 1 (the default) or 2."""
        if "format" not in data:
            return 1
        value = data["format"]
        if isinstance(value, bool) or value not in FORMATS:
            self.add(
                ("format",),
                f"format 是定义文件的版本,只能是 1 或 2(现在是“{value}”);不写即为第 1 版",
            )
            return 2  # read on as version 2, so that its keys raise no second problem
        return int(value)

    def needs_v2(self, where: Path, what: str = "") -> bool:
        """Whether a version-2 key may be used here; if not, say how to enable it."""
        if self.format >= 2:
            return True
        self.add(
            where,
            f"{what or _name(where)} 是定义文件第 2 版的写法:请在文件开头加上 format = 2",
        )
        return False

    def campaign(self, data: dict[str, Any]) -> CampaignDefinition | None:
        self.keys(data, (), set(TOP_KEYS), ("code", "title", "year", "groups"))
        self.format = self.version(data)
        code = self.code(data["code"], ("code",), campaign=True) if "code" in data else None
        title = self.string(data, "title", (), max_length=200)
        year = self.integer(data, "year", (), low=1990, high=2100)
        groups = self.groups(data)
        self.group_list = [g.code for g in groups or ()]
        exclude = self.exclude(data)
        publish = bool(self.boolean(data, "publish", ()))
        baseline = None
        if "baseline" in data:
            baseline = self.code(data["baseline"], ("baseline",), campaign=True)
            if baseline is not None and baseline == code:
                self.add(
                    ("baseline",),
                    f"baseline 不能是本活动自己的代码“{code}”(应为上一年度活动的代码)",
                )
        levels = self.scale(data)
        indicators = self.indicators(data)
        self.composite = self.composite_flag(data)
        self.indicator_codes = _raw_codes(data.get("indicators"))
        methods = self.methods(data)
        self.method_codes = [m.code for m in methods]
        self.unasked_indicators(data, indicators, methods)
        if any(m.input == BALLOTS for m in methods) and not data.get("indicators"):
            self.add(
                ("indicators",),
                '有以答卷计分的评议方法(input = "ballots"),却没有评议内容:请添加 [[indicators]]',
            )
        deductions = self.deductions(data)
        vetoes = self.vetoes(data)
        stages = self.stages(data)
        grading = self.grading(data, methods)
        self.quotas_need_order(data, grading, groups or ())
        submissions = self.submissions(data, _raw_codes(data.get("stages")))
        approval = self.approval(data)
        issuer = self.string(data, "issuer", (), max_length=100) or ""
        verify_phone = self.phone(data)
        ineligibility = self.ineligibility(data)
        if self.problems or code is None or title is None or year is None or groups is None:
            return None
        return CampaignDefinition(
            code=code,
            title=title,
            year=year,
            groups=groups,
            methods=methods,
            indicators=indicators,
            levels=levels,
            exclude=exclude,
            publish=publish,
            baseline=baseline or "",
            deductions_from=deductions[0],
            deductions_to=deductions[1],
            sources=deductions[2],
            rules=deductions[3],
            vetoes=vetoes,
            stages=stages,
            grading=grading,
            submissions=submissions,
            approval=approval,
            issuer=issuer,
            verify_phone=verify_phone,
            format=self.format,
            ineligibility=ineligibility,
            composite=self.composite,
        )

    def composite_flag(self, data: dict[str, Any]) -> bool:
        """``composite = false`` (version 2, R-19): each method ranked on its own, no composite."""
        if "composite" not in data or not self.needs_v2(
            ("composite",), "composite(是否计算综合得分)"
        ):
            return True
        value = self.boolean(data, "composite", ())
        return True if value is None else value

    def quotas_need_order(
        self, data: dict[str, Any], grading: GradingDef, groups: Iterable[GroupDef]
    ) -> None:
        """Without a composite, excellent and unsatisfactory places need ``[grading] by``:
        there is nothing else to take the top or bottom N of."""
        written = isinstance(data.get("grading"), dict) and "by" in data["grading"]
        if self.composite or written:  # a ``by`` written wrong is reported where it is
            return
        why = (
            "本活动不计算综合得分(composite = false),评定优秀、不满意须按某一种评议方法的"
            '得分排名:请在 [grading] 中写 by = "方法代码",或把名额改为 0'
        )
        for key in ("excellent", "unsatisfactory"):
            if getattr(grading, key):
                self.add(("grading", key), f"grading.{key} 大于 0:{why}")
            for i, group in enumerate(groups):
                if getattr(group, key):
                    self.add(("groups", i, key), f"组别“{group.code}”的 {key} 大于 0:{why}")

    def phone(self, data: dict[str, Any]) -> str:
        """``verify_phone``: digits, with the separators people write (0951-1234567)."""
        value = self.string(data, "verify_phone", (), max_length=40) or ""
        if value and not re.fullmatch(r"[0-9０-９()（）\- +转]+", value):
            self.add(
                ("verify_phone",), f'verify_phone 应为电话号码,如 "0951-1234567",而不是“{value}”'
            )
            return ""
        return value

    def ineligibility(self, data: dict[str, Any]) -> tuple[IneligibilityDef, ...]:
        """``[[ineligibility]]`` (version 2): why a unit may lose award eligibility (R-39)."""
        if "ineligibility" not in data or not self.needs_v2(
            ("ineligibility",), "[[ineligibility]](取消评优资格的情形)"
        ):
            return ()
        items = self.tables(data, "ineligibility", ())
        self.unique_codes(items, "取消评优资格情形代码")
        out = []
        for where, item in items:
            code, title = self.item(where, item, {"code", "title", "body"}, ("code", "title"))
            body = self.string(item, "body", where, max_length=200)
            if code and title:
                out.append(IneligibilityDef(code, title, body or ""))
        return tuple(out)

    def groups(self, data: dict[str, Any]) -> tuple[GroupDef, ...] | None:
        if "groups" not in data:
            return None
        value = data["groups"]
        if not isinstance(value, list):
            self.add(("groups",), f'groups 应为组别代码的数组,如 ["agencies"],而不是{_kind(value)}')
            return None
        if not value:
            self.add(("groups",), "groups 不能为空:至少要有一个参加排名的组别")
            return None
        out: list[GroupDef] = []
        for i, item in enumerate(value):
            where: Path = ("groups", i)
            if isinstance(item, dict):
                self.keys(item, where, {"code", "title", "parts_of", *GRADING_KEYS}, ("code",))
                code = self.code(item["code"], (*where, "code")) if "code" in item else None
                title = self.string(item, "title", where, max_length=100)
                quotas: dict[str, int | None] = {}
                for key in GRADING_KEYS:
                    if key in item and self.needs_v2((*where, key), f"组别的 {key}(按组别设名额)"):
                        quotas[key] = self.integer(item, key, where, low=0, high=1000)
                parts_of = self.group_parts_of(item, where, value)
                if code is not None and parts_of is not None:
                    out.append(GroupDef(code, title or "", parts_of=parts_of, **quotas))
            elif (code := self.code(item, where)) is not None:
                out.append(GroupDef(code))
        self.unique(((("groups", i), g.code) for i, g in enumerate(out)), "组别")
        for i, group in enumerate(out):
            if group.parts_of == group.code:
                self.add(("groups", i, "parts_of"), f"组别“{group.code}”的 parts_of 不能是它自己")
        return tuple(out)

    def group_parts_of(self, item: dict[str, Any], where: Path, groups: list[Any]) -> str | None:
        """``parts_of = "depts"`` (version 2): this group ranks the parts of that group's units."""
        if "parts_of" not in item:
            return ""
        at: Path = (*where, "parts_of")
        if not self.needs_v2(at, f"{_name(at)}(下属窗口/站所单独排名)"):
            return None
        code = self.code(item["parts_of"], at)
        if code is None:
            return None
        ranked = [
            g if isinstance(g, str) else g.get("code")
            for g in groups
            if isinstance(g, str) or (isinstance(g, dict) and "parts_of" not in g)
        ]
        if code not in ranked:
            known = "、".join(c for c in ranked if isinstance(c, str)) or "(无)"
            self.add(
                at, f"{_name(at)} 应为本活动中按单位排名的另一组别(现有:{known}),而不是“{code}”"
            )
            return None
        return code

    def exclude(self, data: dict[str, Any]) -> tuple[str, ...]:
        value = data.get("exclude", [])
        if not isinstance(value, list):
            self.add(("exclude",), f"exclude 应为单位代码的数组,而不是{_kind(value)}")
            return ()
        codes = []
        for item in value:
            if not isinstance(item, str) or not item.strip():
                self.add(("exclude",), f"exclude 中的“{item}”应为非空的单位代码字符串")
            else:
                codes.append(item.strip())
        self.unique(((("exclude",), c) for c in codes), "exclude 中的单位代码")
        return tuple(codes)

    def unique_codes(self, items: list[tuple[Path, dict[str, Any]]], what: str) -> None:
        self.unique((((*where, "code"), item.get("code")) for where, item in items), what)

    def item(
        self,
        where: Path,
        item: dict[str, Any],
        known: set[str],
        required: tuple[str, ...],
        title_length: int = 300,
    ) -> tuple[str | None, str | None]:
        """Check an array-table entry's keys; return its code and title.

        ``title_length`` is the database column's: PostgreSQL refuses longer text.
        """
        self.keys(item, where, known, required)
        code = self.code(item["code"], (*where, "code")) if "code" in item else None
        title = self.string(item, "title", where, max_length=title_length)
        return code, title

    def scale(self, data: dict[str, Any]) -> tuple[LevelDef, ...]:
        scale = self.table(data, "scale", ())
        if scale is None:
            return DEFAULT_LEVELS
        self.keys(scale, ("scale",), {"levels", "satisfied"}, ())
        levels: list[tuple[str, Decimal]] = [(lv.label, lv.points) for lv in DEFAULT_LEVELS]
        if "levels" in scale:
            levels = self.levels(scale["levels"])
        satisfied = {lv.label for lv in DEFAULT_LEVELS if lv.satisfied}
        if "satisfied" in scale:
            # Every label written counts, even one whose points are wrong: one problem, not two.
            written = [label for label, _ in levels]
            if isinstance(scale.get("levels"), list):
                written = [
                    lv["label"].strip()
                    for lv in scale["levels"]
                    if isinstance(lv, dict) and isinstance(lv.get("label"), str)
                ]
            satisfied = self.satisfied(scale["satisfied"], written)
        elif "levels" in scale:
            self.add(("scale",), "scale 改了等级,就要用 satisfied 写明哪些等级计入满意")
        return tuple(LevelDef(label, points, label in satisfied) for label, points in levels)

    def levels(self, value: Any) -> list[tuple[str, Decimal]]:
        where: Path = ("scale", "levels")
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.add(where, '评价等级 scale.levels 应写成 [{label = "好", points = 100}, …]')
            return []
        if len(value) < 2:
            self.add(where, f"评价等级 scale.levels 至少要有 2 个等级,现在只有 {len(value)} 个")
        out = []
        for i, item in enumerate(value):
            at = (*where, i)
            self.keys(item, at, {"label", "points"}, ("label", "points"))
            label = self.string(item, "label", at, max_length=20)
            points = self.decimal(item, "points", at, places=3, high=100)
            if label is not None and points is not None:
                out.append((label, points))
        self.unique(((where, label) for label, _ in out), "评价等级")
        return out

    def satisfied(self, value: Any, labels: list[str]) -> set[str]:
        where: Path = ("scale", "satisfied")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(where, 'scale.satisfied 应为等级名称的数组,如 ["好", "较好"]')
            return set()
        for label in value:
            if label not in labels:
                known = "、".join(labels) or "(无)"
                self.add(
                    where, f"scale.satisfied 中的“{label}”不是 scale.levels 中的等级(已有:{known})"
                )
        if not value:
            self.add(where, "scale.satisfied 不能为空:至少要有一个等级计入满意率")
        self.unique(((where, label) for label in value), "scale.satisfied 中的等级")
        return set(value)

    def indicators(self, data: dict[str, Any]) -> tuple[IndicatorDef, ...]:
        items = self.tables(data, "indicators", ())
        self.unique_codes(items, "评议内容代码")
        out = []
        for where, item in items:
            code, title = self.item(where, item, {"code", "title", "weight"}, ("code", "title"))
            weight = self.decimal(item, "weight", where, places=4, high=10000)
            if code and title:
                out.append(IndicatorDef(code, title, Decimal(1) if weight is None else weight))
        if out and len(out) == len(items) and sum(i.weight for i in out) == 0:
            self.add(("indicators",), "评议内容的权重不能全为 0")
        return tuple(out)

    def methods(self, data: dict[str, Any]) -> tuple[MethodDef, ...]:
        items = self.tables(data, "methods", ())
        if "methods" in data and not items and isinstance(data["methods"], list):
            self.add(("methods",), "至少要有一种评议方法([[methods]])")
        elif "methods" not in data:
            self.add((), "至少要有一种评议方法:请添加 [[methods]]")
        self.unique_codes(items, "评议方法代码")
        out, weights = [], []
        for where, item in items:
            scored = self.method_scored(item, where)
            code, title = self.item(
                where,
                item,
                {
                    "code",
                    "title",
                    "weight",
                    "input",
                    "scored",
                    "groups",
                    *SAMPLE_KEYS,
                    "parts",
                    "covers",
                    "covers_attribute",
                    "indicators",
                    *RESPONDENT_KEYS,
                }
                | METHOD_WORKFLOW_KEYS,
                ("code", "title", "weight") if scored and self.composite else ("code", "title"),
                200,
            )
            weight = self.method_weight(item, where, scored)
            kind = item.get("input", BALLOTS)
            if kind not in INPUTS:
                self.add(
                    (*where, "input"),
                    f'{_name((*where, "input"))} 只能是 "ballots"(答卷)、"scores"(直接录入得分)'
                    f'或 "cases"(按问题线索办理情况计分),而不是“{kind}”',
                )
            weights.append((code or _name(where), weight))
            workflow = self.method_workflow(item, where, kind)
            groups = self.method_groups(item, where)
            samples = self.method_samples(item, where, kind)
            parts = self.method_parts(item, where, kind)
            covers = self.method_covers(item, where)
            marked = self.method_covers_attribute(item, where)
            asks = self.method_indicators(item, where, kind)
            respondents = self.method_respondents(item, where, kind)
            if code and title and weight is not None and kind in INPUTS and parts is not None:
                out.append(
                    MethodDef(
                        code,
                        title,
                        weight,
                        kind,
                        **workflow,
                        scored=scored,
                        groups=groups,
                        **samples,
                        parts=parts,
                        covers=covers,
                        covers_attribute=marked,
                        indicators=asks,
                        **respondents,
                    )
                )
        if any("groups" in item for _, item in items):
            if len(out) == len(items):
                self.weights_per_group(out)
        elif items and self.composite and all(w is not None for _, w in weights):
            total = sum((w for _, w in weights if w is not None), Decimal(0))
            if total != 100:
                parts = " + ".join(f"{c} {_number_text(w)}" for c, w in weights if w is not None)
                self.add(
                    ("methods",),
                    f"评议方法的权重(weight)合计应为 100,现在是 {_number_text(total)}({parts})",
                )
        return tuple(out)

    def method_samples(self, item: dict[str, Any], where: Path, kind: Any) -> dict[str, Any]:
        """``min_ballots``, ``min_unit_ballots``, ``too_few`` (version 2): minimum samples."""
        written = [key for key in SAMPLE_KEYS if key in item]
        if not written or not self.needs_v2((*where, written[0]), f"{_name(where)} 的最低样本量"):
            return {}
        if kind != BALLOTS:
            self.add(
                (*where, written[0]),
                f'{_name(where)} 的最低样本量只适用于以答卷计分的方法(input = "ballots")',
            )
            return {}
        out: dict[str, Any] = {}
        for key in ("min_ballots", "min_unit_ballots"):
            if (n := self.integer(item, key, where, low=0, high=10_000_000)) is not None:
                out[key] = n
        if "too_few" in item:
            if item["too_few"] in TOO_FEW:
                out["too_few"] = item["too_few"]
            else:
                self.add(
                    (*where, "too_few"),
                    f'{_name((*where, "too_few"))} 只能是 "warn"(提示)或 "refuse"(结果不完整,'
                    f"不能作为正式结果),而不是“{item['too_few']}”",
                )
        return out

    def method_groups(self, item: dict[str, Any], where: Path) -> tuple[str, ...]:
        """``groups = ["nt-divisions"]`` (version 2): the groups a method applies to."""
        if "groups" not in item:
            return ()
        at: Path = (*where, "groups")
        if not self.needs_v2(at, f"{_name(at)}(只适用于某些组别的方法)"):
            return ()
        value = item["groups"]
        if not isinstance(value, list) or not value:
            self.add(at, f'{_name(at)} 应为组别代码的数组,如 ["agencies"]')
            return ()
        codes = tuple(c for v in value if (c := self.code(v, at)) is not None)
        for code in codes:
            if code not in self.group_list:
                known = "、".join(self.group_list) or "(无)"
                self.add(at, f"{_name(at)} 中的“{code}”不是本活动的组别(groups:{known})")
        self.unique(((at, c) for c in codes), f"{_name(at)} 中的组别")
        return codes

    def weights_per_group(self, methods: list[MethodDef]) -> None:
        """With methods limited to some groups, each group's methods weigh 100 together."""
        for group in self.group_list:
            mine = [m for m in methods if m.applies_to(group)]
            total = sum((m.weight for m in mine), Decimal(0))
            if not mine:
                self.add(("groups",), f"组别“{group}”没有适用的评议方法")
            elif total != 100 and self.composite:
                parts = " + ".join(f"{m.code} {_number_text(m.weight)}" for m in mine)
                self.add(
                    ("methods",),
                    f"组别“{group}”适用的评议方法权重合计应为 100,"
                    f"现在是 {_number_text(total)}({parts})",
                )

    def method_weight(self, item: dict[str, Any], where: Path, scored: bool) -> Decimal | None:
        """The method's ``weight``; 0 where it has none (``scored = false``, or no composite)."""
        if not self.composite:
            if "weight" in item:
                self.add(
                    (*where, "weight"),
                    f"{_name(where)} 不能写 weight:本活动不计算综合得分(composite = false),"
                    "各评议方法分别排名,没有权重",
                )
            return Decimal(0)
        weight = self.decimal(item, "weight", where, places=4, high=100)
        if not scored and weight is None and "weight" not in item:
            weight = Decimal(0)
        self.check_scored_weight(where, scored, weight)
        return weight

    def method_scored(self, item: dict[str, Any], where: Path) -> bool:
        """``scored = false`` (version 2): a method recorded but not scored. Without a
        composite (``composite = false``) no method is in one, so the key says nothing."""
        if "scored" not in item:
            return True
        if self.format >= 2 and not self.composite:
            self.add(
                (*where, "scored"),
                f"{_name(where)} 不能写 scored:本活动不计算综合得分(composite = false),"
                "每种评议方法都只分别排名,不必说明是否计入综合得分",
            )
            return True
        self.needs_v2((*where, "scored"))  # reported once; read on as written
        value = self.boolean(item, "scored", where)
        return True if value is None else value

    def method_parts(self, item: dict[str, Any], where: Path, kind: Any) -> str | None:
        """``parts = "mean"`` or ``"own"`` (version 2, R-03); a version-2 ballot method
        without it takes the mean, a version-1 file keeps its own-ballots-first rule."""
        if "parts" not in item:
            return "mean" if self.format >= 2 and kind == BALLOTS else ""
        at: Path = (*where, "parts")
        if not self.needs_v2(at, f"{_name(at)}(有下属窗口/站所的部门怎样评)"):
            return None
        value = item["parts"]
        if value not in PARTS_RULES:
            shown = ";".join(f'"{k}":{v}' for k, v in PARTS_RULES.items())
            self.add(at, f"{_name(at)} 只能是 {shown},而不是“{value}”")
            return None
        if kind != BALLOTS:
            self.add(at, f'{_name(at)} 只适用于以答卷计分的方法(input = "ballots")')
            return None
        return str(value)

    def method_covers(self, item: dict[str, Any], where: Path) -> tuple[str, ...]:
        """``covers = ["yc-fgw", …]`` (version 2): the only units the method rates, by unit
        code or by the code of one of the campaign's groups (its units)."""
        return self.words(
            item,
            where,
            "covers",
            purpose="只评议部分单位的方法",
            what="单位代码或组别代码",
            example='["yc-fgw", "yc-rsj"]',
        )

    def words(
        self, item: dict[str, Any], where: Path, key: str, *, purpose: str, what: str, example: str
    ) -> tuple[str, ...]:
        """A version-2 list of non-empty words (codes, attributes), each once, stripped."""
        if key not in item:
            return ()
        at: Path = (*where, key)
        if not self.needs_v2(at, f"{_name(at)}({purpose})"):
            return ()
        value = item[key]
        if not isinstance(value, list) or not value:
            self.add(at, f"{_name(at)} 应为{what}的数组,如 {example}")
            return ()
        words = []
        for word in value:
            if not isinstance(word, str) or not word.strip():
                self.add(at, f"{_name(at)} 中的“{word}”应为非空的{what}")
            else:
                words.append(word.strip())
        self.unique(((at, w) for w in words), f"{_name(at)} 中的{what}")
        return tuple(words)

    def method_indicators(self, item: dict[str, Any], where: Path, kind: Any) -> tuple[str, ...]:
        """``indicators = ["taidu", …]`` (version 2): the indicators a ballot method asks.
        After a problem, () (every indicator), so that no second problem follows from it."""
        if "indicators" not in item:
            return ()
        at: Path = (*where, "indicators")
        if not self.needs_v2(at, f"{_name(at)}(每种评议方法有自己的评议内容)"):
            return ()
        if kind != BALLOTS:
            self.add(at, f'{_name(at)} 只适用于以答卷计分的方法(input = "ballots")')
            return ()
        value = item["indicators"]
        if not isinstance(value, list) or not value:
            self.add(at, f'{_name(at)} 应为评议内容代码的数组,如 ["taidu", "guangdu"]')
            return ()
        codes = tuple(c for v in value if (c := self.code(v, at)) is not None)
        known = "、".join(sorted(self.indicator_codes)) or "(尚未定义任何 [[indicators]])"
        unknown = [c for c in codes if c not in self.indicator_codes]
        for code in unknown:
            self.add(at, f"{_name(at)} 引用了不存在的评议内容“{code}”(已定义:{known})")
        self.unique(((at, c) for c in codes), f"{_name(at)} 中的评议内容")
        if unknown or len(codes) != len(value) or len(set(codes)) != len(codes):
            return ()
        return codes

    def unasked_indicators(
        self,
        data: dict[str, Any],
        indicators: tuple[IndicatorDef, ...],
        methods: tuple[MethodDef, ...],
    ) -> None:
        """With every ballot method naming its indicators, an indicator none of them asks
        is a slip (a code left out), not a question: refused. A method whose indicators
        all weigh 0 could not be scored (S-1)."""
        ballots = [m for m in methods if m.input == BALLOTS]
        weights = {i.code: i.weight for i in indicators}
        items = _list(data.get("methods"))
        index = {it.get("code"): i for i, it in enumerate(items) if isinstance(it, dict)}
        for m in ballots:
            if m.indicators and all(weights.get(c) == 0 for c in m.indicators):
                self.add(
                    ("methods", index.get(m.code, 0), "indicators"),
                    f"评议方法“{m.title}”所问评议内容的权重不能全为 0",
                )
        if len(methods) != len(items) or not ballots or not all(m.indicators for m in ballots):
            return  # a method with a problem of its own is not known to ask nothing
        asked = {c for m in ballots for c in m.indicators}
        written = _list(data.get("indicators"))
        for i, it in enumerate(written):
            code = it.get("code") if isinstance(it, dict) else None
            if isinstance(code, str) and code not in asked:
                self.add(
                    ("indicators", i, "code"),
                    f"评议内容“{it.get('title') or code}”没有哪种以答卷计分的评议方法问到"
                    "(各方法的 indicators 都没有它):请把它加到某种方法的 indicators 中,"
                    "或删去这项评议内容",
                )

    def method_respondents(self, item: dict[str, Any], where: Path, kind: Any) -> dict[str, Any]:
        """``respondents = ["两代表一委员"]``, ``exclude_respondents = ["厅级干部"]`` (version 2):
        the respondent categories whose ballots count on a ballot method, and those never."""
        written = [key for key in RESPONDENT_KEYS if key in item]
        if not written or not self.needs_v2(
            (*where, written[0]), f"{_name((*where, written[0]))}(评议主体类别)"
        ):
            return {}
        if kind != BALLOTS:
            self.add(
                (*where, written[0]),
                f'{_name((*where, written[0]))} 只适用于以答卷计分的方法(input = "ballots")',
            )
            return {}
        out: dict[str, Any] = {}
        for key in written:
            at: Path = (*where, key)
            value = item[key]
            if not isinstance(value, list) or not value:
                self.add(at, f'{_name(at)} 应为评议主体类别的数组,如 ["两代表一委员"]')
                continue
            names = []
            for name in value:
                if not isinstance(name, str) or not name.strip():
                    self.add(at, f"{_name(at)} 中的“{name}”应为非空的评议主体类别")
                elif len(name.strip()) > CATEGORY_MAX_LENGTH:
                    self.add(
                        at,
                        f"{_name(at)} 中的“{name}”太长"
                        f"(评议主体类别最多 {CATEGORY_MAX_LENGTH} 个字)",
                    )
                else:
                    names.append(name.strip())
            self.unique(((at, n) for n in names), f"{_name(at)} 中的评议主体类别")
            out[key] = tuple(names)
        counted = {canonical_category(c): c for c in out.get("respondents", ())}
        for name in out.get("exclude_respondents", ()):
            if canonical_category(name) in counted:
                self.add(
                    (*where, "exclude_respondents"),
                    f"评议主体类别“{name}”既在 respondents(参加评议)中又在 exclude_respondents"
                    f"(不参加评议)中(respondents 中写作“{counted[canonical_category(name)]}”)",
                )
                return {}
        return out

    def method_covers_attribute(self, item: dict[str, Any], where: Path) -> tuple[str, ...]:
        """``covers_attribute = ["进驻市民大厅"]`` (version 2): it rates the units carrying one
        of these attributes in the unit tree (the units file's 属性 column)."""
        return self.words(
            item,
            where,
            "covers_attribute",
            purpose="按单位属性确定评议范围",
            what="单位属性",
            example='["进驻市民大厅"]',
        )

    def check_scored_weight(self, where: Path, scored: bool, weight: Decimal | None) -> None:
        """Version 2 says it in so many words: weight 0 if and only if ``scored = false``."""
        if weight is None or self.format < 2:
            return
        if not scored and weight != 0:
            self.add(
                (*where, "weight"),
                f"{_name(where)} 写了 scored = false(记录但不计分),权重应为 0 或不写"
                f"(现在是 {_number_text(weight)})",
            )
        elif scored and weight == 0:
            self.add(
                (*where, "weight"),
                f"{_name(where)} 的权重为 0:记录但不计入综合得分的方法请写明 scored = false",
            )

    def deductions(
        self, data: dict[str, Any]
    ) -> tuple[
        datetime.date | None, datetime.date | None, tuple[SourceDef, ...], tuple[RuleDef, ...]
    ]:
        table = self.table(data, "deductions", ())
        if table is None:
            return None, None, (), ()
        path: Path = ("deductions",)
        self.keys(table, path, {"from", "to", "sources", "rules"}, ())
        start, end = self.date(table, "from", path), self.date(table, "to", path)
        if start and end and start > end:
            self.add(
                (*path, "to"),
                f"减分时段的起始日 deductions.from({start})晚于截止日 deductions.to({end})",
            )
        sources = self.sources(table)
        rules = self.rules(table, {s.code for s in sources}, _raw_codes(table.get("sources")))
        self.one_place_per_source(table, rules)
        return start, end, sources, rules

    def sources(self, table: dict[str, Any]) -> tuple[SourceDef, ...]:
        items = self.tables(table, "sources", ("deductions",))
        self.unique_codes(items, "减分来源代码")
        out = []
        for where, item in items:
            code, title = self.item(
                where, item, {"code", "title", "cap", "floor"}, ("code", "title"), 200
            )
            cap = self.decimal(item, "cap", where, places=3, high=1000)
            floor = None
            if "floor" in item and self.needs_v2((*where, "floor")):
                floor = self.decimal(item, "floor", where, places=3, high=100)
            if code and title:
                out.append(SourceDef(code, title, cap, floor))
        return tuple(out)

    def rules(
        self, table: dict[str, Any], sources: set[str], declared: set[str]
    ) -> tuple[RuleDef, ...]:
        """``sources`` are the valid sources; ``declared`` also those with other errors."""
        items = self.tables(table, "rules", ("deductions",))
        self.unique_codes(items, "减分规则代码")
        out = []
        for where, item in items:
            several = "sources" in item
            code, title = self.item(
                where,
                item,
                {"code", "title", "source", "sources", "points", "method", "max_points"},
                (
                    ("code", "title")
                    + (() if several else ("source",))
                    + (() if "max_points" in item else ("points",))
                ),
            )
            named = self.rule_sources(item, where, declared)
            points = self.decimal(item, "points", where, places=3, high=100)
            max_points = None
            if "max_points" in item and self.needs_v2(
                (*where, "max_points"), f"{_name((*where, 'max_points'))}(分值逐件确定)"
            ):
                if "points" in item:
                    self.add(
                        (*where, "points"),
                        f"{_name(where)} 不能同时写 points 和 max_points:"
                        "分值逐件确定的规则只写上限 max_points",
                    )
                max_points = self.decimal(item, "max_points", where, places=3, high=100)
                points = Decimal(0) if max_points else None
                if max_points == 0:
                    self.add((*where, "max_points"), f"{_name(where)} 的 max_points 应大于 0")
            valid = bool(named) and all(s in sources for s in named)
            method = self.rule_method(item, where)
            if method == "" and not self.composite:
                self.add(
                    where,
                    f"{_name(where)} 须写 method(从哪种评议方法的得分中减):本活动不计算"
                    "综合得分(composite = false),没有可以从中减分的综合得分",
                )
                method = None
            if code and title and valid and points is not None and method is not None:
                out.append(
                    RuleDef(
                        code, title, named[0], points, named if several else (), method, max_points
                    )
                )
        return tuple(out)

    def rule_method(self, item: dict[str, Any], where: Path) -> str | None:
        """``method = "online"`` (version 2): the method the rule's deductions come off."""
        if "method" not in item:
            return ""
        at: Path = (*where, "method")
        if not self.needs_v2(at, f"{_name(at)}(从某一种评议方法的得分中减分)"):
            return None
        code = self.code(item["method"], at)
        if code is not None and code not in self.method_codes:
            known = "、".join(self.method_codes) or "(无)"
            self.add(at, f"{_name(at)} 引用了不存在的评议方法“{code}”(已定义:{known})")
            return None
        return code

    def one_place_per_source(self, table: dict[str, Any], rules: tuple[RuleDef, ...]) -> None:
        """All rules of one source come off one place, so that its cap and floor mean one thing."""
        places: dict[str, dict[str, str]] = {}
        for rule in rules:
            for source in rule.proposers:
                places.setdefault(source, {}).setdefault(rule.method, rule.code)
        written = table.get("rules")
        items: list[Any] = written if isinstance(written, list) else []
        index = {item.get("code"): i for i, item in enumerate(items) if isinstance(item, dict)}
        for source, found in places.items():
            if len(found) > 1:
                where = ("deductions", "rules", index.get(list(found.values())[-1], 0))
                shown = "、".join(
                    f"{code}({method or '综合得分'})" for method, code in found.items()
                )
                self.add(
                    (*where, "method") if list(found)[-1] else where,
                    f"减分来源“{source}”的规则扣在不同的地方:{shown}。同一来源的减分须都从同一种"
                    "评议方法的得分中减(method),或都从综合得分中减,它的上限和下限才有意义",
                )

    def rule_sources(
        self, item: dict[str, Any], where: Path, declared: set[str]
    ) -> tuple[str, ...]:
        """``source = "jiwei"``, or (version 2) ``sources = ["jiwei", "gongwei"]``."""
        if "sources" in item:
            at: Path = (*where, "sources")
            if "source" in item:
                self.add(at, f"{_name(where)} 不能同时写 source 和 sources:只写 sources")
                return ()
            if not self.needs_v2(at, f"{_name(at)}(一条规则多个提出单位)"):
                return ()
            value = item["sources"]
            if not isinstance(value, list) or not value:
                self.add(at, f'{_name(at)} 应为减分来源代码的数组,如 ["jiwei", "gongwei"]')
                return ()
            codes = tuple(c for v in value if (c := self.code(v, at)) is not None)
            self.unique(((at, c) for c in codes), f"{_name(at)} 中的减分来源")
        elif "source" in item:
            at = (*where, "source")
            codes = tuple(c for c in (self.code(item["source"], at),) if c is not None)
        else:
            return ()
        for source in codes:
            if source not in declared:
                known = "、".join(sorted(declared)) or "(尚未定义任何 [[deductions.sources]])"
                self.add(at, f"{_name(at)} 引用了不存在的减分来源“{source}”(已定义:{known})")
        return codes if len(codes) == len(set(codes)) else ()

    def vetoes(self, data: dict[str, Any]) -> tuple[VetoDef, ...]:
        items = self.tables(data, "vetoes", ())
        self.unique_codes(items, "一票否决规则代码")
        out = []
        for where, item in items:
            code, title = self.item(where, item, {"code", "title"}, ("code", "title"))
            if code and title:
                out.append(VetoDef(code, title))
        return tuple(out)

    def stages(self, data: dict[str, Any]) -> tuple[StageDef, ...]:
        items = self.tables(data, "stages", ())
        self.unique_codes(items, "阶段代码")
        out = []
        for where, item in items:
            code, title = self.item(
                where,
                item,
                {"code", "title", "starts", "ends"},
                ("code", "title", "starts", "ends"),
                200,
            )
            starts, ends = self.date(item, "starts", where), self.date(item, "ends", where)
            if starts and ends and starts > ends:
                self.add(
                    (*where, "ends"),
                    f"阶段“{code or title}”的开始日期 {starts} 晚于结束日期 {ends}",
                )
            elif code and title and starts and ends:
                out.append(StageDef(code, title, starts, ends))
        return tuple(out)

    # Who runs each method and by when, what units hand in, who approves (R-19, R-23,
    # read in every version, as none of them changes a score.

    def method_workflow(self, item: dict[str, Any], where: Path, kind: Any) -> dict[str, Any]:
        """A method's ``body``, dates and case formula, as MethodDef's keyword arguments."""
        body = self.string(item, "body", where, max_length=200)
        starts, ends = self.date(item, "starts", where), self.date(item, "ends", where)
        deadline = self.date(item, "deadline", where)
        if starts and ends and starts > ends:
            self.add(
                (*where, "ends"),
                f"{_name(where)} 的开始日期 starts({starts})晚于结束日期 ends({ends})",
            )
        if starts and deadline and deadline < starts:
            self.add(
                (*where, "deadline"),
                f"{_name(where)} 的数据报送截止日期 deadline({deadline})"
                f"早于开始日期 starts({starts})",
            )
        out: dict[str, Any] = {"body": body or "", "starts": starts, "ends": ends}
        out["deadline"] = deadline
        if kind == CASES:
            out["cases"] = self.case_formula(item, (*where, "cases"))
        elif "cases" in item:
            self.add(
                (*where, "cases"),
                f'{_name((*where, "cases"))} 只适用于按问题线索计分的方法(input = "cases")',
            )
        return out

    def case_formula(self, item: dict[str, Any], where: Path) -> CaseFormulaDef:
        """``cases = {on_time = 30, resolved = 30, satisfied = 20, promised = 20}``."""
        if "cases" not in item:
            return CaseFormulaDef()
        value = item["cases"]
        example = "{on_time = 30, resolved = 30, satisfied = 20, promised = 20}"
        if not isinstance(value, dict):
            self.add(where, f"{_name(where)} 应写成 {example}")
            return CaseFormulaDef()
        self.keys(value, where, {*CASE_RATES, "no_cases"}, ())
        no_cases = self.decimal(value, "no_cases", where, places=4, high=100)
        given = {
            rate: weight
            for rate in CASE_RATES
            if (weight := self.decimal(value, rate, where, places=4, high=100)) is not None
        }
        if not any(rate in value for rate in CASE_RATES):
            weights = dict(CaseFormulaDef().weights)
        else:
            # Naming some rates weighs those only: a rate left out counts 0.
            weights = {rate: given.get(rate, Decimal(0)) for rate in CASE_RATES}
            total = sum(weights.values(), Decimal(0))
            if len(given) == sum(rate in value for rate in CASE_RATES) and total != 100:
                parts = " + ".join(f"{rate} {_number_text(w)}" for rate, w in given.items())
                self.add(
                    where,
                    f"{_name(where)} 的权重合计应为 100,现在是 {_number_text(total)}({parts})",
                )
        return CaseFormulaDef(**weights, no_cases=Decimal(100) if no_cases is None else no_cases)

    def submissions(self, data: dict[str, Any], stages: set[str]) -> tuple[SubmissionDef, ...]:
        """``[[submissions]]``: what units hand in by when (R-35); ``stages`` as written."""
        items = self.tables(data, "submissions", ())
        self.unique_codes(items, "报送要求代码")
        out = []
        for where, item in items:
            code, title = self.item(
                where,
                item,
                {"code", "kind", "title", "due", "stage"},
                ("code", "kind", "title", "due"),
                200,
            )
            kind = item.get("kind")
            if "kind" in item and kind not in SUBMISSION_KINDS:
                known = "、".join(f"{k}({label})" for k, label in SUBMISSION_KINDS.items())
                self.add((*where, "kind"), f"{_name((*where, 'kind'))}“{kind}”不对,应为:{known}")
            due = self.date(item, "due", where)
            stage = self.code(item["stage"], (*where, "stage")) if "stage" in item else ""
            if stage and stage not in stages:
                known = "、".join(sorted(stages)) or "(尚未定义任何 [[stages]])"
                self.add(
                    (*where, "stage"),
                    f"{_name((*where, 'stage'))} 引用了不存在的阶段“{stage}”(已定义:{known})",
                )
            if code and title and due and kind in SUBMISSION_KINDS and stage is not None:
                out.append(SubmissionDef(code, str(kind), title, due, stage))
        # Units see a requirement by its kind and title: two alike would be one to them.
        seen: dict[tuple[str, str], Path] = {}
        for where, item in items:
            kind, title = item.get("kind"), item.get("title")
            if not isinstance(kind, str) or not isinstance(title, str):
                continue
            key = (kind, title.strip())
            if key in seen:
                first = self.lines.line(seen[key])
                label = SUBMISSION_KINDS.get(kind, kind)
                self.add(
                    (*where, "title"),
                    f"报送要求“{key[1]}”({label})重复(第 {first} 行已有同类同名的一项)",
                )
            else:
                seen[key] = (*where, "title")
        return tuple(out)

    def approval(self, data: dict[str, Any]) -> ApprovalDef | None:
        """``[approval]``: results need the approval of this body before they stand (R-23)."""
        table = self.table(data, "approval", ())
        if table is None:
            return None
        path: Path = ("approval",)
        self.keys(table, path, {"code", "title"}, ("code", "title"))
        code = self.code(table["code"], (*path, "code")) if "code" in table else None
        title = self.string(table, "title", path, max_length=200)
        if code and title:
            return ApprovalDef(code, title)
        return None

    def grading(self, data: dict[str, Any], methods: Iterable[MethodDef] = ()) -> GradingDef:
        table = self.table(data, "grading", ())
        if table is None:
            return GradingDef()
        path: Path = ("grading",)
        known = {"excellent", "unsatisfactory", "watchlist"}
        self.keys(table, path, known | {"baseline_bottom", "baseline_criticised", "by"}, ())
        numbers = {key: self.integer(table, key, path, low=0, high=1000) for key in sorted(known)}
        focus: dict[str, Any] = {}
        for key in ("baseline_bottom", "baseline_criticised"):
            if key in table and self.needs_v2(
                (*path, key), f"grading.{key}(按上年结果确定重点督查对象)"
            ):
                if key == "baseline_bottom":
                    focus[key] = self.integer(table, key, path, low=0, high=1000) or 0
                else:
                    focus[key] = bool(self.boolean(table, key, path))
        if "by" in table:
            focus["by"] = self.grading_by(table, tuple(methods))
        grading = GradingDef(
            numbers["excellent"] or 0, numbers["unsatisfactory"] or 0, numbers["watchlist"] or 0
        )
        return replace(grading, **focus)

    def grading_by(self, table: dict[str, Any], methods: tuple[MethodDef, ...]) -> str:
        """``by = "survey"`` (version 2, with ``composite = false``): the method that ranks
        and grades the units. It must apply to every group, or some group could not rank."""
        at: Path = ("grading", "by")
        if not self.needs_v2(at, "grading.by(按某一种评议方法排名)"):
            return ""
        if self.composite:
            self.add(
                at,
                "grading.by 只用于不计算综合得分的活动(composite = false);"
                "计算综合得分时按综合得分排名",
            )
            return ""
        code = self.code(table["by"], at)
        found = next((m for m in methods if m.code == code), None)
        if code is not None and found is None:
            known = "、".join(self.method_codes) or "(无)"
            self.add(at, f"grading.by 引用了不存在的评议方法“{code}”(已定义:{known})")
            return ""
        if found is not None and found.groups and set(self.group_list) - set(found.groups):
            left = "、".join(g for g in self.group_list if g not in found.groups)
            self.add(
                at,
                f"grading.by 的评议方法“{code}”不适用于组别 {left}:"
                "排名所依据的方法须适用于所有组别",
            )
            return ""
        return code or ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _raw_codes(items: Any) -> set[str]:
    if not isinstance(items, list):
        return set()
    return {i["code"] for i in items if isinstance(i, dict) and isinstance(i.get("code"), str)}
