"""The Word file's page numbers settled in one LibreOffice load (render/libreoffice.py
`settle`, docx.py `build_docx`), and the LibreOffice a lone Word file starts early.

Real LibreOffice: a Word file whose contents were settled inside LibreOffice must carry
exactly the pages that a cold LibreOffice, laying the finished file out afresh, finds.
Every LibreOffice the tests start is found again by its pipe name in /proc and killed at
teardown.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLE, PLAN_YAML, alive, cli_path, write_plan
from test_libreoffice_warm import INTRO, await_none, kill_all, processes

from bcf_docgen.build import QUICK_ENGINES, YIELD_NICE, Writers
from bcf_docgen.document.model import Document
from bcf_docgen.pipeline import check_plan
from bcf_docgen.render import libreoffice as lo
from bcf_docgen.render.docx import bookmark_names, build_docx, render_docx

SAFETY_SECONDS = 1800  # only a broken test waits this long
PAGEREF = re.compile(
    r'PAGEREF (\S+) \\h.*?w:fldCharType="separate"/></w:r>(.*?)<w:fldChar w:fldCharType="end"'
)


def cached_pages(data: bytes) -> tuple[dict[str, str], str]:
    """bookmark -> the page its contents line shows, and docProps/app.xml's page count."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        body = package.read("word/document.xml").decode()
        app = package.read("docProps/app.xml").decode()
    shown = {
        name: "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", result))
        for name, result in PAGEREF.findall(body)
    }
    pages = re.search(r"<Pages>(\d+)</Pages>", app)
    return shown, pages.group(1) if pages else ""


def assert_cold_agrees(data: bytes) -> int:
    """The pages the file shows are those a cold LibreOffice lays it out with; its lines."""
    shown, total = cached_pages(data)
    pdf = lo.convert_to_pdf(data)
    assert pdf is not None
    cold = lo.read_pages(pdf)
    assert cold is not None
    assert shown and all(shown.values())
    assert {name: str(cold.page_of(name)) for name in shown} == shown
    assert total == str(cold.total)
    return len(shown)


@contextlib.contextmanager
def own_office() -> Iterator[None]:
    """This (test) process's LibreOffice state, restored and its processes killed after."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(lo.MODE_VARIABLE, raising=False)
        for name in ("_warm_for", "_early_for", "_no_uno_in"):
            patch.setattr(lo, name, None)
        pipes: list[str] = []
        real = lo.Office.__init__

        def noted(self: lo.Office, *args: object, **kwargs: object) -> None:
            real(self, *args, **kwargs)
            pipes.append(self.pipe)

        patch.setattr(lo.Office, "__init__", noted)
        try:
            yield
        finally:
            lo.close_warm()
            for pipe in pipes:
                kill_all(pipe)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Document:
    """A few-page plan's Document with a contents (its sections and their headings)."""
    plan = PLAN_YAML.replace("outline:\n", "outline:\n  - contents\n")
    assert plan != PLAN_YAML
    files = {"sections/intro.md": INTRO, "plan.yaml": plan}
    folder = write_plan(tmp_path_factory.mktemp("pages") / "plan", files)
    document = check_plan(folder, with_pack=False).document
    assert document is not None
    return document


def no_passes(*args: object, **kwargs: object) -> None:
    raise AssertionError("paginated pass by pass")


