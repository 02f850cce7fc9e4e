"""Issue 12: the dispatcher sees the field. Through the real server and
clients on the test clock: presence (online, offline, last seen),
delivery receipts (stored, first opened offline and synced later), each
laptop's sync health (unsent ops and their age, lag, version, the last
rejected op), the activity feed on a dispatcher's `wo sync --watch`, the
board's headers, filters and --all, `wo techs --json`, due times and why
an order came to a technician, local time (Asia/Jakarta) and Bahasa
Indonesia."""
import calendar
import json
import os
import sqlite3
import subprocess
import time
import unittest

from harness import HOUR, MIN, WO, ClockEnv, wait_until


def tech(techs, name):
    return [t for t in techs if t["user"] == name][0]


class Field(ClockEnv):
    def setUp(self):
        super().setUp()
        self.enroll("disp", "dispatcher")
        self.enroll("alice", "technician")
        self.enroll("bob", "technician")

    def techs(self):
        return self.wo_json("disp", "techs")

    def sign_off(self, who, wo):
        for args in (["accept"], ["visit", "start"]):
            self.wo(who, *args, wo)
        self.wo(who, "visit", "end", wo, "--outcome", "done")
        self.wo(who, "sign", wo)

    def disputed_back(self, wo, code, comment):
        """alice completes wo, the recipient co-signs it unsatisfied
        (comment), and the dispatcher gives it back to alice."""
        self.sign_off("alice", wo)
        self.wo("alice", "cosign", wo, "--name", "Ann", "--code", code,
                "--unsatisfied", "--comment", comment)
        self.wo("alice", "sync")
        self.wo("disp", "assign", wo, "alice")

    # -- presence --------------------------------------------------------
    def test_presence_online_offline_and_last_seen(self):
        a = tech(self.techs(), "alice")
        self.assertFalse(a["online"])
        self.assertIsNone(a["last_seen"])        # enrolled, never connected
        self.assertEqual(len(a["devices"]), 1)
        p = self.watch("alice")
        a = tech(self.techs(), "alice")
        self.assertTrue(a["online"])
        self.assertTrue(a["devices"][0]["online"])
        self.assertEqual(a["last_seen"], self.now())
        self.assertFalse(tech(self.techs(), "bob")["online"])
        self.advance(7 * MIN)
        gone = self.now()
        p.terminate()
        p.wait(timeout=10)
        wait_until(lambda: not tech(self.techs(), "alice")["online"],
                   what="alice to go offline")
        a = tech(self.techs(), "alice")
        self.assertEqual(a["last_seen"], gone)
        self.assertEqual(a["devices"][0]["last_seen"], gone)
        # the board's presence column follows the holder
        self.create(title="Pump", assign="alice")
        board = self.wo_json("disp", "board")
        self.assertFalse(board[0]["online"])
        open(self.watch_log_path("alice"), "w").close()
        self.watch("alice")
        self.assertTrue(self.wo_json("disp", "board")[0]["online"])
        self.assertRegex(self.wo("disp", "board").stdout,
                         r"alice\s+yes\s+stored")
        # the human view
        out = self.wo("disp", "techs").stdout
        self.assertRegex(out, r"alice\s+L1\s+yes")
        self.assertRegex(out, r"bob\s+L1\s+no\s+never")

    # -- delivery receipts ----------------------------------------------
    def test_delivery_receipts_stored_and_first_opened_offline(self):
        o = self.create(title="Chiller", assign="alice")
        wo = str(o["id"])
        d = self.show(wo)
        self.assertEqual((d["stored_at"], d["opened_at"]), (None, None))
        self.assertIn("not stored yet", self.wo("disp", "show", wo).stdout)
        self.advance(MIN)
        self.wo("alice", "sync")
        d = self.show(wo)
        self.assertEqual(d["stored_at"], self.now())
        self.assertEqual(d["stored_seq"], d_seq(self, wo))
        self.assertIsNone(d["opened_at"])
        # opened with no network: recorded on the laptop only
        self.advance(3 * MIN)
        opened = self.now()
        self.wo("alice", "show", wo)
        self.advance(MIN)
        self.wo("alice", "show", wo)             # the first opening counts
        self.assertIsNone(self.show(wo)["opened_at"])
        self.advance(20 * MIN)
        self.wo("alice", "sync")
        self.assertEqual(self.show(wo)["opened_at"], opened)
        self.assertRegex(self.wo("disp", "board").stdout, r"alice\s+no\s+opened")
        # reassigned: the new holder's laptop has not stored it yet
        self.wo("disp", "assign", wo, "bob")
        d = self.show(wo)
        self.assertEqual((d["stored_at"], d["opened_at"]), (None, None))
        self.assertRegex(self.wo("disp", "board").stdout, r"bob\s+no\s+not yet")
        self.advance(MIN)
        self.watch("bob")                        # stored by the catch-up
        wait_until(lambda: self.show(wo)["stored_at"] == self.now(),
                   what="bob's receipt")
        # a live push is confirmed too
        self.wo("disp", "schedule", wo, "--from", "+1d", "--to", "+25h")
        wait_until(lambda: self.show(wo)["stored_seq"] == d_seq(self, wo),
                   what="the receipt of the pushed change")
        # a former holder's receipt is ignored
        self.wo("alice", "sync")
        self.assertEqual(self.show(wo)["assignee"], "bob")

    # -- sync health ----------------------------------------------------
    def test_sync_health_unsent_ops_their_age_lag_and_rejections(self):
        o = self.create(title="Boiler", assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        dev = tech(self.techs(), "alice")["devices"][0]
        self.assertEqual((dev["unsent"], dev["lag"], dev["version"]),
                         (0, 0, "1.12.0"))
        self.assertEqual(dev["last_sync"], self.now())
        # offline: three ops recorded, and the office changes two orders
        recorded = self.now()
        self.wo("alice", "accept", wo)
        self.wo("alice", "note", wo, "on my way")
        self.wo("alice", "note", wo, "gate code 1234")
        self.create(title="Second", assign="alice")
        self.create(title="Third", assign="alice")
        self.advance(30 * MIN)
        self.assertEqual(tech(self.techs(), "alice")["devices"][0]["lag"], 2)
        # a sync that uploads only part of the outbox reports the rest
        r = self.wo("alice", "sync", env=dict(os.environ,
                                              WO_TEST_PUSH_LIMIT="1"))
        self.assertIn("1 applied", r.stdout)
        dev = tech(self.techs(), "alice")["devices"][0]
        self.assertEqual(dev["unsent"], 2)
        self.assertEqual(dev["unsent_age_ms"], self.now() - recorded)
        self.assertEqual(dev["last_sync"], self.now())
        self.assertEqual(dev["lag"], 0)
        out = self.wo("disp", "techs").stdout
        self.assertIn("unsent ops 2 (oldest 30m)", out)
        self.advance(MIN)
        self.wo("alice", "sync")
        dev = tech(self.techs(), "alice")["devices"][0]
        self.assertEqual((dev["unsent"], dev["unsent_age_ms"]), (0, 0))
        self.assertIsNone(dev["rejected_op"])
        # reassigned while offline: her later status op is rejected
        self.wo("disp", "assign", wo, "bob")
        self.advance(MIN)
        r = self.wo("alice", "depart", wo, "--json")
        op = r.stdout.strip() and __import__("json").loads(r.stdout)["op"]
        r = self.wo("alice", "sync", check=False)
        self.assertEqual(r.returncode, 3)
        dev = tech(self.techs(), "alice")["devices"][0]
        self.assertEqual(dev["rejected_op"], op)
        self.assertEqual(dev["rejected_kind"], "depart")
        self.assertIn("no longer assigned", dev["rejected_reason"])
        self.assertEqual(dev["rejected_at"], self.now())
        self.assertIn("last rejected op " + op, self.wo("disp", "techs").stdout)

    # -- the activity feed ---------------------------------------------
    def test_feed_on_a_dispatchers_watch(self):
        self.watch("disp")
        # the same feed as JSON lines, one object per event
        jlog = os.path.join(self.dir, "watch-json.out")
        elog = os.path.join(self.dir, "watch-json.log")
        with open(jlog, "w") as f, open(elog, "w") as g:
            self.procs.append(subprocess.Popen(
                [WO, "--home", self.home("disp"), "sync", "--watch",
                 "--json"], stdout=f, stderr=g))
        wait_until(lambda: "up to date" in read(elog),
                   what="the JSON watcher to catch up")
        o = self.create(title="Fan coil", assign="alice")
        wo = str(o["id"])
        p = self.watch("alice")
        wait_until(lambda: "alice online (device" in self.watch_log("disp"),
                   what="alice online in the feed")
        self.wo("alice", "accept", wo)           # the watcher uploads it
        wait_until(lambda: "accepted by alice" in self.watch_log("disp"),
                   what="the accept in the feed")
        self.wo("alice", "visit", "start", wo)
        self.wo("alice", "visit", "end", wo, "--outcome", "done")
        self.wo("alice", "sign", wo)
        wait_until(lambda: "completed and signed by alice" in
                   self.watch_log("disp"), what="the completion")
        def accepted():
            with open(jlog) as f:
                return [e for e in map(json.loads, f)
                        if e["type"] == "event" and e["kind"] == "accepted"]
        e = wait_until(accepted, what="the accept as JSON")[0]
        self.assertEqual((e["wo"], e["actor"], e["title"], e["status"]),
                         (o["id"], "alice", "Fan coil", "accepted"))
        log = self.watch_log("disp")
        self.assertIn("visit started by alice", log)
        self.assertIn("visit ended by alice: done", log)
        self.assertIn("order %s Fan coil: accepted by alice" % wo, log)
        self.wo("disp", "dispute", wo, "--reason", "still noisy")
        wait_until(lambda: "DISPUTED: still noisy" in self.watch_log("disp"),
                   what="the dispute in the feed")
        p.terminate()
        p.wait(timeout=10)
        wait_until(lambda: "alice offline (device" in self.watch_log("disp"),
                   what="alice offline in the feed")
        # reassigned while she is offline: her later accept is rejected
        e = self.create(title="Rejected", assign="alice")
        self.wo("alice", "sync")
        self.wo("disp", "assign", str(e["id"]), "bob")
        self.advance(MIN)
        self.wo("alice", "accept", str(e["id"]))
        self.assertEqual(self.wo("alice", "sync", check=False).returncode, 3)
        wait_until(lambda: "order %d Rejected: op from alice REJECTED: "
                   "accept: order %d is no longer assigned" % (e["id"], e["id"])
                   in
                   self.watch_log("disp"), what="the rejected op in the feed")
        # SLA alerts keep their own line, not a second one from the feed:
        # past 75 % of the Rejected order's response target (P2: 1 h)
        self.advance(50 * MIN)
        wait_until(lambda: "75% of the response target" in
                   self.watch_log("disp"), timeout=60,
                   what="the 75% alert, live")
        log = self.watch_log("disp")
        self.assertNotIn("SLA warning", log)
        # the stored feed, for a dispatcher who was away
        feed = self.wo_json("disp", "feed")
        kinds = [e["kind"] for e in feed]
        for k in ("device.online", "accepted", "visit.started",
                  "visit.ended", "completed", "disputed", "op.rejected",
                  "device.offline"):
            self.assertIn(k, kinds)
        later = self.wo_json("disp", "feed", "--since", str(feed[2]["id"]))
        self.assertEqual(later, feed[3:])
        self.assertEqual(self.wo("disp", "feed", "--since",
                                 str(feed[-1]["id"])).stdout.strip(),
                         "no events")
        r = self.wo("disp", "feed", "--since", "x", check=False)
        self.assertEqual(r.returncode, 2)
        # each event once, in order of id
        ids = [int(l.split()[1]) for l in log.splitlines()
               if l.startswith("event ")]
        self.assertEqual(ids, sorted(set(ids)))
        self.assertGreaterEqual(len(ids), 10)

    # -- the board ------------------------------------------------------
    def test_feed_has_every_kind_a_dispatcher_needs(self):
        """The kinds the first feed test leaves out: on the way, needs
        parts, co-signed, reopened after a dispute, escalated, and a
        breached target (an alert line of its own)."""
        self.enroll("root", "admin")
        self.wo("root", "tier", "bob", "L2")
        self.watch("disp")
        a = self.create(title="Chiller", assign="alice")
        b = self.create(title="Pump", assign="alice")
        c = self.create(title="Valve", assign="alice")
        d = self.create(title="Breaker", prio="P1")
        wa, wb, wc = str(a["id"]), str(b["id"]), str(c["id"])
        self.wo("alice", "sync")
        self.wo("alice", "accept", wa)
        self.wo("alice", "depart", wa)
        self.wo("alice", "visit", "start", wa)
        self.wo("alice", "visit", "end", wa, "--outcome", "needs-parts")
        self.sign_off("alice", wb)
        self.wo("alice", "cosign", wb, "--name", "Ann", "--code",
                b["recipient_code"])
        self.disputed_back(wc, c["recipient_code"], "still leaking")
        self.wo("disp", "escalate", wa, "--reason", "compressor work")
        want = ["order %s Chiller: alice is on the way" % wa,
                "order %s Chiller: needs parts (alice)" % wa,
                "order %s Pump: co-signed by the recipient: closed" % wb,
                "order %s Valve: DISPUTED: still leaking" % wc,
                "order %s Valve: reopened: still leaking" % wc,
                "order %s Chiller: escalated: L1 -> L2, compressor work" % wa]
        for line in want:
            wait_until(lambda: line in self.watch_log("disp"),
                       what="'%s' in the feed" % line)
        # P1 answers in 15 min: past it, the breach is told once
        self.advance(16 * MIN)
        wait_until(lambda: "response target BREACHED" in
                   self.watch_log("disp") and "Breaker" in
                   self.watch_log("disp"), timeout=60,
                   what="the breach of order %d, live" % d["id"])

    def test_board_headers_filters_all_and_json(self):
        a = self.create(title="Boiler", prio="P1", assign="alice",
                        site="Plant 3")
        b = self.create(title="Door", prio="P3", assign="bob", site="HQ")
        c = self.create(title="Lift", prio="P2", site="HQ")
        self.wo("disp", "cancel", str(c["id"]), "--reason", "dup")
        out = self.wo("disp", "board").stdout
        head = out.splitlines()[0].split()
        self.assertEqual(head[:8], ["ID", "PRI", "TIER", "STATUS", "TECH",
                                    "ONLINE", "LAPTOP", "SLA"])
        self.assertIn("Boiler", out)
        self.assertNotIn("Lift", out)                # open ones by default
        ids = lambda *args: [o["id"] for o in self.wo_json("disp", "board",
                                                           *args)]
        self.assertEqual(sorted(ids()), sorted([a["id"], b["id"]]))
        self.assertIn(c["id"], ids("--all"))
        self.assertEqual(ids("--status", "cancelled"), [c["id"]])
        self.assertEqual(ids("--tech", "bob"), [b["id"]])
        self.assertEqual(ids("--priority", "P1"), [a["id"]])
        self.assertEqual(ids("--site", "HQ"), [b["id"]])
        self.assertEqual(ids("--site", "HQ", "--all"), [b["id"], c["id"]])
        # a part of the site's name, case aside, as the console matches
        self.assertEqual(ids("--site", "hq"), [b["id"]])
        self.assertEqual(ids("--site", "plant"), [a["id"]])
        self.assertEqual(ids("--site", "ANT 3", "--all"), [a["id"]])
        self.assertEqual(ids("--site", "%"), [])     # no wildcards
        self.assertIn("Boiler", self.wo("disp", "board", "--site",
                                        "plant").stdout)
        self.assertEqual(ids("--tech", "nobody"), [])
        j = self.wo_json("disp", "board", "--tech", "alice")[0]
        for k in ("online", "stored_at", "opened_at", "came", "sla"):
            self.assertIn(k, j)
        self.assertEqual(j["came"], "assigned")
        r = self.wo("disp", "board", "--status", "done", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not a status", r.stderr)
        r = self.wo("disp", "board", "--priority", "P9", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(self.wo("disp", "board", "--tech",
                                 "nobody").stdout.strip(), "no work orders")

    # -- the technician: due times and why an order came -------------
    def test_due_times_and_why_an_order_came(self):
        o = self.create(title="Compressor", prio="P1", assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        j = [x for x in self.wo_json("alice", "list") if x["id"] == o["id"]][0]
        self.assertEqual(j["response_due"], self.now() + 15 * MIN)
        self.assertEqual(j["resolve_due"], self.now() + 4 * HOUR)
        self.assertEqual(j["came"], "assigned")
        out = self.wo("alice", "list").stdout
        self.assertIn("DUE", out.splitlines()[0])
        due = self.wo("alice", "show", wo).stdout
        self.assertIn("respond by:", due)
        self.assertIn("resolve by:", due)
        # escalated to bob, with its reason
        self.enroll("root", "admin")
        self.wo("root", "tier", "bob", "L2")
        self.wo("disp", "escalate", wo, "--reason", "needs a specialist")
        self.wo("bob", "sync")
        out = self.wo("bob", "list").stdout
        self.assertIn("[escalated: L1 -> L2, needs a specialist]", out)
        show = self.wo("bob", "show", wo).stdout
        self.assertIn("came:        escalated: L1 -> L2, needs a specialist",
                      show)
        # reassigned back
        self.wo("disp", "assign", wo, "alice")
        self.wo("alice", "sync")
        self.assertIn("[reassigned]", self.wo("alice", "list").stdout)
        # completed, disputed by the recipient, reopened to her
        self.disputed_back(wo, o["recipient_code"], "still drips")
        self.wo("alice", "sync")
        j = [x for x in self.wo_json("alice", "list") if x["id"] == o["id"]][0]
        self.assertEqual((j["came"], j["came_reason"]),
                         ("reopened", "still drips"))
        self.assertIn("responded:", self.wo("alice", "show", wo).stdout)
        self.assertIn("reopened after a dispute: still drips",
                      self.wo("alice", "show", wo).stdout)

    # -- local time -----------------------------------------------------
    def test_local_time_in_and_out_with_jakarta(self):
        self.srv_cmd(["tz", "Asia/Jakarta", "--data", self.data])
        r = self.srv_cmd(["tz", "Mars/Olympus", "--data", self.data],
                         check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not a time zone", r.stderr)
        o = self.create(title="Genset", assign="alice")
        wo = str(o["id"])
        # 09:00 WIB is 02:00 UTC, on a day well ahead of the test clock
        y = time.gmtime(self.now() / 1000).tm_year + 2
        utc = calendar.timegm((y, 1, 10, 2, 0, 0)) * 1000
        env = dict(os.environ, TZ="Asia/Jakarta")
        self.wo("disp", "schedule", wo, "--from", "%d-01-10 09:00" % y,
                "--to", "%d-01-10 11:00" % y, env=env)
        d = self.show(wo)
        self.assertEqual((d["visit_start"], d["visit_end"]),
                         (utc, utc + 2 * HOUR))
        # shown in the zone the server gives the user (no TZ set)
        self.wo("alice", "sync")
        env = {k: v for k, v in os.environ.items() if k != "TZ"}
        out = self.wo("alice", "show", wo, env=env).stdout
        self.assertIn("next visit:  %d-01-10 09:00:00 WIB to "
                      "%d-01-10 11:00:00 WIB" % (y, y), out)
        # TZ on the laptop wins
        out = self.wo("alice", "show", wo, env=dict(env, TZ="UTC")).stdout
        self.assertIn("%d-01-10 02:00:00Z" % y, out)
        # init can set the zone of a new server
        other = os.path.join(self.dir, "data2")
        r = self.srv_cmd(["init", "--data", other, "--tz", "Asia/Jakarta"])
        self.assertIn("time zone: Asia/Jakarta", r.stdout)
        db = sqlite3.connect(os.path.join(other, "server.db"))
        self.addCleanup(db.close)
        self.assertEqual(db.execute("SELECT value FROM settings WHERE "
                                    "name = 'tz'").fetchone(),
                         ("Asia/Jakarta",))
        # a user's own zone wins over the server's
        self.srv_cmd(["user", "tz", "alice", "--tz", "Asia/Makassar",
                      "--data", self.data])
        self.wo("alice", "sync")
        out = self.wo("alice", "show", wo, env=env).stdout
        self.assertIn("%d-01-10 10:00:00 WITA" % y, out)

    # -- Bahasa Indonesia ---------------------------------------------
    def test_indonesian_messages(self):
        env = dict(os.environ, LANG="id_ID.UTF-8", LANGUAGE="id")
        out = self.wo("alice", "list", env=env).stdout
        self.assertIn("tidak ada perintah kerja", out)
        self.create(title="Pompa", assign="alice")
        self.wo("alice", "sync")
        out = self.wo("disp", "board", env=env).stdout
        self.assertEqual(out.split()[:4], ["ID", "PRI", "TINGKAT", "STATUS"])
        self.assertIn("TEKNISI", out.splitlines()[0])
        out = self.wo("alice", "list", env=env).stdout
        self.assertIn("TENGGAT", out.splitlines()[0])
        self.assertIn("tanggapi sebelum", out)
        wo = out.splitlines()[1].split()[0]
        out = self.wo("alice", "show", wo, env=env).stdout
        for label in ("perintah %s" % wo, "teknisi:", "dibuka:",
                      "tanggapi sblm:", "selesaikan:", "alasan:"):
            self.assertIn(label, out)
        # C.UTF-8 with LANGUAGE alone works too
        env = dict(os.environ, LANG="C.UTF-8", LANGUAGE="id")
        env.pop("LC_ALL", None)
        out = self.wo("disp", "techs", env=env).stdout
        self.assertIn("TEKNISI", out)
        # English when nothing asks otherwise
        env = {k: v for k, v in os.environ.items()
               if k not in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
        self.assertIn("TECH", self.wo("disp", "techs", env=env).stdout)

    def assert_lined_up(self, lines, heads):
        """Every row's cells start where the header's do."""
        head, at, starts = lines[0], 0, []
        for h in heads:
            at = head.index(h, at)
            starts.append(at)
            at += len(h)
        for row in lines[1:]:
            for h, c in zip(heads[1:], starts[1:]):
                self.assertTrue(row[c - 1] == " " and row[c] != " ",
                                "column %s of %r is not under its header "
                                "%r" % (h, row, head))

    def test_indonesian_tables_translate_their_phrases_and_line_up(self):
        env = dict(os.environ, LANG="id_ID.UTF-8", LANGUAGE="id")
        self.create(title="Pompa", assign="alice")
        self.create(title="Katup", prio="P1")
        self.wo("alice", "sync")
        out = self.wo("disp", "board", env=env).stdout
        board = out.splitlines()
        self.assertEqual(len(board), 3)
        # the due phrase too, not only the headers
        self.assertRegex(out, r"respons sisa \d+j\d\dm")
        self.assertNotIn("left", out)
        self.assert_lined_up(board, ["ID", "PRI", "TINGKAT", "STATUS",
                                     "TEKNISI", "DARING", "LAPTOP", "SLA",
                                     "JUDUL"])
        lines = self.wo("alice", "list", env=env).stdout.splitlines()
        self.assertIn("tanggapi sebelum", lines[1])
        self.assert_lined_up(lines, ["ID", "PRI", "STATUS", "TENGGAT",
                                     "JUDUL"])
        lines = self.wo("disp", "techs", env=env).stdout.splitlines()
        self.assert_lined_up([x for x in lines if not x.startswith(" ")],
                             ["TEKNISI", "TINGKAT", "DARING",
                              "TERAKHIR TERLIHAT", "TERBUKA"])
        # the first opening, with a space after its long label
        wo = str(self.wo_json("alice", "list")[0]["id"])
        self.wo("alice", "show", wo)
        self.wo("alice", "sync")
        self.assertRegex(self.wo("disp", "show", wo, env=env).stdout,
                         r"\n  dibuka teknisi: 20\d\d-")
        # English keeps its columns
        env = {k: v for k, v in os.environ.items()
               if k not in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
        out = self.wo("disp", "board", env=env).stdout
        self.assertRegex(out, r"response \d+h\d\dm left")
        self.assertEqual(out.splitlines()[0].index("STATUS"), 16)
        self.assertRegex(self.wo("disp", "show", wo, env=env).stdout,
                         r"\n  opened by tech: 20\d\d-")


def read(path):
    with open(path) as f:
        return f.read()


def d_seq(t, wo):
    return t.show(wo)["seq"]


if __name__ == "__main__":
    unittest.main()
