/*
 * store.c - the server store on SQLite. The only server file that includes
 * <sqlite3.h> (through wo_sqlkit.h). Every statement is named in
 * schema/server/queries.sql and prepared once in store_open().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "wo_crypto.h"
#include "wo_sqlkit.h"

extern const struct wo_sqlfile wo_server_sql[];

/* Q_<name> and qnames[]: generated from the "-- name:" lines of
 * schema/server/queries.sql at build time (cmake/query_ids.cmake). */
#include "server_q.h"

struct store {
    struct wo_db *db;
};

#define ST(q) wo_db_stmt(s->db, Q_##q)

int store_open(const char *path, struct store **out, char *err, size_t errlen)
{
    struct store *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return WO_ENOMEM;
    int rc = wo_db_open(path, wo_server_sql, qnames, Q__COUNT, &s->db, err,
                        errlen);
    if (rc) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    wo_db_close(s->db);
    free(s);
}

const char *store_errmsg(struct store *s) { return wo_db_errmsg(s->db); }
int store_begin(struct store *s) { return wo_db_begin(s->db); }
int store_commit(struct store *s) { return wo_db_commit(s->db); }
void store_rollback(struct store *s) { wo_db_rollback(s->db); }
int64_t store_total_changes(struct store *s)
{
    return sqlite3_total_changes64(wo_db_handle(s->db));
}

/* Step a statement expected to return at most one row. 1 row, 0 none,
 * or WO_EIO. The statement is left on the row for reading. */
static int row(sqlite3_stmt *q)
{
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW)
        return 1;
    sqlite3_reset(q);
    return r == SQLITE_DONE ? 0 : WO_EIO;
}

static void copy_col(sqlite3_stmt *q, int col, char *dst, size_t cap)
{
    const char *t = (const char *)sqlite3_column_text(q, col);
    snprintf(dst, cap, "%s", t ? t : "");
}

/* ---- users and devices ------------------------------------------------ */

/* Codes are typed by people: 12 characters from an alphabet without
 * look-alikes (no 0/O, 1/I/L), shown as XXXX-XXXX-XXXX: 59 bits. */
static int make_code(char code[STORE_CODE_LEN])
{
    static const char al[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    uint8_t r[12];
    if (wo_random(r, sizeof r))
        return WO_ECRYPTO;
    int k = 0;
    for (int i = 0; i < 12; i++) {
        if (i && i % 4 == 0)
            code[k++] = '-';
        code[k++] = al[r[i] % (sizeof al - 1)];
    }
    code[k] = 0;
    return 0;
}

static int code_store(struct store *s, int64_t user, int64_t now,
                      char code[STORE_CODE_LEN])
{
    uint8_t h[32];
    int rc = make_code(code);
    if (rc)
        return rc;
    wo_sha256(code, strlen(code), h);
    sqlite3_stmt *q = ST(code_insert);
    wo_db_bind_blob(q, ":hash", h, 32);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_int(q, ":now", now);
    return wo_db_exec(q);
}

int store_user_add(struct store *s, const char *name, const char *role,
                   int64_t now, char code[STORE_CODE_LEN])
{
    int rc = store_begin(s);
    if (rc)
        return rc;
    sqlite3_stmt *q = ST(user_insert);
    wo_db_bind_text(q, ":name", name);
    wo_db_bind_text(q, ":role", role);
    wo_db_bind_int(q, ":now", now);
    if ((rc = wo_db_exec(q)))
        goto fail;
    int64_t uid = sqlite3_last_insert_rowid(wo_db_handle(s->db));
    if ((rc = code_store(s, uid, now, code)))
        goto fail;
    return store_commit(s);
fail:
    store_rollback(s);
    return rc;
}

int store_user_get(struct store *s, const char *name, struct store_user *u)
{
    sqlite3_stmt *q = ST(user_by_name);
    wo_db_bind_text(q, ":name", name);
    int r = row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    u->id = sqlite3_column_int64(q, 0);
    copy_col(q, 1, u->name, sizeof u->name);
    copy_col(q, 2, u->role, sizeof u->role);
    copy_col(q, 3, u->tier, sizeof u->tier);
    sqlite3_reset(q);
    return 0;
}

int store_user_code(struct store *s, const char *name, int64_t now,
                    char code[STORE_CODE_LEN])
{
    struct store_user u;
    int rc = store_user_get(s, name, &u);
    if (rc)
        return rc;
    if ((rc = store_begin(s)))
        return rc;
    if ((rc = code_store(s, u.id, now, code))) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s);
}

