"""`bcf-docgen preview`: a real browser (headless Chromium, driven over the DevTools
protocol) watches the page reload on save, the findings panel come and go, and the
links to the Word file and PDF appear; the server refuses paths out of the plan.

One Chromium serves the module (one browser test, with one preview process); both are
ended at the end, the preview with Ctrl-C as a terminal would. The server's refusals are
tested on a server in this process, which builds nothing.
Every wait is a poll with an 1800 s safety net, never a speed limit.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import websocket
from conftest import INTRO_MD, cli_path, write_plan
from rich.console import Console

from bcf_docgen.cli import main  # noqa: F401  (first: it imports the command modules)
from bcf_docgen.cli_preview import open_output, show_change
from bcf_docgen.findings import Finding, Findings, Location, Severity
from bcf_docgen.preview import PreviewServer, PreviewState, Snapshot, panel, safe_file
from bcf_docgen.watch import findings_change

SLUG = "testshire-bcf-2025-26"
SAFETY = 1800.0  # seconds: a safety net for a hung process, far above any real wait
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
]
# A long first section, so that the page scrolls and the scroll position can be kept.
FILLER = "\n".join(f"Paragraph {n} of the introduction, to make the page long." for n in range(80))


def poll(check: Any, what: str, every: float = 0.1) -> Any:
    """Call `check` until it returns something true; fail after the safety net."""
    deadline = time.monotonic() + SAFETY
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(every)


# -- a small DevTools protocol client ----------------------------------------------------


class Page:
    """One browser tab, driven with Runtime.evaluate over its DevTools websocket."""

    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, suppress_origin=True, timeout=SAFETY)
        self.last_id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.last_id += 1
        self.ws.send(json.dumps({"id": self.last_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.last_id:
                assert "error" not in message, message
                return message.get("result", {})

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:  # the page is between two loads: try again
            return None
        return result["result"].get("value")

    def wait_for(self, expression: str, what: str) -> Any:
        return poll(lambda: self.evaluate(expression), what)

    def close(self) -> None:
        self.ws.close()


@dataclass
class Chromium:
    process: subprocess.Popen[bytes]
    page: Page


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: all its processes end together
    )
    try:
        active = profile / "DevToolsActivePort"
        poll(lambda: active.exists() and len(active.read_text().split()) >= 2, "Chromium")
        port = active.read_text().split()[0]

        def first_tab() -> str | None:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as answer:
                tabs = json.load(answer)
            return next((t["webSocketDebuggerUrl"] for t in tabs if t["type"] == "page"), None)

        page = Page(poll(first_tab, "Chromium's tab"))
        try:
            yield Chromium(process, page)
        finally:
            page.close()
    finally:
        # A test's browser need not shut down gracefully: killing its group at once
        # leaves nothing behind and waits on nothing a loaded machine could make slow.
        with_group(process, signal.SIGKILL)
        process.wait(timeout=SAFETY)


def with_group(process: subprocess.Popen[Any], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


# -- the preview process -----------------------------------------------------------------


@dataclass
class Preview:
    process: subprocess.Popen[str]
    url: str
    plan: Path
    out: Path
    log: Path


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[Preview]:
    root = tmp_path
    plan = write_plan(root / "plan", {"sections/intro.md": INTRO_MD + "\n" + FILLER + "\n"})
    out, log = root / "out", root / "preview.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            [cli_path(), "preview", str(plan), "--out", str(out), "--port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            start_new_session=True,
        )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # waits for the line, however long it takes
        assert first.startswith("preview at http://127.0.0.1:"), log.read_text()
        yield Preview(process, first.split()[-1], plan, out, log)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as in a terminal
        process.wait(timeout=SAFETY)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The preview's server alone, in this process, over a plan that is never built."""
    root = tmp_path_factory.mktemp("served")
    plan = write_plan(root / "plan")
    (plan / ".secret").write_text("not to be served", encoding="utf-8")
    (root / "outside.txt").write_text("outside the plan", encoding="utf-8")
    server = PreviewServer(PreviewState(plan), 0)
    server.serve_in_thread()
    try:
        yield server.url
    finally:
        server.stop()


def fetch(url: str, host: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=SAFETY) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def raw_get(url: str, path: str) -> int:
    """The status of a GET with `path` sent exactly as written (no client clean-up)."""
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=SAFETY) as connection:
        connection.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode()
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


# -- the browser test ---------------------------------------------------------------------

VISIBLE_TEXT = "document.body ? document.body.innerText : ''"
PANEL = "document.getElementById('bcf-preview-findings')"


