"""Finishing WeasyPrint's tagged PDF so that it meets PDF/UA-1 (the Matterhorn Protocol).

WeasyPrint's PDF/UA variant gets most of the way, but leaves five things a checker (or a
screen reader) trips over, and this pass mends them with pikepdf after the PDF is written:

- running headers and footers (margin boxes) are marked content of `/Span` elements that
  the structure tree never reaches: neither content nor artifact (Matterhorn 01). They
  become `/Artifact /Pagination` and their dead elements go;
- header cells carry `/ID`, but the structure root has no `/IDTree`, so readers cannot
  resolve the data cells' `/Headers` (Matterhorn 15); and no header cell says whether it
  heads a column or a row (`/Scope`);
- a link's `/Contents` is its target id ("sec-funding"), which a screen reader speaks as
  is; it becomes a description of the target ("Section 3.2: Funding");
- list bullets and numbers (and pictures) are painted after the text around them, so the
  page is read out of the structure tree's order; each one's content is moved to just
  before what follows it in the tree (under the graphics state it was painted in, so the
  page looks the same);
- a list item that holds a list of its own is tagged as its label, a paragraph and the
  list, with no list body: a list item may hold only a label and a body (Matterhorn 09),
  so everything after the label goes into a `/LBody`.

Everything here is derived from the PDF and the HTML it was laid out from, so the same
input gives the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import unquote

import pikepdf
from pikepdf import Array, Dictionary, Name, Operator

_ARTIFACT = Name("/Artifact")
_PAGINATION = Dictionary(Type=Name("/Pagination"))
_DESCRIPTION_LIMIT = 160


def finish_pdf(data: bytes, page_html: str) -> bytes:
    """The PDF `data` with its tags completed (see the module's docstring)."""
    descriptions = link_descriptions(page_html)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        tree = _walk_tree(pdf)
        dead = _drop_unreachable(pdf, tree)
        for index, page in enumerate(pdf.pages):
            _rewrite_page(pdf, page, dead.get(index, set()), tree.label_moves.get(index, {}))
        _add_id_tree(pdf, tree.ids)
        _describe_links(pdf, descriptions)
        return saved(pdf)


# -- the structure tree ---------------------------------------------------------------


@dataclass
class _Tree:
    """What one walk of the structure tree tells the later steps."""

    reachable: set[tuple[int, int]] = field(default_factory=set)
    ids: dict[bytes, Dictionary] = field(default_factory=dict)
    # page index -> {MCID of a list label or picture: MCID it must be painted before}
    label_moves: dict[int, dict[int, int]] = field(default_factory=dict)


def _kids(element: Any) -> list[Any]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _walk_tree(pdf: pikepdf.Pdf) -> _Tree:
    """Walk the structure tree once: what is reachable, the ids, header scopes, and the
    order of marked content on each page (for the list labels and pictures)."""
    tree = _Tree()
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return tree
    pages: dict[tuple[int, int], int] = {
        page.obj.objgen: index for index, page in enumerate(pdf.pages)
    }
    # page index -> MCIDs in tree order, each with whether it is a list label's
    order: dict[int, list[tuple[int, bool]]] = {}

    def visit(element: Any, parent_type: str, page: int | None, in_label: bool) -> None:
        tree.reachable.add(element.objgen)
        kind = str(element.get("/S", ""))
        own_page = element.get("/Pg")
        if own_page is not None:
            page = pages.get(own_page.objgen, page)
        if "/ID" in element:
            tree.ids[bytes(element.ID)] = element
        _mend(pdf, element, kind, parent_type)
        # List labels and pictures are what WeasyPrint paints after the text around them.
        label = in_label or kind in ("/Lbl", "/Figure")
        for kid in _kids(element):
            if isinstance(kid, Dictionary):
                if "/S" in kid:
                    visit(kid, _row_group(kind, parent_type), page, label)
                elif str(kid.get("/Type", "")) == "/MCR" and page is not None:
                    mcr_page = kid.get("/Pg")
                    where = pages.get(mcr_page.objgen, page) if mcr_page is not None else page
                    order.setdefault(where, []).append((int(kid.MCID), label))
            elif isinstance(kid, int) and page is not None:
                order.setdefault(page, []).append((int(kid), label))

    for top in _kids(root):
        if isinstance(top, Dictionary):
            visit(top, "/StructTreeRoot", None, False)
    for page, sequence in order.items():
        moves = _label_moves(sequence)
        if moves:
            tree.label_moves[page] = moves
    return tree


def _mend(pdf: pikepdf.Pdf, element: Dictionary, kind: str, parent_type: str) -> None:
    """What one element needs before its kids are walked: a header cell's scope, a list
    item's body."""
    if kind == "/TH":
        _set_scope(element, parent_type)
    elif kind == "/LI":
        _gather_body(pdf, element)


def _gather_body(pdf: pikepdf.Pdf, item: Dictionary) -> None:
    """Put a list item's elements other than its label into one `/LBody`, where they are
    not in one already. Only the tree changes: each piece of marked content keeps its
    owner, so the parent tree stays right."""
    kids = _kids(item)
    loose = [
        index
        for index, kid in enumerate(kids)
        if isinstance(kid, Dictionary) and "/S" in kid and str(kid.S) not in ("/Lbl", "/LBody")
    ]
    if not loose:
        return
    body = pdf.make_indirect(
        Dictionary(
            Type=Name("/StructElem"), S=Name("/LBody"), P=item, K=Array([kids[i] for i in loose])
        )
    )
    if "/Pg" in item:
        body.Pg = item.Pg
    for index in loose:
        kids[index].P = body
    kept = [kid for index, kid in enumerate(kids) if index not in loose]
    at = loose[0] - sum(1 for index in range(loose[0]) if index in loose)
    item.K = Array([*kept[:at], body, *kept[at:]])


def _label_moves(sequence: list[tuple[int, bool]]) -> dict[int, int]:
    """For a page's MCIDs in tree order (each with whether it is a list label's or a
    picture's): the MCID each must be painted before, the first after it that is neither."""
    moves: dict[int, int] = {}
    following: int | None = None
    for mcid, label in reversed(sequence):
        if label and following is not None:
            moves[mcid] = following
        elif not label:
            following = mcid
    return moves


def _row_group(kind: str, parent_type: str) -> str:
    """What a TH's scope depends on: whether its row sits in the table's head. A TR
    passes its own parent's type down, so a TH sees THead, TBody or Table."""
    return parent_type if kind == "/TR" else kind


def _set_scope(cell: Dictionary, row_group: str) -> None:
    """A header cell in the table's head heads its column; any other heads its row."""
    scope = Name("/Column") if row_group == "/THead" else Name("/Row")
    attributes = cell.get("/A")
    if isinstance(attributes, Dictionary) and str(attributes.get("/O", "")) == "/Table":
        attributes.Scope = scope
    elif isinstance(attributes, Array):
        for item in attributes:
            if isinstance(item, Dictionary) and str(item.get("/O", "")) == "/Table":
                item.Scope = scope
                return
        attributes.append(Dictionary(O=Name("/Table"), Scope=scope))
    else:
        cell.A = Dictionary(O=Name("/Table"), Scope=scope)


def _drop_unreachable(pdf: pikepdf.Pdf, tree: _Tree) -> dict[int, set[int]]:
    """Take out of the parent tree the elements the structure tree cannot reach (the
    margin boxes'); return, per page, the MCIDs whose content becomes an artifact.

    Unreferenced elements are not written when the file is saved."""
    dead: dict[int, set[int]] = {}
    root = pdf.Root.get("/StructTreeRoot")
    if root is None or "/ParentTree" not in root:
        return dead
    by_key = {
        int(page.StructParents): index
        for index, page in enumerate(pdf.pages)
        if "/StructParents" in page
    }
    for node in _number_tree_leaves(root.ParentTree):
        nums = node.Nums
        for position in range(0, len(nums) - 1, 2):
            key, value = int(nums[position]), nums[position + 1]
            if not isinstance(value, Array) or key not in by_key:
                continue
            gone = {
                mcid
                for mcid, element in enumerate(value)
                if isinstance(element, Dictionary) and element.objgen not in tree.reachable
            }
            if not gone:
                continue
            dead[by_key[key]] = gone
            kept = [None if mcid in gone else element for mcid, element in enumerate(value)]
            while kept and kept[-1] is None:
                kept.pop()
            nums[position + 1] = Array(kept)
    return dead


def _number_tree_leaves(node: Any) -> Iterator[Any]:
    if "/Nums" in node:
        yield node
    for kid in node.get("/Kids", []):
        yield from _number_tree_leaves(kid)


def _add_id_tree(pdf: pikepdf.Pdf, ids: dict[bytes, Dictionary]) -> None:
    """A name tree of every element with an /ID (header cells), keys in byte order."""
    if not ids:
        return
    names = Array()
    for key in sorted(ids):
        names.append(pikepdf.String(key))
        names.append(ids[key])
    pdf.Root.StructTreeRoot.IDTree = pdf.make_indirect(Dictionary(Names=names))


# -- page content ---------------------------------------------------------------------


def _rewrite_page(
    pdf: pikepdf.Pdf, page: pikepdf.Page, dead: set[int], moves: dict[int, int]
) -> None:
    if not dead and not moves:
        return
    instructions = list(pikepdf.parse_content_stream(page))
    if dead:
        artifact = pikepdf.ContentStreamInstruction([_ARTIFACT, _PAGINATION], Operator("BDC"))
        instructions = [
            artifact if _mcid(instruction) in dead else instruction for instruction in instructions
        ]
    if moves:
        instructions = _move_labels(instructions, moves)
    page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))


