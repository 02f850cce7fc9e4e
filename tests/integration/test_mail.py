"""Issue 14: keeping the requester informed. The requester and the
authoriser get a message when their order is authorised, accepted,
scheduled, completed and closed, through an SMTP relay set at `wo-server
init --smtp` with STARTTLS, queued durably on the server and retried. The
relay is a real SMTP server on loopback (aiosmtpd, Debian
python3-aiosmtpd, run by smtp_relay.py) with the development TLS
material; it is down at first, and the server is restarted while messages
wait: none is lost. The completion and closing messages carry the
order's service report, a PDF that `wo verify` accepts; with `--smtp-user`
the server logs in (AUTH PLAIN or LOGIN) after STARTTLS, and a refused
login keeps the message queued with the relay's words in `wo mail`."""
import email
import json
import mailbox
import os
import subprocess
import sys
import unittest

from harness import (HOUR, MIN, WO, ClockEnv, free_port, listening,
                     wait_until)

RELAY = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                     "smtp_relay.py")


def aiosmtpd_python():
    """A Python that has aiosmtpd: this one, or Debian's."""
    for py in (sys.executable, "/usr/bin/python3"):
        if subprocess.run([py, "-c", "import aiosmtpd"],
                          capture_output=True).returncode == 0:
            return py
    return None


@unittest.skipUnless(aiosmtpd_python(), "needs python3-aiosmtpd "
                     "(scripts/deps.sh installs it)")