def write_intro(plan: Path, extra: str) -> None:
    (plan / "sections/intro.md").write_text(
        INTRO_MD + "\n" + extra + "\n\n" + FILLER + "\n", encoding="utf-8"
    )


def test_the_page_follows_the_plan_in_a_real_browser(preview: Preview, chromium: Chromium):
    page, plan = chromium.page, preview.plan
    page.call("Page.navigate", url=preview.url)
    built = f"window.bcfPreview && window.bcfPreview.version >= 1 && {VISIBLE_TEXT}"
    page.wait_for(f"{built}.includes('Paragraph 79 of the introduction')", "the page")
    assert page.evaluate(f"{PANEL} === null")  # the base plan has no findings
    poll(lambda: "watching" in preview.log.read_text(), "the file watcher")

    # A save: the page reloads by itself with the new text, where the reader was.
    poll(lambda: page.evaluate("window.scrollTo(0, 600), window.scrollY") == 600, "the scroll")
    version = page.evaluate("window.bcfPreview.version")
    write_intro(plan, "A sentence written while the preview was open.")
    # (A page asked for as the file is replaced may show the new text under the old
    # version; it then reloads once more.)
    reloaded = f"window.bcfPreview && window.bcfPreview.version > {version} && {VISIBLE_TEXT}"
    page.wait_for(f"{reloaded}.includes('A sentence written while the preview')", "reload")
    poll(lambda: abs(page.evaluate("window.scrollY") - 600) <= 2, "the scroll kept")

    # An error: the panel shows it with its file and line, over the last good page.
    lines = (INTRO_MD + "\nSee @tbl:nowhere for the figures.\n").split("\n")
    line = lines.index("See @tbl:nowhere for the figures.") + 1
    write_intro(plan, "See @tbl:nowhere for the figures.")
    shown = page.wait_for(f"{PANEL} && {PANEL}.innerText", "the findings panel")
    assert f"sections/intro.md:{line}" in shown, shown
    assert "error" in shown and "nowhere" in shown
    assert page.evaluate(f"{PANEL}.open")  # errors open the panel
    assert "A sentence written while the preview" in page.evaluate(VISIBLE_TEXT)

    # Fixed: the panel goes, the new text comes.
    write_intro(plan, "The figures are in the funding section.")
    fixed = f"{PANEL} === null && {VISIBLE_TEXT}.includes('The figures are in the funding')"
    page.wait_for(fixed, "the fix")

    # The Word file and the PDF are linked once ready, and served.
    pdf_link = "document.querySelector('#bcf-preview-outputs a[href*=\".pdf\"]')"
    href = page.wait_for(f"{pdf_link} && {pdf_link}.getAttribute('href')", "the PDF link")
    status, body = fetch(preview.url.rstrip("/") + href)
    assert status == 200 and body.startswith(b"%PDF")
    docx = page.evaluate("document.querySelector('#bcf-preview-outputs a[href*=\".docx\"]').href")
    status, body = fetch(docx)
    assert status == 200 and body.startswith(b"PK")

    # The script and panel are the served page's only: the HTML file has neither.
    built = (preview.out / f"{SLUG}.html").read_text(encoding="utf-8")
    assert "The figures are in the funding" in built
    assert "bcf-preview" not in built and "EventSource" not in built
    assert "<script" not in built

    # Ctrl-C (to the whole process group, as a terminal sends it) ends it cleanly while
    # the browser's event stream is still open.
    os.killpg(preview.process.pid, signal.SIGINT)
    assert preview.process.wait(timeout=SAFETY) == 0
    log = preview.log.read_text()
    assert "stopped the preview" in log
    assert "Traceback" not in log and "leaked" not in log


@pytest.mark.parametrize(
    "path",
    [
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/%2E%2E%2Foutside.txt",
        "/sections/..%2f..%2foutside.txt",
        "/%252e%252e/outside.txt",
        "//etc/passwd",
        "/%2Fetc%2Fpasswd",
        "/.secret",
        "/__bcf/templates/../../../etc/passwd",
        "/__bcf/out/../plan/plan.yaml",
        "/..\\outside.txt",
    ],
)
def test_nothing_outside_the_plan_and_templates_is_served(served: str, path: str):
    assert raw_get(served, path) in (400, 404)