int store_enroll(struct store *s, const char *code, const uint8_t pub[32],
                 const char *devname, int64_t now, int64_t *device_id,
                 struct store_user *u)
{
    uint8_t h[32];
    int rc = store_begin(s);
    if (rc)
        return rc;
    wo_sha256(code, strlen(code), h);
    sqlite3_stmt *q = ST(code_take);
    wo_db_bind_blob(q, ":hash", h, 32);
    wo_db_bind_int(q, ":now", now);
    int r = row(q);
    if (r <= 0) {
        rc = r == 0 ? WO_EAUTH : r;
        goto fail;
    }
    int64_t uid = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    q = ST(device_insert);
    wo_db_bind_int(q, ":user", uid);
    wo_db_bind_blob(q, ":pubkey", pub, 32);
    wo_db_bind_text(q, ":name", devname);
    wo_db_bind_int(q, ":now", now);
    if ((rc = wo_db_exec(q)))
        goto fail;
    *device_id = sqlite3_last_insert_rowid(wo_db_handle(s->db));
    if ((rc = store_commit(s)))
        return rc;
    struct store_device d;
    if ((rc = store_device_get(s, *device_id, &d)))
        return rc;
    *u = d.user;
    return 0;
fail:
    store_rollback(s);
    return rc;
}

int store_device_get(struct store *s, int64_t id, struct store_device *d)
{
    sqlite3_stmt *q = ST(device_get);
    wo_db_bind_int(q, ":id", id);
    int r = row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    memset(d, 0, sizeof *d);
    d->id = sqlite3_column_int64(q, 0);
    if (sqlite3_column_bytes(q, 1) == 32)
        memcpy(d->pubkey, sqlite3_column_blob(q, 1), 32);
    d->revoked = sqlite3_column_type(q, 2) != SQLITE_NULL;
    d->user.id = sqlite3_column_int64(q, 3);
    copy_col(q, 4, d->user.name, sizeof d->user.name);
    copy_col(q, 5, d->user.role, sizeof d->user.role);
    sqlite3_reset(q);
    return 0;
}

int store_device_pubkey(struct store *s, int64_t id, uint8_t pub[32])
{
    struct store_device d;
    int rc = store_device_get(s, id, &d);
    if (!rc)
        memcpy(pub, d.pubkey, 32);
    return rc;
}

int store_device_revoke(struct store *s, int64_t id, int64_t now)
{
    struct store_device d;
    int rc = store_device_get(s, id, &d);
    if (rc)
        return rc;
    sqlite3_stmt *q = ST(device_revoke);
    wo_db_bind_int(q, ":id", id);
    wo_db_bind_int(q, ":now", now);
    return wo_db_exec(q);
}

int store_device_list(struct store *s, store_device_fn fn, void *arg)
{
    sqlite3_stmt *q = ST(device_list);
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW)
        fn(arg, sqlite3_column_int64(q, 0),
           (const char *)sqlite3_column_text(q, 1),
           (const char *)sqlite3_column_text(q, 2),
           (const char *)sqlite3_column_text(q, 3),
           sqlite3_column_int64(q, 4),
           sqlite3_column_type(q, 5) == SQLITE_NULL
               ? 0
               : sqlite3_column_int64(q, 5));
    sqlite3_reset(q);
    return r == SQLITE_DONE ? 0 : WO_EIO;
}

/* ---- orders ------------------------------------------------------------ */

#define DUP(col) wo_db_col_text(q, col)

