"""Issue 4: the service desk's rules, driven through the real server and
clients with a clock the test moves (wo-server --test-clock, the client's
WO_TEST_CLOCK): SLA policy versions, SLA clocks that count offline work
when it was done, pause while awaiting the customer, alerts that survive a
restart, escalation, dispute and the 24 h closure, history."""
import os
import sqlite3
import unittest

from harness import HOUR, MIN, ClockEnv, wait_until, write_clock

class Desk(ClockEnv):
    def setUp(self):
        super().setUp()
        self.enroll("disp", "dispatcher")
        self.enroll("alice", "technician")

    def test_sla_policy_versions(self):
        pol = {p["priority"]: p for p in self.wo_json("disp", "sla", "show")}
        self.assertEqual({k: (v["response_ms"], v["resolve_ms"])
                          for k, v in pol.items()},
                         {"P1": (15 * MIN, 4 * HOUR), "P2": (HOUR, 8 * HOUR),
                          "P3": (4 * HOUR, 48 * HOUR)})
        before = self.create(prio="P1", assign="alice")
        # only an admin edits it
        r = self.wo("disp", "sla", "set", "P1", "--response", "30m",
                    check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("admin", r.stderr)
        self.enroll("root", "admin")
        self.wo("root", "sla", "set", "P1", "--response", "30m", "--resolve",
                "6h")
        pol = {p["priority"]: p for p in self.wo_json("root", "sla", "show")}
        self.assertEqual(pol["P1"]["version"], 2)
        self.assertEqual((pol["P1"]["response_ms"], pol["P1"]["resolve_ms"]),
                         (30 * MIN, 6 * HOUR))
        self.assertEqual(pol["P2"]["response_ms"], HOUR)
        after = self.create(prio="P1")
        b, a = self.show(before["id"]), self.show(after["id"])
        self.assertEqual(b["sla_version"], 1)
        self.assertEqual(b["response_due"] - b["created_at"], 15 * MIN)
        self.assertEqual(a["sla_version"], 2)
        self.assertEqual(a["response_due"] - a["created_at"], 30 * MIN)
        self.assertEqual(a["resolve_due"] - a["created_at"], 6 * HOUR)
        r = self.wo("root", "sla", "set", "P1", "--response", "soon",
                    check=False)
        self.assertEqual(r.returncode, 2)

    def test_offline_accept_counts_when_done(self):
        """Accepted on site at 09:05 with no network, synced at 11:00: the
        10:00 response target was met. The laptop's clock is also 40 min
        slow; the offset measured at the handshake corrects it."""
        laptop = os.path.join(self.dir, "laptop-clock")
        env = dict(os.environ, WO_TEST_CLOCK=laptop)

        def laptop_at():                # the server's time, 40 min slow
            write_clock(laptop, self.now() - 40 * MIN)
        o = self.create(prio="P2", assign="alice")      # 09:00, due 10:00
        laptop_at()
        self.wo("alice", "sync", env=env)
        self.stop_server()                             # no network
        self.advance(5 * MIN)
        laptop_at()                                    # 09:05 on site
        self.wo("alice", "accept", str(o["id"]), env=env)
        accepted_device = int(self.wo_json("alice", "outbox")[0]["at"])
        self.advance(2 * HOUR)                         # 11:00
        laptop_at()
        self.start_server()
        self.wo("alice", "sync", env=env)
        d = self.show(o["id"])
        self.assertLessEqual(d["responded_at"], d["response_due"])
        # the device time, corrected by the 40 min the laptop was slow
        self.assertEqual(d["responded_at"], accepted_device + 40 * MIN)
        self.assertEqual(d["responded_at"], d["created_at"] + 5 * MIN)
        self.assertEqual(d["sla"], "resolve")
        hist = self.wo_json("disp", "history", str(o["id"]))
        acc = [h for h in hist if h["kind"] == "accept"][0]
        self.assertEqual(acc["client_at"], accepted_device)
        self.assertEqual(acc["actor"], "alice")
        self.assertIsNotNone(acc["device"])

    def test_clamped_to_the_orders_life(self):
        """A device clock far off cannot date work before the order
        existed, nor after it was received."""
        laptop = os.path.join(self.dir, "laptop-clock")
        write_clock(laptop, self.now() - 5 * HOUR)
        env = dict(os.environ, WO_TEST_CLOCK=laptop)
        o = self.create(prio="P2", assign="alice")
        self.wo("alice", "sync")                       # right clock
        self.wo("alice", "accept", str(o["id"]), env=env)   # 5 h slow
        self.wo("alice", "sync")                       # offset: none
        d = self.show(o["id"])
        self.assertEqual(d["responded_at"], d["created_at"])

    def test_alerts_at_75_percent_and_breach_survive_restart(self):
        o = self.create(title="Chiller down", prio="P1", assign="alice")
        self.watch("disp")                  # a dispatcher's live alerts
        self.advance(11 * MIN)              # 73 %: nothing yet
        self.ticked()
        self.assertEqual(self.alerts(), [])
        self.advance(1 * MIN)               # 80 %
        wait_until(lambda: "75% of the response target" in
                   self.watch_log("disp"), what="the 75% alert, live")
        self.stop_server(sig_kill=True)
        self.advance(4 * MIN)               # breached while the server is down
        self.start_server()
        wait_until(lambda: "response target BREACHED" in
                   self.watch_log("disp"), timeout=30,
                   what="the breach alert after the restart")
        self.stop_server()
        self.start_server()
        self.ticked()                       # ticks after a second restart
        al = self.alerts()
        self.assertEqual(sorted(a["kind"] for a in al),
                         ["response.75", "response.breach"])
        self.assertTrue(all(a["wo"] == o["id"] for a in al))
        log = self.watch_log("disp")
        for a in al:                        # each delivered exactly once
            self.assertEqual(log.count("alert %d " % a["id"]), 1, log)
        # a watcher that was away gets what it missed, and only that
        procs = [p for p in self.procs if p.poll() is None and
                 p is not self.server]
        for p in procs:
            p.terminate()
            p.wait()
        self.advance(3 * HOUR)              # 75 % of the 4 h resolution
        wait_until(lambda: len(self.alerts()) == 3, what="resolve.75")
        open(self.watch_log_path("disp"), "w").close()
        self.watch("disp")                  # returns once caught up
        log = self.watch_log("disp")
        self.assertEqual(log.count("75% of the resolution target"), 1)
        self.assertEqual(log.count("alert "), 1, log)
        # the board: breached first, with its time
        self.create(title="Later job", prio="P3")
        board = self.wo_json("disp", "board")
        self.assertEqual(board[0]["id"], o["id"])
        self.assertLess(board[0]["due_in"], 0)
        self.assertIn("BREACHED", self.wo("disp", "board").stdout)

    def test_the_tick_reads_only_orders_with_an_alert_due(self):
        """Each open order keeps the time of its next alert (sla_next): the
        tick reads the orders whose time has come, and an order with every
        alert made is read no more (it was at every tick, for as long as
        it stayed open)."""
        o = self.create(prio="P1", assign="alice")     # 15 min, 4 h
        db = self.server_db()

        def next_due():
            return db.execute("SELECT sla_next FROM orders WHERE id = ?",
                              (o["id"],)).fetchone()[0]
        made = self.now()
        self.assertEqual(next_due(), made + 15 * MIN * 3 // 4)
        self.advance(12 * MIN)                       # the 75 % alert
        wait_until(lambda: next_due() == made + 15 * MIN,
                   what="sla_next to move on to the response breach")
        self.assertEqual([a["kind"] for a in self.alerts()], ["response.75"])
        # responded: the response alert left is dropped, resolution's next
        self.wo("alice", "sync")
        self.wo("alice", "accept", str(o["id"]))
        self.wo("alice", "sync")
        self.assertEqual(next_due(), made + 3 * HOUR)
        self.advance(5 * HOUR)                       # both resolve alerts
        wait_until(lambda: len(self.alerts()) == 3, what="resolve alerts")
        self.ticked()
        self.assertIsNone(next_due())
        self.assertEqual(sorted(a["kind"] for a in self.alerts()),
                         ["resolve.75", "resolve.breach", "response.75"])
        # and the tick's query finds its orders by that index alone
        with open(os.path.join(os.path.dirname(__file__), "..", "..",
                               "schema", "server", "queries.sql")) as f:
            text = f.read()
        body = text.split("-- name: alerts_make\n")[1].split("-- name:")[0]
        sql = "\n".join(l for l in body.splitlines()
                        if not l.startswith("--"))
        plan = " | ".join(r[3] for r in db.execute("EXPLAIN QUERY PLAN " +
                                                   sql, {"now": 0}))
        self.assertIn("orders_sla_next", plan)
        self.assertNotIn("SCAN o ", plan + " ")
        self.assertNotIn("SCAN orders", plan)
        self.assertNotIn("SCAN a", plan)

    def test_paused_awaiting_customer_not_parts(self):
        o = self.create(prio="P2", assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        self.wo("alice", "accept", wo)
        self.wo("alice", "visit", "start", wo)
        # the server knows of the accept before the hour passes: otherwise
        # its tick rightly alerts on a response it has not seen yet
        self.wo("alice", "sync")
        self.advance(HOUR)
        self.wo("alice", "visit", "end", wo, "--outcome", "customer-absent")
        self.wo("alice", "sync")
        d = self.show(wo)
        self.assertEqual((d["status"], d["sla"]), ("on_hold_customer",
                                                   "paused"))
        due = d["resolve_due"]
        self.advance(10 * HOUR)             # 11 h in: past 8 h, but paused
        self.ticked()
        self.assertEqual([a["kind"] for a in self.alerts()], [])
        self.wo("alice", "visit", "start", wo)
        self.wo("alice", "sync")
        d = self.show(wo)
        self.assertEqual(d["sla"], "resolve")
        self.assertEqual(d["resolve_due"], due + 10 * HOUR)
        # awaiting parts does not stop the clock
        self.wo("alice", "visit", "end", wo, "--outcome", "needs-parts")
        self.wo("alice", "sync")
        self.advance(6 * HOUR)
        wait_until(lambda: "resolve.75" in [a["kind"] for a in self.alerts()],
                   what="the resolution clock to run while awaiting parts")

    def sign_off(self, wo):
        self.wo("alice", "accept", wo)
        self.wo("alice", "depart", wo)
        self.wo("alice", "visit", "start", wo)
        self.wo("alice", "visit", "end", wo, "--outcome", "done")
        self.wo("alice", "sign", wo)
        self.wo("alice", "sync")

    def test_closes_24h_after_completion_unless_disputed(self):
        a = self.create(assign="alice")
        b = self.create(assign="alice")
        self.wo("alice", "sync")
        self.sign_off(str(a["id"]))
        self.sign_off(str(b["id"]))
        self.assertEqual(self.show(a["id"])["status"], "completed")
        self.assertEqual(self.show(a["id"])["sla"], "met")
        self.wo("disp", "dispute", str(b["id"]), "--reason",
                "customer says it still leaks")
        self.advance(23 * HOUR)
        self.ticked()
        self.assertEqual(self.show(a["id"])["status"], "completed")
        # the 24 h timer survives a restart
        self.stop_server(sig_kill=True)
        self.advance(2 * HOUR)
        self.start_server()
        wait_until(lambda: self.show(a["id"])["status"] == "closed",
                   what="the order to close by itself")
        hist = self.wo_json("disp", "history", str(a["id"]))
        self.assertEqual(hist[-1]["kind"], "close.auto")
        self.assertEqual(hist[-1]["actor"], "system")
        d = self.show(b["id"])
        self.assertEqual(d["status"], "disputed")
        # a dispute reopens the job for reassignment
        self.enroll("bob", "technician")
        self.wo("disp", "assign", str(b["id"]), "bob")
        self.assertEqual(self.show(b["id"])["status"], "reopened")
        self.wo("bob", "sync")
        self.wo("bob", "accept", str(b["id"]))
        self.wo("bob", "sync")
        self.assertEqual(self.show(b["id"])["status"], "accepted")
        # a completed order cannot be disputed once closed
        r = self.wo("disp", "dispute", str(a["id"]), "--reason", "late",
                    check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("order is closed", r.stderr)

    def test_unsatisfied_recipient_opens_a_dispute(self):
        o = self.create(assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        self.sign_off(wo)
        self.wo("alice", "cosign", wo, "--name", "Ann", "--code",
                o["recipient_code"], "--unsatisfied", "--comment",
                "noise is back")
        self.wo("alice", "sync")
        self.assertEqual(self.show(wo)["status"], "disputed")

    def test_escalation(self):
        self.enroll("root", "admin")
        self.enroll("bob", "technician")
        self.enroll("carol", "technician")
        self.wo("root", "tier", "bob", "L2")
        self.wo("root", "tier", "carol", "L2")
        busy = self.create(assign="carol")       # carol has more work
        o = self.create(assign="alice")
        wo = str(o["id"])
        self.watch("alice")
        r = self.wo("disp", "escalate", wo, "--reason", "needs a specialist",
                    "--to", "L3", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no technician of tier L3", r.stderr)
        self.wo("disp", "escalate", wo, "--reason", "needs a specialist")
        d = self.show(wo)
        self.assertEqual((d["tier"], d["assignee"], d["status"]),
                         ("L2", "bob", "assigned"))
        # pushed live: it leaves alice's laptop at once
        wait_until(lambda: "order %s left your list" % wo in
                   self.watch_log("alice"), what="the escalation push")
        hist = self.wo_json("disp", "history", wo)
        esc = [h for h in hist if h["kind"] == "escalate"]
        self.assertEqual(len(esc), 1)
        self.assertIn("L1 -> L2, needs a specialist", esc[0]["detail"])
        r = self.wo("disp", "escalate", wo, "--reason", "x", "--assign",
                    "alice", "--to", "L3", check=False)
        self.assertIn("alice is tier L1", r.stderr)
        self.assertEqual(self.show(busy["id"])["tier"], "L1")

    def test_breach_escalates_when_the_policy_says_so(self):
        self.enroll("root", "admin")
        self.enroll("bob", "technician")
        self.wo("root", "tier", "bob", "L2")
        old = self.create(title="Opened before", prio="P1", assign="alice")
        r = self.wo("root", "sla", "set", "P1", "--escalate", "maybe",
                    check=False)
        self.assertEqual(r.returncode, 2)
        self.wo("root", "sla", "set", "P1", "--escalate", "on")
        pol = {p["priority"]: p for p in self.wo_json("disp", "sla", "show")}
        self.assertEqual((pol["P1"]["escalate"], pol["P2"]["escalate"]),
                         (True, False))
        self.assertEqual(pol["P1"]["response_ms"], 15 * MIN)   # kept
        self.assertIn("escalates on breach",
                      self.wo("disp", "sla", "show").stdout)
        o = self.create(title="Server room hot", prio="P1", assign="alice")
        p2 = self.create(title="Door squeaks", prio="P2", assign="alice")
        wo = str(o["id"])
        self.watch("alice")
        self.watch("bob")
        self.advance(14 * MIN)
        self.ticked()
        self.assertEqual(self.show(wo)["tier"], "L1")
        self.advance(2 * MIN)               # the response target breached
        wait_until(lambda: self.show(wo)["assignee"] == "bob",
                   what="the order to move to the L2 technician")
        d = self.show(wo)
        self.assertEqual((d["tier"], d["status"]), ("L2", "assigned"))
        wait_until(lambda: "order %s left your list" % wo in
                   self.watch_log("alice"), what="the push to alice")
        wait_until(lambda: "order %s updated" % wo in self.watch_log("bob"),
                   what="the push to bob")
        esc = [h for h in self.wo_json("disp", "history", wo)
               if h["kind"] == "escalate"]
        self.assertEqual(len(esc), 1)
        self.assertEqual(esc[0]["actor"], "system")
        self.assertIn("L1 -> L2, response target breached", esc[0]["detail"])
        # the order opened under version 1 breached too, but stays
        self.assertEqual(self.show(old["id"])["tier"], "L1")
        # the resolution breach would take it to L3: nobody is L3
        self.advance(4 * HOUR)
        wait_until(lambda: any(h["kind"] == "escalate.failed" for h in
                               self.wo_json("disp", "history", wo)),
                   what="the failed escalation in the history")
        fail = [h for h in self.wo_json("disp", "history", wo)
                if h["kind"] == "escalate.failed"]
        self.assertIn("no technician of tier L3", fail[0]["detail"])
        self.assertEqual(self.show(wo)["assignee"], "bob")
        # P2's policy does not escalate: breached 4 h ago, still L1, alice
        d = self.show(p2["id"])
        self.assertEqual((d["tier"], d["assignee"]), ("L1", "alice"))
        # across a restart nothing escalates twice
        self.stop_server()
        self.start_server()
        self.ticked()
        hist = self.wo_json("disp", "history", wo)
        self.assertEqual([h["kind"] for h in hist].count("escalate"), 1)
        self.assertEqual([h["kind"] for h in hist].count("escalate.failed"),
                         1)

    def test_dispatcher_schedules_the_next_visit(self):
        o = self.create(title="Lift stuck", assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        self.wo("alice", "accept", wo)
        self.wo("alice", "visit", "start", wo)
        self.wo("alice", "note", wo, "gearbox worn, ordered GB-9")
        self.wo("alice", "part", wo, "FUSE-10", "--qty", "2")
        self.wo("alice", "visit", "end", wo, "--outcome", "needs-parts")
        self.wo("alice", "sync")
        self.assertEqual(self.show(wo)["status"], "on_hold_parts")
        self.watch("alice")
        # bad windows change nothing
        for args in (["--from", "+3h", "--to", "+1h"],
                     ["--from", "tomorrow", "--to", "+1h"],
                     ["--from", "+1h"]):
            r = self.wo("disp", "schedule", wo, *args, check=False)
            self.assertEqual(r.returncode, 2, args)
        r = self.wo("disp", "schedule", wo, "--from", "2020-01-01 08:00",
                    "--to", "2020-01-01 10:00", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("already ended", r.stderr)
        self.assertIsNone(self.show(wo)["visit_start"])
        self.wo("disp", "schedule", wo, "--from", "2030-03-04 09:00",
                "--to", "2030-03-04T11:30")
        d = self.show(wo)
        self.assertEqual(d["visit_start"], 1898845200000)
        self.assertEqual(d["visit_end"], d["visit_start"] + 150 * MIN)
        # it reaches the technician's laptop at once
        wait_until(lambda: self.wo_json("alice", "show", wo)["visit_start"]
                   == d["visit_start"], what="the window on alice's laptop")
        self.assertIn("next visit:  2030-03-04 09:00:00Z to "
                      "2030-03-04 11:30:00Z",
                      self.wo("alice", "show", wo).stdout)
        hist = self.wo_json("disp", "history", wo)
        self.assertEqual(hist[-1]["kind"], "schedule")
        self.assertEqual(hist[-1]["detail"],
                         "next visit 2030-03-04 09:00 to 2030-03-04 11:30 UTC")
        # the second visit uses the window up; the order shows both visits
        self.wo("alice", "visit", "start", wo)
        self.wo("alice", "part", wo, "GB-9", "--qty", "1", "--desc", "gearbox")
        self.wo("alice", "visit", "end", wo, "--outcome", "done")
        self.wo("alice", "sync")
        d = self.wo_json("disp", "show", wo)
        self.assertIsNone(d["visit_start"])
        self.assertEqual(len(d["visits"]), 2)
        self.assertEqual(sorted(p["part_no"] for p in d["parts"]),
                         ["FUSE-10", "GB-9"])
        self.assertEqual(self.wo_json("alice", "show", wo)["visit_start"],
                         None)
        # nothing to schedule on a finished job
        self.wo("alice", "sign", wo)
        self.wo("alice", "sync")
        r = self.wo("disp", "schedule", wo, "--from", "+1h", "--to", "+2h",
                    check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("order is completed, where schedule is not allowed",
                      r.stderr)

    def test_history_is_complete_and_append_only(self):
        o = self.create(assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        self.sign_off(wo)
        hist = self.wo_json("disp", "history", wo)
        self.assertEqual([h["kind"] for h in hist],
                         ["create", "assign", "accept", "depart",
                          "visit.start", "visit.end", "sign.technician"])
        for h in hist[2:]:
            self.assertEqual(h["actor"], "alice")
            self.assertIsNotNone(h["device"])
            self.assertIsNotNone(h["client_at"])
        self.assertIn("(device time ", self.wo("disp", "history", wo).stdout)
        db = sqlite3.connect(os.path.join(self.data, "server.db"))
        self.addCleanup(db.close)
        for sql in ("UPDATE changes SET actor = 'x'", "DELETE FROM changes",
                    "UPDATE ops SET result = 'rejected'", "DELETE FROM ops"):
            with self.assertRaises(sqlite3.DatabaseError) as e:
                db.execute(sql)
            self.assertIn("append-only", str(e.exception))

    def test_refused_move_names_state_and_allowed_moves(self):
        o = self.create(assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        self.wo("disp", "cancel", wo, "--reason", "duplicate")
        self.wo("alice", "accept", wo)           # offline, still assigned
        self.assertEqual(self.wo("alice", "sync", check=False).returncode, 3)
        out = self.wo_json("alice", "outbox")
        self.assertIn("order is cancelled", out[0]["reason"])
        self.assertIn("allowed moves now: none", out[0]["reason"])
        # the local check names the state and what is allowed from it
        p = self.create(assign="alice")
        self.wo("alice", "sync")
        r = self.wo("alice", "visit", "start", str(p["id"]), check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("order is assigned", r.stderr)
        self.assertRegex(r.stderr, r"allowed moves now: .*\baccept\b")


if __name__ == "__main__":
    unittest.main()
