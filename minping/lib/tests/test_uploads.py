"""The upload checker: what each kind of upload accepts, by content, and what it refuses."""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase
from PIL import Image

from minping.lib import uploads
from minping.lib.tests import upload_fixtures as files
from minping.lib.uploads import DOCUMENT, PHOTO, UploadKind, UploadRefused

DOCUMENTS_ALLOWED = "只能上传 PDF、Word(.docx)、Excel(.xlsx)或图片(JPG、PNG、WebP)文件"
PHOTOS_ALLOWED = "只能上传图片(JPG、PNG、WebP)文件"


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> object:
    return SimpleUploadedFile(name, data, content_type=content_type)


class AcceptedTestCase(SimpleTestCase):
    def test_each_document_format_is_accepted_with_its_detected_type(self) -> None:
        cases = [
            ("报告.pdf", files.pdf(), "application/pdf", "报告.pdf"),
            ("自查报告.docx", files.docx_file(), uploads.DOCX.content_type, "自查报告.docx"),
            ("台账.xlsx", files.xlsx_file(), uploads.XLSX.content_type, "台账.xlsx"),
            ("scan.jpg", files.image("JPEG"), "image/jpeg", "scan.jpg"),
            ("scan.png", files.image("PNG"), "image/png", "scan.png"),
            ("scan.webp", files.image("WEBP"), "image/webp", "scan.webp"),
        ]
        for name, data, content_type, stored_name in cases:
            with self.subTest(name):
                # The browser's claim (text/html here) counts for nothing either way.
                checked = uploads.check(upload(name, data, "text/html"), DOCUMENT)
                self.assertEqual(checked.content_type, content_type)
                self.assertEqual(checked.name, stored_name)

    def test_office_files_reopen_unchanged(self) -> None:
        report = uploads.check(upload("r.docx", files.docx_file("整改到位")), DOCUMENT)
        self.assertEqual(docx.Document(io.BytesIO(report.read())).paragraphs[0].text, "整改到位")
        sheet = uploads.check(upload("s.xlsx", files.xlsx_file()), DOCUMENT)
        workbook = openpyxl.load_workbook(io.BytesIO(sheet.read()))
        self.assertEqual(workbook.active["A2"].value, "公安局")

    def test_photos_are_reencoded_without_metadata(self) -> None:
        for fmt in ("JPEG", "PNG", "WEBP"):
            with self.subTest(fmt):
                original = files.image(fmt)
                self.assertEqual(Image.open(io.BytesIO(original)).getexif()[0x0131], "minping-test")
                checked = uploads.check(upload("p", original, "image/png"), PHOTO)
                picture = Image.open(io.BytesIO(checked.read()))
                self.assertEqual((picture.format, picture.size), (fmt, (40, 30)))
                self.assertEqual(dict(picture.getexif()), {})
                self.assertNotIn(b"minping-test", checked.read())

    def test_trailing_data_of_a_phone_photo_is_dropped_not_refused(self) -> None:
        # A motion photo keeps a video after the JPEG's end; re-encoding keeps the picture only.
        video = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
        checked = uploads.check(upload("m.jpg", files.image("JPEG") + video), PHOTO)
        stored = checked.read()
        self.assertTrue(stored.endswith(b"\xff\xd9"))
        self.assertNotIn(b"ftypmp42", stored)

    def test_the_stored_name_comes_from_the_content(self) -> None:
        png = files.image("PNG")
        cases = [
            ("photo.html", "photo.png"),
            ("../../etc/passwd", "passwd.png"),
            ("C:\\Users\\张三\\现场 照片(1).PNG", "现场_照片_1.png"),
            ("report.html.png", "report_html.png"),
            ("!!!.png", "照片.png"),
            ("<script>.png", "script.png"),
        ]
        for name, stored in cases:
            with self.subTest(name):
                self.assertEqual(uploads.check(upload(name, png), PHOTO).name, stored)

    def test_a_checked_upload_passes_again_unchanged(self) -> None:
        checked = uploads.check(upload("p.png", files.image("PNG")), PHOTO)
        self.assertIs(uploads.check(checked, DOCUMENT), checked)


