"""What every test of a write may check: the change log describes every replicated row."""
from __future__ import annotations

from kiosk.schema import replicated_models
from sync import changelog
from sync.tables import ChangeEvent


def assert_log_describes_db():
    """Folding every event must give exactly the rows in every replicated table."""
    state = changelog.fold(ChangeEvent.select())
    for model in replicated_models():
        for row in model.select():
            key = (model._meta.table_name, row.id.hex)
            assert key in state, f"{key} has no change event"
            assert state[key] == changelog.serialize(row), f"{key} differs from its events"
    rows = sum(model.select().count() for model in replicated_models())
    assert rows == len(state)
