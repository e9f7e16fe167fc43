"""Every command that makes a PDF takes `--engine` (docs/engines.md): `build` with one plan
or several, `pack`, `watch`, `preview` and `summary`. Which engine made a PDF is read from
the PDF's metadata ("Typst ..." or "WeasyPrint ..."), so these tests fail if a command
drops the choice on its way to the worker that lays the PDF out.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pikepdf
import pytest
from conftest import INTRO_MD, MakePlan, run_cli
from pypdf import PdfReader
from test_validators import matterhorn_problems

from bcf_docgen.build import Writers
from bcf_docgen.engines import DEFAULT_PDF_ENGINE, PDF_ENGINES
from bcf_docgen.watch import Rebuilder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from generate import generate_plan  # noqa: E402

SLUG = "testshire-bcf-2025-26"


def creator(pdf: Path) -> str:
    """What made the PDF: Typst names itself as its creator, WeasyPrint as its producer."""
    metadata = PdfReader(str(pdf)).metadata
    return str(metadata.get("/Creator") or metadata.get("/Producer"))


def test_the_engines_and_the_default_are_named_once():
    assert PDF_ENGINES == ("weasyprint", "typst")
    assert DEFAULT_PDF_ENGINE in PDF_ENGINES
    for command in ("build", "pack", "watch", "preview", "summary"):
        shown = run_cli(command, "--help")
        assert "--engine [weasyprint|typst]" in shown.stdout, command


def test_several_plans_are_built_with_the_engine_asked_for(make_plan: MakePlan, tmp_path: Path):
    plans = [make_plan(name="one"), make_plan(name="two")]
    for index, plan in enumerate(plans):  # two areas, so their files do not clash
        yaml = plan / "plan.yaml"
        yaml.write_text(yaml.read_text().replace("Testshire", f"Testshire {index}"))
    out = tmp_path / "out"
    result = run_cli("build", *plans, "--out", out, "--to", "pdf", "--engine", "typst")
    assert result.returncode == 0, result.stderr[-2000:]
    made = sorted(out.glob("*.pdf"))
    assert len(made) == 2
    assert all(creator(pdf).startswith("Typst") for pdf in made), [creator(p) for p in made]


def test_watch_lays_the_pdf_out_with_its_engine_in_the_background(
    make_plan: MakePlan, tmp_path: Path
):
    plan, out = make_plan(), tmp_path / "out"
    messages: list[str] = []
    rebuilder = Rebuilder(plan, out, ("html", "pdf"), say=messages.append, engine="typst")
    try:
        rebuilder.rebuild()
        assert rebuilder.background is not None
        assert rebuilder.background.wait(timeout=1800)  # a safety net, not a speed limit
        first = (out / f"{SLUG}.pdf").read_bytes()
        (plan / "sections" / "intro.md").write_text("# Introduction\n\nA second save.\n")
        rebuilder.rebuild()  # the same worker, whose Typst caches are warm
        assert rebuilder.background.wait(timeout=1800)
    finally:
        rebuilder.close()
    pdf = out / f"{SLUG}.pdf"
    assert creator(pdf).startswith("Typst")
    assert pdf.read_bytes() != first
    assert "A second save." in "".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    assert sum(m.startswith("PDF updated") for m in messages) == 2, messages


def test_watch_follows_the_themes_engine(make_plan: MakePlan, tmp_path: Path):
    plan = make_plan({"theme.yaml": "pdf_engine: typst\n"})
    yaml = plan / "plan.yaml"
    yaml.write_text(yaml.read_text() + "theme: theme.yaml\n")
    out = tmp_path / "out"
    rebuilder = Rebuilder(plan, out, ("html", "pdf"), say=lambda _: None)
    try:
        rebuilder.rebuild()
        assert rebuilder.background is not None
        assert rebuilder.background.wait(timeout=1800)
    finally:
        rebuilder.close()
    assert creator(out / f"{SLUG}.pdf").startswith("Typst")


@pytest.mark.parametrize("engine", PDF_ENGINES)
def test_the_regional_summary_uses_the_engine_asked_for(tmp_path: Path, engine: str):
    plans = [generate_plan(tmp_path / f"plan-{seed}", "S", seed) for seed in (1, 2)]
    out = tmp_path / "out"
    result = run_cli("summary", *plans, "--out", out, "--jobs", "1", "--engine", engine)
    assert result.returncode == 0, result.stderr[-2000:]
    (pdf,) = out.glob("*.pdf")
    assert creator(pdf).lower().startswith(engine)


# Run in the worker: which engines it has imported (a builtin and a string, which pickle).
IMPORTED = "sorted(m for m in ('weasyprint', 'typst') if m in __import__('sys').modules)"


@pytest.mark.parametrize("engine", PDF_ENGINES)
def test_a_pdf_worker_imports_its_own_engine_only(engine: str):
    with Writers(["pdf"], engine) as writers:
        assert writers.submit("pdf", eval, IMPORTED).result(timeout=1800) == [engine]


NESTED_LISTS = INTRO_MD + (
    "\n1. A first step, with points of its own:\n"
    "    - a first point;\n"
    "    - a second point.\n"
    "2. A second step.\n"
)


@pytest.mark.parametrize("engine", PDF_ENGINES)
def test_a_list_inside_a_list_item_is_tagged_as_its_body(
    make_plan: MakePlan, tmp_path: Path, engine: str
):
    # A list item may hold only a label and a body (Matterhorn 09): a nested list and the
    # item's own text go into its /LBody, whichever engine laid the page out.
    plan = make_plan({"sections/intro.md": NESTED_LISTS})
    out = tmp_path / "out"
    result = run_cli("build", plan, "--out", out, "--to", "pdf", "--engine", engine)
    assert result.returncode == 0, result.stderr[-2000:]
    pdf = out / f"{SLUG}.pdf"
    with pikepdf.open(pdf) as document:
        items = [e for e in _elements(document) if e.S == "/LI"]
        kinds = [sorted({str(k.S) for k in _struct_kids(item)}) for item in items]
    assert len(items) >= 4, kinds
    assert all(kind == ["/LBody", "/Lbl"] for kind in kinds), kinds
    assert matterhorn_problems(pdf) == []


def _struct_kids(element) -> list:
    kids = element.get("/K")
    return [
        kid
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids])
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid
    ]


def _elements(pdf: pikepdf.Pdf):
    stack = [pdf.Root.StructTreeRoot]
    while stack:
        for kid in _struct_kids(stack.pop()):
            yield kid
            stack.append(kid)
