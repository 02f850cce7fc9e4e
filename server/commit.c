/*
 * commit.c - the group-commit queue. See commit.h for the contract.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "codepool.h"
#include "commit.h"
#include "feed.h"
#include "ops.h"
#include "push.h"
#include "server.h"
#include "session.h"
#include "sessreg.h"
#include "store.h"
#include "wo_clock.h"
#include "wo_opkind.h"

/* A co-sign's code on the codes thread, or back from it. */
struct precheck {
    uint64_t id;                /* its codecheck; 0: none under way */
    int ready;                  /* h holds the code hashed */
    struct code_hashed h;
};

struct entry {
    struct entry *next;
    uint64_t sid;
    struct session_auth auth;
    struct wo_ops *ops;
    struct apply_out *out;      /* one per op, filled during the flush */
    struct precheck *pre;       /* one per op; NULL when none co-signs */
    int waiting;                /* its checks not back yet: held */
};

struct commit {
    struct entry *head, *tail;
    size_t n_ops;
    uint64_t checks;            /* the last codecheck id given */
    int lazy;                   /* lazy commits not yet known durable */
    void (*wake)(void *arg);
    void *arg;
};

struct commit *commit_create(void (*wake)(void *arg), void *arg)
{
    struct commit *c = calloc(1, sizeof *c);
    if (c) {
        c->wake = wake;
        c->arg = arg;
    }
    return c;
}

static void entry_free(struct entry *e)
{
    if (e->pre)
        OPENSSL_cleanse(e->pre, e->ops->n_ops * sizeof *e->pre);
    wo_frame_free(WO_F_OPS, e->ops);
    free(e->out);
    free(e->pre);
    free(e);
}

/* Co-signs of op's order hashed ahead in q's first n ops and not yet
 * applied; *dup is set when one of them is op itself (its id again). */
static size_t hashed_ahead(const struct entry *q, size_t n,
                           const struct wo_op *op, int *dup)
{
    size_t k = 0;
    for (size_t j = 0; q->pre && j < n; j++) {
        const struct wo_op *o = &q->ops->ops[j];
        if (!(q->pre[j].id || q->pre[j].ready) || o->wo != op->wo)
            continue;
        k++;
        *dup |= !strcmp(o->id, op->id);
    }
    return k;
}

/*
 * Would ops.c hash op's code? A well-formed, fresh co-sign of an order
 * its sender holds, completed, with fewer wrong codes counted plus
 * co-signs of it hashed ahead and not yet applied than lock it. Only
 * those go to the codes thread, so a sender makes it hash no more than
 * the loop would (the loop locks an order after OPS_CODE_TRIES wrong
 * codes); the rest (malformed, a replay, someone else's order, tries
 * beyond the lock) is left to the group commit, where ops.c refuses it
 * before hashing or the count of wrong codes has locked the order.
 */
static int worth_hashing(struct srv *srv, const struct entry *e, size_t i,
                         struct store_code *kept)
{
    const struct wo_op *op = &e->ops->ops[i];
    const struct wo_opkind *k = wo_opkind_get(WO_OP_SIGN_RECIPIENT);
    char status[WO_MAX_ID + 1], seen[16], why[256];
    char *old = NULL;
    int64_t holder;
    int failures, dup = 0;
    if (op->invalid || !op->code || strcmp(op->kind, k->name) ||
        wo_opkind_check(op, why, sizeof why))
        return 0;
    size_t ahead = hashed_ahead(e, i, op, &dup);
    for (const struct entry *q = srv->commit->head; q; q = q->next)
        ahead += hashed_ahead(q, q->ops->n_ops, op, &dup);
    if (dup || ahead >= OPS_CODE_TRIES)
        return 0;
    int seen_rc = store_op_seen(srv->store, op->id, seen, &old);
    free(old);
    return seen_rc == 0 &&
           !store_order_head(srv->store, op->wo, status, &holder, NULL) &&
           holder == e->auth.user_id && !strcmp(status, "completed") &&
           !store_code_get(srv->store, op->wo, kept, &failures) &&
           (size_t)failures + ahead < OPS_CODE_TRIES;
}

/*
 * The co-signs of e go to the codes thread: the code each carries with
 * the salt its order has now. e is held until they are back
 * (commit_checked). Out of memory: hashed in the group commit, as
 * without the thread.
 */
