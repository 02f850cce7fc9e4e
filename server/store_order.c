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

/* The intake fields of order o (issue 14's formal request). */
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

static int intake_load(struct store *s, struct wo_order *o)
{
    sqlite3_stmt *q = ST(intake_get);
    wo_db_bind_int(q, ":id", o->id);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    o->type = DUP(0);
    o->category = DUP(1);
    o->department = DUP(2);
    o->customer = DUP(3);
    o->impact = DUP(4);
    o->urgency = DUP(5);
    o->deadline = sqlite3_column_int64(q, 6);
    o->requester_email = DUP(7);
    o->needs_authorisation = sqlite3_column_int(q, 8) != 0;
    o->authoriser = DUP(9);
    o->authoriser_email = DUP(10);
    o->agreement_id = sqlite3_column_int64(q, 11);
    o->remote = sqlite3_column_int(q, 12) != 0;
    sqlite3_reset(q);
    return o->type && o->category ? 0 : WO_ENOMEM;
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

int store_order_load(struct store *s, int64_t id, int how,
                     struct wo_order *o, int64_t *assignee_id)
{
    int include_secret = how == STORE_LOAD_OFFICE;
    memset(o, 0, sizeof *o);
    sqlite3_stmt *q = ST(order_get);
    wo_db_bind_int(q, ":id", id);
    int rc = store__row(q);
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
    o->came = DUP(25);
    o->came_reason = DUP(26);
    o->came_at = sqlite3_column_int64(q, 27);
    sqlite3_reset(q);
    if (!o->title || !o->priority || !o->status || !o->tier) {
        rc = WO_ENOMEM;
        goto fail;
    }
    if ((rc = intake_load(s, o)))
        goto fail;
    if (how == STORE_LOAD_BRIEF)
        return load_receipt(s, id, o) ? (wo_order_cleanup(o), WO_EIO) : 0;
    if (how == STORE_LOAD_PAST)
        rc = wo_db_load_records(s->db, -1, Q_parts_of, Q_notes_of, -1, id, o);
    else
        rc = wo_db_load_records(s->db, Q_visits_of, Q_parts_of, Q_notes_of,
                                Q_sigs_of, id, o);
    if (rc)
        goto fail;
    if (how != STORE_LOAD_PAST) {
        q = ST(voids_of);
        wo_db_bind_int(q, ":order", id);
        if ((rc = wo_db_load_rows(q, (void **)&o->voids, &o->n_voids,
                                  sizeof *o->voids, fill_void)))
            goto fail;
    }
    if (include_secret) {
        if ((rc = load_receipt(s, id, o)))
            goto fail;
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
    store__bind_opt(q, ":device", device);
    store__bind_opt(q, ":client_at", client_at);
    wo_db_bind_text(q, ":detail", detail);
    wo_db_bind_int(q, ":now", now);
    int rc = wo_db_exec(q);
    if (rc)
        return rc;
    *seq = store__last_id(s);
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
                       int64_t now)
{
    int rc = holding_exec(s, Q_tech_release, order, user, now);
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
