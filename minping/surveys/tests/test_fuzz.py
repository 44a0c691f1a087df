"""Hypothesis against every public page: whatever is posted, never a 500, always words.

Run on SQLite and on PostgreSQL (which refuses NUL characters in text, a
classic source of 500s).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.core import signing
from django.core.cache import cache
from django.http.response import HttpResponseBase
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Group, Unit
from minping.surveys.actions import do_pair_kiosk, do_register_kiosk
from minping.surveys.models import Comment
from minping.surveys.phones import VERIFIED_COOKIE, VERIFIED_SALT, phone_key
from minping.surveys.tests.helpers import issue, open_collection, window_link
from minping.surveys.views import KIOSK_COOKIE, KIOSK_SALT

FIELDS = [
    "step", "key", "code", "category", "unit", "u0-sifeng", "u0-sanbuwei", "u0-fuwu",
    "u0-comment", "u1-sifeng", "u1-comment", "language", "next", "name", "phone",
]  # fmt: skip
# Printable or not, but encodable: a browser cannot send a lone surrogate.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
LIKELY = st.sampled_from(
    ["好", "较好", "差", "answer", "pick", "code", "gaj", "water", "gaj-w1", "办事群众",
     "k" * 32, "ABCDE-FGHJK", "", "\x00", "/s/thanks/", "en", "zh-hans", "x" * 3000,
     "send", "verify", "13912345678", "123456"]
)  # fmt: skip
VALUES = st.lists(st.one_of(LIKELY, TEXT), min_size=1, max_size=3)
POSTS = st.dictionaries(st.one_of(st.sampled_from(FIELDS), TEXT), VALUES, max_size=10)
PATH_TEXT = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="/?#"), min_size=1, max_size=50
)
CJK = re.compile(r"[\u4e00-\u9fff]")


# Codes the fuzzer asks for go to a throw-away outbox, not the data directory.
@override_settings(MINPING_SMS_OUTBOX=str(Path(tempfile.gettempdir()) / "minping-fuzz-sms.jsonl"))
class PublicPagesFuzzTest(TestCase):
    fixed: str
    picking: str
    slug: str
    kiosk_cookie: str
    pair_token: str
    phone_cookie: str

    @classmethod
    def setUpTestData(cls) -> None:
        group = Group.objects.create(code="agencies", name="机关")
        gaj = Unit.objects.create(code="gaj", name="公安局", group=group)
        Unit.objects.create(code="water", name="水务集团", group=group)
        window = Unit.objects.create(code="gaj-w1", name="户政窗口", parent=gaj)
        campaign = make_campaign("fuzz-2026", year=2026, groups=["agencies"])
        channels = ["invitation", "window", "kiosk", "online"]
        method = open_collection(campaign, channels=channels).method
        cls.phone_cookie = signing.dumps(phone_key("13912345678"), salt=VERIFIED_SALT)
        cls.fixed = issue(method, unit=gaj, prefix="fixed")[0].token
        cls.picking = issue(method, prefix="pick")[0].token
        link = window_link(method, window)
        cls.slug = link.slug
        kiosk, token = do_register_kiosk(None, link, "平板")
        do_pair_kiosk(token)
        cls.kiosk_cookie = signing.dumps(str(kiosk.pk), salt=KIOSK_SALT)
        cls.pair_token = do_register_kiosk(None, link, "平板二")[1]

    def urls(self) -> list[str]:
        return [
            f"/s/i/{self.fixed}/",
            f"/s/i/{self.picking}/",
            "/s/i/unknown-token-abcdef/",
            "/s/code/",
            f"/s/w/{self.slug}/",
            "/s/kiosk/",
            f"/s/kiosk/pair/{self.pair_token}/",
            "/s/language/",
            "/s/o/fuzz-2026/third_party/",
            "/s/o/fuzz-2026/third_party/gaj/",
        ]

    def check(self, response: HttpResponseBase) -> None:
        self.assertLess(response.status_code, 500)
        if response.status_code >= 400:
            body = getattr(response, "content", b"").decode()
            self.assertIn('role="alert"', body, body[:500])
            self.assertRegex(body, CJK)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(index=st.integers(0, 9), post=POSTS, as_kiosk=st.booleans())
    def test_any_post(self, index: int, post: dict[str, Any], as_kiosk: bool) -> None:
        cache.clear()
        # The same flag stands for a paired kiosk and a verified phone: both are cookies.
        if as_kiosk:
            self.client.cookies[KIOSK_COOKIE] = self.kiosk_cookie
            self.client.cookies[VERIFIED_COOKIE] = self.phone_cookie
        else:
            self.client.cookies.pop(KIOSK_COOKIE, None)
            self.client.cookies.pop(VERIFIED_COOKIE, None)
        self.check(self.client.post(self.urls()[index], post))

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(index=st.integers(0, 6), query=POSTS)
    def test_any_query(self, index: int, query: dict[str, Any]) -> None:
        self.check(self.client.get(self.urls()[index], query))

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(prefix=st.sampled_from(["/s/i/", "/s/w/", "/s/kiosk/pair/"]), token=PATH_TEXT)
    def test_any_token_in_the_path(self, prefix: str, token: str) -> None:
        response = self.client.get(f"{prefix}{quote(token, safe='')}/")
        self.assertLess(response.status_code, 500)
        if response.status_code == 404 and token not in (".", ".."):
            self.assertRegex(response.content.decode(), CJK)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(cookie=TEXT)
    def test_any_kiosk_cookie(self, cookie: str) -> None:
        self.client.cookies[KIOSK_COOKIE] = quote(cookie)
        self.check(self.client.get("/s/kiosk/"))

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        comment=st.one_of(TEXT, st.just("\x00意见\x00"), st.text(max_size=2100)),
        category=st.one_of(st.just("办事群众"), TEXT),
        extra=POSTS,
        level=st.sampled_from(["好", "较好", "一般", "较差", "差"]),
    )
    def test_whole_forms_with_noise(
        self, comment: str, category: str, extra: dict[str, Any], level: str
    ) -> None:
        # A complete, valid questionnaire with odd comments and stray fields reaches the store.
        cache.clear()
        form: dict[str, Any] = {**extra}
        form.update({f"u0-{code}": level for code in ("sifeng", "sanbuwei", "fuwu")})
        form.update({"step": "answer", "key": "w" * 32, "category": category})
        form["u0-comment"] = comment
        response = self.client.post(f"/s/w/{self.slug}/", form)
        self.check(response)
        if response.status_code == 302:
            stored = Comment.objects.filter(text=comment.replace("\x00", "").strip())
            self.assertEqual(stored.exists(), bool(comment.replace("\x00", "").strip()))
