"""Figures not yet known: what an author writes as `tbc`, and totals that include one.

Real drafts are full of figures that are "to be confirmed". Treating one as 0 would print
£0 and make every total look complete, so an unknown figure is a value of its own:

- `Unknown` is one figure written `tbc`. It knows what it is ("S3 line 'Home care'
  2025-26") and where the `tbc` stands, so checks can name it and point at it.
- `Partial` is what arithmetic over an unknown gives: the sum of the known parts and the
  unknown parts. Amounts of money are never negative, so a sum with unknown parts is *at
  least* its known sum (`bounded`); a difference or a product with an unknown factor is
  not bounded and is simply to be confirmed.

Adding, subtracting, multiplying and dividing work (so `sum()` over a year's lines gives
a Partial), but an unknown figure cannot be compared or turned into a plain number:
that raises a `TypeError` naming what is unknown, so no rule or template decides
anything on a figure nobody knows. This is a core module: it imports nothing of the
package, and every stage may use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeGuard, Union

if TYPE_CHECKING:
    from .findings import Location

# How authors write a figure that is not yet known (any case, e.g. `amounts: {2025-26: tbc}`).
SPELLING = "tbc"
# The default words for it; a theme's `unknown:` replaces them (labels.py re-exports both).
TO_BE_CONFIRMED = "to be confirmed"
AT_LEAST = "at least {}"  # a total with unknown parts: "at least £570,000"


def is_tbc(value: object) -> bool:
    """Whether an author's value is the spelling of a figure not yet known."""
    return isinstance(value, str) and value.strip().lower() == SPELLING


Number = Union[int, float]  # noqa: UP007 - an alias, for isinstance() as well
Figure = Union[int, float, "Unknown", "Partial"]  # noqa: UP007


def is_unknown(value: object) -> bool:
    """Whether `value` is, or depends on, a figure not yet known."""
    return isinstance(value, Unknown | Partial)


