/*
 * store_order.c - work orders and what hangs off them: loading an order
 * with its records, the change sequence that numbers every change, the
 * scope queries of sync (which orders a technician holds or has held),
 * the dispatcher's board, and the append-only records (visits, parts,
 * notes, signatures) whose ids are the client-made op ids.
 *
 * Nothing here opens a transaction: the group commit and the dispatcher
 * commands group these writes (store.h).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "wo_crypto.h"

/* ---- orders and the change sequence --------------------------------------- */

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

/* The holder's delivery receipt (docs/protocol.md, "Field data"). */
static int load_receipt(struct store *s, int64_t id, struct wo_order *o)
{
    sqlite3_stmt *q = ST(receipt_of_holder);
    wo_db_bind_int(q, ":order", id);
    int rc = store__row(q);
    if (rc < 0)
        return rc;
    if (rc) {
        o->stored_at = sqlite3_column_int64(q, 0);
        o->stored_seq = sqlite3_column_int64(q, 1);
        o->opened_at = sqlite3_column_int64(q, 2);
    }
    sqlite3_reset(q);
    return 0;
}

/* The row of order_get q is on, into o: its own fields (0-27) and its
 * intake, issue 14's formal request (28-40). */
static int fill_order(sqlite3_stmt *q, struct wo_order *o, int how,
                      int64_t *assignee_id)
{
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
    if (how == STORE_LOAD_OFFICE)
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
    o->came = DUP(25);
    o->came_reason = DUP(26);
    o->came_at = sqlite3_column_int64(q, 27);
    o->type = DUP(28);
    o->category = DUP(29);
    o->department = DUP(30);
    o->customer = DUP(31);
    o->impact = DUP(32);
    o->urgency = DUP(33);
    o->deadline = sqlite3_column_int64(q, 34);
    o->requester_email = DUP(35);
    o->needs_authorisation = sqlite3_column_int(q, 36) != 0;
    o->authoriser = DUP(37);
    o->authoriser_email = DUP(38);
    o->agreement_id = sqlite3_column_int64(q, 39);
    o->remote = sqlite3_column_int(q, 40) != 0;
    return o->title && o->priority && o->status && o->tier && o->type &&
                   o->category
               ? 0
               : WO_ENOMEM;
}

/* The heads of orders ids[0..n) into o[k] (zeroed), in the caller's order. */
static int load_heads(struct store *s, const char *json, const int64_t *ids,
                      size_t n, int how, struct wo_order *o,
                      int64_t *assignees)
{
    sqlite3_stmt *q = ST(order_get);
    wo_db_bind_text(q, ":ids", json);
    size_t found = 0;
    int r, rc = 0;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        size_t k = 0;
        while (k < n && (ids[k] != id || o[k].id))
            k++;
        if (k == n)
            continue; /* ids are distinct; a repeat leaves a slot empty,
                       * and the page is WO_ENOTFOUND */
        found++;
        if ((rc = fill_order(q, &o[k], how, assignees ? &assignees[k] : NULL)))
            break;
    }
    if (!rc && r != SQLITE_DONE)
        rc = WO_EIO;
    sqlite3_reset(q);
    return rc ? rc : found == n ? 0 : WO_ENOTFOUND;
}

/* What only the office sees of o: the receipt and the rejected ops. */
static int load_office(struct store *s, struct wo_order *o)
{
    int rc = load_receipt(s, o->id, o);
    if (rc)
        return rc;
    sqlite3_stmt *q = ST(rejections_of);
    wo_db_bind_int(q, ":order", o->id);
    return wo_db_load_rows(q, (void **)&o->rejections, &o->n_rejections,
                           sizeof *o->rejections, fill_rej);
}

/* store_orders_load, of only the records in rec (a JSON array of record
 * ids) when rec is not NULL. */
