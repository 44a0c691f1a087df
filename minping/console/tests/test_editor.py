"""The campaign editor: forms that write the definition a file does, through the same checks."""

from __future__ import annotations

import datetime
import tomllib
from decimal import Decimal
from typing import Any

from minping.audit.models import AuditEntry
from minping.campaigns.definition import parse_definition
from minping.campaigns.models import Campaign
from minping.campaigns.serialise import definition_data
from minping.console.editor_forms import PARTS, EditorForms, initial_values, shift_year
from minping.console.tests.fixtures import WALK_TOML
from minping.test import BaseTestCase


def _text(value: Any) -> str | None:
    if value is None or value is False:
        return None
    if value is True:
        return "on"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def form_post(data: dict[str, Any], **rows: list[dict[str, Any]]) -> dict[str, str]:
    """What a browser posts for a definition's data shown in the editor (``rows`` replace parts)."""
    basics, parts = initial_values(data)
    parts.update(rows)
    post: dict[str, str] = {}
    for name, value in basics.items():
        if (text := _text(value)) is not None:
            post[f"basics-{name}"] = text
    for part in PARTS:
        items = parts[part.prefix]
        post[f"{part.prefix}-TOTAL_FORMS"] = str(len(items))
        post[f"{part.prefix}-INITIAL_FORMS"] = "0"
        for i, item in enumerate(items):
            for name, value in item.items():
                if (text := _text(value)) is not None:
                    post[f"{part.prefix}-{i}-{name}"] = text
    return post


WALK = definition_data(parse_definition(WALK_TOML))


class CreateByForm(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.organiser)

    def test_form_gives_the_definition_the_file_gives(self) -> None:
        response = self.client.post("/console/campaigns/new/form/", form_post(WALK))
        self.assertRedirects(response, "/console/c/walk-2026/", fetch_redirect_response=False)
        campaign = Campaign.objects.get(code="walk-2026")
        self.assertEqual(parse_definition(campaign.definition), parse_definition(WALK_TOML))
        self.assertEqual(campaign.methods.get().weight, 100)
        self.assertEqual(campaign.deduction_rules.get().source.title, "市有关媒体")
        self.assertEqual(AuditEntry.objects.get().action, "campaign.load")

    def test_codes_left_blank_are_made_up_and_sources_named_by_title(self) -> None:
        post = form_post(
            WALK,
            methods=[
                {"title": "网络评议", "weight": "60", "input": "ballots"},
                {"title": "Leaders", "weight": "40", "input": "scores"},
            ],
            rules=[{"title": "不配合采访", "source": "市有关媒体", "points": "0.5"}],
        )
        response = self.client.post("/console/campaigns/new/form/", post)
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        campaign = Campaign.objects.get(code="walk-2026")
        self.assertEqual(
            list(campaign.methods.values_list("code", "title")),
            [("method-1", "网络评议"), ("leaders", "Leaders")],
        )
        self.assertEqual(campaign.deduction_rules.get().source.code, "media")

    def test_bad_input_is_shown_next_to_its_field_and_changes_nothing(self) -> None:
        post = form_post(
            WALK,
            methods=[
                {"code": "a", "title": "网络评议", "weight": "30", "input": "ballots"},
                {"code": "a", "title": "问卷", "weight": "40", "input": "ballots"},
            ],
            stages=[{"title": "自查", "starts": "2026-06-01", "ends": "2026-05-01"}],
            vetoes=[{"code": "lawsuit"}],  # a row without its name is not dropped
        )
        post["basics-deductions_to"] = "2026-11-31"  # November has 30 days
        response = self.client.post("/console/campaigns/new/form/", post)
        self.assertEqual(response.status_code, 200)
        editor = response.context["editor"]
        self.assertIn("日期", str(editor.basics.errors["deductions_to"]))
        self.assertFalse(Campaign.objects.exists())
        # The date fixed, the definition's own checks come back next to their fields.
        post["basics-deductions_to"] = "2026-11-30"
        response = self.client.post("/console/campaigns/new/form/", post)
        editor = response.context["editor"]
        methods = editor.sets["methods"]
        self.assertEqual(methods.forms[1].errors["code"], ["评议方法代码“a”重复"])  # no line
        self.assertIn("合计应为 100,现在是 70", " ".join(editor.part_errors["methods"]))
        stage = editor.sets["stages"].forms[0]
        self.assertIn("开始日期 2026-06-01 晚于结束日期 2026-05-01", str(stage.errors["ends"]))
        veto = editor.sets["vetoes"].forms[0]
        self.assertIn("这一行缺少必填项“一票否决情形”", str(veto.non_field_errors()))
        body = response.content.decode()
        self.assertIn("合计应为 100", body)
        self.assertNotIn("{&#x27;", body)
        self.assertFalse(Campaign.objects.exists())
        self.assertFalse(AuditEntry.objects.exists())

    def test_a_taken_code_is_refused(self) -> None:
        self.client.post("/console/campaigns/new/form/", form_post(WALK))
        post = form_post({**WALK, "title": "另一个活动"})
        response = self.client.post("/console/campaigns/new/form/", post)
        self.assertEqual(response.status_code, 200)
        self.assertIn("已被使用", str(response.context["editor"].basics.errors["code"]))
        self.assertEqual(Campaign.objects.get().title, "2026年机关作风民主评议")

    def test_new_form_offers_the_ranking_groups(self) -> None:
        page = self.client.get("/console/campaigns/new/form/")
        self.assertContains(page, 'value="机关单位"')
        self.assertContains(page, 'value="重点行业"')
        self.assertContains(page, "console/editor.js")