static int fill_rej(sqlite3_stmt *q, void *e)
{
    struct wo_rejection *r = e;
    r->op = DUP(0);
    r->kind = DUP(1);
    r->by = DUP(2);
    r->at = sqlite3_column_int64(q, 3);
    r->reason = DUP(4);
    return r->op && r->kind && r->by && r->reason ? 0 : WO_ENOMEM;
}

int store_order_load(struct store *s, int64_t id, int how,
                     struct wo_order *o, int64_t *assignee_id)
{
    int include_secret = how == STORE_LOAD_OFFICE;
    memset(o, 0, sizeof *o);
    sqlite3_stmt *q = ST(order_get);
    wo_db_bind_int(q, ":id", id);
    int rc = row(q);
    if (rc <= 0)
        return rc == 0 ? WO_ENOTFOUND : rc;
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
    if (include_secret)
        o->recipient_code = DUP(11);
    o->created_at = sqlite3_column_int64(q, 12);
    o->updated_at = sqlite3_column_int64(q, 13);
    if (assignee_id)
        *assignee_id = sqlite3_column_int64(q, 14);
    o->tier = DUP(15);
    o->sla_version = sqlite3_column_int64(q, 16);
    o->response_due = sqlite3_column_int64(q, 17);
    o->resolve_due = sqlite3_column_int64(q, 18);
    o->responded_at = sqlite3_column_int64(q, 19);
    o->resolved_at = sqlite3_column_int64(q, 20);
    o->paused_at = sqlite3_column_int64(q, 21);
    o->completed_at = sqlite3_column_int64(q, 22);
    o->visit_start = sqlite3_column_int64(q, 23);
    o->visit_end = sqlite3_column_int64(q, 24);
    sqlite3_reset(q);
    if (!o->title || !o->priority || !o->status || !o->tier) {
        rc = WO_ENOMEM;
        goto fail;
    }
    if (how == STORE_LOAD_PAST)
        rc = wo_db_load_records(s->db, -1, Q_parts_of, Q_notes_of, -1, id, o);
    else
        rc = wo_db_load_records(s->db, Q_visits_of, Q_parts_of, Q_notes_of,
                                Q_sigs_of, id, o);
    if (rc)
        goto fail;
    if (include_secret) {
        q = ST(rejections_of);
        wo_db_bind_int(q, ":order", id);
        if ((rc = wo_db_load_rows(q, (void **)&o->rejections,
                                  &o->n_rejections, sizeof *o->rejections,
                                  fill_rej)))
            goto fail;
    }
    return 0;
fail:
    wo_order_cleanup(o);
    return rc;
}

int store_change(struct store *s, int64_t order, const char *kind,
                 const char *actor, int64_t device, int64_t client_at,
                 const char *detail, int64_t now, int64_t *seq)
{
    sqlite3_stmt *q = ST(change_insert);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":kind", kind);
    wo_db_bind_text(q, ":actor", actor);
    if (device)
        wo_db_bind_int(q, ":device", device);
    else
        wo_db_bind_null(q, ":device");
    if (client_at)
        wo_db_bind_int(q, ":client_at", client_at);
    else
        wo_db_bind_null(q, ":client_at");
    wo_db_bind_text(q, ":detail", detail);
    wo_db_bind_int(q, ":now", now);
    int rc = wo_db_exec(q);
    if (rc)
        return rc;
    *seq = sqlite3_last_insert_rowid(wo_db_handle(s->db));
    q = ST(order_touch);
    wo_db_bind_int(q, ":seq", *seq);
    wo_db_bind_int(q, ":now", now);
    wo_db_bind_int(q, ":id", order);
    return wo_db_exec(q);
}

int store_max_seq(struct store *s, int64_t *seq)
{
    return wo_db_int(ST(max_seq), seq);
}

