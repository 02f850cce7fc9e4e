"""Every resource is bounded, and bad input gets 400 with a valid frame:
the real wo-server over real TLS, driven by raw WebSocket clients written
here with the standard library (a small msgpack codec, Ed25519 through the
openssl command) so that they can misbehave: stop reading, never
authenticate, flood frames, send hostile bytes."""
import hashlib
import os
import socket
import struct
import subprocess
import time
import unittest

from harness import Env, wait_until, ws_frame


# -- msgpack, enough for the frames of docs/protocol.md --------------------
class Raw(bytes):
    """Bytes sent as a msgpack str as they are (not necessarily UTF-8)."""


def pack(v):
    if v is None:
        return b"\xc0"
    if v is True or v is False:
        return b"\xc3" if v else b"\xc2"
    if isinstance(v, int):
        if 0 <= v < 128:
            return bytes([v])
        if -32 <= v < 0:
            return struct.pack("b", v)
        return b"\xd3" + struct.pack(">q", v)
    if isinstance(v, (str, Raw)):
        b = bytes(v) if isinstance(v, Raw) else v.encode()
        if len(b) < 32:
            return bytes([0xa0 | len(b)]) + b
        return b"\xdb" + struct.pack(">I", len(b)) + b
    if isinstance(v, bytes):
        return b"\xc6" + struct.pack(">I", len(v)) + v
    if isinstance(v, (list, tuple)):
        return (b"\xdd" + struct.pack(">I", len(v)) +
                b"".join(pack(x) for x in v))
    if isinstance(v, dict):
        return (b"\xdf" + struct.pack(">I", len(v)) +
                b"".join(pack(k) + pack(x) for k, x in v.items()))
    raise TypeError(v)


def unpack(b):
    """Decode one msgpack value; strings must be valid UTF-8 (the server
    promises it), else UnicodeDecodeError."""
    v, i = _un(b, 0)
    if i != len(b):
        raise ValueError("trailing bytes")
    return v


def _un(b, i):
    c = b[i]
    i += 1
    if c <= 0x7f:
        return c, i
    if c >= 0xe0:
        return c - 256, i
    if 0x80 <= c <= 0x8f:
        return _map(b, i, c & 0x0f)
    if 0x90 <= c <= 0x9f:
        return _arr(b, i, c & 0x0f)
    if 0xa0 <= c <= 0xbf:
        n = c & 0x1f
        return b[i:i + n].decode("utf-8"), i + n
    if c == 0xc0:
        return None, i
    if c in (0xc2, 0xc3):
        return c == 0xc3, i
    if c in (0xc4, 0xc5, 0xc6, 0xd9, 0xda, 0xdb):
        w = {0xc4: 1, 0xc5: 2, 0xc6: 4, 0xd9: 1, 0xda: 2, 0xdb: 4}[c]
        n = int.from_bytes(b[i:i + w], "big")
        i += w
        raw = b[i:i + n]
        return (raw.decode("utf-8") if c >= 0xd9 else raw), i + n
    ints = {0xcc: ">B", 0xcd: ">H", 0xce: ">I", 0xcf: ">Q",
            0xd0: ">b", 0xd1: ">h", 0xd2: ">i", 0xd3: ">q"}
    if c in ints:
        w = struct.calcsize(ints[c])
        return struct.unpack(ints[c], b[i:i + w])[0], i + w
    if c in (0xdc, 0xde):
        n = int.from_bytes(b[i:i + 2], "big")
        return (_arr if c == 0xdc else _map)(b, i + 2, n)
    if c in (0xdd, 0xdf):
        n = int.from_bytes(b[i:i + 4], "big")
        return (_arr if c == 0xdd else _map)(b, i + 4, n)
    raise ValueError("msgpack tag 0x%02x" % c)


def _arr(b, i, n):
    out = []
    for _ in range(n):
        v, i = _un(b, i)
        out.append(v)
    return out, i


def _map(b, i, n):
    out = {}
    for _ in range(n):
        k, i = _un(b, i)
        out[k], i = _un(b, i)
    return out, i


