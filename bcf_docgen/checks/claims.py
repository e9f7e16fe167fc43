"""Claims in sentences that their own figures, or the document's tables, contradict.

Real drafts say "a 63% reduction (from 50 to 19)" (it is 62%), "the top five risks:"
above a list of four, "predicted to decrease from 34,667 to 34,943", or "the Disabled
Facilities Grant of £4.1m" beside a table that says £4,072,518. Totals in tables are
checked elsewhere (totals.py); these are the figures in sentences:

- `claim.percentage`: a percentage change stated with the two figures it compares;
- `claim.direction`: a word of direction (fall, increase, reduction...) against the
  figures it governs ("fall from A to B" with B above A);
- `claim.count`: a count before a list ("the three priorities:") and the list's items;
- `claim.table`: a sum of money or a percentage next to the name of one table row that
  differs from every figure the document's tables give for that name.

Every rule reports only what it can read without doubt: a sentence with two candidate
claims, or a figure it cannot tie to one name, is left alone. A wrong claim is a
warning in a draft and an error in a final plan (the reader of a signed plan would be
misled), like a placeholder.

Markdown sections are read after `{{ }}` has been worked out, so a figure the data
supplies is checked like a typed one (and a right one is never reported); a section
whose `{% %}` blocks change its lines is read as typed, with `{{ }}` left out. Text held
in YAML is read as typed. Tables, code, front matter and `:::` directives are not prose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from ..content.plan import Plan
from ..document.model import Document, Row, Table, plain_text
from ..findings import Findings, Location
from ..templating import TemplateProblem, make_environment, plan_context, render_string
from .prose import MAX_PER_TEXT, prose, prose_of
from .registry import by_status, document_check

# ------------------------------------------------------------------------- figures

MONTHS = (
    "jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|"
    "sep|sept|september|oct|october|nov|november|dec|december"
)
# A figure as plans write it in prose: "£4,072,518", "£4.07m", "£4,073k", "12.5%",
# "12 per cent", "34,667", "1.2 million". Not part of a longer token ("2024-25",
# "2016/17", "NC1", "18-64"), nor a time ("9am").
FIGURE = re.compile(
    r"(?<![\w.,/£$%-])"
    r"(?P<sign>[-−+](?=£?\d))?"
    r"(?P<pound>£\s?)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<unit>%|per\s?cent\b|percent\b|(?<=\d)(?:k|m|mn|bn)\b|"
    r"\s?(?:million|billion|thousand)\b|percentage\s+points?\b|pp\b|points?\b))?"
    r"(?![\w£]|[.,/]\d|\s?[-–]\s?\d)",
    re.IGNORECASE,
)
DIGIT = re.compile(r"\d")
SCALES = {
    "k": Decimal(1000),
    "thousand": Decimal(1000),
    "m": Decimal(10**6),
    "mn": Decimal(10**6),
    "million": Decimal(10**6),
    "bn": Decimal(10**9),
    "billion": Decimal(10**9),
}
# A number after these words names or qualifies something ("per 100,000", "aged 65",
# "pathway 3", "Table 2", "April 2025"): it is not a quantity that a claim compares.
NOT_A_QUANTITY_AFTER_WORDS = frozenset(
    "per age aged over under table figure section appendix pathway phase step tier level "
    "band priority scheme no no. # nc".split()
    + MONTHS.split("|")
)
NOT_A_QUANTITY_AFTER = re.compile(
    rf"\s*(?:(?:{MONTHS})\b|\+|and\s+over\b|years?\s+old\b|plus\b|s\b)", re.IGNORECASE
)


@dataclass(frozen=True)
class Fig:
    """A figure as written: its value in base units, and how precisely it was written."""

    start: int
    end: int
    text: str
    number: Decimal  # as written, before scaling ("4.07" in "£4.07m")
    decimals: int
    scale: Decimal
    kind: str  # "money", "percent", "points" or "count"

    @property
    def value(self) -> Decimal:
        return self.number * self.scale

    def shows(self, value: Decimal) -> bool:
        """Whether `value`, rounded (half up) or cut to this figure's digits, is this one."""
        shown = abs(value) / self.scale
        quantum = Decimal(1).scaleb(-self.decimals)
        try:
            half_up = shown.quantize(quantum, rounding=ROUND_HALF_UP)
            cut = shown.quantize(quantum, rounding=ROUND_DOWN)
        except InvalidOperation:
            return False
        return abs(self.number) in (half_up, cut)


