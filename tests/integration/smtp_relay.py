"""An SMTP relay for the mail tests: aiosmtpd (Debian python3-aiosmtpd) on
loopback, delivering to a Maildir, STARTTLS required with the given
certificate, and with --user/--password an authenticator that accepts
only those (AUTH only over TLS, as aiosmtpd's auth_require_tls says).
Each login attempt is written to --log as "MECHANISM USER ok|bad".

usage: smtp_relay.py PORT MAILDIR CERT KEY [--user U --password P]
                     [--exclude PLAIN] [--log FILE]
Runs until SIGTERM."""
import argparse
import signal
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("maildir")
    ap.add_argument("cert")
    ap.add_argument("key")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--exclude", action="append", default=[])
    ap.add_argument("--log")
    a = ap.parse_args()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(a.cert, a.key)

    def authenticator(server, session, envelope, mechanism, data):
        ok = (isinstance(data, LoginPassword) and
              data.login == a.user.encode() and
              data.password == a.password.encode())
        if a.log:
            with open(a.log, "a") as f:
                f.write("%s %s %s\n" % (
                    mechanism, data.login.decode(errors="replace")
                    if isinstance(data, LoginPassword) else "-",
                    "ok" if ok else "bad"))
        # handled=False: aiosmtpd answers a failure with its own 535
        return AuthResult(success=ok, handled=False)

    kw = dict(tls_context=tls, require_starttls=True, auth_require_tls=True)
    if a.user:
        kw.update(authenticator=authenticator, auth_required=True,
                  auth_exclude_mechanism=a.exclude)
    c = Controller(Mailbox(a.maildir), hostname="127.0.0.1", port=a.port,
                   **kw)
    c.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    c.stop()


if __name__ == "__main__":
    main()
