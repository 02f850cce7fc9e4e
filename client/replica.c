/*
 * replica.c - the client replica and outbox on SQLite (see replica.h).
 * Statements are named in schema/replica/queries.sql, prepared at open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replica.h"
#include "wo_lifecycle.h"
#include "wo_opkind.h"
#include "wo_sqlkit.h"

extern const struct wo_sqlfile wo_replica_sql[];

/* Q_<name> and qnames[]: generated from the "-- name:" lines of
 * schema/replica/queries.sql at build time (cmake/query_ids.cmake). */
#include "replica_q.h"

struct replica {
    struct wo_db *db;
    char path[4096];        /* HOME/replica.db, for messages */
    int64_t quarantined;    /* outbox rows set aside by this process */
    int held;               /* replica_apply_changes left its write open */
};

#define ST(q) wo_db_stmt(r->db, Q_##q)
#define DUP(col) wo_db_col_text(q, col)

int replica_open(const char *home, int create, struct replica **out,
                 char *err, size_t errlen)
{
    struct replica *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        return WO_ENOMEM;
    snprintf(r->path, sizeof r->path, "%s/replica.db", home);
    int rc = wo_db_open(r->path, create ? WO_DB_CREATE : WO_DB_EXISTING,
                        wo_replica_sql, qnames, Q__COUNT, &r->db, err,
                        errlen);
    if (rc) {
        free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int replica_read_begin(struct replica *r)
{
    return wo_db_begin_read(r->db);
}

void replica_read_end(struct replica *r)
{
    wo_db_rollback(r->db); /* nothing was written: ends the read */
}

const char *replica_why(struct replica *r, int rc, char *buf, size_t len)
{
    char msg[256];
    switch (wo_db_fault(r->db, msg, sizeof msg)) {
    case WO_DB_FAULT_FULL:
        snprintf(buf, len, "disk full: there is no room left for %s "
                 "(SQLite: %s). What this command was to record was not "
                 "recorded; what was recorded before is kept. Free some "
                 "space on that disk and run the command again",
                 r->path, msg);
        break;
    case WO_DB_FAULT_DAMAGED:
        snprintf(buf, len, "%s is damaged (SQLite: %s). The server still "
                 "holds everything this laptop synced. Try 'wo sync' to "
                 "send what can still be read; then move the file aside "
                 "(keep it: work recorded since the last sync is in it), "
                 "ask an admin for a new code ('wo-server user code NAME') "
                 "and run 'wo enroll' to start again from the server's copy",
                 r->path, msg);
        break;
    case WO_DB_FAULT_IO:
        snprintf(buf, len, "cannot read or write %s (SQLite: %s): check "
                 "the disk, then run the command again", r->path, msg);
        break;
    case WO_DB_FAULT_OTHER:
        snprintf(buf, len, "%s (SQLite: %s)", wo_strerror(rc), msg);
        break;
    default:
        snprintf(buf, len, "%s", wo_strerror(rc));
    }
    return buf;
}

int replica_test_disk_full(struct replica *r)
{
    return wo_db_exec(ST(test_disk_full));
}

int64_t replica_quarantined(struct replica *r) { return r->quarantined; }

int replica_settle(struct replica *r)
{
    if (!r->held)
        return 0;
    r->held = 0;
    int rc = wo_db_commit(r->db);
    if (rc)
        wo_db_rollback(r->db);
    return rc;
}

/* A transaction of its own, after the frames held open are committed. */
static int begin(struct replica *r)
{
    int rc = replica_settle(r);
    return rc ? rc : wo_db_begin(r->db);
}

void replica_close(struct replica *r)
{
    if (!r)
        return;
    replica_settle(r); /* whole frames with their cursor: keep them */
    wo_db_close(r->db);
    free(r);
}

int replica_config_get(struct replica *r, const char *key, char **val)
{
    sqlite3_stmt *q = ST(config_get);
    wo_db_bind_text(q, ":key", key);
    *val = NULL;
    int s = sqlite3_step(q);
    if (s == SQLITE_ROW)
        *val = DUP(0);
    sqlite3_reset(q);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : WO_EIO;
}

int replica_config_set(struct replica *r, const char *key, const char *val)
{
    sqlite3_stmt *q = ST(config_set);
    wo_db_bind_text(q, ":key", key);
    wo_db_bind_text(q, ":value", val);
    return wo_db_exec(q);
}

int replica_config_set_all(struct replica *r, const char *const *kv,
                           size_t n)
{
    int rc = begin(r);
    for (size_t i = 0; !rc && i < n; i++)
        rc = replica_config_set(r, kv[2 * i], kv[2 * i + 1]);
    if (!rc)
        rc = wo_db_commit(r->db);
    if (rc)
        wo_db_rollback(r->db);
    return rc;
}

int64_t replica_config_int(struct replica *r, const char *key)
{
    char *v = NULL;
    int64_t n = 0;
    if (!replica_config_get(r, key, &v) && v)
        n = strtoll(v, NULL, 10);
    free(v);
    return n;
}

static int config_set_int(struct replica *r, const char *key, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return replica_config_set(r, key, buf);
}

int replica_order_ids(struct replica *r, int64_t **ids, size_t *n)
{
    return wo_db_load_ids(ST(order_list), ids, n);
}

/* ---- loading ----------------------------------------------------------- */

/* The SLA targets and clocks the server last sent with order o (absent for
 * an order synced before replica version 4: all stay 0). */
static int fill_void(sqlite3_stmt *q, void *e)
{
    struct wo_void *v = e;
    v->id = DUP(0);
    v->ref = DUP(1);
    v->author = DUP(2);
    v->at = sqlite3_column_int64(q, 3);
    v->reason = DUP(4);
    v->at_srv = sqlite3_column_int64(q, 5);
    return v->id && v->ref && v->author && v->reason ? 0 : WO_ENOMEM;
}

/* The voided parts and notes of o (issue 14). */
static int load_voids(struct replica *r, struct wo_order *o)
{
    sqlite3_stmt *q = ST(voids_of);
    wo_db_bind_int(q, ":order", o->id);
    return wo_db_load_rows(q, (void **)&o->voids, &o->n_voids,
                           sizeof *o->voids, fill_void);
}

/* The formal request's fields of o, when the server sent them. */
static int load_intake(struct replica *r, struct wo_order *o)
{
    sqlite3_stmt *q = ST(order_intake_get);
    wo_db_bind_int(q, ":order", o->id);
    int s = sqlite3_step(q), rc = 0;
    if (s == SQLITE_ROW) {
        o->type = DUP(0);
        o->category = DUP(1);
        o->department = DUP(2);
        o->customer = DUP(3);
        o->impact = DUP(4);
        o->urgency = DUP(5);
        o->deadline = sqlite3_column_int64(q, 6);
        o->remote = sqlite3_column_int(q, 7) != 0;
    } else if (s != SQLITE_DONE) {
        rc = WO_EIO;
    }
    sqlite3_reset(q);
    return rc;
}

static int put_intake(struct replica *r, const struct wo_order *o)
{
    sqlite3_stmt *q = ST(order_intake_put);
    wo_db_bind_int(q, ":order", o->id);
    wo_db_bind_text(q, ":type", o->type);
    wo_db_bind_text(q, ":category", o->category);
    wo_db_bind_text(q, ":department", o->department);
    wo_db_bind_text(q, ":customer", o->customer);
    wo_db_bind_text(q, ":impact", o->impact);
    wo_db_bind_text(q, ":urgency", o->urgency);
    wo_db_bind_int(q, ":deadline", o->deadline);
    wo_db_bind_int(q, ":remote", o->remote);
    return wo_db_exec(q);
}

static int load_sla(struct replica *r, struct wo_order *o)
{
    sqlite3_stmt *q = ST(order_sla_get);
    wo_db_bind_int(q, ":order", o->id);
    int s = sqlite3_step(q);
    if (s == SQLITE_ROW) {
        o->tier = DUP(0);
        o->sla_version = sqlite3_column_int64(q, 1);
        o->response_due = sqlite3_column_int64(q, 2);
        o->resolve_due = sqlite3_column_int64(q, 3);
        o->responded_at = sqlite3_column_int64(q, 4);
        o->resolved_at = sqlite3_column_int64(q, 5);
        o->paused_at = sqlite3_column_int64(q, 6);
        o->completed_at = sqlite3_column_int64(q, 7);
    }
    sqlite3_reset(q);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : WO_EIO;
}

int replica_device_key(struct replica *r, int64_t device, uint8_t pub[32])
{
    sqlite3_stmt *q = ST(device_key_get);
    wo_db_bind_int(q, ":device", device);
    int s = sqlite3_step(q), rc = WO_ENOTFOUND;
    if (s == SQLITE_ROW && sqlite3_column_bytes(q, 0) == 32) {
        memcpy(pub, sqlite3_column_blob(q, 0), 32);
        rc = 0;
    } else if (s != SQLITE_ROW && s != SQLITE_DONE) {
        rc = WO_EIO;
    }
    sqlite3_reset(q);
    return rc;
}

int replica_pending_op_at(struct replica *r, int64_t order, const char *kind,
                          int64_t *at)
{
    sqlite3_stmt *q = ST(pending_op_at);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":kind", kind);
    return wo_db_int(q, at);
}

int replica_order_load(struct replica *r, int64_t id, struct wo_order *o)
{
    memset(o, 0, sizeof *o);
    sqlite3_stmt *q = ST(order_get);
    wo_db_bind_int(q, ":id", id);
    int s = sqlite3_step(q);
    if (s != SQLITE_ROW) {
        sqlite3_reset(q);
        return s == SQLITE_DONE ? WO_ENOTFOUND : WO_EIO;
    }
    o->id = sqlite3_column_int64(q, 0);
    o->seq = sqlite3_column_int64(q, 1);
    o->title = DUP(2);
    o->description = DUP(3);
    o->site = DUP(4);
    o->asset = DUP(5);
    o->requester = DUP(6);
    o->contact = DUP(7);
    o->priority = DUP(8);
    o->status = DUP(9);
    o->assignee = DUP(10);
    o->created_at = sqlite3_column_int64(q, 11);
    o->updated_at = sqlite3_column_int64(q, 12);
    o->visit_start = sqlite3_column_int64(q, 13);
    o->visit_end = sqlite3_column_int64(q, 14);
    o->came = DUP(15);
    o->came_reason = DUP(16);
    o->came_at = sqlite3_column_int64(q, 17);
    sqlite3_reset(q);
    int rc = wo_db_load_records(r->db, Q_visits_of, Q_parts_of, Q_notes_of,
                                Q_sigs_of, id, o);
    if (!rc)
        rc = load_sla(r, o);
    if (!rc)
        rc = load_voids(r, o);
    if (!rc)
        rc = load_intake(r, o);
    if (!rc && (!o->title || !o->status || !o->priority))
        rc = WO_ENOMEM;
    if (rc)
        wo_order_cleanup(o);
    return rc;
}

/* ---- records ------------------------------------------------------------ */


/*
 * One upsert per record kind, used both for a local op's effect (pending
 * = 1) and for a server batch (pending = 0). The SQL keeps a record
 * pending only while both sides say so (queries.sql).
 */
static int put_visit(struct replica *r, int64_t order, const struct wo_visit *v,
                     int pending)
{
    sqlite3_stmt *q = ST(visit_put);
    wo_db_bind_text(q, ":id", v->id);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":tech", v->tech);
    wo_db_bind_int(q, ":started_at", v->started_at);
    if (v->ended_at)
        wo_db_bind_int(q, ":ended_at", v->ended_at);
    else
        wo_db_bind_null(q, ":ended_at");
    wo_db_bind_text(q, ":outcome", v->outcome);
    wo_db_bind_int(q, ":pending", pending);
    return wo_db_exec(q);
}

