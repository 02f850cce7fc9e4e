#!/usr/bin/env python3
"""The server's periodic and office queries on an old store: many closed
orders, few open ones. Builds the store from schema/server/*.sql, then
times each query as the server runs it (queries.sql) next to the form it
had before (a full scan), in the same run on the same file.

    python3 bench/store_queries.py [--orders 200000] [--open 2000]
"""
import argparse
import glob
import os
import random
import re
import sqlite3
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


# alerts_make as it was up to schema v19: every open order (orders_open),
# every tick
ALERTS_MAKE_V19 = """
INSERT OR IGNORE INTO alerts(order_id, kind, at)
SELECT o.id, k.kind, :now
FROM orders o
JOIN sla_policies p ON p.version = o.sla_version AND p.priority = o.priority
JOIN (SELECT 'response.75' AS kind UNION ALL SELECT 'response.breach'
      UNION ALL SELECT 'resolve.75' UNION ALL SELECT 'resolve.breach') k
WHERE o.status NOT IN ('closed', 'cancelled', 'awaiting_authorisation')
  AND CASE k.kind
      WHEN 'response.75' THEN o.responded_at IS NULL
           AND :now >= coalesce(o.response_warn,
                                o.response_due - p.response_ms / 4)
      WHEN 'response.breach' THEN o.responded_at IS NULL
           AND :now >= o.response_due
      WHEN 'resolve.75' THEN o.resolved_at IS NULL AND o.paused_at IS NULL
           AND :now >= coalesce(o.resolve_warn,
                                o.resolve_due - p.resolve_ms / 4)
      ELSE o.resolved_at IS NULL AND o.paused_at IS NULL
           AND :now >= o.resolve_due END
ORDER BY o.id, k.kind
"""


def query(name):
    text = open(os.path.join(ROOT, "schema/server/queries.sql")).read()
    m = re.search(r"-- name: %s\n(.*?)(?=\n-- name:|\n-- ----|\Z)" % name,
                  text, re.S)
    return m.group(1)


def timed(db, sql, params, runs=5):
    best = None
    for _ in range(runs):
        t = time.perf_counter()
        db.execute(sql, params).fetchall()
        db.rollback()          # alerts_make inserts: measure it each time
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--orders", type=int, default=200000)
    ap.add_argument("--open", type=int, default=2000)
    a = ap.parse_args()
    path = os.path.join(tempfile.mkdtemp(prefix="wo-bench-"), "server.db")
    db = sqlite3.connect(path)
    for f in sorted(glob.glob(os.path.join(ROOT, "schema/server/0*.sql"))):
        db.executescript(open(f).read())
    db.execute("INSERT INTO users(id, name, role, created_at) "
               "VALUES (1, 'disp', 'dispatcher', 0)")
    rng = random.Random(1)
    now = 10 ** 12
    rows = []
    for i in range(1, a.orders + 1):
        closed = i <= a.orders - a.open
        st = "closed" if closed else rng.choice(
            ["assigned", "accepted", "on_site", "completed"])
        created = now - (a.orders - i) * 60000
        done = created + 3600000 if closed or st == "completed" else None
        rows.append((i, "t", "P2", st, "c", 1, created, created, i,
                     created + 3600000, created + 28800000,
                     None if st == "assigned" else created + 60000, done,
                     done))
    db.executemany(
        "INSERT INTO orders(id, title, priority, status, recipient_code, "
        "created_by, created_at, updated_at, seq, response_due, resolve_due, "
        "responded_at, resolved_at, completed_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.commit()
    print("store: %d orders, %d open" % (a.orders, a.open))
    print("%-14s %12s %12s %8s" % ("query", "now (ms)", "before (ms)",
                                   "ratio"))
    p = {"now": now, "cutoff": now - 86400000, "limit": 1000}

    def row(name, sql_now, sql_before, setup_before=None, undo=None):
        t_now = timed(db, sql_now, p)
        if setup_before:
            db.execute(setup_before)
        t_before = timed(db, sql_before, p)
        if undo:
            db.execute(undo)
        print("%-14s %12.2f %12.2f %7.3fx" % (name, t_now * 1e3,
                                             t_before * 1e3, t_now / t_before))

    # the SLA tick at rest: the alerts due were made by the tick before
    # (committed here), so this one has none to make. Its form before
    # schema v20 weighed the four tests of every open order again.
    db.execute(query("alerts_make"), p)
    db.execute(query("alerts_made"), p)
    db.commit()
    row("alerts_make", query("alerts_make"), ALERTS_MAKE_V19)
    close = query("autoclose_due")
    row("autoclose_due", close,
        close.replace("ORDER BY completed_at, id", "ORDER BY id"))
    # the whole board (`wo board --all`, filters unset): its first 1,000
    # in SQL, next to every id
    for k in ("tech", "priority", "site", "status"):
        p[k] = None
    board = query("order_board_filtered")
    row("order_board", board, board.replace("LIMIT :limit", ""))

    # the board as `wo board` asks now: open orders only, next to the
    # whole board it showed before (schema v12)
    row("board_open", query("order_board_open"), board)
    # the activity feed: what feed_push reads after every frame, on a
    # feed of a million events, next to reading the last event by a scan
    db.executemany("INSERT INTO feed(at, kind, order_id, actor) "
                   "VALUES (?, 'accepted', ?, 'tech')",
                   ((now + i, i % a.orders + 1) for i in range(1000000)))
    db.commit()
    p["after"] = db.execute("SELECT max(id) FROM feed").fetchone()[0]
    p["limit"] = 100
    row("feed_since", query("feed_since"),
        "SELECT * FROM feed WHERE at > :now + 999999 ORDER BY id "
        "LIMIT :limit")


if __name__ == "__main__":
    main()