static int load_orders(struct store *s, const int64_t *ids, size_t n,
                       int how, const char *rec, struct wo_order *o,
                       int64_t *assignees)
{
    memset(o, 0, n * sizeof *o);
    if (assignees)
        memset(assignees, 0, n * sizeof *assignees);
    if (!n)
        return 0;
    char *json = store__ids_json(ids, n);
    if (!json)
        return WO_ENOMEM;
    int rc = load_heads(s, json, ids, n, how, o, assignees);
    if (!rc && how == STORE_LOAD_PAST)
        rc = wo_db_load_records_of(s->db, -1, Q_parts_of, Q_notes_of, -1,
                                   json, rec, o, n);
    else if (!rc && how != STORE_LOAD_BRIEF)
        rc = wo_db_load_records_of(s->db, Q_visits_of, Q_parts_of,
                                   Q_notes_of, Q_sigs_of, json, rec, o, n);
    if (!rc && how != STORE_LOAD_PAST && how != STORE_LOAD_BRIEF) {
        sqlite3_stmt *q = ST(voids_of);
        wo_db_bind_text(q, ":orders", json);
        if (rec)
            wo_db_bind_text(q, ":ids", rec);
        rc = wo_db_load_rows_of(q, o, n, offsetof(struct wo_order, voids),
                                offsetof(struct wo_order, n_voids),
                                sizeof *o->voids, fill_void);
    }
    for (size_t k = 0; k < n && !rc; k++)
        if (how == STORE_LOAD_BRIEF)
            rc = load_receipt(s, o[k].id, &o[k]);
        else if (how == STORE_LOAD_OFFICE)
            rc = load_office(s, &o[k]);
    free(json);
    if (rc)
        for (size_t k = 0; k < n; k++)
            wo_order_cleanup(&o[k]);
    return rc;
}

int store_orders_load(struct store *s, const int64_t *ids, size_t n, int how,
                      struct wo_order *o, int64_t *assignees)
{
    return load_orders(s, ids, n, how, NULL, o, assignees);
}

int store_order_load(struct store *s, int64_t id, int how,
                     struct wo_order *o, int64_t *assignee_id)
{
    return load_orders(s, &id, 1, how, NULL, o, assignee_id);
}

/* rec[0..n) as a JSON array of strings (malloc'd; NULL: no memory). */
static char *strings_json(const char *const *rec, size_t n)
{
    size_t len = 3;
    for (size_t i = 0; i < n; i++)
        len += strlen(rec[i]) * 6 + 3; /* at worst \u00XX per byte */
    char *json = malloc(len), *p = json;
    if (!json)
        return NULL;
    *p++ = '[';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        for (const unsigned char *c = (const unsigned char *)rec[i]; *c; c++)
            if (*c < 0x20)
                p += sprintf(p, "\\u%04x", *c);
            else if (*c == '"' || *c == '\\')
                p += sprintf(p, "\\%c", *c);
            else
                *p++ = (char)*c;
        *p++ = '"';
    }
    strcpy(p, "]");
    return json;
}

int store_order_own(struct store *s, int64_t id, const char *const *rec,
                    size_t n_rec, struct wo_order *o)
{
    char *json = strings_json(rec, n_rec);
    if (!json)
        return WO_ENOMEM;
    int rc = load_orders(s, &id, 1, STORE_LOAD_TECH, json, o, NULL);
    free(json);
    if (!rc)
        o->partial = true;
    return rc;
}

int store_change_add(struct store *s, int64_t order, const char *kind,
                     const char *actor, int64_t device, int64_t client_at,
                     const char *detail, int64_t now, int64_t *seq)
{
    sqlite3_stmt *q = ST(change_insert);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":kind", kind);
    wo_db_bind_text(q, ":actor", actor);
    store__bind_opt(q, ":device", device);
    store__bind_opt(q, ":client_at", client_at);
    wo_db_bind_text(q, ":detail", detail);
    wo_db_bind_int(q, ":now", now);
    int rc = wo_db_exec(q);
    if (!rc)
        *seq = store__last_id(s);
    return rc;
}