class RefusedTestCase(SimpleTestCase):
    def assertRefused(
        self, name: str, data: bytes, reason: str, kind: UploadKind = DOCUMENT, **kw: str
    ) -> None:
        with self.assertRaises(UploadRefused) as caught:
            uploads.check(upload(name, data, **kw), kind)
        message = caught.exception.messages[0]
        self.assertIn(reason, message)
        if "20 MB" not in reason:
            self.assertIn(DOCUMENTS_ALLOWED if kind is DOCUMENT else PHOTOS_ALLOWED, message)

    def test_web_pages_and_scripts_are_refused(self) -> None:
        self.assertRefused(
            "自查报告.html", files.HTML_REPORT, "“自查报告.html”的内容不是可接受的格式"
        )
        self.assertRefused("依据.svg", files.SVG, "的内容不是可接受的格式")
        # The probe's inspection photo: a web page named .png and sent as image/png.
        self.assertRefused(
            "现场.png", files.HTML_REPORT, "的内容不是可接受的格式", PHOTO, content_type="image/png"
        )

    def test_a_polyglot_is_refused(self) -> None:
        # A real JPEG that is also a web page: HTML after the end-of-image marker.
        self.assertRefused("p.jpg", files.image("JPEG") + files.HTML_REPORT, "含有网页代码", PHOTO)
        # and a PDF with a web page before its end, where a sniffing browser looks.
        pdf = files.pdf().replace(b"%\xe2\xe3\xcf\xd3\n", b"%<html><script>alert(1)</script>\n")
        self.assertRefused("p.pdf", pdf, "含有网页代码")
        self.assertRefused("p.pdf", files.pdf() + b"<p>hi</p>", "在 PDF 结尾之后还有其他数据")

    def test_macros_remote_templates_and_bombs_in_office_files_are_refused(self) -> None:
        self.assertRefused("报告.docx", files.docm_renamed(), "含有宏")
        # The macro-enabled content type alone, without the macro part, is refused too.
        types = zipfile.ZipFile(io.BytesIO(files.docm_renamed())).read("[Content_Types].xml")
        self.assertRefused(
            "报告.docx", files.repack(files.docx_file(), {"[Content_Types].xml": types}), "含有宏"
        )
        self.assertRefused("模板.docx", files.remote_template(), "含有外部链接的模板或对象")
        self.assertRefused("台账.xlsx", files.zip_bomb(), "解压后超过 300 MB")
        # Entities (a "billion laughs") are never in a real office file's package parts.
        dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Relationships/>'
        self.assertRefused(
            "x.docx", files.repack(files.docx_file(), {"_rels/.rels": dtd}), "内部结构异常"
        )

    def test_other_zips_and_formats_are_refused(self) -> None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("index.html", files.HTML_REPORT)
        self.assertRefused("a.docx", out.getvalue(), "的内容不是可接受的格式")
        self.assertRefused("a.exe", b"MZ\x90\x00" + bytes(100), "的内容不是可接受的格式")
        gif = io.BytesIO()
        Image.new("RGB", (4, 4)).save(gif, "GIF")
        self.assertRefused("a.gif", gif.getvalue(), "的内容不是可接受的格式", PHOTO)
        self.assertRefused("a.pdf", files.pdf(), "的内容不是可接受的格式", PHOTO)
        self.assertRefused("a.pdf", files.pdf()[:-30], "不是完整的 PDF 文件")

    def test_empty_broken_and_oversized_files_are_refused(self) -> None:
        self.assertRefused("空.pdf", b"", "“空.pdf”是空文件")
        self.assertRefused("断.jpg", files.image("JPEG")[:200], "已损坏,无法读取", PHOTO)
        big = b"%PDF-1.4\n" + bytes(uploads.MAX_UPLOAD)
        self.assertRefused("大.pdf", big, "“大.pdf”超过 20 MB,请压缩后再上传")

    def test_a_decompression_bomb_is_refused_before_decoding(self) -> None:
        # 10,000 × 10,000 black pixels (100 million, over the 60 million limit) pack into 100 KB.
        out = io.BytesIO()
        Image.new("L", (10_000, 10_000)).save(out, "PNG")
        self.assertLess(len(out.getvalue()), 200_000)
        self.assertRefused("bomb.png", out.getvalue(), "图片过大(超过 6,000 万像素)", PHOTO)


class IdentifyTestCase(SimpleTestCase):
    """On the way out: what a stored file is, whatever its name; None unless clean and allowed."""

    def test_identify(self) -> None:
        self.assertIs(uploads.identify(files.pdf()), uploads.PDF)
        self.assertIs(uploads.identify(files.docx_file()), uploads.DOCX)
        self.assertIs(uploads.identify(files.image("WEBP")), uploads.WEBP)
        for hostile in (
            files.HTML_REPORT,
            files.SVG,
            files.image("JPEG") + files.HTML_REPORT,
            files.docm_renamed(),
            b"",
        ):
            self.assertIsNone(uploads.identify(hostile))
