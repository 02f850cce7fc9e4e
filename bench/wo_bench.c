/*
 * wo_bench.c - the measuring half of the benchmark (bench/bench.py drives
 * it). Each subcommand prints key=value lines.
 *
 *   ingest URL CA CODES OPS BATCH [LIVE]
 *       one process per line of CODES ("CODE ORDER"): enrol a device with
 *       CODE, authenticate, wait at a barrier, then push OPS note.add ops
 *       on ORDER in frames of BATCH, two on their way at a time (a frame
 *       goes when the one before the last is acked, as wo sync does).
 *       LIVE 1: each client first catches up (sync), so the server pushes
 *       each change back to it, whole; LIVE 2: the same, with partial
 *       orders (what wo sync asks for). Reports ops/s from the first
 *       frame sent to the last ack received, over all processes.
 *   raw-ingest DB OPS
 *       the limit for ingest: the rows the server writes for OPS note.add
 *       ops (note, op, change, order stamp) into a fresh server store on
 *       the same disk, with the server's own statements, in transactions
 *       of 10,000 ops.
 *   populate DB TECH ORDERS
 *       write ORDERS orders assigned to TECH, each with 2 visits, 3 parts
 *       and 3 notes, straight into a server store (before wo-server runs).
 *   raw-replica DB ORDERS
 *       the limit for a first sync: the same rows written into a fresh
 *       replica with the replica's own statements in one transaction
 *       (each order with its records, its SLA row and its intake row).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "wo_crypto.h"
#include "wo_proto.h"
#include "wo_sqlkit.h"

extern const struct wo_sqlfile wo_server_sql[];
extern const struct wo_sqlfile wo_replica_sql[];

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(const char *what)
{
    fprintf(stderr, "wo_bench: %s\n", what);
    exit(1);
}

/* ---- ingest: one pushing client ------------------------------------------ */

struct pusher {
    struct net *n;
    const char *code;
    int64_t order, device;
    uint8_t priv[32], pub[32];
    int enrolled, ready_fd, go_fd;
    long ops, batch, sent, acked;
    int64_t t0, t1;
    int failed;
    int live;           /* 0: never syncs; 1: live, whole orders back;
                         * 2: live, partial orders back (as wo sync) */
    int started;
    long pushed_back;   /* changes frames received while pushing */
    struct wo_op *all;  /* the ops to push, made before the clock starts */
    char (*ids)[37];
    char text[64];
};


/* The ops the client will push, made before the clock starts, as a
 * technician's are in its outbox before a sync: what is timed is their
 * way to the server and back, not making them. */
static void make_ops(struct pusher *p)
{
    p->all = calloc((size_t)p->ops, sizeof *p->all);
    p->ids = calloc((size_t)p->ops, sizeof *p->ids);
    if (!p->all || !p->ids)
        die("out of memory");
    snprintf(p->text, sizeof p->text, "bench note from device %" PRId64,
             p->device);
    for (long i = 0; i < p->ops; i++) {
        wo_uuid(p->ids[i]);
        p->all[i].id = p->ids[i];
        p->all[i].wo = p->order;
        p->all[i].kind = "note.add";
        p->all[i].at = wall_ms();
        p->all[i].text = p->text;
    }
}

static void send_batch(struct pusher *p)
{
    long n = p->ops - p->sent < p->batch ? p->ops - p->sent : p->batch;
    struct wo_ops f = {.ops = p->all + p->sent, .n_ops = (size_t)n};
    if (net_send(p->n, WO_F_OPS, &f))
        die("cannot queue a frame");
    p->sent += n;
}

static void start_pushing(struct pusher *p)
{
    char c = 0;
    make_ops(p);
    if (write(p->ready_fd, &c, 1) != 1 || read(p->go_fd, &c, 1) != 1)
        die("barrier broken");
    p->started = 1;
    p->t0 = mono_us();
    /* two frames on their way, as wo sync keeps (PUSH_WINDOW) */
    send_batch(p);
    if (p->sent < p->ops)
        send_batch(p);
}

