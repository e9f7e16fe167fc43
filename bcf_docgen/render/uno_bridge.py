"""The warm LibreOffice's client: run by a Python that has LibreOffice's `uno` module.

Debian's `uno` (python3-uno) is built for the system's python3, not for the project's
virtual environment, so bcf-docgen never imports this file: libreoffice.py runs it as a
script with such an interpreter (`python3 -I uno_bridge.py PIPE`) and talks to it over its
stdin and stdout, one JSON object a line. It imports nothing from bcf-docgen.

It first says whether `uno` could be imported ({"ready": true} or {"ready": false}),
then answers each request {"source", "method", "connect_seconds"[, "target"]} for the
.docx `source`, laid out by the LibreOffice listening on the pipe named PIPE:

- method "pages": {"ok": true, "pages": {bookmark: page}, "total": pages}, read from
  Writer's own layout (the page of each bookmark's start, as the PDF's named
  destinations give it, without writing a PDF);
- method "pdf": writes the PDF `target` exactly as `soffice --convert-to
  pdf:writer_pdf_Export:{ExportBookmarksToPDFDestination: true}` does and answers
  {"ok": true};

or {"ok": false, "error": "..."}. It ends when its stdin closes.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from typing import Any


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


try:
    import uno  # type: ignore[import-not-found]
    from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
    from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]
except Exception as exc:  # noqa: BLE001 - any failure means "not this interpreter"
    _say({"ready": False, "error": f"{type(exc).__name__}: {exc}"})
    sys.exit(0)


def _property(name: str, value: Any) -> Any:
    prop = PropertyValue()
    prop.Name = name
    prop.Value = value
    return prop


def _properties(*pairs: tuple[str, Any]) -> Any:
    """A typed sequence of properties: a plain tuple would reach LibreOffice as []any."""
    return uno.Any("[]com.sun.star.beans.PropertyValue", tuple(_property(*p) for p in pairs))


class Bridge:
    """One connection to the listening LibreOffice, made at the first request."""

    def __init__(self, pipe: str) -> None:
        self.pipe = pipe
        self.desktop: Any = None

    def connect(self, seconds: float) -> None:
        """Connect, retrying while LibreOffice starts (or restarts on a new profile)."""
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        url = f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext"
        deadline = time.monotonic() + seconds
        while True:
            try:
                context = resolver.resolve(url)
                break
            except NoConnectException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.desktop = context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", context
        )

    def load(self, source: str) -> Any:
        # What the command line's conversion loads a document with (desktop's
        # DispatchWatcher): hidden, read-only, silent, in a view of its own.
        load = _properties(
            ("ReadOnly", True),
            ("OpenNewView", True),
            ("Hidden", True),
            ("Silent", True),
            ("MacroExecutionMode", 0),  # NEVER_EXECUTE: our .docx has no macros
            ("UpdateDocMode", 0),  # NO_UPDATE: nothing outside the file is read
        )
        document = uno.invoke(
            self.desktop,
            "loadComponentFromURL",
            (uno.systemPathToFileUrl(source), "_blank", 0, load),
        )
        if document is None:
            raise RuntimeError("LibreOffice could not open the document")
        return document

    def pdf(self, document: Any, target: str) -> dict[str, Any]:
        options = _properties(("ExportBookmarksToPDFDestination", True))
        store = _properties(
            ("FilterName", "writer_pdf_Export"),
            ("FilterData", options),
            ("Overwrite", True),
        )
        uno.invoke(document, "storeToURL", (uno.systemPathToFileUrl(target), store))
        return {"ok": True}

    def pages(self, document: Any) -> dict[str, Any]:
        """Each bookmark's page from the layout. Asking the view for its page count
        first makes Writer lay out the whole document (not just what a screen shows)."""
        controller = document.getCurrentController()
        total = int(controller.getPropertyValue("PageCount"))
        cursor = controller.getViewCursor()
        found: dict[str, int] = {}
        bookmarks = document.getBookmarks()
        for name in bookmarks.getElementNames():
            anchor = bookmarks.getByName(name).getAnchor()
            cursor.gotoRange(anchor.getStart(), False)
            found[name] = int(cursor.getPage())
        return {"ok": True, "pages": found, "total": total}

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.desktop is None:
            self.connect(float(request["connect_seconds"]))
        document = self.load(request["source"])
        try:
            if request.get("method") == "pdf":
                return self.pdf(document, request["target"])
            return self.pages(document)
        finally:
            document.close(True)


def main() -> None:
    # Ctrl-C reaches every process in the terminal's group: bcf-docgen decides what
    # stops, and ends this process itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _say({"ready": True})
    bridge = Bridge(sys.argv[1])
    for line in sys.stdin:
        try:
            _say(bridge.handle(json.loads(line)))
        except Exception as exc:  # noqa: BLE001 - reported; the caller decides what to do
            _say({"ok": False, "error": f"{type(exc).__name__}: {exc}"})


if __name__ == "__main__":
    main()
