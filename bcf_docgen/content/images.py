"""Pictures of a plan folder (figures and the logo), checked and decoded once, before
any writer sees them.

A picture is untrusted like any content, and the writers are not the place to find out
that it is not one: python-docx embeds whatever bytes it is given, WeasyPrint drops an
image it cannot decode without a word (the PDF then silently lacks it), and a small
file can decode to gigabytes. So `load_image` reads each file once, through the one
path boundary (`files.resolve_inside`), and refuses, as a ContentError with a code:

- a file larger than `MAX_FILE_BYTES` (`MAX_SVG_BYTES` for SVG), before reading it;
- anything that is not, by its content, a PNG, JPEG or GIF (or an SVG where SVG is
  allowed): the file's name does not matter, so a GIF called `.png` is a GIF, and a
  text file called `.png` is refused;
- more than `MAX_PIXELS` pixels (a decompression bomb: a 20000 x 20000 PNG of one colour
  is a few kilobytes on disk and 1.6 GB decoded), checked from the header before the
  pixels are decoded;
- pixels that do not decode (a truncated or corrupt file);
- an SVG that refers to anything outside itself (`href`, `url()`, `@import`, a DTD or
  entity, a processing instruction), or holds a script or foreign content: WeasyPrint
  would fetch what it names while drawing it.

What passes is an `ImageData` (its bytes, real format and size) held by the model, so
the writers embed exactly the bytes that were checked and never open a file.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import stat
import warnings
from functools import lru_cache
from pathlib import Path

from ..document.model import ImageData, ImageFormat
from ..findings import Location
from .files import ContentError, resolve_inside

MAX_FILE_BYTES = 20 * 1024 * 1024  # a PNG, JPEG or GIF: 20 MiB
MAX_SVG_BYTES = 2 * 1024 * 1024  # an SVG: 2 MiB of XML
MAX_PIXELS = 40_000_000  # 40 megapixels: an A4 page scanned at 600 dpi is 35
RASTER_FORMATS: dict[str, ImageFormat] = {"PNG": "png", "JPEG": "jpeg", "GIF": "gif"}
FIGURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif")
LOGO_SUFFIXES = (*FIGURE_SUFFIXES, ".svg")
_FORMATS = {"figure": "PNG, JPEG or GIF", "logo": "PNG, JPEG, GIF or SVG"}

# Inside an SVG only references to its own parts (`#id`) are followed.
CSS_URL = re.compile(r"url\(\s*(?!['\"]?\s*#)", re.IGNORECASE)
CSS_IMPORT = re.compile(r"@import", re.IGNORECASE)
REFUSED_SVG_ELEMENTS = {"script", "foreignObject"}
DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
SVG_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")


class _Refused(Exception):
    """Why a picture's bytes are refused; the caller adds where the picture was named."""

    def __init__(self, code: str, message: str, hint: str, location: Location | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.location = location


def load_image(root: Path, relative: str, where: Location, logo: bool = False) -> ImageData:
    """The picture `relative` names inside the plan folder `root`, checked and decoded.

    `where` is where the plan names it (reported with every refusal, except a problem
    inside an SVG, reported at its line in the SVG file); a `logo` may be an SVG, a
    figure may not. Raises ContentError; a file is never read unless its path, name and
    size pass. The name's extension must be a picture's (as the plan's authors are told);
    the content decides which format it is (a GIF called .png is a GIF).
    """
    path = resolve_inside(root, relative, where)
    kind = "logo" if logo else "figure"
    if Path(relative).suffix.lower() not in (LOGO_SUFFIXES if logo else FIGURE_SUFFIXES):
        raise ContentError(
            f"'{relative}' is not a {_FORMATS[kind]} image (by its name)",
            where,
            "export the picture as PNG (at least 150 dpi)",
            code=f"{kind}.format",
        )
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        raise ContentError(
            f"image '{relative}' does not exist",
            where,
            "put the image in the plan's assets/ folder and check the spelling",
            code="file.missing",
        ) from exc
    except OSError as exc:
        raise ContentError(f"cannot read image '{relative}': {exc.strerror}", where) from exc
    if not stat.S_ISREG(info.st_mode):
        raise ContentError(
            f"image '{relative}' is not a file",
            where,
            "name a PNG, JPEG or GIF file in the plan folder",
            code=f"{kind}.format",
        )
    try:
        return _checked(str(path), info.st_mtime_ns, info.st_size, relative, kind)
    except _Refused as refused:
        raise ContentError(
            refused.message, refused.location or where, refused.hint, code=refused.code
        ) from None


@lru_cache(maxsize=16)
def _checked(path: str, mtime_ns: int, size: int, relative: str, kind: str) -> ImageData:
    """One file checked and decoded once per version (a picture named twice, or by every
    part of a pack, is not decoded again). Raises _Refused."""
    if size > MAX_FILE_BYTES:
        raise _Refused(
            "image.file-size",
            f"image '{relative}' is {_mib(size)}, more than the {_mib(MAX_FILE_BYTES)} allowed",
            "save it smaller: 150 to 300 dpi at the size it is printed is enough",
        )
    data = _read(path, relative)
    if not data:
        raise _Refused(
            f"{kind}.format",
            f"image '{relative}' is an empty file",
            "export the picture again as PNG",
        )
    if not _looks_like_svg(data):
        return _raster(data, relative, kind)
    if kind != "logo":
        raise _Refused(
            f"{kind}.format",
            f"image '{relative}' is an SVG drawing; a figure must be a PNG, JPEG or GIF",
            "export the picture as PNG (at least 150 dpi)",
        )
    if len(data) > MAX_SVG_BYTES:
        raise _Refused(
            "image.file-size",
            f"SVG '{relative}' is {_mib(len(data))}, more than the {_mib(MAX_SVG_BYTES)} allowed",
            "simplify the drawing, or export it as PNG",
        )
    return _svg(data, relative)


def _read(path: str, relative: str) -> bytes:
    """At most MAX_FILE_BYTES: a file that grew after it was measured is still capped.
    O_NONBLOCK so that a FIFO put in place of the file cannot hang the build."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _Refused("read", f"cannot read image '{relative}': {exc.strerror}", "") from exc
    if len(data) > MAX_FILE_BYTES:
        raise _Refused(
            "image.file-size",
            f"image '{relative}' grew past {_mib(MAX_FILE_BYTES)} while it was read",
            "save it smaller",
        )
    return data


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB" if size >= 1024 * 1024 else f"{size:,} bytes"


def _raster(data: bytes, relative: str, kind: str) -> ImageData:
    """A PNG, JPEG or GIF by its content: size checked from the header, then decoded."""
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        # The cap below is ours; Pillow's own (a warning, then an error at twice as
        # many pixels) is only a backstop.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(RASTER_FORMATS))
        except Image.DecompressionBombError as exc:
            raise _too_many(relative, None) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise _Refused(
                f"{kind}.format",
                f"image '{relative}' is not a {_FORMATS[kind]} image (by its content)",
                "export the picture as PNG (at least 150 dpi)",
            ) from exc
        with image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _too_many(relative, (width, height))
            if width < 1 or height < 1:
                raise _Refused(f"{kind}.format", f"image '{relative}' has no pixels", "")
            try:
                image.load()
            except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
                raise _Refused(
                    "image.broken",
                    f"image '{relative}' cannot be decoded (the file is cut short or corrupt)",
                    "export the picture again",
                ) from exc
            kind = RASTER_FORMATS[str(image.format)]
    return ImageData(data, kind, width, height, relative)


def _too_many(relative: str, size: tuple[int, int] | None) -> _Refused:
    shown = f" ({size[0]:,} x {size[1]:,})" if size else ""
    return _Refused(
        "image.pixels",
        f"image '{relative}' has more than {MAX_PIXELS:,} pixels{shown}",
        "scale it down: 150 to 300 dpi at the size it is printed is enough",
    )


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg"))


def _svg(data: bytes, relative: str) -> ImageData:
    """An SVG that refers to nothing outside itself, parsed without DTDs or entities."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    declared = DTD.search(data)
    if declared:
        line = data[: declared.start()].count(b"\n") + 1
        raise _unsafe(relative, line, "declares a DTD or an entity (which can refer out)")
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 1
        raise _Refused(
            "logo.format",
            f"'{relative}' is not a valid SVG drawing: {exc.msg}",
            "export the drawing again, or as PNG",
            Location(relative, line, 1),
        ) from exc
    if etree.QName(root).localname != "svg":
        raise _Refused(
            "logo.format",
            f"'{relative}' is XML but not an SVG drawing",
            "export the picture as PNG or SVG",
        )
    _svg_references(root, relative)
    return ImageData(data, "svg", _svg_length(root, "width"), _svg_length(root, "height"), relative)


def _svg_references(root, relative: str) -> None:
    """Refuse every reference out of the drawing, at its line in the SVG file."""
    from lxml import etree

    around = [*root.itersiblings(preceding=True), *root.itersiblings()]
    for node in itertools.chain(around, root.iter()):
        line = node.sourceline or 1
        if not isinstance(node.tag, str):
            if node.tag is etree.PI:
                raise _unsafe(relative, line, "holds a processing instruction (<?...?>)")
            if node.tag is etree.Entity:
                raise _unsafe(relative, line, "uses an entity")
            continue
        name = etree.QName(node).localname
        if name in REFUSED_SVG_ELEMENTS:
            raise _unsafe(relative, line, f"holds a <{name}> element")
        for key, value in node.attrib.items():
            local = etree.QName(key).localname
            if local in ("href", "src") and not value.strip().startswith("#"):
                raise _unsafe(relative, line, f"refers to '{value[:60]}'")
            if CSS_URL.search(value) or CSS_IMPORT.search(value):
                raise _unsafe(relative, line, f"refers to a URL in its {local} attribute")
        text = node.text or ""
        if name == "style" and (CSS_URL.search(text) or CSS_IMPORT.search(text)):
            raise _unsafe(relative, line, "refers to a URL in its style sheet")


def _unsafe(relative: str, line: int, what: str) -> _Refused:
    return _Refused(
        "image.svg-reference",
        f"SVG '{relative}' {what}: pictures may not refer to anything outside themselves",
        "remove the reference (a link, a linked or embedded picture, an import), "
        "or export the logo as PNG",
        Location(relative, line, 1),
    )


def _svg_length(root, attribute: str) -> int:
    """An SVG's declared width or height in pixels, or 0 (a percentage, a unit, none)."""
    match = SVG_LENGTH.match(root.get(attribute) or "")
    return round(float(match.group(1))) if match else 0
