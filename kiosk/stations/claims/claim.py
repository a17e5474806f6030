"""One warranty claim: its fields and codes, the checks with their messages, the
findings' photos, the old parts with their tags and places, and its states."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from kiosk.access import requires
from kiosk.core.errors import ServiceError
from kiosk.services import claim_checks, claim_codes, claims, claims_list, old_parts, printing
from kiosk.stations.claims import bp, clerk, done, refused
from kiosk.templating import send_stored_file


@bp.get("/c/<number>")
@requires("claims")
def claim(number: str):
    """The claim page."""
    try:
        row = claims.get_by_number(number)
    except ServiceError as error:
        return refused(error, "claims.index")
    return _page(row)


def _page(row, form=None, error=None, status: int = 200):
    """The claim page; after a refused form, with what was typed kept and the reason beside it."""
    return render_template("claims/claim.html", e=claims_list.entry(row), claim=row, active="desk",
                           form=form or {}, error=error,
                           photos=claim_checks.photos(row), clocked=claim_checks.clocked_hours(row),
                           parts=claims.job_parts(row.work_order, row.job), events=claims.events(row),
                           states=claims.STATE_LABELS, places=old_parts.PLACE_LABELS,
                           codes={k: claim_codes.codes(k) for k in claim_codes.KINDS},
                           major_parts=claim_codes.MAJOR_PART_LABELS, deadline=claim_checks.deadline(row)), status


@bp.post("/c/<number>")
@requires("claims")
def update(number: str):
    """Save the claim's codes, texts, causal part, mileage and 三包 marks."""
    values = request.form.to_dict()
    values.setdefault("safety", "0")
    try:
        row = claims.get_by_number(number)
    except ServiceError as error:
        return refused(error, "claims.index")
    try:
        claims.update(row, values, clerk())
    except ServiceError as error:  # nothing saved; the page again with what was typed
        return _page(row, form=values, error=error, status=400 if error.status < 409 else error.status)
    return done(_("Claim saved."), "claims.claim", number=number)


@bp.post("/c/<number>/submit")
@requires("claims")
def submit(number: str):
    try:
        state = claims.submit(claims.get_by_number(number), clerk())
    except ServiceError as error:
        return refused(error, "claims.claim", number=number)
    return done(_("Claim %(number)s: %(state)s.", number=number, state=claims.STATE_LABELS[state]),
                "claims.claim", number=number)


@bp.post("/c/<number>/state")
@requires("claims")
def record(number: str):
    """The manufacturer's answer (approved, partly approved, rejected), the credit, closing."""
    form = request.form
    try:
        claims.record(claims.get_by_number(number), form.get("state", ""), amount=form.get("amount") or None,
                      reason_code=form.get("reason_code", ""), note=form.get("note", ""), staff=clerk())
    except ServiceError as error:
        return refused(error, "claims.claim", number=number)
    return done(_("Claim saved."), "claims.claim", number=number)


@bp.post("/c/<number>/tag")
@requires("claims")
def tag(number: str):
    """Make the old-part tag of an issued part and print it on this station's label printer."""
    try:
        row = claims.get_by_number(number)
        made = old_parts.tag(row, request.form.get("part_no", ""), clerk())
        job = printing.print_label("part", old_parts.label_data(made), "care")
    except ServiceError as error:
        return refused(error, "claims.claim", number=number)
    message = _("Old-part tag %(tag)s made.", tag=made.number)
    if job.status == "browser":  # no label printer set for the care station: the browser prints it
        return done(message, "printing.job_page", job_id=job.id)
    if job.status == "failed":
        message += " " + _("Printing failed: %(reason)s", reason=printing.error_message(job))
    return done(message, "claims.claim", number=number)


@bp.post("/c/<number>/tags/<code>/print")
@requires("claims")
def reprint_tag(number: str, code: str):
    """Print an old-part tag again (one made at a bay without a label printer, a torn one)."""
    try:
        job = printing.print_label("part", old_parts.label_data(old_parts.get_tag(code)), "care")
    except ServiceError as error:
        return refused(error, "claims.claim", number=number)
    if job.status == "browser":
        return done(_("Old-part tag %(tag)s made.", tag=code), "printing.job_page", job_id=job.id)
    return done(_("Old-part tag %(tag)s made.", tag=code), "claims.claim", number=number)


@bp.get("/photos/<digest>.jpg")
@requires("claims")
def photo(digest: str):
    """A finding's or an assessment's photo."""
    return send_stored_file(digest, "image/jpeg")
