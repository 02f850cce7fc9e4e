/*
 * handle_ops.c - technicians' outbox ops: validation, the rules of each
 * kind, and signature verification.
 *
 * An op either applies (its effects and its id are written in the current
 * transaction) or is rejected with a reason that names what is wrong and,
 * where it helps, what to do. A rejection is a result, not an error: the
 * ops behind it in the same frame are still applied. Only a storage
 * failure abandons the transaction (commit.c), and then nothing is acked.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commit.h"
#include "desk.h"
#include "handlers.h"
#include "wo_lifecycle.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "wo_crypto.h"
#include "wo_statement.h"

int handle_ops(struct srv *srv, struct session *s, void *body,
               struct reply *r)
{
    struct wo_ops *ops = body;
    int rc = commit_enqueue(srv, session_id(s), session_auth(s), ops);
    if (rc)
        snprintf(r->reason, sizeof r->reason, "server is out of memory; "
                 "retry later");
    return rc;
}

static int reject(struct apply_out *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int reject(struct apply_out *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof out->reason, fmt, ap);
    va_end(ap);
    out->result = "rejected";
    out->fresh_reject = 1;
    return 0;
}

static int has_ctl(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20)
            return 1;
    return 0;
}

/* Field checks that need no database: kinds and their required fields. */
static int check_shape(const struct wo_op *op, struct apply_out *out)
{
    const char *k = op->kind;
    if (op->wo <= 0)
        return reject(out, "op has no valid work order id");
    if (!strcmp(k, "accept") || !strcmp(k, "depart") ||
        !strcmp(k, "visit.start"))
        return 0;
    if (!strcmp(k, "visit.end")) {
        if (!op->ref)
            return reject(out, "visit.end needs 'ref', the id of the visit");
        if (!op->outcome || (strcmp(op->outcome, "done") &&
                             strcmp(op->outcome, "needs-parts") &&
                             strcmp(op->outcome, "customer-absent")))
            return reject(out, "visit.end needs 'outcome': done, "
                               "needs-parts or customer-absent");
        return 0;
    }
    if (!strcmp(k, "note.add"))
        return op->text && *op->text ? 0
                                     : reject(out, "note.add needs 'text'");
    if (!strcmp(k, "part.add")) {
        if (!op->part_no || !*op->part_no || has_ctl(op->part_no))
            return reject(out, "part.add needs 'part_no'");
        if (op->qty <= 0 || op->qty > 1000000)
            return reject(out, "part.add needs 'qty' between 1 and 1000000");
        for (size_t i = 0; i < op->n_serials; i++)
            if (!*op->serials[i] || has_ctl(op->serials[i]))
                return reject(out, "serial numbers must be non-empty text "
                                   "without control characters");
        return 0;
    }
    if (!strcmp(k, "sign.technician") || !strcmp(k, "sign.recipient")) {
        if (!op->statement || !op->sig)
            return reject(out, "%s needs 'statement' and 'sig'", k);
        if (!strcmp(k, "sign.recipient") &&
            (!op->name || !*op->name || has_ctl(op->name) || !op->code))
            return reject(out, "sign.recipient needs the recipient's 'name' "
                               "and the confirmation 'code'");
        return 0;
    }
    return reject(out, "unknown op kind '%s'", k);
}

