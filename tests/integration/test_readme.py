"""README's walk-through, run as written.

Every command of the ```sh blocks between "## Five-minute walk-through"
and "## The web console" runs, in order, through `sh` in one working
directory, against a real wo-server (real TLS) and a real SMTP relay. The
only changes to a line are these, which stand for the machine a reader
has and this test does not:

- the server's address `wss://127.0.0.1:8443` is the test server's port;
- `wo-data` is the test's data directory (a link in the working
  directory, as `scripts/start.sh` makes it), `build/bin` the build's;
- the relay `mail.example.com:587` is a relay on loopback that holds the
  development certificate, so the `init` that names it also gets
  `--smtp-ca` (docs/lifecycle.md); the password file is the test's;
- `~` is a scratch home.

A code a command reads (enrolment, authorisation, recipient) is what
`wo-server user add` or `wo create --json` printed before, given on
standard input as README says. A line whose comment says "refused" must
fail with the server's reason (exit 1); every other line must exit 0,
and `wo sync --watch` must catch up and stay connected. The clock is the test clock, at Friday 8 January 2027, 19:00
in Jakarta, when README's formal request begins.
"""
import json
import os
import re
import shlex
import subprocess
import unittest

from harness import BIN, ClockEnv, free_port, listening, wait_until
from test_mail import RELAY, aiosmtpd_python

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                      "..", "README.md")
FRIDAY_19_WIB = 1799409600000       # 2027-01-08T12:00:00Z


def walkthrough_lines():
    """(line, comment) for each command of the walk-through's sh blocks,
    continuation lines joined."""
    with open(README) as f:
        text = f.read()
    part = text[text.index("## Five-minute walk-through"):
                text.index("## The web console")]
    out = []
    for block in re.findall(r"```sh\n(.*?)```", part, re.S):
        pending = ""
        for raw in block.splitlines():
            if pending:
                raw = pending + " " + raw.lstrip()
                pending = ""
            if raw.rstrip().endswith("\\"):
                pending = raw.rstrip()[:-1]
                continue
            code, comment = split_comment(raw)
            if code.strip():
                out.append((code.strip(), comment))
            elif out and comment:       # a comment line goes on the last
                out[-1] = (out[-1][0], out[-1][1] + " " + comment)
    return out


