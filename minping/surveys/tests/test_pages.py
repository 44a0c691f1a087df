"""The respondent pages and the organiser's collection pages, through Django's test client."""

from __future__ import annotations

import base64
import csv
import datetime
import html
import io
import re
import zlib

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from minping.audit.models import AuditEntry
from minping.lib.tests.import_fixtures import make_campaign
from minping.surveys.actions import do_register_kiosk
from minping.surveys.models import Answer, Ballot, Comment, Invitation, Kiosk
from minping.surveys.questionnaires import settings_for
from minping.surveys.tests.helpers import form_for, issue, open_collection, window_link
from minping.surveys.tokens import format_code
from minping.surveys.views import KIOSK_COOKIE
from minping.test import BaseTestCase


def pdf_objects(body: bytes) -> bytes:
    """The PDF's text with every compressed stream inflated (page objects sit in object streams)."""
    parts = [body]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(parts)


def embedded(page: str, filename: str) -> bytes:
    """The file a page offers as ``<a download="filename" href="data:…;base64,…">``."""
    found = re.search(
        rf'download="{re.escape(filename)}" href="data:[^;"]+(?:;[^;"]+)*;base64,([^"]+)"', page
    )
    assert found, f"no download named {filename}"
    return base64.b64decode(html.unescape(found.group(1)))