def _mcid(instruction: Any) -> int:
    """The MCID a BDC instruction opens, or -1."""
    if instruction.operator != Operator("BDC") or len(instruction.operands) < 2:
        return -1
    properties = instruction.operands[1]
    if isinstance(properties, Dictionary) and "/MCID" in properties:
        return int(properties.MCID)
    return -1


# The graphics state a moved sequence must be painted in, operator by operator.
_FILL = {"g", "rg", "k", "cs", "sc", "scn"}
_STROKE = {"G", "RG", "K", "CS", "SC", "SCN"}
_TEXT = {"Tc", "Tw", "Tz", "TL", "Tf", "Tr", "Ts"}
_LINE = {"w", "J", "j", "M", "d", "ri", "i", "gs"}


@dataclass(frozen=True)
class _Clip:
    """A clipping path: where it was set, under which matrix, and how it was drawn."""

    index: int
    ctm: tuple[float, ...]
    path: tuple[Any, ...]
    operator: Any


@dataclass
class _State:
    ctm: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    clips: tuple[_Clip, ...] = ()
    fill: tuple[pikepdf.ContentStreamInstruction, ...] = ()
    stroke: tuple[pikepdf.ContentStreamInstruction, ...] = ()
    other: dict[str, pikepdf.ContentStreamInstruction] = field(default_factory=dict)

    def copy(self) -> _State:
        return _State(self.ctm, self.clips, self.fill, self.stroke, dict(self.other))

    def set(self, key: str, instruction: pikepdf.ContentStreamInstruction) -> None:
        """Remember the latest setting of `key`, in the order the settings were made."""
        self.other.pop(key, None)
        self.other[key] = instruction