int store_order_touch(struct store *s, int64_t order, int64_t seq,
                      int64_t now)
{
    sqlite3_stmt *q = ST(order_touch);
    wo_db_bind_int(q, ":seq", seq);
    wo_db_bind_int(q, ":now", now);
    wo_db_bind_int(q, ":id", order);
    return wo_db_exec(q);
}

int store_change(struct store *s, int64_t order, const char *kind,
                 const char *actor, int64_t device, int64_t client_at,
                 const char *detail, int64_t now, int64_t *seq)
{
    int rc = store_change_add(s, order, kind, actor, device, client_at,
                              detail, now, seq);
    return rc ? rc : store_order_touch(s, order, *seq, now);
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
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    store__copy_col(q, 0, status, WO_MAX_ID + 1);
    *assignee_id = sqlite3_column_int64(q, 1);
    if (assignee)
        store__copy_col(q, 2, assignee, WO_MAX_ID + 1);
    sqlite3_reset(q);
    return 0;
}

int store_order_create(struct store *s, const struct wo_cmd *c,
                       const struct store_code *code, int64_t by_user,
                       int64_t now, int64_t *id)
{
    sqlite3_stmt *q = ST(order_insert);
    wo_db_bind_text(q, ":title", c->title);
    wo_db_bind_text(q, ":description", c->description);
    wo_db_bind_text(q, ":site", c->site);
    wo_db_bind_text(q, ":asset", c->asset);
    wo_db_bind_text(q, ":requester", c->requester);
    wo_db_bind_text(q, ":contact", c->contact);
    wo_db_bind_text(q, ":priority", c->priority);
    wo_db_bind_blob(q, ":salt", code->salt, sizeof code->salt);
    wo_db_bind_blob(q, ":hash", code->hash, sizeof code->hash);
    wo_db_bind_int(q, ":by", by_user);
    wo_db_bind_int(q, ":now", now);
    int rc = wo_db_exec(q);
    if (!rc)
        *id = store__last_id(s);
    return rc;
}

int store_code_get(struct store *s, int64_t id, struct store_code *code,
                   int *failures)
{
    /* every order has a code from schema v7 on */
    return store__code_get(ST(code_get), id, code, failures, WO_EIO);
}

int store_code_set(struct store *s, int64_t id, const struct store_code *code)
{
    return store__code_set(ST(code_set), id, code);
}

int store_code_failed(struct store *s, int64_t id, int *failures)
{
    return store__code_failed(ST(code_failed), id, failures);
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
    store__bind_opt(q, ":user", user);
    wo_db_bind_text(q, ":status", status);
    wo_db_bind_int(q, ":id", id);
    return wo_db_exec(q);
}

/* ---- scope: what a technician's replica should hold --------------------- */

int store_scope_changed(struct store *s, int64_t user, int64_t cursor,
                        size_t limit, int64_t **ids, int64_t **seqs,
                        size_t *n)
{
    sqlite3_stmt *q = ST(scope_changed);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_int(q, ":cursor", cursor);
    wo_db_bind_int(q, ":limit", (int64_t)limit);
    *n = 0;
    *ids = malloc((limit ? limit : 1) * sizeof **ids);
    *seqs = malloc((limit ? limit : 1) * sizeof **seqs);
    int r = SQLITE_DONE;
    if (*ids && *seqs)
        while ((r = sqlite3_step(q)) == SQLITE_ROW && *n < limit) {
            (*ids)[*n] = sqlite3_column_int64(q, 0);
            (*seqs)[(*n)++] = sqlite3_column_int64(q, 1);
        }
    sqlite3_reset(q);
    int rc = !*ids || !*seqs ? WO_ENOMEM
             : r == SQLITE_DONE || r == SQLITE_ROW ? 0 : WO_EIO;
    if (rc) {
        free(*ids);
        free(*seqs);
        *ids = *seqs = NULL;
        *n = 0;
    }
    return rc;
}

