/*
 * ops.c - the rules of each op kind (see ops.h).
 *
 * ops_apply() makes the checks every op shares (seen before? well formed?
 * order exists? held by the sender? a move the lifecycle allows?), then
 * hands over to the kind's own function from a table indexed by
 * wo_opkind, and finally writes the status move, the SLA clock events,
 * the history line and the op's verdict.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk.h"
#include "feed.h"
#include "ops.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "verify.h"
#include "wo_crypto.h"
#include "wo_lifecycle.h"
#include "wo_opkind.h"

/* One op being applied. */
struct opctx {
    struct srv *srv;
    const struct session_auth *a;
    const struct wo_op *op;
    const struct wo_opkind *k;
    int64_t t;                  /* the op's time, corrected to the server's */
    int late;                   /* recorded while the order was away */
    int fact;                   /* a status op that moves nothing: work a
                                 * former holder did while they held it, or
                                 * the end of one's own visit after the
                                 * order moved on (docs/sync.md) */
    struct apply_out *out;
    const struct code_hashed *pre;  /* the code hashed ahead, or NULL */
};

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

static int apply_status_only(struct opctx *x) { return 0; }

static int apply_visit_start(struct opctx *x)
{
    struct store *st = x->srv->store;
    const struct wo_op *op = x->op;
    int64_t total, open;
    /* only one's own open visit blocks: a former holder's stays theirs */
    int rc = store_visit_counts_tech(st, op->wo, x->a->user, &total, &open);
    if (rc)
        return rc;
    if (open)
        return reject(x->out, "a visit of yours is already open on order "
                      "%lld: end it first", (long long)op->wo);
    rc = store_visit_add(st, op->id, op->wo, x->a->user, x->a->device_id,
                         op->at, x->fact, x->t);
    if (!rc && !x->fact) /* the scheduled visit is happening: its window */
        rc = store_order_schedule(st, op->wo, 0, 0);
    return rc;
}

static int apply_visit_end(struct opctx *x)
{
    const struct wo_op *op = x->op;
    int64_t vorder, ended;
    char tech[WO_MAX_ID + 1];
    int rc = store_visit_get(x->srv->store, op->ref, &vorder, tech, &ended);
    if (rc == WO_ENOTFOUND || (!rc && vorder != op->wo))
        return reject(x->out, "visit %s is not a visit of order %lld",
                      op->ref, (long long)op->wo);
    if (rc)
        return rc;
    if (ended)
        return reject(x->out, "visit %s has already ended", op->ref);
    if (strcmp(tech, x->a->user))
        return reject(x->out, "visit %s was started by %s", op->ref, tech);
    if (op->at < 0)
        return reject(x->out, "visit end time is invalid");
    return store_visit_end(x->srv->store, op->ref, op->at, op->outcome,
                           x->t);
}

static int apply_note(struct opctx *x)
{
    return store_note_add(x->srv->store, x->op, x->a->user, x->a->device_id,
                          x->late, x->t);
}

/* A resolution with no site visit: its note, and the order marked
 * remote; the move to completed and the SLA follow in ops_apply(). */
static int apply_resolve_remote(struct opctx *x)
{
    int rc = apply_note(x);
    return rc ? rc : store_order_set_remote(x->srv->store, x->op->wo);
}

/* A part or note its author declares wrong: the record stays, the void
 * names it with the reason (and is itself signed, as a record). */
static int apply_void(struct opctx *x)
{
    const struct wo_op *op = x->op;
    char author[WO_MAX_ID + 1];
    int voided;
    int rc = store_record_author(x->srv->store, op->wo, op->ref, author,
                                 &voided);
    if (rc == WO_ENOTFOUND)
        return reject(x->out, "order %lld has no part or note %s",
                      (long long)op->wo, op->ref);
    if (rc)
        return rc;
    if (strcmp(author, x->a->user))
        return reject(x->out, "%s was recorded by %s: only its author can "
                      "void it", op->ref, author);
    if (voided)
        return reject(x->out, "%s is void already", op->ref);
    return store_void_add(x->srv->store, op, x->a->user, x->a->device_id,
                          x->t);
}

static int apply_part(struct opctx *x)
{
    return store_part_add(x->srv->store, x->op, x->a->user, x->a->device_id,
                          x->late, x->t);
}

/*
 * The recipient's confirmation code, before anything else of a co-sign.
 * A wrong one is counted after the verdict is recorded (this function
 * writes nothing: see ops.h); at OPS_CODE_TRIES co-signing is locked.
 */