def test_the_plan_and_templates_are_served_and_only_to_this_machine(served: str):
    status, body = fetch(served + "plan.yaml")
    assert status == 200 and b"Testshire" in body
    status, body = fetch(served + "__bcf/templates/theme/document.css.j2")
    assert status == 200 and b"@page" in body
    status, body = fetch(served)  # no build yet: a page that says so
    assert status == 200 and b"No preview yet" in body
    # Another name pointed at 127.0.0.1 (DNS rebinding) is refused.
    status, _ = fetch(served, host="attacker.example")
    assert status == 403


def test_a_port_in_use_is_a_clear_usage_error(tmp_path: Path):
    plan = write_plan(tmp_path / "plan")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = subprocess.run(
            [cli_path(), "preview", str(plan), "--port", port],
            capture_output=True,
            text=True,
            timeout=SAFETY,
        )
    assert result.returncode == 2, result.stderr
    assert f"port {port} is in use" in result.stderr
    assert "Traceback" not in result.stderr


# -- without a browser ---------------------------------------------------------------------


def test_the_panel_escapes_plan_text():
    hostile = '<img src=x onerror="alert(1)">'
    finding = Finding(
        Severity.ERROR,
        "ref-unknown",
        f"{hostile} does not refer to anything",
        Location(f"sections/{hostile}.md", 3, 1),
        hint=f"did you mean {hostile}?",
    )
    snapshot = Snapshot(1, 0, None, [finding], "", {}, 0)
    shown = panel(snapshot)
    assert "<img" not in shown
    assert shown.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") == 3


def test_findings_are_shown_with_the_html_they_belong_to(tmp_path: Path):
    state = PreviewState(tmp_path)
    finding = Finding(Severity.WARNING, "w", "a warning", Location("plan.yaml", 2, 1))
    state.checked(1, Findings([finding]), "")
    assert state.version == 0  # not until the page it belongs to is written
    state.written(1, "html", tmp_path / "x.html")
    assert state.version == 1 and state.findings == [finding]
    state.checked(2, Findings([finding]), "nothing built: the plan has errors")
    assert state.version == 2 and state.problem  # refused: shown over the last good page


def test_safe_file_stays_inside_its_folder(tmp_path: Path):
    root = tmp_path / "plan"
    (root / "images").mkdir(parents=True)
    (root / "images/a.png").write_bytes(b"png")
    (tmp_path / "secret.txt").write_text("x")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    assert safe_file(root, "/images/a.png") == (root / "images/a.png").resolve()
    assert safe_file(root, "/images/%61.png") == (root / "images/a.png").resolve()
    for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/link.txt", "/images", "/", ""]:
        assert safe_file(root, path) is None, path
    assert safe_file(root, str(tmp_path / "secret.txt")) is None  # absolute: inside root


def test_open_says_so_when_nothing_can_open_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER", "TERM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no xdg-open, no browser
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    output = io.StringIO()
    open_output(tmp_path / "plan.pdf", Console(file=output, width=200))
    assert "no program to open" in output.getvalue()


def test_build_to_html_writes_one_self_contained_file_and_opens_it(tmp_path: Path):
    plan = write_plan(tmp_path / "plan")
    (tmp_path / "bin").mkdir()
    opener = tmp_path / "bin/xdg-open"
    opened = tmp_path / "opened.txt"
    opener.write_text(f'#!/bin/sh\necho "$1" > "{opened}"\n')
    opener.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}
    out = tmp_path / "out"
    result = subprocess.run(
        [cli_path(), "build", str(plan), "--to", "html", "--out", str(out), "--open"],
        capture_output=True,
        text=True,
        env=env,
        timeout=SAFETY,
    )
    assert result.returncode == 0, result.stderr
    written = [p.name for p in out.iterdir() if not p.name.endswith(("-check.json", "-check.txt"))]
    assert written == [f"{SLUG}.html"]
    page = (out / f"{SLUG}.html").read_text(encoding="utf-8")
    assert "<style>" in page and "<link" not in page and "<script" not in page
    assert "file:" not in page and str(tmp_path) not in page
    poll(lambda: opened.exists() and opened.read_text().strip(), "the opener")
    assert opened.read_text().strip() == str(out / f"{SLUG}.html")


def test_watch_prints_only_what_changed():
    def warning(message: str) -> Finding:
        return Finding(Severity.WARNING, "w", message, Location("risks.yaml", 4, 1))

    before = Findings([warning("kept"), warning("fixed")])
    after = Findings([warning("kept"), warning("added")])
    output = io.StringIO()
    show_change(findings_change(before, after), Console(file=output, width=200))
    text = output.getvalue()
    assert "added" in text and "resolved: risks.yaml:4:1: fixed" in text
    assert "kept" not in text and "now: 2 warnings" in text
