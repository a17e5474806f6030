"""Texts to customers (SMS or WeChat) written from Chinese templates and queued in an outbox.

Sending through a provider is a later integration: the outbox is exported as CSV
(UTF-8 with a byte-order mark, so Excel opens the Chinese right), which marks the
exported messages. A message needs the customer's consent for its purpose (the
insurance offer is marketing; every other text is a service message).
"""
from __future__ import annotations

import csv
import io

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import Customer, OutboxMessage, Staff, Vehicle
from kiosk.services import consent
from sync import changelog
from sync.node import current_node

CHANNELS = {"sms": _l("SMS"), "wechat": _l("WeChat")}
TEMPLATES = {
    "follow_up": "【{store}】{name}您好，感谢您{date}到店为爱车{plate}做保养维修。如对本次服务有任何意见或建议，欢迎回复本短信或致电我们。",
    "maintenance": "【{store}】{name}您好，您的爱车{plate}预计在{date}前后（或行驶至{mileage}公里）需要定期保养，回复本短信或致电即可预约。",
    "first_service": "【{store}】{name}您好，您的爱车{plate}即将到达首次保养（首保）时间，请在{date}前或{mileage}公里内来店，首保享受厂家政策。",
    "warranty": "【{store}】{name}您好，您的爱车{plate}的三包/质保期将于{date}到期，建议到期前来店免费检查，欢迎预约。",
    "insurance": "【{store}】{name}您好，您的爱车{plate}的车险将于{date}到期，为避免脱保，请及时续保，回复本短信获取报价。",
    "declined_work": "【{store}】{name}您好，上次来店时建议的项目“{job}”尚未处理，为了行车安全，欢迎回复本短信或致电预约。",
}
LABELS = {"follow_up": _l("Thanks after the visit"), "maintenance": _l("Maintenance due"),
          "first_service": _l("First service (首保)"), "warranty": _l("Warranty ends (三包)"),
          "insurance": _l("Insurance ends"), "declined_work": _l("Declined work")}
PURPOSE = {"insurance": consent.MARKETING}
EXPORT_COLUMNS = ("id", "queued_at", "channel", "phone", "name", "plate", "template", "text")


def purpose_of(template: str) -> str:
    return PURPOSE.get(template, consent.SERVICE_CALLS)


def write(template: str, customer: Customer, vehicle: Vehicle | None, values: dict | None = None) -> str:
    """The template's text for this customer and car (missing values left blank)."""
    if template not in TEMPLATES:
        raise ServiceError(_l("Unknown message template."), field="template")
    known = {"store": current_node().store_name or "4S店", "name": _salutation(customer.name),
             "plate": vehicle.plate if vehicle else "", "date": "", "mileage": "", "job": ""}
    known.update({k: "" if v is None else str(v) for k, v in (values or {}).items() if k in known})
    return TEMPLATES[template].format(**known)


def _salutation(name: str) -> str:
    """The customer's name as on file (张先生); the store does not guess a title."""
    return (name or "").strip() or "尊敬的客户"


def queue(template: str, customer: Customer, vehicle: Vehicle | None, *, channel: str = "sms",
          staff: Staff | None = None, values: dict | None = None) -> OutboxMessage:
    """Write the text and put it in the outbox; refused without the consent its purpose needs."""
    if channel not in CHANNELS:
        raise ServiceError(_l("Choose SMS or WeChat."), field="channel")
    if not consent.allows(customer.id, purpose_of(template)):
        raise ServiceError(_l("The customer has not agreed to messages of this kind."), status=409)
    if not customer.phone:
        raise ServiceError(_l("The customer has no phone number on file."), status=409)
    text = write(template, customer, vehicle, values)
    with transaction():
        message = OutboxMessage(customer=customer, vehicle=vehicle, channel=channel, template=template,
                                phone=customer.phone, text=text, queued_at=times.utcnow(), staff=staff)
        changelog.save(message)
    return message


def outbox(pending_only: bool = True, limit: int = 300) -> list[OutboxMessage]:
    """Queued messages, oldest first (only those not exported yet, unless told)."""
    query = OutboxMessage.select().where(OutboxMessage.deleted == False)  # noqa: E712
    if pending_only:
        query = query.where(OutboxMessage.exported_at.is_null())
    return list(query.order_by(OutboxMessage.queued_at).limit(limit))


def export_csv() -> tuple[str, int]:
    """The messages not exported yet as CSV (``EXPORT_COLUMNS``), marked exported; (text, count)."""
    rows = outbox(pending_only=True, limit=100_000)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    now = times.utcnow()
    with transaction():
        for row in rows:
            writer.writerow([row.id.hex, times.isoformat(row.queued_at), row.channel, row.phone, row.customer.name,
                             row.vehicle.plate if row.vehicle else "", row.template, row.text])
            row.exported_at = now
            changelog.save(row, fields=["exported_at"])
    return out.getvalue(), len(rows)
