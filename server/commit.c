/*
 * commit.c - the group-commit queue. See commit.h for the contract.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "commit.h"
#include "push.h"
#include "server.h"
#include "session.h"
#include "sessreg.h"
#include "store.h"
#include "ws.h"

struct entry {
    struct entry *next;
    uint64_t sid;
    struct session_auth auth;
    struct wo_ops *ops;
    struct apply_out *out;      /* one per op, filled during the flush */
};

struct commit {
    struct entry *head, *tail;
    size_t n_ops;
};

struct commit *commit_create(void) { return calloc(1, sizeof(struct commit)); }

static void entry_free(struct entry *e)
{
    wo_frame_free(WO_F_OPS, e->ops);
    free(e->out);
    free(e);
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
    if (c->tail)
        c->tail->next = e;
    else
        c->head = e;
    c->tail = e;
    c->n_ops += ops->n_ops;
    ws_request_flush(srv);
    return 0;
}

static int apply_all(struct srv *srv, struct entry *list, int64_t now)
{
    for (struct entry *e = list; e; e = e->next)
        for (size_t i = 0; i < e->ops->n_ops; i++) {
            const struct wo_op *op = &e->ops->ops[i];
            struct apply_out *o = &e->out[i];
            int rc = store_savepoint(srv->store);
            if (!rc)
                rc = ops_apply(srv, &e->auth, op, now, o);
            if (rc)
                return rc;
            if (o->fresh_reject) {
                /* undo whatever the op half-did, keep the verdict so a
                 * replay gets the same answer */
                store_rollback_to(srv->store);
                o->changed_order = 0;
                rc = store_op_record(srv->store, op, e->auth.device_id,
                                     "rejected", o->reason, now);
                if (rc)
                    return rc;
            } else {
                store_release(srv->store);
            }
        }
    return 0;
}

static void fail_all(struct entry *list, int rc)
{
    for (struct entry *e = list; e; e = e->next) {
        struct session *s = sessreg_find(e->sid);
        if (s)
            session_error(s, rc, 0, "the server could not store your ops "
                          "(%s); they stay in your outbox and will be sent "
                          "again", wo_strerror(rc));
    }
}

static void ack_all(struct entry *list)
{
    for (struct entry *e = list; e; e = e->next) {
        struct session *s = sessreg_find(e->sid);
        if (!s)
            continue; /* gone: the client re-pushes and gets "duplicate" */
        struct wo_acks acks = {.n_acks = e->ops->n_ops};
        acks.acks = calloc(acks.n_acks ? acks.n_acks : 1, sizeof *acks.acks);
        if (!acks.acks)
            continue;
        for (size_t i = 0; i < acks.n_acks; i++) {
            acks.acks[i].id = e->ops->ops[i].id;
            acks.acks[i].result = (char *)e->out[i].result;
            acks.acks[i].reason = e->out[i].reason[0] ? e->out[i].reason
                                                      : NULL;
        }
        session_send(s, WO_F_ACKS, &acks);
        free(acks.acks);
    }
}

static void push_changed(struct srv *srv, struct entry *list)
{
    /* each order once, after all acks: the order of frames on one
     * connection is ack first, then the new state */
    int64_t *seen = NULL;
    size_t n = 0, cap = 0;
    for (struct entry *e = list; e; e = e->next)
        for (size_t i = 0; i < e->ops->n_ops; i++) {
            int64_t id = e->out[i].changed_order;
            size_t j;
            if (!id)
                continue;
            for (j = 0; j < n && seen[j] != id; j++)
                ;
            if (j < n)
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 16;
                int64_t *ns = realloc(seen, cap * sizeof *ns);
                if (!ns)
                    break;
                seen = ns;
            }
            seen[n++] = id;
            push_order(srv, id, 0);
        }
    free(seen);
}

void commit_flush(struct srv *srv)
{
    struct commit *c = srv->commit;
    struct entry *list = c->head;
    if (!list)
        return;
    c->head = c->tail = NULL;
    c->n_ops = 0;

    int rc = store_begin(srv->store);
    if (!rc && (rc = apply_all(srv, list, clock_now_ms())))
        store_rollback(srv->store);
    else if (!rc && (rc = store_commit(srv->store)))
        store_rollback(srv->store);
    if (rc) {
        fprintf(stderr, "wo-server: group commit failed: %s (%s)\n",
                wo_strerror(rc), store_errmsg(srv->store));
        fail_all(list, rc);
    } else {
        ack_all(list);
        push_changed(srv, list);
    }
    while (list) {
        struct entry *n = list->next;
        entry_free(list);
        list = n;
    }
}
