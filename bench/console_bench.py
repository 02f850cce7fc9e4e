#!/usr/bin/env python3
"""The web console on a large store: 100,000 orders and 1,000 technicians.

Makes a real store with `wo-server init`, fills it straight through
SQLite (orders spread over the technicians, most of them closed, each
with its creation in the change sequence), starts a real wo-server on a
free loopback port, enrols a real headless Chromium (Debian's chromium,
driven by tests/integration/browser.js) as a dispatcher and measures:

- first paint: from the start of navigation to the first page of orders
  (and the technicians) on screen, the browser already enrolled (a
  reload, as a dispatcher opening the console each morning);
- one page: a filter typed (text search, one technician, a priority),
  from the request to the rows on screen;
- a change: a dispatcher's `wo assign` from a terminal, from the command's
  return to the row on the page showing the new technician, and the
  browser's own time to apply the pushed frame.

    python3 bench/console_bench.py [--orders 100000] [--techs 1000]
                                   [--open 10000] [--runs 5]

Prints each figure (median of --runs, and the worst) and the size of
what the server sent; nothing asserts a time (docs/performance.md).
"""
import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from browser import Browser, missing  # noqa: E402
from harness import free_port, listening  # noqa: E402

BIN = os.environ.get("WO_BIN", os.path.join(ROOT, "build", "bin"))
SERVER = os.path.join(BIN, "wo-server")
WO = os.path.join(BIN, "wo")

STATUSES_OPEN = ["assigned", "accepted", "en_route", "on_site",
                 "on_hold_parts", "completed"]
WORDS = ["boiler", "pump", "valve", "chiller", "compressor", "fan", "panel",
         "lift", "generator", "heater", "leak", "noise", "trip", "fault"]


def fill(path, n_orders, n_techs, n_open, now):
    db = sqlite3.connect(path)
    rng = random.Random(12)
    db.execute("BEGIN")
    db.executemany("INSERT INTO users(name, role, tier, created_at) "
                   "VALUES (?, 'technician', ?, 0)",
                   [("tech%04d" % i, rng.choice(["L1", "L1", "L2", "L3"]))
                    for i in range(n_techs)])
    techs = [r[0] for r in db.execute(
        "SELECT id FROM users WHERE role = 'technician' ORDER BY id")]
    disp = db.execute("INSERT INTO users(name, role, created_at) "
                      "VALUES ('bench-creator', 'dispatcher', 0)").lastrowid
    sla = {p: (r, s) for p, r, s in db.execute(
        "SELECT priority, response_ms, resolve_ms FROM sla_policies "
        "WHERE version = 1")}
    first_open = n_orders - n_open
    orders, changes, holders = [], [], []
    for i in range(1, n_orders + 1):
        is_open = i > first_open
        st = rng.choice(STATUSES_OPEN) if is_open else "closed"
        prio = rng.choice(["P1", "P2", "P2", "P3", "P3"])
        # closed orders over the past years; open ones from the last
        # 6 hours, so that some are breached or at risk, as on a real day
        created = (now - rng.randrange(6 * 3600000) if is_open
                   else now - (n_orders - i) * 600000)
        tech = rng.choice(techs)
        w = rng.sample(WORDS, 2)
        responded = (None if st == "assigned"
                     else created + rng.randrange(sla[prio][0]))
        resolved = (min(now - 60000, created + rng.randrange(sla[prio][1]))
                    if st in ("completed", "closed") else None)
        orders.append((i, "%s %s at line %d" % (w[0].title(), w[1], i % 97),
                       "The %s makes a %s." % (w[0], w[1]),
                       "Site %d" % (i % 300), "%s-%d" % (w[0][:2].upper(),
                                                         i % 5000),
                       prio, st, tech, "", disp, created, created, i,
                       created + sla[prio][0], created + sla[prio][1],
                       responded, resolved, resolved))
        changes.append((i, i, "create", "bench-creator", created))
        holders.append((i, tech, i, created))
    db.executemany(
        "INSERT INTO orders(id, title, description, site, asset, priority, "
        "status, assignee_id, recipient_code, created_by, created_at, "
        "updated_at, seq, response_due, resolve_due, responded_at, "
        "resolved_at, completed_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", orders)
    db.executemany("INSERT INTO changes(seq, order_id, kind, actor, at) "
                   "VALUES (?,?,?,?,?)", changes)
    db.executemany("INSERT INTO order_techs(order_id, user_id, since_seq) "
                   "VALUES (?,?,?)", [h[:3] for h in holders])
    db.executemany("INSERT INTO holdings(order_id, user_id, from_at) "
                   "VALUES (?,?,?)", [(h[0], h[1], h[3]) for h in holders])
    # the alerts a server running all along would have made already, so
    # that its first tick does not make thousands at once
    text = open(os.path.join(ROOT, "schema/server/queries.sql")).read()
    make = re.search(r"-- name: alerts_make\n(.*?)(?=\n-- name:|\Z)", text,
                     re.S).group(1)
    db.execute(make, {"now": now})
    db.commit()
    db.close()


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True,
                          **kw)