int store_order_head(struct store *s, int64_t id, char status[WO_MAX_ID + 1],
                     int64_t *assignee_id, char *assignee)
{
    sqlite3_stmt *q = ST(order_head);
    wo_db_bind_int(q, ":id", id);
    int r = row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    copy_col(q, 0, status, WO_MAX_ID + 1);
    *assignee_id = sqlite3_column_int64(q, 1);
    if (assignee)
        copy_col(q, 2, assignee, WO_MAX_ID + 1);
    sqlite3_reset(q);
    return 0;
}

int store_order_create(struct store *s, const struct wo_cmd *c,
                       int64_t by_user, int64_t now, int64_t *id)
{
    char code[12];
    uint8_t r[4];
    if (wo_random(r, sizeof r))
        return WO_ECRYPTO;
    /* 8 digits, read over the phone or printed on the job sheet */
    snprintf(code, sizeof code, "%08u",
             (unsigned)(((uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 |
                         (uint32_t)r[2] << 8 | r[3]) % 100000000u));
    sqlite3_stmt *q = ST(order_insert);
    wo_db_bind_text(q, ":title", c->title);
    wo_db_bind_text(q, ":description", c->description);
    wo_db_bind_text(q, ":site", c->site);
    wo_db_bind_text(q, ":asset", c->asset);
    wo_db_bind_text(q, ":requester", c->requester);
    wo_db_bind_text(q, ":contact", c->contact);
    wo_db_bind_text(q, ":priority", c->priority);
    wo_db_bind_text(q, ":code", code);
    wo_db_bind_int(q, ":by", by_user);
    wo_db_bind_int(q, ":now", now);
    int rc = wo_db_exec(q);
    if (!rc)
        *id = sqlite3_last_insert_rowid(wo_db_handle(s->db));
    return rc;
}

int store_order_set_status(struct store *s, int64_t id, const char *status)
{
    sqlite3_stmt *q = ST(order_set_status);
    wo_db_bind_text(q, ":status", status);
    wo_db_bind_int(q, ":id", id);
    return wo_db_exec(q);
}

int store_order_set_assignee(struct store *s, int64_t id, int64_t user,
                             const char *status)
{
    sqlite3_stmt *q = ST(order_set_assignee);
    if (user)
        wo_db_bind_int(q, ":user", user);
    else
        wo_db_bind_null(q, ":user");
    wo_db_bind_text(q, ":status", status);
    wo_db_bind_int(q, ":id", id);
    return wo_db_exec(q);
}

int store_scope_changed(struct store *s, int64_t user, int64_t cursor,
                        int64_t **ids, size_t *n)
{
    sqlite3_stmt *q = ST(scope_changed);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_int(q, ":cursor", cursor);
    return wo_db_load_ids(q, ids, n);
}

int store_scope_revoked(struct store *s, int64_t user, const int64_t *have,
                        size_t n, int64_t *out, size_t *n_out)
{
    /* the held ids go in as one JSON array: one query, not one per id */
    char *json = malloc(n * 21 + 3), *p = json;
    *n_out = 0;
    if (!json)
        return WO_ENOMEM;
    *p++ = '[';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%lld", i ? "," : "", (long long)have[i]);
    strcpy(p, "]");
    sqlite3_stmt *q = ST(scope_revoked);
    wo_db_bind_text(q, ":have", json);
    wo_db_bind_int(q, ":user", user);
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW && *n_out < n)
        out[(*n_out)++] = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    free(json);
    return r == SQLITE_DONE || r == SQLITE_ROW ? 0 : WO_EIO;
}

int store_board(struct store *s, int64_t now, size_t limit, int64_t **ids,
                size_t *n)
{
    sqlite3_stmt *q = ST(order_board);
    wo_db_bind_int(q, ":now", now);
    wo_db_bind_int(q, ":limit", (int64_t)limit);
    return wo_db_load_ids(q, ids, n);
}

/* ---- service desk ------------------------------------------------------- */

