"""State changes of a campaign: loading (creating or updating) it from its definition.

Rows are matched by code (scale levels by label): unchanged rows are left alone,
changed ones updated in place, new ones created and removed ones deleted, so that
ballots, scores and deductions keep pointing at the same rows across reloads.

The units' submission requirements the file states (``[[submissions]]``, R-35)
are oversight's ``SubmissionRequirement`` rows, the same the campaign page adds
by hand: loading keeps those with the file's codes, and takes over one added by
hand with the same kind and title, so that what units handed in stays with it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import F

from minping.audit.log import record
from minping.campaigns.definition import CASE_RATES, GRADING_KEYS, CampaignDefinition, LineMap
from minping.campaigns.models import (
    Campaign,
    DeductionRule,
    DeductionSource,
    Indicator,
    IneligibilityRule,
    Method,
    ScaleLevel,
    Stage,
    VetoRule,
    formula_to_json,
)
from minping.lib.errors import ProblemCollector
from minping.orgs.models import Group, Unit
from minping.oversight.models import SubmissionRequirement

# Rows that only describe the campaign; anything else pointing at them is data.
DEFINITION_MODELS: tuple[type[models.Model], ...] = (
    Campaign,
    ScaleLevel,
    Indicator,
    Method,
    Stage,
    DeductionSource,
    DeductionRule,
    VetoRule,
    IneligibilityRule,
    SubmissionRequirement,  # the requirements the file states
)

CAMPAIGN_FIELDS = (
    "title",
    "year",
    "groups",
    "exclude",
    "publish",
    "baseline_code",
    "deductions_from",
    "deductions_to",
    "excellent",
    "unsatisfactory",
    "watchlist",
    "group_grading",
    "baseline_bottom",
    "baseline_criticised",
    "approval_code",
    "approval_title",
    "issuer",
    "verify_phone",
    "format",
    "part_groups",
    "composite",
    "grading_by",
)

# Changing these never changes a score, so a published campaign may change them freely.
COSMETIC_FIELDS = {"title", "order", "body", "starts", "ends", "deadline"}
COSMETIC_CAMPAIGN_FIELDS = {"title", "approval_code", "approval_title", "issuer", "verify_phone"}


@dataclass(frozen=True)
class _Kind:
    name: str  # as in the definition file and the audit diff
    label: str  # as a user calls it
    model: type[models.Model]
    related_name: str
    key: str = "code"
    cosmetic: bool = False  # no field of it affects a score (stages)
    ordered: bool = True  # has an ``order`` column (requirements go by their due date)


# In the order they are written: sources before the rules that point at them.
KINDS = (
    _Kind("scale", "评价等级", ScaleLevel, "levels", key="label"),
    _Kind("indicators", "评议内容", Indicator, "indicators"),
    _Kind("methods", "评议方法", Method, "methods"),
    _Kind("sources", "减分来源", DeductionSource, "deduction_sources"),
    _Kind("rules", "减分规则", DeductionRule, "deduction_rules"),
    _Kind("vetoes", "一票否决规则", VetoRule, "veto_rules"),
    _Kind("ineligibility", "取消评优资格情形", IneligibilityRule, "ineligibility_rules"),
    _Kind("stages", "阶段", Stage, "stages", cosmetic=True),
    # After the stages they may name.
    _Kind(
        "submissions",
        "报送要求",
        SubmissionRequirement,
        "requirements",
        cosmetic=True,
        ordered=False,
    ),
)


@dataclass
class LoadOutcome:
    """What loading did. ``changes`` is the compact diff written to the audit log."""

    campaign: Campaign
    created: bool
    changes: dict[str, Any] = field(default_factory=dict)
    forced: bool = False
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # kind → code → title
    # Said to the user but stopping nothing (a version-1 file keeps loading as before).
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        """The changes as a reader says them: items by their names, not their codes."""
        return describe_changes(self.changes, self.names)

    @property
    def unchanged(self) -> bool:
        return not self.created and not self.changes


def do_load_campaign(
    definition: CampaignDefinition,
    source_text: str,
    *,
    actor: Any = None,
    force: bool = False,
) -> tuple[Campaign, bool]:
    """Create or update the campaign from its definition; return it and whether it is new."""
    outcome = load_campaign(definition, source_text, actor=actor, force=force)
    return outcome.campaign, outcome.created


def load_campaign(
    definition: CampaignDefinition,
    source_text: str,
    *,
    actor: Any = None,
    force: bool = False,
) -> LoadOutcome:
    """Like ``do_load_campaign``, telling also what changed.

    Raises InvalidInput, changing nothing, when a removed row still has data
    (ballots, answers, scores, deductions, vetoes) or when the rules of a
    published campaign would change and ``force`` is not given.
    An identical reload changes nothing and writes no audit row: the log records
    changes, and a no-op entry per scheduled reload would only bury them.
    """
    warnings = _check_against_tree(definition, source_text)
    _check_covers(definition, source_text)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().filter(code=definition.code).first()
        created = campaign is None
        if campaign is None:
            campaign = Campaign(code=definition.code)
        wanted = _wanted_rows(definition)
        current = _current_rows(campaign, wanted) if not created else {k.name: {} for k in KINDS}
        changes = _diff(campaign, definition, source_text, wanted, current, created)
        if not created and not changes:
            return LoadOutcome(campaign, created=False, warnings=warnings)
        names = _names(wanted, current)
        names["groups"] = {g.code: g.title for g in definition.groups if g.title}

        forced = False
        problems = ProblemCollector()
        if not created:
            _check_data_kept(wanted, current, problems)
            _check_requirements_apart(campaign, wanted["submissions"], current, problems)
            if campaign.is_published and _rules_changed(changes):
                if force:
                    forced = True
                else:
                    problems.add(_published_message(campaign, changes))
        problems.raise_if_any(f"评议活动 {definition.code}")

        _apply(campaign, definition, source_text, wanted, current)
        detail: dict[str, Any] = {"sha256": hashlib.sha256(source_text.encode()).hexdigest()}
        if created:
            detail["counts"] = {k.name: len(wanted[k.name]) for k in KINDS}
        if changes:
            detail["changes"] = changes
            detail["summary"] = describe_changes(changes, names)
        if forced:
            detail["forced"] = True
        record(
            "campaign.load" if created else "campaign.update",
            actor=actor,
            obj=campaign,
            campaign_code=campaign.code,
            detail=detail,
        )
        return LoadOutcome(campaign, created, changes, forced, names, warnings)


def _names(
    wanted: dict[str, dict[str, dict[str, Any]]], current: dict[str, dict[str, models.Model]]
) -> dict[str, dict[str, str]]:
    """Each item's title by kind and code, removed ones too, for the readable diff."""
    names: dict[str, dict[str, str]] = {}
    for kind in KINDS:
        found = {key: str(getattr(obj, "title", "")) for key, obj in current[kind.name].items()}
        found.update({key: str(v.get("title", "")) for key, v in wanted[kind.name].items()})
        names[kind.name] = {key: title for key, title in found.items() if title}
    return names


