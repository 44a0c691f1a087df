"""Handing a stored upload to a browser so that nothing in it can run on minping's pages.

Every view that sends an uploaded file calls ``serve_upload`` after checking
access. The type sent is what the content is (checked again on the way out,
since a file stored before uploads were checked may be anything), never a
guess from the name. A file is downloaded, not shown, except a photo that
was re-encoded on upload; whatever is not a clean file of an allowed format
goes out as ``application/octet-stream``. The response runs in a sandbox
without any origin of its own (``Content-Security-Policy: sandbox``), so even
a browser that rendered it could not reach the site's cookies or pages.
"""

from __future__ import annotations

import os

from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header

from minping.lib.uploads import identify

FILE_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'"
UNKNOWN = "application/octet-stream"


def serve_upload(file: FieldFile, stored_type: str) -> HttpResponse:
    """``file`` as a download (or a re-encoded image shown inline), with its true type.

    ``stored_type`` is the type detected when it was uploaded; empty for files
    stored before uploads were checked.
    """
    if not file:
        raise Http404("没有附件")
    try:
        with file.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise Http404("附件文件已不存在") from None
    fmt = identify(data)
    if fmt is None or stored_type not in ("", fmt.content_type):
        content_type, inline = UNKNOWN, False
    else:
        # Only an image written anew by Pillow on upload is shown in the browser.
        content_type, inline = fmt.content_type, fmt.image and stored_type == fmt.content_type
    response = HttpResponse(data, content_type=content_type)
    name = os.path.basename(file.name or "") or "附件"
    response["Content-Disposition"] = content_disposition_header(not inline, name) or ""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
