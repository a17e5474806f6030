"""The service manager's figures, computed from facts on every call (never stored).

The package: ``clocks`` pairs clock events (the bay and the foreman read it too);
``period`` the day, week, month or custom run of store-local days; ``orders``,
``workshop``, ``parts`` and ``customers`` one function per figure, its definition
in its docstring; ``registry`` the list of figures the pages and the API show;
``board`` the dashboard, trends, per-person breakdowns and drill-downs; ``settings``
the targets and the periods the figures depend on.
"""
from kiosk.services.figures.clocks import (  # noqa: F401  (the bay and the foreman's names)
    Interval, attendance_spans, clocked_minutes_by_job, clocked_minutes_of_job, first_time_fix, intervals,
    technician_day,
)