static int put_part(struct replica *r, int64_t order, const struct wo_part *p,
                    int pending)
{
    char *ser = wo_serials_join(p->serials, p->n_serials);
    if (!ser)
        return WO_ENOMEM;
    sqlite3_stmt *q = ST(part_put);
    wo_db_bind_text(q, ":id", p->id);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":author", p->author);
    wo_db_bind_int(q, ":at", p->at);
    wo_db_bind_text(q, ":part_no", p->part_no);
    wo_db_bind_int(q, ":qty", p->qty);
    wo_db_bind_text(q, ":descr", p->desc);
    wo_db_bind_text(q, ":serials", p->n_serials ? ser : NULL);
    wo_db_bind_int(q, ":late", p->late);
    wo_db_bind_int(q, ":pending", pending);
    int rc = wo_db_exec(q);
    free(ser);
    return rc;
}

static int put_note(struct replica *r, int64_t order, const struct wo_note *n,
                    int pending)
{
    sqlite3_stmt *q = ST(note_put);
    wo_db_bind_text(q, ":id", n->id);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":author", n->author);
    wo_db_bind_int(q, ":at", n->at);
    wo_db_bind_text(q, ":body", n->text);
    wo_db_bind_int(q, ":late", n->late);
    wo_db_bind_int(q, ":pending", pending);
    return wo_db_exec(q);
}