def split_comment(line):
    """The command and its trailing comment (a # outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i], line[i + 1:].strip()
    return line, ""


@unittest.skipUnless(aiosmtpd_python(), "needs python3-aiosmtpd "
                     "(scripts/deps.sh installs it)")
class Readme(ClockEnv):
    def setUp(self):
        super().setUp()
        self.set_clock(FRIDAY_19_WIB - self.base)
        self.work = os.path.join(self.dir, "work")
        os.makedirs(os.path.join(self.work, "build"))
        os.symlink(os.path.abspath(BIN), os.path.join(self.work, "build",
                                                      "bin"))
        os.symlink(self.data, os.path.join(self.work, "wo-data"))
        self.env = dict(os.environ, HOME=os.path.join(self.dir, "h"),
                        LANG="C.UTF-8", LANGUAGE="")
        self.env.pop("WO_HOME", None)
        os.makedirs(self.env["HOME"])
        # what scripts/start.sh does: two users, their codes printed
        self.codes = {"dispatcher": self.add_user("dispatcher1",
                                                  "dispatcher"),
                      "tech": self.add_user("tech1", "technician")}
        self.created = []           # create --json outputs, in order
        self.smtp_port = free_port()
        self.maildir = os.path.join(self.dir, "maildir")
        self.pwfile = os.path.join(self.dir, "smtp-password")
        with open(self.pwfile, "w") as f:
            f.write("s3cret\n")
        os.chmod(self.pwfile, 0o600)
        log = open(os.path.join(self.dir, "relay.log"), "a")
        self.procs.append(subprocess.Popen(
            [aiosmtpd_python(), RELAY, str(self.smtp_port), self.maildir,
             os.path.join(self.data, "tls", "server.pem"),
             os.path.join(self.data, "tls", "server.key"), "--user", "desk",
             "--password", "s3cret"], stdout=log, stderr=log))
        log.close()
        # the test clock stands still, so a first try that found no relay
        # would wait for a retry forever: the relay listens first
        wait_until(lambda: listening(self.smtp_port),
                   what="the SMTP relay to listen")

    def adapt(self, line):
        line = line.replace("wss://127.0.0.1:8443", self.url())
        line = line.replace("mail.example.com:587",
                            "127.0.0.1:%d" % self.smtp_port)
        line = line.replace("/etc/wo/smtp-password", self.pwfile)
        if line.startswith("wo-server init") and "--smtp " in line:
            line += " --smtp-ca " + shlex.quote(self.ca)
        return line

    def stdin_for(self, line):
        """The code a command reads from standard input, if it reads one."""
        if " enroll" in line:
            who = re.search(r"~/\.wo-(\w+)", line).group(1)
            return self.codes[who] + "\n"
        if line.startswith("wo authorise"):
            return self.order(line)["authorisation_code"] + "\n"
        if line.startswith("wo cosign"):
            return self.order(line)["recipient_code"] + "\n"
        return ""

    def order(self, line):
        wo = int(shlex.split(line)[2])
        return [o for o in self.created if o["id"] == wo][0]

    def run_line(self, line, comment):
        script = "%s\nrc=$?\nenv -0 > %s/.env\nexit $rc\n" % (
            line, shlex.quote(self.dir))
        if "--watch" in line:
            # it stays connected: caught up, and still running
            log = os.path.join(self.dir, "watch.log")
            with open(log, "w") as err:
                p = subprocess.Popen(["sh", "-c", "exec " + line],
                                     cwd=self.work, env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=err)
            self.procs.append(p)

            def caught_up():
                with open(log) as f:
                    return "up to date" in f.read()
            wait_until(caught_up, timeout=60, what=line + " to catch up")
            self.assertIsNone(p.poll(), line)
            p.terminate()
            p.wait(timeout=15)
            return None
        r = subprocess.run(["sh", "-c", script], cwd=self.work, env=self.env,
                           input=self.stdin_for(line), capture_output=True,
                           text=True, timeout=120)
        self.assert_clean(r.stderr)
        if "refused" in comment:
            # refused by the server's rules (exit 1), not a bad argument
            # (exit 2): the line itself is right, and the reason is said
            self.assertEqual(r.returncode, 1, "%s\n(should be refused)\n%s"
                             % (line, r.stderr))
            self.assertIn("wo: server:", r.stderr, line)
        else:
            self.assertEqual(r.returncode, 0, "%s\n%s%s" % (line, r.stdout,
                                                           r.stderr))
        with open(os.path.join(self.dir, ".env")) as f:
            self.env = dict(kv.split("=", 1) for kv in f.read().split("\0")
                            if "=" in kv)
        return r

    def test_walkthrough_as_written(self):
        lines = walkthrough_lines()
        self.assertGreater(len(lines), 50)
        ran = []
        for line, comment in lines:
            line = self.adapt(line)
            r = self.run_line(line, comment)
            ran.append(line)
            if r is None:
                continue
            if line.startswith("wo-server user add"):
                m = re.search(r"enrolment code for (\w+?)1: (\S+)", r.stdout)
                self.codes[m.group(1)] = m.group(2)
            if line.startswith("wo-server init"):
                self.stop_server()          # "then restart wo-server run"
                self.start_server()
            if line.startswith("wo create") and "--json" in line:
                self.created.append(json.loads(r.stdout))
            self.check_claim(line, r)
        # what the walk-through says happened, happened
        self.assertTrue(os.path.exists(os.path.join(self.work, "wo-1.pdf")))
        self.assertTrue(os.path.exists(os.path.join(self.work, "sla.csv")))
        self.assertIn("wo assign 2 tech1", ran)
        # "Sari and Budi get an e-mail now (authorised)"
        wait_until(lambda: os.path.isdir(os.path.join(self.maildir, "new"))
                   and len(os.listdir(os.path.join(self.maildir, "new")))
                   >= 2, timeout=60, what="the authorised e-mails")

    def check_claim(self, line, r):
        """What a line's comment in README says it shows."""
        if line.startswith("wo create") and "needs-authorisation" in line:
            o = json.loads(r.stdout)
            self.assertEqual((o["id"], o["priority"], o["status"]),
                             (2, "P3", "awaiting_authorisation"))
        if line.startswith("wo verify wo-1.pdf") and "--json" not in line:
            self.assertIn("VALID", r.stdout)
        if line.startswith("wo sla 2"):
            self.assertIn("Bank Nusantara", r.stdout)
        if line.startswith("TZ=Asia/Jakarta wo show 2"):
            # approved Friday 19:00; Monday is a holiday: Tuesday 08:00
            # plus the 4 h response target
            self.assertRegex(r.stdout, r"2027-01-12 12:00")


if __name__ == "__main__":
    unittest.main()
