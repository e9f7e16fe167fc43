"""The Typst PDF engine: the Typst writer's source compiled in-process to a tagged PDF.

The same contract as `render/pdf.py`'s `render_pdf`: a Document in, PDF bytes out,
tagged for PDF/UA-1 (Typst tags headings, tables and their header rows, figures with
their alt text, and marks the running header, footer and draft mark as artifacts).

Typst reads files only under the root it is given, so the root is a fresh temporary
folder holding the source, the pictures the document names (their checked bytes from
the model, never the plan's files) and the draft mark; the fonts are the look's own
font files and nothing else on the system. Plan text reaches the source only as string
literals (`render/typst.py`), so no plan content can run Typst code.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from functools import lru_cache
from pathlib import Path

from ..document.look import Look
from ..document.model import Document
from ..untrusted import SourceDateEpochError, source_date_epoch
from .pdf import watermark_png
from .pdf_attach import PICTURE, PICTURE_NAME, Attachment, draw_attachments, placeholder_typst
from .typst import render_typst
from .typst_finish import finish_typst_pdf


class TypstFailure(RuntimeError):
    """Typst could not compile the source (a bug of the writer, never plan content)."""


def look_font_names(look: Look) -> tuple[str, ...]:
    """Every font family the look names (body, headings, code, the draft mark)."""
    f = look.fonts
    names = (*f.stack(f.body), *f.stack(f.heading), f.mono, *f.mono_fallbacks, look.watermark.font)
    return tuple(dict.fromkeys(name.casefold() for name in names))


@lru_cache(maxsize=4)
def font_folders(families: tuple[str, ...]) -> tuple[str, ...]:
    """The folders of the installed font files of `families` (casefolded): the only fonts
    Typst is given, so what it embeds is the look's, not whatever else is installed."""
    import typst

    found = typst.Fonts(include_system_fonts=True, include_embedded_fonts=False).fonts()
    # Typst takes folders of fonts, not files: the folders that hold the look's fonts.
    return tuple(
        sorted(
            {
                str(Path(info.path).parent)
                for info in found
                if info.path and info.family.casefold() in families
            }
        )
    )


def creation_time(document: Document) -> dt.datetime:
    """The PDF's creation date: SOURCE_DATE_EPOCH, else the plan's date at midnight (as the
    Word file), so that two builds of one plan are the same bytes."""
    try:
        stamp = source_date_epoch()
    except SourceDateEpochError:
        stamp = None
    date = document.info.date
    moment = stamp or dt.datetime(date.year, date.month, date.day)
    return moment.replace(tzinfo=dt.UTC)


def render_typst_pdf(
    document: Document, plan_root: Path | None = None, templates: Path | None = None
) -> bytes:
    """The PDF bytes, tagged for PDF/UA-1. `plan_root` and `templates` are not read: the
    pictures come from the model (the same arguments as `render_pdf`)."""
    source, files = render_typst(document)
    return finish_typst_pdf(_compile(document, source, files))


def render_typst_pack(document: Document, attachments: list[Attachment], header: str = "") -> bytes:
    """The board pack (`pack.Pack.document`) as one tagged PDF with Typst, as
    `pdf_attach.render_pack` makes it with WeasyPrint: `header` (the meeting and agenda
    item) a running header line above the part's, each part's page range in the pack's
    contents, and a placeholder page per page of each attached PDF (so page numbers, the
    contents and the bookmarks count them), onto which its pages are then drawn."""
    pages = {a.key: placeholder_typst(a) for a in attachments}
    source, files = render_typst(document, header, pages)
    if attachments:
        files[PICTURE_NAME] = PICTURE
    data = finish_typst_pdf(_compile(document, source, files))
    return draw_attachments(data, attachments)


def _compile(document: Document, source: str, files: dict[str, bytes]) -> bytes:
    """Typst's PDF of `source`, compiled in a folder holding only it and `files`."""
    import typst

    mark = next((part.draft_mark for part in document.parts if part.draft_mark), "")
    if mark:
        files["watermark.png"] = watermark_png(document.look, mark)
    with tempfile.TemporaryDirectory(prefix="bcf-typst-") as folder:
        root = Path(folder)
        for name, data in files.items():
            (root / name).write_bytes(data)
        main = root / "main.typ"
        main.write_text(source, encoding="utf-8")
        try:
            data, _warnings = typst.compile_with_warnings(
                str(main),
                root=str(root),
                font_paths=list(font_folders(look_font_names(document.look))),
                ignore_system_fonts=True,
                format="pdf",
                pdf_standards="ua-1",
                timestamp=creation_time(document),
            )
        except typst.TypstError as exc:
            raise TypstFailure(f"Typst could not lay out the PDF: {exc.message}") from exc
    assert isinstance(data, bytes)
    return data
