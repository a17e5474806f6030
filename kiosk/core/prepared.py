"""Read queries whose SQL is built once: the hot lookups behind every page.

Building the SQL of a Peewee query costs far more than SQLite answering it
(about half a millisecond for a work order joined with its customer, vehicle
and advisor, against some twenty microseconds to run it), and the reception
pages and the API run the same few lookups on every request. A ``Prepared``
query is written as usual with Peewee, with ``slot(field)`` where a value
changes from call to call; its SQL is built on first use for each kind of
database (SQLite, PostgreSQL) and then only run, with the values converted the
way ``field`` converts them. Rows come back exactly as the query itself would
give them (models with their joined models, or dicts).

Only for reads whose shape never changes (no IN lists of varying length).
"""
from __future__ import annotations

from peewee import Value

from kiosk.db import database


class _Slot:
    """Where a value goes, and the field that converts it for the database."""

    __slots__ = ("index", "field")

    def __init__(self, index: int, field):
        self.index, self.field = index, field


class Prepared:
    """A Peewee select built by ``build(slot)``, compiled once per kind of database.

    ``build`` receives ``slot``: ``slot(Model.field)`` stands for the next
    argument of ``rows(...)``, converted as that field converts it
    (``slot()``: passed as it is, e.g. a LIMIT). Everything else is fixed.
    """

    def __init__(self, build):
        self._build = build
        self._compiled: dict[type, tuple] = {}
        self._columns: dict[type, dict] = {}  # per kind of database: the cursor wrapper's column work

    def _compile(self, db) -> tuple:
        slots: list[_Slot] = []

        def slot(field=None):
            slots.append(_Slot(len(slots), field))
            # converter=False: the marker goes into the parameters untouched, to be replaced.
            return Value(slots[-1], converter=False)

        query = self._build(slot)
        sql, params = query.sql()
        where = [(i, p) for i, p in enumerate(params) if isinstance(p, _Slot)]
        if len(where) != len(slots):
            raise ValueError("each slot must appear exactly once in the query")
        compiled = self._compiled[type(db)] = (query, sql, params, where)
        return compiled

    def rows(self, *values) -> list:
        """Run the query with ``values`` for its slots, in order; the rows as the query gives them."""
        db = database.obj
        query, sql, params, where = self._compiled.get(type(db)) or self._compile(db)
        bound = list(params)
        for i, slot in where:
            value = values[slot.index]
            bound[i] = value if slot.field is None else slot.field.db_value(value)
        # The query's own cursor wrapper turns rows into its models (joined ones
        # included) or dicts; it only reads the query, so threads may share it.
        cursor = db.execute_sql(sql, bound)
        wrapper = query._get_cursor_wrapper(cursor)
        # What the wrapper works out from the columns (which model and converter each
        # one has: a third of a small query's cost) is the same on every run of one
        # SQL text: worked out once, then given to each new wrapper.
        known = self._columns.get(type(db))
        if known is None:
            before = set(vars(wrapper))
            wrapper.initialize()
            known = self._columns[type(db)] = {k: v for k, v in vars(wrapper).items() if k not in before}
        else:
            vars(wrapper).update(known)
        try:
            return [wrapper.process_row(row) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def first(self, *values):
        """The first row, or None."""
        found = self.rows(*values)
        return found[0] if found else None
