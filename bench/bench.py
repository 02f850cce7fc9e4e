#!/usr/bin/env python3
"""Benchmark: ingest with durable acks, and a first sync from empty.

Each figure is printed next to its limit measured in the same run on the
same disk, and as a ratio (docs/performance.md):
  1. ingest: CLIENTS concurrent devices push note.add ops in frames of
     BATCH through real TLS WebSockets to a real wo-server; ops/s counts
     only acked ops, and an ack is sent after the group commit (fsync).
     Limit: the same rows inserted into the same schema with the server's
     own statements in transactions of 10,000 ops.
  2. first sync: a technician with ORDERS orders (2 visits, 3 parts,
     3 notes each) runs `wo sync` on an empty replica, SYNC_REPS times.
     Limit: the same rows written into an empty replica in one
     transaction (ids made before the clock starts), after each run.
     Also timed: a second sync with nothing new, the fixed cost of any.

usage: python3 bench/bench.py [--build DIR] [--clients N] [--ops N]
                              [--batch N] [--orders N] [--sync-reps N]
                              [--live 0|1|2] [--dir DIR]
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# free loopback ports and the wait for a listener: the tests' helpers,
# one copy for the tests and the benchmarks (load.py takes them from here)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
from harness import free_port, listening  # noqa: E402,F401

WRAP = []     # --server-wrap: e.g. perf record -g -o FILE --


def cpu_ticks(pid, tid=None):
    """CPU time (user + system, clock ticks) of process pid, or of its
    thread tid, and that one's name."""
    path = "/proc/%d/stat" % pid if tid is None else \
        "/proc/%d/task/%s/stat" % (pid, tid)
    with open(path) as f:
        head, rest = f.read().rsplit(")", 1)
    fields = rest.split()
    return int(fields[11]) + int(fields[12]), head.split("(", 1)[1]


def kv(text):
    return dict(line.split("=", 1) for line in text.split() if "=" in line)


class Server:
    def __init__(self, bin_dir, data, extra=()):
        self.bin, self.data = bin_dir, data
        self.port = free_port()
        self.run(["init", "--data", data])
        self.extra = list(extra)
        self.proc = None

    def run(self, args):
        return subprocess.run([os.path.join(self.bin, "wo-server")] + args,
                              check=True, capture_output=True, text=True)

    def user(self, name, role):
        return self.run(["user", "add", name, "--role", role, "--data",
                         self.data, "--quiet"]).stdout.strip()

    def start(self):
        log = open(os.path.join(self.data, "server.log"), "a")
        self.proc = subprocess.Popen(
            WRAP + [os.path.join(self.bin, "wo-server"), "run", "--data",
                    self.data,
             "--listen", "127.0.0.1:%d" % self.port] + self.extra,
            stdout=log, stderr=log)
        for _ in range(200):
            if listening(self.port):
                return
            time.sleep(0.05)
        raise SystemExit("wo-server did not start")

    def cpu_seconds(self):
        """CPU time (user + system) the server has used so far."""
        return cpu_ticks(self.proc.pid)[0] / os.sysconf("SC_CLK_TCK")

    def thread_cpu_seconds(self, name):
        """CPU time the server's threads called `name` have used."""
        ticks = 0
        for tid in os.listdir("/proc/%d/task" % self.proc.pid):
            try:
                t, comm = cpu_ticks(self.proc.pid, tid)
            except OSError:     # the thread ended meanwhile
                continue
            ticks += t if comm == name else 0
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    @property
    def url(self):
        return "wss://127.0.0.1:%d" % self.port

    @property
    def ca(self):
        return os.path.join(self.data, "tls", "ca.pem")


def wo(bin_dir, home, *args):
    return subprocess.run([os.path.join(bin_dir, "wo"), "--home", home] +
                          list(args), check=True, capture_output=True,
                          text=True)


