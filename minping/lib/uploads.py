"""What uploaded files minping accepts, judged by their content, and how each is made safe.

A file's name and the type the browser claims are the uploader's word, so
neither counts: the bytes decide. Every kind of upload has an allow-list
(photos: JPEG, PNG, WebP; documents: PDF, DOCX, XLSX and the same images).
Images are decoded and written anew with Pillow, so nothing but the pixels
survives (no metadata, no trailing data); a PDF must look like one from end
to end; a DOCX or XLSX must be a plain zip holding a Word document or an
Excel workbook, without macros, ActiveX controls or remote templates, and
small enough once unpacked. The same checks (without re-encoding) tell on
the way out what a stored file really is: see ``minping.lib.downloads``.
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any
from xml.etree import ElementTree

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from minping.lib.errors import InputProblem, InvalidInput

# Twenty megabytes is more than any scan, report or phone photo needs.
MAX_UPLOAD = 20 * 1024 * 1024
# A 50-megapixel phone photo fits; a small file that claims a vast canvas (a decompression
# bomb) is refused before a pixel is decoded.
MAX_PIXELS = 60_000_000
# Office files: the unpacked size of a large workbook, not of a zip bomb.
MAX_UNZIPPED = 300 * 1024 * 1024
MAX_MEMBERS = 10_000
MAX_PACKAGE_XML = 2 * 1024 * 1024  # [Content_Types].xml and the .rels parts
# Browsers that sniff look at the first kilobyte or so.
SNIFF_WINDOW = 1024
# Web-page markup: refused at the start of any file and after an image's or a PDF's end, where
# a polyglot (a valid image or PDF that is also a web page) keeps its HTML. Tokens are long
# enough that compressed data never holds one by chance.
MARKUP = re.compile(
    rb"<(?:!doctype|html|head[\s>]|body|script|iframe|object|embed|svg[\s>/]|img[\s/]"
    rb"|meta[\s/]|\?xml-stylesheet)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Format:
    """A file format minping accepts: its content type, extension and whether it is an image."""

    content_type: str
    extension: str
    image: bool = False
    pillow: str = ""  # Pillow's name for an image format


JPEG = Format("image/jpeg", ".jpg", image=True, pillow="JPEG")
PNG = Format("image/png", ".png", image=True, pillow="PNG")
WEBP = Format("image/webp", ".webp", image=True, pillow="WEBP")
PDF = Format("application/pdf", ".pdf")
DOCX = Format("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")
XLSX = Format("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")
FORMATS = (JPEG, PNG, WEBP, PDF, DOCX, XLSX)


@dataclass(frozen=True)
class UploadKind:
    """The allow-list of one kind of upload, and the sentence that names it to a user."""

    formats: tuple[Format, ...]
    allowed: str
    default_name: str

    @property
    def accept(self) -> str:
        """For ``<input type=file accept=…>``: a hint to the file picker, never a check."""
        extensions = {f.extension for f in self.formats} | ({".jpeg"} if JPEG in self else set())
        return ",".join(sorted(extensions) + [f.content_type for f in self.formats])

    def __contains__(self, fmt: object) -> bool:
        return fmt in self.formats


PHOTO = UploadKind((JPEG, PNG, WEBP), "只能上传图片(JPG、PNG、WebP)文件", "照片")
DOCUMENT = UploadKind(
    (PDF, DOCX, XLSX, JPEG, PNG, WEBP),
    "只能上传 PDF、Word(.docx)、Excel(.xlsx)或图片(JPG、PNG、WebP)文件",
    "附件",
)


class UploadRefused(ValidationError):
    """An upload minping does not take; the message says why and what is allowed."""


class CheckedUpload(ContentFile):
    """An upload that passed ``check``: cleaned bytes, a safe name, the detected type."""

    def __init__(self, content: bytes, name: str, fmt: Format) -> None:
        super().__init__(content, name=name)
        self.format = fmt
        self.content_type = fmt.content_type


class _Bad(Exception):
    """Why a file's content is not what it must be (the reason, in Chinese)."""