class RespondentPagesTest(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.campaign = make_campaign("pages-2026", year=2026)
        self.questionnaire = open_collection(self.campaign)
        self.method = self.questionnaire.method

    def invitation_url(self, **options: object) -> str:
        token = issue(self.method, **options)[0].token  # type: ignore[arg-type]
        return reverse("surveys:invitation", args=[token])

    def test_an_invitation_for_one_unit_shows_its_questionnaire(self) -> None:
        url = self.invitation_url(unit=self.gaj)
        page = self.client.get(url)
        self.assertContains(page, "公安局")
        self.assertContains(page, "四风整治")
        # Five levels for each of three indicators, and one key to make the post idempotent.
        self.assertEqual(len(re.findall(r'type="radio" name="u0-', page.text)), 15)
        self.assertEqual(len(re.findall(r'name="key" value="[A-Za-z0-9_-]{32}"', page.text)), 1)
        self.assertEqual(page["Cache-Control"], "private, max-age=0")
        # Template syntax never leaks into the page (a two-line {# #} once did).
        self.assertNotRegex(page.text, r"\{[#%]")
        self.assertContains(page, '<meta name="referrer" content="same-origin">')

    def test_the_questionnaire_asks_citizens_and_says_who_runs_it(self) -> None:
        fallback = self.client.get(self.invitation_url(unit=self.gaj))
        self.assertContains(
            fallback, '<h1 id="questionnaire-title">请对公安局进行评价</h1>', html=True
        )
        self.assertContains(fallback, "2018年银川市群众评议机关作风 · 第三方测评")
        # Without an issuing office and phone in the definition, where to find them.
        self.assertContains(fallback, "请拨打邀请信、告示或二维码旁印有的核实电话")
        self.campaign.issuer = "银川市纠风办"
        self.campaign.verify_phone = "0951-6888123"
        self.campaign.save()
        page = self.client.get(self.invitation_url(unit=self.gaj, prefix="b"))
        self.assertContains(page, "本次评议由银川市纠风办组织。")
        self.assertContains(page, '<a href="tel:0951-6888123">0951-6888123</a>', html=True)
        pick = self.client.get(self.invitation_url(prefix="c"))
        self.assertContains(pick, "<h1>请选择您要评价的单位</h1>", html=True)
        self.assertContains(pick, "0951-6888123")
        both = self.client.post(
            self.invitation_url(prefix="d"), {"step": "pick", "unit": ["gaj", "water"]}
        )
        self.assertContains(
            both, '<h1 id="questionnaire-title">请对以下 2 个单位进行评价</h1>', html=True
        )
        code_page = self.client.get(reverse("surveys:code"))
        self.assertContains(code_page, "核实电话")

    def test_posting_stores_one_ballot_and_a_retry_shows_the_same_thanks(self) -> None:
        url = self.invitation_url(unit=self.gaj)
        data = form_for(self.questionnaire, "较好", **{"u0-comment": "态度很好"})
        first = self.client.post(url, data)
        self.assertRedirects(first, reverse("surveys:thanks"))
        retry = self.client.post(url, data)  # a double tap, or the back button and submit again
        self.assertRedirects(retry, reverse("surveys:thanks"))
        self.assertEqual(Ballot.objects.count(), 1)
        self.assertEqual(set(Answer.objects.values_list("level__label", flat=True)), {"较好"})
        self.assertEqual(Comment.objects.get().text, "态度很好")
        # A new form (new key) with the used invitation is refused in words.
        again = self.client.post(url, form_for(self.questionnaire, key="n" * 32))
        self.assertContains(again, "已经使用过", status_code=409)
        self.assertContains(self.client.get(url), "已经使用过", status_code=409)
        self.assertEqual(Ballot.objects.count(), 1)

    def test_a_missing_answer_redisplays_the_form_with_what_was_chosen(self) -> None:
        url = self.invitation_url(unit=self.gaj)
        data = form_for(self.questionnaire)
        del data["u0-fuwu"]
        page = self.client.post(url, data)
        self.assertContains(page, "请为“公安局”的“服务态度”选择一个评价", status_code=400)
        self.assertContains(page, 'value="好" checked', status_code=400)
        self.assertEqual(Ballot.objects.count(), 0)
        self.assertFalse(Invitation.objects.get().used)

    def test_unknown_expired_and_closed(self) -> None:
        unknown = self.client.get(reverse("surveys:invitation", args=["no-such-token"]))
        self.assertContains(unknown, "没有找到这个邀请码", status_code=404)
        old = issue(self.method, days=0, prefix="old")[0].token
        Invitation.objects.filter(holder_key__isnull=False).update(
            expires=timezone.localdate() - datetime.timedelta(days=1)
        )
        page = self.client.get(reverse("surveys:invitation", args=[old]))
        self.assertContains(page, "过期", status_code=410)
        fresh = self.invitation_url(prefix="fresh")
        settings = settings_for(self.method)
        settings.closed = True
        settings.save()
        self.assertContains(self.client.get(fresh), "评议已经结束", status_code=410)

    def test_picking_units_then_answering_each(self) -> None:
        url = self.invitation_url(category="两代表一委员")
        pick = self.client.get(url)
        self.assertContains(pick, 'value="gaj"')
        self.assertContains(pick, 'value="water"')
        self.assertNotContains(pick, 'value="gaj-w1"')  # a window is not a unit to pick
        nothing = self.client.post(url, {"step": "pick"})
        self.assertContains(nothing, "请至少选择一个", status_code=400)
        page = self.client.post(url, {"step": "pick", "unit": ["gaj", "water"]})
        self.assertContains(page, "水务集团")
        self.assertNotContains(page, 'name="category"')  # the invitation says the category
        data = {"step": "answer", "unit": ["gaj", "water"], "key": "p" * 32}
        for index in (0, 1):
            data.update({f"u{index}-{c}": "一般" for c in self.questionnaire.indicator_codes})
        self.assertRedirects(self.client.post(url, data), reverse("surveys:thanks"))
        self.assertEqual(
            sorted(Ballot.objects.values_list("unit__code", "category")),
            [("gaj", "两代表一委员"), ("water", "两代表一委员")],
        )
        window_unit = {**data, "unit": ["gaj-w1"], "key": "q" * 32}
        forged = self.client.post(self.invitation_url(prefix="f"), window_unit)
        self.assertContains(forged, "不在本次评议范围", status_code=400)

    def test_the_short_code_leads_to_the_same_questionnaire(self) -> None:
        issued = issue(self.method, unit=self.water)[0]
        url = reverse("surveys:code")
        self.assertContains(self.client.get(url), "10 位邀请码")
        typed = format_code(issued.code).lower().replace("-", " ")
        page = self.client.post(url, {"step": "code", "code": typed})
        self.assertContains(page, "水务集团")
        data = form_for(self.questionnaire, code=format_code(issued.code))
        self.assertRedirects(self.client.post(url, data), reverse("surveys:thanks"))
        self.assertEqual(Ballot.objects.get().unit, self.water)

    def test_wrong_codes_are_limited(self) -> None:
        url = reverse("surveys:code")
        bad = self.client.post(url, {"code": "0000"})
        self.assertContains(bad, "10 位字母和数字", status_code=400)
        for _ in range(9):
            self.client.post(url, {"code": "ABCDEFGHJK"})
        locked = self.client.post(url, {"code": "ABCDEFGHJK"})
        self.assertContains(locked, "次数太多", status_code=429)

    def test_a_window_link_rates_its_window_once_per_interval(self) -> None:
        link = window_link(self.method, self.gaj_window)
        url = reverse("surveys:window", args=[link.slug])
        self.assertContains(self.client.get(url), "户政窗口")
        self.assertRedirects(self.client.post(url, form_for(self.questionnaire)), "/s/thanks/")
        # 一次一评 per device (test_limits.py has the hall and the proxy): said at page open.
        self.assertContains(self.client.get(url), "刚刚已经评价过", status_code=429)
        again = self.client.post(url, form_for(self.questionnaire, key="z" * 32))
        self.assertContains(again, "刚刚已经评价过", status_code=429)
        ballot = Ballot.objects.get()
        self.assertEqual((ballot.unit, ballot.channel), (self.gaj_window, "window"))
        link.active = False
        link.save()
        self.assertContains(self.client.get(url), "已停用", status_code=404)

    def test_a_kiosk_is_paired_once_and_resets_after_each_ballot(self) -> None:
        link = window_link(self.method, self.gaj_window)
        kiosk, token = do_register_kiosk(self.organiser, link, "平板一号")
        self.assertContains(self.client.get(reverse("surveys:kiosk")), "还不是评价终端")
        pair_url = reverse("surveys:kiosk_pair", args=[token])
        self.assertContains(self.client.get(pair_url), "户政窗口")
        self.assertRedirects(self.client.post(pair_url), reverse("surveys:kiosk"))
        self.assertIn(KIOSK_COOKIE, self.client.cookies)
        self.assertContains(self.client.get(pair_url), "已经用过", status_code=404)
        page = self.client.get(reverse("surveys:kiosk"))
        self.assertContains(page, "户政窗口")
        self.assertNotContains(page, "English")  # nothing but the questionnaire
        posted = self.client.post(reverse("surveys:kiosk"), form_for(self.questionnaire))
        self.assertRedirects(posted, reverse("surveys:kiosk_thanks"))
        thanks = self.client.get(reverse("surveys:kiosk_thanks"))
        self.assertContains(thanks, 'http-equiv="refresh" content="5;url=/s/kiosk/"')
        self.assertEqual(Ballot.objects.get().channel, "kiosk")
        too_soon = self.client.post(
            reverse("surveys:kiosk"), form_for(self.questionnaire, key="y" * 32)
        )
        self.assertContains(too_soon, "请稍等", status_code=429)
        Kiosk.objects.filter(pk=kiosk.pk).update(revoked=True)
        self.assertContains(self.client.get(reverse("surveys:kiosk")), "还不是评价终端")

    def test_a_window_channel_turned_off_is_said_so(self) -> None:
        link = window_link(self.method, self.gaj_window)
        settings = settings_for(self.method)
        settings.channels = ["invitation", "kiosk"]
        settings.save()
        url = reverse("surveys:window", args=[link.slug])
        self.assertContains(self.client.get(url), "不接受窗口评价", status_code=403)
        posted = self.client.post(url, form_for(self.questionnaire))
        self.assertContains(posted, "不接受窗口评价", status_code=403)
        self.assertEqual(Ballot.objects.count(), 0)

    def test_a_forged_kiosk_cookie_is_not_a_kiosk(self) -> None:
        self.client.cookies[KIOSK_COOKIE] = "forged"
        self.assertContains(self.client.get(reverse("surveys:kiosk")), "还不是评价终端")

    def test_a_stale_form_without_a_key_is_refused_in_words(self) -> None:
        url = self.invitation_url(unit=self.gaj)
        page = self.client.post(url, form_for(self.questionnaire, key="bad"))
        self.assertContains(page, "已经失效", status_code=400)

    def test_english_on_request(self) -> None:
        url = self.invitation_url(unit=self.gaj)
        switched = self.client.post(reverse("surveys:language"), {"language": "en", "next": url})
        self.assertRedirects(switched, url, fetch_redirect_response=False)
        page = self.client.get(url)
        self.assertContains(page, 'lang="en"')
        self.assertContains(page, "Submit")
        outside = self.client.post(
            reverse("surveys:language"), {"language": "en", "next": "https://evil.example/"}
        )
        self.assertEqual(outside["Location"], "/")


class OrganiserPagesTest(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.campaign = make_campaign("org-2026", year=2026)
        self.method = self.campaign.methods.get(code="third_party")
        settings = settings_for(self.method)
        settings.channels = ["invitation", "window", "kiosk"]
        settings.save()
        self.client.force_login(self.organiser)

    def test_the_campaign_page_counts_by_channel_and_leaders_only_read(self) -> None:
        questionnaire = open_collection(self.campaign)
        link = window_link(self.method, self.gaj_window)
        do_register_kiosk(self.organiser, link, "户政平板")
        issue(self.method, 3)
        self.client.post(
            reverse("surveys:window", args=[link.slug]), form_for(questionnaire, key="c" * 32)
        )
        url = reverse("surveys:campaign", args=[self.campaign.code])
        page = self.client.get(url)
        self.assertContains(page, "第 1 版")
        self.assertContains(page, "已发 3 个,已使用 0 个")
        self.assertContains(page, "窗口扫码 1 份")
        self.assertContains(page, "户政平板 · 户政窗口 · 待配对")
        self.assertContains(page, "发放邀请码")
        self.client.force_login(self.leader)
        read_only = self.client.get(url)
        self.assertContains(read_only, "窗口扫码 1 份")
        self.assertNotContains(read_only, "发放邀请码")
        self.assertNotContains(read_only, "登记</button>")

    def test_opening_collection_freezes_the_questionnaire(self) -> None:
        url = reverse("surveys:freeze", args=[self.campaign.code, "third_party"])
        self.assertContains(self.client.post(url), "第 1 版")
        self.assertContains(self.client.post(url), "第 1 版")  # nothing changed: same version
        bad = reverse("surveys:freeze", args=[self.campaign.code, "leaders"])
        self.assertEqual(self.client.post(bad).status_code, 404)  # a score method has no form

    def test_issuing_shows_the_codes_once_and_they_work(self) -> None:
        open_collection(self.campaign)
        url = reverse("surveys:invite", args=[self.campaign.code, "third_party"])
        expires = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
        holders = "张三,13800000001\n张三,13800000001\n李四\t13900000002\n"
        page = self.client.post(url, {"holders": holders, "expires": expires, "unit": "gaj"})
        self.assertContains(page, "已生成 2 个邀请码")
        self.assertContains(page, "data:image/svg+xml")
        links = re.findall(r"http://testserver(/s/i/[A-Za-z0-9_-]+/)", page.text)
        self.assertEqual(len(set(links)), 2)
        # The Excel and CSV copies hold the same links and codes as the page.
        sheet = load_workbook(io.BytesIO(embedded(page.text, "邀请码.xlsx"))).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(rows[0], ("姓名", "邀请链接", "短码", "有效期至"))
        self.assertEqual(
            sorted(r[1] for r in rows[1:]), sorted(f"http://testserver{u}" for u in set(links))
        )
        self.assertEqual({r[0] for r in rows[1:]}, {"张三", "李四"})
        self.assertTrue(
            all(re.fullmatch(r"[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}", r[2]) for r in rows[1:])
        )
        csv_rows = list(
            csv.reader(io.StringIO(embedded(page.text, "邀请码.csv").decode("utf-8-sig")))
        )
        self.assertEqual([tuple(r) for r in csv_rows], [tuple(map(str, r)) for r in rows])
        self.client.logout()
        self.assertContains(self.client.get(links[0]), "公安局")
        self.assertEqual(AuditEntry.objects.get(action="invitation.issue").detail["issued"], 2)

    def test_bad_invitation_lists_are_reported(self) -> None:
        url = reverse("surveys:invite", args=[self.campaign.code, "third_party"])
        page = self.client.post(
            url, {"holders": "只有名字\n", "expires": "2000-01-01", "unit": "nowhere"}
        )
        self.assertContains(page, "有效期不能早于今天", status_code=400)
        page = self.client.post(url, {"holders": "只有名字\n", "expires": "2099-01-01"})
        self.assertContains(page, "第 1 行", status_code=400)
        self.assertEqual(Invitation.objects.count(), 0)

    def test_the_window_sheet_is_an_a5_pdf(self) -> None:
        open_collection(self.campaign)
        self.client.post(reverse("surveys:windows", args=[self.campaign.code, "third_party"]))
        link = self.method.window_links.get()
        self.assertEqual(link.unit, self.gaj_window)
        pdf = self.client.get(reverse("surveys:window_sheet", args=[link.pk]))
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        body = pdf.content
        self.assertTrue(body.startswith(b"%PDF-"))
        # A5 is 148 × 210 mm = 419.53 × 595.28 points.
        text = pdf_objects(body)
        boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", text)
        self.assertEqual(len(boxes), 1)  # one page
        self.assertAlmostEqual(float(boxes[0][0]), 419.53, delta=0.5)
        self.assertAlmostEqual(float(boxes[0][1]), 595.28, delta=0.5)
        # The Chinese font is embedded, so the window's name prints as characters, not boxes.
        self.assertRegex(text, rb"/BaseFont\s*/[A-Z]{6}\+WenQuanYi")

    def test_registering_a_kiosk_gives_a_pairing_link(self) -> None:
        open_collection(self.campaign)
        link = window_link(self.method, self.gaj_window)
        page = self.client.post(reverse("surveys:register_kiosk", args=[link.pk]), {"name": "一号"})
        self.assertRegex(page.text, r"/s/kiosk/pair/[A-Za-z0-9_-]{32}/")
        empty = self.client.post(reverse("surveys:register_kiosk", args=[link.pk]), {"name": ""})
        self.assertEqual(empty.status_code, 400)

    def test_marking_a_comment_from_the_list(self) -> None:
        comment = Comment.objects.create(
            campaign=self.campaign, unit=self.gaj, date=timezone.localdate(), text="办事推诿"
        )
        url = reverse("surveys:comments", args=[self.campaign.code])
        self.assertContains(self.client.get(url), "办事推诿")
        self.client.post(reverse("surveys:mark_comment", args=[comment.pk]), {"follow_up": "1"})
        comment.refresh_from_db()
        self.assertTrue(comment.follow_up)
        self.assertContains(self.client.get(url + "?follow_up=1"), "办事推诿")
        Comment.objects.filter(pk=comment.pk).update(case_number="WT-2026-001")
        refused = self.client.post(
            reverse("surveys:mark_comment", args=[comment.pk]), {"follow_up": "0"}
        )
        self.assertContains(refused, "WT-2026-001", status_code=400)

    @override_settings(MINPING_CATEGORY_THRESHOLD=5)
    def test_category_counts_below_five_are_hidden(self) -> None:
        for _ in range(6):
            Ballot.objects.create(
                campaign=self.campaign,
                method=self.method,
                unit=self.gaj,
                date=timezone.localdate(),
                category="办事群众",
            )
        Ballot.objects.create(
            campaign=self.campaign,
            method=self.method,
            unit=self.gaj,
            date=timezone.localdate(),
            category="农村居民",
        )
        page = self.client.get(
            reverse("surveys:categories", args=[self.campaign.code, "third_party"])
        )
        # 办事群众 6 and 农村居民 1: the 1 is hidden, and with it the 6 (else 7 − 6 = 1).
        self.assertContains(page, "<td>7</td>")
        self.assertNotContains(page, "<td>6</td>")
        self.assertNotContains(page, "<td>1</td>")


class SettingsPageTest(BaseTestCase):
    def test_settings_are_saved_audited_and_checked(self) -> None:
        campaign = make_campaign("set-2026", year=2026)
        self.client.force_login(self.organiser)
        url = reverse("surveys:settings", args=[campaign.code, "third_party"])
        self.assertContains(self.client.get(url), "办事群众")  # the R-18 defaults
        data = {
            "channels": ["invitation", "window"],
            "categories": "办事群众\n企业办事人员\n办事群众\n",
            "target": "500",
            "rounds": "2",
            "round_target": "100",
            "current_round": "1",
            "opens": "2026-07-01",
            "closes": "2026-08-31",
            "window_interval": "120",
            "kiosk_interval": "15",
        }
        self.assertContains(self.client.post(url, data), "已保存")
        settings = settings_for(campaign.methods.get(code="third_party"))
        self.assertEqual(settings.channels, ["invitation", "window"])
        self.assertEqual(settings.categories, ["办事群众", "企业办事人员"])
        self.assertEqual((settings.target, settings.rounds, settings.round_target), (500, 2, 100))
        entry = AuditEntry.objects.get(action="collection.settings")
        self.assertEqual(entry.detail["changed"]["target"], [0, 500])
        bad = self.client.post(url, {**data, "current_round": "3", "closes": "2026-06-01"})
        self.assertContains(bad, "当前轮次应在 1 到 2 之间", status_code=400)
        self.assertContains(bad, "截止日期不能早于开始日期", status_code=400)
        self.assertEqual(AuditEntry.objects.filter(action="collection.settings").count(), 1)

    def test_category_quotas_are_read_line_by_line_and_checked(self) -> None:
        campaign = make_campaign("quota-2026", year=2026)
        self.client.force_login(self.organiser)
        url = reverse("surveys:settings", args=[campaign.code, "third_party"])
        data = {
            "categories": "办事群众\n企业办事人员\n",
            "target": "0",
            "rounds": "1",
            "round_target": "0",
            "current_round": "1",
            "window_interval": "120",
            "kiosk_interval": "15",
        }
        method = campaign.methods.get(code="third_party")
        for quotas, problem in (
            ("办事群众 多", "第 1 行应为“类别 份数”"),
            ("办事群众 0", "第 1 行应为“类别 份数”"),
            ("办事群众 3\n办事群众 4", "第 2 行:类别“办事群众”重复"),
            ("农村居民 3", "“农村居民”不在评议主体类别中"),
        ):
            page = self.client.post(url, {**data, "category_quotas": quotas})
            self.assertContains(page, problem, status_code=400)
        self.assertEqual(settings_for(method).category_quotas, {})  # nothing was saved
        # A space, a full-width colon or full-width digits all read the same.
        quotas = "办事群众 30\n\n企业办事人员：１０\n"
        self.assertContains(self.client.post(url, {**data, "category_quotas": quotas}), "已保存")
        self.assertEqual(settings_for(method).category_quotas, {"办事群众": 30, "企业办事人员": 10})
        entry = AuditEntry.objects.get(action="collection.settings")
        self.assertEqual(
            entry.detail["changed"]["category_quotas"], [{}, {"办事群众": 30, "企业办事人员": 10}]
        )
        self.assertContains(self.client.get(url), "办事群众 30\n企业办事人员 10")