int store_scope_left(struct store *s, int64_t user, int64_t after,
                     size_t limit, int64_t **ids, size_t *n)
{
    sqlite3_stmt *q = ST(scope_left);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_int(q, ":after", after);
    wo_db_bind_int(q, ":limit", (int64_t)limit);
    return wo_db_load_ids(q, ids, n);
}

int store_scope_revoked(struct store *s, int64_t user, const int64_t *have,
                        size_t n, int64_t *out, size_t *n_out)
{
    char *json = store__ids_json(have, n);
    *n_out = 0;
    if (!json)
        return WO_ENOMEM;
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

int store_order_page(struct store *s, const struct store_page *p,
                     int64_t **ids, size_t *n, int64_t *total)
{
    int open = !strcmp(p->status, "open");
    sqlite3_stmt *q = open ? ST(order_page_open) : ST(order_page);
    size_t cap = p->limit > 0 ? (size_t)p->limit : 1;
    int r;
    *n = 0;
    *total = 0;
    if (!(*ids = malloc(cap * sizeof **ids)))
        return WO_ENOMEM;
    if (!open)
        wo_db_bind_text(q, ":status", p->status);
    store__bind_text_opt(q, ":priority", p->priority);
    store__bind_text_opt(q, ":assignee", p->assignee);
    store__bind_text_opt(q, ":site", p->site);
    store__bind_text_opt(q, ":asset", p->asset);
    store__bind_text_opt(q, ":text", p->text);
    wo_db_bind_int(q, ":now", p->now);
    wo_db_bind_int(q, ":limit", p->limit);
    wo_db_bind_int(q, ":offset", p->offset);
    while ((r = sqlite3_step(q)) == SQLITE_ROW && *n < cap) {
        (*ids)[(*n)++] = sqlite3_column_int64(q, 0);
        *total = sqlite3_column_int64(q, 1);
    }
    sqlite3_reset(q);
    if (r == SQLITE_DONE || r == SQLITE_ROW)
        return 0;
    free(*ids);
    *ids = NULL;
    return WO_EIO;
}

int store_board_filtered(struct store *s, const struct store_board_filter *f,
                         int64_t now, size_t limit, int64_t **ids, size_t *n)
{
    int all = f->all || f->status;
    sqlite3_stmt *q = all ? ST(order_board_filtered) : ST(order_board_open);
    wo_db_bind_int(q, ":now", now);
    wo_db_bind_int(q, ":limit", (int64_t)limit);
    if (all)
        wo_db_bind_text(q, ":status", f->status);
    wo_db_bind_text(q, ":tech", f->tech);
    wo_db_bind_text(q, ":priority", f->priority);
    wo_db_bind_text(q, ":site", f->site);
    return wo_db_load_ids(q, ids, n);
}

/* Run statement idx of the holding queries, bound to (order, user, now). */
static int holding_exec(struct store *s, int idx, int64_t order, int64_t user,
                        int64_t now)
{
    sqlite3_stmt *q = wo_db_stmt(s->db, idx);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_int(q, ":now", now);
    return wo_db_exec(q);
}

int store_tech_add(struct store *s, int64_t order, int64_t user, int64_t seq,
                   int64_t now)
{
    sqlite3_stmt *q = ST(tech_add);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_int(q, ":seq", seq);
    int rc = wo_db_exec(q);
    return rc ? rc : holding_exec(s, Q_holding_open, order, user, now);
}

int store_tech_release(struct store *s, int64_t order, int64_t user,
                       int64_t seq, int64_t now)
{
    sqlite3_stmt *q = ST(tech_release);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_int(q, ":seq", seq);
    wo_db_bind_int(q, ":now", now);
    int rc = wo_db_exec(q);
    return rc ? rc : holding_exec(s, Q_holding_close, order, user, now);
}

int store_tech_held_at(struct store *s, int64_t order, int64_t user,
                       int64_t t, int *at, int *ever, int64_t *first)
{
    sqlite3_stmt *q = ST(holding_at);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_int(q, ":t", t);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_EIO : r;
    *at = sqlite3_column_int(q, 0) > 0;
    *ever = sqlite3_column_int(q, 1) > 0;
    *first = sqlite3_column_int64(q, 2);
    sqlite3_reset(q);
    return 0;
}

int store_visit_counts_tech(struct store *s, int64_t order, const char *tech,
                            int64_t *total, int64_t *open)
{
    sqlite3_stmt *q = ST(visit_counts_tech);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":tech", tech);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_EIO : r;
    *total = sqlite3_column_int64(q, 0);
    *open = sqlite3_column_int64(q, 1);
    sqlite3_reset(q);
    return 0;
}

