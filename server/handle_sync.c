/*
 * handle_sync.c - cursor catch-up and live push.
 *
 * Catch-up: every order in the technician's scope whose last change is
 * after the client's cursor, oldest change first, in frames of at most
 * BATCH orders; each frame's cursor is the seq of its last order, so a
 * client that applies a frame and loses the connection resumes after it
 * with no gap. The final frame carries the revocations (ids the client
 * holds that are no longer in its scope) and the global cursor. From then
 * on the session is live and receives pushes in commit order.
 *
 * The loop is single-threaded and catch-up runs to completion inside one
 * callback, so no change can slip between the catch-up and the first push.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commit.h"
#include "desk.h"
#include "handlers.h"
#include "wo_lifecycle.h"
#include "push.h"
#include "server.h"
#include "session.h"
#include "sessreg.h"
#include "store.h"

#define BATCH 50

struct catchup {
    struct srv *srv;
    struct session *s;
    struct wo_order orders[BATCH];
    size_t n;
};

static void batch_send(struct catchup *c, int64_t cursor, int64_t *revoked,
                       size_t n_revoked, int final)
{
    struct wo_changes ch = {.orders = c->orders, .n_orders = c->n,
                            .revoked = revoked, .n_revoked = n_revoked,
                            .cursor = cursor, .final = final};
    session_send(c->s, WO_F_CHANGES, &ch);
    for (size_t i = 0; i < c->n; i++)
        wo_order_cleanup(&c->orders[i]);
    c->n = 0;
}

static int catchup_one(struct catchup *c, int64_t id)
{
    struct wo_order *o = &c->orders[c->n];
    int rc = store_order_load(c->srv->store, id, 0, o, NULL);
    if (rc)
        return rc;
    ops_verify_order(c->srv, o);
    if (++c->n == BATCH)
        batch_send(c, o->seq, NULL, 0, 0);
    return 0;
}

int handle_sync(struct srv *srv, struct session *s, void *body,
                struct reply *r)
{
    struct wo_sync *sy = body;
    const struct session_auth *a = session_auth(s);
    struct catchup c = {.srv = srv, .s = s};
    int64_t end;
    int64_t *revoked = NULL, *changed = NULL;
    size_t n_revoked = 0, n_changed = 0;

    if (strcmp(a->role, "technician")) /* dispatchers: alerts */
        return desk_catch_up(srv, s, sy->cursor < 0 ? 0 : sy->cursor);
    int rc = store_max_seq(srv->store, &end);
    if (rc)
        return rc;
    if (sy->cursor < 0 || sy->cursor > end) {
        /* a cursor from another server or a restored backup: start over */
        sy->cursor = 0;
    }
    if ((rc = store_scope_changed(srv->store, a->user_id, sy->cursor,
                                  &changed, &n_changed)))
        goto out;
    for (size_t i = 0; !rc && i < n_changed; i++)
        rc = catchup_one(&c, changed[i]);
    if (rc)
        goto out;
    if (sy->n_have) {
        revoked = calloc(sy->n_have, sizeof *revoked);
        if (!revoked) {
            rc = WO_ENOMEM;
            goto out;
        }
    }
    if (sy->n_have &&
        (rc = store_scope_revoked(srv->store, a->user_id, sy->have,
                                  sy->n_have, revoked, &n_revoked)))
        goto out;
    batch_send(&c, end, revoked, n_revoked, 1);
    session_set_live(s);
out:
    for (size_t i = 0; i < c.n; i++)
        wo_order_cleanup(&c.orders[i]);
    free(revoked);
    free(changed);
    if (rc)
        snprintf(r->reason, sizeof r->reason, "catch-up failed: %s; "
                 "reconnect to retry", wo_strerror(rc));
    return rc;
}

struct pushctx {
    struct wo_changes ch;
};

static void send_live(struct session *s, void *arg)
{
    struct pushctx *p = arg;
    if (session_is_live(s))
        session_send(s, WO_F_CHANGES, &p->ch);
}

static void count_live(struct session *s, void *arg)
{
    *(int *)arg += session_is_live(s);
}

static int any_live(int64_t user)
{
    int n = 0;
    if (user)
        sessreg_foreach_user(user, count_live, &n);
    return n;
}

void push_order(struct srv *srv, int64_t id, int64_t prev)
{
    struct wo_order o;
    char status[WO_MAX_ID + 1];
    int64_t assignee = 0, rid = id;
    /* nobody connected and caught up: nothing to send (they get it on
     * their next catch-up), so do not load the order at all */
    if (store_order_head(srv->store, id, status, &assignee, NULL) ||
        (!any_live(assignee) && !(prev != assignee && any_live(prev))))
        return;
    if (store_order_load(srv->store, id, 0, &o, &assignee))
        return;
    ops_verify_order(srv, &o);
    struct pushctx p = {.ch = {.cursor = o.seq, .final = 1}};
    if (assignee) {
        if (wo_lifecycle_is_terminal(o.status)) {
            p.ch.revoked = &rid;
            p.ch.n_revoked = 1;
        } else {
            p.ch.orders = &o;
            p.ch.n_orders = 1;
        }
        sessreg_foreach_user(assignee, send_live, &p);
    }
    if (prev && prev != assignee) {
        struct pushctx rv = {.ch = {.cursor = o.seq, .final = 1,
                                    .revoked = &rid, .n_revoked = 1}};
        sessreg_foreach_user(prev, send_live, &rv);
    }
    wo_order_cleanup(&o);
}

static void close_revoked(struct session *s, void *arg)
{
    session_error(s, WO_EAUTH, 0, "this device has been revoked");
    session_close(s, 1008, "device revoked");
}

void push_disconnect_device(int64_t device)
{
    sessreg_foreach_device(device, close_revoked, NULL);
}
