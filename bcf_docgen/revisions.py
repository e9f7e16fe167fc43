"""A plan folder as it was at a git revision, read with the `git` command itself.

Why `git` and not a library (dulwich, pygit2): it adds no dependency, it is on every
machine that has the repository, and it understands everything the user's git does
(packs, worktrees, partial clones, `v1.1`, `HEAD~2`, `main@{yesterday}`). Each revision
is copied out with `git archive` into a temporary folder; the working tree, the index
and the refs are never touched.

The library raises RevisionError with a message for people; the command turns it into
one line and exit status 2.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

WORKING_TREE = "working tree"
GIT_SECONDS = 1800.0  # a safety net for a hung git, never a speed limit


# The plan folders `PlanRepository.checkout` has copied out, while they exist, with the
# commit each one is: a plan read there (`history_from: git-tags`) takes its version
# history from the tags as of that commit, although the copy itself is outside git.
_CHECKED_OUT: dict[Path, tuple[PlanRepository, str]] = {}


def checked_out(folder: Path) -> tuple[PlanRepository, str] | None:
    """The repository and commit that `folder` is a copy of, if `checkout` made it."""
    return _CHECKED_OUT.get(Path(folder).resolve())


class RevisionError(Exception):
    """The plan cannot be read at a revision: not in git, unknown revision, not there."""


@dataclass(frozen=True)
class Revision:
    """One side of a comparison: which revision, and who made it when (for tracked changes)."""

    name: str  # as the user wrote it ("HEAD~1", "v1.1"), or WORKING_TREE
    commit: str  # the full commit id, or "" for the working tree
    author: str
    date: dt.datetime
    subject: str = ""

    @property
    def label(self) -> str:
        """'HEAD~1 (3f2a1c9)' or 'working tree', for headings and messages."""
        return f"{self.name} ({self.commit[:7]})" if self.commit else self.name


def _git(root: Path, *args: str, binary: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            # UTF-8 is git's convention, not its rule: a name or message written in
            # another encoding reads with replacement characters, never a traceback.
            encoding=None if binary else "utf-8",
            errors=None if binary else "replace",
            env=env,
            timeout=GIT_SECONDS,
            check=False,
        )
    except FileNotFoundError as exc:
        raise RevisionError("git is not installed: `diff` reads revisions with git") from exc


@dataclass(frozen=True)
class PlanRepository:
    """The git repository holding a plan folder, and where the folder is inside it."""

    root: Path
    prefix: str  # the plan folder inside the repository, with forward slashes ("" at the top)
    folder: Path  # the plan folder in the working tree

    @classmethod
    def of(cls, folder: Path) -> PlanRepository:
        folder = Path(folder)
        if not folder.is_dir():
            raise RevisionError(f"{folder} is not a folder")
        top = _git(folder, "rev-parse", "--show-toplevel")
        if top.returncode != 0:
            raise RevisionError(
                f"{folder} is not in a git repository: `diff` compares revisions of a plan "
                "kept in git (git init, git add, git commit)"
            )
        root = Path(top.stdout.strip())
        prefix = _git(folder, "rev-parse", "--show-prefix").stdout.strip().rstrip("/")
        return cls(root, prefix, folder)

    def commit(self, rev: str) -> str:
        """The full id of the commit `rev` names."""
        found = _git(
            self.root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"
        )
        if found.returncode != 0 or not found.stdout.strip():
            raise RevisionError(
                f"unknown revision '{rev}' in {self.root} (try a commit, a tag such as v1.1, "
                "HEAD or HEAD~1)"
            )
        return found.stdout.strip()

    def revision(self, rev: str | None) -> Revision:
        """`rev` with its author and date; None is the working tree (the user, now)."""
        if rev is None:
            name = _git(self.root, "config", "user.name").stdout.strip()
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            return Revision(WORKING_TREE, "", name or "bcf-docgen", now)
        commit = self.commit(rev)
        shown = _git(self.root, "log", "-1", "--format=%an%x00%aI%x00%s", commit)
        author, date, subject = (shown.stdout.rstrip("\n").split("\0") + ["", "", ""])[:3]
        when = dt.datetime.fromisoformat(date) if date else dt.datetime.now(dt.UTC)
        return Revision(rev, commit, author, when, subject)

    def authors(self, old: Revision, new: Revision) -> list[str]:
        """Who made the commits between `old` and `new` (for a note; newest first)."""
        if not old.commit or not new.commit:
            return [new.author]
        listed = _git(self.root, "log", "--format=%an", f"{old.commit}..{new.commit}")
        return [name for name in dict.fromkeys(listed.stdout.split("\n")) if name]

    def has_plan(self, commit: str) -> bool:
        path = f"{self.prefix}/plan.yaml" if self.prefix else "plan.yaml"
        return _git(self.root, "cat-file", "-e", f"{commit}:{path}").returncode == 0

    @contextmanager
    def checkout(self, revision: Revision) -> Iterator[Path]:
        """The plan folder as it was at `revision`, in a temporary folder removed afterwards.

        The working tree revision is the folder itself (nothing is copied).
        """
        if not revision.commit:
            yield self.folder
            return
        if not self.has_plan(revision.commit):
            where = self.prefix or "the top of the repository"
            raise RevisionError(
                f"there is no plan at revision '{revision.name}': {where}/plan.yaml does not "
                "exist in that commit"
            )
        with tempfile.TemporaryDirectory(prefix="bcf-docgen-rev-") as temporary:
            target = Path(temporary)
            self._extract(revision.commit, target)
            plan = target / PurePosixPath(self.prefix) if self.prefix else target
            _CHECKED_OUT[plan.resolve()] = (self, revision.commit)
            try:
                yield plan
            finally:
                _CHECKED_OUT.pop(plan.resolve(), None)

    def _extract(self, commit: str, target: Path) -> None:
        args = ["archive", "--format=tar", commit]
        if self.prefix:
            args += ["--", self.prefix]
        archived = _git(self.root, *args, binary=True)
        if archived.returncode != 0:
            message = archived.stderr.decode("utf-8", "replace").strip()
            raise RevisionError(f"git could not read the plan at {commit[:7]}: {message}")
        try:
            with tarfile.open(fileobj=io.BytesIO(archived.stdout)) as tar:
                # The data filter refuses links and paths that lead outside the folder.
                tar.extractall(target, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise RevisionError(f"the plan at {commit[:7]} could not be copied out: {exc}") from exc
