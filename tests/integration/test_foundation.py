"""Issue 2: the whole path from dispatcher to technician and back, with the
technician offline in the middle; live reassignment; idempotent ops;
signature and code checks; refused devices; malformed input."""
import os
import shutil
import subprocess
import unittest

from harness import Env, wait_until, ws_frame, ws_read_frames


class Foundation(Env):
    def setUp(self):
        super().setUp()
        self.enroll("disp", "dispatcher")
        self.enroll("alice", "technician")

    def record_job(self, who, wo):
        self.wo(who, "accept", str(wo))
        self.wo(who, "visit", "start", str(wo))
        self.wo(who, "part", str(wo), "PX-100", "--qty", "2", "--desc",
                "valve", "--serial", "SN1", "--serial", "SN2")
        self.wo(who, "note", str(wo), "Replaced the valve; pressure ok")
        self.wo(who, "visit", "end", str(wo), "--outcome", "done")

    def test_whole_path_offline(self):
        o = self.create(assign="alice", site="Plant 3", asset="B-7",
                        requester="Ann")
        code = o["recipient_code"]
        self.assertEqual(o["status"], "assigned")
        self.wo("alice", "sync")
        self.assertEqual(self.list_ids("alice"), [o["id"]])
        # the technician never sees the recipient's code
        self.assertNotIn("recipient_code", self.wo_json("alice", "show",
                                                        str(o["id"])))

        self.stop_server()          # network gone
        self.record_job("alice", o["id"])
        self.wo("alice", "sign", str(o["id"]))
        self.wo("alice", "cosign", str(o["id"]), "--name", "Jo Recipient",
                "--code", code)
        local = self.wo_json("alice", "show", str(o["id"]))
        self.assertEqual(local["status"], "closed")
        self.assertEqual(len(self.wo_json("alice", "outbox")), 7)
        r = self.wo("alice", "sync", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("outbox", r.stderr)
        self.assertEqual(len(self.wo_json("alice", "outbox")), 7)

        self.start_server()         # network back
        out = self.wo("alice", "sync").stdout
        self.assertIn("7 applied", out)
        self.assertEqual(self.wo_json("alice", "outbox"), [])
        # closed: it left alice's scope
        self.assertEqual(self.list_ids("alice"), [])

        d = self.wo_json("disp", "show", str(o["id"]))
        self.assertEqual(d["status"], "closed")
        self.assertEqual(d["assignee"], "alice")
        self.assertEqual(len(d["visits"]), 1)
        self.assertEqual(d["visits"][0]["outcome"], "done")
        self.assertEqual(d["parts"][0]["part_no"], "PX-100")
        self.assertEqual(d["parts"][0]["serials"], ["SN1", "SN2"])
        self.assertEqual(d["notes"][0]["text"],
                         "Replaced the valve; pressure ok")
        roles = {s["role"]: s for s in d["signatures"]}
        self.assertEqual(set(roles), {"technician", "recipient"})
        self.assertEqual(roles["technician"]["signer"], "alice")
        self.assertEqual(roles["recipient"]["signer"], "Jo Recipient")
        self.assertTrue(all(s["verified"] for s in d["signatures"]))
        self.assertTrue(all(s["signed_at"] > 0 for s in d["signatures"]))
        self.assertEqual(d["rejected_ops"], [])
        # the board shows open orders; --all the closed ones too
        self.assertEqual(self.wo_json("disp", "board"), [])
        board = self.wo_json("disp", "board", "--all")
        self.assertEqual([b["status"] for b in board], ["closed"])

    def test_live_reassignment(self):
        self.enroll("bob", "technician")
        self.watch("alice")
        self.watch("bob")
        # both are connected and caught up: from here on only a live push
        # can bring the order (asserted below: no reconnect happened)
        o = self.create(assign="alice")
        wait_until(lambda: o["id"] in self.list_ids("alice"),
                   what="order to reach alice live")
        self.assertNotIn(o["id"], self.list_ids("bob"))
        self.wo("disp", "assign", str(o["id"]), "bob")
        wait_until(lambda: o["id"] in self.list_ids("bob"),
                   what="order to reach bob live")
        wait_until(lambda: o["id"] not in self.list_ids("alice"),
                   what="order to leave alice live")
        self.assertEqual(self.wo_json("bob", "show", str(o["id"]))["assignee"],
                         "bob")
        for who in ("alice", "bob"):
            self.assertNotIn("disconnected", self.watch_log(who))
            self.assertEqual(self.watch_log(who).count("up to date"), 1)

    def test_same_op_twice_applies_once(self):
        o = self.create(assign="alice")
        self.wo("alice", "sync")
        self.wo("alice", "note", str(o["id"]), "only once")
        db = os.path.join(self.home("alice"), "replica.db")
        backup = db + ".bak"
        con = self.replica("alice")
        con.execute("PRAGMA wal_checkpoint(FULL)")
        shutil.copy(db, backup)
        self.assertIn("1 applied", self.wo("alice", "sync").stdout)
        # a restored backup replays the same op id
        os.remove(db)
        for ext in ("-wal", "-shm"):
            if os.path.exists(db + ext):
                os.remove(db + ext)
        shutil.copy(backup, db)
        self.assertIn("1 duplicate", self.wo("alice", "sync").stdout)
        notes = self.wo_json("disp", "show", str(o["id"]))["notes"]
        self.assertEqual([n["text"] for n in notes], ["only once"])

    def test_tampered_statement_rejected(self):
        o = self.create(assign="alice")
        self.wo("alice", "sync")
        self.record_job("alice", o["id"])
        self.wo("alice", "sync")
        # someone edits the local copy of the note, then signs
        con = self.replica("alice")
        con.execute("UPDATE notes SET body = 'nothing was wrong'")
        con.commit()
        self.wo("alice", "sign", str(o["id"]))
        r = self.wo("alice", "sync", check=False)
        self.assertEqual(r.returncode, 3)
        rej = self.wo_json("alice", "outbox")
        self.assertEqual(rej[0]["state"], "rejected")
        self.assertIn("differs from the server's record", rej[0]["reason"])
        d = self.wo_json("disp", "show", str(o["id"]))
        self.assertEqual(d["status"], "accepted")
        self.assertEqual(d["signatures"], [])
        self.assertIn("differs", d["rejected_ops"][0]["reason"])

    def test_altered_signed_op_rejected(self):
        o = self.create(assign="alice")
        self.wo("alice", "sync")
        self.record_job("alice", o["id"])
        self.wo("alice", "sign", str(o["id"]))
        con = self.replica("alice")
        (body,) = con.execute("SELECT body FROM outbox WHERE kind = "
                              "'sign.technician'").fetchone()
        forged = body.replace(b"role technician", b"role technicist")
        self.assertNotEqual(forged, body)
        con.execute("UPDATE outbox SET body = ? WHERE kind = "
                    "'sign.technician'", (forged,))
        con.commit()
        self.assertEqual(self.wo("alice", "sync", check=False).returncode, 3)
        d = self.wo_json("disp", "show", str(o["id"]))
        self.assertIn("does not verify", d["rejected_ops"][0]["reason"])
        # the other ops of the batch were still applied
        self.assertEqual(len(d["visits"]), 1)
        self.assertEqual(len(d["notes"]), 1)

    def test_wrong_recipient_code_rejected(self):
        o = self.create(assign="alice")
        self.wo("alice", "sync")
        self.record_job("alice", o["id"])
        self.wo("alice", "sign", str(o["id"]))
        wrong = "00000000" if o["recipient_code"] != "00000000" else "11111111"
        self.wo("alice", "cosign", str(o["id"]), "--name", "Jo", "--code",
                wrong)
        self.assertEqual(self.wo("alice", "sync", check=False).returncode, 3)
        d = self.wo_json("disp", "show", str(o["id"]))
        self.assertEqual(d["status"], "completed")
        self.assertEqual([s["role"] for s in d["signatures"]], ["technician"])
        self.assertIn("code is wrong", d["rejected_ops"][0]["reason"])
        out = self.wo_json("alice", "outbox")
        self.assertIn("code is wrong", out[0]["reason"])

    def test_revoked_and_unknown_keys_refused(self):
        self.wo("alice", "sync")
        self.srv_cmd(["device", "revoke", "2", "--data", self.data])
        r = self.wo("alice", "sync", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("revoked", r.stderr)
        # an unknown key for a known device id
        self.enroll("carol", "technician")
        key = os.path.join(self.home("carol"), "device.key")
        os.remove(key)
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519",
                        "-out", key], check=True, capture_output=True)
        os.chmod(key, 0o600)
        r = self.wo("carol", "sync", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("does not match", r.stderr)
        # an id the server never enrolled
        con = self.replica("carol")
        con.execute("UPDATE config SET value = '999' WHERE key='device_id'")
        con.commit()
        r = self.wo("carol", "sync", check=False)
        self.assertIn("not enrolled", r.stderr)

    def test_admin_revoke_disconnects_at_once(self):
        self.enroll("root", "admin")
        w = self.watch("alice")
        self.wo("root", "device", "revoke", "2")
        self.assertEqual(w.wait(timeout=10), 1)
        self.assertIn("revoked", self.watch_log("alice"))

    def test_malformed_input(self):
        s, head, rest = self.raw_ws()
        self.assertIn(b"101", head.split(b"\r\n")[0])
        s.sendall(ws_frame(b"\xc1"))                  # not msgpack
        s.sendall(ws_frame(b"\x81\xa1t\xa3zzz"))       # unknown type
        s.sendall(ws_frame(b"\x81\xa1t\xa4auth"))      # missing fields
        frames = ws_read_frames(s, rest)
        s.close()
        kinds = [op for op, _ in frames]
        self.assertEqual(kinds.count(2), 4)   # challenge + 3 error frames
        self.assertIn(b"unknown frame type", b"".join(p for _, p in frames))
        self.assertIn(b"required field", b"".join(p for _, p in frames))
        close = [p for op, p in frames if op == 8]
        self.assertTrue(close)
        self.assertEqual(int.from_bytes(close[0][:2], "big"), 1007)
        # oversized message: closed with 1009
        s, head, rest = self.raw_ws()
        s.sendall(ws_frame(b"\x00" * (1024 * 1024 + 10)))
        frames = ws_read_frames(s, rest)
        s.close()
        close = [p for op, p in frames if op == 8]
        self.assertEqual(int.from_bytes(close[0][:2], "big"), 1009)
        # no subprotocol: upgraded, then closed at once with 1002
        s, head, rest = self.raw_ws(protocol=None)
        frames = ws_read_frames(s, rest)
        s.close()
        self.assertEqual(len(frames), 1)
        self.assertEqual(frames[0][0], 8)
        self.assertEqual(int.from_bytes(frames[0][1][:2], "big"), 1002)
        self.assertIn(b"wo.v1", frames[0][1])
        # an unknown subprotocol is not upgraded at all
        s, head, rest = self.raw_ws(protocol="wo.v0")
        s.close()
        self.assertNotIn(b" 101 ", head.split(b"\r\n")[0])
        # and the server is still serving
        self.assertIsNone(self.server.poll())
        self.wo("alice", "sync")

    def test_bad_arguments(self):
        r = self.wo("alice", "part", "1", "PX", "--qty", "-3", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--qty", r.stderr)
        r = self.wo("alice", "visit", "end", "1", check=False)
        self.assertEqual(r.returncode, 2)
        r = self.wo("disp", "create", "--title", "x", "--priority", "P9",
                    check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("P1, P2 or P3", r.stderr)
        r = self.wo("alice", "accept", "42", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not in your list", r.stderr)
        for cmd in (["accept", "1"], ["sign", "1"]):
            r = self.wo("disp", *cmd, check=False)
            self.assertEqual(r.returncode, 1, cmd)
            self.assertIn("this command is for technicians", r.stderr)
        # a dispatcher's note goes to the server (issue 14), which knows
        # no order 1 here
        r = self.wo("disp", "note", "1", "x", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("work order 1 does not exist", r.stderr)
        self.assertEqual(self.wo_json("alice", "outbox"), [])
        r = self.srv_cmd(["run", "--data", self.data, "--listen", "nope"],
                         check=False)
        self.assertEqual(r.returncode, 2)

    def test_offline_op_rejected_after_reassignment(self):
        self.enroll("bob", "technician")
        o = self.create(assign="alice")
        self.wo("alice", "sync")
        self.wo("disp", "assign", str(o["id"]), "bob")
        # alice, offline, still works the job
        self.wo("alice", "accept", str(o["id"]))
        self.wo("alice", "note", str(o["id"]), "seen before reassignment")
        self.assertEqual(self.wo("alice", "sync", check=False).returncode, 3)
        out = self.wo_json("alice", "outbox")
        self.assertEqual([x["kind"] for x in out], ["accept"])
        self.assertIn("no longer assigned", out[0]["reason"])
        d = self.wo_json("disp", "show", str(o["id"]))
        self.assertEqual([n["text"] for n in d["notes"]],
                         ["seen before reassignment"])
        self.assertNotIn(o["id"], self.list_ids("alice"))
        self.wo("bob", "sync")
        b = self.wo_json("bob", "show", str(o["id"]))
        self.assertEqual(b["notes"][0]["author"], "alice")


if __name__ == "__main__":
    unittest.main()