int store_sla_event(struct store *s, enum store_sla ev, int64_t id,
                    int64_t t, int64_t now)
{
    static const int idx[] = {[STORE_SLA_RESPOND] = Q_sla_respond,
                              [STORE_SLA_PAUSE] = Q_sla_pause,
                              [STORE_SLA_RESUME] = Q_sla_resume,
                              [STORE_SLA_RESOLVE] = Q_sla_resolve};
    sqlite3_stmt *q = wo_db_stmt(s->db, idx[ev]);
    wo_db_bind_int(q, ":id", id);
    wo_db_bind_int(q, ":t", t);
    wo_db_bind_int(q, ":now", now);
    return wo_db_exec(q);
}

int store_alerts_make(struct store *s, int64_t now, int *made)
{
    sqlite3_stmt *q = ST(alerts_make);
    wo_db_bind_int(q, ":now", now);
    int rc = wo_db_exec(q);
    *made = rc ? 0 : sqlite3_changes(wo_db_handle(s->db));
    return rc;
}

static int fill_alert(sqlite3_stmt *q, void *e)
{
    struct wo_alert *a = e;
    a->id = sqlite3_column_int64(q, 0);
    a->wo = sqlite3_column_int64(q, 1);
    a->kind = DUP(2);
    a->at = sqlite3_column_int64(q, 3);
    a->title = DUP(4);
    a->priority = DUP(5);
    return a->kind && a->title && a->priority ? 0 : WO_ENOMEM;
}

int store_alerts_since(struct store *s, int64_t cursor, size_t max,
                       struct wo_alert **out, size_t *n)
{
    sqlite3_stmt *q = ST(alerts_since);
    wo_db_bind_int(q, ":cursor", cursor);
    wo_db_bind_int(q, ":limit", (int64_t)max);
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(q, (void **)out, n, sizeof **out, fill_alert);
}

int store_autoclose_due(struct store *s, int64_t cutoff, int64_t **ids,
                        size_t *n)
{
    sqlite3_stmt *q = ST(autoclose_due);
    wo_db_bind_int(q, ":cutoff", cutoff);
    return wo_db_load_ids(q, ids, n);
}

static int fill_change(sqlite3_stmt *q, void *e)
{
    struct wo_change *c = e;
    c->seq = sqlite3_column_int64(q, 0);
    c->kind = DUP(1);
    c->actor = DUP(2);
    c->device_id = sqlite3_column_int64(q, 3);
    c->at = sqlite3_column_int64(q, 4);
    c->client_at = sqlite3_column_int64(q, 5);
    c->detail = DUP(6);
    return c->kind && c->actor ? 0 : WO_ENOMEM;
}

int store_history(struct store *s, int64_t order, struct wo_change **out,
                  size_t *n)
{
    sqlite3_stmt *q = ST(history_of);
    wo_db_bind_int(q, ":order", order);
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(q, (void **)out, n, sizeof **out, fill_change);
}

static int fill_sla(sqlite3_stmt *q, void *e)
{
    struct wo_sla *p = e;
    p->version = sqlite3_column_int64(q, 0);
    p->priority = DUP(1);
    p->response_ms = sqlite3_column_int64(q, 2);
    p->resolve_ms = sqlite3_column_int64(q, 3);
    p->created_at = sqlite3_column_int64(q, 4);
    p->created_by = DUP(5);
    p->escalate = sqlite3_column_int(q, 6) != 0;
    return p->priority && p->created_by ? 0 : WO_ENOMEM;
}

int store_sla_current(struct store *s, struct wo_sla **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(ST(sla_current), (void **)out, n, sizeof **out,
                           fill_sla);
}

int store_sla_new_version(struct store *s, const char *priority,
                          int64_t response_ms, int64_t resolve_ms,
                          int escalate, const char *by, int64_t now)
{
    sqlite3_stmt *q = ST(sla_new_version);
    if (escalate >= 0)
        wo_db_bind_int(q, ":escalate", escalate);
    else
        wo_db_bind_null(q, ":escalate");
    wo_db_bind_text(q, ":priority", priority);
    if (response_ms)
        wo_db_bind_int(q, ":response_ms", response_ms);
    else
        wo_db_bind_null(q, ":response_ms");
    if (resolve_ms)
        wo_db_bind_int(q, ":resolve_ms", resolve_ms);
    else
        wo_db_bind_null(q, ":resolve_ms");
    wo_db_bind_text(q, ":by", by);
    wo_db_bind_int(q, ":now", now);
    return wo_db_exec(q);
}

