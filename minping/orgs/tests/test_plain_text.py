"""Every page every role can open, read as a person reads it: no codes, no rule numbers, no
Python values (issue 12 item 6).

The pages come from the access tables (``minping/*/tests/access_table.py``), so a page added
with its access rows is walked here too. The codes come from the database of the access matrix's
world, which names units, methods and indicators the way real campaigns do (``gaj``,
``leaders``, ``sifeng``), plus every stored choice value (sources, states, channels, roles).
A code may appear where a person does not read it: in ``<code>`` (for power users), in
scripts, styles and attributes, and in the values of form fields.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from html.parser import HTMLParser

from django.apps import apps
from django.db.models import Model
from django.test import Client, TestCase
from django.urls import reverse

from minping.campaigns.models import (
    Campaign,
    DeductionRule,
    DeductionSource,
    Indicator,
    Method,
    MethodScore,
    Stage,
    VetoRule,
)
from minping.cases import actions as case_actions
from minping.orgs.models import Group, Unit
from minping.orgs.tests.matrix import ROLES, Expect, World
from minping.orgs.tests.test_access_matrix import access_tables
from minping.oversight import actions as oversight_actions
from minping.oversight.models import Deduction
from minping.scoring import actions as scoring_actions

# Elements whose text nobody reads as prose.
UNREAD = {"script", "style", "code", "template", "kbd", "samp"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr"}
# What a person sees of a Python value or a rule of the seed plans.
PATTERNS = [
    (re.compile(r"(?<![A-Za-z0-9])[RS]-\d+"), "rule number"),
    (re.compile(r"\{'|'\}|\['"), "Python value"),
    (re.compile(r"(?<![A-Za-z])(None|True|False)(?![A-Za-z])"), "Python value"),
    (re.compile(r"(?<![A-Za-z0-9/])[a-z][a-z0-9_-]*:[a-z_][a-z0-9_-]*"), "code:code"),
    # Not a file name (units_template.xlsx) nor part of a path.
    (re.compile(r"(?<![A-Za-z0-9/.])[a-z]+_[a-z_]+(?![A-Za-z0-9.])"), "snake_case code"),
]
# Only the Python values count inside form fields a person edits.
FIELD_PATTERNS = PATTERNS[1:3]


class VisibleText(HTMLParser):
    """The text a reader sees: element text, button labels, placeholders and option labels."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.fields: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("type") in ("submit", "button"):
            self.text.append(values.get("value") or "")
        for seen in ("placeholder", "title", "aria-label", "alt"):
            if values.get(seen):
                self.text.append(values[seen] or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if UNREAD.intersection(self.stack):
            return
        (self.fields if "textarea" in self.stack else self.text).append(data)


def visible_text(html: str) -> tuple[str, str]:
    """(what is read, what is in text areas) of one page."""
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.text), " ".join(parser.fields)


def stored_codes() -> set[str]:
    """The codes of the world's objects and every choice value the models store."""
    found: set[str] = set()
    coded: list[type[Model]] = [Campaign, Group, Unit, Method, Indicator, Stage, DeductionSource]
    coded += [DeductionRule, VetoRule]
    for model in coded:
        found.update(model._default_manager.values_list("code", flat=True))
    for stored in apps.get_models():
        if not stored.__module__.startswith("minping."):
            continue
        for field in stored._meta.get_fields():
            for value, _ in getattr(field, "choices", None) or []:
                if isinstance(value, str):
                    found.add(value)
    # Codes that are also words or numbers people read (12345 is the hotline).
    return {c for c in found if re.search("[a-z]", c) and len(c) > 1}


