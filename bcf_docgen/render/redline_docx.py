"""A Word redline: the new version's document with the changes from the old as native
tracked changes (w:ins, w:del, w:rPrChange), built from the two resolved documents.

There is one Word writer. This module does two things around it:

1. `merge` diffs the two document models (blocks, then rows and cells, then words) into
   one model that holds both versions' text. What was inserted, deleted or reformatted
   is marked with private-use characters inside the text itself, so the Word writer
   writes every run exactly as it writes any other, fields, bookmarks and styles
   included;
2. `track` turns the marks into tracked changes in the written XML: a marked span
   becomes its own run inside w:ins or w:del (w:t becoming w:delText), a reformatted
   span gets a w:rPrChange holding its old bold and italic, a paragraph or row added
   or removed as a whole has its paragraph mark (w:pPr/w:rPr/w:ins) or row (w:trPr/w:del)
   tracked too, with every run inside it.

Word's "Accept all" then gives the new version and "Reject all" the old one. The
contents, captions and cross-references stay the new version's live fields; a reference
whose text changed is written as a link (its old text deleted). The numbers of captions
are SEQ fields, so a table renumbered by an added table shows its new number either way.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import difflib
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

from docx.oxml.ns import qn
from lxml import etree

from ..document.model import (
    Block,
    Callout,
    Cell,
    Contents,
    Document,
    Figure,
    Heading,
    Inline,
    Landscape,
    LineBreak,
    Link,
    ListBlock,
    Paragraph,
    Part,
    Row,
    Signature,
    Table,
    Text,
    TitlePage,
    XRef,
    plain_text,
    walk_part,
)

# Marks in the text (Unicode private use: never printed, removed by `track`).
INS, DEL, END = "\ue000", "\ue001", "\ue002"  # a span inserted / deleted / back to plain
FORMAT = 0xE010  # + flags: a span whose old formatting was bold (1) and/or italic (2)
PARA_INS, PARA_DEL, ROW_INS, ROW_DEL = "\ue020", "\ue021", "\ue022", "\ue023"
MARKS = re.compile("[\ue000-\ue02f]")
SPAN = re.compile("([\ue000-\ue002\ue010-\ue013])")

State = str  # "", INS, DEL, or a FORMAT character


# ============================================================================ merge


def merge(old: Document, new: Document) -> Document:
    """The new document with the old one's text merged in, changes marked (see above)."""
    old, new = scrubbed(old), scrubbed(new)
    parts = []
    for index, part in enumerate(new.parts):
        previous = old.parts[index] if index < len(old.parts) else None
        parts.append(_merge_part(previous, part) if previous is not None else part)
    return dataclasses.replace(new, parts=parts)


def scrubbed(document: Document) -> Document:
    """`document` without the characters the marks are made of (private use, never
    printed: a plan that holds one would otherwise be read as a mark). A copy, and only
    when there is one to take out; the usual document is returned as it is."""
    if not any(_marked_strings(document)):
        return document
    document = copy.deepcopy(document)
    for node in document.inline_nodes():
        if isinstance(node, Text | XRef):
            node.text = MARKS.sub("", node.text)
    for part in document.parts:
        for block in [*walk_part(part), *(b for blocks in part.footnotes.values() for b in blocks)]:
            if isinstance(block, Contents):  # its lines are the headings' words
                block.entries = [
                    dataclasses.replace(
                        e, text=MARKS.sub("", e.text), prefix=MARKS.sub("", e.prefix)
                    )
                    for e in block.entries
                ]
            for name in _STRING_FIELDS.get(type(block), ()):
                value = getattr(block, name)
                if isinstance(value, str):
                    setattr(block, name, MARKS.sub("", value))
                elif name == "lines":
                    setattr(block, name, [tuple(MARKS.sub("", x) for x in line) for line in value])
                else:
                    setattr(block, name, [MARKS.sub("", x) for x in value])
    return document


