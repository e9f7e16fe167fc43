"""Where the project's own files are: the one fact about the install every stage needs."""

from __future__ import annotations

from pathlib import Path


def default_templates() -> Path:
    """The project's templates/ folder (section templates, framework packs, theme)."""
    return Path(__file__).resolve().parents[1] / "templates"
