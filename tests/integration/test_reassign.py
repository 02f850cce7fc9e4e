"""Issue 9: reassignment and time. What a technician did offline while they
held an order is a fact; no order gets stuck whatever a reassignment
interrupts; lateness is judged by every holding period."""
import os
import sqlite3
import subprocess
import time
import unittest

from harness import MIN, WO, ClockEnv, Env, wait_until

# how far alice takes an order before it is reassigned, as wo commands
STEPS = [
    [],
    [("accept",)],
    [("accept",), ("depart",)],
    [("accept",), ("visit", "start")],
    [("accept",), ("visit", "start"), ("visit", "end", "--outcome",
                                       "needs-parts")],
    [("accept",), ("visit", "start"), ("visit", "end", "--outcome",
                                       "customer-absent")],
    [("accept",), ("visit", "start"), ("visit", "end", "--outcome", "done")],
]


class Reassign(ClockEnv):
    def setUp(self):
        super().setUp()
        self.enroll("disp", "dispatcher")
        self.enroll("alice", "technician")
        self.enroll("bob", "technician")

    def do(self, who, wo, step):
        cmd = list(step)
        # "visit start" -> wo visit start WO; the rest -> wo CMD WO ...
        args = cmd[:2] + [wo] + cmd[2:] if cmd[0] == "visit" else \
            cmd[:1] + [wo] + cmd[1:]
        self.wo(who, *args)

    def finish(self, who, o):
        """Take the order from wherever it is to closed, as who."""
        wo = str(o["id"])
        self.wo(who, "sync")
        d = self.wo_json(who, "show", wo)
        if d["status"] in ("assigned", "reopened"):
            self.wo(who, "accept", wo)
        mine = [v for v in d["visits"] if v["tech"] == who and
                v["ended_at"] is None]
        if not mine:
            self.wo(who, "visit", "start", wo)
        self.wo(who, "visit", "end", wo, "--outcome", "done")
        self.wo(who, "sign", wo)
        self.wo(who, "cosign", wo, "--name", "Jo", "--code",
                o["recipient_code"])
        self.assertEqual(self.wo(who, "sync", check=False).returncode, 0,
                         self.wo_json(who, "outbox"))
        self.assertEqual(self.show(wo)["status"], "closed")

    def test_every_step_reassigned_then_finished(self):
        for steps in STEPS:
            for back in (False, True):
                with self.subTest(steps=steps, back=back):
                    o = self.create(assign="alice")
                    wo = str(o["id"])
                    self.wo("alice", "sync")
                    for s in steps:
                        self.do("alice", wo, s)
                    self.wo("alice", "sync")
                    self.wo("disp", "assign", wo, "bob")
                    if back:
                        # and back to alice before she does anything more
                        self.wo("disp", "assign", wo, "alice")
                        self.finish("alice", o)
                    else:
                        self.finish("bob", o)

    def test_a_former_holders_open_visit_ends_late(self):
        o = self.create(assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        self.wo("alice", "accept", wo)
        self.wo("alice", "visit", "start", wo)
        self.wo("alice", "sync")
        self.advance(10 * MIN)
        # alice, offline, ends her visit; meanwhile the order goes to bob
        self.wo("alice", "visit", "end", wo, "--outcome", "done")
        self.wo("disp", "assign", wo, "bob")
        self.wo("bob", "sync")
        self.wo("bob", "accept", wo)
        self.wo("bob", "visit", "start", wo)   # alice's open visit: no block
        self.assertEqual(self.wo("bob", "sync", check=False).returncode, 0)
        self.assertEqual(self.wo("alice", "sync", check=False).returncode, 0)
        d = self.show(wo)
        visits = {v["tech"]: v for v in d["visits"]}
        self.assertIsNotNone(visits["alice"]["ended_at"])
        self.assertIsNone(visits["bob"]["ended_at"])
        self.assertEqual(d["status"], "on_site")
        late = [h for h in self.wo_json("disp", "history", wo)
                if h["kind"] == "visit.end"]
        self.assertIn("late", late[0]["detail"])

    def test_a_disputed_order_reopens_to_its_holder(self):
        o = self.create(assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        for s in STEPS[-1]:
            self.do("alice", wo, s)
        self.wo("alice", "sign", wo)
        self.wo("alice", "sync")
        self.wo("disp", "dispute", wo, "--reason", "still leaks")
        self.wo("disp", "assign", wo, "alice")
        self.assertEqual(self.show(wo)["status"], "reopened")
        self.finish("alice", o)

    def test_an_on_time_offline_accept_counts_after_escalation(self):
        self.enroll("root", "admin")
        self.wo("root", "tier", "bob", "L2")
        self.wo("root", "sla", "set", "P1", "--escalate", "on")
        o = self.create(prio="P1", assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        self.advance(5 * MIN)
        self.wo("alice", "accept", wo)         # offline, on time
        self.wo("alice", "visit", "start", wo)
        self.advance(12 * MIN)                 # the server sees a breach
        wait_until(lambda: self.show(wo)["assignee"] == "bob",
                   what="the escalation to bob")
        self.assertEqual(self.wo("alice", "sync", check=False).returncode, 0)
        d = self.show(wo)
        hist = self.wo_json("disp", "history", wo)
        escalated = [h["at"] for h in hist if h["kind"] == "escalate"][0]
        # the response counts when it was done: within the target, and
        # long before the escalation the server made
        self.assertLessEqual(d["responded_at"], d["response_due"])
        self.assertLess(d["responded_at"], escalated - 10 * MIN)
        self.assertEqual((d["assignee"], d["status"]), ("bob", "assigned"))
        self.assertEqual([v["tech"] for v in d["visits"]], ["alice"])
        fixed = [h for h in hist if h["kind"] == "sla.corrected"]
        self.assertEqual(len(fixed), 1)
        self.assertIn("did not happen", fixed[0]["detail"])
        rep = {r["priority"]: r for r in self.wo_json("disp", "report", "sla")}
        self.assertEqual((rep["P1"]["response_met"],
                          rep["P1"]["response_missed"]), (1, 0))

    def test_late_is_judged_by_every_holding_period(self):
        o = self.create(assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        self.wo("alice", "note", wo, "while mine")
        self.wo("alice", "sync")
        self.advance(MIN)
        self.wo("disp", "assign", wo, "bob")
        self.advance(MIN)
        self.wo("alice", "note", wo, "while away")   # offline, not synced
        self.advance(MIN)
        self.wo("disp", "assign", wo, "alice")
        self.advance(MIN)
        self.wo("alice", "sync")
        notes = {n["text"]: n["late"] for n in self.show(wo)["notes"]}
        self.assertEqual(notes, {"while mine": False, "while away": True})

    def test_state_problems_exit_1_not_2(self):
        o = self.create(assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        self.wo("alice", "accept", wo)
        r = self.wo("alice", "visit", "end", wo, "--outcome", "done",
                    check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no visit of yours is open", r.stderr)
        r = self.wo("alice", "sign", wo, check=False)
        self.assertEqual(r.returncode, 1)


class ServerTrouble(Env):
    def test_one_shot_sync_retries_after_a_5xx(self):
        self.enroll("disp", "dispatcher")
        self.enroll("alice", "technician")
        o = self.create(assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        self.wo("alice", "note", wo, "written while the store is stuck")
        # another process holds the store's write lock: the group commit
        # fails (busy) and the server answers 503
        db = sqlite3.connect(os.path.join(self.data, "server.db"),
                             isolation_level=None)
        self.addCleanup(db.close)
        db.execute("BEGIN EXCLUSIVE")
        p = subprocess.Popen([WO, "--home", self.home("alice"), "sync"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        wait_until(lambda: "group commit failed" in self.server_log(),
                   timeout=60, what="the group commit to fail")
        # the log names SQLite's own cause, not the rollback after it
        self.assertIn("database is locked", self.server_log())
        # the SLA tick does not wait for the lock (it would stall the loop
        # for the busy timeout twice a second): it is skipped, and said so
        wait_until(lambda: "write lock is held by another connection" in
                   self.server_log(), timeout=60, what="the skipped ticks")
        db.execute("ROLLBACK")
        out, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, err)
        self.assertIn("retrying in", err)
        self.assertIn("1 applied", out)
        notes = [n["text"] for n in self.wo_json("disp", "show", wo)["notes"]]
        self.assertEqual(notes, ["written while the store is stuck"])
        wait_until(lambda: "the store is free again" in self.server_log(),
                   timeout=60, what="the ticks to go on")


class DeviceTime(ClockEnv):
    def setUp(self):
        super().setUp()
        self.enroll("disp", "dispatcher")
        self.enroll("alice", "technician")

    def env(self, skew_ms=0, boot=None):
        e = dict(os.environ, WO_TEST_SKEW_MS=str(skew_ms))
        if boot:
            e["WO_TEST_BOOT_ID"] = boot
        return e

    def test_turning_the_clock_back_does_not_turn_a_breach_into_a_met(self):
        o = self.create(prio="P1", assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync", env=self.env(boot="b1"))
        self.advance(20 * MIN)                 # 15 min target: breached
        wait_until(lambda: "response.breach" in
                   [a["kind"] for a in self.alerts()], what="the breach")
        # the technician sets the laptop 20 minutes back, then accepts
        self.wo("alice", "accept", wo, env=self.env(-20 * MIN, "b1"))
        self.wo("alice", "sync", env=self.env(0, "b1"))
        d = self.show(wo)
        self.assertGreater(d["responded_at"], d["response_due"])
        acc = [h for h in self.wo_json("disp", "history", wo)
               if h["kind"] == "accept"][0]
        # the device time is kept beside the server's judgement
        self.assertLess(acc["client_at"], d["response_due"])
        self.assertNotIn("laptop's clock", acc["detail"])

    def test_a_restarted_laptop_is_timed_by_its_clock_within_bounds(self):
        o = self.create(assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync", env=self.env(boot="b1"))
        synced = self.offset
        self.advance(5 * MIN)
        # restarted, with a clock set to 1970: kept at the last sync
        self.wo("alice", "accept", wo,
                env=self.env(-self.now_ms(), "b2"))
        self.wo("alice", "sync", env=self.env(0, "b2"))
        d = self.show(wo)
        acc = [h for h in self.wo_json("disp", "history", wo)
               if h["kind"] == "accept"][0]
        self.assertIn("restarted since", acc["detail"])
        self.assertGreaterEqual(d["responded_at"], d["created_at"])
        self.assertLessEqual(d["responded_at"] - d["created_at"],
                             self.offset - synced + 5 * MIN)

    def test_a_fast_laptop_does_not_show_the_office_the_future(self):
        o = self.create(assign="alice")
        wo = str(o["id"])
        fast = self.env(3 * 24 * 60 * MIN, "b1")     # three days fast
        self.wo("alice", "sync", env=fast)
        self.wo("alice", "accept", wo, env=fast)
        self.wo("alice", "visit", "start", wo, env=fast)
        self.wo("alice", "note", wo, "on site", env=fast)
        self.wo("alice", "sync", env=fast)
        d = self.show(wo)
        v, n = d["visits"][0], d["notes"][0]
        self.assertGreater(v["started_at"] - d["created_at"], 2 * 24 * 60 * MIN)
        self.assertLess(v["started_srv"] - d["created_at"], MIN)
        self.assertLess(n["at_srv"] - d["created_at"], MIN)
        line = [l for l in self.wo("disp", "show", wo).stdout.splitlines()
                if l.strip().startswith("visit")][0]
        self.assertIn("device clock:", line)

    def now_ms(self):
        return int(time.time() * 1000) + self.offset


CA_CNF = """[ca]
default_ca = d
[d]
database = db/index
serial = db/serial
new_certs_dir = db
default_md = sha256
policy = p
copy_extensions = copy
unique_subject = no
[p]
commonName = supplied
[ext]
subjectAltName = IP:127.0.0.1,DNS:localhost
"""


class Clocks(Env):
    def openssl(self, *args):
        subprocess.run(["openssl"] + list(args), cwd=self.pki, check=True,
                       capture_output=True)

    def cert(self, name, start, end):
        """A server certificate of our own CA valid from start to end."""
        self.openssl("req", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                     name + ".key", "-out", name + ".csr", "-subj",
                     "/CN=localhost")
        self.openssl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem",
                     "-keyfile", "ca.key", "-in", name + ".csr", "-out",
                     name + ".pem", "-startdate", start, "-enddate", end,
                     "-extensions", "ext")
        return ["--cert", os.path.join(self.pki, name + ".pem"), "--key",
                os.path.join(self.pki, name + ".key")]

    def test_a_clock_that_is_off_is_told_so(self):
        # the development certificate accepts clocks months behind
        r = subprocess.run(["openssl", "x509", "-in",
                            os.path.join(self.data, "tls", "server.pem"),
                            "-noout", "-checkend", "0", "-startdate"],
                           capture_output=True, text=True, check=True)
        line = [l for l in r.stdout.splitlines() if "notBefore" in l][0]
        start = subprocess.run(["date", "-d", line.split("=", 1)[1], "+%s"],
                               capture_output=True, text=True,
                               check=True).stdout
        self.assertLess(int(start), int(time.time()) - 300 * 86400)

        self.pki = os.path.join(self.dir, "pki")
        os.makedirs(os.path.join(self.pki, "db"))
        open(os.path.join(self.pki, "db", "index"), "w").close()
        with open(os.path.join(self.pki, "db", "serial"), "w") as f:
            f.write("01\n")
        with open(os.path.join(self.pki, "ca.cnf"), "w") as f:
            f.write(CA_CNF)
        self.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                     "-out", "ca.pem", "-subj", "/CN=test CA", "-days", "30")
        now = self.cert("now", "20200101000000Z", "20991231000000Z")
        later = self.cert("later", "20980101000000Z", "20991231000000Z")
        self.stop_server()
        self.start_server(*now)
        # alice's laptop runs three hours ahead of the server
        skew = os.path.join(self.dir, "skew")
        with open(skew, "w") as f:
            f.write("%d\n" % (3 * 60 * MIN))
        env = dict(os.environ, WO_TEST_CLOCK=skew)
        code = self.add_user("alice", "technician")
        self.wo("alice", "enroll", "--server", self.url(), "--ca",
                os.path.join(self.pki, "ca.pem"), "--code", code, env=env)
        r = self.wo("alice", "sync", env=env)
        self.assertIn("your clock is off by 180 min (ahead)", r.stderr)
        # a certificate this laptop's clock cannot accept: say why
        self.stop_server()
        self.start_server(*later)
        r = self.wo("alice", "sync", env=env, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("your clock is off by 3 h 0 min (ahead)", r.stderr)


if __name__ == "__main__":
    unittest.main()
