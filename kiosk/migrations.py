"""Schema migrations: named steps, applied once each, recorded in a table.

Additive only (new tables, new nullable or defaulted columns): a node still on
the previous schema must keep syncing. Never edit a step that has shipped;
append a new one.
"""
from __future__ import annotations

import sqlite3

from peewee import OperationalError, PostgresqlDatabase
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run

from kiosk.core import times
from kiosk.models import AppliedMigration, JobLine, Part, PartLine, PartsRequest, Vehicle, WorkOrder
from kiosk.schema import (AFTERSALES_MODELS, ALL_MODELS, CARE_MODELS, CASHIER_MODELS, CLAIMS_MODELS, ESTIMATE_MODELS,
                          OPS_MODELS, PARTS_MODELS, PRINTING_MODELS, SECURITY_MODELS, WORKSHOP_MODELS)
from kiosk.utc_migration import convert_all
from sync.merge import refold_all
from sync.tables import (ChangeEvent, Conflict, FieldClock, NodeInfo, NodeKey, PairingCode, PairingFailure,
                         PendingRow, Peer, SeenRequest)


def m0001_initial(db):
    """The foundation's tables."""
    db.create_tables(ALL_MODELS, safe=True)


def m0002_merge_tables(db):
    """Tables of the merge engine, and ChangeEvent's flag, arrival time and merge information."""
    db.create_tables([FieldClock, PendingRow, Conflict], safe=True)
    table = ChangeEvent._meta.table_name
    have = {column.name for column in db.get_columns(table)}
    migrator = SchemaMigrator.from_database(db)
    wanted = [(name, ChangeEvent._meta.fields[name]) for name in ("flagged", "received_at", "merge_info")]
    run(*[migrator.add_column(table, name, field) for name, field in wanted if name not in have])
    if ChangeEvent.select().exists():  # a node made before the merge engine: fill its clocks
        # Folding writes every column of today's tables: it runs once the later
        # steps have added theirs (``migrate`` calls it last).
        return refold_all
    return None


def m0003_trust_tables(db):
    """Node key, pairing codes, pinned peers, seen sync requests (sync.keys, sync.pairing, sync.envelope)."""
    db.create_tables([NodeKey, PairingCode, PairingFailure, Peer, SeenRequest], safe=True)