def _check_against_tree(definition: CampaignDefinition, source_text: str) -> list[str]:
    """``exclude`` must name units of the tree (a typo would silently rank the unit).

    A version-2 file is refused; a version-1 file loads as before, with a warning.
    """
    known = set(Unit.objects.filter(code__in=definition.exclude).values_list("code", flat=True))
    unknown = [code for code in definition.exclude if code not in known]
    if not unknown:
        return []
    message = (
        f"exclude 中的单位代码“{'、'.join(unknown)}”不在单位树中:请检查代码,"
        "或先导入单位(minping import units)"
    )
    if definition.format >= 2:
        problems = ProblemCollector()
        problems.add(message, LineMap(source_text).line(("exclude",)))
        problems.raise_if_any(f"评议活动 {definition.code}")
    return [f"注意:{message};这些代码现在不起作用。"]


def _check_covers(definition: CampaignDefinition, source_text: str) -> None:
    """A method's ``covers`` (version 2) must name units of the tree or groups of the
    campaign, and its ``covers_attribute`` attributes some unit carries: a typo would
    leave a unit unrated on that method, its weight silently shared out among the
    others. A code that is both a unit and a group would be read two ways: refused."""
    groups = set(definition.group_codes)
    named = {code for m in definition.methods for code in m.covers}
    wanted = {word for m in definition.methods for word in m.covers_attribute}
    if not named and not wanted:
        return
    # An attribute no unit carries covers nothing: a typo, or the units file not yet
    # imported with its 属性 column.
    carried = {word for tags in Unit.objects.values_list("tags", flat=True) for word in tags}
    known = set(Unit.objects.filter(code__in=named).values_list("code", flat=True))
    problems = ProblemCollector()
    lines = LineMap(source_text)
    for i, method in enumerate(definition.methods):
        line = lines.line(("methods", i, "covers"))
        unknown = [code for code in method.covers if code not in known and code not in groups]
        if unknown:
            problems.add(
                f"评议方法“{method.code}”的 covers 中的“{'、'.join(unknown)}”既不是单位树中的单位,"
                "也不是本活动的组别:请检查代码,或先导入单位(minping import units)",
                line,
            )
        absent = [word for word in method.covers_attribute if word not in carried]
        if absent:
            problems.add(
                f"评议方法“{method.code}”的 covers_attribute 中的属性“{'、'.join(absent)}”"
                "单位树中没有哪个单位具有:请检查写法,或在单位文件的“属性”列中标明后重新导入单位",
                lines.line(("methods", i, "covers_attribute")),
            )
        both = [code for code in method.covers if code in known and code in groups]
        if both:
            problems.add(
                f"评议方法“{method.code}”的 covers 中的“{'、'.join(both)}”既是单位代码又是组别代码,"
                "无法确定指哪一个:请改用该组别的单位代码,或改动其中一个代码",
                line,
            )
    problems.raise_if_any(f"评议活动 {definition.code}")


