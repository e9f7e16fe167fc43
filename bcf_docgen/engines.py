"""The PDF engines and the default one (docs/engines.md).

A module of its own, importing nothing, because the command line, the build job, the
worker processes and the theme all name the engines, and a worker should not have to
import the theme's models to know them.
"""

from __future__ import annotations

from typing import Literal, get_args

PdfEngine = Literal["weasyprint", "typst"]
PDF_ENGINES: tuple[str, ...] = get_args(PdfEngine)
# Chosen on the side-by-side run of both engines recorded in bench/RESULTS.md.
DEFAULT_PDF_ENGINE: PdfEngine = "weasyprint"
# What the messages call each engine.
ENGINE_NAMES = {"weasyprint": "WeasyPrint", "typst": "Typst"}
