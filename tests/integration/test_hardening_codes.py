"""Issue 10: recipient codes cannot be guessed and are not kept in clear;
a signature covers the work it claims."""
import unittest

from harness import Env


class Codes(Env):
    def setUp(self):
        super().setUp()
        self.enroll("disp", "dispatcher")
        self.enroll("alice", "technician")

    def job(self, o):
        wo = str(o["id"])
        self.wo("alice", "sync")
        for args in (("accept", wo), ("visit", "start", wo),
                     ("note", wo, "Valve replaced"),
                     ("visit", "end", wo, "--outcome", "done"),
                     ("sign", wo)):
            self.wo("alice", *args)
        return wo

    def cosign(self, wo, code):
        self.wo("alice", "cosign", wo, "--name", "Jo", "--code", code)
        return self.wo("alice", "sync", check=False).returncode

    def test_wrong_codes_lock_cosigning_until_a_new_code(self):
        o = self.create(assign="alice")
        wo, right = self.job(o), o["recipient_code"]
        wrong = "00000000" if right != "00000000" else "11111111"
        for attempt in range(1, 6):
            self.assertEqual(self.cosign(wo, wrong), 3)
            out = self.wo_json("alice", "outbox")
            self.assertIn("attempt %d of 5" % attempt, out[-1]["reason"])
        # locked: even the right code is refused now
        self.assertEqual(self.cosign(wo, right), 3)
        self.assertIn("locked", self.wo_json("alice", "outbox")[-1]["reason"])
        d = self.wo_json("disp", "show", wo)
        self.assertEqual(d["status"], "completed")
        self.assertEqual([s["role"] for s in d["signatures"]], ["technician"])
        kinds = [a["kind"] for a in self.wo_json("disp", "alerts")]
        self.assertIn("code.locked", kinds)
        hist = [h["kind"] for h in self.wo_json("disp", "history", wo)]
        self.assertEqual(hist.count("op.rejected"), 6)
        self.assertEqual(hist.count("code.locked"), 1)
        # a dispatcher issues a new code; the old one no longer works
        new = self.wo_json("disp", "code", wo)["recipient_code"]
        self.assertRegex(new, r"^[0-9]{8}$")
        self.assertIn("code.new",
                      [h["kind"] for h in self.wo_json("disp", "history", wo)])
        if new != right:
            self.assertEqual(self.cosign(wo, right), 3)
            self.assertIn("attempt 1 of 5",
                          self.wo_json("alice", "outbox")[-1]["reason"])
        self.assertEqual(self.cosign(wo, new), 0)
        self.assertEqual(self.wo_json("disp", "show", wo)["status"], "closed")

    def test_codes_are_not_kept_in_clear(self):
        o = self.create(assign="alice")
        db = self.server_db()
        row = db.execute("SELECT recipient_code, length(code_hash), "
                         "length(code_salt) FROM orders WHERE id = ?",
                         (o["id"],)).fetchone()
        db.close()
        self.assertEqual(row, ("", 32, 16))
        # shown once, to the dispatcher who opened the order, never again
        self.assertRegex(o["recipient_code"], r"^[0-9]{8}$")
        self.assertNotIn("recipient_code",
                         self.wo_json("disp", "show", str(o["id"])))

    def test_cosign_checks_the_code_format_first(self):
        o = self.create(assign="alice")
        wo = self.job(o)
        before = len(self.wo_json("alice", "outbox"))
        r = self.wo("alice", "cosign", wo, "--name", "Jo", "--code", "12ab",
                    check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("8 digits", r.stderr)
        self.assertEqual(len(self.wo_json("alice", "outbox")), before)


if __name__ == "__main__":
    unittest.main()