static void start_checks(struct srv *srv, struct commit *c, struct entry *e)
{
    for (size_t i = 0; i < e->ops->n_ops; i++) {
        const struct wo_op *op = &e->ops->ops[i];
        struct store_code kept;
        struct codecheck *chk;
        if (!worth_hashing(srv, e, i, &kept))
            continue;
        if (!e->pre && !(e->pre = calloc(e->ops->n_ops, sizeof *e->pre)))
            return;
        if (!(chk = codecheck_new(++c->checks, op->code, kept.salt)))
            return;
        e->pre[i].id = chk->id;
        e->waiting++;
        codepool_check(srv->codes, chk);
    }
}

void commit_destroy(struct commit *c)
{
    if (!c)
        return;
    while (c->head) {
        struct entry *n = c->head->next;
        entry_free(c->head);
        c->head = n;
    }
    free(c);
}

int commit_enqueue(struct srv *srv, uint64_t sid, const struct session_auth *a,
                   struct wo_ops *ops)
{
    struct commit *c = srv->commit;
    struct entry *e = calloc(1, sizeof *e);
    if (!e)
        return WO_ENOMEM;
    e->out = calloc(ops->n_ops ? ops->n_ops : 1, sizeof *e->out);
    if (!e->out) {
        free(e);
        return WO_ENOMEM;
    }
    e->sid = sid;
    e->auth = *a;
    e->ops = ops;
    if (srv->codes)
        start_checks(srv, c, e);
    if (c->tail)
        c->tail->next = e;
    else
        c->head = e;
    c->tail = e;
    c->n_ops += ops->n_ops;
    c->wake(c->arg);
    return 0;
}

/*
 * One more wrong recipient code on order: at the limit co-signing locks
 * (ops.c refuses until `wo code`), the office gets an alert and the
 * history says why. Each attempt is in the history already, as the
 * rejection of its op.
 */
static int count_wrong_code(struct srv *srv, int64_t order, int64_t now)
{
    char detail[96];
    int64_t seq;
    int n, rc = store_code_failed(srv->store, order, &n);
    if (rc || n != OPS_CODE_TRIES)
        return rc;
    snprintf(detail, sizeof detail, "co-signing locked after %d wrong "
             "confirmation codes; a dispatcher issues a new one", n);
    rc = store_alert_add(srv->store, order, "code.locked", now);
    if (!rc)
        rc = store_change(srv->store, order, "code.locked", "system", 0, 0,
                          detail, now, &seq);
    return rc;
}

/*
 * A fresh rejection keeps the verdict, so that a replay gets the same
 * answer. It is also a change of the order (its history shows it, and the
 * order is pushed again) so that a replica that showed the op's local
 * effect gets the server's state back.
 */
static int record_rejection(struct srv *srv, const struct entry *e,
                            const struct wo_op *op, struct apply_out *o,
                            int64_t now)
{
    char status[WO_MAX_ID + 1], detail[WO_MAX_ID + 700];
    int64_t assignee, seq;
    o->changed_order = 0;
    int rc = store_op_record(srv->store, op, e->auth.device_id,
                             e->auth.clock_offset, "rejected", o->reason, now);
    if (!rc && o->wrong_code)
        rc = count_wrong_code(srv, op->wo, now);
    if (rc)
        return rc;
    rc = store_order_head(srv->store, op->wo, status, &assignee, NULL);
    if (rc == WO_ENOTFOUND)
        return 0;
    snprintf(detail, sizeof detail, "op %s %s rejected: %s", op->id,
             op->kind, o->reason);
    if (!rc)
        rc = store_change(srv->store, op->wo, "op.rejected", e->auth.user,
                          e->auth.device_id, op->at, detail, now, &seq);
    if (!rc) {
        snprintf(detail, sizeof detail, "%s: %s", op->kind, o->reason);
        rc = feed_event(srv, "op.rejected", op->wo, e->auth.user,
                        e->auth.device_id, NULL, detail, now);
    }
    if (!rc) {
        o->changed_order = op->wo;
        o->changed_seq = seq;
    }
    return rc;
}

/*
 * ops_apply() checks everything before its first write, so a rejected op
 * has written nothing and needs no savepoint (a savepoint per op copied
 * every page it touched into the statement journal: a third of the ingest
 * cost). Should a rejection ever follow a write, that is a bug: the whole
 * group commit is abandoned, nothing is acked, and the clients resend.
 */
