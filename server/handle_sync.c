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
#define PAST_LIMIT 200  /* past resolutions sent in one catch-up */
#define PAST_BATCH 25   /* past resolutions in one frame */
#define PAST_PER_ASSET 50

struct catchup {
    struct srv *srv;
    struct session *s;
    struct wo_order orders[BATCH];
    size_t n;
    int64_t sent;       /* cursor of the last frame sent */
};

/* Load past resolutions ids[0..n) into ch (free with past_free). */
static int past_load(struct srv *srv, const int64_t *ids, size_t n,
                     struct wo_changes *ch)
{
    ch->n_past = 0;
    if (!(ch->past = calloc(n ? n : 1, sizeof *ch->past)))
        return WO_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int rc = store_order_load(srv->store, ids[i], STORE_LOAD_PAST,
                                  &ch->past[i], NULL);
        if (rc)
            return rc;
        ch->n_past++;
    }
    return 0;
}

static void past_free(struct wo_changes *ch)
{
    for (size_t i = 0; i < ch->n_past; i++)
        wo_order_cleanup(&ch->past[i]);
    free(ch->past);
    ch->past = NULL;
    ch->n_past = 0;
}

/*
 * The past resolutions the replica lacks (closed orders of the assets on
 * the technician's orders), in frames of their own before the final one;
 * they keep the cursor where it is, so a cut here only repeats them.
 */
static int catchup_past(struct catchup *c, int64_t user, int64_t cursor)
{
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = store_past_for_tech(c->srv->store, user, cursor, PAST_LIMIT,
                                 &ids, &n);
    for (size_t i = 0; !rc && i < n; i += PAST_BATCH) {
        struct wo_changes ch = {.cursor = c->sent};
        size_t k = n - i < PAST_BATCH ? n - i : PAST_BATCH;
        if (!(rc = past_load(c->srv, ids + i, k, &ch)))
            rc = session_send(c->s, WO_F_CHANGES, &ch);
        past_free(&ch);
    }
    free(ids);
    return rc;
}

static void batch_send(struct catchup *c, int64_t cursor, int64_t *revoked,
                       size_t n_revoked, int final)
{
    struct wo_changes ch = {.orders = c->orders, .n_orders = c->n,
                            .revoked = revoked, .n_revoked = n_revoked,
                            .cursor = cursor, .final = final};
    session_send(c->s, WO_F_CHANGES, &ch);
    c->sent = cursor;
    for (size_t i = 0; i < c->n; i++)
        wo_order_cleanup(&c->orders[i]);
    c->n = 0;
}

static int catchup_one(struct catchup *c, int64_t id)
{
    struct wo_order *o = &c->orders[c->n];
    int rc = store_order_load(c->srv->store, id, STORE_LOAD_TECH, o, NULL);
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
    c.sent = sy->cursor;
    for (size_t i = 0; !rc && i < n_changed; i++)
        rc = catchup_one(&c, changed[i]);
    if (!rc)
        rc = catchup_past(&c, a->user_id, sy->cursor);
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

/* Send the past resolutions in ids to the live sessions of each user. */
static void past_send(struct srv *srv, const int64_t *users, size_t n_users,
                      const int64_t *ids, size_t n, int64_t cursor)
{
    struct pushctx p = {.ch = {.cursor = cursor, .final = 1}};
    if (n && !past_load(srv, ids, n, &p.ch))
        for (size_t i = 0; i < n_users; i++)
            sessreg_foreach_user(users[i], send_live, &p);
    past_free(&p.ch);
}

/* Order id closed: send it, as a past resolution, to the live sessions of
 * the technicians holding an open order on the same asset. */
static void push_closed(struct srv *srv, int64_t id)
{
    struct wo_order o;
    int64_t *users;
    size_t n;
    if (store_order_load(srv->store, id, STORE_LOAD_PAST, &o, NULL))
        return;
    if (!strcmp(o.status, "closed") && o.asset &&
        !store_past_watchers(srv->store, o.asset, &users, &n)) {
        past_send(srv, users, n, &id, 1, o.seq);
        free(users);
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

void push_order(struct srv *srv, int64_t id, int64_t prev)
{
    struct wo_order o;
    char status[WO_MAX_ID + 1];
    int64_t assignee = 0, rid = id;
    /* nobody connected and caught up: nothing to send (they get it on
     * their next catch-up), so do not load the order at all */
    if (store_order_head(srv->store, id, status, &assignee, NULL))
        return;
    if (!strcmp(status, "closed"))
        push_closed(srv, id);
    if (!any_live(assignee) && !(prev != assignee && any_live(prev)))
        return;
    if (store_order_load(srv->store, id, STORE_LOAD_TECH, &o, &assignee))
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

void push_past(struct srv *srv, int64_t id)
{
    struct wo_order o;
    int64_t *ids, assignee;
    size_t n;
    if (store_order_load(srv->store, id, STORE_LOAD_PAST, &o, &assignee))
        return;
    if (assignee && o.asset && any_live(assignee) &&
        !store_past_for_asset(srv->store, o.asset, PAST_PER_ASSET, &ids, &n)) {
        past_send(srv, &assignee, 1, ids, n, o.seq);
        free(ids);
    }
    wo_order_cleanup(&o);
}

