"""A TCP proxy between wo clients and wo-server that injects network faults.

It forwards bytes untouched (TLS passes through end to end) and, on demand:
  - cuts every open connection at once (TCP reset, as when Wi-Fi drops);
  - cuts each new connection after a chosen number of bytes in one
    direction, so a cut lands mid-frame, between op and ack, or in the
    middle of a catch-up;
  - stalls: holds all bytes until resumed (a laptop that sleeps);
  - goes down: refuses new connections (no network at all).
Counters of what it did are kept for the test's report.
"""
import socket
import struct
import threading


def _reset(sock):
    """Close with a TCP RST, waking any thread blocked on the socket."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class _Conn:
    def __init__(self, proxy, down, up, budget):
        self.proxy = proxy
        self.down, self.up = down, up       # client side, server side
        self.budget = budget                # (direction, bytes) or None
        self.moved = [0, 0]                 # bytes client->server, back
        self.dead = False
        self.lock = threading.Lock()

    def cut(self):
        with self.lock:
            if self.dead:
                return False
            self.dead = True
        _reset(self.down)
        _reset(self.up)
        return True

    def pump(self, src, dst, direction):
        try:
            while not self.dead:
                data = src.recv(16384)
                if not data:
                    break
                self.proxy._wait_flowing(self)
                if self.dead:
                    break
                if self.budget and self.budget[0] == direction:
                    left = self.budget[1] - self.moved[direction]
                    if len(data) >= left:
                        if left > 0:
                            dst.sendall(data[:left])
                        self.moved[direction] += max(left, 0)
                        if self.cut():
                            self.proxy._count("cuts_at_offset")
                        break
                dst.sendall(data)
                self.moved[direction] += len(data)
        except OSError:
            pass
        # one side closed: close the other the same way
        if self.cut():
            pass
        self.proxy._forget(self)


class FaultProxy:
    def __init__(self, target_port, host="127.0.0.1"):
        self.target = (host, target_port)
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind((host, 0))
        self.lsock.listen(64)
        self.port = self.lsock.getsockname()[1]
        self.conns = set()
        self.lock = threading.Lock()
        self.flowing = threading.Condition(self.lock)
        self.stalled = False
        self.is_down = False
        self.next_budget = None             # callable -> budget or None
        self.stats = {"connections": 0, "cuts_all": 0, "cuts_at_offset": 0,
                      "stalls": 0, "refused": 0}
        self.closed = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    # -- control -----------------------------------------------------------
    def cut_all(self):
        with self.lock:
            conns = list(self.conns)
        n = sum(1 for c in conns if c.cut())
        self._count("cuts_all")
        return n

    def cut_after(self, budget_fn):
        """budget_fn() -> (direction 0 up / 1 down, byte offset) or None,
        drawn for each new connection; None stops cutting."""
        self.next_budget = budget_fn

    def stall(self, on):
        with self.lock:
            if on and not self.stalled:
                self.stats["stalls"] += 1
            self.stalled = on
            self.flowing.notify_all()

    def down(self, on):
        self.is_down = on
        if on:
            self.cut_all()

    def heal(self):
        self.next_budget = None
        self.down(False)
        self.stall(False)

    def close(self):
        self.closed = True
        self.heal()
        _reset(self.lsock)
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            c.cut()

    # -- internals -----------------------------------------------------------
    def _count(self, key):
        with self.lock:
            self.stats[key] += 1

    def _wait_flowing(self, conn):
        with self.lock:
            while self.stalled and not conn.dead and not self.closed:
                self.flowing.wait(0.2)

    def _forget(self, conn):
        with self.lock:
            self.conns.discard(conn)

    def _accept(self):
        while not self.closed:
            try:
                down, _ = self.lsock.accept()
            except OSError:
                return
            if self.is_down:
                self._count("refused")
                _reset(down)
                continue
            try:
                up = socket.create_connection(self.target, 5)
                up.settimeout(None)     # an idle connection is not a fault
            except OSError:
                _reset(down)
                continue
            fn = self.next_budget
            conn = _Conn(self, down, up, fn() if fn else None)
            with self.lock:
                self.conns.add(conn)
                self.stats["connections"] += 1
            for src, dst, d in ((down, up, 0), (up, down, 1)):
                threading.Thread(target=conn.pump, args=(src, dst, d),
                                 daemon=True).start()
