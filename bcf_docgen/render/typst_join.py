"""The parts of a Typst PDF laid out apart, joined into one tagged PDF.

A document too large for one layout is laid out in parts (render/typst_pdf.py), each a
complete tagged PDF of its own pages, numbered as in the whole. Joining them is more
than putting the pages one after another, because each part's tagging and navigation
are its own:

- the structure trees: each part's top-level elements go under the first part's
  document element; the parent tree (which element each page's marked content and each
  link belongs to) is renumbered, with the pages' and links' keys into it;
- table header cells are named by IDs that each part numbers from 1: a later part's are
  prefixed with the part's number, and so are the /Headers that name them;
- named destinations and bookmarks: merged (a part's bookmarks are whole chapters, so
  the parts' bookmark trees follow one another);
- links to another part: the writer made each one a link to ELSEWHERE + the label, and
  each becomes a link to the label's place in the whole, read from the layout.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .typst import ELSEWHERE

# Typst's link destinations stand this far above the point they name (a line's height,
# so that a reader lands with the target in view); links made here do the same.
ABOVE_TARGET = 10.0


@dataclass(frozen=True)
class Spot:
    """Where a label is: its page (from 1), x and y in pt from the page's top left, and
    whether it names a heading (a link's description says "Section")."""

    page: int
    x: float
    y: float
    heading: bool


@dataclass
class _Mark:
    """A bookmark, kept apart from any PDF while the parts are read."""

    title: str
    page: int  # from 0, in the whole
    left: Any
    top: Any
    closed: bool
    children: list[_Mark]


def join_parts(parts: list[bytes], spots: Mapping[str, Spot]) -> Any:
    """One PDF of `parts`' pages in order, its tags, links and bookmarks made whole (a
    pikepdf.Pdf, for the caller to finish and close). `spots` says where each label is
    in the whole (for the links between parts)."""
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(parts[0]))
    tree = pdf.Root.StructTreeRoot
    document = _document(tree)
    numbers = _number_items(tree.get("/ParentTree"))
    ids = _name_items(tree.get("/IDTree"))
    names = pdf.Root.get("/Names")
    dests = _name_items(names.get("/Dests") if names is not None else None)
    marks = _marks(pdf, 0)
    next_key = int(tree.get("/ParentTreeNextKey", len(numbers)))
    for index, data in enumerate(parts[1:], start=1):
        other = pikepdf.open(io.BytesIO(data))
        first = len(pdf.pages)
        marks += _marks(other, first)
        other_tree = other.Root.StructTreeRoot
        _rename_ids(other_tree, f"p{index}-")
        kids = _kids(_document(other_tree))
        for kid in kids:  # not back to the other document element (nor all it holds)
            if isinstance(kid, pikepdf.Dictionary) and "/P" in kid:
                del kid["/P"]
        with warnings.catch_warnings():  # the named destinations are merged below
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            pdf.pages.extend(other.pages)  # first, so that all else finds its pages copied
        for kid in kids:
            copied = pdf.copy_foreign(_indirect(other, kid))
            copied.P = document
            document.K.append(copied)
        for number, entry in _number_items(other_tree.get("/ParentTree")).items():
            numbers[number + next_key] = pdf.copy_foreign(_indirect(other, entry))
        for page in pdf.pages[first:]:
            _shift_keys(page.obj, next_key)
        next_key += int(other_tree.get("/ParentTreeNextKey", 0))
        for name, value in _name_items(other_tree.get("/IDTree")).items():
            ids[f"p{index}-{name}"] = pdf.copy_foreign(_indirect(other, value))
        other_names = other.Root.get("/Names")
        if other_names is not None:
            for name, value in _name_items(other_names.get("/Dests")).items():
                dests[name] = pdf.copy_foreign(_indirect(other, value))
    tree.ParentTree = _number_tree(pdf, numbers)
    tree.ParentTreeNextKey = next_key
    if ids:
        tree.IDTree = _name_tree(pdf, ids)
    if dests:
        if names is None:
            pdf.Root.Names = names = pikepdf.Dictionary()
        names.Dests = _name_tree(pdf, dests)
    _point_links(pdf, spots)
    _write_marks(pdf, marks)
    return pdf


def _document(tree: Any) -> Any:
    """The structure tree's one top element (Typst's /Document)."""
    import pikepdf

    kids = tree.K
    if isinstance(kids, pikepdf.Array):
        if len(kids) != 1:
            raise ValueError("a Typst PDF part has more than one top structure element")
        return kids[0]
    return kids


def _kids(element: Any) -> list[Any]:
    import pikepdf

    kids = element.get("/K")
    if kids is None:
        return []
    if not isinstance(kids, pikepdf.Array):
        element.K = kids = pikepdf.Array([kids])
    return list(kids)