static int apply_all(struct srv *srv, struct entry *list, int64_t now)
{
    for (struct entry *e = list; e; e = e->next)
        for (size_t i = 0; i < e->ops->n_ops; i++) {
            const struct wo_op *op = &e->ops->ops[i];
            struct apply_out *o = &e->out[i];
            if (op->invalid) {
                /* failed its field checks (the codec kept only its id):
                 * refused alone; nothing of it can be recorded, and the
                 * same bytes sent again get the same answer */
                o->result = "rejected";
                snprintf(o->reason, sizeof o->reason, "malformed op: %s; it "
                         "cannot be applied as it is", op->invalid);
                wo_utf8_clean(o->reason);
                continue;
            }
            int64_t before = store_total_changes(srv->store);
            const struct code_hashed *pre =
                e->pre && e->pre[i].ready ? &e->pre[i].h : NULL;
            int rc = ops_apply(srv, &e->auth, op, pre, now, o);
            if (rc)
                return rc;
            /* a reason quoting the op's text may have been cut inside a
             * character; it goes to the peer and into the history */
            wo_utf8_clean(o->reason);
            if (!o->fresh_reject)
                continue;
            if (store_total_changes(srv->store) != before) {
                fprintf(stderr, "wo-server: bug: op %s (%s) was rejected "
                        "after it wrote; abandoning the group commit\n",
                        op->id, op->kind);
                return WO_EIO;
            }
            if ((rc = record_rejection(srv, e, op, o, now)))
                return rc;
        }
    return 0;
}

/* Is there an entry of session sid in the list? */
static int held_sid(const struct entry *list, uint64_t sid)
{
    for (; list; list = list->next)
        if (list->sid == sid)
            return 1;
    return 0;
}

/* No ack: each sender is told, and its connection closed after that (a
 * failed send has closed it already). Its next ops frame may be on its
 * way (a client keeps two): applied without these, ops that build on them
 * would be rejected for good; on a new connection it sends them again in
 * order. */
static void fail_all(struct srv *srv, struct entry *list, int rc)
{
    for (struct entry *e = list; e; e = e->next) {
        struct session *s = sessreg_find(srv->sessions, e->sid);
        if (s && !session_error(s, rc, 0, "the server could not store your "
                                "ops (%s); they stay in your outbox and will "
                                "be sent again", wo_strerror(rc)))
            session_close(s, WO_CLOSE_INTERNAL, "ops not stored");
    }
}

/* The failed sessions' frames still queued (held behind a code check)
 * go too, unapplied: fail_all closed those sessions, and each client
 * sends its outbox again, in order, on its next connection. Applied
 * later without the failed ones, ops that build on them would be
 * rejected for good. */
static void drop_held(struct commit *c, const struct entry *failed)
{
    struct entry *keep = NULL, *last = NULL, *e = c->head, *next;
    for (; e; e = next) {
        next = e->next;
        e->next = NULL;
        if (held_sid(failed, e->sid)) {
            c->n_ops -= e->ops->n_ops;
            entry_free(e);
            continue;
        }
        if (last)
            last->next = e;
        else
            keep = e;
        last = e;
    }
    c->head = keep;
    c->tail = last;
}

static void ack_all(struct srv *srv, struct entry *list)
{
    for (struct entry *e = list; e; e = e->next) {
        struct session *s = sessreg_find(srv->sessions, e->sid);
        if (!s)
            continue; /* gone: the client re-pushes and gets "duplicate" */
        struct wo_acks acks = {.n_acks = e->ops->n_ops};
        acks.acks = calloc(acks.n_acks ? acks.n_acks : 1, sizeof *acks.acks);
        if (!acks.acks) {
            /* no ack: the client must not wait for one; it resends and
             * is answered "duplicate" */
            session_close(s, WO_CLOSE_INTERNAL, "server out of memory");
            continue;
        }
        for (size_t i = 0; i < acks.n_acks; i++) {
            acks.acks[i].id = e->ops->ops[i].id;
            acks.acks[i].result = (char *)e->out[i].result;
            acks.acks[i].reason = e->out[i].reason[0] ? e->out[i].reason
                                                      : NULL;
        }
        /* a failed send has closed the session: replay answers later */
        if (session_send(s, WO_F_ACKS, &acks))
            fprintf(stderr, "wo-server: acks to session %llu lost; it "
                    "resends\n", (unsigned long long)e->sid);
        free(acks.acks);
    }
}

/* An order changed by the batch, where its last change came, and the
 * change's seq. */
struct touched {
    int64_t id;
    size_t last;
    int64_t seq;
};

/* An op of the batch that changed an order: its place in the batch and
 * the session that sent it. */
struct mine {
    int64_t order;
    size_t pos;
    uint64_t sid;
    const struct wo_op *op;
    int rejected;
};

static int cmp_mine_order(const void *a, const void *b)
{
    const struct mine *x = a, *y = b;
    if (x->order != y->order)
        return (x->order > y->order) - (x->order < y->order);
    return (x->pos > y->pos) - (x->pos < y->pos);
}