def multiply(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, ...]:
    """a × b for PDF matrices [a b c d e f]."""
    return (
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    )


def inverse(m: tuple[float, ...]) -> tuple[float, ...] | None:
    """The inverse of PDF matrix `m`, or None when it has none."""
    det = m[0] * m[3] - m[1] * m[2]
    if abs(det) < 1e-12:
        return None
    a, b, c, d = m[3] / det, -m[1] / det, -m[2] / det, m[0] / det
    return (a, b, c, d, -(m[4] * a + m[5] * c), -(m[4] * b + m[5] * d))


PATH_OPERATORS = {"m", "l", "c", "v", "y", "h", "re"}  # build a path (its paint ends it)
_PAINT_PATH = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"}


def _track(
    state: _State, stack: list[_State], path: list[Any], index: int, instruction: Any
) -> _State:
    """The graphics state after one instruction (only what a moved label depends on);
    `path` holds the path being drawn, which a clip keeps."""
    op = str(instruction.operator)
    if op in PATH_OPERATORS:
        path.append(instruction)
    elif op in _PAINT_PATH:
        path.clear()
    elif op == "q":
        stack.append(state.copy())
    elif op == "Q":
        state = stack.pop() if stack else state
    elif op == "cm":
        matrix = tuple(float(x) for x in instruction.operands)
        state.ctm = multiply(matrix, state.ctm)
    elif op in ("W", "W*"):
        state.clips = (*state.clips, _Clip(index, state.ctm, tuple(path), instruction))
    elif op in _FILL:
        # A colour space (cs) stays with the colours set in it (sc, scn).
        state.fill = (*state.fill[:1], instruction) if op in ("sc", "scn") else (instruction,)
    elif op in _STROKE:
        state.stroke = (*state.stroke[:1], instruction) if op in ("SC", "SCN") else (instruction,)
    elif op == "gs":
        state.set(f"gs {instruction.operands[0]}", instruction)
    elif op in _TEXT or op in _LINE:
        state.set(op, instruction)
    return state