static int put_void(struct replica *r, int64_t order, const struct wo_void *v,
                    int pending)
{
    sqlite3_stmt *q = ST(void_put);
    wo_db_bind_text(q, ":id", v->id);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":ref", v->ref);
    wo_db_bind_text(q, ":author", v->author);
    wo_db_bind_int(q, ":at", v->at);
    wo_db_bind_text(q, ":reason", v->reason);
    if (v->at_srv)
        wo_db_bind_int(q, ":at_srv", v->at_srv);
    else
        wo_db_bind_null(q, ":at_srv");
    wo_db_bind_int(q, ":pending", pending);
    return wo_db_exec(q);
}

static int put_sig(struct replica *r, int64_t order, const struct wo_sig *g,
                   int pending)
{
    sqlite3_stmt *q = ST(sig_put);
    wo_db_bind_text(q, ":id", g->id);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":role", g->role);
    wo_db_bind_text(q, ":signer", g->signer);
    wo_db_bind_int(q, ":device", g->device_id);
    wo_db_bind_int(q, ":signed_at", g->signed_at);
    wo_db_bind_int(q, ":satisfied", g->satisfied);
    wo_db_bind_text(q, ":comment", g->comment);
    wo_db_bind_text(q, ":statement", g->statement);
    wo_db_bind_blob(q, ":sig", g->sig, g->sig_len);
    wo_db_bind_int(q, ":verified", g->verified);
    wo_db_bind_int(q, ":pending", pending);
    return wo_db_exec(q);
}

