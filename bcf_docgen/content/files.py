"""Reading files of a plan folder, and only of the plan folder: the one resource boundary.

Content is untrusted: a path written in plan.yaml, theme.yaml, board-report.yaml or in
Markdown may not be absolute, may not be a URL, may not climb out with `..`, and may not
reach outside through a symbolic link. Every path that comes from content goes through
`resolve_inside` (section and appendix files, images, the logo, the theme) or
`resolve_template` (a section template's name, a plain name looked up in the template
folders), which uses it too; what either refuses is a ContentError, reported as a
finding where the path was written, and the file is never read.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from ..findings import Location

# A section template's name: a plain name, so that it can only ever mean a file of the
# template folders (`funding`, `appendix-risks`), never a path.
TEMPLATE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
TEMPLATE_SUFFIX = ".md.j2"
# `file:`, `http:`, `data:`...: a URL where a file of the plan folder is expected. Two
# letters at least, so that a Windows drive (`C:`) is reported as an absolute path.
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


class ContentError(Exception):
    """A problem with one file that stops it being read; carries where and a hint."""

    def __init__(self, message: str, location: Location, hint: str = "", code: str = "read"):
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint
        self.code = code


def resolve_inside(
    root: Path, relative: str, where: Location, folder: str = "the plan folder"
) -> Path:
    """The file `relative` names inside `root`, symbolic links resolved; ContentError if it
    is a URL or would leave the folder. `folder` names `root` in messages."""
    text = relative.replace("\\", "/")
    if "\0" in text:
        raise ContentError(
            f"path {relative!r} holds a NUL character",
            where,
            "write the path as plain text, e.g. sections/background.md",
            code="path.invalid",
        )
    if URL_SCHEME.match(text):
        raise ContentError(
            f"'{relative[:80]}' is a URL: only files inside {folder} are used",
            where,
            "copy the file into the plan folder (e.g. assets/) and write its path",
            code="path.url",
        )
    posix = PurePosixPath(text)
    if not text or posix.is_absolute() or (len(text) > 1 and text[1] == ":"):
        raise ContentError(
            f"path '{relative}' must be relative to {folder}",
            where,
            "write it as e.g. sections/background.md",
            code="path.outside",
        )
    if ".." in posix.parts:
        raise ContentError(
            f"path '{relative}' climbs out of {folder} with '..'",
            where,
            "keep every file the plan uses inside the plan folder",
            code="path.outside",
        )
    target = (root / Path(*posix.parts)).resolve()
    if not target.is_relative_to(root.resolve()):
        raise ContentError(
            f"path '{relative}' leads outside {folder} (through a link)",
            where,
            "copy the file into the plan folder instead of linking to it",
            code="path.outside",
        )
    return target


def resolve_template(
    name: str, folders: Iterable[tuple[Path, str, str]], where: Location
) -> tuple[Path, str] | None:
    """The first file NAME.md.j2 in `folders` and how to show it, or None when none has it.

    Each folder is (root, folder inside root, shown as): the file must stay inside `root`
    (the plan folder for the plan's own templates/, so a templates/ that is a link out of
    the plan is refused too). ContentError if `name` is not a plain name or the file
    found leads outside its root.
    """
    if not TEMPLATE_NAME.fullmatch(name):
        raise ContentError(
            f"'{name[:80]}' is not a section template's name",
            where,
            "a template is named by lower-case letters, digits and '-' "
            "(e.g. funding); a Markdown file by its path ending in .md",
            code="template.name",
        )
    filename = f"{name}{TEMPLATE_SUFFIX}"
    for root, inside, shown in folders:
        relative = f"{inside}/{filename}" if inside else filename
        candidate = root / relative
        if candidate.is_file() or candidate.is_symlink():
            path = resolve_inside(root, relative, where, f"the folder {shown}")
            if path.is_file():
                return path, f"{shown}/{filename}"
    return None


def read_text(path: Path, display: str) -> str:
    """A file's text as UTF-8; a clear ContentError at the first byte that is not."""
    data = read_regular(path, display)
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


# A plan's files are text of a few kilobytes; a larger one is refused before it is read,
# so that a huge file (or a device that never ends) cannot exhaust memory.
MAX_FILE_BYTES = 16 * 1024 * 1024
_NOT_A_FILE = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


def _not_a_file(mode: int, display: str) -> ContentError:
    kind = next((name for test, name in _NOT_A_FILE if test(mode)), "not a regular file")
    return ContentError(
        f"{display} is {kind}, not a file",
        Location(display),
        "put the text in an ordinary file: bcf-docgen reads only regular files",
    )


def read_regular(path: Path, display: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of `path`, if it is a regular file of at most `limit` bytes.

    A plan folder may hold a named pipe (reading one waits for ever), a device (/dev/zero
    never ends) or a socket where a file is expected: each is a ContentError, never a
    hang. The file is opened without blocking and checked again on the open descriptor,
    so that it cannot be swapped for something else between the check and the read.
    """
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise _not_a_file(mode, display)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise _not_a_file(mode, display)
            data = handle.read(limit + 1)
    except FileNotFoundError as exc:
        if path.is_symlink():
            raise ContentError(
                f"{display} is a link to a file that does not exist", Location(display)
            ) from exc
        raise ContentError(
            f"file not found: {display}", Location(display), code="file.missing"
        ) from exc
    except OSError as exc:
        raise ContentError(f"cannot read {display}: {exc.strerror}", Location(display)) from exc
    if len(data) > limit:
        raise ContentError(
            f"{display} is larger than {limit // 1024**2} MB, the most bcf-docgen reads",
            Location(display),
            "split the text into smaller files, or move large data out of the plan",
        )
    return data
