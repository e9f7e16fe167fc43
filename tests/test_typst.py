"""The Typst PDF engine (`--engine typst`, docs/engines.md): the same document as the Word
file and the WeasyPrint PDF, the same validators, plan text that stays text, and the same
bytes on every build.

The example plan and the scheme-appendix example are built with Typst once each (module
fixtures); the example's Word file and WeasyPrint PDF come from the shared build.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pikepdf
import pytest
from conftest import INTRO_MD, PLAN_YAML, run_cli
from pypdf import PdfReader
from test_validators import matterhorn_problems, outloud_errors, pdfua_findings

from bcf_docgen.document.model import (
    Callout,
    Cell,
    Column,
    Contents,
    ContentsEntry,
    Document,
    DocumentInfo,
    Heading,
    Link,
    ListBlock,
    Paragraph,
    Row,
    Signature,
    Table,
    Text,
    XRef,
)
from bcf_docgen.findings import Location
from bcf_docgen.jobs import verify_outputs
from bcf_docgen.pipeline import check_plan
from bcf_docgen.render.typst import label_name, render_typst, typst_string
from bcf_docgen.render.typst_pdf import render_typst_pdf
from bcf_docgen.theme import Theme, look_from_theme

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "content" / "example"
SCHEMES = ROOT / "content" / "examples" / "scheme-appendix"
STEM = "kingsmere-bcf-2025-26"


@pytest.fixture(scope="module")
def typst_example(tmp_path_factory) -> Path:
    """The example's PDF laid out by Typst (its Word file is the shared build's)."""
    out = tmp_path_factory.mktemp("typst-example")
    result = run_cli("build", EXAMPLE, "--out", out, "--to", "pdf", "--engine", "typst")
    assert result.returncode == 0, result.stdout + result.stderr
    return out / f"{STEM}.pdf"


@pytest.fixture(scope="module")
def typst_schemes(tmp_path_factory) -> tuple[Path, Path, Document]:
    """The scheme-appendix example with Typst: (Word file, PDF, its document)."""
    out = tmp_path_factory.mktemp("typst-schemes")
    result = run_cli("build", SCHEMES, "--out", out, "--engine", "typst", "--no-paginate")
    assert result.returncode == 0, result.stdout + result.stderr
    checked = check_plan(SCHEMES, None)
    assert checked.document is not None
    return next(out.glob("*.docx")), next(out.glob("*.pdf")), checked.document


# -- parity ----------------------------------------------------------------------------


def test_the_typst_pdf_says_what_the_word_file_says(typst_example, example_build, example_document):
    # --verify's comparison: every heading (bookmarks), caption, reference, table cell,
    # picture, and the look read back (sizes, fonts, margins, fills, RAG colours).
    word = example_build / f"{STEM}.docx"
    assert verify_outputs({"docx": word, "pdf": typst_example}, example_document) == []


def test_the_typst_pdf_has_the_weasyprint_pdfs_bookmarks(typst_example, example_build):
    # (Their text, cells and captions are each compared with the Word file's above and
    # in --verify's own tests; the bookmarks, numbers included, with each other here.)
    assert _outline(typst_example) == _outline(example_build / f"{STEM}.pdf")


def _outline(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []

    def walk(items, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, re.sub(r"\s+", " ", str(item.title)).strip()))

    walk(PdfReader(str(path)).outline, 0)
    return found


def test_the_scheme_appendix_example_agrees_with_its_word_file(typst_schemes):
    word, pdf, document = typst_schemes
    # That plan has no table with a header row, so neither file shows its fill ("Word
    # not found"): a fact about the plan that WeasyPrint's PDF shares.
    differences = [d for d in verify_outputs({"docx": word, "pdf": pdf}, document)]
    assert [d for d in differences if "Word not found" not in d] == []


# -- validators ----------------------------------------------------------------------


@pytest.mark.parametrize("which", ["example", "schemes"])
def test_the_typst_pdfs_pass_the_pdf_validators(which, typst_example, typst_schemes):
    pdf = typst_example if which == "example" else typst_schemes[1]
    found = {
        "matterhorn": matterhorn_problems(pdf),
        "pdfua": pdfua_findings(pdf),
        "outloud": outloud_errors(pdf),
    }
    assert found == {name: [] for name in found}


def test_the_typst_pdf_has_what_the_weasyprint_pdf_has(typst_example, example_document):
    reader = PdfReader(str(typst_example))
    total = len(reader.pages)
    # --engine chose Typst over the example theme's default.
    assert "Typst" in str(reader.metadata.get("/Creator"))
    with pikepdf.open(typst_example) as pdf:
        assert str(pdf.Root.Lang) == "en-GB"
        assert pdf.Root.MarkInfo.Marked
        assert str(pdf.open_metadata().get("pdfuaid:part")) == "1"
        assert str(pdf.docinfo.Title) == "Better Care Fund Plan 2025-26: Kingsmere"
    # Landscape pages for the wide tables, portrait the rest.
    sizes = {
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    }
    assert sizes == {(595, 842), (842, 595)}
    # The cover has no running heads; the others "Page X of Y" and the running header.
    assert "Page" not in (reader.pages[0].extract_text() or "")
    third = reader.pages[2].extract_text() or ""
    assert f"Page 3 of {total}" in third and "Kingsmere (DRAFT)" in third
    # The contents give each heading's page, and link to it.
    contents = reader.pages[2].extract_text() or ""
    assert re.search(r"1 Foreword[ .]*\d+", contents)
    links = [a for a in reader.pages[2].get("/Annots") or [] if a.get_object().get("/Dest")]
    assert len(links) >= 10
    # Bookmarks nest: sections hold their sub-sections.
    assert any(isinstance(item, list) for item in reader.outline)
    # The draft mark is a picture behind the text, never text a reader would read out.
    assert "DRAFT" not in (reader.pages[5].extract_text() or "").replace("(DRAFT)", "")
    fonts = {str(f) for page in reader.pages[:3] for f in _fonts(page)}
    assert fonts and all("LiberationSans" in name for name in fonts)


def _fonts(page) -> list[str]:
    resources = page.get("/Resources") or {}
    fonts = resources.get("/Font") or {}
    return [fonts[key].get_object().get("/BaseFont") for key in fonts]


# -- untrusted text --------------------------------------------------------------------

HOSTILE = [
    '#read("/etc/passwd")',
    "#let f() = f(); #f()",
    '] [ #import "@preview/x:0.1.0": * $x^2$',
    '\\" + read("x") + "',
    "*bold* _under_ `raw` <label> @ref = heading - item + enum ~ / // comment",
    '#{ panic() } #eval("1") \\u{41}',
]


def _hostile_document(canary: str) -> Document:
    info = DocumentInfo(
        title=HOSTILE[0],
        subtitle="",
        area=HOSTILE[2],
        board="Board",
        version="1",
        date=dt.date(2025, 3, 14),
        date_text="14 March 2025",
        status="draft",
        author=HOSTILE[1],
        subject=HOSTILE[3],
        keywords=[HOSTILE[4]],
    )
    here = Location("plan.yaml", 1)
    text = [Text(s) for s in HOSTILE] + [Text(f'#read("{canary}")', bold=True, code=True)]
    blocks = [
        Heading(1, [Text(HOSTILE[0])], "h", here, number="1", anchor='sec-"]#x', prefix="1"),
        Contents(entries=[ContentsEntry(1, HOSTILE[1], 'sec-"]#x', prefix="1")]),
        Paragraph(text),
        Paragraph(
            [
                XRef("sec", "h", here, HOSTILE[2], 'sec-"]#x'),
                Link('https://e.org/"]', [Text(HOSTILE[5])]),
            ]
        ),
        ListBlock(False, [[Paragraph([Text(HOSTILE[3])])]]),
        Callout([Paragraph([Text(HOSTILE[4])])], title=HOSTILE[5]),
        Table(
            [Column(HOSTILE[0]), Column(HOSTILE[1], numeric=True)],
            [
                Row([Cell([Text(HOSTILE[0])]), Cell([Text(HOSTILE[1])])]),
                Row([Cell([Text(HOSTILE[2])], rag="red"), Cell([Text(HOSTILE[3])], align="right")]),
            ],
            id="t",
            caption=[Text(HOSTILE[4])],
            anchor="tbl-#]",
            label="Table 1",
            separator=": ",
        ),  # fmt: skip
        Signature("Board", HOSTILE[5], HOSTILE[0], None, "", lines=[(HOSTILE[1], HOSTILE[2])]),
    ]
    document = Document.single(info, look_from_theme(Theme()), blocks)
    document.part.running_header = HOSTILE[5]
    document.part.footer = HOSTILE[4]
    return document


def test_plan_text_is_printed_never_run(tmp_path):
    canary = tmp_path / "canary.txt"
    canary.write_text("CANARY-typst-outside")
    data = render_typst_pdf(_hostile_document(str(canary)), tmp_path)
    text = re.sub(
        r"\s+", "", "".join(p.extract_text() or "" for p in PdfReader(_bytes(data)).pages)
    )
    for hostile in HOSTILE:
        assert re.sub(r"\s+", "", hostile) in text, hostile
    assert "CANARY-typst-outside" not in text and b"CANARY" not in data


def test_the_source_holds_plan_text_only_as_string_literals():
    source, _ = render_typst(_hostile_document("/etc/passwd"))
    body = source.split("\n#set page(", 1)[1].split("\n", 1)[1]  # after the preamble
    # Take out every string literal: what is left is the writer's own code.
    code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', body)
    for word in ("read(", "import", "eval(", "panic(", "let f", "$x"):
        assert word not in code


def test_escapes():
    # (Characters XML cannot hold are dropped first, as in every output.)
    assert typst_string('a"b\\c\nd\u2028\x07') == '"a\\"b\\\\c\\nd\\u{2028}"'
    assert label_name("sec-a_1") == "sec-a_1"
    assert label_name('a"]#') == "a.22..5d..23."
    assert label_name("a.b") != label_name("a.2e.b")


def _bytes(data: bytes):
    import io

    return io.BytesIO(data)


# -- the same bytes --------------------------------------------------------------------


NOTED_INTRO = (
    INTRO_MD
    + '\nA claim with a note.[^1] And `#read("/etc/passwd")` and #import and $x$ ] [.\n'
    + "\n[^1]: The note's text.\n"
)


def test_two_builds_are_the_same_bytes_with_the_fixed_date(make_plan, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    plan = make_plan({"sections/intro.md": NOTED_INTRO})
    first = check_plan(plan, None).document
    second = check_plan(plan, None).document
    assert first is not None and second is not None
    a, b = render_typst_pdf(first, plan), render_typst_pdf(second, plan)
    assert a == b
    assert "20231114" in str(PdfReader(_bytes(a)).metadata.get("/CreationDate"))
    # Markdown's text reaches the page as written too, and the note is at the end.
    text = "".join(page.extract_text() or "" for page in PdfReader(_bytes(a)).pages)
    assert 'And #read("/etc/passwd") and #import and $x$ ] [.' in text
    assert "1. The note's text." in text


def test_the_theme_chooses_the_engine(make_plan, tmp_path):
    plan = make_plan(
        {"plan.yaml": PLAN_YAML + "theme: theme.yaml\n", "theme.yaml": "pdf_engine: typst\n"}
    )
    result = run_cli("build", plan, "--out", tmp_path / "out", "--to", "pdf")
    assert result.returncode == 0, result.stdout + result.stderr
    pdf = next((tmp_path / "out").glob("*.pdf"))
    assert "Typst" in str(PdfReader(str(pdf)).metadata.get("/Creator"))


# -- the finishing pass (render/typst_finish.py) ----------------------------------------


def _structure(pdf: pikepdf.Pdf):
    """Every structure element, depth first."""
    stack = [pdf.Root.StructTreeRoot]
    while stack:
        element = stack.pop()
        kids = element.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                yield kid
                stack.append(kid)


def test_every_element_names_its_page_and_a_standard_type(typst_example):
    with pikepdf.open(typst_example) as pdf:
        pages = {page.objgen for page in pdf.pages}
        elements = list(_structure(pdf))
        tables = [e for e in elements if e.S == "/Table"]
        assert len(tables) >= 20
        # A table is placed on the page where it starts (outloud matches a drawn grid to
        # the /Table on its page): Typst leaves /Pg to the marked-content references.
        assert all(table.Pg.objgen in pages for table in tables)
        types = {str(e.S) for e in elements}
        assert not types & {"/Em", "/Strong"}, types  # written as the /Span they map to
        # Object streams, as the WeasyPrint PDF: no structure element stands alone.
        assert "/ObjStm" in {
            str(o.get("/Type")) for o in pdf.objects if isinstance(o, pikepdf.Stream)
        }


# -- the compiler kept for the next layout (watch, preview) ------------------------------


def test_a_layout_after_others_is_the_layout_made_afresh(make_plan, monkeypatch):
    from bcf_docgen.render import typst_pdf

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    plan = make_plan({"sections/intro.md": NOTED_INTRO})
    marked = check_plan(plan, None).document
    assert marked is not None and marked.parts[0].draft_mark  # a draft: the DRAFT mark
    changed = check_plan(plan, None).document
    assert changed is not None
    changed.parts[0].draft_mark = ""
    first = next(b for b in changed.walk() if isinstance(b, Paragraph))
    first.inlines.insert(0, Text("A sentence added since. "))

    typst_pdf._close_kept(os.getpid())
    render_typst_pdf(marked, plan)
    kept = typst_pdf._kept[os.getpid()]
    assert (kept.folder / "watermark.png").is_file()
    after = render_typst_pdf(changed, plan)
    assert typst_pdf._kept[os.getpid()] is kept  # laid out by the same compiler
    # The folder holds the source and this document's files, nothing the first left.
    assert not (kept.folder / "watermark.png").exists()
    assert {p.name for p in kept.folder.iterdir()} == {typst_pdf.MAIN, *kept.held}

    typst_pdf._close_kept(os.getpid())
    assert not kept.folder.exists()
    afresh = render_typst_pdf(changed, plan)
    assert typst_pdf._kept[os.getpid()] is not kept
    assert after == afresh
    assert "A sentence added since." in "".join(
        page.extract_text() or "" for page in PdfReader(_bytes(after)).pages
    )


def test_a_kept_compiler_holding_many_files_it_no_longer_needs_is_renewed(example_document):
    from bcf_docgen.render import typst_pdf

    typst_pdf._close_kept(os.getpid())
    compilers = []
    for save in range(2 * typst_pdf.KEPT_FILES):
        # A picture changed at every save: a new file name (its content's hash) each time.
        files = {f"picture-{save}.png": b"not read", "logo.png": b"not read either"}
        source = f'#set document(title: "Save {save}")\n#set text(lang: "en")\n= Save {save}'
        typst_pdf._compile(example_document, source, files)
        kept = typst_pdf._kept[os.getpid()]
        assert set(files) <= kept.held  # and the draft mark's picture
        assert {p.name for p in kept.folder.iterdir()} == {typst_pdf.MAIN, *kept.held}
        if not compilers or compilers[-1] is not kept:
            compilers.append(kept)
    assert len(compilers) == 2  # renewed once, when it had seen enough stale files
    assert not compilers[0].folder.exists()