/* Drop an order's records that the server already has (not pending). */
static int delete_synced(struct replica *r, int64_t order)
{
    static const int dels[] = {Q_synced_visits_delete, Q_synced_parts_delete,
                               Q_synced_notes_delete, Q_synced_sigs_delete,
                               Q_synced_voids_delete};
    int rc = 0;
    for (size_t i = 0; !rc && i < sizeof dels / sizeof dels[0]; i++) {
        sqlite3_stmt *q = wo_db_stmt(r->db, dels[i]);
        wo_db_bind_int(q, ":order", order);
        rc = wo_db_exec(q);
    }
    return rc;
}

/* The order's status into status (WO_MAX_ID + 1 bytes). */
static int order_status(struct replica *r, int64_t id,
                        char status[WO_MAX_ID + 1])
{
    sqlite3_stmt *q = ST(order_status);
    wo_db_bind_int(q, ":id", id);
    int s = sqlite3_step(q), rc = s == SQLITE_ROW ? 0
                                 : s == SQLITE_DONE ? WO_ENOTFOUND : WO_EIO;
    if (!rc)
        snprintf(status, WO_MAX_ID + 1, "%s",
                 (const char *)sqlite3_column_text(q, 0));
    sqlite3_reset(q);
    return rc;
}

static int set_status(struct replica *r, int64_t id, const char *status)
{
    sqlite3_stmt *q = ST(order_set_status);
    wo_db_bind_text(q, ":status", status);
    wo_db_bind_int(q, ":id", id);
    return wo_db_exec(q);
}

/* ---- local effects ------------------------------------------------------- */

/*
 * The local effect of an op: the same function records a new op and
 * re-applies pending ops on top of a server batch, so it must be
 * idempotent (records are upserts keyed by the op id).
 */
static int apply_effect(struct replica *r, const struct wo_op *op,
                        const char *user, int64_t device)
{
    const struct wo_opkind *k = wo_opkind_find(op->kind);
    char status[WO_MAX_ID + 1], why[256];
    const char *next;
    int rc;
    if (!k)
        return WO_EINVAL;
    switch (k->id) {
    case WO_OP_VISIT_START: {
        struct wo_visit v = {.id = op->id, .tech = (char *)user,
                             .started_at = op->at};
        rc = put_visit(r, op->wo, &v, 1);
        break;
    }
    case WO_OP_VISIT_END: {
        sqlite3_stmt *q = ST(visit_end);
        wo_db_bind_int(q, ":ended_at", op->at);
        wo_db_bind_text(q, ":outcome", op->outcome);
        wo_db_bind_text(q, ":id", op->ref);
        rc = wo_db_exec(q);
        break;
    }
    case WO_OP_NOTE_ADD:
    case WO_OP_RESOLVE_REMOTE: {
        struct wo_note n = {.id = op->id, .author = (char *)user,
                            .at = op->at, .text = op->text};
        rc = put_note(r, op->wo, &n, 1);
        break;
    }
    case WO_OP_PART_ADD: {
        struct wo_part p = {.id = op->id, .author = (char *)user,
                            .at = op->at, .part_no = op->part_no,
                            .qty = op->qty, .desc = op->desc,
                            .serials = op->serials,
                            .n_serials = op->n_serials};
        rc = put_part(r, op->wo, &p, 1);
        break;
    }
    case WO_OP_RECORD_VOID: {
        struct wo_void v = {.id = op->id, .ref = op->ref,
                            .author = (char *)user, .at = op->at,
                            .reason = op->text};
        rc = put_void(r, op->wo, &v, 1);
        break;
    }
    case WO_OP_SIGN_TECH:
    case WO_OP_SIGN_RECIPIENT: {
        int tech = k->id == WO_OP_SIGN_TECH;
        struct wo_sig g = {.id = op->id, .role = (char *)k->role,
                           .signer = tech ? (char *)user : op->name,
                           .device_id = device, .signed_at = op->at,
                           .satisfied = tech || op->satisfied,
                           .comment = op->comment,
                           .statement = op->statement, .sig = op->sig,
                           .sig_len = op->sig_len};
        rc = put_sig(r, op->wo, &g, 1);
        break;
    }
    default:
        rc = 0; /* a status move only */
    }
    if (rc || (rc = order_status(r, op->wo, status)))
        return rc == WO_ENOTFOUND ? 0 : rc; /* records of an order gone */
    /* the target status comes from the one lifecycle table; a pending op
     * that no longer fits the server's state changes no status here (the
     * server will reject it and say why) */
    next = wo_lifecycle_next(status, k->name, wo_opkind_move_arg(k, op), why,
                             sizeof why);
    return next && strcmp(next, status) ? set_status(r, op->wo, next) : 0;
}