static int check_code(struct opctx *x)
{
    const struct wo_op *op = x->op;
    struct store_code kept;
    int failures, rc = store_code_get(x->srv->store, op->wo, &kept, &failures);
    if (rc)
        return rc;
    if (failures >= OPS_CODE_TRIES)
        return reject(x->out, "co-signing order %lld is locked after %d wrong "
                      "confirmation codes: ask the dispatcher for a new code "
                      "(wo code %lld)", (long long)op->wo, failures,
                      (long long)op->wo);
    /* hashed ahead with the salt the order still has: compared here, in
     * the transaction; else (a new code since, or no codes thread) the
     * rounds are made now */
    if (x->pre && !memcmp(x->pre->salt, kept.salt, sizeof kept.salt))
        rc = wo_equal(x->pre->hash, kept.hash, sizeof kept.hash);
    else if ((rc = verify_code_matches(&kept, op->code)) < 0)
        return rc;
    if (rc == 1)
        return 0;
    x->out->wrong_code = 1;
    return reject(x->out, "recipient confirmation code is wrong (attempt %d "
                  "of %d): ask the requester for the code given when order "
                  "%lld was opened", failures + 1, OPS_CODE_TRIES,
                  (long long)op->wo);
}

/* Both signatures: verified once, here; only a verified one is stored. */
static int apply_sign(struct opctx *x)
{
    const struct wo_op *op = x->op;
    int tech = x->k->id == WO_OP_SIGN_TECH;
    const char *signer = tech ? x->a->user : op->name;
    char why[sizeof x->out->reason];
    int rc;
    if (tech) {
        int64_t total, open, mine, mine_open;
        if ((rc = store_visit_counts(x->srv->store, op->wo, &total, &open)) ||
            (rc = store_visit_counts_tech(x->srv->store, op->wo, x->a->user,
                                          &mine, &mine_open)))
            return rc;
        /* a former holder's visit left open does not block the holder */
        if (!total || mine_open)
            return reject(x->out, "order %lld needs at least one visit and no "
                          "open visit of yours before you sign",
                          (long long)op->wo);
    } else if ((rc = check_code(x)) || x->out->fresh_reject) {
        return rc;
    }
    rc = verify_signing_op(x->srv->store, x->a, op, x->k->role, signer, why,
                           sizeof why);
    if (rc == WO_ECRYPTO)
        return reject(x->out, "%s", why);
    if (rc)
        return rc;
    return store_sig_add(x->srv->store, op, x->k->role, signer,
                         x->a->device_id);
}

static int (*const apply_kind[WO_OP__COUNT])(struct opctx *) = {
    [WO_OP_ACCEPT] = apply_status_only,
    [WO_OP_DEPART] = apply_status_only,
    [WO_OP_VISIT_START] = apply_visit_start,
    [WO_OP_VISIT_END] = apply_visit_end,
    [WO_OP_NOTE_ADD] = apply_note,
    [WO_OP_PART_ADD] = apply_part,
    [WO_OP_SIGN_TECH] = apply_sign,
    [WO_OP_SIGN_RECIPIENT] = apply_sign,
    [WO_OP_RESOLVE_REMOTE] = apply_resolve_remote,
    [WO_OP_RECORD_VOID] = apply_void,
};

/* op ends an open visit of the sender's own: a visit is its technician's
 * to end, whatever happened to the order since (docs/sync.md). */
static int own_open_visit(struct opctx *x)
{
    int64_t vorder, ended;
    char tech[WO_MAX_ID + 1];
    return x->k->id == WO_OP_VISIT_END &&
           !store_visit_get(x->srv->store, x->op->ref, &vorder, tech,
                            &ended) &&
           vorder == x->op->wo && !ended && !strcmp(tech, x->a->user);
}

/*
 * Who may send this op, judged by the holding period its corrected time
 * falls in (docs/sync.md, "Reassignment"):
 *   - the holder: yes; a note or part written while the order was away
 *     from them (it came back before they synced) is marked late;
 *   - a former holder: notes and parts are kept (late when written after
 *     the order left them); accept, depart and visit start/end done while
 *     they held it are kept as facts, marked late, that move no status,
 *     and so is the end of their own open visit whenever it came;
 *     signing is the holder's alone;
 *   - someone who never held it: no.
 * 0 to go on, or a rejection / error.
 */
static int check_holder(struct opctx *x, int64_t assignee)
{
    const struct wo_op *op = x->op;
    int at, ever;
    int64_t first;
    int rc = store_tech_held_at(x->srv->store, op->wo, x->a->user_id, x->t,
                                &at, &ever, &first);
    if (rc)
        return rc;
    if (assignee == x->a->user_id) {
        /* a time before the first holding is device clock skew, not an
         * absence: only a gap between periods makes a record late */
        x->late = x->k->appends && !at && x->t >= first;
        return 0;
    }
    if (!ever)
        return reject(x->out, "order %lld was never assigned to you",
                      (long long)op->wo);
    if (x->k->appends) {
        x->late = !at;
        return 0;
    }
    /* the end of one's own open visit is a fact whenever it came */
    if (x->k->record == WO_REC_SIG || (!at && !own_open_visit(x)))
        return reject(x->out, "order %lld is no longer assigned to you (it "
                      "was reassigned or unassigned)%s; your notes and parts "
                      "are kept", (long long)op->wo,
                      x->k->record == WO_REC_SIG ? ""
                                                 : ", and this was done after");
    x->fact = 1;
    x->late = 1;
    return 0;
}