def m0004_reception_indexes(db):
    """A substring index over plates, VINs and owners' phones for the desk's search.

    SQLite's FTS5 trigram index answers "contains" in well under a millisecond
    where LIKE '%…%' read every vehicle and customer. ``vehicle_search`` holds
    one row per vehicle (deleted ones too: the search filters them); triggers
    keep it current whatever writes the tables (services, the sync merge's
    upserts). Its rowids come from ``vehicle_search_key``, an INTEGER PRIMARY
    KEY that VACUUM never renumbers, unlike the vehicle table's own rowids.
    Without FTS5 (PostgreSQL on a hub, an SQLite built without it)
    ``kiosk.services.customers.find_vehicles`` scans as before.
    """
    if isinstance(getattr(db, "obj", db), PostgresqlDatabase):
        return
    try:
        with db.atomic():
            db.execute_sql("CREATE VIRTUAL TABLE vehicle_search USING fts5("
                           "vehicle_id UNINDEXED, plate, vin, phone, tokenize='trigram')")
    except (OperationalError, sqlite3.OperationalError):  # no fts5 module or no trigram tokenizer
        return
    db.execute_sql("CREATE TABLE vehicle_search_key (docid INTEGER PRIMARY KEY, vehicle_id TEXT NOT NULL UNIQUE)")
    docid = "(SELECT docid FROM vehicle_search_key WHERE vehicle_id = new.id)"
    phone = "coalesce((SELECT phone FROM customer WHERE id = new.customer_id), '')"
    # No INSERT OR IGNORE in the triggers: an outer statement's conflict clause
    # (the merge's upserts) would override it.
    rewrite = f"""
        INSERT INTO vehicle_search_key (vehicle_id) SELECT new.id
         WHERE NOT EXISTS (SELECT 1 FROM vehicle_search_key WHERE vehicle_id = new.id);
        DELETE FROM vehicle_search WHERE rowid = {docid};
        INSERT INTO vehicle_search (rowid, vehicle_id, plate, vin, phone)
            VALUES ({docid}, new.id, new.plate, new.vin, {phone});"""
    owner_phone = """
        UPDATE vehicle_search SET phone = new.phone WHERE rowid IN (
            SELECT k.docid FROM vehicle v JOIN vehicle_search_key k ON k.vehicle_id = v.id
             WHERE v.customer_id = new.id);"""
    triggers = {
        "vehicle_search_insert": ("AFTER INSERT ON vehicle", rewrite),
        "vehicle_search_update": ("AFTER UPDATE OF plate, vin, customer_id ON vehicle", rewrite),
        "vehicle_search_delete": ("AFTER DELETE ON vehicle", """
            DELETE FROM vehicle_search WHERE rowid = (SELECT docid FROM vehicle_search_key WHERE vehicle_id = old.id);
            DELETE FROM vehicle_search_key WHERE vehicle_id = old.id;"""),
        "customer_search_insert": ("AFTER INSERT ON customer", owner_phone),
        "customer_search_update": ("AFTER UPDATE OF phone ON customer", owner_phone),
    }
    for name, (when, body) in triggers.items():
        db.execute_sql(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    # The vehicles already on file.
    db.execute_sql("INSERT INTO vehicle_search_key (vehicle_id) SELECT id FROM vehicle")
    db.execute_sql("""
        INSERT INTO vehicle_search (rowid, vehicle_id, plate, vin, phone)
        SELECT k.docid, v.id, v.plate, v.vin, coalesce(c.phone, '')
          FROM vehicle v JOIN vehicle_search_key k ON k.vehicle_id = v.id
          LEFT JOIN customer c ON c.id = v.customer_id""")


def _add_missing_columns(db, model, names: list[str]) -> None:
    """Add ``model``'s fields ``names`` to its table where a node made before them lacks them.

    A field with a constant default is added in place with that default in SQL
    (``ADD COLUMN … NOT NULL DEFAULT ''``): rows made before read it, and so do rows
    the previous release writes on this database after a rollback (it knows nothing
    of the column), as the merge folds them on every other node. Peewee's own
    ``add_column`` would rebuild the table to set NOT NULL, without a SQL default
    (the previous release's inserts then fail) and without m0004's search triggers.
    """
    table = model._meta.table_name
    have = {column.name for column in db.get_columns(table)}
    fields = model._meta.fields
    migrator = SchemaMigrator.from_database(getattr(db, "obj", db))
    steps = []
    for name in names:
        field = fields[name]
        if field.column_name in have:
            continue
        literal = _sql_default(db, field)
        if literal is None:
            steps.append(migrator.add_column(table, field.column_name, field))
            continue
        ctx = db.get_sql_context()
        kind = ctx.sql(field.ddl_datatype(ctx)).query()[0]
        null = "" if field.null else " NOT NULL"
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{field.column_name}" {kind}{null} DEFAULT {literal}')
    if steps:
        run(*steps)


def _sql_default(db, field) -> str | None:
    """``field``'s constant default as a SQL literal, or None (no default, or a callable)."""
    value = field.default
    postgres = type(getattr(db, "obj", db)).__name__.startswith("Postgres")
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE") if postgres else str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return None


def m0005_workshop(db):
    """The bay kiosk's facts (clock, attendance, findings, QC …) and job-line dispatch columns."""
    _add_missing_columns(db, JobLine, ["authorization", "proposed_by", "bay", "team"])
    db.create_tables(WORKSHOP_MODELS, safe=True)


def m0006_parts_counter(db):
    """The catalogue's extra columns, barcodes, the stock ledger, purchase orders, counts."""
    _add_missing_columns(db, Part, ["manufacturer_no", "supplier_no", "unit", "cost", "reorder_point",
                                    "superseded_by"])
    db.create_tables(PARTS_MODELS, safe=True)


def m0007_printing(db):
    """This kiosk's printer settings and print queue (local tables)."""
    db.create_tables(PRINTING_MODELS, safe=True)


def m0009a_estimates(db):
    """Labour catalogue, service packages, signed estimate versions, check-in photos and
    signatures, recalls; the columns the estimate and the check-in gained."""
    _add_missing_columns(db, WorkOrder, ["battery_percent"])
    _add_missing_columns(db, JobLine, ["package"])
    _add_missing_columns(db, PartLine, ["non_catalogue", "to_order", "package"])
    _add_missing_columns(db, PartsRequest, ["part_line"])
    _add_missing_columns(db, Vehicle, ["powertrain"])
    db.create_tables(ESTIMATE_MODELS, safe=True)


def m0010a_ops_tables(db):
    """Running a store: this node's settings (idle time, cameras, backups) and, on a hub,
    each kiosk's last report (kiosk.models.ops)."""
    db.create_tables(OPS_MODELS, safe=True)


def m0010b_replacement_codes(db):
    """A pairing code may name the kiosk the new PC replaces (sync.replace); a restored hub
    numbers its own events above what it handed out before (sync.recovery)."""
    _add_missing_columns(db, PairingCode, ["replaces"])
    _add_missing_columns(db, NodeInfo, ["seq_floor"])


def m0008a_security_tables(db):
    """Server-side staff sessions (kiosk.access), PIN attempts counted store-wide
    (kiosk.services.pin_lock), API tokens with scopes and their uses (kiosk.services.api_keys),
    and the kept answers of retried API calls (kiosk.stations.api.idempotency)."""
    db.create_tables(SECURITY_MODELS, safe=True)
    # Tokens made before scopes existed keep working as they did for every call of the contract:
    # read and write, no expiry (listed now, and revocable).
    db.execute_sql("INSERT INTO api_key (token_hash, name, scopes, created_at, created_by) "
                   "SELECT token_hash, CASE WHEN label = '' THEN 'api' ELSE label END, 'read,write', created_at, "
                   "'cli' FROM api_token WHERE token_hash NOT IN (SELECT token_hash FROM api_key)")
    # The old rows stay (this release reads api_key only): a node rolled back to the previous
    # release still knows its tokens; revoking one here removes its old row too (api_keys.revoke).


def m0011_times_in_utc(db):
    """Every stored time from the PC's local wall time to UTC, once (kiosk.utc_migration).

    Change events keep their schema version: version-1 events are converted
    whenever they are read (sync.eventtimes), the same way as these rows.
    """
    return convert_all(db)


def m0012a_aftersales_shared(db):
    """What the cashier, the care desk, claims and the figures share: the car handed back
    (Delivery), the vehicle's sale and insurance, the order's comeback, repair type and
    insurer (kiosk.models.aftersales)."""
    _add_missing_columns(db, Vehicle, ["sold_on", "sold_here", "insurance_until", "insurer"])
    _add_missing_columns(db, WorkOrder, ["comeback_of", "repair_type", "insurer", "insurance_claim_no"])
    db.create_tables(AFTERSALES_MODELS, safe=True)


def m0012b_cashier(db):
    """The cashier's tables: settlements, payments, invoice requests, e-health records,
    day-end closes, credit accounts and loan-car notices (kiosk.models.cashier)."""
    db.create_tables(CASHIER_MODELS, safe=True)


def m0012c_care_tables(db):
    """The care desk: follow-up calls, complaints and their actions, consent per purpose, the
    phone-unmask audit, reminders worked, the message outbox (kiosk.models.care)."""
    db.create_tables(CARE_MODELS, safe=True)


def m0012d_claims(db):
    """Claims (#14): warranty claims and their states, old parts' tags and scans, insurance
    cases with assessments and payments, the manufacturer's code lists (kiosk.models.claims)."""
    db.create_tables(CLAIMS_MODELS, safe=True)


# The manager's figures read these by time or by link on every view (kiosk.services.figures).
FIGURES_INDEXES = (("parts_request", "requested_at"), ("work_order", "comeback_of"), ("work_order", "opened_at"),
                   ("vehicle", "sold_on"))

STORE_INDEXES = (("delivery", ("work_order_id", "at")),)  # an order's first delivery, read from the index


def m0012f_figures_indexes(db):
    """Indexes for the figures computed on every view: parts requests by the time they were
    made, comebacks by the order they repeat, orders by opening, cars by their sale date."""
    for table, column in FIGURES_INDEXES:
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{table}_{column}_figures" ON "{table}" ("{column}")')


def m0013f_store_prefix(db):
    """Each work order's number prefix (its store on a dealer group's hub) as its own column,
    derived by the database from the number and indexed (kiosk.models.workorders.STORE_PREFIX):
    a group's store is an index lookup, not a pattern match on every number. The prefix is what
    ``kiosk.services.figures.base.prefix_of`` reads: the number up to its first "-", upper-cased.
    Plus an index the figures' first deliveries read from."""
    table = WorkOrder._meta.table_name
    if "store_prefix" not in {column.name for column in db.get_columns(table)}:
        if isinstance(getattr(db, "obj", db), PostgresqlDatabase):
            derived = "(upper(split_part(number, '-', 1))) STORED"
        else:  # SQLite adds a virtual generated column in place (and can index it)
            derived = "(upper(substr(number, 1, instr(number || '-', '-') - 1))) VIRTUAL"
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN store_prefix VARCHAR(255) GENERATED ALWAYS AS {derived}')
    db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{table}_store_prefix" ON "{table}" (store_prefix)')
    for table, columns in STORE_INDEXES:
        name = f'{table}_{"_".join(columns)}_figures'
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({", ".join(columns)})')


MIGRATIONS = [m0001_initial, m0002_merge_tables, m0003_trust_tables, m0004_reception_indexes,
              m0005_workshop, m0006_parts_counter, m0007_printing, m0008a_security_tables, m0009a_estimates,
              m0010a_ops_tables, m0010b_replacement_codes, m0011_times_in_utc, m0012a_aftersales_shared,
              m0012b_cashier, m0012c_care_tables, m0012d_claims, m0012f_figures_indexes,
              m0013f_store_prefix]


def migrate(db) -> list[str]:
    """Apply the steps this database has not seen yet, all in one transaction; return their names.

    A step may return a follow-up (say, re-folding rows from the change log),
    run after every pending step: it then sees all of today's columns, however
    old the database was.
    """
    db.create_tables([AppliedMigration], safe=True)
    done = {row.name for row in AppliedMigration.select()}
    pending = [step for step in MIGRATIONS if step.__name__ not in done]
    follow_ups = []
    with db.atomic():
        for step in pending:
            follow_up = step(db)
            if follow_up is not None and follow_up not in follow_ups:
                follow_ups.append(follow_up)
            AppliedMigration.create(name=step.__name__, applied_at=times.utcnow())
        for follow_up in follow_ups:
            follow_up()
    return [step.__name__ for step in pending]