class KeepsWhatNoFormShows(BaseTestCase):
    def test_keys_of_a_later_format_survive_an_edit(self) -> None:
        # A key the forms do not know (say, a later version's) is kept at the top and per row.
        original = {
            **WALK,
            "version": 2,
            "methods": [{**WALK["methods"][0], "future": "x"}],
            "deductions": {**WALK["deductions"], "future": 1},
        }
        post = form_post(original)
        post["methods-0-title"] = "领导小组评议"
        editor = EditorForms(post, data=original)
        self.assertTrue(editor.is_valid())
        data = editor.data()
        self.assertEqual(data["version"], 2)
        self.assertEqual(data["methods"][0]["future"], "x")
        self.assertEqual(data["methods"][0]["title"], "领导小组评议")
        self.assertEqual(data["deductions"]["future"], 1)


class CopyLastYear(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.organiser)
        self.client.post("/console/campaigns/new/", {"text": WALK_TOML})

    def test_copy_moves_dates_on_and_sets_the_baseline(self) -> None:
        page = self.client.get("/console/campaigns/new/form/?from=walk-2026")
        self.assertContains(page, 'value="walk-2027"')
        self.assertContains(page, "2027年机关作风民主评议")
        self.assertContains(page, 'value="2027-05-01"')  # ISO, as a date input takes it
        data = shift_year(WALK)
        response = self.client.post("/console/campaigns/new/form/?from=walk-2026", form_post(data))
        self.assertRedirects(response, "/console/c/walk-2027/", fetch_redirect_response=False)
        new = Campaign.objects.get(code="walk-2027")
        self.assertEqual(new.baseline_code, "walk-2026")
        self.assertEqual(new.year, 2027)
        self.assertEqual(new.deductions_to, datetime.date(2027, 11, 30))
        self.assertEqual(new.stages.get().starts, datetime.date(2027, 5, 1))

    def test_leap_day_moves_to_the_28th(self) -> None:
        data = shift_year({"year": 2024, "stages": [{"starts": datetime.date(2024, 2, 29)}]})
        self.assertEqual(data["stages"][0]["starts"], datetime.date(2025, 2, 28))


class EditByForm(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.organiser)
        self.client.post("/console/campaigns/new/", {"text": WALK_TOML})

    def _methods(self, *weights: str) -> list[dict[str, Any]]:
        titles = ("领导评议", "网络评议")
        codes = ("leaders", "online")
        inputs = ("scores", "ballots")
        return [
            {"code": codes[i], "title": titles[i], "weight": w, "input": inputs[i]}
            for i, w in enumerate(weights)
        ]

    def test_change_is_audited_as_a_readable_sentence(self) -> None:
        post = form_post(WALK, methods=self._methods("75", "25"))
        response = self.client.post("/console/c/walk-2026/edit/", post)
        self.assertRedirects(response, "/console/c/walk-2026/", fetch_redirect_response=False)
        entry = AuditEntry.objects.get(action="campaign.update")
        self.assertIn(
            "评议方法:新增 「网络评议」;「领导评议」(权重 100 → 75)", entry.detail["summary"]
        )
        log = self.client.get("/console/audit/").content.decode()
        self.assertIn("「领导评议」(权重 100 → 75)", log)
        # The text stored is a definition file: downloaded, it loads to the same campaign.
        download = self.client.get("/console/c/walk-2026/definition.toml")
        self.assertEqual(download["Content-Type"], "application/toml; charset=utf-8")
        self.assertIn("attachment", download["Content-Disposition"])
        stored = parse_definition(download.content.decode())
        self.assertEqual([m.weight for m in stored.methods], [Decimal(75), Decimal(25)])
        self.assertEqual(tomllib.loads(download.content.decode())["methods"][1]["code"], "online")

    def test_values_read_as_words_not_python(self) -> None:
        post = form_post({**WALK, "publish": True, "exclude": ["gaj", "water"]})
        self.client.post("/console/c/walk-2026/edit/", post)
        summary = AuditEntry.objects.get(action="campaign.update").detail["summary"]
        # One line for the campaign: 否/是 for a yes-no, codes joined with 、 (not ['gaj']).
        self.assertEqual(summary, ["活动:不参评单位 (无) → gaj、water,结果公开 否 → 是"])

    def test_saving_unchanged_forms_changes_nothing(self) -> None:
        response = self.client.post("/console/c/walk-2026/edit/", form_post(WALK))
        self.assertRedirects(response, "/console/c/walk-2026/", fetch_redirect_response=False)
        self.assertFalse(AuditEntry.objects.filter(action="campaign.update").exists())
        # The file as the organiser wrote it is kept.
        self.assertEqual(Campaign.objects.get().definition.strip(), WALK_TOML.strip())

    def test_published_campaign_needs_force(self) -> None:
        Campaign.objects.update(published_at=datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC))
        post = form_post(WALK, methods=self._methods("75", "25"))
        response = self.client.post("/console/c/walk-2026/edit/", post)
        self.assertEqual(response.status_code, 200)
        self.assertIn("已于 2026-12-01 发布", " ".join(response.context["editor"].page_errors))
        self.assertEqual(Campaign.objects.get().methods.count(), 1)
        self.assertContains(response, 'name="force"')
        post["force"] = "on"
        response = self.client.post("/console/c/walk-2026/edit/", post)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Campaign.objects.get().methods.count(), 2)
        self.assertIs(AuditEntry.objects.get(action="campaign.update").detail["forced"], True)

    def test_the_code_cannot_be_changed(self) -> None:
        post = form_post({**WALK, "code": "other-2026"})
        self.client.post("/console/c/walk-2026/edit/", post)
        self.assertEqual(list(Campaign.objects.values_list("code", flat=True)), ["walk-2026"])
