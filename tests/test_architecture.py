"""The shape of the code: stages import downward only, no import cycles, and every writer
has a rule for every node type of the model (docs/architecture.md describes the stages).

Imports are read from the source with `ast`, so the test sees imports inside functions
too; only those under `if TYPE_CHECKING:` (annotations, never run) are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bcf_docgen.document.model import BLOCK_TYPES, INLINE_TYPES
from bcf_docgen.render import docx as docx_writer
from bcf_docgen.render import html as html_writer
from bcf_docgen.render import typst as typst_writer

PACKAGE = Path(__file__).resolve().parents[1] / "bcf_docgen"

# The stages, lowest first. A module may import its own stage and those below it,
# except the writers, which may import only the core, the model and other writers.
STAGES = [
    "core",
    "model",
    "reading",
    "figures",
    "text",
    "checks",
    "composition",
    "writers",
    "application",
]
WRITER_MAY_IMPORT = {"core", "model", "writers"}


def stage_of(module: str) -> str:
    """The stage of a module, by its dotted name inside the package."""
    exact = {
        "findings": "core",
        "paths": "core",
        "exits": "core",
        "workers": "core",  # worker processes that die with their parent; imports nothing
        "engines": "core",  # the PDF engines' names and the default
        "formatting": "core",
        "limits": "core",
        "untrusted": "core",  # plan text and the environment made safe: XML, terminal
        "unknown": "core",  # figures not yet known (`tbc`) and totals over them
        "document.numbers": "core",
        "document.model": "model",
        "document.look": "model",
        "document.measure": "model",  # text widths: shared by composition and writers
        "frameworks": "reading",
        "theme": "reading",
        "periods": "reading",
        "sections": "reading",
        "derived": "figures",
        "performance": "figures",
        "rag": "figures",
        "templating": "text",
        "markdown": "text",
        "charts": "composition",
    }
    if module in exact:
        return exact[module]
    top = module.split(".")[0]
    if top == "content":
        return "reading"
    if top == "checks":
        return "checks"
    if top == "document":
        return "composition"
    if top == "render":
        return "writers"
    return "application"


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            found[".".join(parts)] = path
    return found


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that `module` imports (absolute names inside the package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        names: list[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                prefix = ".".join([*base, node.module] if node.module else base)
            elif node.module and node.module.startswith("bcf_docgen"):
                prefix = node.module.removeprefix("bcf_docgen").lstrip(".")
            else:
                continue
            names = [f"{prefix}.{alias.name}".lstrip(".") for alias in node.names] + [prefix]
        elif isinstance(node, ast.Import):
            names = [
                a.name.removeprefix("bcf_docgen").lstrip(".")
                for a in node.names
                if a.name.startswith("bcf_docgen")
            ]
        for name in names:
            # `from . import labels` names a module; `from .model import Text` its module.
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def test_stages_import_downward_only(graph):
    wrong = []
    for module, imported in graph.items():
        stage = stage_of(module)
        for other in imported:
            theirs = stage_of(other)
            if stage == "writers":
                allowed = theirs in WRITER_MAY_IMPORT
            else:
                allowed = STAGES.index(theirs) <= STAGES.index(stage)
            if not allowed:
                wrong.append(f"{module} ({stage}) imports {other} ({theirs})")
    assert wrong == []


def test_no_import_cycles(graph):
    cycles = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for other in sorted(graph.get(module, ())):
            if other not in graph:
                continue
            if state.get(other) == 1:
                cycles.append(" -> ".join([*trail[trail.index(other) :], other]))
            elif other not in state:
                visit(other, [*trail, other])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_rule_catches_a_writer_that_reads_the_plan(tmp_path):
    """The import reader itself: a writer importing the reader is seen, in a function too."""
    source = tmp_path / "bad.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ..theme import Theme\n"
        "def f():\n    from ..content.reader import read_plan\n",
        encoding="utf-8",
    )
    found = imports_of("render.bad", source, set(modules()))
    assert found == {"content.reader"}
    assert stage_of("content.reader") not in WRITER_MAY_IMPORT


@pytest.mark.parametrize(
    "writer", [html_writer, docx_writer, typst_writer], ids=["html", "docx", "typst"]
)
def test_every_node_type_has_a_rule_in_every_writer(writer):
    assert set(writer.BLOCK_RULES) == set(BLOCK_TYPES)
    assert set(writer.INLINE_RULES) == set(INLINE_TYPES)
