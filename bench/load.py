#!/usr/bin/env python3
"""Scale benchmark: N held TLS WebSocket connections against wo-server and
two references, driven by the same load client (bench/wo_load.c) in the
same run: bench/ref_server ("ref": a plain TLS WebSocket echo server with
the same TLS settings, from the same libraries) and bench/ref_ws.js
("ws": the same echo on Node's `ws` package, the reference the scale
issue's table was measured against; skipped, and said so, when `node`
or the package is missing). For each server it measures:

  - memory per idle connection: the server's RSS with N connections held
    minus its RSS before the first one, over N;
  - CPU while the N connections sit idle for --idle-s seconds, as a
    percentage of one core (utime + stime from /proc);
  - push latency over R reassignments (wo: the dispatcher's `assign` to
    the new holder's connection receiving the order; ref: a 64-byte
    message there and back on one connection): p50, p99, max;
  - kill and restart: the server is killed (SIGKILL) with N connections
    held and started again; every client reconnects at once,
    authenticates and catches up from its cursor (ref: the WebSocket
    opens and echoes); the time until all are back, the attempts made,
    and the CPU the server and the load client each used meanwhile (as
    a percentage of one core: the two share the machine's two).

And once, before both: the durable-commit limit, one SQLite row updated
and committed R times (WAL, synchronous=FULL, on the same disk): what
wo-server must pay before each push, since it commits an assignment before
it tells anyone; a reassignment's floor is the reference's message plus
that commit.

usage: python3 bench/load.py [--build DIR] [-n N] [-r R] [--idle-s S]
                             [--only wo|ref|ws] [--catchup-orders K]
                             [--creates] [--server-arg ARG]
                             [--server-wrap 'perf record -g -o F --']
Nothing here asserts: the figures go to docs/performance.md.
"""
import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import bench
from bench import free_port, listening

HERE = os.path.dirname(os.path.abspath(__file__))


def have_ws():
    """Whether node and its ws package are installed (scripts/deps.sh
    installs both)."""
    if not shutil.which("node"):
        return False
    return subprocess.run(["node", "-e", "require('ws')"], cwd=HERE,
                          capture_output=True).returncode == 0

TCK = os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_ticks(pid):
    return bench.cpu_ticks(pid)[0]


