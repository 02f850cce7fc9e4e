"""Issue 14: keeping the requester informed. The requester and the
authoriser get a message when their order is authorised, accepted,
scheduled, completed and closed, through an SMTP relay set at `wo-server
init --smtp` with STARTTLS, queued durably on the server and retried. The
relay is a real SMTP server on loopback (aiosmtpd, Debian
python3-aiosmtpd) with the development TLS material; it is down at first,
and the server is restarted while messages wait: none is lost."""
import email
import mailbox
import os
import subprocess
import sys
import unittest

from harness import HOUR, MIN, ClockEnv, free_port, wait_until


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

    def start_relay(self):
        """aiosmtpd on loopback; with --tlscert it requires STARTTLS."""
        log = open(os.path.join(self.dir, "relay.log"), "a")
        self.relay = subprocess.Popen(
            [aiosmtpd_python(), "-m", "aiosmtpd", "-n", "-l",
             "127.0.0.1:%d" % self.smtp_port, "--tlscert",
             os.path.join(self.data, "tls", "server.pem"), "--tlskey",
             os.path.join(self.data, "tls", "server.key"), "-c",
             "aiosmtpd.handlers.Mailbox", self.maildir],
            stdout=log, stderr=log)
        log.close()
        self.procs.append(self.relay)
        import socket

        def up():
            try:
                socket.create_connection(("127.0.0.1", self.smtp_port),
                                         0.2).close()
                return True
            except OSError:
                return False
        wait_until(up, what="the SMTP relay to listen")

    def messages(self):
        if not os.path.isdir(self.maildir):
            return []
        return [email.message_from_bytes(m.as_bytes())
                for m in mailbox.Maildir(self.maildir, create=False)]

    def about(self, event):
        return sorted(m["To"] for m in self.messages()
                      if " %s: " % event in m["Subject"])

    def queue(self):
        return self.server_db().execute(
            "SELECT event, rcpt, attempts, sent_at FROM mail_queue "
            "ORDER BY id").fetchall()

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
        # the relay has the message before the worker records it sent
        wait_until(lambda: all(sent for _, _, _, sent in self.queue()),
                   what="every queued message marked sent")
        self.assertTrue(all(m["sent_at"] for m in
                            self.wo_json("disp", "mail", wo)))
        # one of each, to each: ending a visit is no second "accepted"
        self.assertEqual(len(self.messages()), 10)


if __name__ == "__main__":
    unittest.main()
