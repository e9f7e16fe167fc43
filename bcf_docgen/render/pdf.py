"""The PDF writer: the HTML writer's page laid out by WeasyPrint, tagged for accessibility.

WeasyPrint's PDF/UA-1 variant gives a tagged PDF (structure tree, real headings, table
headers, alt text), with the document title and language set; pdf_tags finishes what it
leaves short of PDF/UA-1 (running heads as artifacts, header scopes, link descriptions,
reading order). Content is untrusted, so
the URL fetcher only serves files inside the plan folder and the project's templates,
plus the pictures drawn from the data and the draft watermark; anything else (network,
other files) is refused.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..document.look import Look
from ..document.model import Document
from ..paths import default_templates
from .html import render_html

WATERMARK_URL = "bcf-internal:watermark.png"


def watermark_png(look: Look, text: str) -> bytes:
    """The draft mark as a picture the size of the text area, so that it is not extracted
    as text: the look's colour, opacity, angle and width, the Word watermark's shape."""
    mark, page = look.watermark, look.page
    return _watermark_png(
        text,
        mark.colour,
        mark.opacity,
        mark.angle,
        mark.width,
        look.fonts.stack(mark.font),
        page.text_width_mm,
        page.text_height_mm,
    )


@lru_cache(maxsize=4)
def _watermark_png(
    text: str,
    colour: str,
    opacity: float,
    angle: float,
    fraction: float,
    fonts: tuple[str, ...],
    width_mm: float,
    height_mm: float,
) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import PathPatch
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D

    installed = {f.name for f in font_manager.fontManager.ttflist}
    family = [name for name in fonts if name in installed] or ["DejaVu Sans"]
    path = TextPath((0, 0), text, size=1, prop=FontProperties(family=family, weight="bold"))
    extent = path.get_extents()
    # Word's text-path shape: the text stretched to a box `fraction` of the text width
    # wide and a 3.2th of that high, turned about its centre, centred on the text area.
    box_width = fraction * width_mm
    shape = (
        Affine2D()
        .translate(-extent.x0 - extent.width / 2, -extent.y0 - extent.height / 2)
        .scale(box_width / extent.width, box_width / 3.2 / extent.height)
        .rotate_deg(angle)
        .translate(width_mm / 2, height_mm / 2)
    )
    figure = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=100)
    figure.patch.set_alpha(0)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    axes.set_xlim(0, width_mm)
    axes.set_ylim(0, height_mm)
    axes.add_patch(
        PathPatch(shape.transform_path(path), facecolor=colour, edgecolor="none", alpha=opacity)
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", transparent=True, metadata={"Software": None})
    return buffer.getvalue()


MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def media_type(data: bytes) -> str:
    """What picture `data` is, by its first bytes (the pictures in `generated` were
    checked before the writers; anything else served is an SVG drawn from the data)."""
    for magic, kind in MAGIC:
        if data.startswith(magic):
            return kind
    return "image/svg+xml"


def make_fetcher(allowed: list[Path], generated: dict[str, bytes] | None = None):
    """A WeasyPrint URL fetcher that reads only files under `allowed` and `generated`.

    `generated` holds the pictures by their internal URL: charts drawn from the data, the
    watermark, and the plan's images, checked and decoded before any writer. The plan's
    pictures are never read from files here; this fetcher is the last line of defence
    for anything else a page or a drawing refers to (CSS `url()`, an SVG `href`): only
    files under `allowed` (resolved, links followed) are served, nothing from the network.
    """
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    roots = [p.resolve() for p in allowed]
    drawn = dict(generated or {})

    class Refused(FatalURLFetchingError):
        pass

    class PlanFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url in drawn:
                data = drawn[url]
                return URLFetcherResponse(url, data, {"Content-Type": media_type(data)})
            parsed = urlparse(url)
            if parsed.scheme != "file":
                raise Refused(f"refused to fetch {url}: only files of the plan are used")
            path = Path(unquote(parsed.path)).resolve()
            if not any(path.is_relative_to(root) for root in roots):
                raise Refused(f"refused to read {path}: it is outside the plan folder")
            return URLFetcherResponse(url, path.read_bytes())

    return PlanFetcher(fail_on_errors=True)


def render_pdf(document: Document, plan_root: Path, templates: Path | None = None) -> bytes:
    """The PDF bytes: tagged (PDF/UA-1), fonts embedded, no network, same bytes each time."""
    generated: dict[str, bytes] = {}
    page = render_html(document, templates=templates, generated=generated)
    mark = next((part.draft_mark for part in document.parts if part.draft_mark), "")
    if mark:
        generated[WATERMARK_URL] = watermark_png(document.look, mark)
    return write_pdf(page, plan_root, templates, generated)


def write_pdf(
    page: str, plan_root: Path, templates: Path | None, generated: dict[str, bytes]
) -> bytes:
    """Lay out an HTML page as a tagged PDF, reading only the plan's files and `generated`."""
    # Both engines are imported here, inside the worker's memory cap and its error
    # handling, not when the module is loaded (a cap too small to load them is a finding).
    import weasyprint

    from .pdf_tags import finish_pdf

    fetcher = make_fetcher([plan_root, templates or default_templates()], generated)
    html = weasyprint.HTML(string=page, base_url=plan_root.as_uri() + "/", url_fetcher=fetcher)
    return finish_pdf(html.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False), page)
