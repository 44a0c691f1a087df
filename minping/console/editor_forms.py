"""The campaign editor's forms: a definition file's data, part by part, in plain Chinese.

The forms only gather what the organiser typed and give it the file's shape
(``EditorForms.data``); whether it is a valid campaign is decided by
``campaigns.definition.parse_definition``, the same as for an uploaded file.
Its problems come back by line, and ``EditorForms.place`` puts each one next to
the field that line was written from.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.forms import BaseFormSet, formset_factory

from minping.campaigns.definition import (
    CASE_RATES,
    DEFAULT_LEVELS,
    INPUTS,
    SUBMISSION_KINDS,
    LineMap,
)
from minping.lib.errors import InputProblem

CODE_HELP = "供导入文件和命令行使用;可留空,保存时自动生成"
INPUT_LABELS = {
    "ballots": "答卷(问卷调查)",
    "scores": "直接录入得分",
    "cases": "按问题线索办理情况计分",
}
assert set(INPUT_LABELS) == set(INPUTS)


def _code(label: str = "代码", required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=64,
        help_text="" if required else CODE_HELP,
        widget=forms.TextInput(
            attrs={
                "class": "code",
                "spellcheck": "false",
                "data-code": "",
                "placeholder": "" if required else "自动生成",
            }
        ),
    )


def _title(label: str = "名称", max_length: int = 200) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        widget=forms.TextInput(attrs={"data-title": ""}),
    )


def _number(label: str, *, places: int = 4, mark: str = "") -> forms.DecimalField:
    """A number field; ``mark`` is a data- attribute the page's script looks for."""
    attrs = {"step": "any", **({f"data-{mark}": ""} if mark else {})}
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        decimal_places=places,
        widget=forms.NumberInput(attrs=attrs),
    )


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )


class BasicsForm(forms.Form):
    title = forms.CharField(label="活动名称", max_length=200)
    code = forms.CharField(
        label="活动代码",
        max_length=64,
        help_text="小写字母、数字和连字符,如 yc-2019;用于网址和导入文件,保存后不能修改",
        widget=forms.TextInput(attrs={"class": "code", "spellcheck": "false"}),
    )
    year = forms.IntegerField(label="年度", min_value=1990, max_value=2100)
    publish = forms.BooleanField(label="结果向社会公开", required=False)
    baseline = forms.ChoiceField(label="上年度活动(用于对比)", required=False, choices=[])
    exclude = forms.CharField(
        label="不参评的单位代码",
        required=False,
        help_text="多个代码用空格或逗号隔开",
        widget=forms.TextInput(attrs={"class": "code", "spellcheck": "false"}),
    )
    deductions_from = _date("减分起始日")
    deductions_to = _date("减分截止日")
    excellent = forms.IntegerField(label="每组优秀名额", min_value=0, max_value=1000, initial=0)
    unsatisfactory = forms.IntegerField(
        label="每组不满意名额", min_value=0, max_value=1000, initial=0
    )
    watchlist = forms.IntegerField(
        label="每种方法重点跟踪名额",
        min_value=0,
        max_value=1000,
        initial=0,
        help_text="每组中每种评议方法得分最低的几个单位",
    )
    approval_title = forms.CharField(
        label="结果审定机关",
        max_length=200,
        required=False,
        help_text="留空表示不需上级审定",
    )
    approval_code = _code("审定机关代码")

    def __init__(self, *args: Any, baselines: Iterable[tuple[str, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("", "(无)"), *baselines]
        self.fields["baseline"].choices = choices  # type: ignore[attr-defined]


class LevelForm(forms.Form):
    label = forms.CharField(label="等级", max_length=20, required=False)
    points = _number("分值", places=3)
    satisfied = forms.BooleanField(label="计入满意", required=False)


class GroupForm(forms.Form):
    title = _title("组别名称", 100)
    code = _code("组别代码")


class IndicatorForm(forms.Form):
    title = _title("评议内容", 300)
    weight = _number("权重")
    code = _code()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["weight"].help_text = "各项评议内容的相对权重,留空为 1"


class MethodForm(forms.Form):
    title = _title("评议方法")
    weight = _number("权重(%)", mark="weight")
    input = forms.ChoiceField(label="数据来源", choices=list(INPUT_LABELS.items()))
    body = forms.CharField(label="组织实施单位", max_length=200, required=False)
    starts = _date("开始日期")
    ends = _date("结束日期")
    deadline = _date("数据报送截止日期")
    code = _code()
    # Only for a method scored from case handling; blank: the default formula.
    on_time = _number(f"{CASE_RATES['on_time']}权重", mark="cases")
    resolved = _number(f"{CASE_RATES['resolved']}权重", mark="cases")
    satisfied = _number(f"{CASE_RATES['satisfied']}权重", mark="cases")
    promised = _number(f"{CASE_RATES['promised']}权重", mark="cases")
    no_cases = _number("没有问题线索的单位得分", mark="cases")


class SourceForm(forms.Form):
    title = _title("减分来源(提出减分的单位)")
    cap = _number("减分上限(分)", places=3)
    code = _code()


class RuleForm(forms.Form):
    title = _title("减分情形", 300)
    source = forms.CharField(
        label="减分来源",
        max_length=200,
        required=False,
        help_text="填写上面某个减分来源的名称或代码",
        widget=forms.TextInput(attrs={"list": "editor-sources"}),
    )
    points = _number("每次减分", places=3)
    code = _code()


class VetoForm(forms.Form):
    title = _title("一票否决情形", 300)
    code = _code()


class StageForm(forms.Form):
    title = _title("阶段名称")
    starts = _date("开始日期")
    ends = _date("结束日期")
    code = _code()


class SubmissionForm(forms.Form):
    kind = forms.ChoiceField(label="材料类型", choices=list(SUBMISSION_KINDS.items()))
    title = _title("材料名称")
    due = _date("报送截止日期")
    stage = forms.CharField(
        label="所属阶段",
        max_length=200,
        required=False,
        help_text="可留空;填写上面某个阶段的名称或代码",
        widget=forms.TextInput(attrs={"list": "editor-stages"}),
    )
    code = _code()


@dataclass(frozen=True)
class Part:
    """A list the definition holds: its formset, where the file keeps it, how to name it."""

    prefix: str
    label: str
    form: type[forms.Form]
    path: tuple[str, ...]  # where the list is in the file's data
    code_prefix: str  # for codes made up for rows left without one
    hint: str = ""


PARTS = (
    Part("scale", "评价等级", LevelForm, ("scale", "levels"), "", "从高到低;勾选的等级计入满意率"),
    Part("groups", "参加排名的组别", GroupForm, ("groups",), "group", "每个组别单独排名"),
    Part(
        "indicators",
        "评议内容",
        IndicatorForm,
        ("indicators",),
        "item",
        "问卷中对每个单位提问的内容",
    ),
    Part(
        "methods",
        "评议方法和权重",
        MethodForm,
        ("methods",),
        "method",
        "各方法权重合计应为 100",
    ),
    Part("sources", "减分时段和减分来源", SourceForm, ("deductions", "sources"), "source"),
    Part("rules", "减分规则", RuleForm, ("deductions", "rules"), "rule"),
    Part("vetoes", "一票否决", VetoForm, ("vetoes",), "veto"),
    Part("stages", "阶段安排", StageForm, ("stages",), "stage"),
    Part("submissions", "各单位报送的材料", SubmissionForm, ("submissions",), "submission"),
)


class _Rows(BaseFormSet):
    """Rows left blank are no rows (``EditorForms`` skips them): no field is required.

    Every row is cleaned, the added ones too: Django would skip an added row that
    equals its initial values, and a row the page showed must never vanish.
    """

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"empty_permitted": False}


def _formset(part: Part) -> type[BaseFormSet]:
    return formset_factory(part.form, formset=_Rows, extra=1, can_delete=True)


# --- the definition's data ↔ the forms' initial values ------------------------------------


def initial_values(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The basics form's and each formset's initial values for a definition file's data."""
    deductions = data.get("deductions") or {}
    grading = data.get("grading") or {}
    approval = data.get("approval") or {}
    basics = {
        "title": data.get("title", ""),
        "code": data.get("code", ""),
        "year": data.get("year"),
        "publish": bool(data.get("publish")),
        "baseline": data.get("baseline", ""),
        "exclude": " ".join(data.get("exclude") or ()),
        "deductions_from": deductions.get("from"),
        "deductions_to": deductions.get("to"),
        "excellent": grading.get("excellent", 0),
        "unsatisfactory": grading.get("unsatisfactory", 0),
        "watchlist": grading.get("watchlist", 0),
        "approval_code": approval.get("code", ""),
        "approval_title": approval.get("title", ""),
    }
    scale = data.get("scale") or {}
    satisfied = set(scale.get("satisfied", [lv.label for lv in DEFAULT_LEVELS if lv.satisfied]))
    levels = scale.get("levels") or [
        {"label": lv.label, "points": lv.points} for lv in DEFAULT_LEVELS
    ]
    rows: dict[str, list[dict[str, Any]]] = {
        "scale": [{**lv, "satisfied": lv["label"] in satisfied} for lv in levels],
        "groups": [g if isinstance(g, dict) else {"code": g} for g in data.get("groups", [])],
        "methods": [
            {**{k: v for k, v in m.items() if k != "cases"}, **(m.get("cases") or {})}
            for m in data.get("methods", [])
        ],
    }
    for part in PARTS:
        if part.prefix not in rows:
            rows[part.prefix] = list(_at(data, part.path) or [])
    # A rule's source and a requirement's stage shown by name, as the organiser types them.
    for prefix, key, named in (("rules", "source", "sources"), ("submissions", "stage", "stages")):
        titles = {r.get("code"): r.get("title") for r in rows[named] if isinstance(r, dict)}
        rows[prefix] = [
            {**r, key: titles.get(r.get(key)) or r.get(key)} if isinstance(r, dict) else r
            for r in rows[prefix]
        ]
    return basics, rows


def _at(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)  # type: ignore[assignment]
    return data


def shift_year(data: dict[str, Any], years: int = 1) -> dict[str, Any]:
    """Last year's definition data made next year's: every date and year moved on.

    The new code and title replace the year in the old ones when they contain it.
    """
    old_year = data.get("year")

    def move(value: Any) -> Any:
        if isinstance(value, datetime.date):
            try:
                return value.replace(year=value.year + years)
            except ValueError:  # 29 February
                return value.replace(year=value.year + years, day=28)
        if isinstance(value, dict):
            return {k: move(v) for k, v in value.items()}
        if isinstance(value, list):
            return [move(v) for v in value]
        return value

    out: dict[str, Any] = move(data)
    if isinstance(old_year, int):
        new_year = old_year + years
        out["year"] = new_year
        for key in ("code", "title"):
            if isinstance(out.get(key), str):
                out[key] = out[key].replace(str(old_year), str(new_year))
    out["baseline"] = data.get("code", "")
    out["publish"] = False
    return out


# --- the forms together ---------------------------------------------------------------------


class EditorForms:
    """The basics form and one formset per part, bound or filled from a definition's data."""

    def __init__(
        self,
        post: Any = None,
        *,
        data: dict[str, Any] | None = None,
        baselines: Iterable[tuple[str, str]] = (),
        code_fixed: str = "",
    ) -> None:
        self.original = data or {}
        basics, rows = initial_values(self.original)
        self.basics = BasicsForm(post, initial=basics, prefix="basics", baselines=baselines)
        if code_fixed:
            self.basics.fields["code"].disabled = True
            self.basics.fields["code"].help_text = "活动代码保存后不能修改"
        self.sets: dict[str, BaseFormSet] = {}
        for part in PARTS:
            self.sets[part.prefix] = _formset(part)(
                post, initial=rows[part.prefix], prefix=part.prefix
            )
        self.part_errors: dict[str, list[str]] = {p.prefix: [] for p in PARTS}
        self.page_errors: list[str] = []
        # For each part, the form index of each row written into the data.
        self._written: dict[str, list[int]] = {}

    @property
    def parts(self) -> list[dict[str, Any]]:
        return [
            {"part": p, "formset": self.sets[p.prefix], "errors": self.part_errors[p.prefix]}
            for p in PARTS
        ]

    def is_valid(self) -> bool:
        valid = self.basics.is_valid()
        for formset in self.sets.values():
            valid = formset.is_valid() and valid
        return valid

    # Rows, as typed.

    def _rows(self, prefix: str) -> list[tuple[int, dict[str, Any]]]:
        out = []
        for index, form in enumerate(self.sets[prefix].forms):
            values = dict(form.cleaned_data)
            if values.pop("DELETE", False):
                continue
            # A row left blank (a list's own choice, such as the input, counts as blank) is
            # no row; a row with anything typed is, and is checked: nothing vanishes unsaid.
            if any(v not in (None, "", False) for k, v in values.items() if k not in _CHOSEN):
                out.append((index, values))
        return out

    def data(self) -> dict[str, Any]:
        """The definition file's data as the forms say it (after ``is_valid``)."""
        b = self.basics.cleaned_data
        rows = {p.prefix: self._rows(p.prefix) for p in PARTS}
        self._written = {prefix: [i for i, _ in items] for prefix, items in rows.items()}
        codes = {p.prefix: _fill_codes(p, [v for _, v in rows[p.prefix]]) for p in PARTS}
        data: dict[str, Any] = {
            "code": b["code"].strip(),
            "title": b["title"].strip(),
            "year": b["year"],
            "groups": [
                {"code": c, "title": v["title"]} if v.get("title") else c
                for c, (_, v) in zip(codes["groups"], rows["groups"], strict=True)
            ],
            "exclude": [c for c in re.split(r"[\s,,、;;]+", b["exclude"]) if c],
            "publish": b["publish"],
        }
        if b["baseline"]:
            data["baseline"] = b["baseline"]
        levels = [v for _, v in rows["scale"]]
        data["scale"] = {
            "levels": [{"label": v["label"], "points": v["points"]} for v in levels],
            "satisfied": [v["label"] for v in levels if v["satisfied"]],
        }
        data["indicators"] = [
            _entry(v, code, ("title", "weight"))
            for code, (_, v) in _coded(codes, rows, "indicators")
        ]
        data["methods"] = [_method(v, code) for code, (_, v) in _coded(codes, rows, "methods")]
        sources = [(code, v) for code, (_, v) in _coded(codes, rows, "sources")]
        deductions: dict[str, Any] = {}
        for key, name in (("from", "deductions_from"), ("to", "deductions_to")):
            if b[name] is not None:
                deductions[key] = b[name]
        deductions["sources"] = [_entry(v, code, ("title", "cap")) for code, v in sources]
        named_sources = {v["title"]: code for code, v in sources if v.get("title")}
        deductions["rules"] = [
            {
                **_entry(v, code, ("title",)),
                "source": _named(v.get("source"), named_sources),
                "points": v.get("points"),
            }
            for code, (_, v) in _coded(codes, rows, "rules")
        ]
        data["deductions"] = deductions
        data["vetoes"] = [
            _entry(v, code, ("title",)) for code, (_, v) in _coded(codes, rows, "vetoes")
        ]
        stages = list(_coded(codes, rows, "stages"))
        data["stages"] = [_entry(v, code, ("title", "starts", "ends")) for code, (_, v) in stages]
        named_stages = {v["title"]: code for code, (_, v) in stages if v.get("title")}
        data["submissions"] = [
            {
                **_entry(v, code, ("kind", "title", "due")),
                **({"stage": _named(v["stage"], named_stages)} if v.get("stage") else {}),
            }
            for code, (_, v) in _coded(codes, rows, "submissions")
        ]
        data["grading"] = {k: b[k] or 0 for k in ("excellent", "unsatisfactory", "watchlist")}
        if b["approval_code"] or b["approval_title"]:
            approval_code = b["approval_code"].strip() or "approver"
            data["approval"] = {"code": approval_code, "title": b["approval_title"]}
        return _carry_over(self.original, _prune(data))

    # Problems, back to their fields.

    def place(self, problems: Iterable[InputProblem], text: str) -> None:
        """Put each problem of ``text`` (which ``data`` gave) next to the field it is about."""
        where = _paths_by_line(LineMap(text))
        for problem in problems:
            path = where.get(problem.line) if problem.line is not None else None
            # "(第 34 行已有)" points into text the organiser never saw.
            message = _LINE_NOTE.sub("", problem.message)
            if path is None or not self._place(path, message):
                self.page_errors.append(message)

    def _place(self, path: tuple[str | int, ...], message: str) -> bool:
        basics: dict[tuple[str | int, ...], str] = {
            ("code",): "code",
            ("title",): "title",
            ("year",): "year",
            ("exclude",): "exclude",
            ("publish",): "publish",
            ("baseline",): "baseline",
            ("deductions", "from"): "deductions_from",
            ("deductions", "to"): "deductions_to",
            ("grading", "excellent"): "excellent",
            ("grading", "unsatisfactory"): "unsatisfactory",
            ("grading", "watchlist"): "watchlist",
            ("approval", "code"): "approval_code",
            ("approval", "title"): "approval_title",
            ("approval",): "approval_title",
        }
        for end in range(len(path), 0, -1):
            if (name := basics.get(path[:end])) is not None:
                key = ".".join(str(p) for p in path[:end])
                label = str(self.basics.fields[name].label)
                self.basics.add_error(name, message.replace(key, f"“{label}”", 1))
                return True
        for part in PARTS:
            size = len(part.path)
            if tuple(path[:size]) != part.path:
                continue
            rest = path[size:]
            written = self._written.get(part.prefix, [])
            index = rest[0] if rest and isinstance(rest[0], int) else len(written)
            row = f"{'.'.join(part.path)}[{index + 1}]"
            # A header line is also the list's own line: a problem not naming the row is
            # the list's (weights that do not add up), not the row's.
            if index < len(written) and (len(rest) > 1 or row in message):
                form = self.sets[part.prefix].forms[written[index]]
                field = rest[1] if len(rest) > 1 and isinstance(rest[1], str) else None
                if field in form.fields:
                    label = str(form.fields[str(field)].label)
                    form.add_error(str(field), message.replace(f"{row}.{field}", f"“{label}”", 1))
                else:
                    message = message.replace(f"{row} 中", "这一行").replace(row, "这一行")
                    for name, f in form.fields.items():
                        message = message.replace(f"“{name}”", f"“{f.label}”")
                    form.add_error(None, message)
            else:
                self.part_errors[part.prefix].append(message)
            return True
        if path[:1] == ("scale",):
            self.part_errors["scale"].append(message)
            return True
        return False


_LINE_NOTE = re.compile(r"[(\uff08]第 \d+ 行[^)\uff09]*[)\uff09]")

# Choices a row always has (a select shows one): they alone do not make a row.
_CHOSEN = {"kind", "input"}

# What the forms write; any other key of the file (a later version's) is kept as it was.
_FORM_KEYS = {
    "code",
    "title",
    "year",
    "groups",
    "exclude",
    "publish",
    "baseline",
    "scale",
    "indicators",
    "methods",
    "deductions",
    "vetoes",
    "stages",
    "submissions",
    "grading",
    "approval",
}


def _carry_over(original: dict[str, Any], edited: dict[str, Any]) -> dict[str, Any]:
    """``edited`` with the keys of ``original`` no form shows, at the top and in each row
    (matched by code), so that editing in the forms never drops a setting."""
    out = {**edited, **{k: v for k, v in original.items() if k not in _FORM_KEYS}}
    for part in PARTS:
        if part.prefix in ("scale", "groups"):
            continue
        before = {
            item.get("code"): item
            for item in (_at(original, part.path) or [])
            if isinstance(item, dict)
        }
        shown = set(part.form.base_fields) | {"cases"}
        for item in _at(out, part.path) or []:
            for key, value in before.get(item.get("code"), {}).items():
                if key not in shown and key not in item:
                    item[key] = value
    if "deductions" in original and isinstance(original["deductions"], dict):
        extra = {
            k: v
            for k, v in original["deductions"].items()
            if k not in ("from", "to", "sources", "rules")
        }
        if extra:
            out["deductions"] = {**out.get("deductions", {}), **extra}
    if isinstance(original.get("grading"), dict):
        # The numbers are the forms'; the rest (version 2's ``by``, ``baseline_bottom``…) stays.
        numbers = ("excellent", "unsatisfactory", "watchlist")
        kept = {k: v for k, v in original["grading"].items() if k not in numbers}
        if kept:
            out["grading"] = {**out.get("grading", {}), **kept}
    return out


def _coded(
    codes: dict[str, list[str]], rows: dict[str, list[tuple[int, dict[str, Any]]]], prefix: str
) -> Iterable[tuple[str, tuple[int, dict[str, Any]]]]:
    return zip(codes[prefix], rows[prefix], strict=True)


def _entry(values: dict[str, Any], code: str, keys: tuple[str, ...]) -> dict[str, Any]:
    return {"code": code, **{k: values.get(k) for k in keys}}


def _method(values: dict[str, Any], code: str) -> dict[str, Any]:
    out = _entry(values, code, ("title", "weight", "input", "body", "starts", "ends", "deadline"))
    if values.get("input") == "cases":
        formula = {k: values.get(k) for k in (*CASE_RATES, "no_cases")}
        if any(v is not None for v in formula.values()):
            out["cases"] = formula
    return out


def _named(value: Any, by_title: dict[str, str]) -> Any:
    """A source or stage typed by its name or its code: the code."""
    if not isinstance(value, str):
        return value
    value = value.strip()
    return by_title.get(value, value)


def _fill_codes(part: Part, rows: list[dict[str, Any]]) -> list[str]:
    """Each row's code: as typed, else made from an ASCII title, else ``method-2`` and so on."""
    if not part.code_prefix:
        return [""] * len(rows)
    typed = [(v.get("code") or "").strip() for v in rows]
    taken = {c for c in typed if c}
    out = []
    for code, values in zip(typed, rows, strict=True):
        if not code:
            slug = re.sub(r"[^a-z0-9]+", "-", str(values.get("title") or "").lower()).strip("-")
            base = slug if slug and len(slug) <= 40 else part.code_prefix
            n, code = 1, slug if slug and slug not in taken and len(slug) <= 40 else ""
            while not code:
                candidate = f"{base}-{n}"
                code = candidate if candidate not in taken else ""
                n += 1
            taken.add(code)
        out.append(code)
    return out


def _prune(value: Any) -> Any:
    """Without empty values: a key left blank is a key not written (its default)."""
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {
            k: v
            for k, v in pruned.items()
            if v is not None
            and v != ""
            and (v != [] or k in ("exclude", "groups", "methods"))
            and v != {}
        }
    if isinstance(value, list):
        return [_prune(v) for v in value]
    if isinstance(value, Decimal):
        return value
    return value


def _paths_by_line(lines: LineMap) -> dict[int, tuple[str | int, ...]]:
    """The most precise key path written on each line."""
    out: dict[int, tuple[str | int, ...]] = {}
    for path, line in lines.lines.items():
        if line not in out or len(path) > len(out[line]):
            out[line] = path
    return out
