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
import os
import re
import signal
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLE, PLAN_YAML, cli_path, write_plan
from test_libreoffice_warm import INTRO, await_none, kill_all, processes

from bcf_docgen.build import Writers
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


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


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