def step(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def ingest(a, root):
    step("ingest: %d clients x %d ops, frames of %d, %s" %
         (a.clients, a.ops, a.batch,
          ("never synced", "live, whole orders back",
           "live, partial orders back")[a.live]))
    srv = Server(a.build, os.path.join(root, "ingest"), a.server_arg)
    disp = os.path.join(root, "disp")
    code = srv.user("disp", "dispatcher")
    lines = []
    srv.start()
    try:
        wo(a.build, disp, "enroll", "--server", srv.url, "--ca", srv.ca,
           "--code", code)
        for i in range(a.clients):
            c = srv.user("tech%d" % i, "technician")
            o = wo(a.build, disp, "create", "--title", "bench %d" % i,
                   "--priority", "P2", "--assign", "tech%d" % i, "--json")
            lines.append("%s %d" % (c, json.loads(o.stdout)["id"]))
        codes = os.path.join(root, "codes")
        with open(codes, "w") as f:
            f.write("\n".join(lines) + "\n")
        cpu0 = srv.cpu_seconds()
        r = subprocess.run([os.path.join(a.build, "wo_bench"), "ingest",
                            srv.url, srv.ca, codes, str(a.ops),
                            str(a.batch), str(a.live)], check=True,
                           capture_output=True, text=True)
        got = kv(r.stdout)
        got["server_cpu"] = "%.2f" % (srv.cpu_seconds() - cpu0)
    finally:
        srv.stop()
    step("raw insert limit: %d ops" % (a.clients * a.ops))
    r = subprocess.run([os.path.join(a.build, "wo_bench"), "raw-ingest",
                        os.path.join(root, "raw-ingest.db"),
                        str(a.clients * a.ops)], check=True,
                       capture_output=True, text=True)
    raw = kv(r.stdout)
    return got, raw


def first_sync(a, root):
    """A.sync_reps first syncs, each on a fresh copy of the enrolled home,
    each followed by the raw write (the limit) and by a second `wo sync`
    with nothing new (what any sync costs: start, TLS, authentication,
    an empty catch-up, close). Medians of each, and of the ratios."""
    step("first sync: %d orders, %d runs" % (a.orders, a.sync_reps))
    srv = Server(a.build, os.path.join(root, "firstsync"), a.server_arg)
    code = srv.user("tech", "technician")
    subprocess.run([os.path.join(a.build, "wo_bench"), "populate",
                    os.path.join(srv.data, "server.db"), "tech",
                    str(a.orders)], check=True, capture_output=True)
    home = os.path.join(root, "tech")
    fresh = home + ".enrolled"
    raw_db = os.path.join(root, "raw-replica.db")
    runs = []
    srv.start()
    try:
        wo(a.build, fresh, "enroll", "--server", srv.url, "--ca", srv.ca,
           "--code", code)
        for _ in range(a.sync_reps):
            shutil.rmtree(home, ignore_errors=True)
            shutil.copytree(fresh, home)
            c0 = srv.cpu_seconds()
            w0 = srv.thread_cpu_seconds("wo-catchup")
            t0 = time.monotonic()
            out = wo(a.build, home, "sync").stdout
            secs = time.monotonic() - t0
            cpu = srv.cpu_seconds() - c0
            worker = srv.thread_cpu_seconds("wo-catchup") - w0
            if "%d orders updated" % a.orders not in out:
                raise SystemExit("first sync did not bring every order: " +
                                 out)
            t0 = time.monotonic()
            out = wo(a.build, home, "sync").stdout
            empty = time.monotonic() - t0
            if "0 orders updated" not in out:
                raise SystemExit("the second sync was not empty: " + out)
            for f in os.listdir(root):
                if f.startswith("raw-replica.db"):
                    os.remove(os.path.join(root, f))
            r = subprocess.run([os.path.join(a.build, "wo_bench"),
                                "raw-replica", raw_db, str(a.orders)],
                               check=True, capture_output=True, text=True)
            runs.append((secs, float(kv(r.stdout)["seconds"]), empty, cpu,
                         worker))
    finally:
        srv.stop()
    med = statistics.median
    return {"sync": med([r[0] for r in runs]),
            "raw": med([r[1] for r in runs]),
            "empty": med([r[2] for r in runs]),
            "ratio": med([r[0] / r[1] for r in runs]),
            "ratios": sorted(r[0] / r[1] for r in runs),
            "beyond": med([(r[0] - r[2]) / r[1] for r in runs]),
            "server_cpu": med([r[3] for r in runs]),
            "worker_cpu": med([r[4] for r in runs])}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(here, "..", "build",
                                                   "bin"))
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--ops", type=int, default=4000, help="ops per client")
    p.add_argument("--batch", type=int, default=200,
                   help="ops per frame (200, as wo sync sends)")
    p.add_argument("--orders", type=int, default=1000)
    p.add_argument("--sync-reps", type=int, default=5,
                   help="first syncs, each next to its limit (medians)")
    p.add_argument("--live", type=int, default=0, choices=[0, 1, 2],
                   help="ingest clients: 0 never sync (no push back); 1 "
                        "caught up first, each change pushed back whole; 2 "
                        "the same with partial orders, as wo sync asks")
    p.add_argument("--dir", default=None,
                   help="work directory (default: a new one under "
                        "build/, on the disk being measured)")
    p.add_argument("--server-wrap", default="",
                   help="command prefix for wo-server, for profiling "
                        "(e.g. 'perf record -g -o perf.data --')")
    p.add_argument("--server-arg", action="append", default=[],
                   help="one more argument for `wo-server run` (repeat it: "
                        "--server-arg=--catchup-thread --server-arg=off)")
    a = p.parse_args()
    WRAP.extend(a.server_wrap.split())
    a.build = os.path.abspath(a.build)
    base = a.dir or os.path.join(a.build, "..")
    root = tempfile.mkdtemp(prefix="wo-bench-", dir=base)
    try:
        got, raw = ingest(a, root)
        fs = first_sync(a, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    ratio = float(got["ops_per_s"]) / float(raw["ops_per_s"])
    print("machine: %s, %d cores, %s" % (platform.machine(), os.cpu_count(),
                                          platform.platform()))
    print("ingest: %s ops from %s clients in %s s = %s ops/s (durable acks)"
          % (got["ops"], got["clients"], got["seconds"], got["ops_per_s"]))
    print("  server CPU time during ingest: %s s (clients share the "
          "machine)" % got["server_cpu"])
    print("  limit, raw inserts of the same rows: %s ops/s" %
          raw["ops_per_s"])
    print("  ratio: %.2f of the raw rate (goal >= 0.8)" % ratio)
    print("first sync: %d orders in %.3f s (median of %d)" %
          (a.orders, fs["sync"], a.sync_reps))
    print("  limit, raw write of the same rows into the replica: %.3f s"
          % fs["raw"])
    print("  ratio: %.2fx the raw time (runs: %s)" %
          (fs["ratio"], " ".join("%.2f" % r for r in fs["ratios"])))
    print("  a sync with nothing new (start, TLS, auth, close): %.3f s; "
          "the first sync beyond it: %.2fx the raw time" %
          (fs["empty"], fs["beyond"]))
    print("  server CPU during the first sync: %.2f s, of which %.2f s on "
          "its catch-up thread" % (fs["server_cpu"], fs["worker_cpu"]))

if __name__ == "__main__":
    main()