static void on_frame(void *ud, int type, void *body)
{
    struct pusher *p = ud;
    if (type == WO_F_CHALLENGE && !p->enrolled) {
        struct wo_enroll e = {.code = (char *)p->code, .pubkey = p->pub,
                              .pubkey_len = 32, .device_name = "bench"};
        net_send(p->n, WO_F_ENROLL, &e);
    } else if (type == WO_F_ENROLLED) {
        p->device = ((struct wo_enrolled *)body)->device_id;
        p->enrolled = 1;
        net_stop(p->n);
    } else if (type == WO_F_CHALLENGE) {
        char t[160];
        uint8_t sig[64];
        size_t len = wo_auth_text(((struct wo_challenge *)body)->nonce,
                                  p->device, t, sizeof t);
        if (wo_sign(p->priv, t, len, sig))
            die("cannot sign");
        struct wo_auth a = {.device_id = p->device, .sig = sig,
                            .sig_len = 64, .client_time = wall_ms()};
        net_send(p->n, WO_F_AUTH, &a);
    } else if (type == WO_F_WELCOME) {
        if (!p->live) {
            start_pushing(p);
            return;
        }
        /* caught up first, so the server pushes each change back */
        struct wo_sync sy = {.cursor = 0, .partial = p->live == 2};
        net_send(p->n, WO_F_SYNC, &sy);
    } else if (type == WO_F_CHANGES) {
        if (p->started)
            p->pushed_back++;
        else if (((struct wo_changes *)body)->final)
            start_pushing(p);
    } else if (type == WO_F_ACKS) {
        struct wo_acks *a = body;
        for (size_t i = 0; i < a->n_acks; i++)
            if (strcmp(a->acks[i].result, "applied"))
                p->failed = 1;
        p->acked += (long)a->n_acks;
        if (p->acked >= p->ops) {
            p->t1 = mono_us();
            net_stop(p->n);
        } else if (p->sent < p->ops) {
            send_batch(p);
        }
    } else if (type == WO_F_ERROR) {
        fprintf(stderr, "wo_bench: server: %s\n",
                ((struct wo_error *)body)->reason);
        p->failed = 1;
        net_stop(p->n);
    }
}

static const struct net_handlers handlers = {on_frame, NULL};

static void connect_run(struct pusher *p, const char *url, const char *ca)
{
    char err[512];
    p->n = net_create(url, ca, NULL, &handlers, p, err, sizeof err);
    if (!p->n)
        die(err);
    if (net_run(p->n, 600000, err, sizeof err) && !p->failed)
        die(err);
    net_destroy(p->n);
}

static void pusher_main(struct pusher *p, const char *url, const char *ca,
                        int out_fd)
{
    if (wo_key_generate(p->priv, p->pub))
        die("cannot make a key");
    connect_run(p, url, ca);
    if (!p->enrolled)
        die("enrolment failed");
    connect_run(p, url, ca);
    free(p->all);
    free(p->ids);
    int64_t r[3] = {p->t0, p->t1, p->failed || p->acked < p->ops};
    if (write(out_fd, r, sizeof r) != sizeof r)
        die("cannot report");
    exit(0);
}

static int cmd_ingest(int argc, char **argv)
{
    if (argc != 7 && argc != 8)
        die("usage: ingest URL CA CODES OPS BATCH [LIVE]");
    int live = argc == 8 ? atoi(argv[7]) : 0;
    FILE *f = fopen(argv[4], "r");
    if (!f)
        die("cannot read the codes file");
    long ops = atol(argv[5]), batch = atol(argv[6]);
    int ready[2], go[2], out[2];
    if (pipe(ready) || pipe(go) || pipe(out))
        die("pipe");
    char code[64];
    long long order;
    int n = 0;
    while (fscanf(f, "%63s %lld", code, &order) == 2) {
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            struct pusher p = {.code = code, .order = order, .ops = ops,
                               .batch = batch, .ready_fd = ready[1],
                               .go_fd = go[0], .live = live};
            pusher_main(&p, argv[2], argv[3], out[1]);
        }
        n++;
    }
    fclose(f);
    char c;
    for (int i = 0; i < n; i++)
        if (read(ready[0], &c, 1) != 1)
            die("a client did not get ready");
    fprintf(stderr, "wo_bench: %d clients connected; pushing %ld ops each "
            "in frames of %ld\n", n, ops, batch);
    for (int i = 0; i < n; i++)
        if (write(go[1], &c, 1) != 1)
            die("barrier");
    int64_t first = INT64_MAX, last = 0, bad = 0;
    for (int i = 0; i < n; i++) {
        int64_t r[3];
        if (read(out[0], r, sizeof r) != sizeof r)
            die("a client died");
        first = r[0] < first ? r[0] : first;
        last = r[1] > last ? r[1] : last;
        bad += r[2];
    }
    while (wait(NULL) > 0)
        ;
    if (bad)
        die("some ops were not applied");
    double secs = (double)(last - first) / 1e6;
    printf("clients=%d\nops=%ld\nseconds=%.3f\nops_per_s=%.0f\n", n,
           ops * n, secs, (double)(ops * n) / secs);
    return 0;
}

