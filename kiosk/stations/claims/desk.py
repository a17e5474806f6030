"""The claims desk's home: the claims list with what is owed, credited and ageing; a
claim built from a work order; the manufacturer's files and the desk's settings."""
from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import gettext as _

from kiosk.access import requires
from kiosk.core.errors import ServiceError
from kiosk.services import claim_codes, claim_files, claim_settings, claims, claims_list, workorders
from kiosk.stations.claims import bp, clerk, done, refused


@bp.get("/")
@requires("claims")
def index():
    """The claims list (all, or one state), its totals, and the form to build a claim."""
    state = request.args.get("state", "open")
    entries = claims_list.listing(state if state in claims.STATES or state == "open" else "")
    return render_template("claims/index.html", entries=entries, totals=claims_list.totals(claims_list.listing()),
                           state=state, states=claims.STATE_LABELS, active="desk")


@bp.get("/build")
@requires("claims")
def build_form():
    """A work order's warranty jobs, each with its claim or a button to build one."""
    number = request.args.get("work_order", "").strip()
    order, jobs, error = None, [], ""
    if number:
        try:
            order = workorders.get_by_number(number)
        except ServiceError as not_found:
            error = str(not_found.message)
        else:
            jobs = claims.warranty_jobs(order)
    return render_template("claims/build.html", order=order, jobs=jobs, number=number, error=error, active="desk")


@bp.post("/build")
@requires("claims")
def build():
    """Build the claim for one warranty job of the order."""
    number = request.form.get("work_order", "")
    try:
        order = workorders.get_by_number(number)
        claim = claims.build(order, workorders.get_job(order, request.form.get("job", "")), clerk())
    except ServiceError as error:
        return refused(error, "claims.build_form", work_order=number)
    return done(_("Claim %(number)s built.", number=claim.number), "claims.claim", number=claim.number)


@bp.get("/files")
@requires("claims")
def files():
    """Export a batch, import the manufacturer's answer or code lists, the desk's settings."""
    return render_template("claims/files.html", settings=claim_settings.all_settings(), active="files",
                           counts={k: len(claim_codes.codes(k)) for k in claim_codes.KINDS})


@bp.post("/files/export")
@requires("claims")
def export():
    """Every submitted claim not yet exported, as one batch file (XLSX or JSON)."""
    fmt = request.form.get("format", "xlsx")
    try:
        batch, rows = claim_files.export_batch(clerk())
    except ServiceError as error:
        return refused(error, "claims.files")
    if fmt == "json":
        body, mimetype = claim_files.as_json(batch, rows), "application/json"
    else:
        body = claim_files.as_xlsx(batch, rows)
        mimetype, fmt = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{batch}.{fmt}"'})


@bp.post("/files/answer")
@requires("claims")
def import_answer():
    """The manufacturer's answer file: approved amounts and rejection codes."""
    upload = request.files.get("file")
    try:
        count = claim_files.import_answer(upload.filename if upload else "", upload.read() if upload else b"",
                                          clerk())
    except ServiceError as error:
        return refused(error, "claims.files")
    return done(_("The manufacturer's answer was recorded for %(count)s claims.", count=count), "claims.files")


@bp.post("/files/codes")
@requires("claims")
def import_codes():
    """A manufacturer's code list (symptoms, diagnoses, rejection reasons)."""
    upload = request.files.get("file")
    try:
        count = claim_codes.import_codes(upload.filename if upload else "", upload.read() if upload else b"")
    except ServiceError as error:
        return refused(error, "claims.files")
    return done(_("%(count)s codes imported.", count=count), "claims.files")


@bp.post("/files/settings")
@requires("claims")
def save_settings():
    try:
        claim_settings.save(request.form.to_dict())
    except ServiceError as error:
        return refused(error, "claims.files")
    return done(_("Settings saved."), "claims.files")