def sequence_end(instructions: list, start: int) -> int:
    """The index of the EMC that closes the marked-content sequence opened at `start`."""
    depth = 0
    for index in range(start, len(instructions)):
        op = str(instructions[index].operator)
        if op in ("BDC", "BMC"):
            depth += 1
        elif op == "EMC":
            depth -= 1
            if depth == 0:
                return index
    return len(instructions) - 1


def _move_labels(instructions: list, moves: dict[int, int]) -> list:
    """Paint each list label's (or picture's) sequence just before what follows it in the
    tree, under the graphics state it had where WeasyPrint painted it (the page looks the
    same).

    Clips it was painted under are drawn again around it; one is left where it is when
    the new place is clipped where the old was not, since a clip cannot be undone."""
    states: dict[int, _State] = {}
    where: dict[int, int] = {}
    wanted = set(moves) | set(moves.values())
    state, stack = _State(), cast(list[_State], [])
    path: list[Any] = []
    for index, instruction in enumerate(instructions):
        mcid = _mcid(instruction)
        if mcid in wanted:
            where[mcid] = index
            states[mcid] = state.copy()
        state = _track(state, stack, path, index, instruction)
    inserts: dict[int, list] = {}
    removed: set[int] = set()
    for label in sorted(moves, key=lambda m: where.get(m, -1)):
        target = moves[label]
        if label not in where or target not in where or where[label] < where[target]:
            continue
        source, destination = states[label], states[target]
        if source.clips[: len(destination.clips)] != destination.clips:
            continue
        prefix = _state_change(source, destination)
        if prefix is None:
            continue
        start, end = where[label], sequence_end(instructions, where[label])
        block = instructions[start : end + 1]
        removed.update(range(start, end + 1))
        save = pikepdf.ContentStreamInstruction([], Operator("q"))
        restore = pikepdf.ContentStreamInstruction([], Operator("Q"))
        inserts.setdefault(where[target], []).extend([save, *prefix, *block, restore])
    if not inserts:
        return instructions
    result: list[Any] = []
    for index, instruction in enumerate(instructions):
        result.extend(inserts.get(index, ()))
        if index not in removed:
            result.append(instruction)
    return result