int store_order_set_tier(struct store *s, int64_t id, const char *tier)
{
    sqlite3_stmt *q = ST(order_set_tier);
    wo_db_bind_text(q, ":tier", tier);
    wo_db_bind_int(q, ":id", id);
    return wo_db_exec(q);
}

int store_tech_least_busy(struct store *s, const char *tier,
                          struct store_user *u)
{
    sqlite3_stmt *q = ST(tech_least_busy);
    wo_db_bind_text(q, ":tier", tier);
    int r = row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    memset(u, 0, sizeof *u);
    u->id = sqlite3_column_int64(q, 0);
    copy_col(q, 1, u->name, sizeof u->name);
    snprintf(u->role, sizeof u->role, "technician");
    snprintf(u->tier, sizeof u->tier, "%s", tier);
    sqlite3_reset(q);
    return 0;
}

int store_user_set_tier(struct store *s, const char *name, const char *tier)
{
    sqlite3_stmt *q = ST(user_set_tier);
    wo_db_bind_text(q, ":tier", tier);
    wo_db_bind_text(q, ":name", name);
    int rc = wo_db_exec(q);
    if (!rc && sqlite3_changes(wo_db_handle(s->db)) == 0)
        rc = WO_ENOTFOUND;
    return rc;
}

int store_tech_add(struct store *s, int64_t order, int64_t user, int64_t seq)
{
    sqlite3_stmt *q = ST(tech_add);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_int(q, ":seq", seq);
    return wo_db_exec(q);
}

int store_tech_release(struct store *s, int64_t order, int64_t user,
                       int64_t now)
{
    sqlite3_stmt *q = ST(tech_release);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_int(q, ":now", now);
    return wo_db_exec(q);
}

int store_tech_held(struct store *s, int64_t order, int64_t user,
                    int64_t *released_at)
{
    sqlite3_stmt *q = ST(tech_held);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_int(q, ":user", user);
    int r = row(q);
    if (r == 1) {
        *released_at = sqlite3_column_type(q, 0) == SQLITE_NULL
                           ? 0 : sqlite3_column_int64(q, 0);
        sqlite3_reset(q);
    }
    return r;
}

/* ---- records ----------------------------------------------------------- */

int store_visit_add(struct store *s, const char *id, int64_t order,
                    const char *tech, int64_t device, int64_t at)
{
    sqlite3_stmt *q = ST(visit_insert);
    wo_db_bind_text(q, ":id", id);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":tech", tech);
    wo_db_bind_int(q, ":device", device);
    wo_db_bind_int(q, ":at", at);
    return wo_db_exec(q);
}

int store_visit_get(struct store *s, const char *id, int64_t *order,
                    char tech[WO_MAX_ID + 1], int64_t *ended_at)
{
    sqlite3_stmt *q = ST(visit_get);
    wo_db_bind_text(q, ":id", id);
    int r = row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    *order = sqlite3_column_int64(q, 0);
    copy_col(q, 1, tech, WO_MAX_ID + 1);
    *ended_at = sqlite3_column_int64(q, 2);
    sqlite3_reset(q);
    return 0;
}

int store_visit_end(struct store *s, const char *id, int64_t at,
                    const char *outcome)
{
    sqlite3_stmt *q = ST(visit_end);
    wo_db_bind_text(q, ":id", id);
    wo_db_bind_int(q, ":at", at);
    wo_db_bind_text(q, ":outcome", outcome);
    return wo_db_exec(q);
}

int store_alerts_max(struct store *s, int64_t *id)
{
    return wo_db_int(ST(alerts_max), id);
}

int store_visit_counts(struct store *s, int64_t order, int64_t *total,
                       int64_t *open)
{
    sqlite3_stmt *q = ST(visit_counts);
    wo_db_bind_int(q, ":order", order);
    int r = row(q);
    if (r <= 0)
        return r == 0 ? WO_EIO : r;
    *total = sqlite3_column_int64(q, 0);
    *open = sqlite3_column_int64(q, 1);
    sqlite3_reset(q);
    return 0;
}

