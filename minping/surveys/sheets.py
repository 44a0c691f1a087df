"""The printable A5 sheet for a service window: its name, a large QR code, a plain instruction."""

from __future__ import annotations

import segno
from django.template.loader import render_to_string

from minping.surveys.models import WindowLink


def window_sheet_pdf(link: WindowLink, url: str) -> bytes:
    from weasyprint import HTML  # imported late: loading Pango takes a moment

    qr = segno.make(url, error="q").svg_data_uri(scale=10, border=2)
    html = render_to_string(
        "surveys/window_sheet.html",
        {"link": link, "url": url, "qr": qr, "unit": link.unit, "campaign": link.campaign},
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