# The plain strings of each block type that are printed (all else is inlines).
_STRING_FIELDS: dict[type, tuple[str, ...]] = {
    Heading: ("prefix",),
    Callout: ("title",),
    Table: ("label", "separator"),
    Figure: ("alt", "label", "separator"),
    Signature: ("lines",),
    TitlePage: ("label", "title", "before", "after"),
}


def _marked_strings(document: Document) -> Iterator[bool]:
    for node in document.inline_nodes():
        if isinstance(node, Text | XRef) and MARKS.search(node.text):
            yield True
    for block in document.walk():
        for name in _STRING_FIELDS.get(type(block), ()):
            value = getattr(block, name)
            texts = [value] if isinstance(value, str) else [str(x) for x in value]
            if any(MARKS.search(t) for t in texts):
                yield True


def _merge_part(old: Part, new: Part) -> Part:
    # The cover and the body are diffed apart, so that the cover stays a page of its own.
    cover = merge_blocks(old.blocks[: old.cover_end], new.blocks[: new.cover_end])
    body = merge_blocks(old.blocks[old.cover_end :], new.blocks[new.cover_end :])
    notes = {
        number: merge_blocks(old.footnotes.get(number, []), blocks)
        for number, blocks in new.footnotes.items()
    }
    return dataclasses.replace(
        new, blocks=cover + body, footnotes=notes, cover_end=len(cover) if new.cover_end else 0
    )


def merge_blocks(old: list[Block], new: list[Block]) -> list[Block]:
    """A list of blocks holding both versions: equal blocks once (the new), changed blocks
    of the same kind merged word by word, the others deleted or inserted whole."""
    matcher = difflib.SequenceMatcher(None, [_key(b) for b in old], [_key(b) for b in new], False)
    out: list[Block] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += new[j1:j2]
        else:
            out += _pair(old[i1:i2], new[j1:j2])
    return out


def _pair(old: list[Block], new: list[Block]) -> list[Block]:
    """Blocks of a changed stretch: those of the same kind in the same order merged."""
    kinds = difflib.SequenceMatcher(
        None, [type(b).__name__ for b in old], [type(b).__name__ for b in new], False
    )
    out: list[Block] = []
    for tag, i1, i2, j1, j2 in kinds.get_opcodes():
        if tag == "equal":
            for a, b in zip(old[i1:i2], new[j1:j2], strict=True):
                merged = _merge_block(a, b)
                out += merged if isinstance(merged, list) else [merged]
        else:
            out += [marked(b, DEL) for b in old[i1:i2]]
            out += [marked(b, INS) for b in new[j1:j2]]
    return out


def _key(block: Block) -> Any:
    """What a block shows, as a comparable value (locations and anchors left out)."""
    if isinstance(block, Heading):
        return ("h", block.level, block.prefix, _inline_key(block.title))
    if isinstance(block, Paragraph):
        return ("p", block.style, _inline_key(block.inlines))
    if isinstance(block, ListBlock):
        return ("l", block.ordered, tuple(tuple(_key(b) for b in item) for item in block.items))
    if isinstance(block, Callout):
        return ("c", block.kind, block.title, tuple(_key(b) for b in block.blocks))
    if isinstance(block, Table):
        rows = tuple(_row_key(row) for row in block.rows)
        return ("t", block.id, block.label, _inline_key(block.caption), rows)
    if isinstance(block, Figure):
        picture = repr(block.chart) if block.chart is not None else block.image
        return ("f", block.id, block.label, block.alt, _inline_key(block.caption), picture)
    if isinstance(block, Landscape):
        return ("ls", tuple(_key(b) for b in block.blocks))
    if isinstance(block, Signature):
        return ("s", tuple(block.lines))
    if isinstance(block, TitlePage):
        return ("tp", block.label, block.title, tuple(block.before), tuple(block.after))
    return (type(block).__name__,)  # contents, page breaks: the new one stands