class _Undecided:
    """What an unknown figure and a total over one share: nobody can compare them or
    make them a plain number (a decision on them must name what is unknown)."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        raise not_comparable(self)  # type: ignore[arg-type]

    __le__ = __gt__ = __ge__ = __lt__

    def __int__(self) -> int:
        raise not_comparable(self)  # type: ignore[arg-type]

    def __float__(self) -> float:
        raise not_comparable(self)  # type: ignore[arg-type]

    def __round__(self, ndigits: int | None = None) -> Any:
        raise not_comparable(self)  # type: ignore[arg-type]

    def __abs__(self) -> Any:
        raise not_comparable(self)  # type: ignore[arg-type]


class Unknown(_Undecided):
    """One figure written `tbc`: `what` it is and `where` the `tbc` stands (set on reading)."""

    __slots__ = ("what", "where")

    def __init__(self, what: str = "", where: Location | None = None):
        self.what = what
        self.where = where

    def __repr__(self) -> str:
        return f"Unknown({self.what!r})"

    def __str__(self) -> str:
        return TO_BE_CONFIRMED

    @property
    def parts(self) -> tuple[Unknown, ...]:
        return (self,)

    def _partial(self) -> Partial:
        return Partial(0, (self,))

    # Arithmetic: delegated to the Partial of this one unknown part.
    def __add__(self, other: object) -> Partial:
        return self._partial() + other

    def __radd__(self, other: object) -> Partial:
        return self._partial().__radd__(other)

    def __sub__(self, other: object) -> Partial:
        return self._partial() - other

    def __rsub__(self, other: object) -> Partial:
        return self._partial().__rsub__(other)

    def __mul__(self, other: object) -> Partial:
        return self._partial() * other

    def __rmul__(self, other: object) -> Partial:
        return self._partial() * other

    def __truediv__(self, other: object) -> Partial:
        return self._partial() / other

    def __rtruediv__(self, other: object) -> Partial:
        return self._partial().__rtruediv__(other)

    def __neg__(self) -> Partial:
        return -self._partial()

    def _unknown_result(self, other: object) -> Partial:
        return _depending_on(self._partial(), other)

    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = _unknown_result


class Partial(_Undecided):
    """A figure that depends on unknown parts: `known` is the sum of the known parts.

    `bounded` says the figure is at least `known` (a sum of amounts, each at least 0).
    A total of unknowns alone is "to be confirmed", never "at least £0".
    """

    __slots__ = ("known", "unknown", "bounded")

    def __init__(self, known: Number, unknown: Iterable[Unknown], bounded: bool = True):
        self.known = known
        self.unknown: tuple[Unknown, ...] = tuple(dict.fromkeys(unknown))
        self.bounded = bounded

    def __repr__(self) -> str:
        state = "at least" if self.bounded else "unbounded"
        return f"Partial({state} {self.known!r}, {[u.what for u in self.unknown]!r})"

    def __str__(self) -> str:
        if self.has_lower_bound:
            return AT_LEAST.format(f"{self.known:,}")
        return TO_BE_CONFIRMED

    @property
    def parts(self) -> tuple[Unknown, ...]:
        return self.unknown

    @property
    def has_lower_bound(self) -> bool:
        """Whether "at least {known}" says something: a sum with known parts above 0."""
        return self.bounded and self.known > 0

    def _unbounded(self, other: object) -> Partial:
        return Partial(self.known, (*self.unknown, *parts_of(other)), bounded=False)

    def __add__(self, other: object) -> Partial:
        if isinstance(other, Unknown | Partial):
            theirs = other if isinstance(other, Partial) else other._partial()
            return Partial(
                self.known + theirs.known,
                (*self.unknown, *theirs.unknown),
                self.bounded and theirs.bounded,
            )
        if _is_number(other):
            return Partial(self.known + other, self.unknown, self.bounded)
        return NotImplemented

    def __radd__(self, other: object) -> Partial:
        if _is_number(other):
            return Partial(other + self.known, self.unknown, self.bounded)
        return NotImplemented

    def __sub__(self, other: object) -> Partial:
        if _is_number(other):
            # (known + unknown) - n is still at least known - n.
            return Partial(self.known - other, self.unknown, self.bounded)
        if isinstance(other, Unknown | Partial):
            return self._unbounded(other)
        return NotImplemented

    def __rsub__(self, other: object) -> Partial:
        if _is_number(other):
            return Partial(other, self.unknown, bounded=False)
        return NotImplemented

    def __mul__(self, other: object) -> Partial:
        if _is_number(other) and other >= 0:
            return Partial(self.known * other, self.unknown, self.bounded)
        if _is_number(other) or isinstance(other, Unknown | Partial):
            return self._unbounded(other)
        return NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Partial:
        if _is_number(other) and other > 0:
            return Partial(self.known / other, self.unknown, self.bounded)
        if _is_number(other) or isinstance(other, Unknown | Partial):
            return self._unbounded(other)
        return NotImplemented

    def __rtruediv__(self, other: object) -> Partial:
        if _is_number(other):
            return Partial(other, self.unknown, bounded=False)
        return NotImplemented

    def __neg__(self) -> Partial:
        return Partial(-self.known, self.unknown, bounded=False)

    def _unknown_result(self, other: object) -> Partial:
        return _depending_on(self, other)

    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = _unknown_result


def _depending_on(partial: Partial, other: object) -> Partial:
    """`//`, `%` and `**`: whatever they give depends on the unknown parts, no bound."""
    if _is_number(other) or isinstance(other, Unknown | Partial):
        return Partial(partial.known, (*partial.unknown, *parts_of(other)), bounded=False)
    return NotImplemented


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parts_of(value: object) -> tuple[Unknown, ...]:
    """The unknown figures `value` depends on (none for a plain number)."""
    if isinstance(value, Unknown | Partial):
        return value.parts
    return ()


def known_part(value: object) -> Number:
    """What is known of `value`: itself, a Partial's known sum, or 0. For ordering rows."""
    if isinstance(value, Partial):
        return value.known
    if _is_number(value):
        return value
    return 0


def describe(parts: Iterable[Unknown]) -> str:
    """'S3 line 'Home care' 2025-26 and funding source 'dfg' 2025-26' (at most five)."""
    names = [u.what or "a figure" for u in dict.fromkeys(parts)]
    if len(names) > 5:
        names = [*names[:5], f"{len(names) - 5} more"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def not_comparable(value: Unknown | Partial) -> TypeError:
    """The error of comparing a figure nobody knows: it names what is unknown."""
    return TypeError(
        f"this figure depends on {describe(value.parts)}, which is {TO_BE_CONFIRMED} "
        f"('{SPELLING}'), so it cannot be compared or used as a plain number"
    )


def written(
    value: Unknown | Partial, write: Callable[[Number], str], words: str = TO_BE_CONFIRMED
) -> str:
    """An unknown figure in words: `words` ("to be confirmed"), or "at least £570,000" for
    a total with known parts, the known sum written by `write` (money, number...)."""
    if isinstance(value, Partial) and value.has_lower_bound:
        return AT_LEAST.format(write(value.known))
    return words