def code_pattern(codes: set[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(c) for c in sorted(codes, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_.@/-])({alternatives})(?![A-Za-z0-9_.@-])")


def findings(html: str, codes: re.Pattern[str]) -> list[str]:
    text, fields = visible_text(html)
    found = [f"code “{m.group(1)}”: …{_around(text, m)}…" for m in codes.finditer(text)]
    for pattern, what in PATTERNS:
        found += [f"{what} “{m.group(0)}”: …{_around(text, m)}…" for m in pattern.finditer(text)]
    for pattern, what in FIELD_PATTERNS:
        found += [f"{what} in a field “{m.group(0)}”" for m in pattern.finditer(fields)]
    return found


def _around(text: str, match: re.Match[str]) -> str:
    return " ".join(text[max(0, match.start() - 30) : match.end() + 30].split())


class VisibleTextTest(TestCase):
    """The parser itself: what counts as seen."""

    def test_codes_in_code_scripts_and_attributes_are_not_seen(self) -> None:
        codes = code_pattern({"gaj", "leaders"})
        html = (
            '<p title="公安局">公安局 <code>gaj</code></p><script>var m = "leaders";</script>'
            '<a href="/u/gaj/">公安局</a><input name="unit" value="gaj">'
            '<select><option value="leaders">领导评议</option></select>'
        )
        self.assertEqual(findings(html, codes), [])

    def test_codes_and_python_values_in_text_are_seen(self) -> None:
        codes = code_pattern({"gaj", "leaders", "gaj-w1"})
        html = (
            "<p>公安局(gaj)</p><option>leaders</option><td>None</td><p>依据 R-18</p>"
            "<pre>{'unit': 1}</pre><p>leaders:gaj</p><textarea>True</textarea>"
            '<input type="submit" value="gaj-w1"><p>pending_review</p>'
        )
        found = "\n".join(findings(html, codes))
        for seen in ("“gaj”", "“leaders”", "“None”", "“R-18”", "“{'”", "“leaders:gaj”"):
            self.assertIn(seen, found)
        self.assertIn("in a field “True”", found)
        self.assertIn("“gaj-w1”", found)
        self.assertIn("“pending_review”", found)

    def test_words_that_merely_contain_a_code_are_not_codes(self) -> None:
        codes = code_pattern({"gaj", "web"})
        html = (
            "<p>网址 https://example.org/web/ 邮箱 gaj@example.org gajx 12:30 web.csv"
            " 模板 units_template.xlsx</p>"
        )
        self.assertEqual(findings(html, codes), [])


PEOPLE = ["zhangsan", "lisi", "wangwu", "zhaoliu", "sunqi", "zhouba", "wujiu", "zhengshi"]
PEOPLE += ["fengyi", "chener", "chusan", "weisi"]


class PlainTextWalkTest(TestCase):
    """Every GET page of the access tables, as every role, in the matrix's world."""

    world: World
    expectations: list[Expect]

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = World.create()
        # People sign in with their own names, not with role codes as the matrix's users do.
        for number, user in enumerate(cls.world.users.values()):
            user.username = f"{PEOPLE[number]}"
            user.save()
        cls.expectations = []
        for table in access_tables():
            if hasattr(table, "build"):
                table.build(cls.world)
            cls.expectations.extend(table.EXPECT)
        cls.build_history(cls.world)

    @staticmethod
    def build_history(world: World) -> None:
        """What the audit log and the case pages show after a few days of real use."""
        organiser = world.users["organiser"]
        deduction = Deduction.objects.filter(campaign=world.campaign).first()
        assert deduction is not None
        oversight_actions.do_sign_off(deduction, actor=world.users["source_head"])
        oversight_actions.do_accept(deduction, actor=organiser, reason="证据充分")
        key, _ = case_actions.do_issue_api_key(source="12345", name="12345热线", actor=organiser)
        for source, summary, extra in (
            ("web", "窗口办事推诿", {"actor": case_actions.PUBLIC_WEB}),
            (
                "12345",
                "热线反映态度差",
                {"api_key": key, "external_id": "h-1", "actor": case_actions.api_actor(key)},
            ),
        ):
            case = case_actions.do_register_case(
                source=source,
                summary=summary,
                unit=world.gaj,
                registered_on=datetime.date(2026, 3, 16),
                **extra,
            )
            case_actions.do_transfer(case, unit=world.gaj, actor=organiser)
            world.extra[f"history_{source}"] = case.number
        # Results computed with the leaders' scores of one unit only: the missing ones are named.
        leaders = Method.objects.get(campaign=world.campaign, code="leaders")
        MethodScore.objects.create(
            campaign=world.campaign, method=leaders, unit=world.gaj, score=Decimal("88.5")
        )
        scoring_actions.do_compute_results(world.campaign, actor=organiser)

    def test_no_code_on_any_page(self) -> None:
        codes = code_pattern(stored_codes())
        problems: list[str] = []
        walked = 0
        for url, allowed in self.urls().items():
            # Every role allowed, and one refused (the refusal pages are alike for all).
            refused = [r for r in ROLES if r not in allowed][:1]
            for role in [r for r in ROLES if r in allowed] + refused:
                client = Client()
                if role != "anonymous":
                    client.force_login(self.world.users[role])
                response = client.get(url)
                if not response.get("Content-Type", "").startswith("text/html"):
                    continue
                walked += 1
                html = response.content.decode()
                problems += [f"{url} ({role}): {f}" for f in findings(html, codes)]
        # The walk must have read the pages, not only refusals and downloads.
        self.assertGreater(walked, 100)
        self.assertEqual(problems, [], "\n" + "\n".join(sorted(set(problems))))

    def test_case_timelines_name_the_public_and_the_other_system(self) -> None:
        client = Client()
        client.force_login(self.world.users["organiser"])
        web = client.get(reverse("cases:detail", args=[self.world.extra["history_web"]]))
        self.assertContains(web, "登记</strong> · 群众(网上)")
        hotline = client.get(reverse("cases:detail", args=[self.world.extra["history_12345"]]))
        self.assertContains(hotline, "登记</strong> · 12345热线(接口)")
        # The matrix's case was registered from the shell.
        shell = client.get(reverse("cases:detail", args=[self.world.extra["case"]]))
        self.assertContains(shell, "登记</strong> · 命令行")

    def urls(self) -> dict[str, set[str]]:
        """Each URL once, with every role some row allows on it; the pages behind POST rows
        are read by GET too (their forms)."""
        seen: dict[str, set[str]] = {}
        for expect in self.expectations:
            kwargs = expect.kwargs(self.world) if expect.kwargs else {}
            url = reverse(expect.name, kwargs=kwargs)
            if expect.query:
                url += f"?{expect.query}"
            seen.setdefault(url, set()).update(expect.allow)
        return seen