def _row_key(row: Row) -> Any:
    return (row.kind, tuple((_inline_key(c.inlines), c.rag) for c in row.cells))


def _inline_key(inlines: list[Inline]) -> Any:
    return tuple(_token_key(t) + (t.bold, t.italic) for t in _tokens(inlines))


def _merge_block(old: Block, new: Block) -> Block | list[Block]:
    """One block from two of the same kind, or (a picture, a table whose columns
    changed) the old one deleted and the new one inserted."""
    if _key(old) == _key(new):
        return new
    merge_rule = MERGE_RULES.get(type(new))
    if merge_rule is None:
        return [marked(old, DEL), marked(new, INS)]
    return merge_rule(old, new)


def _merge_heading(old: Heading, new: Heading) -> Heading:
    return dataclasses.replace(
        new, prefix=_string(old.prefix, new.prefix), title=merge_inlines(old.title, new.title)
    )


def _merge_paragraph(old: Paragraph, new: Paragraph) -> Paragraph:
    return dataclasses.replace(new, inlines=merge_inlines(old.inlines, new.inlines))


def _merge_list(old: ListBlock, new: ListBlock) -> ListBlock:
    keys = difflib.SequenceMatcher(
        None,
        [tuple(_key(b) for b in item) for item in old.items],
        [tuple(_key(b) for b in item) for item in new.items],
        False,
    )
    items: list[list[Block]] = []
    for tag, i1, i2, j1, j2 in keys.get_opcodes():
        if tag == "equal":
            items += new.items[j1:j2]
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for a, b in zip(old.items[i1 : i1 + paired], new.items[j1 : j1 + paired], strict=True):
            items.append(merge_blocks(a, b))
        items += [[marked(b, DEL) for b in item] for item in old.items[i1 + paired : i2]]
        items += [[marked(b, INS) for b in item] for item in new.items[j1 + paired : j2]]
    return dataclasses.replace(new, items=items)


def _merge_callout(old: Callout, new: Callout) -> Callout:
    return dataclasses.replace(
        new,
        title=_string(old.title, new.title),
        blocks=merge_blocks(old.blocks, new.blocks),
    )


def _merge_landscape(old: Landscape, new: Landscape) -> Landscape:
    return dataclasses.replace(new, blocks=merge_blocks(old.blocks, new.blocks))


def _merge_table(old: Table, new: Table) -> Table | list[Block]:
    if len(old.columns) != len(new.columns) or old.label != new.label:
        return [marked(old, DEL), marked(new, INS)]
    matcher = difflib.SequenceMatcher(
        None, [_row_key(r) for r in old.rows], [_row_key(r) for r in new.rows], False
    )
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += new.rows[j1:j2]
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for a, b in zip(old.rows[i1 : i1 + paired], new.rows[j1 : j1 + paired], strict=True):
            rows += _merge_row(a, b)
        rows += [_row(r, DEL) for r in old.rows[i1 + paired : i2]]
        rows += [_row(r, INS) for r in new.rows[j1 + paired : j2]]
    return dataclasses.replace(new, caption=merge_inlines(old.caption, new.caption), rows=rows)


def _merge_row(old: Row, new: Row) -> list[Row]:
    if len(old.cells) != len(new.cells):  # cells that do not line up: a row out, a row in
        return [_row(old, DEL), _row(new, INS)]
    cells = [
        dataclasses.replace(b, inlines=merge_inlines(a.inlines, b.inlines))
        for a, b in zip(old.cells, new.cells, strict=True)
    ]
    return [dataclasses.replace(new, cells=cells)]


def _merge_signature(old: Signature, new: Signature) -> Signature:
    lines = [
        (_string(a[0], b[0]), _string(a[1], b[1]))
        for a, b in zip(old.lines, new.lines, strict=False)
    ]
    lines += [(_string("", a), _string("", b)) for a, b in new.lines[len(old.lines) :]]
    return dataclasses.replace(new, lines=lines)


