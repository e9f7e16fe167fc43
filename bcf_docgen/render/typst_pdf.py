"""The Typst PDF engine: the Typst writer's source compiled in-process to a tagged PDF.

The same contract as `render/pdf.py`'s `render_pdf`: a Document in, PDF bytes out,
tagged for PDF/UA-1 (Typst tags headings, tables and their header rows, figures with
their alt text, and marks the running header, footer and draft mark as artifacts).

Typst reads files only under the root it is given, so the root is a private temporary
folder holding only the source, the pictures the document names (their checked bytes
from the model, never the plan's files) and the draft mark; the fonts are the look's own
font files and nothing else on the system. Plan text reaches the source only as string
literals (`render/typst.py`), so no plan content can run Typst code.

A process keeps its compiler and that folder for its next layout (`_Kept`): Typst then
lays out again only what changed, which is what `watch` and `preview` ask for at every
save (0.12 s instead of 0.43 s on the M plan after a sentence is added).
"""

from __future__ import annotations

import atexit
import datetime as dt
import itertools
import json
import os
import pickle
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..document.look import Look
from ..document.model import Document
from ..untrusted import SourceDateEpochError, source_date_epoch
from ..workers import MEMORY_WORDS, die_with_parent_preexec
from .kept_folders import PREFIX, kept_folder
from .pdf import watermark_png
from .pdf_attach import PICTURE, PICTURE_NAME, Attachment, draw_attachments, placeholder_typst
from .typst import ELSEWHERE, WHERE, Layout, TypstSource, typst_source
from .typst_finish import finish_typst_pdf, finished
from .typst_join import Spot, join_parts


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


# Typst holds about 1.7 MB a page while it lays a plan out, so a 350-page plan took
# 600 MB in one layout. Above this much source (about 130 pages of a plan) the document
# is laid out in parts, each in a process of its own (`typst_child.py`), and the parts'
# PDFs are joined (`typst_join.py`); a part starts where the plan starts a page (a
# chapter, the notes, a board pack's part), so no page moves.
PART_CHARACTERS = 500_000
# Laying a part out twice more at most when a contents line took another line once the
# other parts' page numbers were in (the parts after it then start a page later).
SETTLE_ROUNDS = 3
CHILD = Path(__file__).with_name("typst_child.py")


def render_typst_pdf(
    document: Document,
    plan_root: Path | None = None,
    templates: Path | None = None,
    *,
    part_characters: int = PART_CHARACTERS,
) -> bytes:
    """The PDF bytes, tagged for PDF/UA-1. `plan_root` and `templates` are not read: the
    pictures come from the model (the same arguments as `render_pdf`)."""
    return _lay_out(document, typst_source(document), part_characters)


def render_typst_pack(
    document: Document,
    attachments: list[Attachment],
    header: str = "",
    *,
    part_characters: int = PART_CHARACTERS,
) -> bytes:
    """The board pack (`pack.Pack.document`) as one tagged PDF with Typst, as
    `pdf_attach.render_pack` makes it with WeasyPrint: `header` (the meeting and agenda
    item) a running header line above the part's, each part's page range in the pack's
    contents, and a placeholder page per page of each attached PDF (so page numbers, the
    contents and the bookmarks count them), onto which its pages are then drawn."""
    pages = {a.key: placeholder_typst(a) for a in attachments}
    source = typst_source(document, header, pages)
    if attachments:
        source.files[PICTURE_NAME] = PICTURE
    return draw_attachments(_lay_out(document, source, part_characters), attachments)


def _lay_out(document: Document, source: TypstSource, part_characters: int) -> bytes:
    """The finished PDF: laid out here in one go, or in parts when the source is larger
    than `part_characters`."""
    runs = source.parts(part_characters)
    if len(runs) == 1:
        return finish_typst_pdf(_compile(document, source.text(), source.files))
    return _compile_in_parts(document, source, runs)


def _settings(document: Document, files: dict[str, bytes]) -> dict[str, Any]:
    """What every compile of `document` is given: the files beside the source (the draft
    mark's picture added), the look's font folders, the creation time."""
    files = dict(files)
    mark = next((part.draft_mark for part in document.parts if part.draft_mark), "")
    if mark:
        files["watermark.png"] = watermark_png(document.look, mark)
    return {
        "files": files,
        "font_paths": list(font_folders(look_font_names(document.look))),
        "timestamp": creation_time(document),
    }


def _compile(document: Document, source: str, files: dict[str, bytes]) -> bytes:
    """Typst's PDF of `source`, compiled here in a folder holding only it and `files`,
    by this process's kept compiler (`_Kept`)."""
    import typst

    settings = _settings(document, files)
    with _kept_lock:
        kept = _kept_compiler(tuple(settings["font_paths"]))
        kept.hold(settings["files"], source)
        try:
            data, _warnings = kept.compiler.compile_with_warnings(
                format="pdf", pdf_standards="ua-1", timestamp=settings["timestamp"]
            )
        except typst.TypstError as exc:
            raise TypstFailure(f"Typst could not lay out the PDF: {exc.message}") from exc
        except BaseException:  # a panic, say: what the compiler holds is not to be trusted
            _close_kept(os.getpid())
            raise
    assert isinstance(data, bytes)
    return data


KEPT_KIND = "typst"  # its kept folder's (kept_folders.py)
MAIN = "main.typ"
KEPT_FILES = 16  # files no longer needed that a kept compiler may hold before it is renewed


