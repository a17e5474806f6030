"""The live workshop board for the wall: open in the shop's LAN without a login
(a wall screen has nobody to log in, and it shows no customer's name or phone).
It refreshes itself on every order, job, clock and parts-request change, and
every 30 s as a fallback; the minutes left tick in the browser (workshop.js)."""
from __future__ import annotations

from kiosk.core import times
from kiosk.services import board as board_service
from kiosk.stations.workshop import bp, close_overdue_clocks
from kiosk.templating import render


@bp.get("/board", endpoint="board")
def board():
    """The whole board page, or its table alone for the live refresh."""
    close_overdue_clocks()
    now = times.utcnow()
    rows = board_service.rows(now)
    return render("workshop/board.html", "workshop/_board.html", rows=rows, now=now,
                  summary=board_service.summary(rows), durations=board_service.duration_formats())