class Mail(ClockEnv):
    def setUp(self):
        super().setUp()
        self.enroll("disp", "dispatcher")
        self.enroll("alice", "technician")
        self.smtp_port = free_port()
        self.maildir = os.path.join(self.dir, "maildir")
        self.relay = None
        # the relay is set at init, on the existing data directory
        self.stop_server()
        r = self.srv_cmd(["init", "--data", self.data, "--smtp",
                          "127.0.0.1:%d" % self.smtp_port, "--smtp-from",
                          "desk@example.com", "--smtp-starttls", "--smtp-ca",
                          self.ca])
        self.assertIn("STARTTLS", r.stdout)
        self.start_server()

    def start_relay(self, *extra):
        """aiosmtpd on loopback, requiring STARTTLS (smtp_relay.py)."""
        log = open(os.path.join(self.dir, "relay.log"), "a")
        self.relay = subprocess.Popen(
            [aiosmtpd_python(), RELAY, str(self.smtp_port), self.maildir,
             os.path.join(self.data, "tls", "server.pem"),
             os.path.join(self.data, "tls", "server.key")] + list(extra),
            stdout=log, stderr=log)
        log.close()
        self.procs.append(self.relay)
        wait_until(lambda: listening(self.smtp_port),
                   what="the SMTP relay to listen")

    def messages(self):
        if not os.path.isdir(self.maildir):
            return []
        return [email.message_from_bytes(m.as_bytes())
                for m in mailbox.Maildir(self.maildir, create=False)]

    def about(self, event):
        return sorted(m["To"] for m in self.messages()
                      if " %s: " % event in m["Subject"])

    def report_of(self, wo, event, rcpt):
        """The service report the message of event to rcpt carries: checks
        the MIME structure, saves the PDF, returns (path, text body)."""
        m = [m for m in self.messages() if m["To"] == "<%s>" % rcpt and
             " %s: " % event in m["Subject"]]
        self.assertEqual(len(m), 1, [x["Subject"] for x in self.messages()])
        m = m[0]
        self.assertEqual(m.get_content_type(), "multipart/mixed")
        texts = [p for p in m.walk() if p.get_content_type() == "text/plain"]
        files = [p for p in m.walk()
                 if p.get_content_disposition() == "attachment"]
        self.assertEqual((len(texts), len(files)), (1, 1))
        f = files[0]
        self.assertEqual(f.get_content_type(), "application/pdf")
        self.assertEqual(f["Content-Transfer-Encoding"], "base64")
        self.assertEqual(f.get_filename(), "WO-%s-report.pdf" % wo)
        data = f.get_payload(decode=True)
        self.assertTrue(data.startswith(b"%PDF-"))
        path = os.path.join(self.dir, "%s-%s" % (event, f.get_filename()))
        with open(path, "wb") as out:
            out.write(data)
        return path, texts[0].get_payload(decode=True).decode()

    def verify(self, pdf, ok):
        """`wo verify` as anyone would run it: no home, no network."""
        env = {k: v for k, v in os.environ.items() if k != "WO_HOME"}
        r = subprocess.run([WO, "verify", pdf, "--json"], capture_output=True,
                           text=True, timeout=60, env=env, cwd=self.dir)
        self.assert_clean(r.stderr)
        self.assertEqual(r.returncode, 0 if ok else 1, r.stdout + r.stderr)
        return json.loads(r.stdout)

    def queue(self):
        return self.server_db().execute(
            "SELECT event, rcpt, attempts, sent_at FROM mail_queue "
            "ORDER BY id").fetchall()

    def all_sent(self, what):
        """Wait until every queued message is marked sent: the relay has a
        message a moment before the mail worker records it sent."""
        wait_until(lambda: all(sent for _, _, _, sent in self.queue()),
                   what=what + " marked sent")

    def test_requester_informed_relay_down_and_back(self):
        o = self.create(title="Monitor flickers", prio="P3",
                        **{"requester": "Ann", "requester-email":
                           "ann@example.com", "needs-authorisation": None,
                           "authoriser": "Budi", "authoriser-email":
                           "budi@example.com"})
        wo = str(o["id"])
        # the relay is down: the desk goes on, the message waits
        self.wo("disp", "authorise", wo, "--name", "Budi", "--code",
                o["authorisation_code"])
        wait_until(lambda: "not sent (" in self.server_log(),
                   what="a failed first try while the relay is down")
        self.assertIn("cannot reach the SMTP relay", self.server_log())
        self.wo("disp", "assign", wo, "alice")
        self.wo("alice", "sync")
        self.wo("alice", "accept", wo)
        self.wo("alice", "sync")
        q = self.queue()
        self.assertEqual(sorted((e, r) for e, r, _, _ in q),
                         [("accepted", "ann@example.com"),
                          ("accepted", "budi@example.com"),
                          ("authorised", "ann@example.com"),
                          ("authorised", "budi@example.com")])
        self.assertTrue(all(sent is None for _, _, _, sent in q))
        self.assertGreaterEqual(q[0][2], 1)          # tried, kept
        # the dispatcher sees what waits, and why
        waiting = self.wo_json("disp", "mail", wo)
        self.assertEqual(len(waiting), 4)
        self.assertTrue(all(m["sent_at"] is None for m in waiting))
        tried = [m for m in waiting if m["attempts"]][0]
        self.assertIn("cannot reach the SMTP relay", tried["error"])
        self.assertIn("waiting", self.wo("disp", "mail").stdout)
        # a restart while they wait loses none
        self.stop_server()
        self.start_relay()
        self.start_server()
        self.advance(31 * 1000)                       # past the backoff
        wait_until(lambda: len(self.messages()) == 4, timeout=60,
                   what="the queued messages once the relay is back")
        self.assertEqual(self.about("authorised"),
                         ["<ann@example.com>", "<budi@example.com>"])
        m = [m for m in self.messages() if m["To"] == "<ann@example.com>"
             and " accepted: " in m["Subject"]][0]
        self.assertEqual(m["From"], "<desk@example.com>")
        self.assertIn("Monitor flickers", m["Subject"])
        body = m.get_payload()
        self.assertIn("has been accepted", body)
        self.assertIn("Requester: Ann", body)
        # aiosmtpd was given a certificate: it refuses mail without
        # STARTTLS, so delivery means the session was TLS
        self.assertIn("X-Peer", m)
        # scheduled, completed, closed
        self.wo("disp", "schedule", wo, "--from", "+1h", "--to", "+2h")
        self.wo("alice", "visit", "start", wo)
        self.wo("alice", "visit", "end", wo, "--outcome", "done")
        self.wo("alice", "sign", wo)
        self.wo("alice", "sync")
        wait_until(lambda: len(self.about("completed")) == 2,
                   what="the completion message")
        self.assertEqual(len(self.about("scheduled")), 2)
        sched = [m for m in self.messages()
                 if " scheduled: " in m["Subject"]][0]
        self.assertIn("Next visit:", sched.get_payload())
        self.advance(25 * HOUR)
        wait_until(lambda: len(self.about("closed")) == 2,
                   what="the closing message after 24 h")
        self.all_sent("every queued message")
        self.assertTrue(all(m["sent_at"] for m in
                            self.wo_json("disp", "mail", wo)))
        # one of each, to each: ending a visit is no second "accepted"
        self.assertEqual(len(self.messages()), 10)


    def test_completion_and_closing_carry_the_service_report(self):
        o = self.create(title="Chiller trips at noon", prio="P2",
                        assign="alice", site="Gedung B lantai 3",
                        **{"requester": "Ann", "requester-email":
                           "ann@example.com"})
        wo, code = str(o["id"]), o["recipient_code"]
        self.wo("alice", "sync")
        self.wo("alice", "accept", wo)
        self.wo("alice", "visit", "start", wo)
        self.wo("alice", "note", wo, "Replaced the compressor contactor")
        self.wo("alice", "part", wo, "CTR-40A", "--qty", "1", "--desc",
                "Contactor 40 A", "--serial", "SN-7731")
        self.wo("alice", "visit", "end", wo, "--outcome", "done")
        self.wo("alice", "sign", wo)
        self.wo("alice", "sync")
        # the relay is down: the row waits with only the order and the
        # event; after a restart the worker draws the report as it sends
        wait_until(lambda: "not sent (" in self.server_log(),
                   what="a failed try while the relay is down")
        self.assertIn(("completed", "ann@example.com"),
                      [(e, r) for e, r, _, sent in self.queue() if not sent])
        self.stop_server()
        self.start_relay()
        self.start_server()
        self.advance(31 * 1000)                       # past the backoff
        wait_until(lambda: self.about("completed"), timeout=60,
                   what="the completion message")
        self.all_sent("the completion message")
        pdf, body = self.report_of(wo, "completed", "ann@example.com")
        self.assertIn("has been completed", body)
        self.assertIn("The service report is attached (WO-%s-report.pdf)"
                      % wo, body)
        # a draft says so, and which signatures it carries
        self.assertIn("It is a draft", body)
        self.assertIn("the technician's, not the recipient's", body)
        # made on the server, from its own record: the technician's
        # signature is there and valid, the recipient's not yet (a draft)
        text = subprocess.run(["pdftotext", "-layout", pdf, "-"],
                              capture_output=True, text=True, check=True,
                              timeout=60).stdout
        for want in ("Work order " + wo, "Chiller trips at noon",
                     "Gedung B lantai 3", "CTR-40A", "SN-7731",
                     "Replaced the compressor contactor", "DRAFT"):
            self.assertIn(want, text)
        v = self.verify(pdf, ok=False)
        self.assertFalse(v["complete"])
        self.assertTrue(v["text"]["ok"], v)
        self.assertEqual([(s["role"], s["valid"]) for s in v["signatures"]],
                         [("technician", True)])
        # the recipient co-signs: the order closes, and the closing
        # message carries the final report, which verifies
        self.wo("alice", "cosign", wo, "--name", "Ann", "--code", code)
        self.wo("alice", "sync")
        wait_until(lambda: self.about("closed"), timeout=60,
                   what="the closing message")
        self.all_sent("the closing message")
        pdf, body = self.report_of(wo, "closed", "ann@example.com")
        self.assertIn("is closed", body)
        self.assertIn("signed by the technician and the recipient. Check it "
                      "with 'wo verify WO-%s-report.pdf'" % wo, body)
        self.assertNotIn("draft", body)
        text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True,
                              text=True, check=True, timeout=60).stdout
        self.assertIn("Work order " + wo, text)
        self.assertNotIn("DRAFT", text)
        v = self.verify(pdf, ok=True)
        self.assertTrue(v["valid"] and v["complete"] and v["text"]["ok"], v)
        self.assertEqual(sorted(s["role"] for s in v["signatures"]),
                         ["recipient", "technician"])
        # the other messages carry no report
        acc = [m for m in self.messages() if " accepted: " in m["Subject"]]
        self.assertEqual(len(acc), 1)
        self.assertEqual(acc[0].get_content_type(), "text/plain")


    def test_remote_order_closed_by_itself_mails_an_honest_draft(self):
        """Resolved remotely and closed by itself after 24 h: nobody
        signed, so the closing message calls the report a draft and does
        not promise that it verifies; the report says how the order was
        resolved and closed; `wo verify` names why it is not final."""
        self.start_relay()
        o = self.create(title="Outlook crashes", prio="P3", assign="alice",
                        **{"requester": "Ann", "requester-email":
                           "ann@example.com"})
        wo = str(o["id"])
        self.wo("alice", "sync")
        self.wo("alice", "resolve", wo, "--remote", "--note",
                "Repaired the Office install remotely")
        self.wo("alice", "sync")
        self.advance(25 * HOUR)
        wait_until(lambda: self.about("closed"), timeout=60,
                   what="the closing message after 24 h")
        pdf, body = self.report_of(wo, "closed", "ann@example.com")
        self.assertIn("It is a draft: it carries only the signatures made "
                      "(none: neither the technician's nor the "
                      "recipient's)", body)
        self.assertIn("'wo verify WO-%s-report.pdf' shows which" % wo, body)
        self.assertNotIn("Check it with", body)
        text = " ".join(subprocess.run(
            ["pdftotext", pdf, "-"], capture_output=True, text=True,
            check=True, timeout=60).stdout.split())
        self.assertIn("remotely, with no site visit", text)
        self.assertIn("by itself, 24 h after completion without dispute",
                      text)
        v = self.verify(pdf, ok=False)
        self.assertTrue(v["text"]["ok"], v)     # both sides make the same
        self.assertEqual(v["reasons"], "not signed by the technician; not "
                         "signed by the recipient")
        env = {k: v for k, v in os.environ.items() if k != "WO_HOME"}
        r = subprocess.run([WO, "verify", pdf], capture_output=True,
                           text=True, timeout=60, env=env, cwd=self.dir)
        self.assertEqual(r.returncode, 1)
        self.assertIn("NOT VERIFIED: DRAFT, intact but not signed by both "
                      "parties: not signed by the technician; not signed by "
                      "the recipient", r.stdout)
        self.assertNotIn("see the reasons above", r.stdout)

    def test_report_that_cannot_be_made_is_said_and_the_message_goes(self):
        # a server with no fonts draws pages that do not show the report's
        # text: the worker's check refuses that PDF, the message goes
        # without it and says so
        conf = os.path.join(self.dir, "no-fonts.conf")
        with open(conf, "w") as f:
            f.write('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM '
                    '"fonts.dtd">\n<fontconfig><cachedir>%s</cachedir>'
                    '</fontconfig>\n' % os.path.join(self.dir, "fc-cache"))
        self.stop_server()
        self.server_wrap = ["env", "FONTCONFIG_FILE=" + conf]
        self.start_server()
        self.start_relay()
        o = self.create(title="Door closer broken", assign="alice",
                        **{"requester": "Ann", "requester-email":
                           "ann@example.com"})
        wo = str(o["id"])
        self.wo("alice", "sync")
        self.wo("alice", "accept", wo)
        self.wo("alice", "visit", "start", wo)
        self.wo("alice", "visit", "end", wo, "--outcome", "done")
        self.wo("alice", "sign", wo)
        self.wo("alice", "sync")
        wait_until(lambda: self.about("completed"), timeout=60,
                   what="the completion message")
        self.all_sent("the completion message")
        m = [m for m in self.messages() if " completed: " in m["Subject"]][0]
        self.assertEqual(m.get_content_type(), "text/plain")
        body = m.get_payload()
        self.assertIn("has been completed", body)
        self.assertIn("The service report could not be attached", body)
        self.assertIn("fonts", body)
        self.assertIn("service report of order %s could not be made" % wo,
                      self.server_log())


