"""The benchmark's plan generator: its plans pass `check`, hold every kind of content,
and the same seed gives the same files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import run_cli

from bcf_docgen.document.model import (
    Callout,
    Contents,
    Figure,
    Heading,
    Landscape,
    Link,
    ListBlock,
    PageBreak,
    Paragraph,
    Signature,
    Table,
    XRef,
    inline_nodes,
)
from bcf_docgen.pipeline import check_plan

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

from equivalent import document_markdown  # noqa: E402
from generate import SIZES, Generator, generate_plan  # noqa: E402


@pytest.fixture(scope="module")
def small_plan(tmp_path_factory) -> Path:
    return generate_plan(tmp_path_factory.mktemp("bench") / "plan", "S", seed=1)


@pytest.fixture(scope="module")
def small_checked(small_plan):
    return check_plan(small_plan)


def test_a_small_plan_passes_check_from_the_command_line(small_plan):
    result = run_cli("check", small_plan)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " error" not in result.stdout


def test_a_small_plan_has_no_errors_and_builds_a_document(small_checked):
    assert small_checked.findings.errors == [], [f.format() for f in small_checked.findings]
    assert small_checked.document is not None
    schemes = [h for h in small_checked.document.headings() if h.id.startswith("scheme-")]
    assert len(schemes) == SIZES["S"].schemes


def test_every_kind_of_content_is_present(small_checked):
    document = small_checked.document
    blocks = list(document.walk())
    kinds = {type(b) for b in blocks}
    for kind in (Heading, Paragraph, ListBlock, Callout, Table, Figure, Contents, Landscape):
        assert kind in kinds, kind.__name__
    assert PageBreak in kinds and Signature in kinds
    assert {h.level for h in document.headings()} >= {1, 2, 3, 4}
    assert any(h.appendix for h in document.headings())
    lists = [b for b in blocks if isinstance(b, ListBlock)]
    assert any(b.ordered for b in lists) and any(not b.ordered for b in lists)
    assert any(isinstance(x, ListBlock) for b in lists for item in b.items for x in item)
    assert {c.kind for c in blocks if isinstance(c, Callout)} >= {"statement", "note", "quote"}
    assert {p.style for p in blocks if isinstance(p, Paragraph)} >= {"body", "lead", "small"}
    assert document.footnotes
    inlines = [node for b in blocks if isinstance(b, Paragraph) for node in inline_nodes(b.inlines)]
    xref_kinds = {n.kind for n in inlines if isinstance(n, XRef)}
    assert xref_kinds >= {"sec", "tbl", "fig", "app", "scheme", "risk", "metric"}
    assert any(isinstance(n, Link) for n in inlines)
    captioned = [t for t in blocks if isinstance(t, Table) and t.caption]
    assert len(captioned) > 2 * SIZES["S"].schemes  # expenditure tables, computed and typed


def test_the_same_seed_gives_the_same_files_and_another_seed_does_not():
    first = Generator("S", 3).generate()
    assert first == Generator("S", 3).generate()
    assert first != Generator("S", 4).generate()


@pytest.mark.parametrize("size", ["M", "L"])
def test_bigger_sizes_have_more_of_everything(size):
    small, big = Generator("S", 1).generate(), Generator(size, 1).generate()
    schemes = [name for name in big if name.startswith("schemes/")]
    assert len(schemes) == SIZES[size].schemes
    sections = [name for name in big if name.startswith("sections/")]
    assert len(sections) > len([name for name in small if name.startswith("sections/")])


def test_the_equivalent_markdown_holds_every_heading_and_caption(small_checked):
    document = small_checked.document
    text = document_markdown(document)
    for heading in document.headings():
        assert heading.anchor in text
    for table in document.tables():
        if table.caption:
            assert f"Table: {table.label}" in text
    assert text.count("![") == len(document.figures())


def test_generate_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "x").write_text("x")
    with pytest.raises(FileExistsError):
        generate_plan(tmp_path, "S")
