"""Staff, customers and their vehicles."""
from __future__ import annotations

from peewee import BooleanField, CharField, DateField, ForeignKeyField, IntegerField, TextField

from kiosk.models.base import Record


class Staff(Record):
    name = CharField()
    badge = CharField(index=True)
    # Comma-separated role names (see kiosk.roles); a person may hold several.
    roles = CharField(default="")
    pin_hash = CharField(default="")
    active = BooleanField(default=True)

    @property
    def role_list(self) -> list[str]:
        return [r for r in self.roles.split(",") if r]

    def has_role(self, *names: str) -> bool:
        return bool(set(names) & set(self.role_list))


class Customer(Record):
    name = CharField()
    phone = CharField(default="", index=True)
    id_number = CharField(default="")
    notes = TextField(default="")


class Vehicle(Record):
    customer = ForeignKeyField(Customer, backref="vehicles", null=True)
    plate = CharField(default="", index=True)
    vin = CharField(default="", index=True)
    model = CharField(default="")
    color = CharField(default="")
    mileage = IntegerField(default=0)
    warranty_until = DateField(null=True)
    # Added by m0009a_estimates: "" (petrol or diesel), "hev", "phev" or "ev";
    # plug-in hybrids and electric cars record their battery charge at check-in.
    # Nullable so the column is added in place: a NOT NULL column would make the
    # migrator rebuild the table, which the search triggers of m0004 do not survive.
    powertrain = CharField(default="", null=True)
    # Added by m0012a_aftersales_shared (nullable, added in place): the first sale to a
    # customer starts the first-service and 三包 windows; the insurance drives its reminder.
    sold_on = DateField(null=True)
    sold_here = BooleanField(default=False, null=True)  # sold by this store (first service 首保)
    insurance_until = DateField(null=True)
    insurer = CharField(default="", null=True)
