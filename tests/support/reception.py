"""The reception desk's pieces: htmx headers, work-order URLs and forms, the pad's signature, an API order,
the check-in form's walk-around and the rows a check-in writes."""
from __future__ import annotations

import base64
import datetime as dt
import io
import json

from PIL import Image, ImageDraw

from kiosk.core import times
from kiosk.models import Appointment, Customer, StatusChange, Vehicle, WorkOrder
from sync.tables import ChangeEvent

HX = {"HX-Request": "true"}


def url(number, tail=""):
    return f"/reception/work-orders/{number}{tail}"


def signature_data_url(ink=True) -> str:
    """A PNG like the pad sends: white paper with (or without) a stroke."""
    image = Image.new("RGB", (400, 160), "white")
    if ink:
        ImageDraw.Draw(image).line([(20, 120), (120, 30), (220, 130), (380, 40)], fill="black", width=5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def add_job(client, number, **fields):
    data = {"operation": "OP-10", "description": "更换机油机滤", "sold_hours": "1.5", "price": "300",
            "pay_type": "customer", **fields}
    return client.post(url(number, "/jobs"), data=data, headers=HX)


# A walk-in order as an integration posts it (POST /api/v1/work-orders).
ORDER = {
    "customer": {"name": "张建华", "phone": "138 0013 8000"},
    "vehicle": {"plate": "沪A·12345", "vin": "LSVAM4185C2184328", "model": "大众 帕萨特", "mileage": 45210},
    "complaint": "刹车时有异响",
    "jobs": [{"description": "更换前刹车片", "hours": 1.0, "price": "300.00"},
             {"description": "四轮定位", "hours": "0.8", "price": 280}],
}


def counts() -> dict:
    """How many rows a check-in may write, by table (a refused one writes none)."""
    return {m.__name__: m.select().count()
            for m in (Customer, Vehicle, Appointment, WorkOrder, StatusChange, ChangeEvent)}


def page(response) -> str:
    return response.get_data(as_text=True)


def walkaround(**changes) -> dict:
    """A filled check-in form (some values the form must clean up), with ``changes``."""
    # A datetime-local field holds the store's wall time.
    promised = (times.local_now() + dt.timedelta(hours=6)).replace(second=0, microsecond=0)
    data = {"mileage": "12,345", "fuel_eighths": "3", "complaint": "冷车启动有异响",
            "damage": json.dumps([{"x": 12.345, "y": 40, "kind": "dent"}, {"x": 150, "y": -3, "kind": "bogus"}]),
            "warning_lights": ["abs", "engine", "not-a-light"], "belongings": "儿童座椅",
            "under_warranty": "y", "promised_at": promised.isoformat(timespec="minutes")}
    data.update(changes)
    return data
