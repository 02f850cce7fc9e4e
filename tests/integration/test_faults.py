"""Issue 3: sync loses nothing under random faults.

Each schedule starts a real wo-server, a dispatcher and three technicians
whose clients reach the server through a fault-injecting TCP proxy
(faultproxy.py), and runs a random, seeded sequence of: dispatcher create,
assign, reassign, cancel; technician ops while online and offline;
connection cuts at random byte offsets, stalls, network loss; SIGKILL and
restart of the server and of clients (watchers and one-shot syncs, caught
anywhere, including halfway through applying a batch). Then it heals the
network, lets everything settle, and checks guarantees 1-7 of docs/sync.md
by reading the server store and every replica.

Environment:
  WO_FAULT_SEED=N        run that one seed alone (failures print it)
  WO_FAULT_SCHEDULES=N   schedules to run (default 12)
  WO_FAULT_STEPS=N       steps per schedule (default 80)
  WO_FAULT_SOAK_MIN=M    soak mode: keep running new seeds for M minutes
"""
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import unittest

from harness import WO, Env, wait_until

TECHS = ("t1", "t2", "t3")
OUTCOMES = ("done", "done", "needs-parts", "customer-absent")


class World(Env):
    """One schedule's world: server, proxy, dispatcher, technicians."""

    def _world(self):   # World is driven by Faults, not run as a test
        pass

    def setUp(self):
        super().setUp()
        # the dispatcher talks to the server directly: the schedule needs
        # to know whether each of its commands happened
        self.enroll("disp", "dispatcher")
        self.use_proxy()            # technicians reach it through faults
        for t in TECHS:
            self.enroll(t, "technician")
        self.codes = {}             # order id -> recipient code
        self.recorded = {t: [] for t in TECHS}   # op ids, in order
        self.bg = {t: [] for t in TECHS}         # running sync processes
        self.faults = {"server_kills": 0, "client_kills": 0,
                       "cuts_all": 0, "stalls": 0, "network_down": 0,
                       "offset_cut_windows": 0}
        self.ops = {"created": 0, "assigned": 0, "cancelled": 0,
                    "tech_ops": 0, "tech_refused_locally": 0}


class Faults(unittest.TestCase):
    def test_random_schedules(self):
        seed = os.environ.get("WO_FAULT_SEED")
        steps = int(os.environ.get("WO_FAULT_STEPS", "80"))
        soak = float(os.environ.get("WO_FAULT_SOAK_MIN", "0"))
        first = (int(seed) if seed is not None
                 else int(time.time()) % 100000 * 100)
        count = (1 if seed is not None
                 else int(os.environ.get("WO_FAULT_SCHEDULES", "12")))
        end = time.monotonic() + soak * 60
        totals = {}
        done = 0
        # seeds first, first + 1, ...: count of them, or until the soak ends
        while (time.monotonic() < end) if soak else done < count:
            s = first + done
            print("schedule seed %d ..." % s, file=sys.stderr, flush=True)
            w = World("_world")
            try:
                w.setUp()
                stats = Schedule(w, random.Random(s), steps).run()
            except BaseException:
                print("FAILED: schedule seed %d (rerun alone with "
                      "WO_FAULT_SEED=%d)" % (s, s), file=sys.stderr)
                raise
            finally:
                w.doCleanups()
            print("  " + ", ".join("%s=%d" % kv for kv in
                                   sorted(stats.items())), file=sys.stderr)
            for k, v in stats.items():
                totals[k] = totals.get(k, 0) + v
            done += 1
        print("fault schedules run: %d (%d steps each)" % (done, steps),
              file=sys.stderr)
        print("faults injected: " + ", ".join(
            "%s=%d" % kv for kv in sorted(totals.items())), file=sys.stderr)
        self.assertGreater(done, 0)


