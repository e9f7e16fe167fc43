"""A Typst PDF laid out in parts (render/typst_pdf.py, render/typst_join.py): a plan too
large for one layout is laid out a run of chapters at a time, each in a process of its
own, and the parts' PDFs are joined. The joined PDF must be the PDF laid out at once:
the same pages, text, bookmarks and links, tagged as well, the same bytes each time.

The example is laid out both ways once (module fixtures), in parts with a small budget
so that it makes several parts (the real budget makes them only for plans of about 130
pages and more: the L benchmark plan, bench/RESULTS.md).
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pikepdf
import pytest
from conftest import alive
from pypdf import PdfReader
from test_pack import outline
from test_validators import matterhorn_problems, outloud_errors, pdfua_findings

from bcf_docgen.document.model import Document
from bcf_docgen.render.kept_folders import PREFIX, sweep
from bcf_docgen.render.typst import typst_source
from bcf_docgen.render.typst_pdf import PART_CHARACTERS, render_typst_pdf
from bcf_docgen.workers import MEMORY_VARIABLE

EXAMPLE = Path(__file__).resolve().parents[1] / "content" / "example"
BUDGET = 40_000  # about ten pages of the example a part
SAFETY_SECONDS = 1800  # only so that a broken test ends: no test waits on the machine's speed


@pytest.fixture(scope="module")
def document(example_document: Document) -> Document:
    return example_document


@pytest.fixture(scope="module")
def at_once(document) -> bytes:
    return render_typst_pdf(document, part_characters=10**9)


@pytest.fixture(scope="module")
def in_parts(document) -> bytes:
    return render_typst_pdf(document, part_characters=BUDGET)


def test_the_runs_cover_the_blocks_in_order_each_starting_a_page(document):
    source = typst_source(document)
    sizes = [len(block) for block in source.blocks]
    for budget in (BUDGET, 20_000, 100_000):
        runs = source.parts(budget)
        assert len(runs) > 1
        assert runs[0].start == 0 and runs[-1].stop == len(source.blocks)
        assert all(a.stop == b.start for a, b in zip(runs, runs[1:], strict=False))
        assert {run.start for run in runs[1:]} <= set(source.splits)
        for run in runs:  # within the budget, unless one page-starting piece is larger
            size = sum(sizes[run.start : run.stop])
            pieces = [run.start, *(s for s in source.splits if run.start < s < run.stop)]
            if len(pieces) > 1:
                assert size <= budget, (budget, size)
    assert len(source.parts(PART_CHARACTERS)) == 1  # the example is laid out at once


def test_the_parts_are_the_plan_laid_out_at_once(at_once, in_parts, document):
    assert len(typst_source(document).parts(BUDGET)) >= 4
    whole, parts = PdfReader(io.BytesIO(at_once)), PdfReader(io.BytesIO(in_parts))
    assert len(parts.pages) == len(whole.pages)
    # Every page's text: the footer's "Page X of Y", the contents' page numbers of
    # headings in later parts, the running header and the draft mark's absence included.
    for number, (a, b) in enumerate(zip(whole.pages, parts.pages, strict=True), start=1):
        assert b.extract_text() == a.extract_text(), number
        assert (b.mediabox.width, b.mediabox.height) == (a.mediabox.width, a.mediabox.height)
    assert outline(parts) == outline(whole)
    assert _links(in_parts) == _links(at_once)
    assert len(_links(in_parts)) > 200


def test_the_joined_pdf_is_tagged_as_well(in_parts, tmp_path):
    path = tmp_path / "parts.pdf"
    path.write_bytes(in_parts)
    found = {
        "matterhorn": matterhorn_problems(path),
        "pdfua": pdfua_findings(path),
        "outloud": outloud_errors(path),
    }
    assert found == {name: [] for name in found}
    with pikepdf.open(path) as pdf:
        tree = pdf.Root.StructTreeRoot
        keys = {int(k) for k, _ in pikepdf.NumberTree(tree.ParentTree).items()}
        used = [int(p.obj.StructParents) for p in pdf.pages if "/StructParents" in p.obj]
        used += [int(a.StructParent) for p in pdf.pages for a in p.obj.get("/Annots", [])]
        assert sorted(used) == sorted(keys) and len(set(used)) == len(used)
        assert int(tree.ParentTreeNextKey) == max(keys) + 1
        ids, headers = _ids_and_headers(tree)
        assert len(ids) == len(set(ids)) > 100  # each part's table IDs made unique
        assert headers and headers <= set(ids)
        assert {str(k) for k, _ in pikepdf.NameTree(tree.IDTree).items()} == set(ids)


def test_the_same_plan_in_parts_gives_the_same_bytes(document, in_parts):
    assert render_typst_pdf(document, part_characters=BUDGET) == in_parts


def test_a_part_over_the_memory_cap_is_a_memory_error(document, monkeypatch):
    # Each part's process gets the memory cap of the worker that starts it; with 110 MB
    # of address space Typst's first allocations for a part fail (or, with fewer cores
    # and so fewer threads, its library cannot be loaded): either way a memory error,
    # which the build reports as the cap (test_hostile_limits.py).
    monkeypatch.setenv(MEMORY_VARIABLE, "110")
    with pytest.raises(MemoryError, match="Typst's layout of part of the PDF ended"):
        render_typst_pdf(document, part_characters=BUDGET)


def test_a_part_ends_with_the_process_that_lays_it_out(tmp_path):
    """SIGKILL the process that lays the plan out: the part's process ends with it, and
    the folder it could not remove goes at the next sweep (kept_folders.py)."""
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from bcf_docgen.pipeline import check_plan
        from bcf_docgen.render.typst_pdf import render_typst_pdf
        document = check_plan(Path({str(EXAMPLE)!r}), None).document
        while True:
            render_typst_pdf(document, part_characters={BUDGET})
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    child = None
    try:
        child = _wait_for(lambda: _part_with_folder(parent.pid))
        # Stopped, the part cannot finish (and end) of its own accord: only the signal
        # it is to get when its parent dies can end it.
        os.kill(child, signal.SIGSTOP)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        assert _wait_for(lambda: not alive(child))
        sweep()
        assert not _folders(child)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if child is not None and alive(child):
            os.kill(child, signal.SIGKILL)


# -- helpers ---------------------------------------------------------------------------


def _links(data: bytes) -> list[tuple]:
    """Each link: its page, box, description and target (page, x, y; or its URL)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        index = {page.obj.objgen: number for number, page in enumerate(pdf.pages)}
        names = pdf.Root.get("/Names")
        dests = {}
        if names is not None and "/Dests" in names:
            dests = {str(k): v for k, v in pikepdf.NameTree(names.Dests).items()}
        links = []
        for number, page in enumerate(pdf.pages):
            for annot in page.obj.get("/Annots", []):
                dest = annot.get("/Dest")
                if isinstance(dest, pikepdf.String):
                    dest = dests[str(dest)]
                target = (
                    (index[dest[0].objgen], round(float(dest[2]), 1), round(float(dest[3]), 1))
                    if dest is not None
                    else str(annot.A.URI)
                )
                box = tuple(round(float(v), 1) for v in annot.Rect)
                links.append((number, box, str(annot.get("/Contents")), target))
        return links


def _ids_and_headers(tree) -> tuple[list[str], set[str]]:
    ids: list[str] = []
    headers: set[str] = set()
    stack = [tree.K]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
            continue
        if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
            continue
        if "/ID" in node:
            ids.append(str(node.ID))
        attributes = node.get("/A")
        for attribute in attributes if isinstance(attributes, pikepdf.Array) else [attributes]:
            if isinstance(attribute, pikepdf.Dictionary) and "/Headers" in attribute:
                headers.update(str(h) for h in attribute.Headers)
        if "/K" in node:
            stack.append(node.K)
    return ids, headers


def _part_process(parent: int) -> int | None:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if ppid == parent and b"typst_child.py" in command:
            return int(entry.name)
    return None


def _folders(pid: int) -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob(f"{PREFIX}{pid}-*"))


def _part_with_folder(parent: int) -> int | None:
    child = _part_process(parent)
    return child if child is not None and _folders(child) else None


def _wait_for(condition):
    deadline = time.monotonic() + SAFETY_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("the condition never held")
