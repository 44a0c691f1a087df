"""The site-wide Content-Security-Policy, and templates that keep to it."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from minping.lib.csp import POLICY
from minping.test import BaseTestCase

# Rendered by WeasyPrint into PDF files, never sent to a browser: their inline <style> is fine.
PDF_TEMPLATES = {"cases/card_pdf.html", "surveys/window_sheet.html"}
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on…= handler"),
    (re.compile(r"javascript:", re.I), "a javascript: address"),
    (re.compile(r"hx-on|hx-vals\s*=\s*['\"]js:", re.I), "htmx code in an attribute"),
]


class PolicyTestCase(BaseTestCase):
    def test_every_kind_of_response_carries_the_policy(self) -> None:
        self.assertIn("script-src 'self'", POLICY)
        self.assertNotIn("unsafe", POLICY)
        for url in ("/", "/login/", "/no-such-page/", "/admin/login/", "/api/docs"):
            with self.subTest(url):
                self.assertEqual(self.client.get(url)["Content-Security-Policy"], POLICY)
        self.client.force_login(self.organiser)
        for url in ("/console/", "/console/units/", "/admin/", "/console/users/"):
            with self.subTest(url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Security-Policy"], POLICY)

    def test_no_template_holds_inline_script_or_style(self) -> None:
        # The project's own templates (django-ninja's folder, also in DIRS, is not ours to change).
        base = Path(settings.BASE_DIR)
        dirs = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]  # type: ignore[attr-defined]
        # A virtual environment may live inside the project (``.venv``): its packages are not ours.
        folders = [d for d in dirs if d.is_relative_to(base) and "site-packages" not in d.parts]
        folders += list((Path(settings.BASE_DIR) / "minping").glob("*/templates"))
        found = []
        for folder in folders:
            for path in folder.rglob("*.html"):
                name = path.relative_to(folder).as_posix()
                if name in PDF_TEMPLATES:
                    continue
                text = path.read_text(encoding="utf-8")
                for pattern, what in INLINE:
                    for match in pattern.finditer(text):
                        line = text.count("\n", 0, match.start()) + 1
                        found.append(f"{name}:{line}: {what}")
        self.assertEqual(found, [])
        self.assertTrue(any(f.exists() for f in folders))