static int cmp_mine_sid(const void *a, const void *b)
{
    const struct mine *x = a, *y = b;
    if (x->sid != y->sid)
        return (x->sid > y->sid) - (x->sid < y->sid);
    return (x->pos > y->pos) - (x->pos < y->pos);
}

static int cmp_touched_last(const void *a, const void *b)
{
    const struct touched *x = a, *y = b;
    return (x->last > y->last) - (x->last < y->last);
}

/* Push the order m[0..n) changed (m: its ops). When one session sent them
 * all, it gets back its own records as a partial order (push.c); rec has
 * room for two per op. */
static void push_group(struct srv *srv, struct mine *m, size_t n,
                       const char **rec)
{
    struct push_own *own = calloc(n, sizeof *own);
    size_t n_own = 0, r = 0;
    if (!own) {
        push_order(srv, m[0].order, 0); /* the whole order, to all */
        return;
    }
    qsort(m, n, sizeof *m, cmp_mine_sid);
    for (size_t i = 0; i < n; i++) {
        if (!n_own || own[n_own - 1].sid != m[i].sid) {
            own[n_own].sid = m[i].sid;
            own[n_own].rec = rec + r;
            n_own++;
        }
        struct push_own *o = &own[n_own - 1];
        o->rejected |= m[i].rejected;
        rec[r++] = m[i].op->id;
        o->n_rec++;
        if (m[i].op->ref) {
            rec[r++] = m[i].op->ref;
            o->n_rec++;
        }
    }
    /* ops of two sessions on it: each lacks the other's records, so all
     * get the whole order (a partial order carries only its own) */
    if (n_own == 1)
        push_order_own(srv, m[0].order, own, n_own);
    else
        push_order(srv, m[0].order, 0);
    free(own);
}

/*
 * Each changed order once, after all acks (on one connection: ack first,
 * then the new state), in the order of the orders' last changes, which is
 * the order of their change numbers: a client keeps the highest cursor it
 * was sent, so a push must never come after one with a higher cursor. A
 * session that sent ops on an order gets back only what they made
 * (push_order_own), not the whole order again.
 */
static void push_changed(struct srv *srv, struct entry *list, size_t n_ops)
{
    struct mine *m = malloc((n_ops ? n_ops : 1) * sizeof *m);
    struct touched *t = malloc((n_ops ? n_ops : 1) * sizeof *t);
    const char **rec = malloc((n_ops ? 2 * n_ops : 1) * sizeof *rec);
    size_t n = 0, k = 0, pos = 0;
    if (!m || !t || !rec) {
        /* no memory to group them: each change in turn, whole */
        for (struct entry *e = list; e; e = e->next)
            for (size_t i = 0; i < e->ops->n_ops; i++)
                if (e->out[i].changed_order)
                    push_order(srv, e->out[i].changed_order, 0);
        goto out;
    }
    for (struct entry *e = list; e; e = e->next)
        for (size_t i = 0; i < e->ops->n_ops; i++, pos++)
            if (e->out[i].changed_order)
                m[n++] = (struct mine){
                    .order = e->out[i].changed_order, .pos = pos,
                    .sid = e->sid, .op = &e->ops->ops[i],
                    .rejected = !strcmp(e->out[i].result, "rejected")};
    /* group by order; each group's last change orders the pushes */
    qsort(m, n, sizeof *m, cmp_mine_order);
    for (size_t i = 0; i < n; i++)
        if (i + 1 == n || m[i + 1].order != m[i].order) {
            t[k].id = (int64_t)i; /* where the group ends in m */
            t[k].last = m[i].pos;
            k++;
        }
    qsort(t, k, sizeof *t, cmp_touched_last);
    for (size_t g = 0; g < k; g++) {
        size_t end = (size_t)t[g].id + 1, start = end;
        while (start > 0 && m[start - 1].order == m[end - 1].order)
            start--;
        push_group(srv, m + start, end - start, rec + 2 * start);
    }
out:
    free(m);
    free(t);
    free(rec);
}

