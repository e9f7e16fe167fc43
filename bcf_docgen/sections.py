"""Where section templates are found: the plan's own templates/ first, then the project's.

An organisation can restyle or replace one section for all its plans by dropping a file
with the same name into `templates/sections/`, or for one plan into `PLAN/templates/`.
A template is named by a plain name (`content.files.TEMPLATE_NAME`), never a path, and
is looked up through `content.files.resolve_template`, so a name from content can only
ever mean a file inside one of these folders.
"""

from __future__ import annotations

from pathlib import Path

from .content.files import TEMPLATE_NAME, TEMPLATE_SUFFIX
from .content.reader import default_templates

__all__ = [
    "BUILTIN_SECTIONS",
    "TEMPLATE_SUFFIX",
    "known_templates",
    "template_dirs",
    "template_folders",
]

# The built-in sections every plan may name in its outline (spec section 2).
BUILTIN_SECTIONS = (
    "cover",
    "document-control",
    "contents",
    "vision",
    "schemes",
    "conditions",
    "funding",
    "metrics",
    "risks",
    "signoff",
)


def template_dirs(plan_root: Path, templates: Path | None = None) -> list[Path]:
    """The folders searched for a section template, first wins: the plan's, the project's."""
    return [plan_root / "templates", (templates or default_templates()) / "sections"]


def template_folders(plan_root: Path, templates: Path | None = None) -> list[tuple[Path, str, str]]:
    """`template_dirs` for `content.files.resolve_template`: (root a file must stay
    inside, folder inside it, shown as). The plan's templates stay inside the plan."""
    project = templates or default_templates()
    return [(plan_root, "templates", "templates"), (project, "sections", "templates/sections")]


def known_templates(plan_root: Path, templates: Path | None = None) -> list[str]:
    """Every template name a plan may use: only plain names (a file called `a b.md.j2` or
    `../x.md.j2` could not be named in an outline anyway)."""
    names: set[str] = set(BUILTIN_SECTIONS)
    for folder in template_dirs(plan_root, templates):
        if folder.is_dir():
            for path in folder.glob(f"*{TEMPLATE_SUFFIX}"):
                name = path.name.removesuffix(TEMPLATE_SUFFIX)
                if TEMPLATE_NAME.fullmatch(name):
                    names.add(name)
    return sorted(names)