int replica_record(struct replica *r, const struct wo_op *op,
                   const char *user, int64_t device)
{
    struct wo_buf b = {0};
    int rc = wo_op_encode(op, &b);
    if (rc)
        return rc;
    if ((rc = begin(r)))
        goto out;
    sqlite3_stmt *q = ST(outbox_insert);
    wo_db_bind_text(q, ":id", op->id);
    wo_db_bind_int(q, ":order", op->wo);
    wo_db_bind_text(q, ":kind", op->kind);
    wo_db_bind_int(q, ":at", op->at);
    wo_db_bind_blob(q, ":body", b.data, b.len);
    if (!(rc = wo_db_exec(q)) && !(rc = apply_effect(r, op, user, device)))
        rc = wo_db_commit(r->db);
    if (rc)
        wo_db_rollback(r->db);
out:
    wo_buf_cleanup(&b);
    return rc;
}

/* ---- outbox ------------------------------------------------------------- */

/* Set outbox row seq aside: its op cannot be decoded (a damaged page, a
 * bug), so it can never be sent, and leaving it pending would block every
 * op behind it. It stays in the outbox, shown with the reason. */
static int quarantine(struct replica *r, int64_t seq, const char *why)
{
    char reason[256];
    snprintf(reason, sizeof reason, "cannot be read back, so it cannot be "
             "sent (%s); record the work again", why);
    sqlite3_stmt *q = ST(outbox_quarantine);
    wo_db_bind_text(q, ":reason", reason);
    wo_db_bind_int(q, ":seq", seq);
    int rc = wo_db_exec(q);
    if (!rc)
        r->quarantined++;
    return rc;
}

/*
 * The ops of q's rows (bound; columns seq, id, body), in order, into
 * *ops / *n (caller cleans up; none on failure). A row whose body does
 * not decode to an op with the row's id is quarantined, not returned;
 * *skipped counts those.
 */
static int decode_rows(struct replica *r, sqlite3_stmt *q, struct wo_op **ops,
                       size_t *n, size_t *skipped, int64_t *last)
{
    struct bad {
        int64_t seq;
        char why[160];
    } *bad = NULL;
    size_t nbad = 0, cap = 0;
    int s, rc = 0;
    *ops = NULL;
    *n = *skipped = 0;
    while ((s = sqlite3_step(q)) == SQLITE_ROW) {
        struct wo_op op;
        char why[128] = "";
        if (last)
            *last = sqlite3_column_int64(q, 0); /* rows come by seq */
        const char *id = (const char *)sqlite3_column_text(q, 1);
        int d = wo_op_decode(sqlite3_column_blob(q, 2),
                             (size_t)sqlite3_column_bytes(q, 2), &op, why,
                             sizeof why);
        if (!d && (!id || !op.id || strcmp(op.id, id))) {
            wo_op_cleanup(&op);
            snprintf(why, sizeof why, "its body is another op's");
            d = WO_EPROTO;
        }
        if (d == WO_ENOMEM) {
            rc = d;
            break;
        }
        if (d) {
            if (nbad == cap) {
                struct bad *nb = realloc(bad, (cap = cap ? cap * 2 : 4) *
                                                  sizeof *bad);
                if (!nb) {
                    rc = WO_ENOMEM;
                    break;
                }
                bad = nb;
            }
            bad[nbad].seq = sqlite3_column_int64(q, 0);
            snprintf(bad[nbad].why, sizeof bad[nbad].why, "%s",
                     why[0] ? why : "not a valid op");
            nbad++;
            continue;
        }
        struct wo_op *grown = realloc(*ops, (*n + 1) * sizeof **ops);
        if (!grown) {
            wo_op_cleanup(&op);
            rc = WO_ENOMEM;
            break;
        }
        *ops = grown;
        (*ops)[(*n)++] = op;
    }
    if (!rc && s != SQLITE_DONE)
        rc = WO_EIO;
    sqlite3_reset(q);
    /* after the reset: the statement is not stepping any more */
    for (size_t i = 0; !rc && i < nbad; i++)
        rc = quarantine(r, bad[i].seq, bad[i].why);
    *skipped = rc ? 0 : nbad;
    free(bad);
    if (rc) {
        for (size_t i = 0; i < *n; i++)
            wo_op_cleanup(&(*ops)[i]);
        free(*ops);
        *ops = NULL;
        *n = 0;
    }
    return rc;
}

int replica_outbox_pending(struct replica *r, int64_t after, size_t max,
                           struct wo_op **ops, size_t *n, int64_t *last)
{
    size_t skipped;
    int rc;
    *last = after;
    /* a batch that was all quarantined says nothing about what follows:
     * read again until there is an op to send or none is pending */
    do {
        sqlite3_stmt *q = ST(outbox_pending);
        wo_db_bind_int(q, ":after", *last);
        wo_db_bind_int(q, ":limit", (int64_t)max);
        rc = decode_rows(r, q, ops, n, &skipped, last);
    } while (!rc && !*n && skipped);
    return rc;
}

int64_t replica_outbox_count(struct replica *r)
{
    int64_t n;
    return wo_db_int(ST(outbox_count), &n) ? -1 : n;
}

