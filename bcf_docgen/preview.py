"""`bcf-docgen preview PLAN`: the HTML preview served on this machine, reloaded on save.

The rebuilding is the watch's (watch.py): a `PreviewState` listens to the `Rebuilder`
and keeps what the page needs: the newest HTML file, the findings of the newest build,
and which Word file and PDF are ready. A small HTTP server (the standard library's,
one thread per request) serves:

- `/`: the HTML the watch wrote, with a panel and a short script added before
  `</body>`; only the served page has them, never the file in --out. The panel lists the
  findings (file:line:column, message, hint) and links to the Word file and the PDF;
  the script listens for server-sent events and reloads the page, keeping its scroll
  position, as soon as a newer HTML file or newer findings exist;
- `/__bcf/events`: the server-sent events (`reload` with the page's version, `outputs`
  with the links);
- `/__bcf/out/NAME`: the build's own outputs, and nothing else in --out;
- `/__bcf/templates/PATH`: files of the templates folder;
- any other path: a file of the plan folder, so a relative link in the plan works.

Everything taken from the plan is untrusted: the panel escapes every string, files are
served only from inside the plan and templates folders (no `..`, encoded or not, no
absolute paths, no symbolic links that lead out, no hidden files such as `.git`), with a
sandboxing Content-Security-Policy, and the page's own policy lets only the script the
server added run. The server listens on 127.0.0.1 only and answers only requests whose
Host is that address or `localhost` with its port, so a web page elsewhere cannot read
the preview by pointing a name of its own at 127.0.0.1.

The library never prints: the server's errors and request log are kept quiet, and the
command (cli_preview.py) says what happens.
"""

from __future__ import annotations

import html
import json
import mimetypes
import secrets
import shutil
import socketserver
import subprocess
import sys
import threading
import urllib.parse
import webbrowser
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .findings import Finding, Findings, Severity
from .paths import default_templates
from .report import counts_line
from .watch import Listener, Outcome

HOST = "127.0.0.1"
PREFIX = "/__bcf/"
EVENTS = PREFIX + "events"
OUT = PREFIX + "out/"
TEMPLATES = PREFIX + "templates/"
HEARTBEAT_SECONDS = 15.0  # a comment line now and then finds closed connections
MAX_SHOWN = 200  # findings listed in the panel; the terminal has them all
LINKED = {"docx": "Word file", "pdf": "PDF"}


@dataclass
class Snapshot:
    """What one response is made from, copied under the lock."""

    version: int
    outputs_version: int
    page: Path | None
    findings: list[Finding]
    problem: str
    outputs: dict[str, tuple[Path, int]]
    shown_generation: int
    closed: bool = False


@dataclass
class PreviewState(Listener):
    """What the page shows, updated by the rebuilds (any thread) and read by requests.

    `version` grows whenever the page itself would change (a newer HTML file, or newer
    findings); `outputs_version` whenever a Word file or PDF is written. The findings of
    a good build are shown together with its HTML (so the reload shows both at once);
    those of a refused build at once, over the last good page.
    """

    plan: Path
    version: int = 0
    outputs_version: int = 0
    page: Path | None = None
    findings: list[Finding] = field(default_factory=list)
    problem: str = ""
    outputs: dict[str, tuple[Path, int]] = field(default_factory=dict)
    shown_generation: int = 0  # the generation of the HTML shown
    closed: bool = False
    after_first_build: Callable[[], None] | None = None  # `--open`: the page has content
    _pending: tuple[int, list[Finding], str] | None = None
    _changed: threading.Condition = field(default_factory=threading.Condition)

    # -- Listener ------------------------------------------------------------------

    def checked(self, generation: int, findings: Findings | None, problem: str) -> None:
        ordered = sorted(
            findings or [], key=lambda f: (f.severity is not Severity.ERROR, f.location)
        )
        with self._changed:
            self._pending = (generation, ordered, problem)
            if findings is None or problem:  # nothing will be written: show it now
                self._publish()

    def written(self, generation: int, fmt: str, path: Path) -> None:
        with self._changed:
            self.outputs[fmt] = (path, generation)
            if fmt == "html":
                self.page, self.shown_generation = path, generation
                self._publish(force=True)
            else:
                self.outputs_version += 1
                self._changed.notify_all()

    def finished(self, outcome: Outcome) -> None:
        with self._changed:
            self._publish()
            then, self.after_first_build = self.after_first_build, None
        if then is not None:
            then()

    def _publish(self, force: bool = False) -> None:
        """Show the pending findings (if any) and tell the pages to reload."""
        if self._pending is None and not force:
            return
        if self._pending is not None:
            _, self.findings, self.problem = self._pending
            self._pending = None
        self.version += 1
        self._changed.notify_all()

    # -- for the server ------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        with self._changed:
            return Snapshot(
                self.version,
                self.outputs_version,
                self.page,
                list(self.findings),
                self.problem,
                dict(self.outputs),
                self.shown_generation,
                self.closed,
            )

    def wait(self, seen: tuple[int, int], timeout: float) -> Snapshot:
        """The state once it differs from `seen` (version, outputs version), the server
        closes, or `timeout` passes."""
        with self._changed:
            self._changed.wait_for(
                lambda: self.closed or (self.version, self.outputs_version) != seen, timeout
            )
        return self.snapshot()

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()


