"""Reading files of a plan folder, and only of the plan folder.

Content is untrusted: a path written in plan.yaml or in Markdown may not be absolute,
may not climb out with `..`, and may not reach outside through a symbolic link.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ..findings import Location


class ContentError(Exception):
    """A problem with one file that stops it being read; carries where and a hint."""

    def __init__(self, message: str, location: Location, hint: str = "", code: str = "read"):
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint
        self.code = code


def resolve_inside(root: Path, relative: str, where: Location) -> Path:
    """The file `relative` names inside `root`; ContentError if it would leave the folder."""
    text = relative.replace("\\", "/")
    if "\0" in text:
        raise ContentError(
            f"path {relative!r} holds a NUL character",
            where,
            "write the path as plain text, e.g. sections/background.md",
            code="path.invalid",
        )
    posix = PurePosixPath(text)
    if not text or posix.is_absolute() or (len(text) > 1 and text[1] == ":"):
        raise ContentError(
            f"path '{relative}' must be relative to the plan folder",
            where,
            "write it as e.g. sections/background.md",
            code="path.outside",
        )
    if ".." in posix.parts:
        raise ContentError(
            f"path '{relative}' climbs out of the plan folder with '..'",
            where,
            "keep every file the plan uses inside the plan folder",
            code="path.outside",
        )
    target = (root / Path(*posix.parts)).resolve()
    if not target.is_relative_to(root.resolve()):
        raise ContentError(
            f"path '{relative}' leads outside the plan folder (through a link)",
            where,
            "copy the file into the plan folder instead of linking to it",
            code="path.outside",
        )
    return target


def read_text(path: Path, display: str) -> str:
    """A file's text as UTF-8; a clear ContentError at the first byte that is not."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ContentError(
            f"file not found: {display}", Location(display), code="file.missing"
        ) from exc
    except IsADirectoryError as exc:
        raise ContentError(f"{display} is a folder, not a file", Location(display)) from exc
    except OSError as exc:
        raise ContentError(f"cannot read {display}: {exc.strerror}", Location(display)) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        # Columns count characters, as editors (and YAML errors) do, not bytes.
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise ContentError(
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
            Location(display, line, column),
            "save the file as UTF-8 (in most editors: Save with encoding > UTF-8)",
            code="file.encoding",
        ) from exc
    return text.removeprefix("\ufeff")