def _state_change(source: _State, destination: _State) -> list[Any] | None:
    """Instructions that turn `destination`'s graphics state into `source`'s: the clips
    `source` has beyond `destination`'s, its matrix, colours and other settings."""
    change: list[Any] = []
    current = destination.ctm
    end_path = pikepdf.ContentStreamInstruction([], Operator("n"))
    for clip in source.clips[len(destination.clips) :]:
        step = _matrix_change(clip.ctm, current)
        if step is None:
            return None
        change += [*step, *clip.path, clip.operator, end_path]
        current = clip.ctm
    step = _matrix_change(source.ctm, current)
    if step is None:
        return None
    change += step
    change.extend(source.fill)
    change.extend(source.stroke)
    change.extend(source.other.values())
    return change


def _matrix_change(wanted: tuple[float, ...], current: tuple[float, ...]) -> list[Any] | None:
    """The `cm` that turns the matrix `current` into `wanted` (none when they are equal)."""
    if wanted == current:
        return []
    undo = inverse(current)
    if undo is None:
        return None
    matrix = multiply(wanted, undo)
    return [pikepdf.ContentStreamInstruction([round(x, 6) for x in matrix], Operator("cm"))]


# -- links ----------------------------------------------------------------------------


_SPACE = re.compile(r"\s+")


def _text(element) -> str:
    return _SPACE.sub(" ", "".join(element.itertext())).strip()


def _shorten(text: str) -> str:
    return text if len(text) <= _DESCRIPTION_LIMIT else text[: _DESCRIPTION_LIMIT - 1] + "…"


def link_descriptions(page_html: str) -> dict[str, str]:
    """What each link target is, in words a screen reader can speak: a numbered heading
    as "Section 3.2: Funding", a table or figure by its caption, a note by its number,
    a web address by the text of the first link to it."""
    from lxml import html

    if not page_html.strip():
        return {}
    root = html.fromstring(page_html)
    found: dict[str, str] = {}
    for element in root.iter("a"):
        href = element.get("href") or ""
        text = _text(element)
        if href.startswith("#"):
            target = unquote(href[1:])
            if target in found:
                continue
            hits = cast(list[Any], root.xpath("//*[@id=$name]", name=target))
            found[target] = _shorten(_describe(hits[0]) if hits else text) or target
        elif href and href not in found:
            found[href] = _shorten(text if text and text != href else href)
    return found


def _describe(element) -> str:
    tag = element.tag
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        number = element.find("span[@class='num']")
        title = _text(element)
        if number is not None:
            prefix = _text(number)
            rest = title[len(prefix) :].strip() if title.startswith(prefix) else title
            return f"Section {prefix}: {rest}" if rest else f"Section {prefix}"
        return f"Section: {title}"
    if tag in ("section", "nav"):
        heading = next(iter(element.iter("h1", "h2", "h3", "h4", "h5", "h6")), None)
        return _describe(heading) if heading is not None else _text(element)
    if tag == "table":
        caption = element.find("caption")
        return _text(caption) if caption is not None else "Table"
    if tag == "figure":
        caption = element.find("figcaption")
        return _text(caption) if caption is not None else "Figure"
    if tag == "li" and element.get("value"):
        return f"Note {element.get('value')}"
    return _text(element)


def _describe_links(pdf: pikepdf.Pdf, descriptions: dict[str, str]) -> None:
    """Give every link annotation words for its target, and the Print flag (a link
    that prints is the same on paper and on screen)."""
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", []):
            if str(annotation.get("/Subtype", "")) != "/Link":
                continue
            annotation.F = int(annotation.get("/F", 0)) | 4
            if "/Dest" in annotation and isinstance(annotation.Dest, pikepdf.String):
                target = str(annotation.Dest)
            elif "/A" in annotation and "/URI" in annotation.A:
                target = str(annotation.A.URI)
            else:
                continue
            description = descriptions.get(target)
            if description:
                annotation.Contents = pikepdf.String(description)


def saved(pdf: pikepdf.Pdf) -> bytes:
    """The bytes of a PDF pikepdf has changed, the same each time for the same PDF (the
    one way every post-pass saves, so rebuilds stay byte-identical)."""
    out = io.BytesIO()
    pdf.save(
        out,
        deterministic_id=True,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return out.getvalue()