class Schedule:
    def __init__(self, w, rng, steps):
        self.w, self.rng, self.steps = w, rng, steps

    # -- actions -------------------------------------------------------------
    def disp(self, *args):
        w = self.w
        if w.server.poll() is not None:
            return None
        r = w.wo("disp", *args, "--json", check=False)
        return r if r.returncode == 0 else None

    def create(self):
        w, rng = self.w, self.rng
        args = ["create", "--title", "job %d" % rng.randrange(10**6),
                "--priority", rng.choice(("P1", "P2", "P3"))]
        if rng.random() < 0.8:
            args += ["--assign", rng.choice(TECHS)]
        r = self.disp(*args)
        if r:
            o = json.loads(r.stdout)
            w.codes[o["id"]] = o["recipient_code"]
            w.ops["created"] += 1

    def assign(self):
        w = self.w
        if not w.codes:
            return
        wo = self.rng.choice(sorted(w.codes))
        if self.disp("assign", str(wo), self.rng.choice(TECHS)):
            w.ops["assigned"] += 1

    def cancel(self):
        w = self.w
        if not w.codes:
            return
        wo = self.rng.choice(sorted(w.codes))
        if self.disp("cancel", str(wo), "--reason", "customer withdrew"):
            w.ops["cancelled"] += 1

    def tech_op(self):
        w, rng = self.w, self.rng
        t = rng.choice(TECHS)
        r = w.wo(t, "list", "--json", check=False)
        if r.returncode != 0:
            return
        orders = json.loads(r.stdout)
        if not orders:
            return
        o = rng.choice(orders)
        wo, st = str(o["id"]), o["status"]
        choices = [("note", wo, "note %d" % rng.randrange(10**9)),
                   ("part", wo, "P-%d" % rng.randrange(1000), "--qty",
                    str(rng.randint(1, 5)), "--serial",
                    "SN%d" % rng.randrange(10**6))]
        if st == "assigned":
            choices.append(("accept", wo))
        if st in ("accepted", "on_hold_parts", "on_hold_customer"):
            choices.append(("visit", "start", wo))
            choices.append(("sign", wo))
        if st == "on_site":
            choices.append(("visit", "end", wo, "--outcome",
                            rng.choice(OUTCOMES)))
        if st == "completed":
            code = w.codes.get(o["id"], "00000000")
            if rng.random() < 0.15:
                code = "99999999"           # wrong: the server rejects it
            extra = (["--unsatisfied", "--comment", "still leaking"]
                     if rng.random() < 0.3 else [])
            choices.append(("cosign", wo, "--name", "Recipient", "--code",
                            code) + tuple(extra))
        # state-changing ops twice as likely as notes and parts
        weights = [1, 1] + [2] * (len(choices) - 2)
        args = rng.choices(choices, weights)[0]
        r = w.wo(t, *args, check=False)
        m = re.search(r"\(op ([0-9a-f-]+);", r.stdout)
        if r.returncode == 0 and m:
            w.recorded[t].append(m.group(1))
            w.ops["tech_ops"] += 1
        else:
            w.ops["tech_refused_locally"] += 1

    def start_sync(self, watch):
        w = self.w
        t = self.rng.choice(TECHS)
        w.bg[t] = [p for p in w.bg[t] if p.poll() is None]
        if watch and any(getattr(p, "watch", False) for p in w.bg[t]):
            return
        log = open(os.path.join(w.dir, "bg-%s.log" % t), "a")
        args = [WO, "--home", w.home(t), "sync"] + (["--watch"] if watch
                                                    else [])
        p = subprocess.Popen(args, stdout=log, stderr=log)
        log.close()
        p.watch = watch
        w.procs.append(p)
        w.bg[t].append(p)

    def kill_client(self):
        w = self.w
        live = [p for t in TECHS for p in w.bg[t] if p.poll() is None]
        if live:
            # let it get somewhere first: mid-push, mid-catch-up
            time.sleep(self.rng.random() * 0.3)
            p = self.rng.choice(live)
            p.kill()
            p.wait()
            w.faults["client_kills"] += 1

    def kill_server(self):
        w = self.w
        if w.server.poll() is None:
            time.sleep(self.rng.random() * 0.2)
            w.stop_server(sig_kill=True)
            w.faults["server_kills"] += 1
        if self.rng.random() < 0.8:
            w.start_server()

    def ensure_server(self):
        if self.w.server.poll() is not None:
            self.w.start_server()

    def network(self):
        w, p, rng = self.w, self.w.proxy, self.rng
        x = rng.random()
        if x < 0.3:
            p.cut_all()
            w.faults["cuts_all"] += 1
        elif x < 0.6:
            # cut the next connections at a random byte offset, either way
            p.cut_after(lambda: (rng.randrange(2), rng.randrange(60, 6000)))
            w.faults["offset_cut_windows"] += 1
        elif x < 0.75:
            p.stall(True)
            w.faults["stalls"] += 1
            time.sleep(rng.random() * 0.8)
            p.stall(False)
        elif x < 0.9:
            p.down(not p.is_down)
            w.faults["network_down"] += p.is_down
        else:
            p.heal()

    # -- the run -------------------------------------------------------------
    def run(self):
        actions = [(self.create, 4), (self.assign, 3), (self.cancel, 1),
                   (self.tech_op, 14),
                   (lambda: self.start_sync(True), 3),
                   (lambda: self.start_sync(False), 5),
                   (self.kill_client, 2), (self.kill_server, 1),
                   (self.ensure_server, 1), (self.network, 5),
                   (lambda: time.sleep(self.rng.random() * 0.3), 2)]
        fns = [a for a, _ in actions]
        weights = [wt for _, wt in actions]
        # a few orders to start with, so technicians have work at once
        for _ in range(3):
            self.create()
        for _ in range(self.steps):
            self.rng.choices(fns, weights)[0]()
        self.settle()
        self.check()
        stats = dict(self.w.faults)
        stats.update(self.w.ops)
        stats.update({"proxy_" + k: v
                      for k, v in self.w.proxy.stats.items()})
        return stats

    def settle(self):
        w = self.w
        w.proxy.heal()
        self.ensure_server()
        for t in TECHS:
            for p in w.bg[t]:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in w.bg[t]:
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        # round 1: every outbox drains (ops applied or rejected); round 2:
        # every replica catches up with what round 1 changed
        for _ in range(2):
            for t in TECHS:
                def drained(t=t):
                    r = w.wo(t, "sync", check=False)
                    if r.returncode not in (0, 3):
                        return False
                    return all(o["state"] != "pending"
                               for o in w.wo_json(t, "outbox"))
                wait_until(drained, timeout=60,
                           what="outbox of %s to drain" % t)

    # -- the guarantees ------------------------------------------------------
    def check(self):
        w = self.w
        srv = w.server_db()
        tc = w
        tc.assertEqual(srv.execute("PRAGMA integrity_check").fetchone()[0],
                       "ok")
        # none applied twice: each op id made at most one change
        dup = srv.execute(
            "SELECT detail, count(*) FROM changes WHERE kind != "
            "'op.rejected' AND detail LIKE 'op %' GROUP BY "
            "substr(detail, 4, 36) HAVING count(*) > 1").fetchall()
        tc.assertEqual(dup, [], "an op was applied twice")
        for t in TECHS:
            self.check_tech(srv, w.replica(t), t)

    def check_tech(self, srv, rep, t):
        tc = self.w
        tc.assertEqual(rep.execute("PRAGMA integrity_check").fetchone()[0],
                       "ok")
        uid = srv.execute("SELECT id FROM users WHERE name = ?",
                          (t,)).fetchone()[0]
        # G1: every recorded op reached the server, once; rejected ones are
        # shown to the technician with the server's reason
        server_ops = {r[0]: (r[1], r[2]) for r in srv.execute(
            "SELECT o.id, o.result, o.reason FROM ops o JOIN devices d ON "
            "d.id = o.device_id WHERE d.user_id = ?", (uid,))}
        outbox = {r[0]: (r[1], r[2]) for r in rep.execute(
            "SELECT id, state, reason FROM outbox")}
        recorded = self.w.recorded[t]
        tc.assertEqual(set(server_ops), set(recorded),
                       "%s: ops recorded vs ops on the server" % t)
        tc.assertEqual(len(recorded), len(set(recorded)))
        for op in recorded:
            result, reason = server_ops[op]
            if result == "applied":
                tc.assertNotIn(op, outbox, "%s: applied op %s still in "
                               "the outbox" % (t, op))
            else:
                tc.assertEqual(outbox.get(op), ("rejected", reason),
                               "%s: rejected op %s not shown with its "
                               "reason" % (t, op))
        tc.assertEqual(set(outbox) - set(recorded), set())
        # G4: the replica equals the server's view of the scope
        scope = sorted(srv.execute(
            "SELECT o.id, o.seq, o.title, o.description, o.site, o.asset, "
            "o.requester, o.contact, o.priority, o.status, u.name, "
            "o.created_at, o.updated_at FROM orders o JOIN users u ON "
            "u.id = o.assignee_id WHERE o.assignee_id = ? AND o.status NOT "
            "IN ('closed', 'cancelled')", (uid,)))
        mine = sorted(rep.execute(
            "SELECT id, seq, title, description, site, asset, requester, "
            "contact, priority, status, assignee, created_at, updated_at "
            "FROM orders"))
        tc.assertEqual(mine, scope, "%s: replica orders differ" % t)
        ids = [o[0] for o in scope]
        q = ",".join("?" * len(ids))
        for table, cols in (
                ("visits", "id, order_id, tech, started_at, ended_at, "
                           "outcome"),
                ("parts", "id, order_id, author, at, part_no, qty, descr, "
                          "serials, late"),
                ("notes", "id, order_id, author, at, body, late"),
                ("signatures", "id, order_id, role, signer, device_id, "
                               "signed_at, satisfied, comment, statement, "
                               "sig")):
            want = sorted(srv.execute(
                "SELECT %s FROM %s WHERE order_id IN (%s)" % (cols, table, q),
                ids))
            have = sorted(rep.execute("SELECT %s FROM %s" % (cols, table)))
            tc.assertEqual(have, want, "%s: replica %s differ" % (t, table))
        tc.assertEqual(rep.execute(
            "SELECT count(*) FROM outbox WHERE state = 'pending'"
        ).fetchone()[0], 0)
        cursor = int(rep.execute("SELECT value FROM config WHERE key = "
                                 "'cursor'").fetchone()[0])
        tc.assertLessEqual(cursor, srv.execute(
            "SELECT max(seq) FROM changes").fetchone()[0])


if __name__ == "__main__":
    unittest.main()