def check(upload: Any, kind: UploadKind) -> CheckedUpload:
    """The upload made safe, or UploadRefused naming what ``kind`` allows.

    An upload checked before (a form's cleaned value reaching an action) is
    taken as it is when its format is one ``kind`` allows.
    """
    if isinstance(upload, CheckedUpload) and upload.format in kind:
        return upload
    name = getattr(upload, "name", "") or ""
    shown = _shown_name(name)
    size = getattr(upload, "size", 0) or 0
    data = _read(upload) if size <= MAX_UPLOAD else b""
    if size > MAX_UPLOAD or len(data) > MAX_UPLOAD:
        raise UploadRefused(f"“{shown}”超过 20 MB,请压缩后再上传。")
    if not data:
        raise UploadRefused(f"“{shown}”是空文件。{kind.allowed}。")
    fmt = sniff(data)
    if fmt is None or fmt not in kind:
        raise UploadRefused(f"“{shown}”的内容不是可接受的格式。{kind.allowed}。")
    try:
        content = _clean(data, fmt)
    except _Bad as bad:
        raise UploadRefused(f"“{shown}”{bad}。{kind.allowed}。") from None
    return CheckedUpload(content, safe_name(name, fmt, kind.default_name), fmt)


def accept(upload: Any, kind: UploadKind, *, column: str) -> CheckedUpload:
    """``check`` for actions: a refusal is an InvalidInput naming ``column``."""
    try:
        return check(upload, kind)
    except UploadRefused as refused:
        raise InvalidInput([InputProblem(refused.messages[0], column=column)]) from None


def accept_all(uploads: Iterable[Any], kind: UploadKind, *, column: str) -> list[CheckedUpload]:
    """Every upload checked before any is stored: one bad photo, nothing saved."""
    return [accept(upload, kind, column=column) for upload in uploads]


def identify(data: bytes) -> Format | None:
    """What a stored file really is, by the same checks as on upload; None if none passes.

    Files stored before uploads were checked may be anything; only a clean
    file of an allowed format is named.
    """
    fmt = sniff(data)
    if fmt is None:
        return None
    try:
        if fmt.image:
            _open_image(data, fmt, decode=False)  # a page of photos must not decode each one
        else:
            _clean(data, fmt)
    except _Bad:
        return None
    return fmt


def sniff(data: bytes) -> Format | None:
    """The format the first bytes announce; the structure is checked separately."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if re.match(rb"%PDF-[12]\.\d", data[:8]):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _office_format(data)
    return None


def safe_name(name: str, fmt: Format, default: str) -> str:
    """A file name to store under: letters, digits (Chinese too), ``-`` and ``_``, then the
    extension of the detected format, whatever the uploader's name said."""
    stem = unicodedata.normalize("NFC", PurePath(name.replace("\\", "/")).name)
    stem = stem[: -len(PurePath(stem).suffix)] if PurePath(stem).suffix else stem
    stem = re.sub(r"[^\w-]+", "_", stem).strip("_.")[:60]
    return (stem or default) + fmt.extension


def _shown_name(name: str) -> str:
    """The uploader's name as a message may quote it: no control characters, not too long."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    return (base[:60] + "…" if len(base) > 60 else base) or "文件"


def _read(upload: Any) -> bytes:
    """The upload's bytes, reading no further than one byte past the limit."""
    data = bytearray()
    for chunk in upload.chunks():
        data += chunk
        if len(data) > MAX_UPLOAD:
            break
    return bytes(data)


def _clean(data: bytes, fmt: Format) -> bytes:
    """The bytes to store: an image written anew; a PDF or an office file as it came, if sound."""
    if fmt.image:
        return _reencode(_open_image(data, fmt), fmt)
    if MARKUP.search(data[:SNIFF_WINDOW]):
        raise _Bad("含有网页代码")
    if fmt is PDF:
        _check_pdf(data)
    else:
        _check_office(data, fmt)
    return data


# --- images ----------------------------------------------------------------------------------


