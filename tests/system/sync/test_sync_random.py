"""Randomized, with real processes: three kiosks make random offline edits
(records and facts) and sync in random order over links that lose, duplicate
and delay messages. Afterwards every outbox is empty and every node holds the
same state as the hub and as the reference model folded from all events."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from sync import merge
from tests.support.faulty_link import FaultyLink
from tests.support.nodes import Node, events_of, order_body, run_cli, start_all, state_of

KIOSKS = 3
FAULTS = st.lists(st.sampled_from(["ok", "lose-answer", "duplicate", "lose-request", "delay"]), max_size=4)
TEXTS = st.sampled_from(["客户在店等候", "客户下午来取", "需要报价", "雨伞", "行车记录仪", ""])


class Store(RuleBasedStateMachine):
    @initialize()
    def open_store(self):
        self.folder = Path(tempfile.mkdtemp(prefix="bayflow-random-"))
        self.hub, *kiosks = start_all(Node(self.folder, "hub", role="hub"),
                                      *(Node(self.folder, f"k{i}", prefix=f"K{i}", discovery=False)
                                        for i in range(KIOSKS)))
        self.kiosks, self.links = [], []
        for kiosk in kiosks:
            link = FaultyLink(self.hub.url)
            code = run_cli("pairing-code", "--db", self.hub.db).stdout.strip()
            run_cli("pair", "--db", kiosk.db, "--hub", link.url, "--code", code, env=kiosk.env)
            self.kiosks.append(kiosk)
            self.links.append(link)
        self.known = [set() for _ in range(KIOSKS)]  # work orders each kiosk has seen
        self.on_hub: set[str] = set()
        self.counter = 0

    @rule(k=st.integers(0, KIOSKS - 1))
    def check_in_a_car(self, k):
        self.counter += 1
        number = self.kiosks[k].api("POST", "/work-orders", order_body(k * 1000 + self.counter), expect=201)["number"]
        self.known[k].add(number)

    @precondition(lambda self: any(self.known))
    @rule(k=st.integers(0, KIOSKS - 1), pick=st.integers(0, 10**6), field=st.sampled_from(["notes", "belongings"]),
          text=TEXTS)
    def edit_a_field(self, k, pick, field, text):
        if self.known[k]:
            number = sorted(self.known[k])[pick % len(self.known[k])]
            self.kiosks[k].api("PATCH", f"/work-orders/{number}", {field: text}, expect=200)

    @precondition(lambda self: any(self.known))
    @rule(k=st.integers(0, KIOSKS - 1), pick=st.integers(0, 10**6),
          status=st.sampled_from(["diagnosis", "estimate"]))  # the moves the API may make
    def move_status(self, k, pick, status):
        if self.known[k]:
            number = sorted(self.known[k])[pick % len(self.known[k])]
            self.kiosks[k].api("POST", f"/work-orders/{number}/status", {"status": status})  # 409 if behind: fine

    @precondition(lambda self: any(self.known))
    @rule(k=st.integers(0, KIOSKS - 1), pick=st.integers(0, 10**6), price=st.integers(0, 999))
    def add_a_job(self, k, pick, price):
        if self.known[k]:
            number = sorted(self.known[k])[pick % len(self.known[k])]
            self.kiosks[k].api("POST", f"/work-orders/{number}/jobs",
                               {"description": "检查", "hours": 1, "price": price}, expect=201)

    @rule(k=st.integers(0, KIOSKS - 1), faults=FAULTS)
    def sync(self, k, faults):
        self.links[k].plan.extend(faults)
        if self.kiosks[k].sync(check=False).returncode == 0:
            self.on_hub |= self.known[k]
            self.known[k] |= self.on_hub
        self.links[k].plan.clear()

    def teardown(self):
        converged = False
        try:
            for kiosk in self.kiosks * 2:  # everything up, then everything down
                kiosk.sync()  # exit 0: the outbox is empty and the pull up to date
            hub_state = state_of(self.hub.db)
            assert hub_state == merge.reference_state(events_of(self.hub.db))
            for kiosk in self.kiosks:
                assert state_of(kiosk.db) == hub_state, f"{kiosk.name} differs from the hub"
            converged = True
        finally:
            for node in [*self.kiosks, self.hub]:
                node.stop()
            for link in self.links:
                link.close()
            if converged:  # the tests' temporary files are in memory (tests/support/speed.py); a failure's stay
                shutil.rmtree(self.folder, ignore_errors=True)


Store.TestCase.settings = settings(max_examples=3, stateful_step_count=18, deadline=None,
                                   suppress_health_check=list(HealthCheck))
test_random_offline_work_converges = Store.TestCase