/* ---- the raw limits ------------------------------------------------------- */

static const char *const server_q[] = {
    "user_insert", "device_insert", "order_insert", "note_insert",
    "op_insert", "change_insert", "order_touch", "order_set_assignee",
    "tech_add", "visit_insert", "visit_end", "part_insert", "user_by_name"};
enum { S_USER, S_DEVICE, S_ORDER, S_NOTE, S_OP, S_CHANGE, S_TOUCH,
       S_ASSIGN, S_TECH, S_VISIT, S_VEND, S_PART, S_USER_BY_NAME };

static struct wo_db *open_db(const char *path, const struct wo_sqlfile *sql,
                             const char *const *names, size_t n)
{
    struct wo_db *db;
    char err[512];
    /* compiled before any clock starts, as the server does at open */
    if (wo_db_open(path, WO_DB_CREATE, sql, names, n, &db, err,
                   sizeof err) || wo_db_prepare_all(db, err, sizeof err))
        die(err);
    return db;
}

static void must(int rc, struct wo_db *db)
{
    if (rc) {
        fprintf(stderr, "wo_bench: %s\n", wo_db_errmsg(db));
        exit(1);
    }
}

static int64_t add_device(struct wo_db *db, int64_t user)
{
    uint8_t pub[32], priv[32];
    wo_key_generate(priv, pub);
    sqlite3_stmt *q = wo_db_stmt(db, S_DEVICE);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_blob(q, ":pubkey", pub, 32);
    wo_db_bind_text(q, ":name", "bench");
    wo_db_bind_int(q, ":now", wall_ms());
    must(wo_db_exec(q), db);
    return sqlite3_last_insert_rowid(wo_db_handle(db));
}

/*
 * The synthetic job of `populate` and `raw-replica`: the same rows go into
 * the server store and, as the limit, into a replica. Fields both schemas
 * name alike are bound by these helpers.
 */
#define VISITS_PER_ORDER 2
#define PARTS_PER_ORDER 3
#define NOTES_PER_ORDER 3
#define FX_NOTE "Fan housing cracked; ordered a replacement and cleaned " \
                "the intake filter."

static void bind_order_fields(sqlite3_stmt *q)
{
    wo_db_bind_text(q, ":description", "Compressor trips on start; "
                    "customer reports noise from the fan housing");
    wo_db_bind_text(q, ":site", "Plant 3, hall B");
    wo_db_bind_text(q, ":asset", "CMP-0042");
    wo_db_bind_text(q, ":requester", "Ann Requester");
    wo_db_bind_text(q, ":contact", "+1 555 0100");
    wo_db_bind_text(q, ":priority", "P2");
}

static void bind_part_fields(sqlite3_stmt *q)
{
    wo_db_bind_text(q, ":part_no", "FAN-220");
    wo_db_bind_int(q, ":qty", 1);
    wo_db_bind_text(q, ":descr", "fan motor 220 V");
    wo_db_bind_text(q, ":serials", "SN-1\nSN-2");
    wo_db_bind_int(q, ":late", 0);
}

static int64_t add_order(struct wo_db *db, int64_t by, int i)
{
    char title[64];
    snprintf(title, sizeof title, "bench job %d", i);
    sqlite3_stmt *q = wo_db_stmt(db, S_ORDER);
    wo_db_bind_text(q, ":title", title);
    bind_order_fields(q);
    /* the recipient's code only as a salted hash (schema v7); the bench
     * never co-signs, so any bytes do */
    static const uint8_t salt[16], hash[32];
    wo_db_bind_blob(q, ":salt", salt, sizeof salt);
    wo_db_bind_blob(q, ":hash", hash, sizeof hash);
    wo_db_bind_int(q, ":by", by);
    wo_db_bind_int(q, ":now", wall_ms());
    must(wo_db_exec(q), db);
    return sqlite3_last_insert_rowid(wo_db_handle(db));
}

