"""Changing the parts of a python-docx package through its public API.

python-docx keeps the parts it does not understand (the theme, `docProps/app.xml`, the
font table) as opaque bytes with a read-only `blob`, and has no call that forgets a
relationship's target. The Word writer needs both: to name the plan's fonts in the theme,
to state the page count and to drop the template's leftovers. Doing it here, with public
calls only (`Relationships.add_relationship` replaces a relationship in place, keeping its
id and its order), keeps python-docx's private attributes out of the writer, so an
upgrade of python-docx can break this module and nothing else.
"""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.opc.package import OpcPackage
from docx.opc.part import Part
from docx.opc.rel import Relationships
from docx.oxml.ns import qn


def drop_relationship(rels: Relationships, rel_id: str) -> None:
    """Forget a relationship and its target, so the target part is not written."""
    rels.pop(rel_id)
    rels.related_parts.pop(rel_id, None)


def replace_blob(package: OpcPackage, old: Part, blob: bytes) -> Part:
    """Put a part holding `blob` where `old` was: same name, type and relationships.

    Every relationship that led to `old` leads to the new part instead, under the same id.
    """
    new = Part(old.partname, old.content_type, blob, old.package)
    for rel in old.rels.values():
        target = rel.target_ref if rel.is_external else rel.target_part
        new.rels.add_relationship(rel.reltype, target, rel.rId, rel.is_external)
    sources: list[OpcPackage | Part] = [package, *package.iter_parts()]
    for source in sources:
        for rel_id, rel in list(source.rels.items()):
            if not rel.is_external and rel.target_part is old:
                source.rels.add_relationship(rel.reltype, new, rel_id)
    return new


def replace_named(package: OpcPackage, partname: str, blob: bytes) -> bool:
    """Give the part called `partname` (e.g. "/docProps/app.xml") the bytes `blob`.

    False when the package has no such part.
    """
    old = next((p for p in package.iter_parts() if str(p.partname) == partname), None)
    if old is None:
        return False
    replace_blob(package, old, blob)
    return True


def complete_settings(document: DocxDocument) -> None:
    """Give `w:zoom` the `w:percent` the schema requires: python-docx's default template
    writes `<w:zoom w:val="bestFit"/>`, which Word reads but the ISO schema rejects."""
    for zoom in document.settings.element.findall(qn("w:zoom")):
        if zoom.get(qn("w:percent")) is None:
            zoom.set(qn("w:percent"), "100")