static int by_id(struct replica *r, int idx, const char *id)
{
    sqlite3_stmt *q = wo_db_stmt(r->db, idx);
    wo_db_bind_text(q, ":id", id);
    return wo_db_exec(q);
}

/*
 * The record table an op kind creates a row in, as indexes of its
 * statements; -1 for kinds that make no record (accept, visit.end).
 */
enum { T_VISITS, T_PARTS, T_NOTES, T_SIGS, T_VOIDS };

static const struct {
    int drop_pending, settle, drop_orphan;
} record_q[] = {
    [T_VISITS] = {Q_visits_of_op_delete, Q_visits_settle,
                  Q_visits_orphan_delete},
    [T_PARTS] = {Q_parts_of_op_delete, Q_parts_settle, Q_parts_orphan_delete},
    [T_NOTES] = {Q_notes_of_op_delete, Q_notes_settle, Q_notes_orphan_delete},
    [T_SIGS] = {Q_sigs_of_op_delete, Q_sigs_settle, Q_sigs_orphan_delete},
    [T_VOIDS] = {Q_voids_of_op_delete, Q_voids_settle, Q_voids_orphan_delete},
};

static int record_table(const char *kind)
{
    const struct wo_opkind *k = wo_opkind_find(kind);
    switch (k ? k->record : WO_REC_NONE) {
    case WO_REC_VISIT: return T_VISITS;
    case WO_REC_PART: return T_PARTS;
    case WO_REC_NOTE: return T_NOTES;
    case WO_REC_SIG: return T_SIGS;
    case WO_REC_VOID: return T_VOIDS;
    default: return -1;
    }
}

/* Run q (bound, RETURNING kind) and give the record table of that kind:
 * -1 when it makes none, -2 when no outbox row matched (an ack for an op
 * that is no longer here, e.g. acked twice), or a WO_E* code (< -2). */
static int returned_table(sqlite3_stmt *q)
{
    int s = sqlite3_step(q), t;
    if (s == SQLITE_ROW)
        t = record_table((const char *)sqlite3_column_text(q, 0));
    else
        t = s == SQLITE_DONE ? -2 : WO_EIO;
    sqlite3_reset(q);
    return t;
}

static int apply_ack(struct replica *r, const struct wo_ack *a)
{
    int t, rc = 0;
    if (!strcmp(a->result, "rejected")) {
        sqlite3_stmt *q = ST(outbox_reject);
        wo_db_bind_text(q, ":reason", a->reason ? a->reason
                                                : "(no reason given)");
        wo_db_bind_text(q, ":id", a->id);
        /* the local record of a rejected op is not the server's: drop it;
         * the server pushes the order again with its true state */
        if ((t = returned_table(q)) >= 0)
            rc = by_id(r, record_q[t].drop_pending, a->id);
    } else {
        sqlite3_stmt *q = ST(outbox_delete);
        wo_db_bind_text(q, ":id", a->id);
        /* the record is the server's now; if its order has left this
         * replica meanwhile, the record goes with it */
        if ((t = returned_table(q)) >= 0 &&
            !(rc = by_id(r, record_q[t].drop_orphan, a->id)))
            rc = by_id(r, record_q[t].settle, a->id);
    }
    return t < -2 ? t : rc;
}

int replica_apply_acks(struct replica *r, const struct wo_acks *acks)
{
    int rc = begin(r);
    if (rc)
        return rc;
    for (size_t i = 0; !rc && i < acks->n_acks; i++)
        rc = apply_ack(r, &acks->acks[i]);
    if (!rc)
        rc = wo_db_commit(r->db);
    if (rc)
        wo_db_rollback(r->db);
    return rc;
}

/* ---- server batches ----------------------------------------------------- */

/* What a service report needs offline: the order's SLA fields and the
 * keys of the devices that signed it (docs/report.md). */
static int put_report_data(struct replica *r, const struct wo_order *o)
{
    sqlite3_stmt *q = ST(order_sla_put);
    wo_db_bind_int(q, ":order", o->id);
    wo_db_bind_text(q, ":tier", o->tier);
    wo_db_bind_int(q, ":sla_version", o->sla_version);
    wo_db_bind_int(q, ":response_due", o->response_due);
    wo_db_bind_int(q, ":resolve_due", o->resolve_due);
    wo_db_bind_int(q, ":responded_at", o->responded_at);
    wo_db_bind_int(q, ":resolved_at", o->resolved_at);
    wo_db_bind_int(q, ":paused_at", o->paused_at);
    wo_db_bind_int(q, ":completed_at", o->completed_at);
    int rc = wo_db_exec(q);
    for (size_t i = 0; !rc && i < o->n_sigs; i++) {
        if (o->sigs[i].pubkey_len != 32)
            continue;
        q = ST(device_key_put);
        wo_db_bind_int(q, ":device", o->sigs[i].device_id);
        wo_db_bind_blob(q, ":pubkey", o->sigs[i].pubkey, 32);
        rc = wo_db_exec(q);
    }
    return rc;
}

