"""A real headless Chromium for the web console's tests: browser.js (node,
playwright-core, Debian's /usr/bin/chromium) driven over its stdin and
stdout, one JSON request and answer a line.

The browser trusts the test server's certificate by its public key alone
(--ignore-certificate-errors-spki-list): real TLS to a server whose key the
test knows, no blanket "ignore certificate errors".
"""
import base64
import hashlib
import itertools
import json
import os
import shutil
import ssl
import subprocess
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
CHROMIUM = os.environ.get("WO_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = os.environ.get("WO_ARTIFACTS",
                           os.path.join(ROOT, "build", "artifacts"))


def missing():
    """Why the browser tests cannot run here, or None."""
    if not shutil.which("node"):
        return "node is not installed (scripts/deps.sh installs it)"
    if not os.path.exists(CHROMIUM):
        return CHROMIUM + " is missing (scripts/deps.sh installs chromium)"
    if not os.path.isdir(os.path.join(ROOT, "node_modules",
                                      "playwright-core")):
        return "playwright-core is missing: run 'npm ci' (scripts/deps.sh)"
    return None


def spki_sha256(pem_path):
    """base64 SHA-256 of a PEM certificate's SubjectPublicKeyInfo."""
    pub = subprocess.run(["openssl", "x509", "-in", pem_path, "-pubkey",
                          "-noout"], capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"],
                         input=pub, capture_output=True, check=True).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


class BrowserError(AssertionError):
    pass


class Browser:
    """One Chromium with one page. Stopped by close(), which the test
    registers as a cleanup."""

    def __init__(self, log_path, cert, locale="en-GB", timezone="UTC"):
        self.log = open(log_path, "a")
        self.ids = itertools.count(1)
        self.proc = subprocess.Popen(
            ["node", os.path.join(HERE, "browser.js")], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
            text=True, bufsize=1)
        self.call("launch", spki=spki_sha256(cert), locale=locale,
                  timezone=timezone)

    def call(self, op, **kw):
        kw.update(id=next(self.ids), op=op)
        self.proc.stdin.write(json.dumps(kw) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise BrowserError("browser.js exited (see the browser log)")
        r = json.loads(line)
        if not r["ok"]:
            raise BrowserError("%s %s: %s" % (op, kw, r["error"]))
        return r["value"]

    def goto(self, url):
        return self.call("goto", url=url)

    def fill(self, sel, value):
        return self.call("fill", sel=sel, value=value)

    def click(self, sel):
        return self.call("click", sel=sel)

    def select(self, sel, value):
        return self.call("select", sel=sel, value=value)

    def text(self, sel):
        return self.call("text", sel=sel)

    def count(self, sel):
        return self.call("count", sel=sel)

    def eval(self, expr):
        return self.call("eval", expr=expr)

    def wait(self, expr, timeout=30.0):
        """Wait until expr is true on the page; the ms it took."""
        return self.call("wait", expr=expr, timeout=int(timeout * 1000))

    def screenshot(self, name, full=False):
        os.makedirs(ARTIFACTS, exist_ok=True)
        path = os.path.join(ARTIFACTS, name)
        self.call("screenshot", path=path, full=full)
        return path

    def close(self):
        if self.proc.poll() is None:
            try:
                self.call("close")
            except (BrowserError, OSError, ValueError):
                pass
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


def https_get(port, ca, path="/", method="GET", headers=None, body=None):
    """(status, headers dict lower-cased, body bytes) of one request."""
    import http.client
    ctx = ssl.create_default_context(cafile=ca)
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx,
                                    timeout=10)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()