# -- the page ----------------------------------------------------------------------


def output_links(snapshot: Snapshot) -> list[dict[str, Any]]:
    """The Word file and PDF written so far: label, URL and whether an older save's."""
    links = []
    for fmt, label in LINKED.items():
        if fmt not in snapshot.outputs:
            continue
        path, generation = snapshot.outputs[fmt]
        href = OUT + urllib.parse.quote(path.name) + f"?v={generation}"
        stale = generation < snapshot.shown_generation
        links.append({"label": label, "href": href, "stale": stale})
    return links


STYLE = """
#bcf-preview-ui { all: initial; position: fixed; right: 12px; bottom: 12px;
  z-index: 2147483647; max-width: min(46em, 92vw); max-height: 70vh; overflow: auto;
  font: 14px/1.4 system-ui, sans-serif; color: #111; background: #fff;
  border: 1px solid #888; border-radius: 6px; box-shadow: 0 2px 12px rgba(0,0,0,.25);
  padding: 6px 10px; }
#bcf-preview-ui a { color: #0b57d0; margin-right: 1em; }
#bcf-preview-ui .stale { color: #666; }
#bcf-preview-ui summary { cursor: pointer; font-weight: bold; }
#bcf-preview-ui ol { margin: 6px 0 0; padding-left: 1.4em; }
#bcf-preview-ui li { margin: 4px 0; }
#bcf-preview-ui code { font: 13px/1.4 ui-monospace, monospace; }
#bcf-preview-ui .error .severity { color: #b00020; font-weight: bold; }
#bcf-preview-ui .warning .severity { color: #8a5a00; font-weight: bold; }
#bcf-preview-ui .hint { color: #333; margin-left: 1em; }
#bcf-preview-ui:not(:has(a, details)) { display: none; }
@media print { #bcf-preview-ui { display: none; } }
"""

SCRIPT = """
(function () {
  var version = %(version)d;
  var key = "bcf-preview-scroll";
  window.bcfPreview = {version: version};
  try {
    var saved = sessionStorage.getItem(key);
    if (saved !== null) {
      sessionStorage.removeItem(key);
      var y = parseFloat(saved);
      window.scrollTo(0, y);
      window.addEventListener("load", function () { window.scrollTo(0, y); });
    }
  } catch (e) {}
  var source = new EventSource("%(events)s");
  function newer(event) {
    if (parseInt(event.data, 10) > version) {
      source.close();
      try { sessionStorage.setItem(key, String(window.scrollY)); } catch (e) {}
      location.reload();
    }
  }
  source.addEventListener("hello", newer);
  source.addEventListener("reload", newer);
  source.addEventListener("outputs", function (event) {
    var box = document.getElementById("bcf-preview-outputs");
    if (!box) { return; }
    while (box.firstChild) { box.removeChild(box.firstChild); }
    JSON.parse(event.data).forEach(function (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.label + (link.stale ? " (an earlier save's; updating)" : "");
      if (link.stale) { a.className = "stale"; }
      box.appendChild(a);
    });
  });
})();
"""


def _finding_item(finding: Finding) -> str:
    e = html.escape
    severity = finding.severity.value
    hint = f'<div class="hint">hint: {e(finding.hint)}</div>' if finding.hint else ""
    return (
        f'<li class="{severity}"><code>{e(str(finding.location))}</code>: '
        f'<span class="severity">{severity}</span>: {e(finding.message)} '
        f"<code>[{e(finding.code)}]</code>{hint}</li>"
    )