def _names_something(text: str, start: int) -> bool:
    """Whether the number at `start` follows a word that makes it a name or a qualifier:
    "aged 65", "pathway 3", "1 April" (checked after), "aged 65 to 74"."""
    words = text[max(0, start - 20) : start].lower().split()
    if not words:
        return False
    if words[-1].rstrip(":") in NOT_A_QUANTITY_AFTER_WORDS:
        return True
    return len(words) >= 3 and words[-1] in ("to", "and") and words[-3].startswith("age")


def _kind(pound: str | None, unit: str) -> str:
    if pound:
        return "money"
    if unit in ("%", "percent"):
        return "percent"
    if unit.startswith(("percentage", "point", "pp")):
        return "points"
    return "count"


def figures(text: str, start: int = 0, end: int | None = None) -> list[Fig]:
    """The quantities in `text[start:end]`: years, ages, dates and numbered things left out."""
    found: list[Fig] = []
    for match in FIGURE.finditer(text, start, len(text) if end is None else end):
        unit = " ".join((match.group("unit") or "").lower().split())
        pound = match.group("pound")
        if unit in ("k", "m", "mn", "bn") and not pound:
            continue  # "10k steps", "5m": not money, not sure what
        number_text = match.group("num")
        value = Decimal(number_text.replace(",", ""))
        kind = _kind(pound, unit.replace(" ", ""))
        if kind == "count" and not unit and "," not in number_text and 1900 <= value <= 2100:
            continue  # a year
        if kind == "count" and _names_something(text, match.start()):
            continue
        if kind == "count" and NOT_A_QUANTITY_AFTER.match(text, match.end(), match.end() + 14):
            continue
        if match.group("sign") in ("-", "−"):
            value = -value
        decimals = len(number_text.split(".")[1]) if "." in number_text else 0
        scale = SCALES.get(unit, Decimal(1))
        found.append(Fig(match.start(), match.end(), match.group(0), value, decimals, scale, kind))
    return found


def _written(value: Decimal, decimals: int) -> str:
    try:
        return f"{value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):,}"
    except InvalidOperation:  # beyond the precision of a Decimal: shown as it is
        return f"{value:.{decimals}E}"


# ------------------------------------------------------------------------ sentences

ABBREVIATIONS = re.compile(
    r"(?:\be\.g|\bi\.e|\betc|\bapprox|\bno|\bvs|\bincl|\bc|\bst|\bdr|\bmr|\bmrs|\bms|\bcllr"
    r"|\bfig|\bvol|\bp|\bpp|\bref|\best)\.$",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(
    r"[.!?](?=[\s\"'”’)\]]*(?:\s|$))|\n[ \t]*\n|\n(?=[ \t]*(?:[-*+]|\d+[.)])\s)"
)
LIST_ITEM = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>[-*+]|\d{1,3}[.)])[ \t]+\S")
FENCE = re.compile(r"^[ \t]*(?:```|~~~)")
NOT_PROSE_LINE = re.compile(r"^[ \t]*(?:\||:::|\[\^?[^\]]*\]:|[-:| \t]+$)|\|.*\|")


def prose_lines(text: str) -> str:
    """`text` with lines that are not sentences blanked: front matter, code, tables,
    `:::` directives and headings (offsets kept)."""
    lines = text.split("\n")
    out: list[str] = []
    fenced = False
    front = bool(lines) and lines[0].strip() == "---"
    for index, line in enumerate(lines):
        blank_it = False
        if front:
            blank_it = True
            if index > 0 and line.strip() == "---":
                front = False
        elif FENCE.match(line):
            fenced = not fenced
            blank_it = True
        elif fenced or NOT_PROSE_LINE.search(line) or line.lstrip().startswith("#"):
            blank_it = True
        out.append(" " * len(line) if blank_it else line)
    return "\n".join(out)


