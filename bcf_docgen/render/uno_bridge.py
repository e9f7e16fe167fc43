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
- method "settled" (with "contents": the bookmark each contents line leads to, one list
  per contents in document order, and "rounds"): writes each line's page into the
  contents in place, as the final .docx will carry it, and reads the layout again until
  the pages it reads are the pages written: {"ok": true, "settled": true, "pages":
  {bookmark: page}, "total": pages} for the contents' bookmarks, or {"ok": true,
  "settled": false, "error": "..."} when the contents are not as expected or the pages
  do not settle within "rounds" reads;
- method "warm": only loads `source` (a warm-up) and answers {"ok": true};

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


CONTENT_INDEX = "com.sun.star.text.ContentIndex"


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
        """Each bookmark's page from the layout."""
        bookmarks = document.getBookmarks()
        anchors = _anchors(document, bookmarks.getElementNames())
        total, found = _read(document, anchors)
        return {"ok": True, "pages": found, "total": total}

    def settled(self, document: Any, contents: list[list[str]], rounds: int) -> dict[str, Any]:
        """The contents' pages once writing them in moves nothing.

        A contents line's page number can move what follows it (a line that wraps once
        its number is in), so the numbers are written into the loaded document, as the
        final .docx carries them, and the layout read again, until a read agrees with
        what is written. The layout read last is then the final file's. Anything that
        goes wrong in the loaded document is "not settled": the Word file's pages are
        then found pass by pass, by cold LibreOffices, instead.
        """
        try:
            return self._settled(document, contents, rounds)
        except Exception as exc:  # noqa: BLE001 - a UNO error: answered, not fatal
            return {"ok": True, "settled": False, "error": f"{type(exc).__name__}: {exc}"}

    def _settled(self, document: Any, contents: list[list[str]], rounds: int) -> dict[str, Any]:
        found = _contents(document, contents)
        if isinstance(found, str):
            return {"ok": True, "settled": False, "error": found}
        tables, names = found
        anchors = _anchors(document, list(dict.fromkeys(names)))
        missing = [name for name in names if name not in anchors]
        if missing:
            return {"ok": True, "settled": False, "error": f"no bookmark {missing[0]}"}
        for _ in range(rounds):
            total, pages = _read(document, anchors)
            wanted = [str(pages[name]) for name in names]
            if wanted == [page for table in tables for page in table.shown]:
                if any(not table.shows_what_it_wrote() for table in tables):
                    return {"ok": True, "settled": False, "error": "a contents line moved"}
                return {"ok": True, "settled": True, "pages": pages, "total": total}
            lines = iter(wanted)
            # With the view locked, an edit does not redraw it: five times quicker.
            document.lockControllers()
            try:
                for table in tables:
                    table.write(lines)
            finally:
                document.unlockControllers()
            document.refresh()  # lay the changed contents out again (CalcLayout)
        return {"ok": True, "settled": False, "error": f"not settled in {rounds} reads"}

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.desktop is None:
            self.connect(float(request["connect_seconds"]))
        document = self.load(request["source"])
        try:
            if request.get("method") == "pdf":
                return self.pdf(document, request["target"])
            if request.get("method") == "warm":  # loaded: LibreOffice is ready for work
                return {"ok": True}
            if request.get("method") == "settled":
                return self.settled(document, request["contents"], int(request["rounds"]))
            return self.pages(document)
        finally:
            document.close(True)


def _anchors(document: Any, names: list[str]) -> dict[str, Any]:
    """name -> the text range a bookmark marks, for those of `names` the document has.

    Each is a few calls across the pipe, fetched once: a range made from a bookmark moves
    with the text, so it stays right while the contents are rewritten.
    """
    bookmarks = document.getBookmarks()
    return {
        name: bookmarks.getByName(name).getAnchor() for name in names if bookmarks.hasByName(name)
    }


def _read(document: Any, anchors: dict[str, Any]) -> tuple[int, dict[str, int]]:
    """The page count and the page of each range's start, from Writer's own layout.

    Asking the view for its page count first makes Writer lay out the whole document
    (not just what a screen shows). Selecting the range and collapsing the selection
    to its start takes two cheap calls where asking the range for its start would make
    a new object on the other side of the pipe for every bookmark.
    """
    controller = document.getCurrentController()
    total = int(controller.getPropertyValue("PageCount"))
    cursor = controller.getViewCursor()
    found: dict[str, int] = {}
    for name, anchor in anchors.items():
        cursor.gotoRange(anchor, False)
        cursor.collapseToStart()
        found[name] = int(cursor.getPage())
    return total, found


class _Contents:
    """One contents in the loaded document and the page text each of its lines shows.

    Word's contents field becomes a contents index in Writer whose text is the field's
    cached result, one paragraph a line: "label<TAB>page". Lines are reached by moving
    one cursor from paragraph to paragraph, calls that make no new object across the
    pipe (making one costs as much as a hundred moves).
    """

    def __init__(self, index: Any, shown: list[str]) -> None:
        self.index = index
        anchor = index.getAnchor()
        text = anchor.getText()
        self.home = text.createTextCursorByRange(anchor.getStart())
        self.cursor = text.createTextCursorByRange(anchor.getStart())
        self.shown = shown

    def shows_what_it_wrote(self) -> bool:
        """Whether the document's contents show, line by line, the pages written."""
        return [_page(row) for row in _lines(self.index)] == self.shown

    def write(self, wanted: Any) -> None:
        """Show the next page of `wanted` on each line."""
        cursor = self.cursor
        cursor.gotoRange(self.home, False)
        for line, old in enumerate(self.shown):
            new = next(wanted)
            if line:
                cursor.gotoNextParagraph(False)  # collapses a selection left behind
            if new != old:
                cursor.gotoEndOfParagraph(False)
                if old:
                    cursor.goLeft(len(old), True)
                cursor.setString(new)
                self.shown[line] = new


def _lines(index: Any) -> list[str]:
    """A contents index's text now, a line each ("label<TAB>page"). Its range is asked
    for afresh: one fetched earlier ends where the last line's text then did."""
    return str(index.getAnchor().getString()).split("\n")


def _page(line: str) -> str:
    """The page a contents line shows: what follows its last tab."""
    return line.rpartition("\t")[2]


def _contents(document: Any, contents: list[list[str]]) -> tuple[list[_Contents], list[str]] | str:
    """The document's contents and the bookmark each line leads to, in order, or why they
    are not the ones described. Each contents index is matched to the next non-empty
    list of `contents` by its number of lines."""
    every = document.getDocumentIndexes()
    found = [every.getByIndex(i) for i in range(every.getCount())]
    texts = [(x, _lines(x)) for x in found if x.supportsService(CONTENT_INDEX)]
    texts = [(index, rows) for index, rows in texts if rows != [""]]
    wanted = [names for names in contents if names]
    if len(texts) != len(wanted):
        return f"{len(texts)} contents in the document, {len(wanted)} expected"
    tables: list[_Contents] = []
    for (index, rows), names in zip(texts, wanted, strict=True):
        if len(rows) != len(names):
            return f"a contents of {len(rows)} lines, {len(names)} expected"
        if any("\t" not in row for row in rows):
            return "a contents line without its page number"
        shown = [_page(row) for row in rows]
        if not all(page == "" or page.isdigit() for page in shown):
            return "a contents line without its page number"
        tables.append(_Contents(index, shown))
    return tables, [name for names in wanted for name in names]


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
