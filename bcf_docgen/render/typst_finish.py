"""The Typst PDF, finished: each structure element's page named, and the file compacted.

Typst writes a valid tagged PDF, but some things make it worse than it need be:

- A structure element names its page (/Pg) only on its marked-content references, not
  on itself. PDF/UA allows that, but readers and checkers that place an element by its
  /Pg (outloud matches a drawn table grid to the /Table on that page) then find no
  table on the page, and report the grid as untagged.
- Emphasis is tagged /Em and /Strong, PDF 2.0's types, role-mapped to /Span for PDF
  1.7. Checkers that read the role map less carefully than a reader does report them
  as unknown types; written as the /Span they stand for (as in the WeasyPrint PDF),
  they mean the same to every reader and no checker can misread them.
- A link to a table is described as ", page 12" (Typst starts with the target's
  supplement, and a table has none: its caption carries its label); "page 12" reads
  better, and is what a link made across the parts of a large PDF says
  (render/typst_join.py).
- Every structure element is an object of its own, uncompressed: on the example plan,
  almost half the file. Saved with object streams (`pdf_tags.saved`, as the WeasyPrint
  PDF is) the file is about half the size and the bytes are still the same each time.
"""

from __future__ import annotations

import io
from typing import Any

from .pdf_tags import saved


def finish_typst_pdf(data: bytes) -> bytes:
    """The PDF with /Pg on every structure element that has content, saved compactly."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        return finished(pdf)


def finished(pdf: Any) -> bytes:
    """`finish_typst_pdf` of a PDF already open (the parts of one laid out apart, joined)."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is not None:
        _name_pages(root, _role_map(root))
    _describe_links(pdf)
    return saved(pdf)


def _describe_links(pdf: Any) -> None:
    """A link to a table says ", page 12": Typst starts the description with the
    target's supplement, and a table's is none here (its caption carries its label)."""
    import pikepdf

    for page in pdf.pages:
        for annot in page.obj.get("/Annots", []):
            words = annot.get("/Contents")
            if isinstance(words, pikepdf.String) and str(words).startswith(", "):
                annot.Contents = pikepdf.String(str(words)[2:])


def _role_map(root: Any) -> dict[str, Any]:
    """Typst's own types -> the standard type each is mapped to (one step: Typst maps
    each straight to a standard type)."""
    import pikepdf

    roles = root.get("/RoleMap")
    if not isinstance(roles, pikepdf.Dictionary):
        return {}
    return {str(key): value for key, value in roles.items() if isinstance(value, pikepdf.Name)}


def _name_pages(root: Any, roles: dict[str, Any]) -> None:
    """Give each element without /Pg the page of its first content (depth first, so an
    element's page is known once its first child's is), and each element of a mapped
    type the standard type it maps to."""
    import pikepdf

    # (element, kids left to visit, the page found so far), iteratively: deep trees.
    stack: list[tuple[Any, list[Any]]] = [(root, _kids(root))]
    first: dict[tuple[int, int], Any] = {}
    while stack:
        element, kids = stack[-1]
        if kids:
            kid = kids.pop(0)
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                if str(kid.S) in roles:
                    kid.S = roles[str(kid.S)]
                stack.append((kid, _kids(kid)))
            elif isinstance(kid, pikepdf.Dictionary) and "/Pg" in kid:  # MCR or OBJR
                first.setdefault(element.objgen, kid.Pg)
            continue
        stack.pop()
        page = element.get("/Pg") or first.get(element.objgen)
        if page is None:
            continue
        if "/S" in element and "/Pg" not in element:
            element.Pg = page
        if stack:
            first.setdefault(stack[-1][0].objgen, page)


def _kids(element: Any) -> list[Any]:
    import pikepdf

    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]
