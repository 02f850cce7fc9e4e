"""Issue 10: recipient codes cannot be guessed and are not kept in clear;
a signature covers the work it claims."""
import hashlib
import os
import subprocess
import unittest

from harness import HOUR, ClockEnv, Env


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


class Coverage(Env):
    def setUp(self):
        super().setUp()
        self.enroll("disp", "dispatcher")
        self.enroll("alice", "technician")

    def test_a_signature_that_leaves_out_the_signers_work_is_rejected(self):
        o = self.create(assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        self.wo("alice", "accept", wo)
        self.wo("alice", "visit", "start", wo)
        self.wo("alice", "note", wo, "Found the leak")
        self.wo("alice", "visit", "end", wo, "--outcome", "done")
        self.wo("alice", "sync")
        # the laptop lost the note (the server has it): its statement
        # would sign for less than the technician recorded
        db = self.replica("alice")
        db.execute("DELETE FROM notes")
        db.commit()
        self.wo("alice", "sign", wo)
        self.assertEqual(self.wo("alice", "sync", check=False).returncode, 3)
        reason = self.wo_json("alice", "outbox")[-1]["reason"]
        self.assertIn("leaves out note", reason)
        d = self.wo_json("disp", "show", wo)
        self.assertEqual(d["signatures"], [])
        self.assertEqual(d["status"], "accepted")

    def sign_job(self):
        o = self.create(assign="alice")
        wo = str(o["id"])
        self.wo("alice", "sync")
        for args in (("accept", wo), ("visit", "start", wo),
                     ("part", wo, "VLV-1", "--qty", "1"),
                     ("visit", "end", wo, "--outcome", "done"),
                     ("sign", wo)):
            self.wo("alice", *args)
        self.wo("alice", "sync")
        return o, wo

    def test_a_record_after_the_signature_is_marked_in_every_view(self):
        o, wo = self.sign_job()
        self.wo("alice", "part", wo, "GSK-9", "--qty", "2")
        self.wo("alice", "sync")
        for who in ("alice", "disp"):
            d = self.wo_json(who, "show", wo)
            signed = {p["part_no"]: p["signed"] for p in d["parts"]}
            self.assertEqual(signed, {"VLV-1": True, "GSK-9": False})
            text = self.wo(who, "show", wo).stdout
            line = [l for l in text.splitlines() if "GSK-9" in l][0]
            self.assertIn("NOT covered by any signature", line)
            line = [l for l in text.splitlines() if "VLV-1" in l][0]
            self.assertNotIn("NOT covered", line)

    def test_no_record_on_a_closed_order(self):
        o, wo = self.sign_job()
        # a second laptop of the same technician, still showing the job
        code = self.srv_cmd(["user", "code", "alice", "--data", self.data,
                             "--quiet"]).stdout.strip()
        self.wo("alice2", "enroll", "--server", self.url(), "--ca", self.ca,
                "--code", code)
        self.wo("alice2", "sync")
        self.wo("alice", "cosign", wo, "--name", "Jo", "--code",
                o["recipient_code"])
        self.wo("alice", "sync")
        self.assertEqual(self.wo_json("disp", "show", wo)["status"], "closed")
        self.stop_server()
        self.wo("alice2", "note", wo, "one more thing")
        self.start_server()
        self.assertEqual(self.wo("alice2", "sync", check=False).returncode, 3)
        out = self.wo_json("alice2", "outbox")
        self.assertIn("order is closed", out[-1]["reason"])
        self.assertEqual(len(self.wo_json("disp", "show", wo)["notes"]), 0)

    def test_signatures_verify_with_openssl_alone(self):
        o, wo = self.sign_job()
        g = self.wo_json("disp", "show", wo)["signatures"][0]
        stmt = g["statement"].encode()
        self.assertEqual(g["statement_sha256"],
                         hashlib.sha256(stmt).hexdigest())
        # the raw key as SubjectPublicKeyInfo DER: a fixed prefix for Ed25519
        der = bytes.fromhex("302a300506032b6570032100" + g["pubkey"])
        # Ed25519 signs the statement's SHA-256 (docs/protocol.md)
        files = {"pub.der": der, "stmt": hashlib.sha256(stmt).digest(),
                 "sig": bytes.fromhex(g["sig"])}
        for name, data in files.items():
            with open(os.path.join(self.dir, name), "wb") as f:
                f.write(data)
        cmd = ["openssl", "pkeyutl", "-verify", "-pubin", "-keyform", "DER",
               "-inkey", "pub.der", "-rawin", "-in", "stmt", "-sigfile",
               "sig"]
        r = subprocess.run(cmd, cwd=self.dir, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Signature Verified Successfully", r.stdout)
        with open(os.path.join(self.dir, "stmt"), "ab") as f:
            f.write(b"x")
        r = subprocess.run(cmd, cwd=self.dir, capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)


class Enrolment(ClockEnv):
    def enroll_with(self, who, code, *extra):
        return self.wo(who, "enroll", "--server", self.url(), "--ca",
                       self.ca, "--code", code, *extra, check=False)

    def test_codes_expire(self):
        code = self.srv_cmd(["user", "add", "bob", "--role", "technician",
                             "--data", self.data, "--code-ttl", "1h",
                             "--quiet"]).stdout.strip()
        self.advance(2 * HOUR)
        r = self.enroll_with("bob", code)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("enrolment code is expired", r.stderr)
        # a new code, with the default week, works
        code = self.srv_cmd(["user", "code", "bob", "--data", self.data,
                             "--quiet"]).stdout.strip()
        self.advance(6 * 24 * HOUR)
        self.assertEqual(self.enroll_with("bob", code).returncode, 0)

    def test_wrong_codes_per_user_are_limited_and_logged(self):
        code = self.add_user("bob", "technician")
        for _ in range(5):
            r = self.enroll_with("bob", "AAAA-BBBB-CCCC", "--user", "bob")
            self.assertIn("enrolment code is unknown", r.stderr)
        r = self.enroll_with("bob", code, "--user", "bob")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("too many wrong enrolment codes for user bob",
                      r.stderr)
        self.assertIn("enrolment refused (unknown) for user bob",
                      self.server_log())
        # the window passes; the right code works, for the right user only
        self.advance(HOUR)
        r = self.enroll_with("bob", code, "--user", "alice")
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(self.enroll_with("bob", code, "--user",
                                          "bob").returncode, 0)

    def test_wrong_codes_per_address_are_limited(self):
        code = self.add_user("bob", "technician")
        for i in range(20):
            r = self.enroll_with("x%d" % i, "AAAA-BBBB-CCCC")
            self.assertIn("enrolment code is unknown", r.stderr)
        r = self.enroll_with("bob", code)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("too many wrong enrolment codes from 127.0.0.1",
                      r.stderr)
        self.assertIn("from 127.0.0.1", self.server_log())
        self.advance(HOUR)
        self.assertEqual(self.enroll_with("bob", code).returncode, 0)


if __name__ == "__main__":
    unittest.main()
