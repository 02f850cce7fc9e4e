/*
 * push.c - live pushes after a commit (see push.h).
 *
 * Signatures are not verified here: each was verified once, when its op
 * was applied, and the store keeps that verdict (verify.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "push.h"
#include "server.h"
#include "session.h"
#include "sessreg.h"
#include "store.h"
#include "wo_lifecycle.h"

#define PAST_PER_ASSET 50
#define BOARD_BATCH 100 /* list rows in one frame at most */

struct fanout {
    const struct wo_changes *ch;
    enum session_feed feed;
    const struct push_own *own; /* these get their own partial order */
    size_t n_own;
    int wanted;                 /* count_full: sessions wanting ch */
};

/* s's entry in own[0..n) if s takes its own ops back as a partial order
 * (it merges them and had none rejected), else NULL. */
static const struct push_own *own_of(const struct session *s,
                                     const struct push_own *own, size_t n)
{
    if (!session_wants(s, SESSION_FEED_PARTIAL))
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (own[i].sid == session_id(s))
            return own[i].rejected ? NULL : &own[i];
    return NULL;
}

/* A failed send has closed that session; its reconnect catches up. */
static void send_live(struct session *s, void *arg)
{
    const struct fanout *f = arg;
    if (session_wants(s, f->feed) && !own_of(s, f->own, f->n_own) &&
        session_send(s, WO_F_CHANGES, f->ch))
        return;
}

static void count_full(struct session *s, void *arg)
{
    struct fanout *f = arg;
    f->wanted += session_wants(s, f->feed) && !own_of(s, f->own, f->n_own);
}

static void to_user_but(struct srv *srv, int64_t user,
                        const struct wo_changes *ch,
                        const struct push_own *own, size_t n_own)
{
    struct fanout f = {.ch = ch, .feed = SESSION_FEED_ORDERS, .own = own,
                       .n_own = n_own};
    sessreg_foreach_user(srv->sessions, user, send_live, &f);
}

static void to_user(struct srv *srv, int64_t user, const struct wo_changes *ch)
{
    to_user_but(srv, user, ch, NULL, 0);
}

static void count_live(struct session *s, void *arg)
{
    *(int *)arg += session_wants(s, SESSION_FEED_ORDERS);
}

static int any_live(struct srv *srv, int64_t user)
{
    int n = 0;
    if (user)
        sessreg_foreach_user(srv->sessions, user, count_live, &n);
    return n;
}

int push_past_load(struct srv *srv, const int64_t *ids, size_t n,
                   struct wo_changes *ch)
{
    ch->n_past = 0;
    if (!(ch->past = calloc(n ? n : 1, sizeof *ch->past)))
        return WO_ENOMEM;
    int rc = store_orders_load(srv->store, ids, n, STORE_LOAD_PAST, ch->past,
                               NULL);
    if (!rc)
        ch->n_past = n;
    return rc;
}

void push_past_free(struct wo_changes *ch)
{
    for (size_t i = 0; i < ch->n_past; i++)
        wo_order_cleanup(&ch->past[i]);
    free(ch->past);
    ch->past = NULL;
    ch->n_past = 0;
}