static int64_t add_change(struct wo_db *db, int64_t order, const char *kind,
                          const char *actor, int64_t device,
                          const char *detail)
{
    sqlite3_stmt *q = wo_db_stmt(db, S_CHANGE);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":kind", kind);
    wo_db_bind_text(q, ":actor", actor);
    wo_db_bind_int(q, ":device", device);
    wo_db_bind_int(q, ":now", wall_ms());
    wo_db_bind_int(q, ":client_at", wall_ms());
    wo_db_bind_text(q, ":detail", detail);
    must(wo_db_exec(q), db);
    int64_t seq = sqlite3_last_insert_rowid(wo_db_handle(db));
    q = wo_db_stmt(db, S_TOUCH);
    wo_db_bind_int(q, ":seq", seq);
    wo_db_bind_int(q, ":now", wall_ms());
    wo_db_bind_int(q, ":id", order);
    must(wo_db_exec(q), db);
    return seq;
}

static void add_note(struct wo_db *db, const char *id, int64_t order,
                     const char *author, int64_t device, const char *body)
{
    sqlite3_stmt *q = wo_db_stmt(db, S_NOTE);
    wo_db_bind_text(q, ":id", id);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":author", author);
    wo_db_bind_int(q, ":device", device);
    wo_db_bind_int(q, ":at", wall_ms());
    wo_db_bind_text(q, ":body", body);
    wo_db_bind_int(q, ":late", 0);
    wo_db_bind_int(q, ":at_srv", wall_ms());
    must(wo_db_exec(q), db);
}

static int cmd_raw_ingest(int argc, char **argv)
{
    if (argc != 4)
        die("usage: raw-ingest DB OPS");
    long ops = atol(argv[3]);
    struct wo_db *db = open_db(argv[2], wo_server_sql, server_q,
                               sizeof server_q / sizeof *server_q);
    sqlite3_stmt *q = wo_db_stmt(db, S_USER);
    wo_db_bind_text(q, ":name", "raw");
    wo_db_bind_text(q, ":role", "technician");
    wo_db_bind_int(q, ":now", wall_ms());
    must(wo_db_exec(q), db);
    int64_t user = sqlite3_last_insert_rowid(wo_db_handle(db));
    int64_t dev = add_device(db, user);
    int64_t order = add_order(db, user, 0);
    int64_t t0 = mono_us();
    for (long i = 0; i < ops; i++) {
        char id[37], detail[64];
        if (i % 10000 == 0)
            must(wo_db_begin(db), db);
        wo_uuid(id);
        add_note(db, id, order, "raw", dev, "bench note");
        q = wo_db_stmt(db, S_OP);
        wo_db_bind_text(q, ":id", id);
        wo_db_bind_int(q, ":device", dev);
        wo_db_bind_int(q, ":order", order);
        wo_db_bind_text(q, ":kind", "note.add");
        wo_db_bind_int(q, ":client_at", wall_ms());
        wo_db_bind_int(q, ":now", wall_ms());
        wo_db_bind_text(q, ":result", "applied");
        wo_db_bind_null(q, ":reason");
        wo_db_bind_int(q, ":offset", 0);
        must(wo_db_exec(q), db);
        snprintf(detail, sizeof detail, "op %s", id);
        add_change(db, order, "note.add", "raw", dev, detail);
        if (i % 10000 == 9999 || i == ops - 1)
            must(wo_db_commit(db), db);
    }
    double secs = (double)(mono_us() - t0) / 1e6;
    wo_db_close(db);
    printf("ops=%ld\nseconds=%.3f\nops_per_s=%.0f\n", ops, secs,
           (double)ops / secs);
    return 0;
}