# -- a raw WebSocket client --------------------------------------------------
class Conn:
    """One raw TLS WebSocket connection to the server under test."""

    def __init__(self, env, protocol="wo.v1"):
        self.sock, self.head, self.buf = env.raw_ws(protocol)
        env.addCleanup(self.sock.close)
        self.pings = 0

    def status_line(self):
        return self.head.split(b"\r\n")[0]

    def send(self, obj):
        self.sendb(pack(obj))

    def sendb(self, payload):
        self.sock.sendall(ws_frame(payload))

    def frame(self, deadline):
        """The next server frame (opcode, payload), or None once the
        connection ends; fails at the deadline."""
        while True:
            f = self._parse()
            if f:
                return f
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no frame from the server in time")
            self.sock.settimeout(min(left, 1.0))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except (ConnectionResetError, OSError):
                chunk = b""
            if not chunk:
                return None
            self.buf += chunk

    def _parse(self):
        b = self.buf
        if len(b) < 2:
            return None
        n, i = b[1] & 0x7f, 2
        if n == 126:
            if len(b) < 4:
                return None
            n, i = int.from_bytes(b[2:4], "big"), 4
        elif n == 127:
            if len(b) < 10:
                return None
            n, i = int.from_bytes(b[2:10], "big"), 10
        if len(b) < i + n:
            return None
        self.buf = b[i + n:]
        return b[0] & 0x0f, b[i:i + n]

    def msg(self, timeout=15):
        """The next binary message, decoded; pings are counted and
        skipped; a close frame fails the test."""
        deadline = time.monotonic() + timeout
        while True:
            f = self.frame(deadline)
            if f is None:
                raise AssertionError("connection closed")
            op, payload = f
            if op == 9:
                self.pings += 1
                continue
            if op == 8:
                raise AssertionError("closed: %d %r" % (
                    int.from_bytes(payload[:2], "big"), payload[2:]))
            return unpack(payload)

    def close(self):
        """Close with a close frame and wait for the server's: by then it
        has forgotten this connection."""
        self.sock.sendall(ws_frame(b"\x03\xe8", opcode=8))
        deadline = time.monotonic() + 15
        while self.frame(deadline) is not None:
            pass
        self.sock.close()

    def closed(self, timeout=30):
        """Read until the close frame; (code, reason, messages before)."""
        deadline = time.monotonic() + timeout
        msgs = []
        while True:
            f = self.frame(deadline)
            if f is None:
                raise AssertionError("TCP close without a close frame")
            op, payload = f
            if op == 8:
                try:        # answer it, as a client should
                    self.sock.sendall(ws_frame(payload[:2], opcode=8))
                except OSError:
                    pass
                return (int.from_bytes(payload[:2], "big"),
                        payload[2:].decode("utf-8"), msgs)
            if op == 9:
                self.pings += 1
            elif op == 2:
                msgs.append(payload)


