"""Test harness: a real wo-server on a free loopback port with real TLS, and
real wo processes, each with its own home directory and SQLite replica.

Every process started here is stopped by the test's cleanup, pass or fail.
"""
import json
import os
import shutil
import socket
import sqlite3
import ssl
import subprocess
import tempfile
import time
import unittest

BIN = os.environ.get("WO_BIN", os.path.join(os.path.dirname(__file__),
                                            "..", "..", "build", "bin"))
WO = os.path.abspath(os.path.join(BIN, "wo"))
SERVER = os.path.abspath(os.path.join(BIN, "wo-server"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    """True when something accepts connections on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


def wait_until(pred, timeout=15.0, what="condition"):
    """Poll pred() until true; fail with `what` after timeout seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


class Env(unittest.TestCase):
    """Base class: a data dir, a server, and helpers for users and clients."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="wo-test-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.data = os.path.join(self.dir, "data")
        self.ca = os.path.join(self.data, "tls", "ca.pem")
        self.procs = []
        self.addCleanup(self._stop_all)
        self.srv_cmd(["init", "--data", self.data])
        self.port = free_port()
        self.server = None
        self.start_server()

    # -- processes -------------------------------------------------------
    def _stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
            p.wait()
        for name in os.listdir(self.dir):
            if name.endswith(".log"):
                with open(os.path.join(self.dir, name)) as f:
                    self.assert_clean(f.read())

    def assert_clean(self, text):
        for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            if marker in text:
                raise AssertionError("sanitizer report:\n" + text[-4000:])

    def srv_cmd(self, args, check=True):
        r = subprocess.run([SERVER] + args, capture_output=True, text=True,
                           timeout=60)
        self.assert_clean(r.stderr)
        if check and r.returncode != 0:
            raise AssertionError("wo-server %s failed: %s" % (args, r.stderr))
        return r

    def start_server(self, *extra):
        log = open(os.path.join(self.dir, "server.log"), "a")
        # server_wrap: a command line the server runs under (prlimit ...)
        p = subprocess.Popen(list(getattr(self, "server_wrap", [])) +
                             [SERVER, "run", "--data", self.data, "--listen",
                              "127.0.0.1:%d" % self.port] + list(extra),
                             stdout=log, stderr=log)
        log.close()
        self.procs.append(p)
        self.server = p

        def up():
            if p.poll() is not None:
                raise AssertionError("wo-server exited: " + self.server_log())
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return True
            except OSError:
                return False
        wait_until(up, what="server to listen")
        return p

    def stop_server(self, sig_kill=False):
        if sig_kill:
            self.server.kill()
            self.server.wait(timeout=15)
        else:
            self.server.terminate()
            self.assertEqual(self.server.wait(timeout=15), 0)

    def server_log(self):
        with open(os.path.join(self.dir, "server.log")) as f:
            return f.read()

    # -- users and clients -----------------------------------------------
    def add_user(self, name, role):
        r = self.srv_cmd(["user", "add", name, "--role", role, "--data",
                          self.data, "--quiet"])
        return r.stdout.strip()

    def home(self, name):
        return os.path.join(self.dir, "home-" + name)

    def wo(self, who, *args, check=True, timeout=60, env=None,
           input_text=None):
        r = subprocess.run([WO, "--home", self.home(who)] + list(args),
                           capture_output=True, text=True, timeout=timeout,
                           env=env, input=input_text)
        self.assert_clean(r.stderr)
        if check and r.returncode != 0:
            raise AssertionError("wo %s %s failed (%d): %s%s" % (
                who, args, r.returncode, r.stdout, r.stderr))
        return r

    def wo_json(self, who, *args):
        return json.loads(self.wo(who, *args, "--json").stdout)

    def enroll(self, name, role):
        code = self.add_user(name, role)
        self.wo(name, "enroll", "--server", self.url(), "--ca", self.ca,
                "--code", code)

    def url(self):
        """Where clients enrolled from now on connect: the server, or the
        fault proxy once use_proxy() was called."""
        if getattr(self, "proxy", None):
            return "wss://127.0.0.1:%d" % self.proxy.port
        return "wss://127.0.0.1:%d" % self.port

    def use_proxy(self):
        """Put a fault-injecting proxy (faultproxy.py) in front of the
        server for the clients enrolled after this call."""
        from faultproxy import FaultProxy
        self.proxy = FaultProxy(self.port)
        self.addCleanup(self.proxy.close)
        return self.proxy

    def watch(self, who):
        """Start `wo sync --watch` and return once it is caught up."""
        path = self.watch_log_path(who)
        log = open(path, "a")
        p = subprocess.Popen([WO, "--home", self.home(who), "sync",
                              "--watch"], stdout=log, stderr=log)
        log.close()
        self.procs.append(p)
        wait_until(lambda: "up to date" in self.watch_log(who),
                   what="wo sync --watch of %s to catch up" % who)
        return p

    def watch_log_path(self, who):
        return os.path.join(self.dir, "watch-%s.log" % who)

    def watch_log(self, who):
        with open(self.watch_log_path(who)) as f:
            return f.read()

    def server_db(self):
        """A read-only connection to the running server's store."""
        c = sqlite3.connect("file:%s/server.db?mode=ro" % self.data,
                            uri=True, timeout=30)
        self.addCleanup(c.close)
        return c

    def replica(self, who):
        c = sqlite3.connect(os.path.join(self.home(who), "replica.db"))
        self.addCleanup(c.close)
        return c

    def create(self, title="Boiler leak", prio="P2", assign=None, **kw):
        args = ["create", "--title", title]
        if prio:                # None: from --impact and --urgency
            args += ["--priority", prio]
        if assign:
            args += ["--assign", assign]
        for k, v in kw.items():
            args += ["--" + k] + ([] if v is None else [v])   # None: a flag
        return self.wo_json("disp", *args)

    def list_ids(self, who):
        return [o["id"] for o in self.wo_json(who, "list")]

    # -- raw TLS WebSocket, for malformed input ----------------------------
    def raw_ws(self, protocol="wo.v1"):
        ctx = ssl.create_default_context(cafile=self.ca)
        s = socket.create_connection(("127.0.0.1", self.port), 5)
        s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
        req = ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: "
               "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")
        if protocol:
            req += "Sec-WebSocket-Protocol: %s\r\n" % protocol
        s.sendall((req + "\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        return s, head, rest


MIN = 60 * 1000
HOUR = 60 * MIN


def write_clock(path, at_ms):
    """Stand a test clock (wo-server --test-clock, WO_TEST_CLOCK) still at
    at_ms, ms since the epoch, until the next write. The file is replaced,
    never rewritten in place, so a reader sees each write (proto/wo_clock.c
    compares the file's inode as well as its time)."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("@%d\n" % at_ms)
    os.replace(tmp, path)


class ClockEnv(Env):
    """An Env whose server and clients share one clock the test moves
    (wo-server --test-clock, the client's WO_TEST_CLOCK). The clock stands
    still between moves, so every time a test asserts is exact however
    long the machine takes between two steps; nothing waits on wall time
    but the server's timers, and ticked() waits for those."""
    def setUp(self):
        self.clock_file = None
        super().setUp()

    # the server and every client share one clock the test moves
    def start_server(self, *extra):
        if not self.clock_file:
            self.clock_file = os.path.join(self.dir, "clock")
            self.base = int(time.time() * 1000)     # offset 0: start time
            self.set_clock(0)
            os.environ["WO_TEST_CLOCK"] = self.clock_file
            self.addCleanup(os.environ.pop, "WO_TEST_CLOCK", None)
        return super().start_server("--test-clock", self.clock_file, *extra)

    def now(self):
        """The test clock's time, ms since the epoch."""
        return self.base + self.offset

    def set_clock(self, offset_ms):
        self.offset = offset_ms
        write_clock(self.clock_file, self.now())

    def advance(self, ms):
        self.set_clock(self.offset + ms)

    def ticked(self):
        """Return once the running server has run a whole desk tick (SLA
        alerts, escalation, the 24 h closure) at the clock's present time:
        what the rules do at that time is then done."""
        line = "test clock: desk tick at %d pid %d" % (self.now(),
                                                       self.server.pid)
        wait_until(lambda: line in self.server_log(), timeout=30,
                   what="a desk tick at the test clock's time")

    def show(self, wo):
        return self.wo_json("disp", "show", str(wo))

    def alerts(self):
        return self.wo_json("disp", "alerts")


def ws_frame(payload, opcode=2, fin=True):
    """A masked client frame."""
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        hdr = bytes([b0, 0x80 | n])
    elif n < 65536:
        hdr = bytes([b0, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        hdr = bytes([b0, 0x80 | 127]) + n.to_bytes(8, "big")
    mask = b"\x01\x02\x03\x04"
    return hdr + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))


def ws_read_frames(sock, rest=b"", timeout=5.0):
    """Read server frames until the connection closes; [(opcode, payload)]."""
    sock.settimeout(timeout)
    data = rest
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ssl.SSLError, ConnectionResetError):
        pass
    frames = []
    i = 0
    while i + 2 <= len(data):
        op = data[i] & 0x0F
        n = data[i + 1] & 0x7F
        i += 2
        if n == 126:
            n = int.from_bytes(data[i:i + 2], "big")
            i += 2
        elif n == 127:
            n = int.from_bytes(data[i:i + 8], "big")
            i += 8
        frames.append((op, data[i:i + n]))
        i += n
    return frames