class Target:
    """A server to load: wo-server or the reference, started and
    restarted on one port."""

    def __init__(self, kind, a, work):
        self.kind, self.a, self.work = kind, a, work
        self.port = free_port()
        self.data = os.path.join(work, "data")
        self.proc = None
        if kind == "wo":
            self.srv(["init", "--data", self.data])
            csv = os.path.join(work, "users.csv")
            with open(csv, "w") as f:
                f.write("name,role,tier\ndisp0,dispatcher,\n")
                for i in range(a.n):
                    f.write("t%05d,technician,L1\n" % i)
                if a.catchup_orders:    # beyond N: wo_load leaves it out
                    f.write("zbulk,technician,L1\n")
                if a.creates:
                    f.write("zdisp,dispatcher,\n")
            t = time.monotonic()
            self.srv(["user", "import", csv, "--data", self.data])
            self.import_s = time.monotonic() - t
            self.codes = csv + ".codes"
            if a.catchup_orders:
                subprocess.run([os.path.join(a.build, "wo_bench"),
                                "populate", os.path.join(self.data,
                                                         "server.db"),
                                "zbulk", str(a.catchup_orders)],
                               check=True, capture_output=True)
        else:
            # the same certificate and key as wo-server's
            self.srv(["init", "--data", self.data])
            self.codes = "-"
        self.ca = os.path.join(self.data, "tls", "ca.pem")

    def srv(self, args):
        return subprocess.run([os.path.join(self.a.build, "wo-server")] +
                              args, check=True, capture_output=True,
                              text=True)

    def start(self):
        log = open(os.path.join(self.work, self.kind + "-server.log"), "a")
        if self.kind == "wo":
            cmd = [os.path.join(self.a.build, "wo-server"), "run", "--data",
                   self.data, "--listen", "127.0.0.1:%d" % self.port,
                   "--max-conns-per-addr", "0", "--max-unauth", "0"] + \
                  self.a.server_arg
        else:
            tls = os.path.join(self.data, "tls")
            prog = [os.path.join(self.a.build, "ref_server")]
            if self.kind == "ws":
                prog = ["node", os.path.join(HERE, "ref_ws.js")]
            cmd = prog + ["127.0.0.1", str(self.port),
                          os.path.join(tls, "server.pem"),
                          os.path.join(tls, "server.key")]
        self.proc = subprocess.Popen(shlex.split(self.a.server_wrap) + cmd,
                                     stdout=log, stderr=log)
        while not listening(self.port):
            if self.proc.poll() is not None:
                sys.exit("%s server exited; see %s" % (self.kind, log.name))
            time.sleep(0.02)
        self.pid = self.server_pid()

    def server_pid(self):
        """The server's pid, also under a wrapper such as perf."""
        if not self.a.server_wrap:
            return self.proc.pid
        name = {"wo": "wo-server", "ref": "ref_server",
                "ws": "ref_ws"}[self.kind]
        out = subprocess.run(["pgrep", "-n", "-f", name + ".*%d" % self.port],
                             capture_output=True, text=True).stdout.split()
        return int(out[0]) if out else self.proc.pid

    def kill(self):
        os.kill(self.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Beside:
    """A user outside the N (wo_load leaves them out) enrolled with `wo`
    and working on a thread of its own while the reassignments are timed:
    run() loops until stop()."""

    def __init__(self, a, t, work, name, home):
        with open(t.codes) as f:
            code = [ln.strip().split(",")[1] for ln in f
                    if ln.startswith(name + ",")][0]
        self.wo = os.path.join(a.build, "wo")
        subprocess.run([self.wo, "--home", home, "enroll", "--server",
                        "wss://127.0.0.1:%d" % t.port, "--ca", t.ca,
                        "--code", code], check=True, capture_output=True)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopping.set()
        self.thread.join()
        return self.result()


class Bulk(Beside):
    """--catchup-orders: a technician whose first sync of that many
    orders runs again and again, on fresh copies of its enrolled home:
    what a large catch-up does to everyone else's pushes."""

    def __init__(self, a, t, work):
        self.fresh = os.path.join(work, "zbulk.enrolled")
        self.home = os.path.join(work, "zbulk")
        self.times = []
        super().__init__(a, t, work, "zbulk", self.fresh)

    def run(self):
        while not self.stopping.is_set():
            shutil.rmtree(self.home, ignore_errors=True)
            shutil.copytree(self.fresh, self.home)
            t0 = time.monotonic()
            subprocess.run([self.wo, "--home", self.home, "sync"],
                           check=True, capture_output=True)
            self.times.append(time.monotonic() - t0)

    def result(self):
        self.times.sort()
        return {"catchups_during_reassign": str(len(self.times)),
                "catchup_s_p50": "%.3f" % (self.times[len(self.times) // 2]
                                           if self.times else 0)}


class Creator(Beside):
    """--creates: a second dispatcher creates orders one after another
    with `wo create`: each new order gets a recipient code, a PBKDF2
    hash, which the server makes ahead on a thread of its own
    (server/codepool.c) and once made on the loop, holding every push
    meanwhile."""

    def __init__(self, a, t, work):
        self.home = os.path.join(work, "zdisp")
        self.made = 0
        super().__init__(a, t, work, "zdisp", self.home)

    def run(self):
        while not self.stopping.is_set():
            subprocess.run([self.wo, "--home", self.home, "create",
                            "--title", "walk-in %d" % self.made,
                            "--priority", "P3"], check=True,
                           capture_output=True)
            self.made += 1

    def result(self):
        return {"creates_during_reassign": str(self.made)}


def expect(load, word, out):
    """Read the load client's lines into out until `word` (and echo them,
    so that a run cut short still shows what it measured)."""
    for line in load.stdout:
        line = line.strip()
        print("  " + line, file=sys.stderr, flush=True)
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
        elif line == word:
            return
    sys.exit("wo_load ended before '%s' (exit %s)" % (word, load.wait()))


def measure(kind, a, root):
    work = os.path.join(root, kind)
    os.makedirs(work, mode=0o700)
    t = Target(kind, a, work)
    r = {}
    if kind == "wo":
        r["import_s"] = "%.2f" % t.import_s
    t.start()
    time.sleep(0.5)
    rss0 = rss_kib(t.pid)
    load = subprocess.Popen([os.path.join(a.build, "wo_load"),
                             "wo" if kind == "wo" else "ref",
                             "wss://127.0.0.1:%d" % t.port, t.ca, t.codes,
                             str(a.n), str(a.r)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        expect(load, "idle-ready", r)
        time.sleep(2.0)                 # let the last handshakes settle
        rss1 = rss_kib(t.pid)
        r["rss_before_kib"] = rss0
        r["rss_held_kib"] = rss1
        r["kib_per_conn"] = "%.2f" % ((rss1 - rss0) / a.n)
        c0, w0 = cpu_ticks(t.pid), time.monotonic()
        la0 = os.getloadavg()[0]
        time.sleep(a.idle_s)
        c1, w1 = cpu_ticks(t.pid), time.monotonic()
        r["idle_cpu_pct"] = "%.3f" % (100.0 * (c1 - c0) / TCK / (w1 - w0))
        r["loadavg_1m"] = "%.2f-%.2f" % (la0, os.getloadavg()[0])
        bulk = Bulk(a, t, work) if kind == "wo" and a.catchup_orders else None
        maker = Creator(a, t, work) if kind == "wo" and a.creates else None
        for side in (bulk, maker):
            if side:
                side.start()
        load.stdin.write("go\n")
        load.stdin.flush()
        try:
            expect(load, "storm-ready", r)
        finally:
            for side in (bulk, maker):
                if side:
                    r.update(side.stop())
        t.kill()
        expect(load, "storm-down", r)
        t0 = time.monotonic()
        t.start()
        r["restart_listen_s"] = "%.3f" % (time.monotonic() - t0)
        # what each side burns during the storm: whether a second core
        # for the server could pay on this machine (both near a core
        # each: the machine, not the server's one thread, is the limit)
        s0, l0, w0 = cpu_ticks(t.pid), cpu_ticks(load.pid), time.monotonic()
        load.stdin.write("go\n")
        load.stdin.flush()
        expect(load, "done", r)
        s1, l1, w1 = cpu_ticks(t.pid), cpu_ticks(load.pid), time.monotonic()
        r["storm_server_cpu_pct"] = "%.0f" % (100.0 * (s1 - s0) / TCK /
                                              (w1 - w0))
        r["storm_load_cpu_pct"] = "%.0f" % (100.0 * (l1 - l0) / TCK /
                                            (w1 - w0))
        load.wait(timeout=60)
    finally:
        if load.poll() is None:
            load.kill()
            load.wait()
        t.stop()
    return r


def durable_commit_ms(root, rounds):
    """The raw SQLite limit under a reassignment: one row updated and
    committed in WAL with synchronous=FULL (an fsync), as wo-server
    commits `assign` before it pushes; p50 and p99 of `rounds`, on the
    same disk in the same run."""
    import sqlite3
    db = sqlite3.connect(os.path.join(root, "commit-limit.db"),
                         isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, holder INTEGER)")
    db.execute("INSERT INTO t VALUES (1, 0)")
    times = []
    for i in range(rounds):
        t0 = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE t SET holder = ? WHERE id = 1", (i,))
        db.execute("COMMIT")
        times.append((time.perf_counter() - t0) * 1000)
    db.close()
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1,
                                             int(len(times) * 0.99))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--build", default=os.path.join(here, "..", "build",
                                                    "bin"))
    ap.add_argument("-n", type=int, default=1000, help="connections held")
    ap.add_argument("-r", type=int, default=200, help="reassignments")
    ap.add_argument("--idle-s", type=float, default=30.0)
    ap.add_argument("--server-wrap", default="",
                    help="command line the server runs under")
    ap.add_argument("--only", choices=["wo", "ref", "ws"])
    ap.add_argument("--server-arg", action="append", default=[],
                    help="one more argument for `wo-server run` (repeat: "
                         "--server-arg=--catchup-thread --server-arg=off)")
    ap.add_argument("--catchup-orders", type=int, default=0,
                    help="while the reassignments are timed, first syncs "
                         "of this many orders run one after another "
                         "(wo-server only)")
    ap.add_argument("--creates", action="store_true",
                    help="while the reassignments are timed, a second "
                         "dispatcher creates orders one after another "
                         "(wo-server only)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the scratch directory")
    a = ap.parse_args()
    a.build = os.path.abspath(a.build)
    root = tempfile.mkdtemp(prefix="load-", dir=os.path.join(a.build, ".."))
    res = {}
    try:
        commit = durable_commit_ms(root, a.r)
        for kind in ("wo", "ref", "ws"):
            if a.only and a.only != kind:
                continue
            if kind == "ws" and not have_ws():
                print("[ws] skipped: node or its ws package is missing "
                      "(scripts/deps.sh installs both)", flush=True)
                continue
            res[kind] = measure(kind, a, root)
            print("[%s] %s" % (kind, " ".join("%s=%s" % kv for kv in
                                              sorted(res[kind].items()))),
                  flush=True)
    finally:
        if not a.keep:
            shutil.rmtree(root, ignore_errors=True)
    if "wo" not in res:
        return
    wo = res["wo"]
    print("\nN=%d R=%d idle %.0f s" % (a.n, a.r, a.idle_s))
    for name in ("ref", "ws"):
        if name not in res:
            continue
        ref = res[name]
        print("against %s:" % name)
        for k in ("kib_per_conn", "idle_cpu_pct", "push_p50_ms",
                  "push_p99_ms", "push_max_ms", "storm_s", "join_s"):
            x, y = float(wo[k]), float(ref[k])
            print("  %-14s wo %10.3f  %s %10.3f  ratio %s" % (
                k, x, name, y, "%.2f" % (x / y) if y else "-"))
        # a reassignment is a durable write, then a push: its floor is
        # the reference's message plus one fsync'd commit
        for k, c in (("push_p50_ms", commit[0]), ("push_p99_ms", commit[1])):
            floor = float(ref[k]) + c
            print("  %-14s wo %10.3f  %s + durable commit (%.3f) %.3f  "
                  "ratio %.2f" % (k, float(wo[k]), name, c, floor,
                                  float(wo[k]) / floor))

if __name__ == "__main__":
    main()