def panel(snapshot: Snapshot) -> str:
    """The panel added to the page: links to the outputs, then the findings if any."""
    e = html.escape
    links = "".join(
        f'<a href="{e(link["href"])}"{" class=stale" if link["stale"] else ""}>'
        f"{e(link['label'])}{' (an earlier save’s; updating)' if link['stale'] else ''}</a>"
        for link in output_links(snapshot)
    )
    parts = [f'<div id="bcf-preview-outputs">{links}</div>']
    findings = Findings(snapshot.findings)
    if snapshot.findings or snapshot.problem:
        errors = bool(findings.errors) or bool(snapshot.problem)
        summary = counts_line(findings) if snapshot.findings else "the plan cannot be read"
        if errors:
            summary += ": the page shows the last good build"
        items = "".join(_finding_item(f) for f in snapshot.findings[:MAX_SHOWN])
        if len(snapshot.findings) > MAX_SHOWN:
            items += f"<li>and {len(snapshot.findings) - MAX_SHOWN} more (see the terminal)</li>"
        problem = f'<p class="problem">{e(snapshot.problem)}</p>' if snapshot.problem else ""
        parts.append(
            f'<details id="bcf-preview-findings"{" open" if errors else ""}>'
            f"<summary>{e(summary)}</summary>{problem}<ol>{items}</ol></details>"
        )
    return f'<div id="bcf-preview-ui" role="complementary">{"".join(parts)}</div>'


def placeholder(plan: Path) -> bytes:
    """The page while there is no HTML yet (the first build is running, or failed)."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Preview of {html.escape(plan.name)}</title>\n</head>\n<body>\n"
        "<main><h1>No preview yet</h1><p>The plan is being built, or it has errors that "
        "stop the first build: they are listed below and in the terminal. The page "
        "reloads by itself.</p></main>\n</body>\n</html>\n"
    ).encode()


def render_page(snapshot: Snapshot, plan: Path, nonce: str) -> bytes:
    """The served page: the watch's HTML (or a placeholder) with the panel and script."""
    try:
        page = snapshot.page.read_bytes() if snapshot.page is not None else placeholder(plan)
    except OSError:  # removed by hand: say so rather than fail
        page = placeholder(plan)
    script = SCRIPT % {"version": snapshot.version, "events": EVENTS}
    added = (
        f'<style nonce="{nonce}">{STYLE}</style>{panel(snapshot)}'
        f'<script nonce="{nonce}">{script}</script>\n'
    ).encode()
    at = page.rfind(b"</body>")
    return page[:at] + added + page[at:] if at >= 0 else page + added


# -- files ------------------------------------------------------------------------


def safe_file(root: Path, url_path: str) -> Path | None:
    """The file a URL path names inside `root`, or None when it names none there.

    The path is decoded once; a `..` or `.` part, a hidden name, a backslash or a NUL
    refuses it, and what it resolves to (symbolic links followed) must still be a file
    inside `root`. An absolute path is read as relative to `root`.
    """
    decoded = urllib.parse.unquote(url_path)
    if "\\" in decoded or "\x00" in decoded:
        return None
    parts = [part for part in decoded.split("/") if part]
    if not parts or any(part.startswith(".") for part in parts):
        return None  # "..", ".", and hidden files (.git, .env) alike
    base = root.resolve()
    try:
        candidate = base.joinpath(*parts).resolve()
    except (OSError, ValueError):
        return None
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate


# -- the server --------------------------------------------------------------------


