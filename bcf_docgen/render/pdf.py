"""The PDF writer: the HTML writer's page laid out by WeasyPrint, tagged for accessibility.

WeasyPrint's PDF/UA-1 variant gives a tagged PDF (structure tree, real headings, table
headers, alt text), with the document title and language set. Content is untrusted, so
the URL fetcher only serves files inside the plan folder and the project's templates,
plus the generated draft watermark; anything else (network, other files) is refused.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..content.reader import default_templates
from ..document.labels import DRAFT_MARK
from ..document.model import Document
from .html import render_html

WATERMARK_URL = "bcf-internal:watermark.png"


@lru_cache(maxsize=4)
def watermark_png(text: str = DRAFT_MARK) -> bytes:
    """A pale diagonal DRAFT mark as a raster image, so that it is not extracted as text."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 8), dpi=100)
    figure.patch.set_alpha(0)
    figure.text(
        0.5,
        0.5,
        text,
        fontsize=110,
        color="#D5281B",
        alpha=0.10,
        rotation=55,
        ha="center",
        va="center",
        fontweight="bold",
        family="Liberation Sans",
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", transparent=True, metadata={"Software": None})
    return buffer.getvalue()


def make_fetcher(allowed: list[Path], generated: dict[str, bytes] | None = None):
    """A WeasyPrint URL fetcher that reads only files under `allowed` (and the watermark).

    `generated` holds pictures drawn from the data (charts, SVG) by their internal URL.
    """
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    roots = [p.resolve() for p in allowed]
    drawn = dict(generated or {})

    class Refused(FatalURLFetchingError):
        pass

    class PlanFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url == WATERMARK_URL:
                return URLFetcherResponse(url, watermark_png(), {"Content-Type": "image/png"})
            if url in drawn:
                return URLFetcherResponse(url, drawn[url], {"Content-Type": "image/svg+xml"})
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
    return write_pdf(page, plan_root, templates, generated)


def write_pdf(
    page: str, plan_root: Path, templates: Path | None, generated: dict[str, bytes]
) -> bytes:
    """Lay out an HTML page as a tagged PDF, reading only the plan's files and `generated`."""
    import weasyprint

    fetcher = make_fetcher([plan_root, templates or default_templates()], generated)
    html = weasyprint.HTML(string=page, base_url=plan_root.as_uri() + "/", url_fetcher=fetcher)
    return html.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False)