static int put_order(struct replica *r, const struct wo_order *o)
{
    /* an order the replica does not hold has no synced records to clear
     * (only a revocation removes an order, and its records with it): a
     * first sync skips five deletes per order */
    char status[WO_MAX_ID + 1];
    int found = order_status(r, o->id, status);
    if (found && found != WO_ENOTFOUND)
        return found;
    int held = !found;
    sqlite3_stmt *q = ST(order_upsert);
    wo_db_bind_int(q, ":id", o->id);
    wo_db_bind_int(q, ":seq", o->seq);
    wo_db_bind_text(q, ":title", o->title);
    wo_db_bind_text(q, ":description", o->description);
    wo_db_bind_text(q, ":site", o->site);
    wo_db_bind_text(q, ":asset", o->asset);
    wo_db_bind_text(q, ":requester", o->requester);
    wo_db_bind_text(q, ":contact", o->contact);
    wo_db_bind_text(q, ":priority", o->priority);
    wo_db_bind_text(q, ":status", o->status);
    wo_db_bind_text(q, ":assignee", o->assignee);
    wo_db_bind_int(q, ":created_at", o->created_at);
    wo_db_bind_int(q, ":updated_at", o->updated_at);
    if (o->visit_start) {
        wo_db_bind_int(q, ":visit_start", o->visit_start);
        wo_db_bind_int(q, ":visit_end", o->visit_end);
    } else {
        wo_db_bind_null(q, ":visit_start");
        wo_db_bind_null(q, ":visit_end");
    }
    wo_db_bind_text(q, ":came", o->came);
    wo_db_bind_text(q, ":came_reason", o->came_reason);
    wo_db_bind_int(q, ":came_at", o->came_at);
    int rc = wo_db_exec(q);
    /* a partial order (our own ops pushed back) has only the records they
     * made: the others stay as they are */
    if (!rc && !o->partial && held)
        rc = delete_synced(r, o->id);
    for (size_t i = 0; !rc && i < o->n_visits; i++)
        rc = put_visit(r, o->id, &o->visits[i], 0);
    for (size_t i = 0; !rc && i < o->n_parts; i++)
        rc = put_part(r, o->id, &o->parts[i], 0);
    for (size_t i = 0; !rc && i < o->n_notes; i++)
        rc = put_note(r, o->id, &o->notes[i], 0);
    for (size_t i = 0; !rc && i < o->n_sigs; i++)
        rc = put_sig(r, o->id, &o->sigs[i], 0);
    for (size_t i = 0; !rc && i < o->n_voids; i++)
        rc = put_void(r, o->id, &o->voids[i], 0);
    if (!rc)
        rc = put_report_data(r, o);
    if (!rc && o->type)
        rc = put_intake(r, o);
    return rc;
}

/* Notes as lines, or parts as "PART_NO description" lines; NULL on no
 * memory (an empty string when there are none). */
static char *join_lines(const struct wo_order *o, int parts)
{
    size_t n = parts ? o->n_parts : o->n_notes, len = 1;
    for (size_t i = 0; i < n; i++)
        len += parts ? strlen(o->parts[i].part_no) + 2 +
                           (o->parts[i].desc ? strlen(o->parts[i].desc) : 0)
                     : strlen(o->notes[i].text) + 1;
    char *out = malloc(len), *p = out;
    if (!out)
        return NULL;
    *p = 0;
    for (size_t i = 0; i < n; i++) {
        if (parts)
            p += sprintf(p, "%s%s %s", i ? "\n" : "", o->parts[i].part_no,
                         o->parts[i].desc ? o->parts[i].desc : "");
        else
            p += sprintf(p, "%s%s", i ? "\n" : "", o->notes[i].text);
    }
    return out;
}

/* A past resolution: a closed order of an asset the technician works on. */
static int put_past(struct replica *r, const struct wo_order *o)
{
    char *notes = join_lines(o, 0), *parts = join_lines(o, 1);
    int rc = notes && parts ? 0 : WO_ENOMEM;
    if (!rc) {
        sqlite3_stmt *q = ST(past_put);
        wo_db_bind_int(q, ":id", o->id);
        wo_db_bind_int(q, ":seq", o->seq);
        wo_db_bind_text(q, ":title", o->title);
        wo_db_bind_text(q, ":problem", o->description);
        wo_db_bind_text(q, ":site", o->site);
        wo_db_bind_text(q, ":asset", o->asset);
        wo_db_bind_int(q, ":closed_at", o->updated_at);
        wo_db_bind_text(q, ":notes", notes);
        wo_db_bind_text(q, ":parts", parts);
        rc = wo_db_exec(q);
    }
    free(notes);
    free(parts);
    return rc;
}

int replica_search(struct replica *r, const char *query, const char *asset,
                   size_t limit, struct wo_hit **hits, size_t *n)
{
    sqlite3_stmt *q = ST(past_search);
    wo_db_bind_text(q, ":query", query);
    wo_db_bind_text(q, ":asset", asset);
    wo_db_bind_int(q, ":limit", (int64_t)limit);
    return wo_db_load_hits(q, hits, n);
}

