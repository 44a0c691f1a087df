"""Printable invitation letters (A4 or A5, one a page) with the QR code and the short code.

Rendered by WeasyPrint from ``templates/panels/letters.html`` and its stylesheet
``letters.css`` (a separate file: pages served to browsers carry no inline style,
and this template is kept to the same rule). The QR code is a PNG, drawn without
smoothing, so that a printer reproduces its modules exactly. A letter names the
person only where the pool gave a name.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import segno
from django.template.loader import render_to_string
from django.utils import timezone

from minping.campaigns.models import Method
from minping.panels.actions import Letter
from minping.surveys.tokens import format_code

# Each QR module is this many pixels: about 200 dots per inch at the printed size.
QR_SCALE = 8


@dataclass(frozen=True)
class Letterhead:
    issuer: str
    verify_phone: str
    paper: str  # "A4" or "A5"


def qr_png(url: str) -> str:
    """The link as a QR code, a PNG data URI (medium error correction survives a crease)."""
    return str(segno.make(url, error="m").png_data_uri(scale=QR_SCALE, border=2))


def letters_pdf(
    method: Method,
    letters: Sequence[Letter],
    head: Letterhead,
    *,
    link: Callable[[str], str],
    code_url: str,
    today: datetime.date | None = None,
) -> bytes:
    """One page per letter; ``link(token)`` makes the invitation's public address."""
    from weasyprint import CSS, HTML  # imported late: loading Pango takes a moment

    pages = []
    for letter in letters:
        url = link(letter.token)
        pages.append(
            {
                "names": "、".join(letter.names),
                "unit": letter.unit,
                "url": url,
                "qr": qr_png(url),
                "code": format_code(letter.code),
                "expires": letter.expires,
            }
        )
    context = {
        "campaign": method.campaign,
        "method": method,
        "letters": pages,
        "head": head,
        "code_url": code_url,
        "today": today or timezone.localdate(),
    }
    html = render_to_string("panels/letters.html", context)
    css = render_to_string("panels/letters.css", {"paper": head.paper})
    pdf: bytes = HTML(string=html).write_pdf(stylesheets=[CSS(string=css)])
    return pdf