/* Verify a signing op against the device key and the server's records. */
static int check_signature(struct srv *srv, const struct session_auth *a,
                           const struct wo_op *op, const char *role,
                           const char *signer, struct apply_out *out)
{
    struct wo_order o;
    uint8_t pub[32];
    char err[256];
    int rc = store_order_load(srv->store, op->wo, STORE_LOAD_OFFICE, &o, NULL);
    if (rc)
        return rc;
    if (!strcmp(role, "recipient") &&
        (!o.recipient_code || strcmp(o.recipient_code, op->code))) {
        wo_order_cleanup(&o);
        return reject(out, "recipient confirmation code is wrong: ask the "
                           "requester for the code given when order %lld "
                           "was opened", (long long)op->wo);
    }
    if ((rc = store_device_pubkey(srv->store, a->device_id, pub))) {
        wo_order_cleanup(&o);
        return rc;
    }
    if (wo_verify(pub, op->statement, strlen(op->statement), op->sig)) {
        wo_order_cleanup(&o);
        return reject(out, "%s signature does not verify against device "
                           "%lld's key: the statement was altered after "
                           "signing", role, (long long)a->device_id);
    }
    struct wo_stmt_meta m = {.role = role, .signer = signer,
                             .device_id = a->device_id, .signed_at = op->at,
                             .satisfied = op->satisfied,
                             .comment = op->comment};
    rc = wo_statement_check(op->statement, &o, &m, err, sizeof err);
    wo_order_cleanup(&o);
    if (rc == WO_ENOMEM)
        return rc;
    if (rc)
        return reject(out, "%s signature rejected: %s", role, err);
    return 0;
}