static int cmp_touched_seq(const void *a, const void *b)
{
    const struct touched *x = a, *y = b;
    if (x->id != y->id)
        return (x->id > y->id) - (x->id < y->id);
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Stamp each order the batch changed with its last change, once: the
 * same end state as a stamp per op, for one UPDATE (and one index
 * update) per order instead of per op. */
static int touch_changed(struct srv *srv, struct entry *list, size_t n_ops,
                         int64_t now)
{
    struct touched *t = malloc((n_ops ? n_ops : 1) * sizeof *t);
    size_t n = 0;
    int rc = 0;
    if (!t)
        return WO_ENOMEM;
    for (struct entry *e = list; e; e = e->next)
        for (size_t i = 0; i < e->ops->n_ops; i++)
            if (e->out[i].changed_order) {
                t[n].id = e->out[i].changed_order;
                t[n].seq = e->out[i].changed_seq;
                n++;
            }
    qsort(t, n, sizeof *t, cmp_touched_seq);
    for (size_t i = 0; !rc && i < n; i++)
        if (i + 1 == n || t[i + 1].id != t[i].id)
            rc = store_order_touch(srv->store, t[i].id, t[i].seq, now);
    free(t);
    return rc;
}

void commit_lazy(struct srv *srv) { srv->commit->lazy = 1; }

void commit_settle(struct srv *srv)
{
    struct commit *c = srv->commit;
    int all = 0;
    if (!c->lazy)
        return;
    /* a reader that kept part of the log from being copied (and synced)
     * leaves it for the next call */
    if (!store_settle(srv->store, &all) && all)
        c->lazy = 0;
}

void commit_checked(struct srv *srv)
{
    struct commit *c = srv->commit;
    struct codecheck *k = srv->codes ? codepool_checked(srv->codes) : NULL;
    int freed = 0;
    while (k) {
        struct codecheck *next = k->next;
        /* an entry drained meanwhile (a stop) is not found: dropped */
        for (struct entry *e = c->head; e && k->id; e = e->next)
            for (size_t i = 0; e->pre && i < e->ops->n_ops; i++) {
                struct precheck *p = &e->pre[i];
                if (p->id != k->id)
                    continue;
                if (!k->rc) {   /* else hashed again in the commit */
                    memcpy(p->h.salt, k->salt, sizeof p->h.salt);
                    memcpy(p->h.hash, k->hash, sizeof p->h.hash);
                    p->ready = 1;
                }
                p->id = k->id = 0;
                freed |= --e->waiting == 0;
                break;
            }
        codecheck_free(k);
        k = next;
    }
    if (freed)
        c->wake(c->arg);
}

/*
 * Take from the queue the entries a group commit may apply now: all but
 * those waiting for a code check, and the ones after them from the same
 * session (its ops apply in the order sent; other sessions' need not
 * wait). `all` takes every entry (a stop: the codes are hashed in the
 * commit). *n_ops gets the ops taken.
 */
static struct entry *take(struct commit *c, int all, size_t *n_ops)
{
    struct entry *ready = NULL, **rt = &ready, *held = NULL, *last = NULL;
    struct entry *e = c->head, *next;
    *n_ops = 0;
    for (; e; e = next) {
        next = e->next;
        e->next = NULL;
        if (!all && (e->waiting || held_sid(held, e->sid))) {
            if (last)
                last->next = e;
            else
                held = e;
            last = e;
        } else {
            *rt = e;
            rt = &e->next;
            *n_ops += e->ops->n_ops;
        }
    }
    c->head = held;
    c->tail = last;
    c->n_ops -= *n_ops;
    return ready;
}

static void flush(struct srv *srv, int all)
{
    struct commit *c = srv->commit;
    size_t n_ops;
    struct entry *list = take(c, all, &n_ops);
    if (!list)
        return;

    char cause[256];
    int64_t now = wo_clock_now_ms();
    int64_t written = store_total_changes(srv->store);
    int rc = store_begin(srv->store);
    if (!rc && !(rc = apply_all(srv, list, now)) &&
        !(rc = touch_changed(srv, list, n_ops, now)))
        rc = store_commit(srv->store);
    if (rc) {
        /* SQLite's message names the cause ("database or disk is full")
         * until the rollback replaces it with its own */
        snprintf(cause, sizeof cause, "%s", store_errmsg(srv->store));
        store_rollback(srv->store);
        fprintf(stderr, "wo-server: group commit failed: %s (%s)\n",
                wo_strerror(rc), cause);
        fail_all(srv, list, rc);
        drop_held(c, list);
    } else {
        /* a commit that wrote synced the log, the lazy commits' frames
         * with it (one of replays alone writes nothing, and syncs
         * nothing) */
        if (store_total_changes(srv->store) != written)
            c->lazy = 0;
        ack_all(srv, list);
        push_changed(srv, list, n_ops);
        feed_push(srv);
    }
    while (list) {
        struct entry *n = list->next;
        entry_free(list);
        list = n;
    }
}

void commit_flush(struct srv *srv) { flush(srv, 0); }

void commit_drain(struct srv *srv) { flush(srv, 1); }