# --- what the definition wants, what is there, and the difference -------------------


def _wanted_rows(definition: CampaignDefinition) -> dict[str, dict[str, dict[str, Any]]]:
    """For each kind: key → field values, ``order`` counting from 1 as written."""
    rows: dict[str, list[tuple[str, dict[str, Any]]]] = {
        "scale": [
            (lv.label, {"points": lv.points, "satisfied": lv.satisfied}) for lv in definition.levels
        ],
        "indicators": [
            (i.code, {"title": i.title, "weight": i.weight}) for i in definition.indicators
        ],
        "methods": [
            (
                m.code,
                {
                    "title": m.title,
                    "weight": m.weight,
                    "input": m.input,
                    "body": m.body,
                    "starts": m.starts,
                    "ends": m.ends,
                    "deadline": m.deadline,
                    "case_formula": formula_to_json(m.cases),
                    "scored": m.scored,
                    "groups": [*m.groups],
                    "min_ballots": m.min_ballots,
                    "min_unit_ballots": m.min_unit_ballots,
                    "too_few": m.too_few,
                    "parts": m.parts,
                    "covers": list(m.covers),
                    "covers_attribute": list(m.covers_attribute),
                    "indicators": list(m.indicators),
                    "respondents": list(m.respondents),
                    "exclude_respondents": list(m.exclude_respondents),
                },
            )
            for m in definition.methods
        ],
        "sources": [
            (s.code, {"title": s.title, "cap": s.cap, "floor": s.floor}) for s in definition.sources
        ],
        "rules": [
            (
                r.code,
                {
                    "title": r.title,
                    "source": r.source,
                    "points": r.points,
                    "sources": [*r.sources],
                    "method": r.method,
                    "max_points": r.max_points,
                },
            )
            for r in definition.rules
        ],
        "vetoes": [(v.code, {"title": v.title}) for v in definition.vetoes],
        "ineligibility": [
            (r.code, {"title": r.title, "body": r.body}) for r in definition.ineligibility
        ],
        "stages": [
            (s.code, {"title": s.title, "starts": s.starts, "ends": s.ends})
            for s in definition.stages
        ],
        "submissions": [
            (r.code, {"kind": r.kind, "title": r.title, "due": r.due, "stage": r.stage})
            for r in definition.submissions
        ],
    }
    ordered = {kind.name for kind in KINDS if kind.ordered}
    return {
        name: {
            key: {"order": n, **values} if name in ordered else values
            for n, (key, values) in enumerate(items, start=1)
        }
        for name, items in rows.items()
    }