/* Send the past resolutions in ids to the live sessions of each user. */
static void past_send(struct srv *srv, const int64_t *users, size_t n_users,
                      const int64_t *ids, size_t n, int64_t cursor)
{
    struct wo_changes ch = {.cursor = cursor, .final = 1};
    if (n && !push_past_load(srv, ids, n, &ch))
        for (size_t i = 0; i < n_users; i++)
            to_user(srv, users[i], &ch);
    push_past_free(&ch);
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

int push_board_watched(struct srv *srv)
{
    /* counted as sessions subscribe: no walk of 10,000 sessions for each
     * receipts frame to learn that no console is open */
    return sessreg_feed_count(srv->sessions, SESSION_FEED_BOARD) > 0;
}

struct board_buf {
    const struct wo_buf *b;
};

static void send_board(struct session *s, void *arg)
{
    const struct wo_buf *b = ((const struct board_buf *)arg)->b;
    if (session_wants(s, SESSION_FEED_BOARD))
        session_send_buf(s, b->data, b->len); /* a failure closed it */
}

/* Orders ids[0..n) (n <= BOARD_BATCH) as list rows to every session
 * watching all orders (the web console), encoded once: one frame, or
 * halves when it would be over SESSION_FRAME_BUDGET (one row alone goes if
 * it fits WO_MAX_FRAME). The console works out the running SLA clock
 * from the order's due times itself. */
static void board_frame(struct srv *srv, const int64_t *ids, size_t n)
{
    struct wo_order *o = calloc(n, sizeof *o);
    int64_t *holder = calloc(n, sizeof *holder);
    struct wo_buf b = {0};
    if (!o || !holder ||
        store_orders_load(srv->store, ids, n, STORE_LOAD_BRIEF, o, holder)) {
        free(o);
        free(holder);
        return;
    }
    struct wo_changes ch = {.final = 1, .orders = o, .n_orders = n};
    for (size_t i = 0; i < n; i++) {
        o[i].online = holder[i] &&
                      sessreg_count_user(srv->sessions, holder[i]) > 0;
        if (o[i].seq > ch.cursor)
            ch.cursor = o[i].seq;
    }
    int rc = wo_frame_encode(WO_F_CHANGES, &ch, &b);
    for (size_t i = 0; i < n; i++)
        wo_order_cleanup(&o[i]);
    free(o);
    free(holder);
    if (!rc && n > 1 && b.len > SESSION_FRAME_BUDGET) {
        wo_buf_cleanup(&b);
        board_frame(srv, ids, n / 2);
        board_frame(srv, ids + n / 2, n - n / 2);
        return;
    }
    if (!rc && b.len <= WO_MAX_FRAME) {
        struct board_buf bb = {.b = &b};
        sessreg_foreach(srv->sessions, send_board, &bb);
    }
    wo_buf_cleanup(&b);
}

void push_board_rows(struct srv *srv, const int64_t *ids, size_t n)
{
    if (!n || !push_board_watched(srv))
        return;
    for (size_t i = 0; i < n; i += BOARD_BATCH)
        board_frame(srv, ids + i, n - i < BOARD_BATCH ? n - i : BOARD_BATCH);
}

/* Order id as a list row to the board's watchers; loaded only when one
 * watches. */
static void push_board(struct srv *srv, int64_t id)
{
    push_board_rows(srv, &id, 1);
}

/* The holder's sessions in own get their own records of order id back,
 * with its fields: a partial order, loaded for each. */
static void send_own(struct srv *srv, int64_t id, int64_t holder,
                     struct push_own *own, size_t n_own)
{
    for (size_t i = 0; i < n_own; i++) {
        struct session *s = sessreg_find(srv->sessions, own[i].sid);
        const struct session_auth *a = s ? session_auth(s) : NULL;
        struct wo_order o;
        if (!a || a->user_id != holder || !session_wants(s, SESSION_FEED_ORDERS)
            || !own_of(s, own, n_own))
            continue;
        if (store_order_own(srv->store, id, own[i].rec, own[i].n_rec, &o)) {
            own[i].rejected = 1; /* not loaded: the whole order, with all */
            continue;
        }
        struct wo_changes ch = {.cursor = o.seq, .final = 1, .orders = &o,
                                .n_orders = 1};
        if (session_send(s, WO_F_CHANGES, &ch))
            fprintf(stderr, "wo-server: order %lld not pushed to session "
                    "%llu; it catches up when it reconnects\n",
                    (long long)id, (unsigned long long)own[i].sid);
        wo_order_cleanup(&o);
    }
}

static void push_order_ex(struct srv *srv, int64_t id, int64_t prev,
                          struct push_own *own, size_t n_own);

void push_order(struct srv *srv, int64_t id, int64_t prev)
{
    push_order_ex(srv, id, prev, NULL, 0);
}

void push_order_own(struct srv *srv, int64_t id, struct push_own *own,
                    size_t n_own)
{
    push_order_ex(srv, id, 0, own, n_own);
}

static void push_order_ex(struct srv *srv, int64_t id, int64_t prev,
                          struct push_own *own, size_t n_own)
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
    push_board(srv, id);
    if (!any_live(srv, assignee) && !(prev != assignee && any_live(srv, prev)))
        return;
    if (assignee && !wo_lifecycle_is_terminal(status) && n_own) {
        /* the senders get their own records back (send_own marks one it
         * could not load, which then gets the whole order); the whole
         * order only if some other session of the holder wants it */
        struct fanout f = {.feed = SESSION_FEED_ORDERS, .own = own,
                           .n_own = n_own};
        send_own(srv, id, assignee, own, n_own);
        sessreg_foreach_user(srv->sessions, assignee, count_full, &f);
        if (!f.wanted && !(prev && prev != assignee))
            return;
    } else {
        own = NULL; /* a revocation, or nobody holds it: the same to all */
        n_own = 0;
    }
    if (store_order_load(srv->store, id, STORE_LOAD_TECH, &o, &assignee))
        return;
    struct wo_changes ch = {.cursor = o.seq, .final = 1};
    if (assignee) {
        if (wo_lifecycle_is_terminal(o.status)) {
            ch.revoked = &rid;
            ch.n_revoked = 1;
        } else {
            ch.orders = &o;
            ch.n_orders = 1;
        }
        to_user_but(srv, assignee, &ch, own, n_own);
    }
    if (prev && prev != assignee) {
        struct wo_changes rv = {.cursor = o.seq, .final = 1,
                                .revoked = &rid, .n_revoked = 1};
        to_user(srv, prev, &rv);
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
    if (assignee && o.asset && any_live(srv, assignee) &&
        !store_past_for_asset(srv->store, o.asset, PAST_PER_ASSET, &ids, &n)) {
        past_send(srv, &assignee, 1, ids, n, o.seq);
        free(ids);
    }
    wo_order_cleanup(&o);
}

void push_alerts(struct srv *srv, const struct wo_changes *ch)
{
    struct fanout f = {.ch = ch, .feed = SESSION_FEED_ALERTS};
    sessreg_foreach(srv->sessions, send_live, &f);
}

void push_feed(struct srv *srv, const struct wo_changes *ch)
{
    push_alerts(srv, ch);
}

static void close_revoked(struct session *s, void *arg)
{
    /* the close follows the error; if the error cannot be queued the
     * session is closing already */
    if (!session_error(s, WO_EAUTH, 0, "this device has been revoked"))
        session_close(s, WO_CLOSE_POLICY, "device revoked");
}

void push_disconnect_device(struct srv *srv, int64_t device)
{
    sessreg_foreach_device(srv->sessions, device, close_revoked, NULL);
}