def sentences(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of prose text; a list item or paragraph ends one."""
    end = len(text) if end is None else end
    begin = start
    for match in SENTENCE_END.finditer(text, start, end):
        stop = match.end()
        if match.group(0) == "." and (
            ABBREVIATIONS.search(text, max(0, stop - 8), stop) or _lower_next(text, stop)
        ):
            continue
        if text[begin:stop].strip():
            yield begin, stop
        begin = stop
    if text[begin:end].strip():
        yield begin, end


def _lower_next(text: str, at: int) -> bool:
    """A full stop followed by a lower-case word does not end a sentence ("approx. 5")."""
    rest = text[at : at + 20]
    return rest[:1] in (" ", "\t") and rest.lstrip(" \t")[:1].islower()


# -------------------------------------------------------------- percentage and direction

UP = (
    r"increas(?:e|es|ed|ing)|ris(?:e|es|en|ing)|rose|grow(?:s|n|th|ing)?|grew|climb(?:s|ed|ing)?"
    r"|jump(?:s|ed)?|higher|more|up|uplift|expan(?:d|ds|ded|sion)"
)
DOWN = (
    r"decreas(?:e|es|ed|ing)|reduc(?:e|es|ed|ing|tion|tions)|fall(?:s|en|ing)?|fell"
    r"|drop(?:s|ped|ping)?|declin(?:e|es|ed|ing)|lower|fewer|less|cut|down|shr[iau]nk(?:s)?"
)
NEUTRAL = r"change[ds]?|difference|variation|swing"
CHANGE = rf"(?:(?P<up>{UP})|(?P<down>{DOWN})|(?P<neutral>{NEUTRAL}))"
HEDGE = re.compile(
    r"(?P<over>\b(?:over|more\s+than|above|at\s+least|in\s+excess\s+of|upwards\s+of)\s+)$"
    r"|(?P<under>\b(?:under|less\s+than|below|up\s+to|nearly|almost|just\s+under|not\s+quite)\s+)$"
    r"|(?P<about>\b(?:around|about|approximately|approx\.?|roughly|some|circa|c\.|close\s+to"
    r"|an\s+estimated|estimated|broadly)\s+)$",
    re.IGNORECASE,
)
# A percentage tied to a word of change: "a 63% reduction", "12% higher", "an increase of
# 12%", "fell by 9.5%". `P` stands for the percentage, found by FIGURE first.
TIED_AFTER = re.compile(rf"\s*{CHANGE}\b", re.IGNORECASE)
TIED_BEFORE = re.compile(
    rf"\b{CHANGE}\s+(?:(?:of|by|in\s+\w+\s+of)\s+)?(?:(?:around|about|approximately|some|"
    r"nearly|almost|over|under|more\s+than|less\s+than|just\s+over|just\s+under)\s+)?$",
    re.IGNORECASE,
)
# A word of direction governing "from A to B": "fall from", "reduce delays from",
# "a decrease in the number of people waiting from".
GOVERNED = re.compile(
    r"\b(?:(?P<up>increas(?:e|es|ed|ing)|ris(?:e|es|en|ing)|rose|grow(?:s|n|th|ing)?|grew"
    r"|climb(?:s|ed|ing)?)|(?P<down>decreas(?:e|es|ed|ing)|reduc(?:e|es|ed|ing|tion|tions)"
    r"|fall(?:s|en|ing)?|fell|drop(?:s|ped|ping)?|declin(?:e|es|ed|ing)|cut(?:s|ting)?))\b"
    r"(?:\s+[^\s\d.,;:!?()]+){0,6}?\s+$",
    re.IGNORECASE,
)
# "... predicted to decrease to 34,943": the figure it started from stands earlier.
TO_ONLY = re.compile(
    r"\b(?:(?P<up>increase|rise|grow|climb)|(?P<down>decrease|reduce|fall|drop|decline))"
    r"\s+(?:(?:further|again|slightly|sharply|significantly)\s+)?to\s+$",
    re.IGNORECASE,
)


@dataclass
class Claim:
    """A wrong claim, found in one text: where its key figure stands and what is wrong."""

    start: int
    end: int
    code: str
    message: str
    hint: str


def _direction(match: re.Match[str]) -> str:
    if match.group("up"):
        return "up"
    if match.group("down"):
        return "down"
    return "neutral"


@dataclass
class Pair:
    """ "from A to B" in a sentence, and the word of direction right before it, if any."""

    first: Fig
    second: Fig
    governed: re.Match[str] | None
    from_at: int  # where "from" stands


FROM = re.compile(r"\bfrom\s+", re.IGNORECASE)
FROM_TO_REST = re.compile(
    r"(?:\s+(?:per\s+[\d,]+|(?:19|20)\d\d(?:[-/]\d\d(?:\d\d)?)?|Q[1-4]|\([^()\n]{1,20}\)"
    r"|[^\s\d.;:!?()£%]+)){0,5}?\s+(?:to|down\s+to|up\s+to)\s+",
    re.IGNORECASE,
)


def _pairs(text: str, start: int, end: int, figs: list[Fig]) -> list[Pair]:
    """The "from A to B" pairs of a sentence, A and B of one kind."""
    by_start = {f.start: f for f in figs}
    out: list[Pair] = []
    for match in FROM.finditer(text, start, end):
        first = by_start.get(match.end())
        if first is None:
            continue
        rest = FROM_TO_REST.match(text, first.end, end)
        second = by_start.get(rest.end()) if rest is not None else None
        if second is None or not _comparable(first, second):
            continue
        governed = GOVERNED.search(text, max(start, match.start() - 90), match.start())
        out.append(Pair(first, second, governed, match.start()))
    return out


def _comparable(first: Fig, second: Fig) -> bool:
    return first.kind == second.kind and first.kind in ("money", "percent", "count")


def _change(first: Fig, second: Fig) -> Decimal | None:
    if first.value == 0:
        return None
    return (second.value - first.value) / abs(first.value) * 100


def _tied(text: str, start: int, end: int, figs: list[Fig]) -> list[tuple[Fig, str, str]]:
    """Percentages tied to a word of change: (figure, direction, hedge)."""
    out: list[tuple[Fig, str, str]] = []
    for fig in figs:
        if fig.kind not in ("percent", "points"):
            continue
        after = TIED_AFTER.match(text, fig.end, end)
        before = TIED_BEFORE.search(text, max(start, fig.start - 60), fig.start)
        word = after or before
        if word is None:
            continue
        hedge = HEDGE.search(text, max(start, fig.start - 24), fig.start)
        kind = "" if hedge is None else str(hedge.lastgroup)
        out.append((fig, _direction(word), kind))
    return out


def _agrees(stated: Fig, true: Decimal, hedge: str) -> bool:
    """Whether a stated percentage fits the true one, as rounded, cut or hedged."""
    size = abs(true)
    unit = Decimal(1).scaleb(-stated.decimals)
    said = abs(stated.number)
    if hedge == "over":
        return size >= said - unit
    if hedge == "under":
        return said * Decimal("0.8") - unit <= size <= said + unit
    if hedge == "about":
        return abs(size - said) <= max(unit, said * Decimal("0.1"))
    return stated.shows(size)


def _went(first: Fig, second: Fig) -> str:
    if second.value > first.value:
        return "up"
    return "down" if second.value < first.value else "same"


# What may stand between a stated change and the figures it compares: a few words, no
# figure, no second clause ("a 63% reduction (from", "from 50 to 19, a 62% reduction").
NEW_CLAUSE = re.compile(r";|\b(?:and|but|while|whilst|whereas|although|though|compared)\b", re.I)


YEARS = re.compile(r"\b(?:19|20)\d\d(?:[-/]\d\d(?:\d\d)?)?\b|\bQ[1-4]\b")


def _adjacent(text: str, start: int, end: int) -> bool:
    """Whether a stated change and "from A to B" are one claim: a few words apart, with
    no other figure (a year may stand between) and no second clause."""
    if not 0 <= end - start <= 48:
        return False
    gap = YEARS.sub(" ", text[start:end])
    return DIGIT.search(gap) is None and not NEW_CLAUSE.search(gap) and len(gap.split()) <= 6


def _percentage_claims(text: str, start: int, end: int, figs: list[Fig]) -> Iterator[Claim]:
    pairs = _pairs(text, start, end, figs)
    tied = _tied(text, start, end, figs)
    for pair in pairs:
        stated = [
            t
            for t in tied
            if _adjacent(text, t[0].end, pair.from_at)
            or _adjacent(text, pair.second.end, t[0].start)
        ]
        if len(stated) == 1:
            fig, word, hedge = stated[0]
            claim = _stated_change(fig, word, hedge, pair.first, pair.second)
            if claim is not None:
                yield claim
        elif not stated and pair.governed is not None:
            direction = _direction(pair.governed)
            if _went(pair.first, pair.second) != direction:
                yield _wrong_direction(None, direction, pair.first, pair.second)
    if not pairs:
        yield from _to_only_claims(text, start, end, figs)


def _stated_change(stated: Fig, word: str, hedge: str, first: Fig, second: Fig) -> Claim | None:
    if word in ("up", "down") and _went(first, second) != word:
        return _wrong_direction(stated, word, first, second)
    if first.kind == "percent":
        points = second.value - first.value
        if stated.kind == "points":
            if _agrees(stated, points, hedge):
                return None
            return _wrong_percentage(stated, first, second, points, " percentage points")
        if _agrees(stated, points, hedge):
            return None  # a difference in points, written as a percentage
    true = _change(first, second)
    if true is None or stated.kind == "points" or _agrees(stated, true, hedge):
        return None
    return _wrong_percentage(stated, first, second, true, "%")


def _wrong_percentage(stated: Fig, first: Fig, second: Fig, true: Decimal, unit: str) -> Claim:
    way = "a rise" if true > 0 else "a fall"
    return Claim(
        stated.start,
        stated.end,
        "claim.percentage",
        f"'{stated.text}' does not fit the figures it compares: from {first.text} to "
        f"{second.text} is {way} of {_written(abs(true), stated.decimals + 1)}{unit}",
        "correct the percentage or the figures; better, work both out from the data with "
        "{{ }} so they cannot disagree",
    )


def _wrong_direction(stated: Fig | None, word: str, first: Fig, second: Fig) -> Claim:
    went = _went(first, second)
    said = "a rise" if word == "up" else "a fall"
    actual = {"up": "a rise", "down": "a fall", "same": "no change"}[went]
    change = _change(first, second)
    extra = f" of {_written(abs(change), 1)}%" if change is not None and went != "same" else ""
    at = stated if stated is not None else second
    return Claim(
        at.start,
        at.end,
        "claim.direction",
        f"the text says {said}, but from {first.text} to {second.text} is {actual}{extra}",
        "correct the word of direction or the figures (are they the right way round?)",
    )


TO_ONLY_ANY = re.compile(rf"\b(?:{UP}|{DOWN})\b", re.IGNORECASE)


def _to_only_claims(text: str, start: int, end: int, figs: list[Fig]) -> Iterator[Claim]:
    """ "34,667 people ... predicted to decrease to 34,943": the one earlier figure of its
    kind, plainly of the same measure, is where the change starts."""
    if len(TO_ONLY_ANY.findall(text, start, end)) != 1:
        return
    for index, second in enumerate(figs):
        word = TO_ONLY.search(text, max(start, second.start - 40), second.start)
        if word is None:
            continue
        earlier = [f for f in figs[:index] if f.kind == second.kind]
        if len(earlier) == 1 and _alike(earlier[0], second):
            direction = _direction(word)
            if _went(earlier[0], second) != direction:
                yield _wrong_direction(None, direction, earlier[0], second)
        return


def _alike(first: Fig, second: Fig) -> bool:
    """Figures plainly of the same measure: money or percentages, or counts in thousands,
    within a factor of two of each other."""
    if first.value <= 0 or second.value <= 0:
        return False
    if first.kind == "count" and (first.value < 1000 or second.value < 1000):
        return False
    ratio = second.value / first.value
    return Decimal("0.5") <= ratio <= 2


# -------------------------------------------------------------------------- counts

COUNT_WORDS = {
    w: n
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
COUNTED = re.compile(
    r"(?<![\w/.,£-])(?P<qual>(?:at\s+least|more\s+than|over|up\s+to|some|around|about|nearly|"
    r"almost|of\s+the|of\s+our|of|one\s+of)\s+)?"
    r"(?P<n>two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|[2-9]|[1-4]\d)"
    r"\s+(?:(?!(?:and|or|of|in|to|for|with|by|from|is|are|was|were|has|have)\b)"
    r"[a-z][\w'-]*\s+){0,2}?(?!(?:is|was|has|does|includes|covers|comprises|contains|means|"
    r"as|us|its|this|plus|across|less|unless)\b)(?P<noun>[a-z][\w-]*s)\b",
    re.IGNORECASE,
)
NOT_LISTED = re.compile(
    r"^(?:years|months|weeks|days|hours|minutes|seconds|times|quarters|pounds|percent|"
    r"pence|miles|metres|beds|people|persons|residents|adults|patients|carers|staff|places|"
    r"sites|partners|councils|districts|practices|teams|occasions|sessions|visits|calls)$",
    re.IGNORECASE,
)


def _count_claims(blanked: str) -> Iterator[Claim]:
    """A sentence ending in ':' that counts, then a Markdown list with another number of items."""
    lines = blanked.split("\n")
    offset = 0
    budget = MOST_COUNTS
    for index, line in enumerate(lines):
        start, offset = offset, offset + len(line) + 1
        if not line.rstrip().endswith(":"):
            continue
        counted = _count_word(blanked, start, start + len(line.rstrip()) - 1)
        if counted is None:
            continue
        budget -= 1
        if budget < 0:
            return
        items = _list_after(lines, index + 1)
        if items is not None:
            claim = _counted(blanked, counted, items)
            if claim is not None:
                yield claim


# A list longer than this is not what a count in words or two digits describes; reading
# stops there, so that a long list of lines ending in ':' is not read once per line.
MOST_ITEMS = 60
MOST_LINES = 400
MOST_COUNTS = 200  # counted sentences read per text, for the same reason


def _list_after(lines: list[str], index: int) -> int | None:
    """The number of items of the list starting at `lines[index]` (one blank line allowed)."""
    if index < len(lines) and not lines[index].strip():
        index += 1
    first = LIST_ITEM.match(lines[index]) if index < len(lines) else None
    if first is None or len(first.group("indent").expandtabs(4)) > 3:
        return None
    indent = len(first.group("indent").expandtabs(4))
    ordered = first.group("marker")[0].isdigit()
    bullet = first.group("marker")
    count = 0
    after_blank = False
    for line in lines[index : index + MOST_LINES]:
        item = LIST_ITEM.match(line)
        depth = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))
        if item is not None and depth <= indent:
            marker = item.group("marker")
            same = marker[0].isdigit() if ordered else marker == bullet
            if depth < indent or not same or count == MOST_ITEMS:
                break  # a list around it, or another list
            count += 1
            after_blank = False
        elif not line.strip():
            after_blank = True
        elif after_blank and depth <= indent:
            break  # a paragraph after the list
    return count


def _count_word(text: str, line_start: int, colon: int) -> re.Match[str] | None:
    """The one count in the sentence that ends at `colon`, near it ("the top five risks:")."""
    paragraph = text.rfind("\n\n", max(0, line_start - 400), colon)
    start = paragraph + 2 if paragraph >= 0 else max(0, line_start - 400)
    for begin, _end in sentences(text, start, colon + 1):
        start = begin
    counts = [
        m
        for m in COUNTED.finditer(text, start, colon)
        if not NOT_LISTED.match(m.group("noun")) and not m.group("qual")
    ]
    if len(counts) != 1 or len(text[counts[0].end() : colon].split()) > 8:
        return None
    return counts[0]


def _counted(text: str, match: re.Match[str], items: int) -> Claim | None:
    word = match.group("n").lower()
    said = COUNT_WORDS[word] if word in COUNT_WORDS else int(word)
    if said == items:
        return None
    return Claim(
        match.start("n"),
        match.end("noun"),
        "claim.count",
        f"the text says '{text[match.start('n') : match.end('noun')]}', but the list after it "
        f"has {'at least ' if items >= MOST_ITEMS else ''}{items} item{'s' if items != 1 else ''}",
        "correct the number, or add or remove items from the list",
    )


# ------------------------------------------------------------------- table rows

GENERIC = re.compile(
    r"^(?:total|sub-?total|plan|actual|target|baseline|other|others|year|all|none|n/a|"
    r"yes|no|met|not met|red|amber|green|difference|variance|change)$",
    re.IGNORECASE,
)
LINK_AFTER = re.compile(
    r"\s*(?:[(:–—-]\s*|,\s+(?=(?:of|is|was|at|worth|totalling|totaling|amounting)\b))?"
    r"(?:(?:of|is|was|at|stands\s+at|stood\s+at|totals?|totalling|totaling|worth|"
    r"amounting\s+to|amounts\s+to|reached|now|were|are|has\s+been|had\s+been|will\s+be|"
    r"around|about)\s+)*",
    re.IGNORECASE,
)
# A name after these stands for a whole of which the figure may be a part.
PART_OF = re.compile(
    r"\b(?:of|from|within|in|out\s+of|part\s+of|share\s+of|through|towards?|to|by)"
    r"\s+(?:the\s+|our\s+|this\s+year's\s+|its\s+)?$",
    re.IGNORECASE,
)
LINK_BEFORE = re.compile(r"^\s*(?:the\s+|our\s+|a\s+|an\s+)?$", re.IGNORECASE)
RELATED_KINDS = ("money", "percent")


@dataclass
class Rows:
    """The money and percentages the document's tables give per row name, and a regex
    that finds those names in a sentence."""

    figures: dict[str, list[Fig]]
    pattern: re.Pattern[str] | None


def _cell_texts(row: Row) -> list[str]:
    return [" ".join(plain_text(cell.inlines).split()) for cell in row.cells]


def _label(cells: list[str]) -> str:
    """The name of a row: its first cell that is words, not an id ("S1") or a figure."""
    for cell in cells:
        if re.fullmatch(r"[A-Z]{1,4}\d+[a-z]?|[\d\s,.£%()+-]*", cell):
            continue
        return cell
    return ""


def _nameable(label: str, typed: bool) -> bool:
    words = label.split()
    if GENERIC.match(label) or len(label) > 80 or not re.search(r"[A-Za-z]{3}", label):
        return False
    if len(words) >= 3 or any(w[:1].isupper() for w in words[1:]):
        return True
    return typed and len(label) >= 5


def table_rows(document: Document) -> Rows:
    """Every row name of the document's tables with the figures its rows hold, and the
    figures of every row that mentions the name in any cell (a source of funding named
    beside an expenditure line), so that a figure of a part is not taken for a mistake."""
    own: dict[str, list[Fig]] = {}
    cells_of: list[tuple[str, list[Fig]]] = []
    for table in document.tables():
        for row in _body_rows(table):
            cells = _cell_texts(row)
            figs = [f for i, c in enumerate(cells) for f in _cell_figures(c, table, i)]
            figs = [f for f in figs if f.kind in RELATED_KINDS]
            cells_of.append((" | ".join(cells).lower(), figs))
            label = _label(cells)
            if figs and label and _nameable(label, row.location is not None):
                own.setdefault(label, []).extend(figs)
    if not own:
        return Rows({}, None)
    related: dict[str, list[Fig]] = {}
    for label in own:
        key = label.lower()
        related[key] = [f for joined, figs in cells_of if key in joined for f in figs]
    names = sorted(own, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])", re.IGNORECASE
    )
    return Rows(related, pattern)


def _body_rows(table: Table) -> list[Row]:
    rows = table.rows[1:] if table.header else table.rows
    return [r for r in rows if r.kind == "body"]


def _cell_figures(cell: str, table: Table, index: int) -> list[Fig]:
    header = table.columns[index].header if index < len(table.columns) else ""
    figs = figures(cell)
    if not figs or figs[0].start > 1:
        return []
    fig = figs[0]
    if fig.kind == "count" and re.search(r"£\s*(?:000|'000|k)\b|£000", header):
        return [Fig(fig.start, fig.end, fig.text, fig.number, fig.decimals, Decimal(1000), "money")]
    if fig.kind == "count" and "%" in header:
        return [Fig(fig.start, fig.end, fig.text, fig.number, fig.decimals, fig.scale, "percent")]
    return [fig]


def _table_claims(text: str, start: int, end: int, figs: list[Fig], rows: Rows) -> Iterator[Claim]:
    if rows.pattern is None:
        return
    names = list(rows.pattern.finditer(text, start, end))
    if not names or len({m.group(0).lower() for m in names}) != 1:
        return
    known = rows.figures.get(names[0].group(0).lower(), [])
    for kind in RELATED_KINDS:
        stated = [f for f in figs if f.kind == kind]
        given = [f for f in known if f.kind == kind]
        if len(stated) != 1 or not given:
            continue
        fig = stated[0]
        if not any(_next_to(text, name, fig) for name in names):
            continue
        if any(fig.shows(g.value) or g.shows(fig.value) for g in given):
            continue
        shown = ", ".join(dict.fromkeys(g.text.strip() for g in given[:4]))
        yield Claim(
            fig.start,
            fig.end,
            "claim.table",
            f"'{fig.text}' for {names[0].group(0)} differs from the document's tables, "
            f"which give {shown}",
            "correct the figure, or take it from the data with {{ }} so that it cannot differ",
        )


def _next_to(text: str, name: re.Match[str], fig: Fig) -> bool:
    if PART_OF.search(text, max(0, name.start() - 24), name.start()):
        return False
    if fig.start >= name.end():
        link = LINK_AFTER.match(text, name.end(), fig.start)
        return link is not None and link.end() == fig.start
    return fig.end <= name.start() and bool(LINK_BEFORE.match(text[fig.end : name.start()]))


# --------------------------------------------------------------------- the check


# A "sentence" longer than this, or with more figures, is not one a reader would take a
# claim from (a run of data pasted as text): it is left alone, which keeps the check
# linear in the length of the text.
LONGEST_SENTENCE = 2000
MOST_FIGURES = 40


def claims(text: str, rows: Rows | None = None) -> list[Claim]:
    """Every wrong claim in a prose text (blanked as prose.py does), in order."""
    blanked = prose_lines(text)
    found: list[Claim] = []
    for start, end in sentences(blanked):
        if end - start > LONGEST_SENTENCE or DIGIT.search(blanked, start, end) is None:
            continue
        figs = figures(blanked, start, end)
        if not figs or len(figs) > MOST_FIGURES:
            continue
        found.extend(_percentage_claims(blanked, start, end, figs))
        if rows is not None:
            found.extend(_table_claims(blanked, start, end, figs, rows))
    found.extend(_count_claims(blanked))
    found.sort(key=lambda c: c.start)
    return found


Where = Callable[[int, int], Location]


@document_check
def claims_in_prose(plan: Plan, document: Document, findings: Findings) -> None:
    if not any(part.source == "plan" for part in document.parts):
        return  # a board pack's other parts: the plan's texts were read with the plan
    rows = table_rows(document)
    severity = by_status(plan)
    rendered = _rendered_sections(plan)
    for item in prose(plan):
        text: str = item.text
        where: Where = item.at
        if item.kind == "markdown" and item.file in rendered:
            text, where = rendered[item.file]
        for count, claim in enumerate(claims(text, rows)):
            if count == MAX_PER_TEXT:
                break
            location = where(claim.start, claim.end)
            findings.add(severity, claim.code, claim.message, location, claim.hint)


def _rendered_sections(plan: Plan) -> dict[str, tuple[str, Where]]:
    """Each Markdown section with `{{ }}` worked out, when that keeps its lines."""
    out: dict[str, tuple[str, Where]] = {}
    sections = [s for s in plan.sections.values() if "{{" in s.body]
    if not sections:
        return out
    env = make_environment(plan.theme)
    context = plan_context(plan)
    for section in sections:
        try:
            body = render_string(env, section.body, context)
        except TemplateProblem:
            continue  # reported by assembly; read as typed
        if body.rstrip("\n").count("\n") != section.body.rstrip("\n").count("\n"):
            continue
        text = "\n" * (section.body_line - 1) + prose_of(body)
        out[section.path] = (text, _Where(section.path, text, section.body.split("\n")))
    return out


class _Where:
    """Locates an offset of a rendered section: its line is the source's; its column is
    the source's where no `{{ }}` stands before it on the line, else 1."""

    def __init__(self, file: str, text: str, raw: list[str]):
        self.file, self.text, self.raw = file, text, raw
        self.first_line = text.count("\n", 0, len(text) - len(text.lstrip("\n"))) + 1

    def __call__(self, start: int, _end: int) -> Location:
        line = self.text.count("\n", 0, start)
        column = start - (self.text.rfind("\n", 0, start) + 1) + 1
        index = line + 1 - self.first_line
        source = self.raw[index] if 0 <= index < len(self.raw) else ""
        if "{{" in source[: column - 1]:
            column = 1
        return Location(self.file, line + 1, column)