int ops_apply(struct srv *srv, const struct session_auth *a,
              const struct wo_op *op, int64_t now, struct apply_out *out)
{
    char status[WO_MAX_ID + 1], seen[16], reason[256];
    char *old_reason = NULL;
    int64_t assignee;
    const char *k = op->kind;
    int rc;

    memset(out, 0, sizeof *out);
    out->result = "applied";
    rc = store_op_seen(srv->store, op->id, seen, &old_reason);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        /* same id again: answer as the first time, change nothing */
        out->result = strcmp(seen, "rejected") ? "duplicate" : "rejected";
        snprintf(out->reason, sizeof out->reason, "%s",
                 old_reason ? old_reason : "");
        free(old_reason);
        return 0;
    }
    check_shape(op, out);
    if (out->fresh_reject)
        return 0;
    rc = store_order_head(srv->store, op->wo, status, &assignee, NULL);
    if (rc == WO_ENOTFOUND)
        return reject(out, "work order %lld does not exist",
                      (long long)op->wo);
    if (rc)
        return rc;

    int appends = !strcmp(k, "note.add") || !strcmp(k, "part.add");
    int late = 0;
    if (appends && assignee != a->user_id) {
        /* notes and parts of a former holder are kept; those recorded
         * after the order was taken away are marked late (docs/sync.md) */
        int64_t released;
        int held = store_tech_held(srv->store, op->wo, a->user_id, &released);
        if (held < 0)
            return held;
        if (!held)
            return reject(out, "order %lld was never assigned to you",
                          (long long)op->wo);
        late = released && op->at + a->clock_offset > released;
    } else if (!appends && assignee != a->user_id) {
        return reject(out, "order %lld is no longer assigned to you (it was "
                           "reassigned or unassigned); your notes and parts "
                           "are kept", (long long)op->wo);
    }

    const char *arg = NULL;
    if (!strcmp(k, "visit.end"))
        arg = op->outcome;
    else if (!strcmp(k, "sign.recipient"))
        arg = op->satisfied ? "satisfied" : "unsatisfied";
    const char *next = wo_lifecycle_next(status, k, arg, reason, sizeof reason);
    if (!next)
        return reject(out, "%s", reason);

    if (!strcmp(k, "visit.start")) {
        int64_t total, open;
        if ((rc = store_visit_counts(srv->store, op->wo, &total, &open)))
            return rc;
        if (open)
            return reject(out, "a visit is already open on order %lld: end "
                               "it first", (long long)op->wo);
        rc = store_visit_add(srv->store, op->id, op->wo, a->user, a->device_id,
                             op->at);
        if (!rc) /* the scheduled visit is happening: its window is used */
            rc = store_order_schedule(srv->store, op->wo, 0, 0);
    } else if (!strcmp(k, "visit.end")) {
        int64_t vorder, ended;
        char tech[WO_MAX_ID + 1];
        rc = store_visit_get(srv->store, op->ref, &vorder, tech, &ended);
        if (rc == WO_ENOTFOUND || (!rc && vorder != op->wo))
            return reject(out, "visit %s is not a visit of order %lld",
                          op->ref, (long long)op->wo);
        if (rc)
            return rc;
        if (ended)
            return reject(out, "visit %s has already ended", op->ref);
        if (strcmp(tech, a->user))
            return reject(out, "visit %s was started by %s", op->ref, tech);
        if (op->at < 0)
            return reject(out, "visit end time is invalid");
        rc = store_visit_end(srv->store, op->ref, op->at, op->outcome);
    } else if (!strcmp(k, "note.add")) {
        rc = store_note_add(srv->store, op, a->user, a->device_id, late);
    } else if (!strcmp(k, "part.add")) {
        rc = store_part_add(srv->store, op, a->user, a->device_id, late);
    } else if (!strcmp(k, "sign.technician")) {
        int64_t total, open;
        if ((rc = store_visit_counts(srv->store, op->wo, &total, &open)))
            return rc;
        if (!total || open)
            return reject(out, "order %lld needs at least one visit and no "
                               "open visit before the technician signs",
                          (long long)op->wo);
        rc = check_signature(srv, a, op, "technician", a->user, out);
        if (!rc && !out->fresh_reject)
            rc = store_sig_add(srv->store, op, "technician", a->user,
                               a->device_id);
    } else if (!strcmp(k, "sign.recipient")) {
        rc = check_signature(srv, a, op, "recipient", op->name, out);
        if (!rc && !out->fresh_reject)
            rc = store_sig_add(srv->store, op, "recipient", op->name,
                               a->device_id);
    }
    if (rc == WO_EEXIST)
        return reject(out, "a record with id %s already exists", op->id);
    if (rc || out->fresh_reject)
        return rc;
    if (strcmp(next, status) &&
        (rc = store_order_set_status(srv->store, op->wo, next)))
        return rc;
    /* work done offline counts when it was done: device time corrected by
     * the offset measured at this connection's handshake */
    if ((rc = desk_on_status(srv, op->wo, k, status, next,
                             op->at + a->clock_offset, now)))
        return rc;
    int64_t seq;
    char detail[WO_MAX_ID + 64];
    snprintf(detail, sizeof detail, "op %s%s%s", op->id,
             strcmp(next, status) ? " -> " : "",
             strcmp(next, status) ? next : "");
    rc = store_change(srv->store, op->wo, k, a->user, a->device_id, op->at,
                      detail, now, &seq);
    if (!rc)
        rc = store_op_record(srv->store, op, a->device_id, a->clock_offset,
                             "applied", NULL, now);
    if (!rc)
        out->changed_order = op->wo;
    return rc;
}

void ops_verify_order(struct srv *srv, struct wo_order *o)
{
    for (size_t i = 0; i < o->n_sigs; i++) {
        struct wo_sig *g = &o->sigs[i];
        uint8_t pub[32];
        char err[256];
        g->verified = false;
        if (store_device_pubkey(srv->store, g->device_id, pub))
            continue;
        /* the key travels with the signature so that a client can verify
         * it offline and put it in a report's evidence (docs/report.md) */
        free(g->pubkey);
        if ((g->pubkey = malloc(32))) {
            memcpy(g->pubkey, pub, 32);
            g->pubkey_len = 32;
        }
        if (g->sig_len != 64 ||
            wo_verify(pub, g->statement, strlen(g->statement), g->sig))
            continue;
        struct wo_stmt_meta m = {.role = g->role, .signer = g->signer,
                                 .device_id = g->device_id,
                                 .signed_at = g->signed_at,
                                 .satisfied = g->satisfied,
                                 .comment = g->comment};
        g->verified = wo_statement_check(g->statement, o, &m, err,
                                         sizeof err) == 0;
    }
}