def _merge_title_page(old: TitlePage, new: TitlePage) -> TitlePage:
    return dataclasses.replace(
        new, label=_string(old.label, new.label), title=_string(old.title, new.title)
    )


MERGE_RULES: dict[type, Callable[[Any, Any], Any]] = {
    Heading: _merge_heading,
    Paragraph: _merge_paragraph,
    ListBlock: _merge_list,
    Callout: _merge_callout,
    Landscape: _merge_landscape,
    Table: _merge_table,
    Signature: _merge_signature,
    TitlePage: _merge_title_page,
}


def _string(old: str, new: str) -> str:
    """A plain string (a heading's number, a callout's title) with its change marked."""
    if old == new:
        return new
    return (f"{DEL}{old}{END}" if old else "") + (f"{INS}{new}{END}" if new else "")


# ----------------------------------------------------------------- whole blocks


def marked(block: Block, state: State) -> Block:
    """A block inserted (INS) or deleted (DEL) as a whole: every run and every
    paragraph mark tracked. A deleted block loses its anchors and numbers (the new
    version's numbering and bookmarks stand); its old label is kept as deleted text."""
    if isinstance(block, Heading):
        return dataclasses.replace(
            block,
            prefix=_span(block.prefix, state),
            title=[_para_mark(state), *_all(block.title, state)],
            anchor=block.anchor if state == INS else "",
            in_contents=block.in_contents and state == INS,
        )
    if isinstance(block, Paragraph):
        return dataclasses.replace(block, inlines=[_para_mark(state), *_all(block.inlines, state)])
    if isinstance(block, ListBlock):
        items = [[marked(b, state) for b in item] for item in block.items]
        return dataclasses.replace(block, items=items)
    if isinstance(block, Callout | Landscape):
        inner = [marked(b, state) for b in block.blocks]
        if isinstance(block, Callout):
            return dataclasses.replace(block, blocks=inner, title=_span(block.title, state))
        return dataclasses.replace(block, blocks=inner)
    if isinstance(block, Table):
        return _marked_table(block, state)
    if isinstance(block, Figure):
        return _marked_figure(block, state)
    if isinstance(block, Signature):
        lines = [(_span(a, state), _span(b, state)) for a, b in block.lines]
        return dataclasses.replace(block, lines=lines)
    if isinstance(block, TitlePage):
        return dataclasses.replace(
            block, label=_span(block.label, state), title=_span(block.title, state)
        )
    return block  # contents, page breaks


def _marked_table(table: Table, state: State) -> Table:
    rows = [_row(r, state) for r in table.rows]
    return dataclasses.replace(table, rows=rows, **_captioned(table, state))


def _marked_figure(figure: Figure, state: State) -> Figure:
    alt = state + figure.alt  # the picture's run is tracked from its description
    return dataclasses.replace(figure, alt=alt, **_captioned(figure, state))


def _captioned(block: Table | Figure, state: State) -> dict[str, Any]:
    """A captioned block's caption, marked. A deleted one loses its number: the new
    version's SEQ fields count the others, so its label becomes deleted text."""
    if state != DEL:
        return {"caption": [_para_mark(state), *_all(block.caption, state)]}
    label = f"{block.label}{block.separator}" if block.label else ""
    caption = [_para_mark(state), *_all([Text(label), *block.caption], state)]
    return {"caption": caption, "label": "", "number": "", "anchor": ""}


def _row(row: Row, state: State) -> Row:
    mark = ROW_INS if state == INS else ROW_DEL
    cells = [dataclasses.replace(c, inlines=_all(c.inlines, state)) for c in row.cells]
    if cells:
        cells[0] = dataclasses.replace(cells[0], inlines=[Text(mark), *cells[0].inlines])
    else:
        cells = [Cell([Text(mark)])]
    return dataclasses.replace(row, cells=cells, anchor=row.anchor if state == INS else "")


