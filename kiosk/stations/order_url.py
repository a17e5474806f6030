"""The work order a station's URL names (``/…/<number>/…``), shared by the stations' views."""
from __future__ import annotations

import functools

from flask import render_template

from kiosk.core.errors import NotFound
from kiosk.services import workorders


def with_order(missing_template: str):
    """Decorate a view taking ``(order, **kwargs)``: the order named by ``number`` in the URL,
    or ``missing_template`` with the reason (404)."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(number, **kwargs):
            try:
                order = workorders.get_by_number(number)
            except NotFound as error:
                return render_template(missing_template, number=number, message=error.message), 404
            return view(order, **kwargs)
        return wrapped
    return decorator