def _current_rows(
    campaign: Campaign, wanted: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, models.Model]]:
    current = {}
    for kind in KINDS:
        manager = getattr(campaign, kind.related_name)
        if kind.model is DeductionRule:
            manager = manager.select_related("source")
        if kind.model is SubmissionRequirement:
            current[kind.name] = _requirements(campaign, wanted[kind.name])
            continue
        current[kind.name] = {getattr(obj, kind.key): obj for obj in manager.all()}
    return current


def _requirements(campaign: Campaign, wanted: dict[str, dict[str, Any]]) -> dict[str, models.Model]:
    """The file's requirements by code; one added by hand with the kind and title of a
    wanted one is taken over (it keeps what units handed in for it)."""
    rows = SubmissionRequirement.objects.filter(campaign=campaign).select_related("stage")
    found: dict[str, models.Model] = {}
    by_hand = {}
    for requirement in rows:
        if requirement.code:
            found[requirement.code] = requirement
        else:
            by_hand[requirement.kind, requirement.title] = requirement
    for code, values in wanted.items():
        if code not in found and (match := by_hand.get((values["kind"], values["title"]))):
            found[code] = match
    return found


def _field_value(obj: models.Model, name: str) -> Any:
    if name == "source":
        return obj.source.code  # type: ignore[attr-defined]
    if name == "stage":
        stage = obj.stage  # type: ignore[attr-defined]
        return stage.code if stage is not None else ""
    return getattr(obj, name)


def _campaign_values(definition: CampaignDefinition) -> dict[str, Any]:
    return {
        "title": definition.title,
        "year": definition.year,
        "groups": definition.group_codes,
        "exclude": list(definition.exclude),
        "publish": definition.publish,
        "baseline_code": definition.baseline,
        "deductions_from": definition.deductions_from,
        "deductions_to": definition.deductions_to,
        "excellent": definition.grading.excellent,
        "unsatisfactory": definition.grading.unsatisfactory,
        "watchlist": definition.grading.watchlist,
        "baseline_bottom": definition.grading.baseline_bottom,
        "baseline_criticised": definition.grading.baseline_criticised,
        "group_grading": {
            g.code: quotas
            for g in definition.groups
            if (quotas := {k: v for k in GRADING_KEYS if (v := getattr(g, k)) is not None})
        },
        "approval_code": definition.approval.code if definition.approval else "",
        "approval_title": definition.approval.title if definition.approval else "",
        "issuer": definition.issuer,
        "verify_phone": definition.verify_phone,
        "format": definition.format,
        "part_groups": definition.part_groups,
        "composite": definition.composite,
        "grading_by": definition.grading.by,
    }