def _open_image(data: bytes, fmt: Format, decode: bool = True) -> Image.Image:
    """The decoded image (only its header read unless ``decode``); refused when it is broken,
    too large, or hides markup."""
    end = _image_end(data, fmt)
    if MARKUP.search(data[:SNIFF_WINDOW]) or MARKUP.search(data[end:]):
        raise _Bad("含有网页代码")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[fmt.pillow])
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _Bad(f"图片过大(超过 {MAX_PIXELS // 10_000:,} 万像素)")
            if decode:
                image.seek(0)  # an animation: its first frame only
                image.load()
    except _Bad:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, UnidentifiedImageError) as error:
        raise _Bad("已损坏,无法读取") from error
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _Bad(f"图片过大(超过 {MAX_PIXELS // 10_000:,} 万像素)") from error
    return image


def _image_end(data: bytes, fmt: Format) -> int:
    """Where the image's own data ends; anything after it is not part of the picture."""
    try:
        if fmt is PNG:
            return _png_end(data)
        if fmt is WEBP:
            (size,) = struct.unpack("<I", data[4:8])
            return 8 + size + (size & 1)
        return _jpeg_end(data)
    except (struct.error, IndexError, ValueError) as error:
        raise _Bad("已损坏,无法读取") from error


def _png_end(data: bytes) -> int:
    offset = 8
    while True:
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        offset += 12 + length
        if kind == b"IEND":
            return offset
        if offset > len(data):
            raise ValueError("truncated PNG")


def _jpeg_end(data: bytes) -> int:
    """Walk the JPEG's segments and scans to its end-of-image marker."""
    offset = 2
    while True:
        while data[offset] == 0xFF and data[offset + 1] == 0xFF:  # fill bytes
            offset += 1
        if data[offset] != 0xFF:
            raise ValueError("not a marker")
        marker = data[offset + 1]
        offset += 2
        if marker == 0xD9:
            return offset
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue
        (length,) = struct.unpack(">H", data[offset : offset + 2])
        offset += length
        if marker == 0xDA:  # entropy-coded data runs to the next marker that is not a restart
            while True:
                offset = data.index(b"\xff", offset)
                following = data[offset + 1]
                if following != 0x00 and not 0xD0 <= following <= 0xD7:
                    break
                offset += 2


def _reencode(image: Image.Image, fmt: Format) -> bytes:
    """The pixels alone, written anew: upright, without metadata, colour profile or extra data."""
    try:
        image = ImageOps.exif_transpose(image)
        alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
        grey = image.mode in ("1", "L")
        if fmt is JPEG:
            target = "L" if grey else "RGB"
        else:
            target = "RGBA" if alpha else ("L" if grey and fmt is PNG else "RGB")
        if image.mode != target:
            image = image.convert(target)
        image.info = {}  # PNG would otherwise copy text chunks and the ICC profile
        out = io.BytesIO()
        options: dict[str, Any] = {"quality": 90} if fmt in (JPEG, WEBP) else {}
        image.save(out, format=fmt.pillow, **options)
    except (OSError, ValueError) as error:
        raise _Bad("已损坏,无法读取") from error
    return out.getvalue()


# --- PDF -------------------------------------------------------------------------------------


def _check_pdf(data: bytes) -> None:
    """A PDF from its header to its last ``%%EOF``, with nothing but blank space after it."""
    tail = data[-4096:]
    end = tail.rfind(b"%%EOF")
    if end < 0 or b"startxref" not in tail:
        raise _Bad("不是完整的 PDF 文件")
    after = tail[end + 5 :]
    if after.strip(b"\r\n\t \x00"):
        raise _Bad("在 PDF 结尾之后还有其他数据")


# --- DOCX and XLSX ---------------------------------------------------------------------------

CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RELATIONSHIPS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    # A .docm or .xlsm is recognised, so that it can be refused for its macros by name.
    "application/vnd.ms-word.document.macroEnabled.main+xml": DOCX,
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": XLSX,
}
# Macros and controls run code when the file is opened: a .docm or .xlsm renamed .docx or .xlsx.
ACTIVE_CONTENT = re.compile(r"macroEnabled|vbaProject|vbaData|activeX|\.ms-office\.vba", re.I)
ACTIVE_MEMBER = re.compile(
    r"(^|/)(vbaProject\.bin|vbaData\.xml|activeX/)|\.(exe|dll|js|vbs|hta|html?|bat|cmd|ps1|scr)$",
    re.I,
)
# External targets a document may link to; any other (a remote template, a linked OLE object as
# in CVE-2022-30190, a linked picture) makes Word or Excel fetch from elsewhere when opened.
EXTERNAL_ALLOWED = ("/hyperlink", "/externalLinkPath")


def _office_format(data: bytes) -> Format | None:
    """DOCX or XLSX by the main part its content types declare; None for any other zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            types = _content_types(archive)
    except (_Bad, zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError):
        return None
    found = {MAIN_PARTS[t] for t in types.values() if t in MAIN_PARTS}
    return found.pop() if len(found) == 1 else None


def _check_office(data: bytes, fmt: Format) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _check_members(infos)
            types = _content_types(archive)
            if any(ACTIVE_CONTENT.search(t) for t in types.values()):
                raise _Bad("含有宏或 ActiveX 控件")
            mains = [part for part, t in types.items() if MAIN_PARTS.get(t) is fmt]
            names = {info.filename for info in infos}
            if len(mains) != 1 or mains[0] not in names:
                raise _Bad("不是完整的 Word 或 Excel 文件")
            for info in infos:
                if info.filename.endswith(".rels"):
                    _check_relationships(_package_xml(archive, info))
    except _Bad:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, RuntimeError) as error:
        raise _Bad("已损坏,无法读取") from error


def _check_members(infos: list[zipfile.ZipInfo]) -> None:
    """Nothing an office program would not write: no tricks in names, no encryption, no bombs."""
    if len(infos) > MAX_MEMBERS:
        raise _Bad("包含的文件过多")
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if (
            name.startswith(("/", "\\"))
            or ".." in name.split("/")
            or "\\" in name
            or "\x00" in name
            or name.lower() in seen
        ):
            raise _Bad("内部结构异常")
        seen.add(name.lower())
        if info.flag_bits & 0x1:
            raise _Bad("已加密,请去掉密码后再上传")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Bad("内部结构异常")
        if ACTIVE_MEMBER.search(name):
            raise _Bad("含有宏、ActiveX 控件或可执行内容")
        total += info.file_size
        if total > MAX_UNZIPPED:
            raise _Bad(f"解压后超过 {MAX_UNZIPPED // 1024 // 1024} MB")


def _content_types(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name (without the leading slash) to content type, from ``[Content_Types].xml``."""
    root = _package_xml(archive, archive.getinfo("[Content_Types].xml"))
    if root.tag != f"{CONTENT_TYPES_NS}Types":
        raise _Bad("不是完整的 Word 或 Excel 文件")
    types = {}
    for override in root.iter(f"{CONTENT_TYPES_NS}Override"):
        types[override.get("PartName", "").lstrip("/")] = override.get("ContentType", "")
    for default in root.iter(f"{CONTENT_TYPES_NS}Default"):
        types["*." + default.get("Extension", "").lower()] = default.get("ContentType", "")
    return types


def _check_relationships(root: ElementTree.Element) -> None:
    for rel in root.iter(f"{RELATIONSHIPS_NS}Relationship"):
        if rel.get("TargetMode") == "External" and not rel.get("Type", "").endswith(
            EXTERNAL_ALLOWED
        ):
            raise _Bad("含有外部链接的模板或对象")


def _package_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> ElementTree.Element:
    """A small package part parsed; a DTD (never in a real office file) is refused."""
    if info.file_size > MAX_PACKAGE_XML:
        raise _Bad("内部结构异常")
    with archive.open(info) as member:
        text = member.read(MAX_PACKAGE_XML + 1)
    if len(text) > MAX_PACKAGE_XML or b"<!DOCTYPE" in text.upper():
        raise _Bad("内部结构异常")
    try:
        return ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise _Bad("已损坏,无法读取") from error