static int cmd_populate(int argc, char **argv)
{
    if (argc != 5)
        die("usage: populate DB TECH ORDERS");
    int orders = atoi(argv[4]);
    const char *tech = argv[3];
    struct wo_db *db = open_db(argv[2], wo_server_sql, server_q,
                               sizeof server_q / sizeof *server_q);
    sqlite3_stmt *q = wo_db_stmt(db, S_USER_BY_NAME);
    wo_db_bind_text(q, ":name", tech);
    if (sqlite3_step(q) != SQLITE_ROW)
        die("no such technician (add it with wo-server user add)");
    int64_t user = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    must(wo_db_begin(db), db);
    int64_t dev = add_device(db, user);
    for (int i = 0; i < orders; i++) {
        char id[37];
        int64_t o = add_order(db, user, i);
        add_change(db, o, "create", "bench", 0, "bench job");
        q = wo_db_stmt(db, S_ASSIGN);
        wo_db_bind_int(q, ":user", user);
        wo_db_bind_text(q, ":status", "on_hold_parts");
        wo_db_bind_int(q, ":id", o);
        must(wo_db_exec(q), db);
        int64_t seq = add_change(db, o, "assign", "bench", 0, "to tech");
        q = wo_db_stmt(db, S_TECH);
        wo_db_bind_int(q, ":order", o);
        wo_db_bind_int(q, ":user", user);
        wo_db_bind_int(q, ":seq", seq);
        must(wo_db_exec(q), db);
        for (int v = 0; v < VISITS_PER_ORDER; v++) {
            wo_uuid(id);
            q = wo_db_stmt(db, S_VISIT);
            wo_db_bind_text(q, ":id", id);
            wo_db_bind_int(q, ":order", o);
            wo_db_bind_text(q, ":tech", tech);
            wo_db_bind_int(q, ":device", dev);
            wo_db_bind_int(q, ":at", wall_ms());
            wo_db_bind_int(q, ":late", 0);
            wo_db_bind_int(q, ":at_srv", wall_ms());
            must(wo_db_exec(q), db);
            q = wo_db_stmt(db, S_VEND);
            wo_db_bind_text(q, ":id", id);
            wo_db_bind_int(q, ":at", wall_ms());
            wo_db_bind_int(q, ":at_srv", wall_ms());
            wo_db_bind_text(q, ":outcome", "needs-parts");
            must(wo_db_exec(q), db);
        }
        for (int k = 0; k < PARTS_PER_ORDER; k++) {
            wo_uuid(id);
            q = wo_db_stmt(db, S_PART);
            wo_db_bind_text(q, ":id", id);
            wo_db_bind_int(q, ":order", o);
            wo_db_bind_text(q, ":author", tech);
            wo_db_bind_int(q, ":device", dev);
            wo_db_bind_int(q, ":at", wall_ms());
            wo_db_bind_int(q, ":at_srv", wall_ms());
            bind_part_fields(q);
            must(wo_db_exec(q), db);
        }
        for (int k = 0; k < NOTES_PER_ORDER; k++) {
            wo_uuid(id);
            add_note(db, id, o, tech, dev, FX_NOTE);
        }
        add_change(db, o, "note.add", tech, dev, "records");
    }
    must(wo_db_commit(db), db);
    wo_db_close(db);
    printf("orders=%d\n", orders);
    return 0;
}

/* every row a first sync writes per order: the order, its records, and
 * the SLA and intake rows that come with it */
static const char *const replica_q[] = {"order_upsert", "visit_put",
                                        "part_put", "note_put",
                                        "order_sla_put", "order_intake_put"};
enum { R_ORDER, R_VISIT, R_PART, R_NOTE, R_SLA, R_INTAKE, R__COUNT };

