"""Where section templates are found: the plan's own templates/ first, then the project's.

An organisation can restyle or replace one section for all its plans by dropping a file
with the same name into `templates/sections/`, or for one plan into `PLAN/templates/`.
"""

from __future__ import annotations

from pathlib import Path

from .content.reader import default_templates

TEMPLATE_SUFFIX = ".md.j2"

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
    return [plan_root / "templates", (templates or default_templates()) / "sections"]


def known_templates(plan_root: Path, templates: Path | None = None) -> list[str]:
    names: set[str] = set(BUILTIN_SECTIONS)
    for folder in template_dirs(plan_root, templates):
        if folder.is_dir():
            names.update(
                p.name.removesuffix(TEMPLATE_SUFFIX) for p in folder.glob(f"*{TEMPLATE_SUFFIX}")
            )
    return sorted(names)
