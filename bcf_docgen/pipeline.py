"""The steps a command runs, as library calls: read and check a plan, write outputs safely."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .checks import run_checks, run_document_checks
from .content.plan import Plan
from .content.reader import read_plan
from .document.assemble import assemble
from .document.model import Document
from .findings import Findings


@dataclass
class Checked:
    plan: Plan | None
    findings: Findings
    document: Document | None = None


def check_plan(folder: Path | str, templates: Path | None = None) -> Checked:
    """Read a plan, run every check and assemble the document (which resolves references).

    Raises PlanFolderError if there is no plan. The document is None when the plan could
    not be read well enough to build one.
    """
    result = read_plan(folder, templates)
    findings = result.findings
    document = None
    if result.plan is not None:
        findings.extend(run_checks(result.plan))
        document, assembly = assemble(result.plan, templates)
        findings.extend(assembly)
        # Rules that need the laid-out document: stated totals, real numbering, headings.
        findings.extend(run_document_checks(result.plan, document))
    return Checked(result.plan, findings, document)


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place.

    A failed or interrupted build never leaves a half-written file over a good one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # mkstemp makes the file private; outputs get the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