int store_tech_held(struct store *s, int64_t order, int64_t user,
                    int64_t *released_at)
{
    sqlite3_stmt *q = ST(tech_held);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_int(q, ":user", user);
    int r = store__row(q);
    if (r == 1) {
        *released_at = sqlite3_column_type(q, 0) == SQLITE_NULL
                           ? 0 : sqlite3_column_int64(q, 0);
        sqlite3_reset(q);
    }
    return r;
}

/* ---- records ----------------------------------------------------------- */

int store_visit_add(struct store *s, const char *id, int64_t order,
                    const char *tech, int64_t device, int64_t at, int late,
                    int64_t at_srv)
{
    sqlite3_stmt *q = ST(visit_insert);
    wo_db_bind_text(q, ":id", id);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":tech", tech);
    wo_db_bind_int(q, ":device", device);
    wo_db_bind_int(q, ":at", at);
    wo_db_bind_int(q, ":late", late);
    wo_db_bind_int(q, ":at_srv", at_srv);
    return wo_db_exec(q);
}

int store_visit_get(struct store *s, const char *id, int64_t *order,
                    char tech[WO_MAX_ID + 1], int64_t *ended_at)
{
    sqlite3_stmt *q = ST(visit_get);
    wo_db_bind_text(q, ":id", id);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    *order = sqlite3_column_int64(q, 0);
    store__copy_col(q, 1, tech, WO_MAX_ID + 1);
    *ended_at = sqlite3_column_int64(q, 2);
    sqlite3_reset(q);
    return 0;
}

int store_visit_end(struct store *s, const char *id, int64_t at,
                    const char *outcome, int64_t at_srv)
{
    sqlite3_stmt *q = ST(visit_end);
    wo_db_bind_text(q, ":id", id);
    wo_db_bind_int(q, ":at", at);
    wo_db_bind_text(q, ":outcome", outcome);
    wo_db_bind_int(q, ":at_srv", at_srv);
    return wo_db_exec(q);
}

int store_visit_counts(struct store *s, int64_t order, int64_t *total,
                       int64_t *open)
{
    sqlite3_stmt *q = ST(visit_counts);
    wo_db_bind_int(q, ":order", order);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_EIO : r;
    *total = sqlite3_column_int64(q, 0);
    *open = sqlite3_column_int64(q, 1);
    sqlite3_reset(q);
    return 0;
}

int store_part_add(struct store *s, const struct wo_op *op,
                   const char *author, int64_t device, int late,
                   int64_t at_srv)
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
    wo_db_bind_int(q, ":at_srv", at_srv);
    int rc = wo_db_exec(q);
    free(ser);
    return rc;
}

int store_note_add(struct store *s, const struct wo_op *op,
                   const char *author, int64_t device, int late,
                   int64_t at_srv)
{
    sqlite3_stmt *q = ST(note_insert);
    wo_db_bind_text(q, ":id", op->id);
    wo_db_bind_int(q, ":order", op->wo);
    wo_db_bind_text(q, ":author", author);
    wo_db_bind_int(q, ":device", device);
    wo_db_bind_int(q, ":at", op->at);
    wo_db_bind_text(q, ":body", op->text);
    wo_db_bind_int(q, ":late", late);
    wo_db_bind_int(q, ":at_srv", at_srv);
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