class HardeningWire(Env):
    def restart(self, *opts):
        self.stop_server()
        self.start_server(*opts)

    # -- devices without the wo client, so they can misbehave ------------
    def device(self, name, role):
        """Enrol a device for a new user over a raw connection; returns
        (device id, path of its Ed25519 key)."""
        code = self.add_user(name, role)
        key = os.path.join(self.dir, name + ".key")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519",
                        "-out", key], check=True, capture_output=True)
        der = subprocess.run(["openssl", "pkey", "-in", key, "-pubout",
                              "-outform", "DER"], check=True,
                             capture_output=True).stdout
        c = Conn(self)
        self.assertEqual(c.msg()["t"], "challenge")
        c.send({"t": "enroll", "code": code, "pubkey": der[-32:]})
        m = c.msg()
        self.assertEqual(m["t"], "enrolled", m)
        c.close()
        return m["device_id"], key

    def login(self, dev, c=None, ch=None):
        """A raw connection authenticated as device dev = (id, key): c,
        whose challenge ch was read, or a new one."""
        if not c:
            c = Conn(self)
            ch = c.msg()
        text = "wo-auth/1\n%s\n%d\n" % (ch["nonce"].hex(), dev[0])
        digest = os.path.join(self.dir, "auth.sha256")
        with open(digest, "wb") as f:
            f.write(hashlib.sha256(text.encode()).digest())
        sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", dev[1],
                              "-rawin", "-in", digest], check=True,
                             capture_output=True).stdout
        c.send({"t": "auth", "device_id": dev[0], "sig": sig,
                "client_time": int(time.time() * 1000)})
        self.assertEqual(c.msg()["t"], "welcome")
        return c

    def cmd(self, c, req, name, **kw):
        c.send(dict({"t": "cmd", "req": req, "name": name}, **kw))
        m = c.msg()
        self.assertEqual((m["t"], m.get("req")), ("result", req), m)
        return m

    # -- the tests ---------------------------------------------------------
    def test_unknown_subprotocol_is_answered(self):
        c = Conn(self, protocol="wo.v0")
        self.assertIn(b" 400 ", c.status_line())
        body = c.buf
        while b"</html>" not in body:
            chunk = c.sock.recv(4096)
            if not chunk:
                break
            body += chunk
        self.assertIn(b"wo.v1", body)
        # ours among others is chosen
        c = Conn(self, protocol="chat, wo.v1")
        self.assertIn(b" 101 ", c.status_line())
        self.assertEqual(c.msg()["t"], "challenge")
        # none at all: upgraded, then closed with 1002
        code, why, _ = Conn(self, protocol=None).closed()
        self.assertEqual((code, why), (1002, "use subprotocol wo.v1"))

    def test_connections_per_address_are_capped(self):
        self.restart("--max-conns-per-addr", "3")
        held = [Conn(self) for _ in range(3)]
        for c in held:
            self.assertEqual(c.msg()["t"], "challenge")
        code, why, msgs = Conn(self).closed()
        self.assertEqual(code, 1013)
        self.assertIn("too many connections from your address", why)
        self.assertEqual(msgs, [])      # not even a challenge
        held[0].sock.close()

        def admitted():
            code_or_t = None
            c = Conn(self)
            f = c.frame(time.monotonic() + 15)
            c.sock.close()
            if f and f[0] == 2:
                code_or_t = unpack(f[1])["t"]
            return code_or_t == "challenge"
        wait_until(admitted, what="a place freed by a closed connection")

    def test_unauthenticated_connections_are_capped(self):
        self.restart("--max-unauth", "2")
        dev = self.device("tess", "technician")   # one at a time: fine
        waiting = [Conn(self), Conn(self)]
        challenges = [c.msg() for c in waiting]
        self.assertEqual([m["t"] for m in challenges], ["challenge"] * 2)
        code, why, _ = Conn(self).closed()
        self.assertEqual(code, 1013)
        self.assertIn("waiting to authenticate", why)
        # one authenticates: its place is free
        self.login(dev, waiting[0], challenges[0])
        self.assertEqual(Conn(self).msg()["t"], "challenge")

    def test_unauthenticated_deadline_closes_with_a_frame(self):
        self.restart("--auth-timeout-s", "1")
        c = Conn(self)
        self.assertEqual(c.msg()["t"], "challenge")
        code, why, _ = c.closed()
        self.assertEqual(code, 4408)
        self.assertIn("no authentication within", why)
        self.assertIsNone(self.server.poll())

    def test_idle_connection_is_pinged_then_closed(self):
        self.restart("--idle-timeout-s", "2")
        self.enroll("alice", "technician")
        self.enroll("disp", "dispatcher")
        self.watch("alice")             # answers pings: stays
        dev = self.device("mute", "technician")
        for _ in range(2):              # two idle deadlines pass in turn
            c = self.login(dev)
            code, why, _ = c.closed()
            self.assertEqual(code, 4408)
            self.assertIn("nothing heard for", why)
            self.assertGreaterEqual(c.pings, 1)
        o = self.create(assign="alice")
        wait_until(lambda: o["id"] in self.list_ids("alice"),
                   what="a live push to the watcher")
        self.assertNotIn("disconnected", self.watch_log("alice"))
        self.assertEqual(self.watch_log("alice").count("up to date"), 1)

    def test_frame_rate_is_limited(self):
        self.restart("--frame-rate", "1", "--frame-burst", "5")
        c = self.login(self.device("flood", "dispatcher"))
        # in one write: the server closes while later frames are in flight
        c.sock.sendall(b"".join(
            ws_frame(pack({"t": "cmd", "req": i + 1, "name": "sla.show"}))
            for i in range(30)))
        code, why, msgs = c.closed()
        self.assertEqual(code, 4429)
        self.assertIn("over 1 frames a second", why)
        self.assertLessEqual(len(msgs), 5)  # the burst, less the auth

    def test_a_peer_that_stops_reading_is_closed(self):
        c = self.login(self.device("slow", "dispatcher"))
        for i in range(40):
            self.cmd(c, i + 1, "create", title="Chiller %d" % i,
                     priority="P3", description="d" * 8000)
        # each board answers with all 40 orders, some 330 kB: 80 of them
        # are 26 MB, far more than the 4 MiB cap and the socket buffers
        for i in range(80):
            c.send({"t": "cmd", "req": 100 + i, "name": "board"})
        wait_until(lambda: "is not reading" in self.server_log(),
                   timeout=60, what="the server to give up on the reader")
        code, why, msgs = c.closed(timeout=60)
        self.assertEqual(code, 1008)
        self.assertIn("not reading", why)
        self.assertLess(len(msgs), 80)
        # it serves others still
        self.enroll("disp", "dispatcher")
        self.assertEqual(len(self.wo_json("disp", "board")), 40)

    def error_for(self, d, frame):
        """Send a bad frame on d; its error frame (whose strings must
        decode as UTF-8), after which a good frame is still answered."""
        if isinstance(frame, bytes):
            d.sendb(frame)
        else:
            d.send(frame)
        e = d.msg()
        self.assertEqual(e["t"], "error", e)
        self.cmd(d, 9, "sla.show")      # resets the count of bad frames
        return e

    def test_hostile_headers_get_400_not_500(self):
        d = self.login(self.device("ann", "dispatcher"))
        entries = pack({"t": "sync", "cursor": 0})[5:]
        e = self.error_for(d, b"\x83" + entries +
                           b"\xa4have\xdd\xff\xff\xff\xff")
        self.assertEqual(e["status"], 400)
        self.assertIn("claims 4294967295 entries", e["reason"])
        e = self.error_for(d, b"\x83" + entries + b"\xa4deep" +
                           b"\x91" * 32 + b"\x01")
        self.assertEqual(e["status"], 400)
        self.assertIn("nest deeper than 8", e["reason"])
        e = self.error_for(d, b"\x82" + entries[:7] +
                           b"\xa4have\xdc\xff\xff")
        self.assertEqual(e["status"], 400)

    def test_every_string_sent_is_utf8(self):
        d = self.login(self.device("bea", "dispatcher"))
        e = self.error_for(d, {"t": Raw(b"\xff")})
        self.assertEqual(e["status"], 400)
        self.assertIn("not valid UTF-8", e["reason"])
        e = self.error_for(d, {"t": Raw(b"\xc3\xa9" * 40)})
        self.assertIn("unknown frame type", e["reason"])
        # refused even where nobody reads it
        e = self.error_for(d, {"t": "sync", "cursor": 0,
                               "note": Raw(b"caf\xe9")})
        self.assertEqual(e["status"], 400)

    def test_an_error_carries_the_req_of_its_frame(self):
        d = self.login(self.device("cid", "dispatcher"))
        e = self.error_for(d, {"t": "cmd", "req": 77, "name": "create",
                               "title": "x" * 257, "priority": "P1"})
        self.assertEqual((e["status"], e.get("req")), (400, 77))
        self.assertIn("'title' is longer than 256", e["reason"])
        e = self.error_for(d, {"t": "cmd", "req": 78, "name": Raw(b"\xff")})
        self.assertEqual((e["status"], e.get("req")), (400, 78))
        # still served, never struck out
        self.assertEqual(self.cmd(d, 10, "board").get("orders", []), [])

    def test_one_bad_op_is_acked_alone(self):
        d = self.login(self.device("dee", "dispatcher"))
        tdev = self.device("tom", "technician")
        wo = self.cmd(d, 1, "create", title="Pump", priority="P2",
                      assignee="tom")["orders"][0]["id"]
        t = self.login(tdev)
        now = int(time.time() * 1000)
        t.send({"t": "ops", "ops": [
            {"id": "a1", "wo": wo, "kind": "accept", "at": now},
            {"id": "n1", "wo": wo, "kind": "note.add", "at": now,
             "text": "n" * 8193},
            {"id": "n2", "wo": wo, "kind": "note.add", "at": now,
             "text": "ok"}]})
        acks = t.msg()
        self.assertEqual(acks["t"], "acks", acks)
        got = [(a["id"], a["result"]) for a in acks["acks"]]
        self.assertEqual(got, [("a1", "applied"), ("n1", "rejected"),
                               ("n2", "applied")])
        self.assertIn("'text' is longer than 8192", acks["acks"][1]["reason"])
        order = self.cmd(d, 2, "show", wo=wo)["orders"][0]
        self.assertEqual(order["status"], "accepted")
        self.assertEqual([n["text"] for n in order["notes"]], ["ok"])
        # an op whose id cannot be read fails the frame, with a reason
        t.send({"t": "ops", "ops": [{"id": 5, "wo": wo, "kind": "x",
                                     "at": now}]})
        e = t.msg()
        self.assertEqual((e["t"], e["status"]), ("error", 400))
        self.assertIn("'id' must be a string", e["reason"])


if __name__ == "__main__":
    unittest.main()