def _indirect(pdf: Any, value: Any) -> Any:
    """`value` as an indirect object of `pdf` (what copy_foreign copies)."""
    return value if value.is_indirect else pdf.make_indirect(value)


def _number_items(tree: Any) -> dict[int, Any]:
    import pikepdf

    if tree is None:
        return {}
    return {int(key): value for key, value in pikepdf.NumberTree(tree).items()}


def _name_items(tree: Any) -> dict[str, Any]:
    import pikepdf

    if tree is None:
        return {}
    return {str(key): value for key, value in pikepdf.NameTree(tree).items()}


def _number_tree(pdf: Any, items: dict[int, Any]) -> Any:
    import pikepdf

    nums: list[Any] = []
    for key in sorted(items):
        nums += [key, items[key]]
    return pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))


def _name_tree(pdf: Any, items: dict[str, Any]) -> Any:
    import pikepdf

    pairs: list[Any] = []
    for key in sorted(items, key=lambda name: name.encode("utf-8")):
        pairs += [pikepdf.String(key), items[key]]
    return pdf.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array(pairs)))


def _shift_keys(page: Any, by: int) -> None:
    """A later part's page, with its and its links' keys into the parent tree moved on."""
    if "/StructParents" in page:
        page.StructParents = int(page.StructParents) + by
    for annot in page.get("/Annots", []):
        if "/StructParent" in annot:
            annot.StructParent = int(annot.StructParent) + by


def _rename_ids(tree: Any, prefix: str) -> None:
    """Prefix every element ID (and each /Headers entry naming one) under `tree` (its ID
    tree's keys are prefixed where it is read, in `join_parts`)."""
    import pikepdf

    stack = list(_kids(tree))
    while stack:
        element = stack.pop()
        if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
            continue
        if "/ID" in element:
            element.ID = pikepdf.String(prefix + str(element.ID))
        attributes = element.get("/A")
        if attributes is not None:
            listed = attributes if isinstance(attributes, pikepdf.Array) else [attributes]
            for attribute in listed:
                if isinstance(attribute, pikepdf.Dictionary) and "/Headers" in attribute:
                    attribute.Headers = pikepdf.Array(
                        [pikepdf.String(prefix + str(h)) for h in attribute.Headers]
                    )
        stack.extend(_kids(element))


def _point_links(pdf: Any, spots: Mapping[str, Spot]) -> None:
    """Each link the writer made to a label in another part, pointed at the label's place
    (as Typst points its own links, with the description Typst gives them)."""
    import pikepdf

    pages = list(pdf.pages)
    for page in pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if not uri.startswith(ELSEWHERE):
                continue
            spot = spots.get(uri[len(ELSEWHERE) :])
            if spot is None or not 1 <= spot.page <= len(pages):
                raise ValueError(f"a link to {uri[len(ELSEWHERE) :]!r}, which no part holds")
            target = pages[spot.page - 1]
            height = float(target.mediabox[3]) - float(target.mediabox[1])
            del annot["/A"]
            annot.Dest = pikepdf.Array(
                [target.obj, pikepdf.Name.XYZ, spot.x, height - spot.y + ABOVE_TARGET, 0]
            )
            words = f"Section, page {spot.page}" if spot.heading else f"page {spot.page}"
            annot.Contents = pikepdf.String(words)


def _marks(pdf: Any, first: int) -> list[_Mark]:
    """`pdf`'s bookmarks, their pages counted from `first` (where its pages will be)."""
    import pikepdf

    index = {page.obj.objgen: number for number, page in enumerate(pdf.pages)}

    def read(item: Any) -> _Mark:
        dest = item.destination
        if not isinstance(dest, pikepdf.Array) or len(dest) < 4:
            raise ValueError(f"a Typst bookmark without a page: {item.title!r}")
        return _Mark(
            str(item.title),
            first + index[dest[0].objgen],
            dest[2],
            dest[3],
            bool(item.is_closed),
            [read(child) for child in item.children],
        )

    with pdf.open_outline() as outline:
        return [read(item) for item in outline.root]


def _write_marks(pdf: Any, marks: list[_Mark]) -> None:
    import pikepdf

    def made(mark: _Mark) -> Any:
        item = pikepdf.OutlineItem(
            mark.title,
            pikepdf.Array([pdf.pages[mark.page].obj, pikepdf.Name.XYZ, mark.left, mark.top, 0]),
        )
        item.is_closed = mark.closed
        item.children.extend(made(child) for child in mark.children)
        return item

    with pdf.open_outline() as outline:
        outline.root.clear()
        outline.root.extend(made(mark) for mark in marks)
