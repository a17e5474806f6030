"""What every figure answers: a value, what it was counted from, and the same per person.

A rate keeps its numerator and denominator so the dashboard can say "47 of 50"
and the group page can add stores up (a group's rate is the sum of the
numerators over the sum of the denominators, never a mean of rates).
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
from dataclasses import dataclass, field

from kiosk.models.workorders import STORE_PREFIX, WorkOrder


@dataclass
class Result:
    """One figure over one period. ``value`` is None when there was nothing to count."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    by_person: dict = field(default_factory=dict)  # staff id (str) → Result
    parts: dict = field(default_factory=dict)  # a figure with parts (loss minutes by reason)


def ratio(numerator: float, denominator: float, by_person: dict | None = None) -> Result:
    """``numerator / denominator`` as a Result; None over nothing."""
    value = numerator / denominator if denominator else None
    return Result(value, numerator, denominator, by_person or {})


def count(value: float, by_person: dict | None = None) -> Result:
    """A plain count (orders delivered): its own numerator, no denominator."""
    return Result(value, value, None, by_person or {})


def ratios_by(pairs: dict) -> dict:
    """``{person: (numerator, denominator)}`` as ``{person: Result}`` (a missing person: skipped)."""
    return {str(person): ratio(n, d) for person, (n, d) in pairs.items() if person is not None}


def added(results: list[Result]) -> Result:
    """Several stores' (or periods') results as one: numerators and denominators summed."""
    if not results:
        return Result(None)
    if all(r.denominator is None for r in results):
        return count(sum(r.numerator or 0 for r in results))
    numerator = sum(r.numerator or 0 for r in results)
    denominator = sum(r.denominator or 0 for r in results)
    parts: dict = {}
    for result in results:
        for key, value in result.parts.items():
            parts[key] = parts.get(key, 0) + value
    merged = ratio(numerator, denominator)
    merged.parts = parts
    return merged


_scope: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("figures_scope", default=None)


@contextlib.contextmanager
def store_scope(prefixes):
    """Within this block the figures count one store of a dealer group: the orders whose number
    carries one of ``prefixes`` (a store's kiosks' number prefixes, kiosk.services.numbers)."""
    token = _scope.set(tuple(sorted(str(p).upper() for p in prefixes)))
    try:
        yield
    finally:
        _scope.reset(token)


def scope() -> tuple | None:
    """The number prefixes of the store being counted, or None for everything on this node."""
    return _scope.get()


def in_scope():
    """A condition on the work order (joined in the query): it belongs to the store being counted,
    by its number prefix (the indexed ``store_prefix`` column); None when every order counts."""
    prefixes = _scope.get()
    if prefixes is None:
        return None
    return STORE_PREFIX.in_(list(prefixes) or ["\u0000"])  # a store without kiosks: nothing


def store_orders():
    """The work orders of the store being counted, a subquery of ids for the stations' rules
    (``of_orders``); None when every order counts."""
    store = in_scope()
    return None if store is None else WorkOrder.select(WorkOrder.id).where(store)


def advisor_orders(advisor):
    """The work orders of ``advisor`` within the store being counted (a subquery of ids)."""
    store = in_scope()
    query = WorkOrder.select(WorkOrder.id).where(WorkOrder.advisor == advisor)
    return query if store is None else query.where(store)


_totals: contextvars.ContextVar[bool] = contextvars.ContextVar("figures_totals_only", default=False)


@contextlib.contextmanager
def totals_only():
    """Within this block the figures that break down per person by asking their station's rule once
    per person leave ``by_person`` empty (a trend's points need the totals only)."""
    token = _totals.set(True)
    try:
        yield
    finally:
        _totals.reset(token)


def per_person() -> bool:
    """Whether ``by_person`` is wanted (not within ``totals_only``)."""
    return not _totals.get()


def prefix_of(number: str) -> str:
    """The number prefix of a human number ("SH1-20261005-0001" → "SH1")."""
    return (number or "").split("-", 1)[0].upper()


_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("figures_memo", default=None)


@contextlib.contextmanager
def one_reading():
    """Within this block the facts behind several figures are read once per period
    (efficiency, productivity and loss time share one pass over the clocks)."""
    token = _memo.set({} if _memo.get() is None else _memo.get())  # nested: the outer reading's
    try:
        yield
    finally:
        _memo.reset(token)


def memoized(function):
    """Cache ``function(period)`` inside ``one_reading`` (outside it: no cache)."""

    @functools.wraps(function)
    def wrapped(period, *args):
        memo = _memo.get()
        if memo is None or args:
            return function(period, *args)
        key = (function.__qualname__, period, _scope.get())
        if key not in memo:
            memo[key] = function(period)
        return memo[key]

    return wrapped
