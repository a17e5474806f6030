"""What the customer signed, on paper: the estimate (报价单) of one signed version — or the
current draft before anyone signed — and the signed version the A4 work order carries.

A version after the first is printed as "amended", with the lines that changed against
the version before it.
"""
from __future__ import annotations

from decimal import Decimal

from flask import render_template, request
from flask_babel import gettext as _

from kiosk.access import requires
from kiosk.services import estimate
from kiosk.stations.reception import bp
from kiosk.stations.reception.printing import codes, store_name
from kiosk.stations.reception.workorder import page_context, with_order


def _money(totals: dict) -> dict:
    """A snapshot's totals (text) as numbers for the money filter."""
    return {**{k: Decimal(v) for k, v in totals.items() if k != "by_payer"},
            "by_payer": {k: Decimal(v) for k, v in totals["by_payer"].items()}}


def version_context(order, wanted: str | None = None) -> dict | None:
    """The version to print: ``wanted`` (its number, or "current" for the draft), by default
    the last one signed, else the draft. None when no version has that number."""
    current = estimate.state(order)
    versions = current.versions
    if wanted in (None, "") and versions:
        wanted = str(versions[-1].version)
    if wanted in (None, "", "current"):
        snap, version, previous = current.current, None, versions[-1] if versions else None
    else:
        found = [v for v in versions if str(v.version) == wanted]
        if not found:
            return None
        version = found[-1]
        snap = estimate.lines_of(version)
        earlier = [v for v in versions if v.at < version.at or (v.at == version.at and v.hlc < version.hlc)]
        previous = earlier[-1] if earlier else None
    changes = estimate.diff(estimate.lines_of(previous)["lines"], snap["lines"]) if previous else []
    return {"shown": version, "previous": previous, "changes": changes, "versions": versions,
            "lines": snap["lines"], "sums": _money(snap["totals"]), "promised": snap.get("promised_at"),
            "pending": current.changes, "is_current": version is None,
            # An order signed before versions were kept: its signature, bound to nothing stored.
            "legacy_signature": order.signature if not versions else ""}


@bp.get("/work-orders/<number>/estimate")
@requires("reception")
@with_order
def print_estimate(order):
    """The estimate (报价单) on A4: a signed version (``?version=N``, the last by default) or the draft."""
    shown = version_context(order, request.args.get("version"))
    if shown is None:
        return render_template("reception/workorder/missing.html", number=order.number,
                               message=_("This work order has no signed version %(v)s.",
                                         v=request.args.get("version"))), 404
    return render_template("print/estimate.html", store=store_name(), **codes(order.number),
                           order=order, v=shown)


def work_order_print_context(order) -> dict:
    """The A4 work order's context: the page's, plus the signed version it carries."""
    return {**page_context(order), "v": version_context(order)}