@pytest.fixture(scope="module")
def settled(small: Document) -> tuple[bytes, list[str]]:
    """build_docx with a LibreOffice started early and no pass-by-pass pagination to fall
    back on: the file and the pipes of the processes that made it."""
    with own_office(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(lo, "paginate", no_passes)
        lo.start_office()
        office = lo.warm_office()
        assert office is not None
        data, paginated = build_docx(small)
        assert paginated
        # Started for this file alone, it ended with it.
        assert lo.warm_office() is None and processes(office.pipe) == []
        return data, [office.pipe]


def test_one_load_settles_the_pages_a_cold_libreoffice_finds(
    settled: tuple[bytes, list[str]],
) -> None:
    assert assert_cold_agrees(settled[0]) >= 5


def test_settled_pages_are_written_as_any_rendering_with_them(
    settled: tuple[bytes, list[str]], small: Document
) -> None:
    shown, total = cached_pages(settled[0])
    names = bookmark_names(small)
    pages = {anchor: int(shown[name]) for anchor, name in names.items() if name in shown}
    assert settled[0] == render_docx(small, pages, total_pages=int(total))


def test_contents_not_as_described_are_not_settled(small: Document) -> None:
    data = render_docx(small)
    with own_office():
        lo.keep_warm()
        with pytest.raises(lo.Unsettled):
            lo.settle(data, [["bm_no_such_heading"]])
        with pytest.raises(lo.Unsettled):  # one contents more than the file has
            lo.settle(data, [["bm_no_such_heading"], ["bm_other"]])
        office = lo.warm_office()
        assert office is not None and office.pid is not None  # not a broken office


def test_an_office_killed_before_settling_is_replaced(
    small: Document, settled: tuple[bytes, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lo, "paginate", no_passes)
    with own_office():
        lo.start_office()
        office = lo.warm_office()
        assert office is not None and office.pid is not None
        killed = office.pid
        os.kill(killed, signal.SIGKILL)
        data, paginated = build_docx(small)
        assert paginated and data == settled[0]


def test_without_a_warm_libreoffice_the_build_pages_pass_by_pass(
    small: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No LibreOffice started here: settle says so, and the cold passes run as before.
    monkeypatch.setattr(lo, "_warm_for", None)
    monkeypatch.setattr(lo, "_early_for", None)
    names = bookmark_names(small)
    found = lo.Pages({lo.destination_name(name): 4 for name in names.values()}, 9)
    calls: list[bytes] = []

    def fake(data: bytes, timeout: float = lo.PAGINATE_SECONDS) -> lo.Pages:
        calls.append(data)
        return found

    monkeypatch.setattr(lo, "paginate", fake)
    data, paginated = build_docx(small)
    assert paginated and len(calls) == 2
    assert set(cached_pages(data)[0].values()) == {"4"}


def test_writers_for_a_lone_word_file_start_libreoffice_here_and_end_it() -> None:
    with own_office():
        assert Writers.for_outputs(["docx"]) is None  # a file not to be paginated
        assert lo.warm_office() is None
        assert Writers.for_outputs(["html"], office=True) is None
        writers = Writers.for_outputs(["docx"], office=True)
        assert writers is not None and writers.names == []
        office = lo.warm_office()
        assert office is not None and office.pid is not None  # started at once
        writers.close()
        assert lo.warm_office() is None
        assert processes(office.pipe) == []


def media(data: bytes) -> set[bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {package.read(n) for n in package.namelist() if n.startswith("word/media/")}


def unnumbered(data: bytes) -> str:
    """document.xml without its relationship ids (a package's parts may be numbered
    differently: identical blank pictures are one part)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        body = package.read("word/document.xml").decode()
    return re.sub(r'r:(?:id|embed)="[^"]*"', "", body)


@pytest.fixture(scope="module")
def charted() -> Document:
    """The example's Document: it has charts."""
    document = check_plan(EXAMPLE, with_pack=False).document
    assert document is not None and any(f.chart for f in document.figures())
    return document


def test_the_file_laid_out_has_blank_charts_of_the_drawn_ones_size(charted: Document) -> None:
    drawn, blank = render_docx(charted), render_docx(charted, drawn=False)
    assert unnumbered(blank) == unnumbered(drawn)  # every extent, every paragraph alike
    charts = {f.chart.png() for f in charted.figures() if f.chart is not None}
    assert charts <= media(drawn) and not charts & media(blank)


@pytest.mark.parametrize("libreoffice", ["settles", "fails", "cold, fails"])
def test_the_word_file_built_has_the_charts_drawn(
    charted: Document, libreoffice: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    laid_out: list[bytes] = []

    def settle(data: bytes, contents: list[list[str]], timeout: float) -> lo.Settled | None:
        laid_out.append(data)
        if libreoffice == "cold, fails":
            raise lo.Unsettled("no warm LibreOffice in this process")
        return lo.Settled({}, 40) if libreoffice == "settles" else None

    def paginate(data: bytes, timeout: float) -> None:
        laid_out.append(data)

    monkeypatch.setattr(lo, "settle", settle)
    monkeypatch.setattr(lo, "paginate", paginate)
    data, paginated = build_docx(charted)
    assert paginated == (libreoffice == "settles")
    assert laid_out and all(unnumbered(blank) == unnumbered(laid_out[0]) for blank in laid_out)
    charts = {f.chart.png() for f in charted.figures() if f.chart is not None}
    assert charts <= media(data)
    assert not charts & media(laid_out[0])  # LibreOffice laid out the blank ones


@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_a_quick_engines_pdf_yields_the_cpu_to_the_word_file_it_is_made_beside(
    engine: str,
) -> None:
    base = os.nice(0)
    for office in (True, False):
        writers = Writers.for_outputs(["docx", "pdf"], engine, office=office)
        assert writers is not None
        with writers:
            nice = {name: writers.submit(name, os.nice, 0).result() for name in writers.names}
        quick = office and engine in QUICK_ENGINES
        assert nice == {"docx": base, "pdf": min(19, base + YIELD_NICE) if quick else base}


def test_libreoffice_on_a_new_profile_is_started_again_before_a_pass_asks() -> None:
    # On a new profile LibreOffice exits at once asking to be started again; started
    # again only when the file is ready, its second start would be part of the pass.
    with own_office():
        lo.start_office()
        office = lo.warm_office()
        assert office is not None and office.office is not None
        first = office.office
        assert first.wait(timeout=SAFETY_SECONDS) in lo.RESTART_CODES
        deadline = time.monotonic() + SAFETY_SECONDS
        while office.office is first and time.monotonic() < deadline:
            time.sleep(0.05)  # no pass is asked for meanwhile
        again = office.office
        assert again is not None and again is not first and again.poll() is None


def test_a_uno_error_while_settling_is_not_settled_so_the_pages_are_found_cold() -> None:
    # Not an error answer, which would count as a broken LibreOffice (restarted twice,
    # then no page numbers at all): "not settled", so that the cold passes run.
    program = lo.soffice()
    assert program is not None
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(lo.BRIDGE.parent)!r})\n"
        "import uno_bridge\n"
        "class Document:\n"
        "    def getDocumentIndexes(self):\n"
        "        raise RuntimeError('a UNO error')\n"
        "print(json.dumps(uno_bridge.Bridge('none').settled(Document(), [['bm']], 2)))\n"
    )
    answer = subprocess.run(
        [lo.uno_pythons(program)[0], "-I", "-c", script], capture_output=True, text=True
    )
    said = json.loads(answer.stdout.strip().splitlines()[-1])
    assert said == {"ok": True, "settled": False, "error": "RuntimeError: a UNO error"}
    with pytest.raises(lo.Unsettled):
        lo._settled(said)


# -- the command line ---------------------------------------------------------------------


def test_the_examples_word_file_shows_the_pages_a_cold_libreoffice_finds(
    example_build: Path,
) -> None:
    (word,) = example_build.glob("*.docx")
    assert assert_cold_agrees(word.read_bytes()) > 50


def children(pid: int) -> set[int]:
    """The live soffice.bin processes whose parent is `pid`."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[1]) == pid and b"soffice.bin" in command:
            found.add(int(entry.name))
    return found


def test_a_killed_lone_build_leaves_no_libreoffice_behind(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != lo.MODE_VARIABLE}
    command = subprocess.Popen(
        [cli_path(), "build", str(EXAMPLE), "--out", str(tmp_path), "--to", "docx"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    marker = f"bcf-docgen-{command.pid}-"  # a warm LibreOffice's and its client's
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + SAFETY_SECONDS
        while not seen and time.monotonic() < deadline:
            assert command.poll() is None, "the build ended before its LibreOffice was seen"
            seen = children(command.pid)
            time.sleep(0.05)
        assert seen  # LibreOffice is the command's own child
        command.kill()  # SIGKILL: no atexit, no cleanup of its own
        command.wait(SAFETY_SECONDS)
        assert await_none(marker) == []
        while any(alive(pid) for pid in seen) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(pid) for pid in seen)
    finally:
        command.kill()
        command.wait(SAFETY_SECONDS)
        kill_all(marker)
        for pid in seen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
