"""Reading a plan folder into a Plan, collecting every problem in one pass.

Each file is read on its own and past its mistakes (content/validation.py): a misspelt
key, a wrong value or a broken item is reported and the rest of the file is still read;
a file that cannot be read at all (a YAML syntax error) is reported and left out. So an
author sees all problems at once, and none that only follows from another. Only a missing
or unreadable plan folder (or plan.yaml) stops reading; that is a usage error.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from ..findings import Finding, Findings, Location
from ..frameworks import load_framework
from ..paths import default_templates
from ..theme import Theme
from .base import attach_sources
from .files import ContentError, read_text, resolve_inside
from .models import (
    BoardReport,
    Conditions,
    Funding,
    Metrics,
    PlanMeta,
    Risks,
    Scheme,
    SectionFront,
    Signoff,
    Vision,
)
from .plan import Plan, Section
from .validation import validate_recovering
from .yamlsource import SourceMap, load_yaml

M = TypeVar("M", bound=BaseModel)

DATA_FILES: dict[str, type[BaseModel]] = {
    "vision.yaml": Vision,
    "funding.yaml": Funding,
    "metrics.yaml": Metrics,
    "risks.yaml": Risks,
    "conditions.yaml": Conditions,
    "signoff.yaml": Signoff,
}
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?$\n?", re.DOTALL | re.MULTILINE)
SECTION_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


class FrontMatterInvalid(Exception):
    def __init__(self, findings: list[Finding]):
        super().__init__("invalid front matter")
        self.findings = findings


def split_front_matter(text: str, relative: str) -> tuple[SectionFront, str, int]:
    """(front matter, body, 1-based line of the body's first line) of a Markdown file.

    Raises ContentError for broken YAML or an unclosed block, and FrontMatterInvalid
    for keys or values that are not allowed.
    """
    front, body, line, findings = read_front_matter(text, relative)
    if findings:
        raise FrontMatterInvalid(findings)
    return front, body, line


def read_front_matter(text: str, relative: str) -> tuple[SectionFront, str, int, list[Finding]]:
    """split_front_matter read past mistakes: a misspelt or unknown key, or a wrong value,
    is reported (the findings returned) and the section is still read.

    Raises ContentError for broken YAML or an unclosed block, and FrontMatterInvalid
    when the front matter cannot be read at all.
    """
    match = FRONT_MATTER.match(text)
    if not match:
        if text.startswith("---"):
            raise ContentError(
                "the front matter is not closed",
                Location(relative, 1, 1),
                "end the front matter with a line holding only '---'",
                code="markdown.front-matter",
            )
        return SectionFront(), text, 1, []
    data, smap = load_yaml(match.group(1), relative, line_offset=1)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ContentError(
            "front matter should hold 'key: value' lines",
            Location(relative, 2, 1),
            "e.g. title: Background and context",
            code="schema.dict_type",
        )
    result = validate_recovering(SectionFront, data, smap)
    if result.model is None:
        raise FrontMatterInvalid(result.findings)
    front = result.model
    attach_sources(front, result.smap)
    return front, text[match.end() :], match.group(0).count("\n") + 1, result.findings


class PlanFolderError(Exception):
    """The folder is not a plan folder at all (usage error, exit status 2)."""


@dataclass
class ReadResult:
    plan: Plan | None
    findings: Findings


class _Reader:
    def __init__(self, root: Path, templates: Path):
        self.root = root
        self.templates = templates
        self.findings = Findings()
        self.unreadable: set[str] = set()
        self.wanted: set[str] = set()  # the Markdown files the outline names

    # -- YAML files --------------------------------------------------------------

    def load(self, relative: str, required: bool = False) -> tuple[Any, SourceMap] | None:
        path = self.root / relative
        if not path.exists() and not path.is_symlink():  # a broken link is reported
            if required:
                self.findings.error("file.missing", f"{relative} is missing", Location(relative))
            return None
        if not path.exists():
            self.findings.error(
                "read",
                f"{relative} is a link to a file that does not exist",
                Location(relative),
                "replace the link with the file itself",
            )
            self.unreadable.add(relative)
            return None
        try:
            path = resolve_inside(self.root, relative, Location(relative))
            return load_yaml(read_text(path, relative), relative)
        except ContentError as exc:
            self.findings.error(exc.code, exc.message, exc.location, exc.hint)
            self.unreadable.add(relative)
            return None

    def validate(
        self, model: type[M], data: Any, smap: SourceMap, relative: str | None = None
    ) -> M | None:
        """The file's model, read past its mistakes (each reported); None only when its top
        level cannot be read. A file read only in part is marked unreadable, so that checks
        which add up or look up what it holds stay quiet instead of repeating its errors."""
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.findings.error(
                "schema.dict_type",
                f"{smap.file} should hold a mapping of keys, not {type(data).__name__}",
                smap.value(()),
                "start the file with 'key: value' lines",
            )
            self.unreadable.add(relative or smap.file)
            return None
        result = validate_recovering(model, data, smap)
        self.findings.extend(result.findings)
        if not result.complete:
            self.unreadable.add(relative or smap.file)
        if result.model is not None:
            attach_sources(result.model, result.smap)
        return result.model

    def read_model(self, relative: str, model: type[M], required: bool = False) -> M | None:
        loaded = self.load(relative, required)
        if loaded is None:
            return None
        return self.validate(model, *loaded, relative=relative)

    # -- Markdown ----------------------------------------------------------------

    def read_section(self, relative: str, where: Location) -> Section | None:
        try:
            path = resolve_inside(self.root, relative, where)
            text = read_text(path, relative)
        except ContentError as exc:
            if exc.code == "file.missing":
                return self._misnamed_section(relative, where)
            else:
                self.findings.error(exc.code, exc.message, exc.location, exc.hint)
            return None
        try:
            front, body, body_line, front_findings = read_front_matter(text, relative)
        except ContentError as exc:
            self.findings.error(exc.code, exc.message, exc.location, exc.hint)
            return None
        except FrontMatterInvalid as exc:
            self.findings.extend(exc.findings)
            return None
        self.findings.extend(front_findings)
        title = front.title
        if not title:
            heading = re.match(r"\A\s*#\s+(.+?)[ \t]*#*[ \t]*(?:\n|\Z)", body)
            if heading:
                title = heading.group(1)
                body_line += body[: heading.end()].count("\n")
                body = body[heading.end() :]
        if not title:
            self.findings.error(
                "markdown.no-title",
                f"{relative} has no title",
                Location(relative, 1, 1),
                "add front matter: a line '---', then 'title: Your title', then '---'",
            )
            return None
        section_id = front.id or Path(relative).stem
        if not SECTION_ID.match(section_id):
            self.findings.error(
                "markdown.bad-id",
                f"section id '{section_id}' must start with a letter and hold only "
                "letters, digits, '-' and '_'",
                front.loc("id") if front.id else Location(relative, 1, 1),
                "set 'id:' in the front matter, e.g. id: background",
            )
            return None
        return Section(
            relative, section_id, title, body, body_line, Location(relative, 1, 1), front
        )

    def _misnamed_section(self, relative: str, where: Location) -> Section | None:
        """An outline path that names no file: reported once, with the file it most
        resembles, which is read in its place (so that the section is neither reported
        missing from the outline nor its file unused, which would be the same mistake)."""
        link = " (a link to a file)" if (self.root / relative).is_symlink() else ""
        message = f"the outline names {relative}{link}, which does not exist"
        close = None if link else self._similar_markdown(relative)
        if close is None:
            hint = "create the file or correct the path in the outline"
            self.findings.error("file.missing", message, where, hint)
            return None
        hint = f"did you mean {close}? (it is used until the outline is corrected)"
        self.findings.error("file.missing", message, where, hint)
        self.wanted.add(close)
        return self.read_section(close, where)

    def _similar_markdown(self, relative: str) -> str | None:
        """The Markdown file of the plan folder (at most one folder down) whose path is
        closest to `relative`, if one is close and the outline does not already use it."""
        try:
            found = [*self.root.glob("*.md"), *self.root.glob("*/*.md")]
        except OSError:
            return None
        names = sorted(
            path.relative_to(self.root).as_posix()
            for path in found
            if not path.name.startswith(".") and path.is_file()
        )
        choices = [name for name in names if name not in self.wanted]
        close = difflib.get_close_matches(relative.replace("\\", "/"), choices, n=1, cutoff=0.8)
        return close[0] if close else None

    # -- the whole plan ------------------------------------------------------------

    def read(self) -> Plan | None:
        loaded = self.load("plan.yaml", required=True)
        meta = self.validate(PlanMeta, *loaded) if loaded else None
        framework = None
        if meta is not None and meta.framework:  # a missing one is reported already
            framework = load_framework(
                meta.framework, self.templates, meta.loc("framework"), self.findings
            )

        theme = Theme()
        if meta is not None and meta.theme:
            try:
                resolve_inside(self.root, meta.theme, meta.loc("theme"))
                loaded_theme = self.read_model(meta.theme, Theme, required=True)
                theme = loaded_theme or theme
            except ContentError as exc:
                self.findings.error(exc.code, exc.message, exc.location, exc.hint)

        data: dict[str, BaseModel | None] = {
            name: self.read_model(name, model) for name, model in DATA_FILES.items()
        }
        board_report = self.read_model("board-report.yaml", BoardReport)
        facts, facts_map = self.read_facts()
        schemes = self.read_schemes()
        sections = self.read_sections(meta)

        if meta is None or framework is None:
            return None
        plan = Plan(root=self.root, meta=meta, framework=framework, theme=theme)
        for name, model in data.items():
            attr = name.removesuffix(".yaml")
            if model is not None:
                setattr(plan, attr, model)
            if (self.root / name).exists():
                plan.present.add(name)
        plan.board_report = board_report
        plan.facts, plan.facts_map = facts, facts_map
        plan.schemes = schemes
        plan.sections = sections
        plan.unreadable = set(self.unreadable)
        return plan

    def read_facts(self) -> tuple[dict[str, Any], SourceMap | None]:
        loaded = self.load("facts.yaml")
        if loaded is None:
            return {}, None
        data, smap = loaded
        if data is None:
            return {}, smap
        if not isinstance(data, dict):
            self.findings.error(
                "schema.dict_type",
                "facts.yaml should hold named figures ('name: value' lines)",
                smap.value(()),
            )
            return {}, smap
        for key in data:
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", str(key)):
                self.findings.error(
                    "facts.bad-name",
                    f"fact name '{key}' cannot be used in {{{{ facts.NAME }}}}",
                    smap.key((key,)),
                    "use letters, digits and '_' only, starting with a letter, e.g. over_85",
                )
        return data, smap

    def read_schemes(self) -> list[Scheme]:
        schemes: list[Scheme] = []
        entries = self._folder("schemes")
        if entries is None:
            return schemes
        seen: dict[str, Scheme] = {}
        for path in entries:
            if path.suffix not in (".yaml", ".yml") or path.name.startswith("."):
                continue
            scheme = self.read_model(f"schemes/{path.name}", Scheme)
            if scheme is None:
                continue
            if scheme.id in seen:
                self.findings.error(
                    "scheme.duplicate-id",
                    f"scheme id '{scheme.id}' is also used by {seen[scheme.id].file}",
                    scheme.loc("id"),
                    "give every scheme its own id (S1, S2, ...)",
                )
                continue
            seen[scheme.id] = scheme
            schemes.append(scheme)
        return schemes

    def _folder(self, relative: str) -> list[Path] | None:
        """The entries of a folder of the plan, sorted; None (and a finding, unless it is
        simply absent) when it is not a folder that can be listed, so that a `schemes`
        that is a file or a link to nothing is reported instead of quietly read as empty."""
        folder = self.root / relative
        if not folder.exists() and not folder.is_symlink():
            return None
        try:
            if not folder.is_dir():
                raise NotADirectoryError(0, "it is not a folder")
            return sorted(folder.iterdir())
        except OSError as exc:
            self.findings.error(
                "read",
                f"cannot read the folder {relative}: {exc.strerror}",
                Location(relative),
                f"make {relative} a folder of files inside the plan folder",
            )
            return None

    def read_sections(self, meta: PlanMeta | None) -> dict[str, Section]:
        sections: dict[str, Section] = {}
        wanted: list[tuple[str, Location]] = []
        if meta is not None:
            for i, entry in enumerate(meta.outline):
                where = meta.loc("outline", i)
                for target in (entry.target, entry.intro):
                    if target and target.endswith(".md"):
                        wanted.append((target, where))
        self.wanted.update(w.replace("\\", "/") for w, _ in wanted)
        ids: dict[str, Section] = {}
        for relative, where in wanted:
            key = relative.replace("\\", "/")
            if key in sections:
                continue
            section = self.read_section(relative, where)
            if section is None:
                continue
            if section.id in ids:
                self.findings.error(
                    "section.duplicate-id",
                    f"section id '{section.id}' is also used by {ids[section.id].path}",
                    section.location,
                    "set a different 'id:' in one of the two files' front matter",
                )
                continue
            ids[section.id] = section
            sections[key] = section
        folder = self.root / "sections"
        if folder.is_dir() and meta is not None:
            for path in sorted(folder.glob("*.md")):
                relative = f"sections/{path.name}"
                if relative not in self.wanted:
                    self.findings.warning(
                        "outline.unused-section",
                        f"{relative} is not in the outline, so it is not in the document",
                        Location(relative, 1, 1),
                        "add it to 'outline:' in plan.yaml, or delete it",
                    )
        return sections


def read_section(
    root: Path, relative: str, where: Location, templates: Path | None = None
) -> tuple[Section | None, Findings]:
    """One Markdown file of a plan folder that the outline does not name (a pack's appendix)."""
    reader = _Reader(Path(root), templates or default_templates())
    return reader.read_section(relative, where), reader.findings


def read_plan(folder: Path | str, templates: Path | None = None) -> ReadResult:
    """Read a plan folder. Raises PlanFolderError only when there is no plan to read."""
    root = Path(folder)
    if not root.exists():
        raise PlanFolderError(f"no such folder: {root}")
    if not root.is_dir():
        raise PlanFolderError(f"{root} is a file; give the plan's folder")
    plan_yaml = root / "plan.yaml"
    if not plan_yaml.is_file() and (plan_yaml.exists() or plan_yaml.is_symlink()):
        raise PlanFolderError(
            f"{plan_yaml} is not a file that can be read (a folder, a link "
            "to nothing, a pipe or a device); make it an ordinary file"
        )
    if not plan_yaml.is_file():
        raise PlanFolderError(
            f"{root} is not a plan folder: it has no plan.yaml "
            f"(start one with: bcf-docgen new {root} --area NAME)"
        )
    reader = _Reader(root.resolve(), templates or default_templates())
    plan = reader.read()
    return ReadResult(plan, reader.findings)