def _para_mark(state: State) -> Text:
    return Text(PARA_INS if state == INS else PARA_DEL)


def _span(text: str, state: State) -> str:
    return f"{state}{text}{END}" if text else text


def _all(inlines: list[Inline], state: State) -> list[Inline]:
    """Every inline of a list inserted or deleted."""
    old, new = (inlines, []) if state == DEL else ([], inlines)
    return merge_inlines(old, new)


# ------------------------------------------------------------------------- words


@dataclasses.dataclass(frozen=True)
class _Token:
    """A word, a space or an inline that is not text (a link, a reference, a note)."""

    text: str
    node: Inline | None = None  # None for text
    bold: bool = False
    italic: bool = False
    code: bool = False


WORDS = re.compile(r"\s+|[^\s]+")


def _tokens(inlines: list[Inline]) -> list[_Token]:
    out: list[_Token] = []
    for node in inlines:
        if isinstance(node, Text):
            text = MARKS.sub("", node.text)
            out += [_Token(w, None, node.bold, node.italic, node.code) for w in WORDS.findall(text)]
        else:
            out.append(_Token(MARKS.sub("", plain_text([node])), node))
    return out


def _token_key(token: _Token) -> tuple:
    node = token.node
    if node is None:
        return ("t", token.text, token.code)
    if isinstance(node, Link):
        return ("a", node.url, _inline_key(node.children))
    if isinstance(node, XRef):
        return ("x", node.kind, node.target, node.text)
    return (type(node).__name__, token.text)