class PreviewServer(ThreadingHTTPServer):
    """The preview's HTTP server: 127.0.0.1 only, one daemon thread per request."""

    daemon_threads = True
    allow_reuse_address = False  # a port in use is an error, never shared

    def __init__(self, state: PreviewState, port: int, templates: Path | None = None):
        self.state = state
        self.templates = templates or default_templates()
        super().__init__((HOST, port), PreviewHandler)

    def server_bind(self) -> None:
        # HTTPServer's own looks the host's name up (a DNS query): not needed here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_port}/"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A request that failed (the browser went away): nothing to print."""

    def serve_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="preview-server", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        """End the event streams, then the server."""
        self.state.close()
        self.shutdown()
        self.server_close()


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"
    server_version = "bcf-docgen-preview"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """No request log: the command prints what matters."""

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self._answer(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        if not self._host_allowed():
            self._error(HTTPStatus.FORBIDDEN, "this preview answers only to 127.0.0.1")
            return
        path = urllib.parse.urlsplit(self.path).path
        if path == "/":
            self._page(head)
        elif path == EVENTS:
            self._events()
        elif path.startswith(OUT):
            self._output(path[len(OUT) :], head)
        elif path.startswith(TEMPLATES):
            self._file(safe_file(self.server.templates, path[len(TEMPLATES) :]), head)
        elif path.startswith(PREFIX):
            self._error(HTTPStatus.NOT_FOUND, "not found")
        else:
            self._file(safe_file(self.server.state.plan, path), head)

    def _host_allowed(self) -> bool:
        port = self.server.server_port
        host = (self.headers.get("Host") or "").lower()
        return host in (f"{HOST}:{port}", f"localhost:{port}")

    def _send(self, status: HTTPStatus, body: bytes, kind: str, head: bool, **extra: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in extra.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _error(self, status: HTTPStatus, message: str) -> None:
        self._send(status, message.encode() + b"\n", "text/plain; charset=utf-8", False)

    def _page(self, head: bool) -> None:
        nonce = secrets.token_urlsafe(16)
        body = render_page(self.server.state.snapshot(), self.server.state.plan, nonce)
        policy = (
            "default-src 'none'; img-src 'self' data:; font-src 'self' data:; "
            f"style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; connect-src 'self'; "
            "base-uri 'none'; form-action 'none'"
        )
        self._send(
            HTTPStatus.OK, body, "text/html; charset=utf-8", head, Content_Security_Policy=policy
        )

    def _output(self, name: str, head: bool) -> None:
        """One of the build's outputs by its file name; nothing else of --out."""
        name = urllib.parse.unquote(name)
        for path, _ in self.server.state.snapshot().outputs.values():
            if path.name == name:
                self._file(path, head)
                return
        self._error(HTTPStatus.NOT_FOUND, "not found")

    def _file(self, path: Path | None, head: bool) -> None:
        try:
            body = path.read_bytes() if path is not None else None
        except OSError:
            body = None
        if path is None or body is None:
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        # A plan's own HTML or SVG file must not run scripts on the preview's origin.
        self._send(HTTPStatus.OK, body, kind, head, Content_Security_Policy="sandbox")

    def _events(self) -> None:
        """Server-sent events until the browser goes away or the server stops."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        state = self.server.state
        snapshot = state.snapshot()
        try:
            self._event("hello", str(snapshot.version), retry=True)
            seen = (snapshot.version, snapshot.outputs_version)
            while not snapshot.closed:
                snapshot = state.wait(seen, HEARTBEAT_SECONDS)
                for name, data in _changes(seen, snapshot):
                    self._event(name, data)
                if (snapshot.version, snapshot.outputs_version) == seen:
                    self.wfile.write(b": still here\n\n")
                    self.wfile.flush()
                seen = (snapshot.version, snapshot.outputs_version)
        except (ConnectionError, OSError):
            return  # the page was closed or reloaded

    def _event(self, name: str, data: str, retry: bool = False) -> None:
        lead = "retry: 500\n" if retry else ""
        self.wfile.write(f"{lead}event: {name}\ndata: {data}\n\n".encode())
        self.wfile.flush()


def _changes(seen: tuple[int, int], snapshot: Snapshot) -> Iterator[tuple[str, str]]:
    if snapshot.outputs_version != seen[1]:
        yield "outputs", json.dumps(output_links(snapshot))
    if snapshot.version != seen[0]:
        yield "reload", str(snapshot.version)


# -- opening -----------------------------------------------------------------------


def open_in_viewer(target: Path | str) -> bool:
    """Open a file (with the system's opener: xdg-open, open) or a URL (in the browser).

    False when this machine has nothing to open it with (a server, a container): the
    command then says where the file is instead. The opener is started detached, its
    output discarded, and never waited for.
    """
    if isinstance(target, str):
        return _browser(target)
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    found = shutil.which(opener)
    if found is None:
        return _browser(target.resolve().as_uri())
    try:
        subprocess.Popen(
            [found, str(target)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    return True


def _browser(url: str) -> bool:
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False