def med(xs):
    return "%8.1f ms (median of %d, worst %.1f)" % (statistics.median(xs),
                                                    len(xs), max(xs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--orders", type=int, default=100000)
    ap.add_argument("--techs", type=int, default=1000)
    ap.add_argument("--open", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    print("load average before: %.1f %.1f %.1f (%d cores)"
          % (os.getloadavg() + (os.cpu_count(),)))
    why = missing()
    if why:
        sys.exit("console_bench: needs " + why)
    os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
    work = tempfile.mkdtemp(prefix="console-bench-",
                            dir=os.path.join(ROOT, "build"))
    data = os.path.join(work, "data")
    procs = []
    b = None
    try:
        run([SERVER, "init", "--data", data])
        t = time.perf_counter()
        fill(os.path.join(data, "server.db"), a.orders, a.techs, a.open,
             int(time.time() * 1000))
        print("store: %d orders (%d open), %d technicians, filled in %.1f s, "
              "%.0f MB" % (a.orders, a.open, a.techs,
                           time.perf_counter() - t,
                           os.path.getsize(os.path.join(data, "server.db"))
                           / 1e6))
        code = run([SERVER, "user", "add", "disp", "--role", "dispatcher",
                    "--data", data, "--quiet"]).stdout.strip()
        dcode = run([SERVER, "user", "add", "disp-cli", "--role",
                     "dispatcher", "--data", data, "--quiet"]).stdout.strip()
        # two technicians with real laptops, for the field on screen
        tcodes = {n: run([SERVER, "user", "code", n, "--data", data,
                          "--quiet"]).stdout.strip()
                  for n in ("tech0100", "tech0101")}
        port = free_port()
        log = open(os.path.join(work, "server.log"), "w")
        srv = subprocess.Popen([SERVER, "run", "--data", data, "--listen",
                                "127.0.0.1:%d" % port], stdout=log,
                               stderr=log)
        procs.append(srv)
        for _ in range(200):
            if listening(port):
                break
            time.sleep(0.05)
        home = os.path.join(work, "home-cli")
        run([WO, "--home", home, "enroll", "--server",
             "wss://127.0.0.1:%d" % port, "--ca",
             os.path.join(data, "tls", "ca.pem"), "--code", dcode])
        thome = {}
        for n, c in tcodes.items():
            thome[n] = os.path.join(work, "home-" + n)
            run([WO, "--home", thome[n], "enroll", "--server",
                 "wss://127.0.0.1:%d" % port, "--ca",
                 os.path.join(data, "tls", "ca.pem"), "--code", c])
            run([WO, "--home", thome[n], "sync"])
        url = "https://127.0.0.1:%d/" % port
        b = Browser(os.path.join(work, "browser.log"),
                    os.path.join(data, "tls", "server.pem"),
                    timezone="Asia/Jakarta")
        b.goto(url)
        b.wait("!document.getElementById('enrol').classList"
               ".contains('hidden')")
        b.fill("#enrol-code", code)
        b.click("#enrol-btn")
        b.wait("document.body.dataset.ready === '1'", timeout=60)

        paint, sizes, scripts, welcome, techs, techs_rt = [], [], [], [], [], []
        for _ in range(a.runs):
            b.call("reload")
            b.wait("document.body.dataset.ready === '1'", timeout=60)
            paint.append(b.eval("woConsole.timings.readyAt"))
            scripts.append(b.eval("woConsole.timings.scriptsAt"))
            welcome.append(b.eval("woConsole.timings.welcomeAt"))
            sizes.append(b.eval("woConsole.timings.bytesIn"))
            b.wait("woConsole.timings.techsAt > 0", timeout=60)
            techs.append(b.eval("woConsole.timings.techsAt"))
            techs_rt.append(b.eval("woConsole.timings.techs"))
        rows = b.count("#orders-body tr")
        total = b.eval("woConsole.state.total")
        print("first paint (navigation to %d rows of %d open on screen): %s"
              % (rows, total, med(paint)))
        print("  of which: page and scripts loaded %s" % med(scripts))
        print("            signed in (welcome)  %s" % med(welcome))
        print("  bytes the server sent by then: %d" % statistics.median(sizes))
        print("the technicians on screen too (%d, with their laptops): %s"
              % (b.count("#techs-body li"), med(techs)))
        print("  of which the techs command's round trip:  %s"
              % med(techs_rt))

        def page(sel, value, expect):
            xs = []
            done = ("(p => p && p.filters.%s === %%s)(woConsole.timings.page)"
                    % sel[3:])
            for _ in range(a.runs):
                b.fill(sel, "")
                b.wait(done % "undefined", timeout=30)
                b.fill(sel, value)
                b.wait(done % json.dumps(value), timeout=30)
                xs.append(b.eval("woConsole.timings.page.ms"))
            n = b.eval("woConsole.state.total")
            b.fill(sel, "")
            print("page, %-24s (%6d match): %s" % (expect, n, med(xs)))

        page("#f-text", "chiller", "text 'chiller'")
        page("#f-assignee", "tech0042", "technician tech0042")
        page("#f-site", "Site 17", "site 'Site 17'")

        # a change: the first row's order reassigned from a terminal
        e2e, apply_ms = [], []
        for i in range(a.runs):
            wo = b.eval("+document.querySelector('#orders-body tr')"
                        ".dataset.id")
            to = "tech%04d" % (100 + i)
            b.eval("woConsole.timings.change = 0")
            run([WO, "--home", home, "assign", str(wo), to])
            t0 = time.perf_counter()
            b.wait("(() => { const td = document.querySelector("
                   "'#orders-body tr[data-id=\"%d\"] td.tech');"
                   " return td && td.textContent.includes('%s'); })()"
                   % (wo, to), timeout=30)
            e2e.append((time.perf_counter() - t0) * 1000)
            apply_ms.append(b.eval("woConsole.timings.change"))
        print("change on screen after 'wo assign' returned: %s" % med(e2e))
        print("  the browser's apply of the pushed frame:  %s"
              % med(apply_ms))
        # the field, live: one laptop watching, one with unsent work
        watch = subprocess.Popen([WO, "--home", thome["tech0100"], "sync",
                                  "--watch"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        procs.append(watch)
        mine = json.loads(run([WO, "--home", thome["tech0101"], "list",
                               "--json"]).stdout)
        if mine:
            w = str(mine[0]["id"])
            run([WO, "--home", thome["tech0101"], "note", w, "pump replaced"])
            run([WO, "--home", thome["tech0101"], "note", w, "tested 1 h"])
            subprocess.run([WO, "--home", thome["tech0101"], "sync"],
                           env=dict(os.environ, WO_TEST_PUSH_LIMIT="1"),
                           capture_output=True)
        b.wait("document.querySelector('#techs-body [data-tech=\"tech0100\"]"
               " .presence').dataset.online === '1'", timeout=30)
        b.wait("document.querySelector('#techs-body [data-tech=\"tech0101\"]"
               " .dev').dataset.unsent !== '0'", timeout=30)
        b.eval("document.getElementById('techs-body').scrollTop = 0")
        b.screenshot("console-large-store.png")
        b.fill("#f-assignee", "tech0101")
        b.wait("(p => p && p.filters.assignee === 'tech0101')"
               "(woConsole.timings.page)", timeout=30)
        if mine:
            b.click('#orders-body tr[data-id="%s"]' % mine[0]["id"])
            b.wait("document.querySelector('#detail .actions') !== null")
        b.screenshot("console-large-detail.png")
        print("screenshots: build/artifacts/console-large-store.png, "
              "console-large-detail.png")
        print("load average after: %.1f %.1f %.1f" % os.getloadavg())
    finally:
        if b:
            b.close()
        for p in procs:
            p.terminate()
            p.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
