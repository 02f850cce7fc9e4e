"""Files and secrets: codes never in argv, every file private, damaged
files named and never replaced, one bad outbox row set aside, the store
checked at start and on demand, a full disk called a full disk.

Each test drives the real wo-server and wo over real TLS and reads or
damages the real SQLite files (docs/sync.md, "Damage"; README, "Files")."""
import os
import pty
import select
import sqlite3
import stat
import subprocess
import time
import unittest

from harness import SERVER, WO, Env


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def root_page(db, table):
    """(page size, root page of table) of an SQLite file. The connection
    is the file's last, so closing it moves the WAL into the file and
    removes it: the page written next is the one SQLite reads."""
    c = sqlite3.connect(db)
    try:
        ps = c.execute("PRAGMA page_size").fetchone()[0]
        root = c.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                         (table,)).fetchone()[0]
    finally:
        c.close()
    return ps, root


def damage_page(db, table):
    """Write garbage over the root page of table (never page 1, so the file
    still opens and its schema reads)."""
    ps, root = root_page(db, table)
    assert root > 1
    for ext in ("-wal", "-shm"):
        assert not os.path.exists(db + ext), "the WAL must be checkpointed"
    with open(db, "r+b") as f:
        f.seek((root - 1) * ps)
        f.write(b"\xde\xad\xbe\xef" * (ps // 4))


class Files(Env):
    def setUp(self):
        # the usual umask: files that are private must be made so by the
        # programs, not by the test's environment
        old = os.umask(0o022)
        self.addCleanup(os.umask, old)
        super().setUp()
        self.enroll("disp", "dispatcher")

    # -- helpers ---------------------------------------------------------
    def expect_exit(self, args, timeout=15):
        """Run wo-server args, which must stop by itself (a server that
        starts serving fails the test); its CompletedProcess."""
        p = subprocess.Popen([SERVER] + args, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            self.fail("wo-server %s kept running" % args)
        self.assert_clean(err)
        return subprocess.CompletedProcess(args, p.returncode, out, err)

    def enroll_stdin(self, name, role):
        code = self.add_user(name, role)
        r = subprocess.run([WO, "--home", self.home(name), "enroll",
                            "--server", self.url(), "--ca", self.ca],
                           input=code + "\n", capture_output=True, text=True,
                           timeout=60)
        self.assert_clean(r.stderr)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def job_to_cosign(self, tech):
        o = self.create(assign=tech)
        w = str(o["id"])
        self.wo(tech, "sync")
        self.wo(tech, "accept", w)
        self.wo(tech, "visit", "start", w)
        self.wo(tech, "visit", "end", w, "--outcome", "done")
        self.wo(tech, "sign", w)
        return o

    def stop_everything(self):
        """Stop the server; no wo runs: every WAL is checkpointed away."""
        self.stop_server()

    # -- codes are read, not taken from argv -------------------------------
    def test_codes_from_standard_input(self):
        self.enroll_stdin("alice", "technician")
        o = self.job_to_cosign("alice")
        r = subprocess.run([WO, "--home", self.home("alice"), "cosign",
                            str(o["id"]), "--name", "Ann"],
                           input=o["recipient_code"] + "\n",
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("0 ops pending", self.wo("alice", "sync").stdout)
        d = self.wo_json("disp", "show", str(o["id"]))
        self.assertEqual(d["status"], "closed")
        self.assertEqual({s["role"] for s in d["signatures"]},
                         {"technician", "recipient"})
        # no line, no code: said, and nothing recorded
        o2 = self.job_to_cosign("alice")
        r = subprocess.run([WO, "--home", self.home("alice"), "cosign",
                            str(o2["id"]), "--name", "Ann"],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no recipient's code was given", r.stderr)
        self.assertNotIn("sign.recipient",
                         [b["kind"] for b in self.wo_json("alice", "outbox")])
        # --help says what --code costs
        h = subprocess.run([WO, "--help"], capture_output=True, text=True)
        self.assertIn("every user of this machine (ps)", h.stdout)

    def test_code_prompt_on_a_terminal_is_not_echoed(self):
        code = self.add_user("bob", "technician")
        master, slave = pty.openpty()
        p = subprocess.Popen([WO, "--home", self.home("bob"), "enroll",
                              "--server", self.url(), "--ca", self.ca],
                             stdin=slave, stdout=slave, stderr=slave,
                             start_new_session=True)
        self.procs.append(p)
        os.close(slave)
        seen = b""

        def read_until(pred, timeout=30):
            nonlocal seen
            end = time.monotonic() + timeout
            while not pred(seen) and time.monotonic() < end:
                ready, _, _ = select.select([master], [], [], 0.2)
                if ready:
                    try:
                        chunk = os.read(master, 4096)
                    except OSError:  # the child closed the terminal
                        break
                    if not chunk:
                        break
                    seen += chunk
        try:
            read_until(lambda s: b"not shown as you type" in s)
            self.assertIn(b"enrolment code (not shown as you type)", seen)
            os.write(master, code.encode() + b"\n")
            read_until(lambda s: b"enrolled device" in s)
            self.assertEqual(p.wait(timeout=30), 0, seen)
        finally:
            os.close(master)
        self.assertIn(b"enrolled device", seen)
        self.assertNotIn(code.encode(), seen)
        self.assertIn("0 applied", self.wo("bob", "sync").stdout)

    # -- every file private; the CA's key kept apart ------------------------
    def test_files_are_private_and_the_ca_key_is_apart(self):
        self.enroll("alice", "technician")
        o = self.create(assign="alice")
        self.wo("alice", "sync")
        self.wo("alice", "note", str(o["id"]), "private")
        self.wo("alice", "sync")
        # the running server's WAL and shared memory are there now
        self.assertTrue(os.path.exists(os.path.join(self.data,
                                                    "server.db-wal")))
        for root in (self.data, self.home("alice"), self.home("disp")):
            self.assertEqual(mode(root), 0o700, root)
            for d, dirs, names in os.walk(root):
                for n in dirs:
                    self.assertEqual(mode(os.path.join(d, n)), 0o700,
                                     os.path.join(d, n))
                for n in names:
                    self.assertEqual(mode(os.path.join(d, n)), 0o600,
                                     os.path.join(d, n))
        self.assertTrue(os.path.exists(os.path.join(self.home("alice"),
                                                    "device.key")))
        # the CA's private key is not in what the server reads
        for d, _, names in os.walk(self.data):
            for n in names:
                with open(os.path.join(d, n), "rb") as f:
                    body = f.read()
                if b"PRIVATE KEY" in body:
                    self.assertEqual(os.path.join(d, n),
                                     os.path.join(self.data, "tls",
                                                  "server.key"))
        ca_dir = self.data + "-ca"
        self.assertEqual(mode(ca_dir), 0o700)
        self.assertEqual(mode(os.path.join(ca_dir, "ca.key")), 0o600)
        # ... and the server runs without it; the CA cert stays put
        self.stop_server()
        os.rename(ca_dir, ca_dir + ".away")
        self.start_server()
        self.assertIn("synced", self.wo("alice", "sync").stdout)
        self.assertTrue(os.path.exists(self.ca))
        # a store an older version made 0644 is made private on open
        self.stop_server()
        os.chmod(os.path.join(self.data, "server.db"), 0o644)
        self.start_server()
        self.assertEqual(mode(os.path.join(self.data, "server.db")), 0o600)
        # --ca-dir puts the key where it is told; an older data dir's key
        # is moved out by init
        other = os.path.join(self.dir, "data2")
        self.srv_cmd(["init", "--data", other, "--ca-dir",
                      os.path.join(self.dir, "keys")])
        self.assertTrue(os.path.exists(os.path.join(self.dir, "keys",
                                                    "ca.key")))
        os.rename(os.path.join(self.dir, "keys", "ca.key"),
                  os.path.join(other, "tls", "ca.key"))
        r = self.srv_cmd(["init", "--data", other, "--ca-dir",
                          os.path.join(self.dir, "keys")])
        self.assertIn("moved the CA's key", r.stdout)
        self.assertFalse(os.path.exists(os.path.join(other, "tls",
                                                     "ca.key")))

    def test_directory_others_can_write_is_refused(self):
        self.enroll("alice", "technician")
        self.stop_server()
        os.chmod(self.data, 0o1777)
        r = self.expect_exit(["run", "--data", self.data, "--listen",
                              "127.0.0.1:%d" % self.port])
        self.assertEqual(r.returncode, 1)
        self.assertIn("writable by other users", r.stderr)
        self.assertIn("chmod 700 " + self.data, r.stderr)
        r = self.srv_cmd(["user", "add", "eve", "--role", "admin", "--data",
                          self.data], check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("writable by other users", r.stderr)
        os.chmod(self.data, 0o700)
        self.start_server()
        # init into a directory that already exists and is shared: nothing
        # is written there
        shared = os.path.join(self.dir, "shared")
        os.mkdir(shared)
        os.chmod(shared, 0o1777)
        r = self.srv_cmd(["init", "--data", shared], check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("writable by other users", r.stderr)
        self.assertEqual(os.listdir(shared), [])
        # the client's home too
        os.chmod(self.home("alice"), 0o777)
        r = self.wo("alice", "list", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("writable by other users", r.stderr)
        os.chmod(self.home("alice"), 0o700)
        self.wo("alice", "list")

    # -- damaged files are named, never replaced ----------------------------
    def test_empty_store_is_refused_not_replaced(self):
        self.create()
        self.stop_everything()
        db = os.path.join(self.data, "server.db")
        open(db, "w").close()
        for args in (["run", "--data", self.data, "--listen",
                      "127.0.0.1:%d" % self.port],
                     ["user", "add", "eve", "--role", "admin", "--data",
                      self.data],
                     ["init", "--data", self.data]):
            r = self.expect_exit(args)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn(db, r.stderr)
            self.assertIn("empty (0 bytes)", r.stderr)
            self.assertIn("backup", r.stderr)
            self.assertEqual(os.path.getsize(db), 0, args)
            self.assertFalse(os.path.exists(db + "-wal"))

    def test_empty_replica_is_refused_not_replaced(self):
        self.enroll("alice", "technician")
        o = self.create(assign="alice")
        self.wo("alice", "sync")
        self.wo("alice", "note", str(o["id"]), "not yet sent")
        db = os.path.join(self.home("alice"), "replica.db")
        open(db, "w").close()
        for args in (["list"], ["outbox"], ["sync"],
                     ["enroll", "--server", self.url(), "--ca", self.ca,
                      "--code", self.add_user("alice2", "technician")]):
            r = self.wo("alice", *args, check=False)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn("empty (0 bytes)", r.stderr)
            self.assertIn("move it aside", r.stderr)
            self.assertEqual(os.path.getsize(db), 0, args)

    def test_damaged_replica_page_is_reported_as_damage(self):
        self.enroll("alice", "technician")
        ids = [self.create(assign="alice")["id"] for _ in range(2)]
        self.wo("alice", "sync")
        for i in ids:
            self.wo("alice", "note", str(i), "pending work")
        db = os.path.join(self.home("alice"), "replica.db")
        damage_page(db, "outbox")
        for extra in ((), ("--json",)):
            r = self.wo("alice", "outbox", *extra, check=False)
            self.assertEqual(r.returncode, 1)
            self.assertNotIn("outbox is empty", r.stdout)
            self.assertNotIn("[]", r.stdout)
            self.assertIn("is damaged", r.stderr)
            self.assertIn("malformed", r.stderr)
            self.assertIn("server still holds everything", r.stderr)
        damage_page(db, "orders")
        for extra in ((), ("--json",)):
            r = self.wo("alice", "list", *extra, check=False)
            self.assertEqual(r.returncode, 1)
            self.assertNotIn("no work orders", r.stdout)
            self.assertEqual(r.stdout.strip(), "")
            self.assertIn("is damaged", r.stderr)
            self.assertIn("malformed", r.stderr)

    def test_undecodable_outbox_row_is_quarantined(self):
        self.enroll("alice", "technician")
        o = self.create(assign="alice")
        w = str(o["id"])
        self.wo("alice", "sync")
        for text in ("first", "second", "third"):
            self.wo("alice", "note", w, text)
        con = self.replica("alice")
        bad_id = con.execute("SELECT id FROM outbox ORDER BY seq "
                             "LIMIT 1 OFFSET 1").fetchone()[0]
        con.execute("UPDATE outbox SET body = x'c1c1c1' WHERE id = ?",
                    (bad_id,))
        con.commit()
        con.close()
        r = self.wo("alice", "sync", check=False)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("2 applied", r.stdout)
        self.assertIn("quarantined", r.stderr)
        box = self.wo_json("alice", "outbox")
        self.assertEqual([(b["id"], b["state"]) for b in box],
                         [(bad_id, "quarantined")])
        self.assertIn("cannot be read back", box[0]["reason"])
        self.assertIn(bad_id, self.wo("alice", "outbox").stdout)
        # work recorded after it is not blocked
        self.wo("alice", "note", w, "fourth")
        r = self.wo("alice", "sync")
        self.assertIn("1 applied", r.stdout)
        notes = [n["text"] for n in self.wo_json("disp", "show", w)["notes"]]
        self.assertEqual(notes, ["first", "third", "fourth"])

    # -- the store's integrity: quick at start, full on demand ---------------
    def test_store_checked_at_start_and_on_demand(self):
        for _ in range(3):
            self.create()
        self.stop_everything()
        r = self.expect_exit(["check", "--data", self.data])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("no damage found", r.stdout)
        damage_page(os.path.join(self.data, "server.db"), "orders")
        r = self.expect_exit(["check", "--data", self.data])
        self.assertEqual(r.returncode, 1)
        self.assertIn("Page", r.stdout)           # SQLite's own findings
        self.assertIn("is damaged", r.stderr)
        self.assertIn("backup", r.stderr)
        r = self.expect_exit(["run", "--data", self.data, "--listen",
                              "127.0.0.1:%d" % self.port])
        self.assertEqual(r.returncode, 1)
        self.assertIn("quick check found", r.stderr)
        self.assertIn("wo-server check --data", r.stderr)

    # -- a full disk is called that ----------------------------------------
    def test_full_disk_is_reported_as_disk_full(self):
        self.enroll("alice", "technician")
        o = self.create(assign="alice")
        self.wo("alice", "sync")
        # no free pages left inside the file: a note must grow it
        con = self.replica("alice")
        con.execute("VACUUM")
        con.close()
        full = dict(os.environ, WO_TEST_DISK_FULL="1")
        r = self.wo("alice", "note", str(o["id"]), "x" * 8000, check=False,
                    env=full)
        self.assertEqual(r.returncode, 1)
        self.assertIn("disk full", r.stderr)
        self.assertNotIn("I/O error", r.stderr)
        self.assertNotIn("storage error", r.stderr)
        self.assertEqual(self.wo_json("alice", "outbox"), [])
        self.wo("alice", "note", str(o["id"]), "x" * 8000)
        self.assertEqual(len(self.wo_json("alice", "outbox")), 1)


if __name__ == "__main__":
    unittest.main()