@unittest.skipUnless(aiosmtpd_python(), "needs python3-aiosmtpd "
                     "(scripts/deps.sh installs it)")
class MailAuth(Mail):
    """SMTP AUTH after STARTTLS: `init --smtp-user U --smtp-password-file
    F`. The relay (smtp_relay.py) requires a login, only over TLS."""

    def setUp(self):
        ClockEnv.setUp(self)
        self.enroll("disp", "dispatcher")
        self.smtp_port = free_port()
        self.maildir = os.path.join(self.dir, "maildir")
        self.relay_log = os.path.join(self.dir, "logins.log")
        self.pwfile = os.path.join(self.dir, "smtp-password")
        self.write_password("not-the-password")

    def write_password(self, pw, mode=0o600):
        with open(self.pwfile, "w") as f:
            f.write(pw + "\n")
        os.chmod(self.pwfile, mode)

    def init_smtp(self, *extra, check=True):
        return self.srv_cmd(["init", "--data", self.data, "--smtp",
                             "127.0.0.1:%d" % self.smtp_port, "--smtp-from",
                             "desk@example.com", "--smtp-ca", self.ca]
                            + list(extra), check=check)

    def setting(self, name):
        r = self.server_db().execute(
            "SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return r[0] if r else None

    def authorise_one(self):
        o = self.create(title="Projector dead", prio="P3",
                        **{"requester": "Ann", "requester-email":
                           "ann@example.com", "needs-authorisation": None,
                           "authoriser": "Ann", "authoriser-email":
                           "ann@example.com"})
        self.wo("disp", "authorise", str(o["id"]), "--name", "Ann", "--code",
                o["authorisation_code"])
        return str(o["id"])

    def logins(self):
        if not os.path.exists(self.relay_log):
            return []
        with open(self.relay_log) as f:
            return f.read().split("\n")[:-1]

    def test_init_refuses_unsafe_auth_settings(self):
        self.stop_server()
        # a password file others can read
        self.write_password("s3cret", mode=0o644)
        r = self.init_smtp("--smtp-starttls", "--smtp-user", "desk",
                           "--smtp-password-file", self.pwfile, check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("can be read or written by others", r.stderr)
        self.assertIn("chmod 600", r.stderr)
        # a file that is not one password line
        for text in ("", "s3cret\nsecond line"):
            self.write_password(text)
            r = self.init_smtp("--smtp-starttls", "--smtp-user", "desk",
                               "--smtp-password-file", self.pwfile,
                               check=False)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("first and only line", r.stderr)
            self.assertNotIn("s3cret", r.stderr)
        # AUTH over a plain connection
        self.write_password("s3cret")
        r = self.init_smtp("--smtp-user", "desk", "--smtp-password-file",
                           self.pwfile, check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("needs --smtp-starttls", r.stderr)
        # a user with no password file (and no password option at all)
        r = self.init_smtp("--smtp-starttls", "--smtp-user", "desk",
                           check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--smtp-password-file", r.stderr)
        r = self.init_smtp("--smtp-starttls", "--smtp-user", "desk",
                           "--smtp-password", "s3cret", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--smtp-password is not accepted", r.stderr)
        self.assertIn("--smtp-password-file FILE", r.stderr)
        self.assertNotIn("s3cret", r.stderr)
        # nothing of it was kept
        self.assertIsNone(self.setting("smtp.user"))
        self.assertIsNone(self.setting("smtp.relay"))
        # the right way: the file's path is kept, never the password
        r = self.init_smtp("--smtp-starttls", "--smtp-user", "desk",
                           "--smtp-password-file", self.pwfile)
        self.assertIn("logging in as desk", r.stdout)
        self.assertEqual(self.setting("smtp.user"), "desk")
        self.assertEqual(self.setting("smtp.password_file"),
                         os.path.realpath(self.pwfile))
        with open(os.path.join(self.data, "server.db"), "rb") as f:
            self.assertNotIn(b"s3cret", f.read())
        # run checks the file again when it starts the mailer
        os.chmod(self.pwfile, 0o640)
        self.start_server()
        wait_until(lambda: "mail is not sent" in self.server_log(),
                   what="the mailer refusing the password file")
        self.assertIn("chmod 600", self.server_log())

    def test_wrong_password_stays_queued_right_one_delivers(self):
        self.stop_server()
        self.init_smtp("--smtp-starttls", "--smtp-user", "desk",
                       "--smtp-password-file", self.pwfile)
        self.start_relay("--user", "desk", "--password", "s3cret", "--log",
                         self.relay_log)
        self.start_server()
        wo = self.authorise_one()
        wait_until(lambda: self.logins(), what="a login attempt")
        self.assertEqual(self.logins(), ["PLAIN desk bad"])
        wait_until(lambda: "not sent (" in self.server_log(),
                   what="the refused login in the server's log")
        waiting = self.wo_json("disp", "mail", wo)
        self.assertEqual(len(waiting), 1)
        self.assertIsNone(waiting[0]["sent_at"])
        self.assertIn("refused the login of user desk", waiting[0]["error"])
        self.assertIn("535", waiting[0]["error"])
        self.assertIn("password file", waiting[0]["error"])
        self.assertNotIn("not-the-password", waiting[0]["error"])
        self.assertEqual(self.messages(), [])
        # the right password, read when the server starts
        self.write_password("s3cret")
        self.stop_server()
        self.start_server()
        self.advance(31 * 1000)                       # past the backoff
        wait_until(lambda: len(self.messages()) == 1, timeout=60,
                   what="the message after the right login")
        self.all_sent("the message")
        self.assertEqual(self.logins()[-1], "PLAIN desk ok")
        self.assertIn(" authorised: ", self.messages()[0]["Subject"])

    def test_auth_login_when_plain_is_not_offered(self):
        self.write_password("s3cret")
        self.stop_server()
        self.init_smtp("--smtp-starttls", "--smtp-user", "desk",
                       "--smtp-password-file", self.pwfile)
        self.start_relay("--user", "desk", "--password", "s3cret",
                         "--exclude", "PLAIN", "--log", self.relay_log)
        self.start_server()
        self.authorise_one()
        wait_until(lambda: len(self.messages()) == 1, timeout=60,
                   what="the message after AUTH LOGIN")
        self.assertEqual(self.logins(), ["LOGIN desk ok"])

    # the base class's tests run in Mail, not again here
    test_requester_informed_relay_down_and_back = None
    test_completion_and_closing_carry_the_service_report = None
    test_report_that_cannot_be_made_is_said_and_the_message_goes = None
    test_remote_order_closed_by_itself_mails_an_honest_draft = None


if __name__ == "__main__":
    unittest.main()
