"""The version history from a plan's annotated git tags (`history_from: git-tags`).

Why tags: an issued version is a commit someone tagged ("1.2: agreed by the board"), so
the document-control table can come from the repository instead of being typed a second
time, and a build from a tree that matches no commit can say so.

Git is read with the `git` command, through `revisions.py`'s helpers (see there for
why), only in the repository that holds the plan folder, each call bounded by
`revisions.GIT_SECONDS`. This runs after reading and before the checks, so the history
checks, the Word document and the PDF all see the one history, from the plan's model.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .content.models import HistoryEntry, Uncommitted
from .content.plan import Plan
from .findings import Findings
from .revisions import PlanRepository, RevisionError, _git, checked_out
from .untrusted import SourceDateEpochError, source_date_epoch

# One record per tag, its fields ended by NUL (a tag message cannot hold one).
TAG_FIELDS = ("objecttype", "refname", "taggername", "taggerdate:iso-strict", "contents:subject")
TAG_FORMAT = "".join(f"%({name})%00" for name in TAG_FIELDS)

# "v1.2" is version 1.2: the plan's `version:`, its cover and the history checks say "1.2".
VERSION_PREFIX = re.compile(r"^[vV](?=\d)")


@dataclass
class GitHistory:
    """What git says about a plan folder: its tagged versions, and whether it is committed."""

    entries: list[HistoryEntry] = field(default_factory=list)  # oldest first
    lightweight: list[str] = field(default_factory=list)  # tags without a tagger: ignored
    changed_files: int = 0  # uncommitted changes under the plan folder (untracked too)


def read_version_history(plan: Plan) -> Findings:
    """Put the history from git tags in place of the typed one, if the plan asks for it.

    A plan outside git (or on a machine without git) keeps its typed history, with a
    warning at the `history_from:` line: the build goes on, as it does for a draft.
    """
    findings = Findings()
    meta = plan.meta
    if meta.history_from != "git-tags":
        return findings
    setting = meta.loc("history_from")
    try:
        history = read_git_history(plan.root)
    except RevisionError as exc:
        kept = "the typed `history:` is used" if meta.history else "the version history is empty"
        findings.warning(
            "history.not-in-git",
            f"history_from: git-tags, but {exc}: {kept}",
            setting,
            "keep the plan folder in a git repository and tag each issued version "
            "(git tag -a 1.0 -m 'Agreed by the board'), or remove 'history_from:'",
        )
        return findings
    if history.lightweight:
        names = ", ".join(history.lightweight)
        findings.warning(
            "history.lightweight-tag",
            f"the version history leaves out tag(s) {names}: a lightweight tag has no "
            "date, author or message",
            setting,
            "annotate it in place: git tag -f -a NAME NAME -m 'What changed'",
        )
    uncommitted = None
    if history.changed_files:
        uncommitted = Uncommitted(history.changed_files, build_date())
    meta.use_git_history(history.entries, uncommitted)
    return findings


def read_git_history(folder: Path) -> GitHistory:
    """The annotated tags on the way to HEAD where the plan exists, and what is uncommitted.

    A folder that `diff` copied out of a revision reads the tags as of that revision, and
    is committed by definition. Raises RevisionError when there is no git to read.
    """
    copied = checked_out(folder)
    if copied is not None:
        return _tags(*copied)
    if shutil.which("git") is None:
        raise RevisionError("git is not installed")
    try:
        repository = PlanRepository.of(folder)
    except RevisionError as exc:
        raise RevisionError("the plan folder is not in a git repository") from exc
    head = _head(repository)
    history = _tags(repository, head) if head else GitHistory()
    history.changed_files = _uncommitted_files(repository)
    return history


def _head(repository: PlanRepository) -> str | None:
    """HEAD's commit; None in a repository without a commit yet (everything uncommitted)."""
    try:
        return repository.commit("HEAD")
    except RevisionError:
        return None


def _tags(repository: PlanRepository, head: str) -> GitHistory:
    listed = _git(
        repository.root, "for-each-ref", f"--merged={head}", f"--format={TAG_FORMAT}", "refs/tags"
    )
    if listed.returncode != 0:
        raise RevisionError(f"git could not list the tags: {listed.stderr.strip()}")
    history = GitHistory()
    dated: list[tuple[dt.datetime, str, HistoryEntry]] = []
    fields = listed.stdout.split("\0")
    for start in range(0, len(fields) - len(TAG_FIELDS) + 1, len(TAG_FIELDS)):
        kind, ref, tagger, date, subject = fields[start : start + len(TAG_FIELDS)]
        ref = ref.strip()
        name = ref.removeprefix("refs/tags/")
        # A tag from before the plan existed (or of another plan in the repository).
        if not repository.has_plan(ref):
            continue
        if kind.strip() != "tag" or not date:
            history.lightweight.append(name)
            continue
        when = dt.datetime.fromisoformat(date)
        message = subject.strip().splitlines()[0] if subject.strip() else ""
        entry = HistoryEntry(
            version=VERSION_PREFIX.sub("", name), date=when.date(), author=tagger, summary=message
        )
        dated.append((when, name, entry))
    # Oldest first, like a typed history; equal times (tags made by a script) by name.
    history.entries = [entry for _, _, entry in sorted(dated, key=lambda d: (d[0], d[1]))]
    return history


def _uncommitted_files(repository: PlanRepository) -> int:
    """How many files under the plan folder differ from HEAD or are untracked.

    `core.fsmonitor` is switched off: a hook named in the repository's configuration is
    a command, and reading a plan must not run one.
    """
    status = _git(
        repository.folder,
        "-c",
        "core.fsmonitor=false",
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--ignore-submodules=all",
        "--",
        ".",
    )
    if status.returncode != 0:
        raise RevisionError(f"git could not tell what is uncommitted: {status.stderr.strip()}")
    entries = status.stdout.split("\0")
    count, i = 0, 0
    while i < len(entries):
        entry = entries[i]
        if len(entry) > 3:
            count += 1
            # A rename or copy is followed by the path it came from.
            i += 2 if entry[0] in "RC" or entry[1] in "RC" else 1
        else:
            i += 1
    return count


def build_date() -> dt.date:
    """Today, or the day SOURCE_DATE_EPOCH names, so that a rebuild says the same."""
    try:
        fixed = source_date_epoch()
    except SourceDateEpochError:  # the command line refuses it before building
        fixed = None
    return (fixed or dt.datetime.now(dt.UTC)).date()
