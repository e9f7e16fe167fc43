"""One Typst layout in a process of its own: run as a script, never imported.

Typst keeps what it lays out until the process ends (about 1.7 MB a page of a plan),
and memory a process has used is seldom given back. A document too large to lay out
at once is therefore laid out in parts (render/typst_pdf.py), each by a new process
running this file (`python -I typst_child.py`), so the memory of one part is gone
before the next starts. It imports nothing from bcf-docgen: only the standard library
and Typst.

Request (a pickle on stdin, written by bcf-docgen itself): {"source", "files" (name ->
bytes, written beside the source in a fresh folder: Typst reads nothing else), "prefix"
(the folder's name's start, with "{pid}" for this process's id),
"font_paths", "timestamp", "where" (the metadata label to read), "pdf" (whether to
export)}. Answer (a pickle on stdout): ("ok", (pdf bytes or None, the label's value as
JSON)) or ("error", message).
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any


def lay_out(request: dict[str, Any]) -> tuple[bytes | None, str]:
    import typst

    prefix = str(request["prefix"]).format(pid=os.getpid())
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        root = Path(folder)
        for name, data in request["files"].items():
            (root / name).write_bytes(data)
        main = root / "main.typ"
        main.write_text(request["source"], encoding="utf-8")
        compiler = typst.Compiler(
            str(main),
            root=str(root),
            font_paths=list(request["font_paths"]),
            ignore_system_fonts=True,
        )
        data = None
        if request["pdf"]:
            data = compiler.compile(
                format="pdf", pdf_standards="ua-1", timestamp=request["timestamp"]
            )
        # After the export the layout is cached: the query costs next to nothing.
        where = compiler.query(f"<{request['where']}>", field="value", one=True)
    assert data is None or isinstance(data, bytes)
    return data, where


def main() -> None:
    request = pickle.load(sys.stdin.buffer)
    try:
        answer: tuple[str, Any] = ("ok", lay_out(request))
    except Exception as exc:  # noqa: BLE001 - reported to the caller, which decides
        answer = ("error", str(getattr(exc, "message", "") or exc))
    pickle.dump(answer, sys.stdout.buffer)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
