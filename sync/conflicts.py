"""The conflict list: values the merge kept out of a row, for a manager to review on the hub.

A conflict is recorded where it is found (every node merges by the same rules;
the hub, which receives everything, finds them all). Resolving one either
confirms what the row holds, or writes the lost value again as a new local
change through ``sync.changelog.save``, so the decision replicates like any edit.
"""
from __future__ import annotations


from kiosk.i18n import lazy_gettext as _l

from kiosk.core import times
from kiosk.db import transaction
from kiosk.core import status as states
from kiosk.core.errors import NotFound, ServiceError
from sync import changelog
from sync.fieldclock import overriding
from sync.mergerules import registry, to_python
from sync.tables import Conflict

def record(rows: list[dict]) -> None:
    """Store conflicts (dicts of Conflict's columns). One already listed gets the row's
    current value as its kept value, until somebody resolves it."""
    for start in range(0, len(rows), 50):
        (Conflict.insert_many(rows[start:start + 50])
         .on_conflict(conflict_target=[Conflict.entity, Conflict.row_id, Conflict.field, Conflict.lost_hlc],
                      preserve=[Conflict.kept_value, Conflict.kept_hlc, Conflict.kept_origin],
                      where=(Conflict.resolved == False))  # noqa: E712
         .execute())


def open_conflicts(limit: int | None = None) -> list[Conflict]:
    """Conflicts nobody has reviewed yet, oldest first."""
    query = Conflict.select().where(Conflict.resolved == False).order_by(Conflict.id)  # noqa: E712
    return list(query.limit(limit) if limit else query)


def _write_lost(conflict: Conflict) -> None:
    """Write the lost value again as a new local change (it replicates like any edit)."""
    model = registry().get(conflict.entity)
    if model is None:
        raise ServiceError(_l("This kind of record is not known to this version."), status=409)
    row = model.get_or_none(model.id == conflict.row_id)
    if row is None:
        raise ServiceError(_l("The record of this conflict has not arrived yet."), status=409)
    if conflict.field == "*":  # a line added to a locked order: bring it back
        names = ["deleted"]
        row.deleted = bool(conflict.lost.get("deleted", False))
    else:
        fld = model._meta.fields.get(conflict.field)
        if fld is None:
            raise ServiceError(_l("This field is not known to this version."), status=409)
        value = to_python(fld, conflict.lost)
        if conflict.field == "status" and conflict.entity == "work_order" and not states.can_move(row.status, value):
            raise ServiceError(_l("A work order cannot go from “%(a)s” to “%(b)s”.",
                                  a=states.label(row.status), b=states.label(value)), status=409)
        setattr(row, fld.name, value)
        names = [fld.name]
    with overriding():  # the manager has seen the lock: this change is deliberate
        changelog.save(row, fields=names)


def resolve_conflict(conflict_id, staff, keep: str = "kept") -> Conflict:
    """Close a conflict: ``keep="kept"`` confirms the row as it is; ``keep="lost"``
    writes the lost value again (a new change that replicates). ``staff``: who decided."""
    if keep not in ("kept", "lost"):
        raise ServiceError(_l("Choose which value to keep."), field="keep")
    with transaction():
        conflict = Conflict.get_or_none(Conflict.id == conflict_id)
        if conflict is None:
            raise NotFound(_l("No such conflict."))
        if conflict.resolved:
            raise ServiceError(_l("This conflict has already been resolved."), status=409)
        if keep == "lost":
            _write_lost(conflict)
        conflict.resolved, conflict.resolution = True, keep
        conflict.resolved_by = getattr(getattr(staff, "id", None), "hex", None) or str(staff or "")
        conflict.resolved_at = times.utcnow()
        conflict.save()
    return conflict
