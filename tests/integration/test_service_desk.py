"""Issue 14: the whole service desk through the real server and clients,
with the test clock: the formal request (type, category, customer,
impact x urgency, a priority set by hand), edits with their history,
agreements counted in business hours in a customer's time zone (across a
weekend and a holiday), an agreement version that takes effect while an
order is open, authorisation approved, refused and locked, a priority
changed mid-flight, dispatcher notes and remote resolutions."""
import calendar
import os
import subprocess
import unittest

from harness import HOUR, MIN, ClockEnv, wait_until


def utc(y, mo, d, h=0, mi=0):
    return calendar.timegm((y, mo, d, h, mi, 0)) * 1000


class ServiceDesk(ClockEnv):
    def setUp(self):
        super().setUp()
        self.enroll("disp", "dispatcher")
        self.enroll("alice", "technician")
        self.enroll("root", "admin")

    def at(self, ms):
        """Stand the shared clock at ms (since the epoch)."""
        self.set_clock(ms - self.base)

    def history(self, wo):
        return self.wo_json("disp", "history", str(wo))

    def fails(self, who, *args):
        r = self.wo(who, *args, check=False)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        return r

    def test_intake_matrix_and_priority_by_hand(self):
        self.wo("root", "customer", "set", "ACME", "--external")
        self.assertEqual(self.wo_json("disp", "customer", "show"),
                         [{"name": "ACME", "kind": "external",
                           "needs_authorisation": False}])
        o = self.create(title="Printer jams", prio=None, impact="high",
                        urgency="low", type="request", category="hardware",
                        customer="ACME", department="Finance",
                        deadline="+2d", requester="Sari")
        self.assertEqual(o["priority"], "P2")      # high x low
        self.assertEqual((o["type"], o["category"], o["customer"],
                          o["department"], o["impact"], o["urgency"]),
                         ("request", "hardware", "ACME", "Finance", "high",
                          "low"))
        self.assertEqual(o["deadline"], self.now() + 2 * 24 * HOUR)
        self.assertFalse(o["needs_authorisation"])
        # the default matrix: the documents' P1 for company-wide urgency
        self.assertEqual(self.create(prio=None, impact="high",
                                     urgency="high")["priority"], "P1")
        self.assertEqual(self.create(prio=None, impact="low",
                                     urgency="low")["priority"], "P3")
        # by hand against the matrix: only with a reason, which is kept
        r = self.fails("disp", "create", "--title", "x", "--impact", "low",
                       "--urgency", "low", "--priority", "P1")
        self.assertIn("--reason", r.stderr)
        h = self.create(prio="P1", impact="low", urgency="low",
                        reason="the CEO's laptop")
        self.assertEqual(h["priority"], "P1")
        line = [x for x in self.history(h["id"])
                if x["kind"] == "priority.manual"][0]
        self.assertIn("P1 set by hand", line["detail"])
        self.assertIn("the CEO's laptop", line["detail"])
        self.assertEqual(line["actor"], "disp")
        # bad input: a clear error, nothing made
        before = len(self.wo_json("disp", "board"))
        for args, words in [
                (["--category", "plumbing"], "unknown category"),
                (["--customer", "Nobody Ltd"], "no customer named"),
                (["--type", "question"], "incident or request"),
                (["--requester-email", "a b@x"], "e-mail")]:
            r = self.fails("disp", "create", "--title", "t", "--priority",
                           "P3", *args)
            self.assertIn(words, r.stderr)
        r = self.fails("disp", "create", "--title", "t", "--impact", "huge",
                       "--urgency", "low")
        self.assertIn("low, medium or high", r.stderr)
        self.assertEqual(len(self.wo_json("disp", "board")), before)
        # the matrix is configurable, by an admin only
        self.fails("disp", "matrix", "set", "high", "low", "P1")
        self.wo("root", "matrix", "set", "high", "low", "P1")
        m = self.wo_json("disp", "matrix", "show")
        self.assertIn({"impact": "high", "urgency": "low", "priority": "P1"},
                      m)
        self.assertEqual(self.create(prio=None, impact="high",
                                     urgency="low")["priority"], "P1")

    def test_edit_with_history_and_priority_mid_flight(self):
        o = self.create(title="Slow network", prio="P3", assign="alice",
                        category="network", deadline="+1d",
                        department="Sales")
        wo = str(o["id"])
        self.wo("alice", "sync")
        # the technician sees the formal request on the laptop
        t = self.wo_json("alice", "show", wo)
        self.assertEqual((t["type"], t["category"], t["department"],
                          t["deadline"]),
                         ("incident", "network", "Sales",
                          self.now() + 24 * HOUR))
        self.assertIn("category network", self.wo("alice", "show",
                                                   wo).stdout)
        self.advance(30 * MIN)
        for reason in ([], ["--reason", ""]):
            r = self.wo("disp", "edit", wo, "--priority", "P1", *reason,
                        check=False)
            self.assertEqual(r.returncode, 2)          # no reason
            self.assertIn("a reason is required: --reason TEXT (it goes "
                          "into the order's history)", r.stderr)
        self.wo("disp", "edit", wo, "--priority", "P1", "--title",
                "Network down on floor 3", "--site", "HQ floor 3",
                "--reason", "whole floor affected")
        d = self.show(wo)
        self.assertEqual((d["priority"], d["title"], d["site"]),
                         ("P1", "Network down on floor 3", "HQ floor 3"))
        # P1's targets (15 min / 4 h) counted from the edit, not creation
        self.assertEqual(d["response_due"], self.now() + 15 * MIN)
        self.assertEqual(d["resolve_due"], self.now() + 4 * HOUR)
        edits = [h for h in self.history(wo) if h["kind"] == "edit"]
        self.assertEqual(len(edits), 3)
        self.assertTrue(all(h["actor"] == "disp" and
                            "whole floor affected" in h["detail"]
                            for h in edits))
        self.assertIn("priority 'P3' -> 'P1'",
                      " ".join(h["detail"] for h in edits))
        self.assertTrue(any(h["kind"] == "sla.recomputed"
                            for h in self.history(wo)))
        # the technician's laptop gets the new title
        self.wo("alice", "sync")
        self.assertEqual(self.wo_json("alice", "show", wo)["title"],
                         "Network down on floor 3")
        # the new P1 clock alerts at 75 % of its 15 minutes
        self.advance(12 * MIN)
        wait_until(lambda: any(a["kind"] == "response.75" and
                               a["wo"] == o["id"] for a in self.alerts()),
                   what="the recomputed response target's 75% alert")
        r = self.fails("disp", "edit", wo, "--reason", "nothing")
        self.assertIn("nothing to change", r.stderr)
        r = self.fails("disp", "edit", wo, "--priority", "P1", "--reason",
                       "same")
        self.assertIn("nothing to change", r.stderr)

    def test_business_hours_across_weekend_and_holiday_in_jakarta(self):
        self.wo("root", "customer", "set", "Bank Nusantara", "--external")
        # Monday 2027-01-11 is a holiday in this agreement
        self.at(utc(2027, 1, 4, 0, 0))
        a = self.wo_json("root", "agreement", "set", "Bank Nusantara",
                         "--from", "2027-01-01", "--tz", "Asia/Jakarta",
                         "--hours", "Mon-Fri 08:00-17:00", "--holiday",
                         "2027-01-11", "--target", "P3=4h/16h",
                         "--review", "2027-06-30")
        self.assertEqual((a["version"], a["tz"], a["hours"]),
                         (1, "Asia/Jakarta", "Mon-Fri 08:00-17:00"))
        self.assertEqual(a["targets"]["P3"], {"response_ms": 4 * HOUR,
                                              "resolve_ms": 16 * HOUR})
        # P2 was not given: the global policy's
        self.assertEqual(a["targets"]["P2"]["response_ms"], HOUR)
        # Friday 2027-01-08 19:00 in Jakarta (12:00 UTC): after hours
        self.at(utc(2027, 1, 8, 12, 0))
        o = self.create(title="Teller PC slow", prio="P3",
                        customer="Bank Nusantara", assign="alice")
        d = self.show(o["id"])
        # counts from Tuesday 08:00 WIB (01:00 UTC): Monday is a holiday
        self.assertEqual(d["response_due"], utc(2027, 1, 12, 5, 0))
        # 16 h: Tuesday's 9 h, then 7 h of Wednesday: 15:00 WIB
        self.assertEqual(d["resolve_due"], utc(2027, 1, 13, 8, 0))
        self.assertEqual(d["agreement_id"], a["id"])
        self.assertIn("respond by:  2027-01-12 05:00",
                      self.wo("disp", "show", str(o["id"])).stdout)
        why = self.wo_json("disp", "sla", str(o["id"]))
        self.assertEqual(why["version"], 1)
        self.assertIn("Bank Nusantara", why["why"])
        self.assertIn("Asia/Jakarta", why["why"])
        self.assertIn("2027-01-11", why["why"])
        self.assertIn("reviewed on 2027-06-30", why["why"])
        self.assertIn("version 1", self.wo("disp", "sla",
                                           str(o["id"])).stdout)
        # the weekend and the holiday pass with no alert
        self.at(utc(2027, 1, 11, 12, 0))
        self.ticked()
        self.assertEqual(self.alerts(), [])
        # Tuesday 11:30 WIB: 3.5 h counted of 4 h: past 75 %
        self.at(utc(2027, 1, 12, 4, 30))
        wait_until(lambda: [x["kind"] for x in self.alerts()] ==
                   ["response.75"], what="the response.75 alert on Tuesday")
        # an order with no customer has no agreement: the global policy
        g = self.create(prio="P3")
        why = self.wo_json("disp", "sla", str(g["id"]))
        self.assertIn("global SLA policy", why["why"])
        self.assertEqual(self.show(g["id"])["response_due"],
                         self.now() + 4 * HOUR)
        # a bad zone or hours change nothing
        for args, words in [(["--tz", "Asia/Atlantis"], "time zone"),
                            (["--hours", "Mon-Fri 17:00-08:00"], "opening"),
                            (["--target", "P1=4h/15m"], "longer")]:
            r = self.fails("root", "agreement", "set", "Bank Nusantara",
                           "--from", "now", *args)
            self.assertIn(words, r.stderr)
        r = self.fails("root", "agreement", "set", "Bank Nusantara",
                       "--from", "now", "--hours", "")
        self.assertIn("--hours cannot be empty", r.stderr)
        self.assertEqual(len(self.wo_json("disp", "agreement", "show",
                                          "Bank Nusantara")), 1)
        self.assertEqual(self.wo_json("disp", "agreement", "show",
                                      "Bank Nusantara")[0]["hours"],
                         "Mon-Fri 08:00-17:00")
        # no default agreement, though a customer has one
        out = self.wo("disp", "agreement", "show", "default").stdout
        self.assertIn("no default agreement", out)
        self.assertNotIn("no agreements", out)
        self.fails("disp", "agreement", "set", "default", "--from", "now")

    def test_agreement_version_takes_effect_while_an_order_is_open(self):
        t0 = self.now()
        self.wo("root", "agreement", "set", "default", "--from", "now",
                "--target", "P2=1h/8h", "P3=4h/48h")
        self.wo("root", "agreement", "set", "default", "--from", "+1h",
                "--target", "P2=2h/16h")
        first = self.create(prio="P2")
        self.assertEqual(self.show(first["id"])["response_due"], t0 + HOUR)
        self.advance(90 * MIN)                  # version 2 is in force now
        second = self.create(prio="P2")
        d2 = self.show(second["id"])
        self.assertEqual(d2["response_due"], self.now() + 2 * HOUR)
        d1 = self.show(first["id"])
        self.assertEqual(d1["response_due"], t0 + HOUR)   # kept
        why = self.wo_json("disp", "sla", str(first["id"]))
        self.assertEqual(why["version"], 1)
        self.assertIn("this order keeps its version", why["why"])
        self.assertEqual(self.wo_json("disp", "sla",
                                      str(second["id"]))["version"], 2)
        vs = self.wo_json("disp", "agreement", "show")
        self.assertEqual([v["version"] for v in vs], [1, 2])
        # a priority change recomputes from now, under the version now in
        # force
        self.wo("disp", "edit", str(first["id"]), "--priority", "P2",
                "--reason", "noop", check=False)
        self.wo("disp", "edit", str(first["id"]), "--priority", "P1",
                "--reason", "got worse")
        self.wo("disp", "edit", str(first["id"]), "--priority", "P2",
                "--reason", "contained")
        d1 = self.show(first["id"])
        self.assertEqual(d1["resolve_due"], self.now() + 16 * HOUR)
        self.assertEqual(self.wo_json("disp", "sla",
                                      str(first["id"]))["version"], 2)

    def test_authorisation_approved_refused_and_locked(self):
        o = self.create(title="Access to payroll share", prio="P3",
                        type="request", category="access",
                        **{"needs-authorisation": None,
                           "authoriser": "Budi Santoso"})
        wo = str(o["id"])
        code = o["authorisation_code"]
        self.assertRegex(code, r"^\d{8}$")
        self.assertEqual(o["status"], "awaiting_authorisation")
        self.assertNotIn("authorisation_code", self.show(wo))
        # no dispatch before approval
        r = self.fails("disp", "assign", wo, "alice")
        self.assertIn("awaiting_authorisation", r.stderr)
        r = self.fails("disp", "create", "--title", "t", "--priority", "P3",
                       "--needs-authorisation", "--authoriser", "B",
                       "--assign", "alice")
        self.assertIn("authorisation", r.stderr)
        # SLA clocks do not run while it waits
        self.advance(5 * HOUR)
        self.ticked()
        self.assertEqual(self.alerts(), [])
        # the wrong person, then a wrong code (counted, kept)
        r = self.fails("disp", "authorise", wo, "--name", "Someone",
                       "--code", code)
        self.assertIn("Budi Santoso", r.stderr)
        wrong = "%08d" % ((int(code) + 1) % 100000000)
        r = self.fails("disp", "authorise", wo, "--name", "Budi Santoso",
                       "--code", wrong)
        self.assertIn("attempt 1 of 5", r.stderr)
        # the code is read from standard input, not the command line
        r = self.wo("disp", "authorise", wo, "--name", "budi santoso",
                    "--json", input_text=code + "\n")
        d = self.show(wo)
        self.assertEqual(d["status"], "new")
        self.assertEqual(d["response_due"], self.now() + 4 * HOUR)
        h = [x for x in self.history(wo) if x["kind"] == "authorise"][0]
        self.assertIn("approved by Budi Santoso", h["detail"])
        self.assertIn("signed statement verified", h["detail"])
        self.assertTrue(any(x["kind"] == "authorisation.rejected"
                            for x in self.history(wo)))
        db = self.server_db()
        row = db.execute("SELECT verdict, statement, length(sig) FROM "
                         "authorisations WHERE order_id = ?",
                         (o["id"],)).fetchone()
        self.assertEqual(row[0], "approved")
        self.assertIn("verdict approved", row[1])
        self.assertEqual(row[2], 64)
        self.wo("disp", "assign", wo, "alice")       # now it may go
        # a refusal, with its reason
        p = self.create(title="Admin rights", prio="P3",
                        **{"needs-authorisation": None, "authoriser": "Budi"})
        r = self.fails("disp", "authorise", str(p["id"]), "--name", "Budi",
                       "--code", p["authorisation_code"], "--refuse")
        self.wo("disp", "authorise", str(p["id"]), "--name", "Budi",
                "--code", p["authorisation_code"], "--refuse", "--reason",
                "not needed for the job")
        self.assertEqual(self.show(p["id"])["status"], "cancelled")
        h = [x for x in self.history(p["id"]) if x["kind"] == "refuse"][0]
        self.assertIn("not needed for the job", h["detail"])
        # five wrong codes lock it; a new code unlocks it
        q = self.create(prio="P3", **{"needs-authorisation": None,
                                      "authoriser": "Rina"})
        bad = "%08d" % ((int(q["authorisation_code"]) + 7) % 100000000)
        for i in range(5):
            self.fails("disp", "authorise", str(q["id"]), "--name", "Rina",
                       "--code", bad)
        r = self.fails("disp", "authorise", str(q["id"]), "--name", "Rina",
                       "--code", q["authorisation_code"])
        self.assertIn("locked", r.stderr)
        self.assertIn("authorisation.locked",
                      [a["kind"] for a in self.alerts()])
        new = self.wo_json("disp", "code", str(q["id"]), "--authorisation")
        self.wo("disp", "authorise", str(q["id"]), "--name", "Rina",
                "--code", new["authorisation_code"])
        self.assertEqual(self.show(q["id"])["status"], "new")
        # a category can require it
        self.wo("root", "category", "set", "access",
                "--needs-authorisation", "on")
        cats = {c["name"]: c for c in self.wo_json("disp", "category",
                                                   "show")}
        self.assertEqual(sorted(cats), ["access", "hardware", "network",
                                        "other", "software"])
        self.assertTrue(cats["access"]["needs_authorisation"])
        self.assertFalse(cats["network"]["needs_authorisation"])
        r = self.fails("disp", "create", "--title", "VPN", "--priority",
                       "P3", "--category", "access")
        self.assertIn("--authoriser", r.stderr)

    def test_no_sla_clock_before_the_verdict(self):
        """An order waiting for authorisation has no due times and raises
        no alert; approved, its clock starts then, and `wo sla` says so.
        The authorisation lock names itself and its fix."""
        self.wo("root", "customer", "set", "Bank Nusantara", "--external")
        self.wo("root", "agreement", "set", "Bank Nusantara", "--from", "now",
                "--target", "P3=4h/16h")
        o = self.create(title="Teller PC", prio="P3",
                        customer="Bank Nusantara",
                        **{"needs-authorisation": None,
                           "authoriser": "Budi Santoso"})
        wo = str(o["id"])
        self.assertEqual((o["sla"], o["due_in"], o["response_due"],
                          o["resolve_due"]), ("waiting", None, None, None))
        board = self.wo("disp", "board").stdout.splitlines()
        line = [x for x in board if x.startswith(wo + " ")][0]
        self.assertNotIn("left", line)
        self.assertIn("none until approved", line)
        # the status fits its column: TECH starts where its heading does
        self.assertEqual(line.index(" -  "), board[0].index(" TECH"))
        shown = self.wo("disp", "show", wo).stdout
        self.assertNotIn("respond by", shown)
        self.assertNotIn("resolve by", shown)
        self.assertIn("waits for authorisation",
                      self.wo_json("disp", "sla", wo)["why"])
        # a priority change while it waits starts no clock either
        self.wo("disp", "edit", wo, "--priority", "P1", "--reason", "VIP")
        self.assertIsNone(self.show(wo)["response_due"])
        # far past every target: no alert while it waits
        self.advance(3 * 24 * HOUR)
        self.ticked()
        self.assertEqual(self.alerts(), [])
        # a wrong code says what to do
        wrong = "%08d" % ((int(o["authorisation_code"]) + 1) % 100000000)
        r = self.fails("disp", "authorise", wo, "--name", "Budi Santoso",
                       "--code", wrong)
        self.assertIn("attempt 1 of 5", r.stderr)
        self.assertIn("check the code the authoriser was given", r.stderr)
        self.wo("disp", "authorise", wo, "--name", "Budi Santoso", "--code",
                o["authorisation_code"])
        approved = self.now()
        d = self.show(wo)
        self.assertEqual(d["sla"], "response")
        self.assertEqual(d["response_due"], approved + 15 * MIN)   # P1
        why = self.wo_json("disp", "sla", wo)["why"]
        self.assertIn("when its SLA clock started (at its approval", why)
        self.assertNotIn("the order opened", why)
        # five wrong codes: the lock names itself and its fix
        q = self.create(prio="P3", **{"needs-authorisation": None,
                                      "authoriser": "Rina"})
        bad = "%08d" % ((int(q["authorisation_code"]) + 7) % 100000000)
        for i in range(5):
            r = self.fails("disp", "authorise", str(q["id"]), "--name",
                           "Rina", "--code", bad)
        self.assertIn("attempt 5 of 5", r.stderr)
        self.assertIn("issue a new code with 'wo code %d --authorisation'"
                      % q["id"], r.stderr)
        self.assertNotIn("ask the desk", r.stderr)
        text = self.wo("disp", "alerts").stdout
        self.assertIn("authorisation LOCKED", text)
        self.assertIn("wo code WO --authorisation", text)
        self.assertNotIn("co-signing", text)
        feed = self.wo("disp", "feed").stdout
        self.assertIn("authorisation locked", feed)
        self.assertNotIn("co-signing locked", feed)

    def test_notes_and_remote_resolution(self):
        o = self.create(title="Outlook crashes", prio="P3", assign="alice")
        wo = str(o["id"])
        self.wo("disp", "note", wo, "User says it started after the update")
        self.wo("alice", "sync")
        notes = self.wo_json("alice", "show", wo)["notes"]
        self.assertEqual([(n["author"], n["text"]) for n in notes],
                         [("disp", "User says it started after the update")])
        # resolved by the technician over remote support, offline first
        self.stop_server()
        self.advance(HOUR)
        self.wo("alice", "resolve", wo, "--remote", "--note",
                "Repaired the Office install remotely")
        self.assertEqual(self.wo_json("alice", "show", wo)["status"],
                         "completed")
        self.start_server()
        self.wo("alice", "sync")
        d = self.show(wo)
        self.assertEqual(d["status"], "completed")
        self.assertTrue(d["remote"])
        self.assertEqual(d["responded_at"], d["resolved_at"])
        self.assertEqual(d["visits"], [])
        self.assertIn("Repaired the Office install remotely",
                      [n["text"] for n in d["notes"]])
        # validation and the 24 h closure as for any completed order
        self.advance(25 * HOUR)
        wait_until(lambda: self.show(wo)["status"] == "closed",
                   what="the remotely resolved order to close by itself")
        # the desk fixes one itself
        p = self.create(title="Password reset", prio="P3")
        self.wo("disp", "resolve", str(p["id"]), "--remote", "--note",
                "Reset by the desk on the phone")
        d = self.show(p["id"])
        self.assertEqual((d["status"], d["remote"]), ("completed", True))
        self.assertEqual(self.history(p["id"])[-1]["kind"], "resolve.remote")
        r = self.fails("disp", "resolve", str(p["id"]), "--remote", "--note",
                       "again")
        self.assertIn("order is completed", r.stderr)
        r = self.wo("disp", "resolve", str(p["id"]), "--note", "x",
                    check=False)
        self.assertEqual(r.returncode, 2)
        # not while someone is on site: that visit ends and is signed
        q = self.create(title="Fan", prio="P3", assign="alice")
        self.wo("alice", "sync")
        self.wo("alice", "accept", str(q["id"]))
        self.wo("alice", "visit", "start", str(q["id"]))
        r = self.fails("alice", "resolve", str(q["id"]), "--remote",
                       "--note", "x")
        self.assertIn("order is on_site", r.stderr)
        self.wo("alice", "sync")
        r = self.fails("disp", "resolve", str(q["id"]), "--remote", "--note",
                       "x")
        self.assertIn("order is on_site", r.stderr)


    def test_reports_per_requester_department_category_customer_cost(self):
        self.wo("root", "customer", "set", "ACME")
        self.wo("root", "customer", "set", "Globex", "--external")
        self.wo("root", "price", "set", "VLV-22", "150000")
        self.wo("root", "price", "set", "--labour", "120000")   # per hour
        self.fails("disp", "price", "set", "VLV-22", "1")        # admin only
        a = self.create(title="Boiler", prio="P2", assign="alice",
                        customer="ACME", requester="Sari",
                        department="Finance", category="hardware")
        b = self.create(title="Install Excel", prio="P3", customer="ACME",
                        requester="Sari", department="Finance",
                        category="software", type="request")
        c = self.create(title="Dead PC", prio="P3", customer="Globex",
                        requester="Joko", department="IT",
                        category="hardware")
        wo = str(a["id"])
        self.wo("alice", "sync")
        self.wo("alice", "accept", wo)
        self.wo("alice", "visit", "start", wo)
        self.advance(90 * MIN)
        self.wo("alice", "part", wo, "VLV-22", "--qty", "2")
        self.wo("alice", "visit", "end", wo, "--outcome", "done")
        self.wo("alice", "sync")

        def rows(*args):
            return {r["requester"] if "requester" in r else
                    r.get("department") or r.get("category") or
                    r.get("customer") or r.get("order"): r
                    for r in self.wo_json("disp", "report", *args)}
        req = rows("requesters")
        self.assertEqual((req["Sari"]["orders"], req["Joko"]["orders"]),
                         (2, 1))
        self.assertEqual((req["Sari"]["incidents"], req["Sari"]["requests"]),
                         (1, 1))
        dep = rows("departments")
        self.assertEqual((dep["Finance"]["orders"], dep["IT"]["orders"]),
                         (2, 1))
        cat = rows("categories")
        self.assertEqual(cat["hardware incident"]["orders"], 2)
        self.assertEqual(cat["software request"]["requests"], 1)
        self.assertEqual(cat["hardware incident"]["response_pct"], 100)
        cus = rows("customers")
        acme = cus["ACME"]
        self.assertEqual(acme["orders"], 2)
        self.assertEqual(acme["labour_ms"], 90 * MIN)
        self.assertEqual(acme["labour_cost"], 180000)
        self.assertEqual(acme["parts_cost"], 300000)
        self.assertEqual(acme["cost"], 480000)
        self.assertEqual(cus["Globex"]["cost"], 0)
        costs = self.wo_json("disp", "report", "costs", "--customer", "ACME")
        # the order is a number, in JSON and in CSV
        self.assertEqual([r["order"] for r in costs], [a["id"], b["id"]])
        self.assertIn("\n%d,5400000," % a["id"],
                      self.wo("disp", "report", "costs", "--csv").stdout)
        # the table heads a duration by what it shows; JSON keeps the ms
        table = self.wo("disp", "report", "customers").stdout.splitlines()
        head = table[1].split()
        self.assertIn("labour", head)
        self.assertNotIn("labour_ms", head)
        acme_line = [x for x in table if x.startswith("ACME")][0]
        self.assertIn(" 1h30m ", acme_line)
        # an unknown customer is named, exit 2 as bad arguments, as create
        r = self.wo("disp", "report", "customers", "--customer", "Bank Nusa",
                    check=False)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("no customer named 'Bank Nusa'", r.stderr)
        self.assertNotIn("nothing in that period", r.stdout)
        self.assertEqual(costs[0]["cost"], 480000)
        # every report can be filtered by customer
        self.assertEqual(sum(r["orders"] for r in self.wo_json(
            "disp", "report", "sla", "--customer", "Globex")), 1)
        self.assertEqual(list(rows("requesters", "--customer",
                                   "Globex")), ["Joko"])
        csv = self.wo("disp", "report", "customers", "--csv").stdout
        self.assertTrue(csv.splitlines()[0].startswith('"customer",orders'))
        self.assertIn('"ACME",2,', csv)
        self.assertIn("cost of service per order",
                      self.wo("disp", "report", "costs").stdout)
        self.assertEqual(c["customer"], "Globex")


    def test_void_a_wrong_part_and_note_signed(self):
        self.wo("root", "price", "set", "VLV-22", "150000")
        o = self.create(title="Pump noise", prio="P3", assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        self.wo("alice", "accept", wo)
        self.wo("alice", "visit", "start", wo)
        part = self.wo_json("alice", "part", wo, "VLV-22", "--qty", "3")
        note = self.wo_json("alice", "note", wo, "Replaced the seal")
        keep = self.wo_json("alice", "note", wo, "Bearing worn")
        self.wo("disp", "note", wo, "Customer asks for a call first")
        self.wo("alice", "sync")
        # a wrong part and a wrong note, voided offline with a reason
        self.stop_server()
        self.wo("alice", "void", wo, part["op"], "--reason",
                "wrong part number: it was VLV-23")
        self.wo("alice", "void", wo, note["op"], "--reason",
                "the seal was fine")
        r = self.fails("alice", "void", wo, note["op"], "--reason", "again")
        self.assertIn("void already", r.stderr)
        r = self.wo("alice", "void", wo, part["op"], check=False)
        self.assertEqual(r.returncode, 2)              # no reason
        self.assertIn("VOID by alice: the seal was fine",
                      self.wo("alice", "show", wo).stdout)
        self.wo("alice", "visit", "end", wo, "--outcome", "done")
        self.wo("alice", "sign", wo)
        self.start_server()
        self.wo("alice", "sync")
        d = self.show(wo)
        self.assertEqual(d["status"], "completed")
        self.assertEqual([s["verified"] for s in d["signatures"]], [True])
        stmt = d["signatures"][0]["statement"]
        parts = {p["id"]: p for p in d["parts"]}
        notes = {n["id"]: n for n in d["notes"]}
        # the records stay, marked void; the signature lists the voids
        self.assertEqual(parts[part["op"]]["void"]["reason"],
                         "wrong part number: it was VLV-23")
        self.assertEqual(notes[note["op"]]["void"]["by"], "alice")
        self.assertIsNone(notes[keep["op"]]["void"])
        self.assertEqual(len(d["voids"]), 2)
        for v in d["voids"]:
            self.assertIn("void %s " % v["id"], stmt)
            self.assertTrue(v["signed"])
        self.assertEqual(sum(1 for h in self.history(wo)
                             if h["kind"] == "record.void"), 2)
        # a voided part costs nothing
        self.assertEqual(self.wo_json("disp", "report", "costs")[0]
                         ["parts_cost"], 0)
        # only its author voids a record; the office's note is not alice's
        office = [n for n in d["notes"] if n["author"] == "disp"][0]
        self.enroll("bob", "technician")
        r = self.fails("alice", "void", wo, office["id"], "--reason", "x")
        self.assertIn("not yours", r.stderr)
        # the recipient co-signs what the technician signed, voids too
        self.wo("alice", "cosign", wo, "--name", "Ann", "--code",
                o["recipient_code"], "--yes")
        self.wo("alice", "sync")
        d = self.show(wo)
        self.assertEqual(d["status"], "closed")
        self.assertTrue(all(s["verified"] for s in d["signatures"]))
        # the service report carries the voids as evidence, shows them,
        # and verifies anywhere
        pdf = os.path.join(self.dir, "void-report.pdf")
        self.wo("disp", "report-pdf", wo, "--out", pdf)
        r = self.wo("disp", "verify", pdf)
        self.assertIn("VERIFIED", r.stdout)
        text = subprocess.run(["pdftotext", "-layout", pdf, "-"],
                              capture_output=True, text=True).stdout
        self.assertIn("VOID", text)
        self.assertIn("wrong part number: it was VLV-23", text)


    def test_pause_awaiting_the_customer_counts_in_business_hours(self):
        self.wo("root", "customer", "set", "Bank Nusantara")
        self.at(utc(2027, 1, 4, 0, 0))
        self.wo("root", "agreement", "set", "Bank Nusantara", "--from",
                "2027-01-01", "--tz", "Asia/Jakarta", "--hours",
                "Mon-Fri 08:00-17:00", "--target", "P3=4h/16h")
        # Tuesday 09:00 WIB: 16 counted hours run to Wednesday 16:00 WIB
        self.at(utc(2027, 1, 12, 2, 0))
        o = self.create(prio="P3", customer="Bank Nusantara", assign="alice")
        wo = str(o["id"])
        self.assertEqual(self.show(wo)["resolve_due"], utc(2027, 1, 13, 9, 0))
        self.wo("alice", "sync")
        self.wo("alice", "accept", wo)
        self.wo("alice", "visit", "start", wo)
        self.at(utc(2027, 1, 12, 3, 0))             # Tuesday 10:00 WIB
        self.wo("alice", "visit", "end", wo, "--outcome", "customer-absent")
        self.wo("alice", "sync")
        self.assertEqual(self.show(wo)["sla"], "paused")
        # back on Wednesday at 20:00 WIB, after hours: 15 counted hours
        # were left, so Thursday 08:00-17:00 and Friday 08:00-14:00
        self.at(utc(2027, 1, 13, 13, 0))
        self.wo("alice", "visit", "start", wo)
        self.wo("alice", "sync")
        d = self.show(wo)
        self.assertEqual(d["sla"], "resolve")
        self.assertEqual(d["resolve_due"], utc(2027, 1, 15, 7, 0))


    def test_desk_lines_of_show_in_indonesian(self):
        """The intake, authorisation, remote and void lines of `wo show`
        follow the language like the rest (po/id.po); values stay as
        entered, and English is unchanged."""
        id_env = dict(os.environ, LANG="C.UTF-8", LANGUAGE="id")
        id_env.pop("LC_ALL", None)
        en_env = {k: v for k, v in os.environ.items()
                  if k not in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
        self.wo("root", "customer", "set", "ACME", "--external")
        o = self.create(title="Printer jams", prio=None, impact="high",
                        urgency="low", type="request", category="hardware",
                        customer="ACME", department="Finance",
                        deadline="+2d", requester="Sari",
                        **{"needs-authorisation": None,
                           "authoriser": "Budi"})
        wo = str(o["id"])
        idn = self.wo("disp", "show", wo, env=id_env).stdout
        for line in ("jenis:       request, kategori hardware, dampak high, "
                     "urgensi low",
                     "pelanggan:   ACME, departemen Finance",
                     "(diminta)", "batas waktu:",
                     "penyetuju:   Budi (menunggu persetujuan)"):
            self.assertIn(line, idn)
        en = self.wo("disp", "show", wo, env=en_env).stdout
        for line in ("type:        request, category hardware, impact high, "
                     "urgency low",
                     "customer:    ACME, department Finance",
                     "(requested)", "deadline:",
                     "authoriser:  Budi (waiting for approval)"):
            self.assertIn(line, en)
        # a new authorisation code, shown in the dispatcher's language
        c = self.wo("disp", "code", wo, "--authorisation", env=id_env).stdout
        self.assertIn("kode persetujuan (berikan kepada Budi):", c)
        # a remote resolution and a void, on the technician's laptop
        o = self.create(title="Outlook crashes", prio="P3", assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        note = self.wo_json("alice", "note", wo, "Reinstalled Office")
        self.wo("alice", "void", wo, note["op"], "--reason", "wrong order")
        self.wo("alice", "resolve", wo, "--remote", "--note", "Fixed remotely")
        self.wo("alice", "sync")
        idn = self.wo("disp", "show", wo, env=id_env).stdout
        self.assertIn("[BATAL oleh alice: wrong order]", idn)
        self.assertIn("diselesaikan dari jauh (tanpa kunjungan ke lokasi)",
                      idn)
        en = self.wo("disp", "show", wo, env=en_env).stdout
        self.assertIn("[VOID by alice: wrong order]", en)
        self.assertIn("resolved remotely (no site visit)", en)


if __name__ == "__main__":
    unittest.main()
