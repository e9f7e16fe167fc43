"""`bcf-docgen schema PLAN --out DIR`: the JSON Schemas of a plan's YAML files, for editors.

The schemas (schema.py) are written into DIR, one per kind of file, and the `yaml.schemas`
mapping for VS Code's YAML extension is printed on standard output, with paths relative
to the current folder (the workspace an editor opens), ready to paste into
.vscode/settings.json. docs/editors.md says how other editors use them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .cli_common import _console, escape, print_findings
from .exits import EXIT_CONTENT, EXIT_OK, EXIT_USAGE


@click.command("schema")
@click.argument("plan", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path(".schemas"),
    show_default=True,
    help="folder for the schema files",
)
def schema(plan: Path, out: Path) -> None:
    """Write JSON Schemas for PLAN's YAML files into --out, and print the editor mapping.

    The schemas know the plan's planning round: its scheme types, areas of spend, partner
    kinds, kinds of funding, national conditions and metrics, so an editor offers them
    as you type and flags unknown keys (docs/editors.md).
    """
    from .schema import relative_posix, schemas_for_plan, vscode_mapping, write_schemas

    error = _console(stderr=True)
    if not (plan / "plan.yaml").is_file():
        error.print(f"[red]error:[/red] {escape(str(plan))} is not a plan folder (no plan.yaml)")
        sys.exit(EXIT_USAGE)
    schemas, findings = schemas_for_plan(plan)
    if not schemas:
        print_findings(findings, error)
        sys.exit(EXIT_CONTENT)
    try:
        written = write_schemas(schemas, out)
    except OSError as exc:
        error.print(f"[red]error:[/red] cannot write into {escape(str(out))}: {escape(str(exc))}")
        sys.exit(EXIT_USAGE)
    here = Path.cwd()
    mapping = vscode_mapping(schemas, relative_posix(out, here), relative_posix(plan, here))
    click.echo(json.dumps({"yaml.schemas": mapping}, indent=2))
    error.print(escape(f"wrote {len(written)} schemas into {out}"))
    sys.exit(EXIT_OK)
