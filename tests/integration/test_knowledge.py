"""Issue 4, audit and knowledge: search of past resolutions (SQLite FTS5 on
the server, and offline in a technician's replica for the assets on that
technician's orders), and the office's reports in text, --json and --csv,
with time moved by the test's clock."""
import csv
import io
import os
import sqlite3

from harness import HOUR, MIN, ClockEnv, wait_until


class Knowledge(ClockEnv):
    def setUp(self):
        super().setUp()
        self.enroll("disp", "dispatcher")
        self.enroll("alice", "technician")

    def close_job(self, tech, o, note=None, part=None):
        """Take order o through to a satisfied co-signature."""
        wo = str(o["id"])
        self.wo(tech, "sync")
        self.wo(tech, "accept", wo)
        self.wo(tech, "visit", "start", wo)
        if note:
            self.wo(tech, "note", wo, note)
        if part:
            self.wo(tech, "part", wo, part[0], "--qty", "1", "--desc",
                    part[1])
        self.wo(tech, "visit", "end", wo, "--outcome", "done")
        self.wo(tech, "sign", wo)
        self.wo(tech, "cosign", wo, "--name", "Ann", "--code",
                o["recipient_code"])
        self.wo(tech, "sync")
        self.assertEqual(self.show(wo)["status"], "closed")

    def test_search_past_resolutions_offline(self):
        self.enroll("bob", "technician")
        a = self.create(title="Chiller trips on high pressure", asset="CH-7",
                        description="compressor trips every afternoon",
                        assign="alice")
        self.close_job("alice", a,
                       note="condenser coils clogged; cleaned, fan motor "
                            "replaced",
                       part=("FAN-220", "condenser fan motor"))
        b = self.create(title="Air handler noisy", asset="AHU-2",
                        assign="alice")
        self.close_job("alice", b, note="worn belt replaced")
        # bob gets a new job on CH-7: its past comes with it
        n = self.create(title="Chiller trips again", asset="CH-7",
                        assign="bob")
        out = self.wo("bob", "sync").stdout
        self.assertIn("1 past resolutions", out)
        self.stop_server()                      # bob is offline on site
        hits = self.wo_json("bob", "search", "condenser")
        self.assertEqual([h["wo"] for h in hits], [a["id"]])
        self.assertEqual(hits[0]["asset"], "CH-7")
        self.assertIn("[condenser]", hits[0]["snippet"])
        text = self.wo("bob", "search", "fan", "motor").stdout
        self.assertIn("order %d" % a["id"], text)
        self.assertIn("[CH-7] Chiller trips on high pressure", text)
        # by part number, by problem, by prefix
        self.assertEqual([h["wo"] for h in
                          self.wo_json("bob", "search", "FAN-220")], [a["id"]])
        self.assertEqual([h["wo"] for h in
                          self.wo_json("bob", "search", "afternoon")],
                         [a["id"]])
        self.assertEqual([h["wo"] for h in
                          self.wo_json("bob", "search", "compress*")],
                         [a["id"]])
        # all words must match; AHU-2 is not on bob's orders
        self.assertEqual(self.wo_json("bob", "search", "condenser", "belt"),
                         [])
        self.assertEqual(self.wo_json("bob", "search", "belt"), [])
        self.assertEqual(self.wo_json("bob", "search", "condenser",
                                      "--asset", "AHU-2"), [])
        self.assertIn("no past resolution matches",
                      self.wo("bob", "search", "gearbox").stdout)
        # words that look like FTS5 syntax are only words
        for words in (['"fan'], ["AND", "(", "OR"], ["NEAR(fan"], ["*"],
                      ["col:x"]):
            r = self.wo("bob", "search", *words, check=False)
            self.assertEqual(r.returncode, 0, (words, r.stderr))
        r = self.wo("bob", "search", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage", r.stderr)
        # the office searches everything on the server
        self.start_server()
        hits = self.wo_json("disp", "search", "belt")
        self.assertEqual([h["wo"] for h in hits], [b["id"]])
        self.assertEqual(self.wo_json("disp", "search", "replaced",
                                      "--asset", "AHU-2")[0]["wo"], b["id"])
        self.assertEqual(len(self.wo_json("disp", "search", "replaced")), 2)
        # an open order is not a past resolution
        self.assertEqual(self.wo_json("disp", "search", "again"), [])
        # one closing while bob watches reaches his laptop at once
        self.watch("bob")
        c = self.create(title="Chiller oil low", asset="CH-7", assign="alice")
        self.close_job("alice", c, note="topped up oil, found leak at valve")
        wait_until(lambda: "past resolution %d (CH-7)" % c["id"] in
                   self.watch_log("bob"), what="the live past resolution")
        hits = self.wo_json("bob", "search", "valve")
        self.assertEqual([h["wo"] for h in hits], [c["id"]])
        # a job on another asset assigned while he watches brings its past
        self.create(title="Air handler rattles", asset="AHU-2", assign="bob")
        wait_until(lambda: "past resolution %d (AHU-2)" % b["id"] in
                   self.watch_log("bob"), what="the past of a new asset")
        self.assertEqual([h["wo"] for h in
                          self.wo_json("bob", "search", "belt")], [b["id"]])
        # the replica keeps it searchable after bob's own job is gone
        self.wo("disp", "cancel", str(n["id"]), "--reason", "duplicate")
        wait_until(lambda: n["id"] not in self.list_ids("bob"),
                   what="the cancelled order to leave bob's laptop")
        self.assertEqual(len(self.wo_json("bob", "search", "chiller")), 2)
        rep = sqlite3.connect(os.path.join(self.home("bob"), "replica.db"))
        self.addCleanup(rep.close)
        self.assertEqual(rep.execute("PRAGMA integrity_check").fetchone()[0],
                         "ok")
        rep.execute("INSERT INTO past_fts(past_fts, rank) "
                    "VALUES ('integrity-check', 0)")   # raises if out of step

    def test_index_follows_late_notes_and_survives_restart(self):
        """The server's index is written by triggers in the transaction
        that closes the order, from the records synced in the same batch;
        no record lands on it after (issue 10: it would stand outside both
        signatures)."""
        a = self.create(title="Pump seal", asset="P-1", assign="alice")
        wo = str(a["id"])
        self.wo("alice", "sync")
        self.wo("alice", "accept", wo)
        self.wo("alice", "visit", "start", wo)
        self.wo("alice", "note", wo, "mechanical seal swapped for viton")
        self.wo("alice", "visit", "end", wo, "--outcome", "done")
        self.wo("alice", "sign", wo)
        self.wo("alice", "cosign", wo, "--name", "Ann", "--code",
                a["recipient_code"])
        r = self.wo("alice", "note", wo, "one more thing", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("order is closed", r.stderr)
        self.wo("alice", "sync")
        self.assertEqual(self.show(wo)["status"], "closed")
        self.stop_server(sig_kill=True)
        self.start_server()
        self.assertEqual([h["wo"] for h in
                          self.wo_json("disp", "search", "viton")], [a["id"]])
        db = sqlite3.connect(os.path.join(self.data, "server.db"))
        self.addCleanup(db.close)
        # raises if the index disagrees with its content
        db.execute("INSERT INTO knowledge(knowledge, rank) "
                   "VALUES ('integrity-check', 0)")
        self.assertEqual(db.execute("SELECT count(*) FROM knowledge")
                         .fetchone()[0], 1)

    def report(self, *args):
        return self.wo_json("disp", "report", *args)

    def test_reports(self):
        self.enroll("bob", "technician")
        t0 = self.offset
        # CH-7 fails twice, "Pump, north" once (a comma for CSV quoting)
        a = self.create(title="Chiller 1", prio="P1", asset="CH-7",
                        assign="alice")
        self.advance(5 * MIN)
        self.close_job("alice", a, note="reset")          # in time
        b = self.create(title="Chiller 2", prio="P1", asset="CH-7",
                        assign="alice")
        self.advance(20 * MIN)                            # accepted late
        self.wo("alice", "sync")
        self.wo("alice", "accept", str(b["id"]))
        self.wo("alice", "sync")
        c = self.create(title="Pump", prio="P2", asset="Pump, north",
                        assign="bob")
        self.advance(2 * HOUR)                            # c breached
        self.ticked()
        da, db_ = self.show(a["id"]), self.show(b["id"])

        assets = self.report("assets")
        self.assertEqual([(r["asset"], r["orders"]) for r in assets],
                         [("CH-7", 2), ("Pump, north", 1)])
        self.assertEqual((assets[0]["open"], assets[0]["done"],
                          assets[0]["visits"]), (1, 1, 1))
        self.assertEqual(self.report("assets", "--limit", "1"), assets[:1])

        sla = {r["priority"]: r for r in self.report("sla")}
        self.assertEqual(sorted(sla), ["P1", "P2", "P3"])
        p1 = sla["P1"]
        self.assertEqual((p1["orders"], p1["response_met"],
                          p1["response_missed"], p1["response_pct"]),
                         (2, 1, 1, 50))
        self.assertEqual((p1["resolve_met"], p1["resolve_missed"]), (1, 0))
        self.assertEqual(p1["resolve_pct"], 100)
        p2 = sla["P2"]
        self.assertEqual((p2["orders"], p2["response_met"],
                          p2["response_missed"]), (1, 0, 1))
        self.assertIsNone(sla["P3"]["response_pct"])

        times = {r["priority"]: r for r in self.report("times")}
        resp = [d["responded_at"] - d["created_at"] for d in (da, db_)]
        self.assertAlmostEqual(times["P1"]["mean_response_ms"],
                               sum(resp) / 2, delta=1)
        self.assertEqual(times["P1"]["mean_resolve_ms"],
                         da["resolved_at"] - da["created_at"])
        self.assertIsNone(times["P2"]["mean_response_ms"])
        self.assertIn("P1", self.wo("disp", "report", "times").stdout)

        work = {r["technician"]: r for r in self.report("workload")}
        self.assertEqual((work["alice"]["open"], work["alice"]["done"],
                          work["alice"]["visits"]), (1, 1, 1))
        self.assertEqual((work["bob"]["open"], work["bob"]["done"]), (1, 0))

        # CSV: a header, quoted where needed, numbers as they are
        out = self.wo("disp", "report", "assets", "--csv").stdout
        rows = list(csv.reader(io.StringIO(out)))
        self.assertEqual(rows[0], ["asset", "orders", "open", "done",
                                   "visits"])
        self.assertEqual(rows[2], ["Pump, north", "1", "1", "0", "0"])
        self.assertIn('"Pump, north"', out)
        out = self.wo("disp", "report", "sla", "--csv").stdout
        rows = list(csv.reader(io.StringIO(out)))
        self.assertEqual(rows[1][:5], ["P1", "2", "1", "1", "50"])
        self.assertEqual(rows[3][4], "")               # P3: no value
        text = self.wo("disp", "report", "sla").stdout
        self.assertIn("SLA compliance by priority", text)
        self.assertIn("50%", text)

        # the period: orders opened in [since, until)
        self.assertEqual(self.report("assets", "--until", "2020-01-01"), [])
        self.assertIn("nothing in that period",
                      self.wo("disp", "report", "assets", "--until",
                              "2020-01-01").stdout)
        self.assertEqual(self.report("assets", "--since", "+1h", "--until",
                                     "+2h"), [])
        late = self.report("assets", "--since", "-%dm" %
                           ((self.offset - t0) // MIN - 2))
        self.assertEqual([(r["asset"], r["orders"]) for r in late],
                         [("CH-7", 1), ("Pump, north", 1)])
        # bad input: a clear error, exit 2, whether the client or the
        # server finds it (an empty period, an unknown customer)
        for args in (["nope"], [], ["sla", "--since", "yesterday"],
                     ["sla", "--json", "--csv"], ["sla", "--asset", "x"]):
            r = self.wo("disp", "report", *args, check=False)
            self.assertEqual(r.returncode, 2, args)
        r = self.wo("disp", "report", "sla", "--since", "2026-02-01",
                    "--until", "2026-01-01", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--since must come before --until", r.stderr)
        # reports are the office's
        r = self.wo("alice", "report", "sla", check=False)
        self.assertEqual(r.returncode, 1)


if __name__ == "__main__":
    import unittest
    unittest.main()
