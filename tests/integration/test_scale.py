"""Scale (issue 11): onboarding many users with one command, the server at
its descriptor limit, and what a group commit pushes back."""
import os
import sqlite3
import stat
import unittest

from harness import Env


class ImportTest(Env):
    def write_csv(self, name, lines):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def users(self):
        with sqlite3.connect(self.server_db_path()) as db:
            return db.execute("SELECT count(*) FROM users").fetchone()[0], \
                db.execute("SELECT count(*) FROM enrol_codes").fetchone()[0]

    def server_db_path(self):
        return os.path.join(self.data, "server.db")

    def test_import_many_then_enrol_with_one_code(self):
        before = self.users()
        lines = ["name,role,tier"]
        lines += ["tech%03d,technician,L%d" % (i, i % 3 + 1)
                  for i in range(300)]
        lines += ["disp1,dispatcher,", "boss,admin"]
        csv = self.write_csv("people.csv", lines)
        r = self.srv_cmd(["user", "import", csv, "--data", self.data])
        self.assertIn("imported 302 users", r.stdout)
        codes = csv + ".codes"
        self.assertEqual(stat.S_IMODE(os.stat(codes).st_mode), 0o600)
        with open(codes) as f:
            rows = [ln.strip().split(",") for ln in f][1:]
        self.assertEqual(len(rows), 302)
        self.assertEqual(len({c for _, c in rows}), 302)
        self.assertEqual(self.users(), (before[0] + 302, before[1] + 302))
        with sqlite3.connect(self.server_db_path()) as db:
            tiers = dict(db.execute(
                "SELECT name, tier FROM users WHERE name IN "
                "('tech001','tech002','disp1')").fetchall())
        self.assertEqual(tiers, {"tech001": "L2", "tech002": "L3",
                                 "disp1": "L1"})
        code = dict(rows)["tech123"]
        self.wo("tech123", "enroll", "--server", self.url(), "--ca", self.ca,
                "--code", code)
        self.wo("tech123", "sync")
        # a second import into an existing codes file is refused
        r = self.srv_cmd(["user", "import", self.write_csv(
            "more.csv", ["x1,technician"]), "--data", self.data,
            "--codes", codes], check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("exists", r.stderr)

    def test_bad_line_refuses_the_whole_file(self):
        self.add_user("taken", "technician")
        before = self.users()
        cases = [
            (["a1,technician,L1", "a2,plumber,L1", "a3,admin"], "line 2",
             "role 'plumber'"),
            (["a1,technician,L1", "a2,technician,L1", "a3,technician,L9"],
             "line 3", "tier 'L9'"),
            (["a1,technician", "bad name,technician"], "line 2",
             "user name"),
            (["a1,technician", "a2,technician", "a1,admin"], "line 3",
             "already on line 1"),
            (["a1,technician", "taken,technician"], "line 2",
             "already exists"),
            (["a1,technician", "a2"], "line 2", "1 field"),
        ]
        for i, (lines, where, what) in enumerate(cases):
            csv = self.write_csv("bad%d.csv" % i, lines)
            r = self.srv_cmd(["user", "import", csv, "--data", self.data],
                             check=False)
            self.assertNotEqual(r.returncode, 0, lines)
            self.assertIn(where + ":", r.stderr)
            self.assertIn(what, r.stderr)
            self.assertIn("nothing was imported", r.stderr)
            self.assertFalse(os.path.exists(csv + ".codes"))
            self.assertEqual(self.users(), before)


if __name__ == "__main__":
    unittest.main()