int64_t replica_past_count(struct replica *r)
{
    int64_t n;
    return wo_db_int(ST(past_count), &n) ? 0 : n;
}

/* Re-apply this order's pending ops on top of the server's state. */
static int replay_pending(struct replica *r, int64_t order, const char *user,
                          int64_t device)
{
    struct wo_op *ops;
    size_t n, skipped;
    sqlite3_stmt *q = ST(outbox_pending_order);
    wo_db_bind_int(q, ":order", order);
    int rc = decode_rows(r, q, &ops, &n, &skipped, NULL);
    for (size_t i = 0; i < n; i++) {
        if (!rc)
            rc = apply_effect(r, &ops[i], user, device);
        wo_op_cleanup(&ops[i]);
    }
    free(ops);
    return rc;
}

int replica_apply_changes(struct replica *r, const struct wo_changes *ch,
                          const char *user, int64_t device, int hold,
                          char *gone)
{
    /* what the server sends needs no wait for the disk: a power cut can
     * lose only whole frames with their cursor, which the next sync asks
     * for again (a process crash loses nothing). No op is added to or
     * taken from the outbox here; a quarantine mark set while replaying
     * is set again by the next replay. The next durable commit, or the
     * checkpoint as `wo` closes the replica, syncs them. */
    int rc = r->held ? 0 : wo_db_begin_lazy(r->db);
    if (rc)
        return rc;
    for (size_t i = 0; !rc && i < ch->n_orders; i++) {
        rc = put_order(r, &ch->orders[i]);
        if (!rc)
            rc = replay_pending(r, ch->orders[i].id, user, device);
    }
    for (size_t i = 0; !rc && i < ch->n_past; i++)
        rc = put_past(r, &ch->past[i]);
    for (size_t i = 0; !rc && i < ch->n_revoked; i++) {
        sqlite3_stmt *q = ST(order_delete);
        wo_db_bind_int(q, ":id", ch->revoked[i]);
        rc = wo_db_exec(q);
        /* the server also revokes what left the scope since the cursor,
         * which this replica may never have held */
        if (!rc && gone)
            gone[i] = sqlite3_changes(wo_db_handle(r->db)) > 0;
        if (!rc)
            rc = delete_synced(r, ch->revoked[i]);
    }
    if (!rc && ch->cursor > replica_config_int(r, "cursor"))
        rc = config_set_int(r, "cursor", ch->cursor);
    r->held = !rc && hold;
    if (!rc && !hold)
        rc = wo_db_commit(r->db);
    if (rc)
        wo_db_rollback(r->db); /* the frames held before it too */
    return rc;
}

int replica_outbox_list(struct replica *r, replica_outbox_fn fn, void *arg)
{
    sqlite3_stmt *q = ST(outbox_all);
    int s;
    while ((s = sqlite3_step(q)) == SQLITE_ROW)
        fn(arg, sqlite3_column_int64(q, 0),
           (const char *)sqlite3_column_text(q, 1),
           sqlite3_column_int64(q, 2),
           (const char *)sqlite3_column_text(q, 3),
           sqlite3_column_int64(q, 4),
           (const char *)sqlite3_column_text(q, 5),
           (const char *)sqlite3_column_text(q, 6));
    sqlite3_reset(q);
    return s == SQLITE_DONE ? 0 : WO_EIO;
}

/* ---- field data: first openings, the outbox's oldest op ------------------ */

int replica_opened_mark(struct replica *r, int64_t order, int64_t at)
{
    sqlite3_stmt *q = ST(opened_mark);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_int(q, ":at", at);
    return wo_db_exec(q);
}

static int fill_receipt(sqlite3_stmt *q, void *elem)
{
    struct wo_receipt *e = elem;
    e->wo = sqlite3_column_int64(q, 0);
    e->at = sqlite3_column_int64(q, 1);
    return 0;
}

int replica_opened_unsent(struct replica *r, size_t max,
                          struct wo_receipt **out, size_t *n)
{
    sqlite3_stmt *q = ST(opened_unsent);
    wo_db_bind_int(q, ":limit", (int64_t)max);
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(q, (void **)out, n, sizeof **out, fill_receipt);
}

int replica_opened_sent(struct replica *r, const struct wo_receipt *e,
                        size_t n)
{
    int rc = begin(r);
    for (size_t i = 0; !rc && i < n; i++) {
        sqlite3_stmt *q = ST(opened_sent);
        wo_db_bind_int(q, ":order", e[i].wo);
        rc = wo_db_exec(q);
    }
    if (!rc)
        return wo_db_commit(r->db);
    wo_db_rollback(r->db);
    return rc;
}

int64_t replica_outbox_oldest(struct replica *r)
{
    int64_t at = 0;
    if (wo_db_int(ST(outbox_oldest), &at))
        return 0;
    return at;
}