int store_part_add(struct store *s, const struct wo_op *op,
                   const char *author, int64_t device, int late)
{
    /* the op handler has checked that no serial holds a control char */
    char *ser = wo_serials_join(op->serials, op->n_serials);
    if (!ser)
        return WO_ENOMEM;
    sqlite3_stmt *q = ST(part_insert);
    wo_db_bind_text(q, ":id", op->id);
    wo_db_bind_int(q, ":order", op->wo);
    wo_db_bind_text(q, ":author", author);
    wo_db_bind_int(q, ":device", device);
    wo_db_bind_int(q, ":at", op->at);
    wo_db_bind_text(q, ":part_no", op->part_no);
    wo_db_bind_int(q, ":qty", op->qty);
    wo_db_bind_text(q, ":descr", op->desc);
    wo_db_bind_text(q, ":serials", op->n_serials ? ser : NULL);
    wo_db_bind_int(q, ":late", late);
    int rc = wo_db_exec(q);
    free(ser);
    return rc;
}

int store_note_add(struct store *s, const struct wo_op *op,
                   const char *author, int64_t device, int late)
{
    sqlite3_stmt *q = ST(note_insert);
    wo_db_bind_text(q, ":id", op->id);
    wo_db_bind_int(q, ":order", op->wo);
    wo_db_bind_text(q, ":author", author);
    wo_db_bind_int(q, ":device", device);
    wo_db_bind_int(q, ":at", op->at);
    wo_db_bind_text(q, ":body", op->text);
    wo_db_bind_int(q, ":late", late);
    return wo_db_exec(q);
}

int store_sig_add(struct store *s, const struct wo_op *op, const char *role,
                  const char *signer, int64_t device)
{
    sqlite3_stmt *q = ST(sig_insert);
    wo_db_bind_text(q, ":id", op->id);
    wo_db_bind_int(q, ":order", op->wo);
    wo_db_bind_text(q, ":role", role);
    wo_db_bind_text(q, ":signer", signer);
    wo_db_bind_int(q, ":device", device);
    wo_db_bind_int(q, ":signed_at", op->at);
    wo_db_bind_int(q, ":satisfied", op->satisfied || !strcmp(role,
                                                             "technician"));
    wo_db_bind_text(q, ":comment", op->comment);
    wo_db_bind_text(q, ":statement", op->statement);
    wo_db_bind_blob(q, ":sig", op->sig, op->sig_len);
    return wo_db_exec(q);
}

int store_sig_count(struct store *s, int64_t order, const char *role,
                    int64_t *n)
{
    sqlite3_stmt *q = ST(sig_count_role);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":role", role);
    return wo_db_int(q, n);
}

/* ---- ops --------------------------------------------------------------- */

int store_op_seen(struct store *s, const char *id, char result[16],
                  char **reason)
{
    sqlite3_stmt *q = ST(op_get);
    wo_db_bind_text(q, ":id", id);
    int r = row(q);
    if (r <= 0)
        return r;
    copy_col(q, 0, result, 16);
    *reason = DUP(1);
    sqlite3_reset(q);
    return 1;
}

int store_op_record(struct store *s, const struct wo_op *op, int64_t device,
                    int64_t clock_offset, const char *result,
                    const char *reason, int64_t now)
{
    sqlite3_stmt *q = ST(op_insert);
    wo_db_bind_text(q, ":id", op->id);
    wo_db_bind_int(q, ":device", device);
    wo_db_bind_int(q, ":order", op->wo);
    wo_db_bind_text(q, ":kind", op->kind);
    wo_db_bind_int(q, ":client_at", op->at);
    wo_db_bind_int(q, ":now", now);
    wo_db_bind_text(q, ":result", result);
    wo_db_bind_text(q, ":reason", reason);
    wo_db_bind_int(q, ":offset", clock_offset);
    return wo_db_exec(q);
}

