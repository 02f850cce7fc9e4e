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
 *
 * The office (dispatchers, admins) catches up on SLA alerts instead, after
 * the id of the last alert it saw, and is then live for new ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk.h"
#include "handle_sync.h"
#include "push.h"
#include "server.h"
#include "session.h"
#include "store.h"

#define BATCH 50
#define PAST_LIMIT 200  /* past resolutions sent in one catch-up */
#define PAST_BATCH 25   /* past resolutions in one frame */

struct catchup {
    struct srv *srv;
    struct session *s;
    struct wo_order orders[BATCH];
    size_t n;
    int64_t sent;       /* cursor of the last frame sent */
};

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
        if (!(rc = push_past_load(c->srv, ids + i, k, &ch)))
            rc = session_send(c->s, WO_F_CHANGES, &ch);
        push_past_free(&ch);
    }
    free(ids);
    return rc;
}

static int batch_send(struct catchup *c, int64_t cursor, int64_t *revoked,
                      size_t n_revoked, int final)
{
    struct wo_changes ch = {.orders = c->orders, .n_orders = c->n,
                            .revoked = revoked, .n_revoked = n_revoked,
                            .cursor = cursor, .final = final};
    int rc = session_send(c->s, WO_F_CHANGES, &ch);
    c->sent = cursor;
    for (size_t i = 0; i < c->n; i++)
        wo_order_cleanup(&c->orders[i]);
    c->n = 0;
    return rc;
}

static int catchup_one(struct catchup *c, int64_t id)
{
    struct wo_order *o = &c->orders[c->n];
    int rc = store_order_load(c->srv->store, id, STORE_LOAD_TECH, o, NULL);
    if (rc)
        return rc;
    return ++c->n == BATCH ? batch_send(c, o->seq, NULL, 0, 0) : 0;
}

int handle_sync_tech(struct call *call)
{
    struct srv *srv = call->srv;
    struct wo_sync *sy = call->body;
    const struct session_auth *a = call->a;
    struct catchup c = {.srv = srv, .s = call->s};
    int64_t end;
    int64_t *revoked = NULL, *changed = NULL;
    size_t n_revoked = 0, n_changed = 0;

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
    if (!(rc = batch_send(&c, end, revoked, n_revoked, 1)))
        session_subscribe(call->s, SESSION_FEED_ORDERS);
out:
    for (size_t i = 0; i < c.n; i++)
        wo_order_cleanup(&c.orders[i]);
    free(revoked);
    free(changed);
    if (rc)
        snprintf(call->reason, sizeof call->reason, "catch-up failed: %s; "
                 "reconnect to retry", wo_strerror(rc));
    return rc;
}

int handle_sync_office(struct call *c)
{
    const struct wo_sync *sy = c->body;
    int64_t cursor = sy->cursor < 0 ? 0 : sy->cursor;
    int rc, more;
    do {
        struct wo_changes *ch = desk_alerts_after(c->srv, cursor);
        if (!ch)
            return WO_EIO;
        rc = session_send(c->s, WO_F_CHANGES, ch);
        cursor = ch->cursor;
        more = !ch->final;
        wo_frame_free(WO_F_CHANGES, ch);
    } while (!rc && more);
    if (!rc)
        session_subscribe(c->s, SESSION_FEED_ALERTS);
    return rc;
}