def _shown(value: Any) -> Any:
    """A value as the audit log and the user see it: 25, not Decimal('25.0000')."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _diff(
    campaign: Campaign,
    definition: CampaignDefinition,
    source_text: str,
    wanted: dict[str, dict[str, dict[str, Any]]],
    current: dict[str, dict[str, models.Model]],
    created: bool,
) -> dict[str, Any]:
    """What loading would change, compactly: {"campaign": {field: [old, new]}, kind: {...}}."""
    changes: dict[str, Any] = {}
    if not created:
        fields = {
            name: [_shown(getattr(campaign, name)), _shown(value)]
            for name, value in _campaign_values(definition).items()
            if getattr(campaign, name) != value
        }
        if fields:
            changes["campaign"] = fields
    for kind in KINDS:
        want, have = wanted[kind.name], current[kind.name]
        kind_changes: dict[str, Any] = {}
        if added := [key for key in want if key not in have]:
            kind_changes["added"] = added
        if removed := [key for key in have if key not in want]:
            kind_changes["removed"] = removed
        changed = {}
        for key, values in want.items():
            if key in have:
                obj = have[key]
                fields = {
                    name: [_shown(_field_value(obj, name)), _shown(value)]
                    for name, value in values.items()
                    if _field_value(obj, name) != value
                }
                if getattr(obj, kind.key) != key:  # a requirement added by hand, taken over
                    fields[kind.key] = ["", key]
                if fields:
                    changed[key] = fields
        if changed:
            kind_changes["changed"] = changed
        if kind_changes and not created:
            changes[kind.name] = kind_changes
    if group_changes := _group_changes(definition):
        changes["group_names"] = group_changes
    if not created and campaign.definition != source_text and not changes:
        changes["text"] = "只改了注释或格式"
    return changes


def _group_changes(definition: CampaignDefinition) -> dict[str, Any]:
    existing = dict(
        Group.objects.filter(code__in=definition.group_codes).values_list("code", "name")
    )
    changes: dict[str, Any] = {}
    if added := [g.code for g in definition.groups if g.code not in existing]:
        changes["added"] = added
    renamed = {
        g.code: [existing[g.code], g.title]
        for g in definition.groups
        if g.code in existing and g.title and existing[g.code] != g.title
    }
    if renamed:
        changes["renamed"] = renamed
    return changes


def _rules_changed(changes: dict[str, Any]) -> bool:
    """Whether a change could alter a published score, rank or grade."""
    kinds = {kind.name: kind for kind in KINDS}
    for name, change in changes.items():
        if name == "campaign":
            if set(change) - COSMETIC_CAMPAIGN_FIELDS:
                return True
        elif name in kinds and not kinds[name].cosmetic:
            if change.get("added") or change.get("removed"):
                return True
            if any(set(fields) - COSMETIC_FIELDS for fields in change.get("changed", {}).values()):
                return True
    return False


# --- refusing to lose data ------------------------------------------------------------


def dependants(obj: models.Model) -> list[str]:
    """Data (not definition rows) pointing at ``obj``, e.g. ["答卷 120 条"]; empty if none.

    Walks every reverse relation, hidden ones too (an answer's method has no
    reverse name), so a table added later by another app is covered without change here.
    """
    found = []
    for relation in obj._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete:
            continue
        related = relation.related_model
        if related is None or related in DEFINITION_MODELS:
            continue
        field_name = relation.field.name  # type: ignore[union-attr]
        count = related._base_manager.filter(**{field_name: obj}).count()
        if count:
            found.append(f"{related._meta.verbose_name} {count} 条")
    return sorted(set(found))


def _check_data_kept(
    wanted: dict[str, dict[str, dict[str, Any]]],
    current: dict[str, dict[str, models.Model]],
    problems: ProblemCollector,
) -> None:
    for kind in KINDS:
        for key, obj in current[kind.name].items():
            if key not in wanted[kind.name]:
                if data := dependants(obj):
                    problems.add(
                        f"定义文件删去了{kind.label}“{key}”,但它已有数据({'、'.join(data)}),"
                        "删除会丢失这些数据。如确需删除,请先删除或改挂这些数据。"
                    )
            elif kind.name == "methods":
                new_input = wanted["methods"][key]["input"]
                if obj.input != new_input and (data := dependants(obj)):  # type: ignore[attr-defined]
                    problems.add(
                        f"评议方法“{key}”已有数据({'、'.join(data)}),"
                        f"不能把数据来源 input 从“{obj.input}”改为“{new_input}”。"  # type: ignore[attr-defined]
                    )


def _check_requirements_apart(
    campaign: Campaign,
    wanted: dict[str, dict[str, Any]],
    current: dict[str, dict[str, models.Model]],
    problems: ProblemCollector,
) -> None:
    """A requirement the file renames must not take the kind and title of one added on the
    campaign page that the file does not take over: units would see two alike."""
    taken = {obj.pk for obj in current["submissions"].values()}
    by_hand = {
        (r.kind, r.title): r
        for r in SubmissionRequirement.objects.filter(campaign=campaign).exclude(pk__in=taken)
    }
    for code, values in wanted.items():
        if (found := by_hand.get((values["kind"], values["title"]))) is not None:
            problems.add(
                f"定义文件中的报送要求“{code}”与活动页面上添加的报送要求“{found.title}”"
                f"({found.get_kind_display()})同类同名;请在定义文件中改用另一个名称。"
            )


def _published_message(campaign: Campaign, changes: dict[str, Any]) -> str:
    when = campaign.published_at.date().isoformat() if campaign.published_at else ""
    return (
        f"评议活动 {campaign.code} 的结果已于 {when} 发布,本次改动会影响评分规则"
        f"({';'.join(describe_changes(changes))})。"
        "如确需改动,请强制执行(命令行加 --force),改动会记入审计日志。"
    )


# --- writing ---------------------------------------------------------------------------


def _apply(
    campaign: Campaign,
    definition: CampaignDefinition,
    source_text: str,
    wanted: dict[str, dict[str, dict[str, Any]]],
    current: dict[str, dict[str, models.Model]],
) -> None:
    for name, value in _campaign_values(definition).items():
        setattr(campaign, name, value)
    campaign.definition = source_text
    campaign.save()
    _ensure_groups(definition)

    sources: dict[str, DeductionSource] = {}
    stages: dict[str, Stage] = {}
    for kind in KINDS:
        have = current[kind.name]
        if kind.model is DeductionSource:
            # Removed sources go after the rules, which may move to another source.
            sources = _upsert(campaign, kind, wanted[kind.name], have, {})  # type: ignore[assignment]
            continue
        for key, obj in have.items():
            if key not in wanted[kind.name]:
                obj.delete()
        if kind.model is ScaleLevel and have:
            # (campaign, order) is unique: move the kept levels clear before renumbering.
            ScaleLevel.objects.filter(campaign=campaign).update(order=F("order") + 1000)
            for obj in have.values():
                obj.refresh_from_db(fields=["order"])
        rows = _upsert(campaign, kind, wanted[kind.name], have, {**sources, **stages})
        if kind.model is Stage:
            stages = rows  # type: ignore[assignment]
    for key, source in current["sources"].items():
        if key not in wanted["sources"]:
            source.delete()


def _upsert(
    campaign: Campaign,
    kind: _Kind,
    want: dict[str, dict[str, Any]],
    have: dict[str, models.Model],
    targets: dict[str, models.Model],
) -> dict[str, models.Model]:
    """Create or update each wanted row; return them all by key.

    ``targets``: the rows a ``source`` (deduction source) or ``stage`` names, by code.
    """
    rows = {}
    for key, written in want.items():
        values = dict(written)
        if "source" in values:
            values["source"] = targets[values["source"]]
        if "stage" in values:
            values["stage"] = targets[values["stage"]] if values["stage"] else None
        obj = have.get(key)
        if obj is None:
            obj = kind.model(campaign=campaign, **{kind.key: key}, **values)
            obj.save()
        else:
            changed = [name for name, value in written.items() if _field_value(obj, name) != value]
            for name in changed:
                setattr(obj, name, values[name])
            if getattr(obj, kind.key) != key:  # a requirement added by hand, taken over
                setattr(obj, kind.key, key)
                changed.append(kind.key)
            if changed:
                obj.save(update_fields=changed)
        rows[key] = obj
    return rows


def _ensure_groups(definition: CampaignDefinition) -> None:
    for group in definition.groups:
        obj, created = Group.objects.get_or_create(
            code=group.code, defaults={"name": group.title or group.code}
        )
        if not created and group.title and obj.name != group.title:
            obj.name = group.title
            obj.save(update_fields=["name"])


# --- telling the user ----------------------------------------------------------------------

_FIELD_LABELS = {
    "title": "名称",
    "year": "年度",
    "groups": "参评组别",
    "exclude": "不参评单位",
    "publish": "结果公开",
    "baseline_code": "上年度活动",
    "deductions_from": "减分起始日",
    "deductions_to": "减分截止日",
    "excellent": "优秀名额",
    "unsatisfactory": "不满意名额",
    "watchlist": "重点跟踪名额",
    "group_grading": "各组别名额",
    "baseline_bottom": "上年排名后几名列为重点督查",
    "baseline_criticised": "上年受通报批评的列为重点督查",
    "min_ballots": "最低答卷数(全活动)",
    "min_unit_ballots": "每个单位最低答卷数",
    "too_few": "样本不足时",
    "order": "顺序",
    "points": "分值",
    "satisfied": "计入满意",
    "weight": "权重",
    "input": "数据来源",
    "cap": "减分上限",
    "floor": "减分后最低得分",
    "source": "减分来源",
    "sources": "提出单位",
    "method": "从该方法得分中减",
    "max_points": "每次减分上限(逐件确定)",
    "starts": "开始日期",
    "ends": "结束日期",
    "approval_code": "审定机关代码",
    "approval_title": "审定机关",
    "issuer": "组织单位",
    "verify_phone": "核实电话",
    "format": "定义文件版本",
    "body": "组织实施单位",
    "deadline": "数据截止日期",
    "case_formula": "问题办理计分公式",
    "scored": "计入综合得分",
    "parts": "有下属单位的部门怎样评",
    "covers": "评议范围",
    "covers_attribute": "评议范围(单位属性)",
    "indicators": "所问评议内容",
    "respondents": "评议主体类别",
    "exclude_respondents": "不参加评议的类别",
    "part_groups": "下属单位排名组别",
    "composite": "计算综合得分",
    "grading_by": "按该评议方法排名",
    "kind": "材料类型",
    "due": "截止日期",
    "stage": "所属阶段",
    "code": "代码(改由定义文件管理)",
}


def _display(name: str, value: Any) -> str:
    """A value in a change line: 是/否, names joined with 、, never a Python repr."""
    if value is None or value == "" or value == []:
        return "(无)"
    if isinstance(value, bool):
        return "是" if value else "否"
    if name == "input":
        return _INPUT_LABELS.get(str(value), str(value))
    if isinstance(value, dict):
        return "、".join(f"{_CASE_LABELS.get(k, k)} {_display(k, v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "、".join(_display(name, v) for v in value)
    return str(value)


_INPUT_LABELS = {"ballots": "答卷", "scores": "直接录入得分", "cases": "按问题线索办理情况计分"}
_CASE_LABELS = {**CASE_RATES, "no_cases": "没有问题线索的单位得分"}


def describe_changes(
    changes: dict[str, Any], names: dict[str, dict[str, str]] | None = None
) -> list[str]:
    """The diff as short Chinese lines, one per part of the campaign.

    With ``names`` (kind → code → title), items are called by their names:
    评议方法:「网络评议」(权重 30 → 25).
    """

    def fields(values: dict[str, list[Any]]) -> str:
        return ",".join(
            f"{_FIELD_LABELS.get(name, name)} {_display(name, old)} → {_display(name, new)}"
            for name, (old, new) in values.items()
        )

    def item(kind: str, key: str) -> str:
        title = (names or {}).get(kind, {}).get(key)
        return f"「{title}」" if title else key

    lines = []
    if "campaign" in changes:
        lines.append(f"活动:{fields(changes['campaign'])}")
    for kind in KINDS:
        change = changes.get(kind.name)
        if not change:
            continue
        parts = []
        if change.get("added"):
            parts.append(f"新增 {'、'.join(item(kind.name, k) for k in change['added'])}")
        if change.get("removed"):
            parts.append(f"删除 {'、'.join(item(kind.name, k) for k in change['removed'])}")
        for key, values in change.get("changed", {}).items():
            parts.append(f"{item(kind.name, key)}({fields(values)})")
        lines.append(f"{kind.label}:{';'.join(parts)}")
    if groups := changes.get("group_names"):
        added = "、".join(item("groups", code) for code in groups.get("added", []))
        parts = [f"新建 {added}"] if added else []
        parts += [f"{code} 改名为“{new}”" for code, (_, new) in groups.get("renamed", {}).items()]
        lines.append(f"排名组别:{';'.join(parts)}")
    if "text" in changes:
        lines.append(f"定义文件:{changes['text']}")
    return lines