/* ---- escalation, schedule, knowledge, reports ---------------------------- */

static int fill_breach(sqlite3_stmt *q, void *e)
{
    struct store_breach *b = e;
    b->order = sqlite3_column_int64(q, 0);
    copy_col(q, 1, b->kind, sizeof b->kind);
    return 0;
}

int store_breaches_to_escalate(struct store *s, int64_t after,
                               struct store_breach **out, size_t *n)
{
    sqlite3_stmt *q = ST(breaches_to_escalate);
    wo_db_bind_int(q, ":after", after);
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(q, (void **)out, n, sizeof **out, fill_breach);
}

int store_order_schedule(struct store *s, int64_t id, int64_t start,
                         int64_t end)
{
    sqlite3_stmt *q = ST(order_schedule);
    if (start) {
        wo_db_bind_int(q, ":start", start);
        wo_db_bind_int(q, ":end", end);
    } else {
        wo_db_bind_null(q, ":start");
        wo_db_bind_null(q, ":end");
    }
    wo_db_bind_int(q, ":id", id);
    return wo_db_exec(q);
}

int store_search(struct store *s, const char *query, const char *asset,
                 size_t limit, struct wo_hit **out, size_t *n)
{
    sqlite3_stmt *q = ST(knowledge_search);
    wo_db_bind_text(q, ":query", query);
    wo_db_bind_text(q, ":asset", asset);
    wo_db_bind_int(q, ":limit", (int64_t)limit);
    return wo_db_load_hits(q, out, n);
}

int store_past_for_tech(struct store *s, int64_t user, int64_t cursor,
                        size_t limit, int64_t **ids, size_t *n)
{
    sqlite3_stmt *q = ST(past_for_tech);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_int(q, ":cursor", cursor);
    wo_db_bind_int(q, ":limit", (int64_t)limit);
    return wo_db_load_ids(q, ids, n);
}

int store_past_for_asset(struct store *s, const char *asset, size_t limit,
                         int64_t **ids, size_t *n)
{
    sqlite3_stmt *q = ST(past_for_asset);
    wo_db_bind_text(q, ":asset", asset);
    wo_db_bind_int(q, ":limit", (int64_t)limit);
    return wo_db_load_ids(q, ids, n);
}

int store_past_watchers(struct store *s, const char *asset, int64_t **ids,
                        size_t *n)
{
    sqlite3_stmt *q = ST(past_watchers);
    wo_db_bind_text(q, ":asset", asset);
    return wo_db_load_ids(q, ids, n);
}

/* A report row: the key, then the counters in wo_row's order. */
static int fill_row(sqlite3_stmt *q, void *e)
{
    struct wo_row *r = e;
    int64_t *const v[] = {&r->orders, &r->open, &r->done, &r->visits,
                          &r->response_met, &r->response_missed,
                          &r->resolve_met, &r->resolve_missed,
                          &r->response_ms, &r->resolve_ms};
    r->key = DUP(0);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        *v[i] = sqlite3_column_int64(q, (int)i + 1);
    return r->key ? 0 : WO_ENOMEM;
}

int store_report(struct store *s, enum store_report which, int64_t since,
                 int64_t until, int64_t now, size_t limit,
                 struct wo_row **out, size_t *n)
{
    static const int reports[] = {
        [STORE_REPORT_ASSETS] = Q_report_assets,
        [STORE_REPORT_SLA] = Q_report_sla,
        [STORE_REPORT_WORKLOAD] = Q_report_workload,
    };
    sqlite3_stmt *q = wo_db_stmt(s->db, reports[which]);
    wo_db_bind_int(q, ":since", since);
    wo_db_bind_int(q, ":until", until);
    if (which == STORE_REPORT_SLA)
        wo_db_bind_int(q, ":now", now);
    if (which == STORE_REPORT_ASSETS)
        wo_db_bind_int(q, ":limit", (int64_t)limit);
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(q, (void **)out, n, sizeof **out, fill_row);
}