@dataclass
class _Kept:
    """A Typst compiler kept for this process's next layouts, and the folder it reads.

    Typst remembers what it laid out by the files it read; given the same root and
    main file again, it reuses all of it that the changed source leaves alone. The
    compiler reads the fonts once, so it is kept for one set of font folders.
    """

    fonts: tuple[str, ...]
    folder: Path = field(default_factory=lambda: kept_folder(KEPT_KIND))
    compiler: Any = None
    held: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)  # every file it has been given

    @property
    def worn(self) -> bool:
        """Whether it has read many files it no longer needs. It keeps every file it has
        read, and a picture's file name is its content's hash: each chart or picture
        changed during a watch adds one."""
        return len(self.seen) > 2 * len(self.held) + KEPT_FILES

    def __post_init__(self) -> None:
        import typst

        (self.folder / MAIN).write_text("", encoding="utf-8")
        self.compiler = typst.Compiler(
            str(self.folder / MAIN),
            root=str(self.folder),
            font_paths=list(self.fonts),
            ignore_system_fonts=True,
        )

    def hold(self, files: dict[str, bytes], source: str) -> None:
        """Make the folder hold exactly `files` and the source, nothing a layout before
        left there (a draft mark since taken off, say)."""
        for name in self.held - set(files):
            (self.folder / name).unlink(missing_ok=True)
        for name, data in files.items():
            (self.folder / name).write_bytes(data)
        self.held = set(files)
        self.seen |= self.held
        (self.folder / MAIN).write_text(source, encoding="utf-8")

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


_kept_lock = threading.Lock()
_kept: dict[int, _Kept] = {}  # by process: a forked copy makes its own
_closed_at_exit: set[int] = set()  # the processes that have _close_kept registered


def _kept_compiler(fonts: tuple[str, ...]) -> _Kept:
    """This process's kept compiler for `fonts` (called holding _kept_lock)."""
    pid = os.getpid()
    kept = _kept.get(pid)
    if kept is None or kept.fonts != fonts or kept.worn:
        if kept is not None:
            kept.close()
        if pid not in _closed_at_exit:
            _closed_at_exit.add(pid)
            atexit.register(_close_kept, pid)
        kept = _kept[pid] = _Kept(fonts)
    return kept


def _close_kept(pid: int) -> None:
    kept = _kept.pop(pid, None)
    if kept is not None and pid == os.getpid():
        kept.close()


def _compile_in_parts(document: Document, source: TypstSource, runs: list[range]) -> bytes:
    """The PDF of `source` laid out a run of blocks at a time, each in a new process.

    First each part is laid out for its page count and where its labels are. Then each
    is laid out again and exported, knowing the pages before it, the whole's page count
    and the pages of the labels it names in other parts (the contents'); if a part's
    page count then differs (a contents line that wrapped once its number was in), the
    parts are laid out once more with the new counts.
    """
    settings = _settings(document, source.files)
    placed = [_in_child(source.text(run), settings, pdf=False) for run in runs]
    for _ in range(SETTLE_ROUNDS):
        counts = [part.count for part in placed]
        offsets = list(itertools.accumulate([0, *counts[:-1]]))
        pages = {
            name: offsets[index] + spot.page
            for index, part in enumerate(placed)
            for name, spot in part.where.items()
        }
        done = [
            _in_child(
                source.text(run, _layout(source, run, offsets[i], sum(counts), pages)), settings
            )
            for i, run in enumerate(runs)
        ]
        if [part.count for part in done] == counts:
            spots = {
                name: replace(spot, page=offsets[index] + spot.page)
                for index, part in enumerate(done)
                for name, spot in part.where.items()
            }
            with join_parts([part.pdf or b"" for part in done], spots) as pdf:
                return finished(pdf)
        placed = done
    raise TypstFailure("Typst could not settle the contents' page numbers across the PDF's parts")


def _layout(
    source: TypstSource, run: range, offset: int, total: int, pages: dict[str, int]
) -> Layout:
    """A part's place in the whole: its first page, the page count, and the pages of the
    labels it names that other parts define (by the link it writes for each)."""
    defined, named = source.labels(run)
    known = {ELSEWHERE + name: pages[name] for name in named - defined if name in pages}
    return Layout(offset=offset, total=total, known=known)


@dataclass(frozen=True)
class Placed:
    """A part laid out: its page count, where its labels are, its PDF (if exported)."""

    count: int
    where: dict[str, Spot]
    pdf: bytes | None


def _in_child(text: str, settings: dict[str, Any], pdf: bool = True) -> Placed:
    """Lay `text` out (and export it, with `pdf`) in a new process (`typst_child.py`),
    tied to this one's life and under the same memory cap."""
    # Its folder is named as a kept one (kept_folders.py), so that it is removed even
    # when the part's process is killed (the memory cap) before it can remove it.
    prefix = f"{PREFIX}{{pid}}-{KEPT_KIND}-part-"
    request = {**settings, "source": text, "where": WHERE, "pdf": pdf, "prefix": prefix}
    process = subprocess.Popen(
        [sys.executable, "-I", str(CHILD)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=die_with_parent_preexec(),  # noqa: PLW1509 - two system calls, no more
    )
    out, err = process.communicate(pickle.dumps(request))
    if process.returncode != 0 or not out:
        # Typst aborts when an allocation fails: under the memory cap, that is the cap.
        raise MemoryError(
            f"Typst's layout of part of the PDF ended ({process.returncode}): "
            + err.decode("utf-8", "replace").strip()[-300:]
        )
    status, value = pickle.loads(out)
    if status != "ok" and any(words in str(value).lower() for words in MEMORY_WORDS):
        raise MemoryError(f"Typst's layout of part of the PDF ended: {value}")
    if status != "ok":
        raise TypstFailure(f"Typst could not lay out the PDF: {value}")
    data, said = value
    count, spots = json.loads(said)
    where = {
        str(name): Spot(int(page), float(x), float(y), bool(heading))
        for name, page, x, y, heading in spots
    }
    return Placed(int(count), where, data)