static int cmd_raw_replica(int argc, char **argv)
{
    if (argc != 4)
        die("usage: raw-replica DB ORDERS");
    int orders = atoi(argv[3]);
    struct wo_db *db = open_db(argv[2], wo_replica_sql, replica_q, R__COUNT);
    /* the records' ids come with the orders in a sync: made before the
     * clock starts, as the server made them */
    int per = VISITS_PER_ORDER + PARTS_PER_ORDER + NOTES_PER_ORDER;
    char (*ids)[37] = calloc((size_t)orders * (size_t)per, sizeof *ids);
    if (!ids)
        die("out of memory");
    for (int i = 0; i < orders * per; i++)
        wo_uuid(ids[i]);
    int next = 0;
    int64_t t0 = mono_us();
    must(wo_db_begin(db), db);
    for (int i = 1; i <= orders; i++) {
        char title[64];
        snprintf(title, sizeof title, "bench job %d", i);
        sqlite3_stmt *q = wo_db_stmt(db, R_ORDER);
        wo_db_bind_int(q, ":id", i);
        wo_db_bind_int(q, ":seq", i);
        wo_db_bind_text(q, ":title", title);
        bind_order_fields(q);
        wo_db_bind_text(q, ":status", "on_hold_parts");
        wo_db_bind_text(q, ":assignee", "tech");
        wo_db_bind_int(q, ":created_at", wall_ms());
        wo_db_bind_int(q, ":updated_at", wall_ms());
        must(wo_db_exec(q), db);
        /* as the server sends them for a P2 order of `populate` */
        q = wo_db_stmt(db, R_SLA);
        wo_db_bind_int(q, ":order", i);
        wo_db_bind_text(q, ":tier", "L1");
        wo_db_bind_int(q, ":sla_version", 1);
        wo_db_bind_int(q, ":response_due", wall_ms() + 3600000);
        wo_db_bind_int(q, ":resolve_due", wall_ms() + 28800000);
        wo_db_bind_int(q, ":responded_at", 0);
        wo_db_bind_int(q, ":resolved_at", 0);
        wo_db_bind_int(q, ":paused_at", 0);
        wo_db_bind_int(q, ":completed_at", 0);
        must(wo_db_exec(q), db);
        q = wo_db_stmt(db, R_INTAKE);
        wo_db_bind_int(q, ":order", i);
        wo_db_bind_text(q, ":type", "incident");
        wo_db_bind_text(q, ":category", "other");
        wo_db_bind_null(q, ":department");
        wo_db_bind_null(q, ":customer");
        wo_db_bind_null(q, ":impact");
        wo_db_bind_null(q, ":urgency");
        wo_db_bind_int(q, ":deadline", 0);
        wo_db_bind_int(q, ":remote", 0);
        must(wo_db_exec(q), db);
        for (int v = 0; v < VISITS_PER_ORDER; v++) {
            const char *id = ids[next++];
            q = wo_db_stmt(db, R_VISIT);
            wo_db_bind_text(q, ":id", id);
            wo_db_bind_int(q, ":order", i);
            wo_db_bind_text(q, ":tech", "tech");
            wo_db_bind_int(q, ":started_at", wall_ms());
            wo_db_bind_int(q, ":ended_at", wall_ms());
            wo_db_bind_text(q, ":outcome", "needs-parts");
            wo_db_bind_int(q, ":pending", 0);
            must(wo_db_exec(q), db);
        }
        for (int k = 0; k < PARTS_PER_ORDER; k++) {
            const char *id = ids[next++];
            q = wo_db_stmt(db, R_PART);
            wo_db_bind_text(q, ":id", id);
            wo_db_bind_int(q, ":order", i);
            wo_db_bind_text(q, ":author", "tech");
            wo_db_bind_int(q, ":at", wall_ms());
            bind_part_fields(q);
            wo_db_bind_int(q, ":pending", 0);
            must(wo_db_exec(q), db);
        }
        for (int k = 0; k < NOTES_PER_ORDER; k++) {
            const char *id = ids[next++];
            q = wo_db_stmt(db, R_NOTE);
            wo_db_bind_text(q, ":id", id);
            wo_db_bind_int(q, ":order", i);
            wo_db_bind_text(q, ":author", "tech");
            wo_db_bind_int(q, ":at", wall_ms());
            wo_db_bind_text(q, ":body", FX_NOTE);
            wo_db_bind_int(q, ":late", 0);
            wo_db_bind_int(q, ":pending", 0);
            must(wo_db_exec(q), db);
        }
    }
    must(wo_db_commit(db), db);
    double secs = (double)(mono_us() - t0) / 1e6;
    wo_db_close(db);
    free(ids);
    printf("orders=%d\nseconds=%.3f\n", orders, secs);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        die("usage: wo_bench ingest|raw-ingest|populate|raw-replica ...");
    if (!strcmp(argv[1], "ingest"))
        return cmd_ingest(argc, argv);
    if (!strcmp(argv[1], "raw-ingest"))
        return cmd_raw_ingest(argc, argv);
    if (!strcmp(argv[1], "populate"))
        return cmd_populate(argc, argv);
    if (!strcmp(argv[1], "raw-replica"))
        return cmd_raw_replica(argc, argv);
    die("unknown subcommand");
    return 1;
}