def merge_inlines(old: list[Inline], new: list[Inline]) -> list[Inline]:
    """The words of both versions in order, each span marked: inserted, deleted, or
    (same words) reformatted."""
    before, after = _tokens(old), _tokens(new)
    matcher = difflib.SequenceMatcher(
        None, [_token_key(t) for t in before], [_token_key(t) for t in after], False
    )
    spans: list[tuple[State, _Token]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for a, b in zip(before[i1:i2], after[j1:j2], strict=True):
                same = (a.bold, a.italic) == (b.bold, b.italic) or b.node is not None
                spans.append(("" if same else chr(FORMAT + a.bold + 2 * a.italic), b))
        else:
            spans += [(DEL, t) for t in before[i1:i2]]
            spans += [(INS, t) for t in after[j1:j2]]
    return list(_inlines(spans))


def _inlines(spans: list[tuple[State, _Token]]) -> Iterator[Inline]:
    """Runs of text of one state and one look joined into one Text; other nodes marked."""
    pending: list[tuple[State, _Token]] = []

    def flush() -> Iterator[Inline]:
        if pending:
            state, first = pending[0]
            text = "".join(t.text for _s, t in pending)
            yield Text(_span(text, state) if state else text, first.bold, first.italic, first.code)
            pending.clear()

    for state, token in spans:
        if token.node is None:
            look = (state, token.bold, token.italic, token.code)
            if pending and (pending[0][0], *_look(pending[0][1])) != look:
                yield from flush()
            pending.append((state, token))
            continue
        yield from flush()
        yield from _node(token.node, state)
    yield from flush()


def _look(token: _Token) -> tuple[bool, bool, bool]:
    return token.bold, token.italic, token.code


def _node(node: Inline, state: State) -> Iterator[Inline]:
    """A link, reference or note marker, inserted, deleted or as it is."""
    if not state or state not in (INS, DEL):
        yield node
    elif state == DEL:  # gone: its text, deleted (no link, no field)
        text = plain_text([node])
        if text and not isinstance(node, LineBreak):
            yield Text(_span(text, DEL))
    elif isinstance(node, Link):
        yield dataclasses.replace(node, children=_all(node.children, INS))
    elif isinstance(node, XRef):
        yield dataclasses.replace(node, text=_span(node.text or plain_text([node]), INS))
    else:  # a line break, a note marker: written as they are
        yield node


# ============================================================================ track


@dataclasses.dataclass
class _Tracker:
    author: str
    date: str
    next_id: int = 2_000_000  # above the bookmarks' and the notes' ids (docx.py)

    def attrs(self) -> dict[str, str]:
        self.next_id += 1
        return {qn("w:id"): str(self.next_id), qn("w:author"): self.author, qn("w:date"): self.date}

    def wrap(self, node: etree._Element, state: State) -> None:
        """Put `node` (a run) inside w:ins or w:del; deleted text becomes w:delText."""
        parent = node.getparent()
        if parent is None or parent.tag in (qn("w:ins"), qn("w:del")):
            return
        wrapper = etree.Element(qn("w:ins") if state == INS else qn("w:del"), self.attrs())
        node.addprevious(wrapper)
        wrapper.append(node)
        if state == DEL:
            for tag, deleted in (("w:t", "w:delText"), ("w:instrText", "w:delInstrText")):
                for text in node.iter(qn(tag)):
                    text.tag = qn(deleted)

    def reformat(self, run: etree._Element, flags: int) -> None:
        """Record the run's old bold and italic in a w:rPrChange."""
        props = run.find(qn("w:rPr"))
        if props is None:
            props = etree.SubElement(run, qn("w:rPr"))
            run.insert(0, props)
        old = copy.deepcopy(props)
        for tag in ("w:b", "w:i", "w:rPrChange"):
            for found in old.findall(qn(tag)):
                old.remove(found)
        position = sum(1 for c in old if c.tag in (qn("w:rStyle"), qn("w:rFonts")))
        for flag, tag in ((2, "w:i"), (1, "w:b")):
            if flags & flag:
                old.insert(position, etree.Element(qn(tag)))
        change = etree.SubElement(props, qn("w:rPrChange"), self.attrs())
        change.append(old)


def track(data: bytes, author: str, date: dt.datetime) -> bytes:
    """The .docx `data` (written from a merged document) with its marks made into
    tracked changes by `author` at `date`."""
    stamp = date.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    tracker = _Tracker(author, stamp)
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "word/document.xml":
                content = _track_part(content, tracker)
            target.writestr(entry, content)
    return out.getvalue()


def _track_part(xml: bytes, tracker: _Tracker) -> bytes:
    root = etree.fromstring(xml)
    whole = _whole_marks(root)  # paragraphs and rows added or removed
    for run in list(root.iter(qn("w:r"))):
        _split_run(run, tracker)
    for drawing in list(root.iter(qn("wp:docPr"))):  # a picture added or removed
        state = (drawing.get("descr") or "")[:1]
        if state in (INS, DEL):
            whole.append((_ancestor(drawing, "w:p"), state))
    for element in root.iter():  # descriptions, table summaries: marks out
        for name, value in element.attrib.items():
            if isinstance(value, str) and MARKS.search(value):
                element.set(name, MARKS.sub("", value))
    for element, state in whole:
        _track_whole(element, state, tracker)
    _drop_empty_runs(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


WHOLE_MARKS = {PARA_INS: ("w:p", INS), PARA_DEL: ("w:p", DEL), ROW_INS: ("w:tr", INS)}
WHOLE_MARKS[ROW_DEL] = ("w:tr", DEL)


def _whole_marks(root: etree._Element) -> list[tuple[etree._Element, State]]:
    """The paragraphs and rows marked as added or removed whole (the marks taken out)."""
    whole: list[tuple[etree._Element, State]] = []
    for text in list(root.iter(qn("w:t"))):
        value = text.text or ""
        for mark, (tag, state) in WHOLE_MARKS.items():
            if mark in value:
                whole.append((_ancestor(text, tag), state))
                value = value.replace(mark, "")
        text.text = value
        parent = text.getparent()
        if not value and parent is not None:
            parent.remove(text)
    return whole


def _drop_empty_runs(root: etree._Element) -> None:
    """Runs the marks left with nothing in them, and wrappers left empty."""
    for run in list(root.iter(qn("w:r"))):
        if any(child.tag != qn("w:rPr") for child in run):
            continue
        parent = run.getparent()
        if parent is None:
            continue
        parent.remove(run)
        grand = parent.getparent()
        if parent.tag in (qn("w:ins"), qn("w:del")) and len(parent) == 0 and grand is not None:
            grand.remove(parent)


def _ancestor(node: etree._Element, tag: str) -> etree._Element:
    current: etree._Element | None = node
    while current is not None and current.tag != qn(tag):
        current = current.getparent()
    if current is None:
        raise ValueError(f"a mark outside any {tag}")
    return current


def _split_run(run: etree._Element, tracker: _Tracker) -> None:
    """A run whose text holds span marks, as one run per span, each tracked."""
    if not any(SPAN.search(t.text or "") for t in run.iter(qn("w:t"))):
        return
    props = run.find(qn("w:rPr"))
    groups: list[tuple[State, list[etree._Element]]] = []
    for state, element in _pieces(run):
        if groups and groups[-1][0] == state:
            groups[-1][1].append(element)
        else:
            groups.append((state, [element]))
    for state, elements in groups:
        new_run = etree.Element(qn("w:r"))
        if props is not None:
            new_run.append(copy.deepcopy(props))
        new_run.extend(elements)
        run.addprevious(new_run)
        if state in (INS, DEL):
            tracker.wrap(new_run, state)
        elif state:
            tracker.reformat(new_run, ord(state) - FORMAT)
    parent = run.getparent()
    if parent is not None:
        parent.remove(run)


def _pieces(run: etree._Element) -> Iterator[tuple[State, etree._Element]]:
    """The run's content (text, tabs, breaks) with the state of the span each is in."""
    state: State = ""
    for child in run:
        if child.tag == qn("w:rPr"):
            continue
        if child.tag != qn("w:t"):
            yield state, child
            continue
        for part in SPAN.split(child.text or ""):
            if SPAN.fullmatch(part):
                state = "" if part == END else part
            elif part:
                t = etree.Element(qn("w:t"))
                t.text = part
                if part != part.strip():
                    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                yield state, t


def _track_whole(element: etree._Element, state: State, tracker: _Tracker) -> None:
    """A paragraph or row added or removed as a whole: its mark and every run in it."""
    for run in list(element.iter(qn("w:r"))):
        tracker.wrap(run, state)
    tag = qn("w:ins") if state == INS else qn("w:del")
    if element.tag == qn("w:tr"):
        props = element.find(qn("w:trPr"))
        if props is None:
            props = etree.Element(qn("w:trPr"))
            element.insert(0, props)
        if props.find(tag) is None:
            props.append(etree.Element(tag, tracker.attrs()))
        return
    props = element.find(qn("w:pPr"))
    if props is None:
        props = etree.Element(qn("w:pPr"))
        element.insert(0, props)
    run_props = props.find(qn("w:rPr"))
    if run_props is None:
        run_props = etree.Element(qn("w:rPr"))
        section = props.find(qn("w:sectPr"))
        if section is not None:
            section.addprevious(run_props)
        else:
            props.append(run_props)
    if run_props.find(tag) is None:
        run_props.insert(0, etree.Element(tag, tracker.attrs()))


# ============================================================================ whole


def render_redline(
    old: Document, new: Document, author: str, date: dt.datetime, paginate: bool = False
) -> bytes:
    """The new version's Word file with the changes from `old` tracked by `author` at
    `date` (the git commit's). With `paginate`, LibreOffice fills in the contents' page
    numbers first (as `build` does); without, Word fills them in when fields update."""
    from .docx import build_docx, render_docx

    merged = merge(old, new)
    data = build_docx(merged)[0] if paginate else render_docx(merged)
    return track(data, author, date)