/*
 * The op's time as the server judges it (docs/sync.md, "Device time"):
 * its anchor (a server time the device was given at a sync, MAC-checked)
 * plus the laptop's boot-clock time elapsed since, never after now. A
 * laptop that restarted since its sync has no elapsed time: then its wall
 * clock, corrected by the offset measured at this connection, kept
 * between the anchor and now. Sets x->t; returns the note for the
 * history ("" when anchored).
 */
static const char *op_time(struct opctx *x, int64_t now)
{
    const struct wo_op *op = x->op;
    int anchored = op->anchor > 0 &&
                   verify_anchor_ok(x->srv->anchor_key, x->a->device_id,
                                    op->anchor, op->anchor_mac,
                                    op->anchor_mac_len);
    if (anchored && op->elapsed >= 0) {
        x->t = op->anchor + op->elapsed;
        if (x->t > now)
            x->t = now;
        return "";
    }
    x->t = op->at + x->a->clock_offset;
    if (x->t > now)
        x->t = now;
    if (anchored && x->t < op->anchor)
        x->t = op->anchor;
    return anchored ? " (timed by the laptop's clock, kept between its last "
                      "sync and now: it restarted since)"
                    : " (timed by the laptop's clock: no anchor)";
}

/* Same op id again: answer as the first time, change nothing. 1 if seen. */
static int replay(struct srv *srv, const struct wo_op *op,
                  struct apply_out *out)
{
    char seen[16];
    char *old_reason = NULL;
    int rc = store_op_seen(srv->store, op->id, seen, &old_reason);
    if (rc != 1)
        return rc;
    out->result = strcmp(seen, "rejected") ? "duplicate" : "rejected";
    snprintf(out->reason, sizeof out->reason, "%s",
             old_reason ? old_reason : "");
    free(old_reason);
    return 1;
}

int ops_apply(struct srv *srv, const struct session_auth *a,
              const struct wo_op *op, const struct code_hashed *pre,
              int64_t now, struct apply_out *out)
{
    char status[WO_MAX_ID + 1], reason[256], detail[WO_MAX_ID + 320];
    struct opctx x = {.srv = srv, .a = a, .op = op, .out = out, .pre = pre};
    int64_t assignee, seq;
    int rc;

    memset(out, 0, sizeof *out);
    out->result = "applied";
    if ((rc = replay(srv, op, out)))
        return rc < 0 ? rc : 0;
    if (wo_opkind_check(op, reason, sizeof reason))
        return reject(out, "%s", reason);
    x.k = wo_opkind_find(op->kind);
    const char *clock = op_time(&x, now);
    rc = store_order_head(srv->store, op->wo, status, &assignee, NULL);
    if (rc == WO_ENOTFOUND)
        return reject(out, "work order %lld does not exist",
                      (long long)op->wo);
    if (rc || (rc = check_holder(&x, assignee)) || out->fresh_reject)
        return rc;
    const char *next = x.fact ? status
                              : wo_lifecycle_next(status, x.k->name,
                                                  wo_opkind_move_arg(x.k, op),
                                                  reason, sizeof reason);
    if (!next && own_open_visit(&x)) {
        x.fact = 1;
        next = status;
    }
    if (!next)
        return reject(out, "%s", reason);
    /* no new record on a closed or cancelled order, late facts included:
     * it would stand outside both signatures (ending a visit already
     * there is not a new record) */
    if (x.fact && x.k->id == WO_OP_VISIT_START &&
        wo_lifecycle_is_terminal(status))
        return reject(out, "order is %s, where %s is not allowed (no new "
                      "record on a closed or cancelled order)", status,
                      x.k->name);
    rc = apply_kind[x.k->id](&x);
    if (rc == WO_EEXIST)
        return reject(out, "a record with id %s already exists", op->id);
    if (rc || out->fresh_reject)
        return rc;
    int moves = strcmp(next, status) != 0;
    if (moves && (rc = store_order_set_status(srv->store, op->wo, next)))
        return rc;
    /* work done offline counts when it was done: device time corrected by
     * the offset measured at this connection's handshake */
    if ((rc = desk_on_status(srv, op->wo, x.k->name, status, next, x.t, now)))
        return rc;
    if (x.fact && x.k->id == WO_OP_ACCEPT &&
        (rc = desk_late_response(srv, op->wo, now)))
        return rc;
    snprintf(detail, sizeof detail, "op %s%s%s%s%s", op->id,
             moves ? " -> " : "", moves ? next : "",
             x.fact ? " (late: done while the order was theirs; moves "
                      "nothing)" : "", clock);
    /* the order is stamped with its last change once, at the end of the
     * group commit (commit.c), not once per op */
    rc = store_change_add(srv->store, op->wo, x.k->name, a->user,
                          a->device_id, op->at, detail, now, &seq);
    if (!rc)
        rc = store_op_record(srv->store, op, a->device_id, a->clock_offset,
                             "applied", NULL, now);
    if (!rc)
        rc = feed_op(srv, op, a->user, a->device_id, now);
    if (!rc) {
        out->changed_order = op->wo;
        out->changed_seq = seq;
    }
    return rc;
}
