/*
 * handle_sync.c - cursor catch-up, paced by what the peer reads, then
 * live push.
 *
 * A catch-up is a job the session keeps (session_set_job). Each step makes
 * one frame, and steps run only while the session's queue is below
 * SESSION_QUEUE_LOW: at the sync, then each time the transport finds the
 * session hungry after a write (dispatch_drained -> handle_sync_resume).
 * So a catch-up of any size holds about the low-water mark plus one frame
 * of memory, and goes at the pace the peer reads.
 *
 * Technicians: every order in scope whose last change is after the
 * client's cursor, oldest change first, in frames of at most BATCH
 * orders. The list of changed orders is read afresh at each step, after
 * the cursor of the last frame sent, because the loop serves others
 * between steps: an order changed meanwhile comes in a later frame, with
 * its new state. Each frame's cursor is the seq of its last order and
 * every order in scope with a lower seq has been sent, so a client that
 * applies a frame and loses the connection resumes after it with no gap.
 * Then come the past resolutions (frames of their own that keep the
 * cursor), then the final frame: the last orders, the revocations (of the
 * ids the client holds and of those sent during this catch-up, whichever
 * are out of its scope now) and the global cursor. The final frame is
 * made in the same step as the last read of the list, after the past
 * resolutions that appeared while the others were sent, and the session
 * subscribes to live pushes with it, so no change can fall between the
 * catch-up and the first push; until then a change reaches the session
 * through a later step, never as a push.
 *
 * A frame of orders before the final one is a page (catchup.h): the
 * step lists the ids and their seqs, and the page is loaded and encoded
 * on the catch-up worker's thread when the server has one (srv->
 * catchup), the frame coming back through handle_sync_loaded, which
 * sends it and takes the next step; else at once, on the loop. A page
 * leaves out an order changed since the listing (a later step lists it
 * again), so the rule above holds on the worker too. The final frame is
 * always made here, in the step that reads the list last.
 *
 * The office (dispatchers, admins) catches up on SLA alerts after the id
 * of the last alert it saw, a frame per step, and is then live for new
 * ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catchup.h"
#include "desk.h"
#include "handle_sync.h"
#include "push.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "wo_clock.h"

#define BATCH 200 /* orders in a frame, unless over SESSION_FRAME_BUDGET */
/* The first frame is small, and each next one twice the one before up
 * to BATCH: the client starts writing its replica while the server
 * loads the rest, instead of waiting for a whole BATCH first */
#define BATCH_FIRST 25
#define PAST_LIMIT 200  /* past resolutions sent in one catch-up */
#define PAST_BATCH 25   /* past resolutions in one frame */
/* orders revoked because they left the scope since the client's cursor
 * (store_scope_left), at most: ten frames of revocations */
#define LEFT_LIMIT (10 * WO_MAX_ITEMS)

struct catchup {
    int office;         /* alerts, not orders */
    int in_past;        /* sending past resolutions */
    int past_read;      /* the list of past resolutions was read */
    int64_t user;
    int64_t from;       /* the client's cursor */
    int had;            /* the client's have list named some orders */
    int64_t sent;       /* cursor of the last frame sent */
    int64_t *check;     /* ids whose scope the final frame checks */
    size_t n_check, cap_check;
    int64_t *past;      /* past resolutions to send, and how far */
    size_t n_past, i_past;
    int64_t past_seq;   /* the change number when they were read */
    size_t batch;       /* orders in the next frame (BATCH_FIRST..BATCH) */
    uint64_t gen;       /* tells this catch-up's worker jobs from others' */
    int waiting;        /* a frame is being made on the worker */
};

/* Catch-ups started so far: each one's gen (the loop is one thread). */
static uint64_t g_gen;

static void catchup_free(void *job)
{
    struct catchup *c = job;
    if (!c)
        return;
    free(c->check);
    free(c->past);
    free(c);
}

static int remember(struct catchup *c, int64_t id)
{
    if (c->n_check == c->cap_check) {
        size_t cap = c->cap_check ? 2 * c->cap_check : 64;
        int64_t *p = realloc(c->check, cap * sizeof *p);
        if (!p)
            return WO_ENOMEM;
        c->check = p;
        c->cap_check = cap;
    }
    c->check[c->n_check++] = id;
    return 0;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* a[0..n) sorted, each id once; returns how many are left. */
static size_t sort_unique(int64_t *a, size_t n)
{
    size_t m = 0;
    qsort(a, n, sizeof *a, cmp_id);
    for (size_t i = 0; i < n; i++)
        if (!m || a[m - 1] != a[i])
            a[m++] = a[i];
    return m;
}

/* Load orders ids[0..n) (n <= BATCH) into o, one query per kind of
 * record for them all; on failure none is kept. */
static int load_orders(struct srv *srv, const int64_t *ids, size_t n,
                       struct wo_order *o)
{
    return store_orders_load(srv->store, ids, n, STORE_LOAD_TECH, o, NULL);
}

static void free_orders(struct wo_order *o, size_t n)
{
    for (size_t k = 0; k < n; k++)
        wo_order_cleanup(&o[k]);
    free(o);
}

/* Queue ch if its frame is at most max bytes; WO_ETOOBIG, and nothing
 * queued, if it is larger. */
static int send_fit(struct call *cl, const struct wo_changes *ch, size_t max)
{
    struct wo_buf b = {0};
    int rc = wo_frame_encode(WO_F_CHANGES, ch, &b);
    if (!rc)
        rc = b.len > max ? WO_ETOOBIG : session_send_buf(cl->s, b.data, b.len);
    wo_buf_cleanup(&b);
    return rc;
}

/* A frame went with cursor `cursor`: the next one is twice as large (the
 * caller remembers its orders, whose scope the final frame checks). */
static void sent(struct catchup *c, int64_t cursor)
{
    c->sent = cursor;
    c->batch = 2 * c->batch < BATCH ? 2 * c->batch : BATCH;
}

static void say_too_big(struct call *cl, int64_t id)
{
    fprintf(stderr, "wo-server: order %lld is over the %d byte frame "
            "limit and cannot be sent to session %llu\n", (long long)id,
            WO_MAX_FRAME, (unsigned long long)session_id(cl->s));
}

/*
 * One frame of the first orders of o[0..n) (oldest change first, seqs[]
 * as listed), as many as fit in SESSION_FRAME_BUDGET bytes
 * (catchup_encode_fit), with the seq of its last order as cursor; *k
 * gets how many went. The rest wait for the next step, so the queue never
 * holds more than the low-water mark and one frame. One order over
 * WO_MAX_FRAME (what a peer accepts) cannot be sent at all: WO_ETOOBIG,
 * logged.
 */
static int send_some(struct call *cl, struct catchup *c,
                     const struct wo_order *o, const int64_t *seqs, size_t n,
                     size_t *k)
{
    struct wo_buf b;
    int rc = catchup_encode_fit(o, seqs, n, SESSION_FRAME_BUDGET,
                                WO_MAX_FRAME, &b, k);
    if (rc == WO_ETOOBIG)
        say_too_big(cl, o[0].id);
    if (rc)
        return rc;
    rc = session_send_buf(cl->s, b.data, b.len);
    wo_buf_cleanup(&b);
    if (!rc)
        sent(c, seqs[*k - 1]);
    for (size_t j = 0; !rc && j < *k; j++)
        rc = remember(c, o[j].id);
    return rc;
}

/* A page's frame came (catchup.h): send it, or nothing when every order
 * in it had changed since its listing (the next step lists them again
 * from the same cursor). */
static int took(struct call *cl, struct catchup *c,
                const struct catchup_job *j)
{
    int rc = j->rc;
    if (rc == WO_ETOOBIG)
        say_too_big(cl, j->ids[0]);
    if (!rc && j->sent)
        rc = session_send_buf(cl->s, j->frame.data, j->frame.len);
    if (!rc && j->sent)
        sent(c, j->cursor);
    for (size_t k = 0; !rc && k < j->sent; k++)
        rc = remember(c, j->ids[k]);
    return rc;
}

/*
 * One step: a frame of the next c->batch of the listed orders (the job
 * takes *ids and *seqs), or of as many as fit. Made on the catch-up
 * worker when the server has one, the frame then coming back through
 * handle_sync_loaded; else here, on the loop's own connection, where
 * nothing can change between the listing and the load.
 */
static int page(struct call *cl, struct catchup *c, int64_t **ids,
                int64_t **seqs)
{
    struct catchup_job *j = calloc(1, sizeof *j);
    if (!j)
        return WO_ENOMEM;
    j->ids = *ids;
    j->seqs = *seqs;
    *ids = *seqs = NULL;
    j->n = c->batch;
    j->sid = session_id(cl->s);
    j->gen = c->gen;
    j->budget = SESSION_FRAME_BUDGET;
    j->max = WO_MAX_FRAME;
    if (cl->srv->catchup) {
        c->waiting = 1;
        catchup_worker_submit(cl->srv->catchup, j);
        return 0;
    }
    catchup_job_run(cl->srv->store, j);
    int rc = took(cl, c, j);
    catchup_job_free(j);
    return rc;
}

/* A frame of past resolutions ids[0..n) (n <= PAST_BATCH); they keep the
 * cursor where it is, so a cut here only sends them again. */
static int send_past_ids(struct call *cl, const int64_t *ids, size_t n,
                         int64_t cursor)
{
    struct wo_changes ch = {.cursor = cursor};
    int rc = push_past_load(cl->srv, ids, n, &ch);
    if (!rc)
        rc = session_send(cl->s, WO_F_CHANGES, &ch);
    push_past_free(&ch);
    return rc;
}

/* The past resolutions that appeared since the list was read (an order
 * closed, or one reached the technician, while the rest was sent). */
static int send_late_past(struct call *cl, struct catchup *c, int64_t end)
{
    int64_t *ids = NULL;
    size_t n = 0;
    if (end <= c->past_seq)
        return 0;
    int rc = store_past_for_tech(cl->srv->store, c->user, c->past_seq,
                                 PAST_LIMIT, &ids, &n);
    for (size_t i = 0; !rc && i < n; i += PAST_BATCH)
        rc = send_past_ids(cl, ids + i, n - i < PAST_BATCH ? n - i
                                                           : PAST_BATCH,
                           c->sent);
    free(ids);
    return rc;
}

/*
 * To the revocations *rv (n of them, from the ids the client named or was
 * sent), the orders that left the scope in a change after the client's
 * cursor: a replica holding more orders than its have list can name
 * (WO_MAX_ITEMS) drops those too. Not for a replica that holds nothing
 * (cursor 0, nothing named). Sorted, each once.
 */
static int add_left(struct call *cl, struct catchup *c, int64_t **rv,
                    size_t *n)
{
    int64_t *left = NULL, *all;
    size_t k = 0;
    if (!c->from && !c->had)
        return 0;
    int rc = store_scope_left(cl->srv->store, c->user, c->from, LEFT_LIMIT,
                              &left, &k);
    if (rc || !k) {
        free(left);
        return rc;
    }
    if (!(all = realloc(*rv, (*n + k) * sizeof *all))) {
        free(left);
        return WO_ENOMEM;
    }
    memcpy(all + *n, left, k * sizeof *left);
    free(left);
    *rv = all;
    *n = sort_unique(all, *n + k);
    return 0;
}

/*
 * The last orders ids[0..n) (n <= BATCH), the revocations and the global
 * cursor, then live. The wire allows WO_MAX_ITEMS ids per array, so
 * revocations beyond that go first in frames of their own.
 */
static int send_final(struct call *cl, struct catchup *c, const int64_t *ids,
                      const int64_t *seqs, size_t n, int *later)
{
    struct srv *srv = cl->srv;
    struct wo_order *o = calloc(n ? n : 1, sizeof *o);
    int64_t end, *revoked = NULL;
    size_t n_revoked = 0, r = 0, u = 0;
    int rc = o ? store_max_seq(srv->store, &end) : WO_ENOMEM;
    if (!rc && !(rc = send_late_past(cl, c, end)))
        c->past_seq = end;
    if (rc) {
        free(o);
        return rc;
    }
    if (c->n_check) {
        u = sort_unique(c->check, c->n_check);
        if (!(revoked = calloc(u, sizeof *revoked))) {
            free(o);
            return WO_ENOMEM;
        }
        rc = store_scope_revoked(srv->store, c->user, c->check, u, revoked,
                                 &n_revoked);
    }
    if (!rc)
        rc = add_left(cl, c, &revoked, &n_revoked);
    for (; !rc && n_revoked - r > WO_MAX_ITEMS; r += WO_MAX_ITEMS) {
        struct wo_changes ch = {.revoked = revoked + r,
                                .n_revoked = WO_MAX_ITEMS, .cursor = c->sent};
        rc = session_send(cl->s, WO_F_CHANGES, &ch);
    }
    int loaded = !rc && !(rc = load_orders(srv, ids, n, o));
    if (loaded) {
        /* no revocations: no list (NULL + 0 is undefined in C) */
        struct wo_changes ch = {.orders = o, .n_orders = n,
                                .revoked = revoked ? revoked + r : NULL,
                                .n_revoked = n_revoked - r, .cursor = end,
                                .final = 1};
        rc = send_fit(cl, &ch, n > 1 ? SESSION_FRAME_BUDGET : WO_MAX_FRAME);
        if (rc == WO_ETOOBIG && n) {
            /* too much for one frame: a frame of the first orders, and the
             * final frame at a later step */
            size_t k;
            if (!(rc = send_some(cl, c, o, seqs, n, &k)))
                *later = 1;
        } else if (!rc) {
            session_subscribe(cl->s, SESSION_FEED_ORDERS);
            c->sent = end;
        }
    }
    free_orders(o, loaded ? n : 0);
    free(revoked);
    return rc;
}

/* The next frame of the past resolutions read for this catch-up. */
static int send_past(struct call *cl, struct catchup *c)
{
    size_t k = c->n_past - c->i_past;
    if (k > PAST_BATCH)
        k = PAST_BATCH;
    int rc = send_past_ids(cl, c->past + c->i_past, k, c->sent);
    c->i_past += k;
    return rc;
}

/* One step of a technician's catch-up: at most one frame but at the end
 * (the final frame, after any frames of extra revocations). */
static int step_tech(struct call *cl, struct catchup *c, int *done)
{
    struct store *st = cl->srv->store;
    int64_t *ids = NULL, *seqs = NULL;
    size_t n = 0;
    int rc;
    if (c->in_past) {
        if (c->i_past < c->n_past)
            return send_past(cl, c);
        c->in_past = 0;
    }
    /* one more than a frame: more than that left means not the last */
    if ((rc = store_scope_changed(st, c->user, c->sent, c->batch + 1, &ids,
                                  &seqs, &n)))
        return rc;
    if (n > c->batch) {
        rc = page(cl, c, &ids, &seqs);
    } else if (!c->past_read) {
        /* the closed orders of the assets on the technician's orders
         * that a replica at the client's cursor lacks */
        c->past_read = c->in_past = 1;
        rc = store_max_seq(st, &c->past_seq);
        if (!rc)
            rc = store_past_for_tech(st, c->user, c->from, PAST_LIMIT,
                                     &c->past, &c->n_past);
    } else {
        int later = 0;
        if (!(rc = send_final(cl, c, ids, seqs, n, &later)))
            *done = !later;
    }
    free(ids);
    free(seqs);
    return rc;
}

static int step_office(struct call *cl, struct catchup *c, int *done)
{
    struct wo_changes *ch = desk_alerts_after(cl->srv, c->sent);
    if (!ch)
        return WO_EIO;
    int rc = session_send(cl->s, WO_F_CHANGES, ch);
    c->sent = ch->cursor;
    if (!rc && ch->final) {
        session_subscribe(cl->s, SESSION_FEED_ALERTS);
        *done = 1;
    }
    wo_frame_free(WO_F_CHANGES, ch);
    return rc;
}

/* Steps while the peer has read enough; the job ends when done or on
 * failure (the peer reconnects to retry). */
static int run_job(struct call *cl)
{
    struct session *s = cl->s;
    struct catchup *c = session_job(s);
    int rc = 0, done = 0;
    while (!rc && !done && !c->waiting && session_hungry(s))
        rc = c->office ? step_office(cl, c, &done) : step_tech(cl, c, &done);
    if (rc || done)
        session_set_job(s, NULL, NULL);
    if (rc)
        snprintf(cl->reason, sizeof cl->reason, "catch-up failed: %s; "
                 "reconnect to retry", wo_strerror(rc));
    return rc;
}

/* A new catch-up replaces one in progress; until its final frame the
 * session gets no live pushes of the feed. */
static int start(struct call *cl, struct catchup *c, enum session_feed f)
{
    session_unsubscribe(cl->s, f);
    session_set_job(cl->s, c, catchup_free);
    return run_job(cl);
}

int handle_sync_tech(struct call *cl)
{
    const struct wo_sync *sy = cl->body;
    struct catchup *c = calloc(1, sizeof *c);
    int64_t end;
    if (!c)
        return WO_ENOMEM;
    int rc = store_max_seq(cl->srv->store, &end);
    for (size_t i = 0; !rc && i < sy->n_have; i++)
        rc = remember(c, sy->have[i]);
    c->had = sy->n_have > 0;
    if (rc) {
        catchup_free(c);
        return rc;
    }
    c->user = cl->a->user_id;
    c->batch = BATCH_FIRST;
    c->gen = ++g_gen;
    /* a cursor from another server or a restored backup: start over */
    c->from = c->sent = sy->cursor < 0 || sy->cursor > end ? 0 : sy->cursor;
    /* the sync's health report, and its have list as delivery receipts
     * (docs/protocol.md, "Field data"), in the route's transaction */
    int64_t now = wo_clock_now_ms();
    rc = store_device_synced(cl->srv->store, cl->a->device_id, now, c->from,
                             sy->unsent, sy->unsent_age, sy->version);
    if (!rc)
        rc = store_receipt_have(cl->srv->store, c->user, cl->a->device_id,
                                sy->have, sy->n_have, c->from, now);
    if (rc) {
        catchup_free(c);
        return rc;
    }
    /* a client that merges partial orders gets its own ops back as such
     * (push.h): only what they made, not the whole order again */
    if (sy->partial)
        session_subscribe(cl->s, SESSION_FEED_PARTIAL);
    else
        session_unsubscribe(cl->s, SESSION_FEED_PARTIAL);
    return start(cl, c, SESSION_FEED_ORDERS);
}

/* Order id's receipt changed: its row goes to the board's watchers after
 * the commit, once however many receipts of it the frame held. */
static void row_changed(struct call *cl, int64_t id)
{
    for (size_t i = 0; i < cl->n_rows; i++)
        if (cl->rows[i] == id)
            return;
    cl->rows[cl->n_rows++] = id;
}

int handle_receipts(struct call *cl)
{
    const struct wo_receipts *r = cl->body;
    const struct session_auth *a = cl->a;
    int64_t now = wo_clock_now_ms();
    int rc = 0, changed = 0;
    /* rows only for a console to show them to; the wire allows
     * WO_MAX_ITEMS of each kind, so the list has room for all */
    if (push_board_watched(cl->srv) && r->n_stored + r->n_opened &&
        !(cl->rows = calloc(r->n_stored + r->n_opened, sizeof *cl->rows)))
        return WO_ENOMEM;
    for (size_t i = 0; !rc && i < r->n_stored; i++) {
        rc = store_receipt_stored(cl->srv->store, r->stored[i].wo, a->user_id,
                                  a->device_id, r->stored[i].seq, now,
                                  &changed);
        if (!rc && changed && cl->rows)
            row_changed(cl, r->stored[i].wo);
    }
    for (size_t i = 0; !rc && i < r->n_opened; i++) {
        /* the device's clock, corrected by this connection's offset, and
         * never later than now */
        int64_t t = r->opened[i].at + a->clock_offset;
        if (t > now || r->opened[i].at <= 0)
            t = now;
        rc = store_receipt_opened(cl->srv->store, r->opened[i].wo, a->user_id,
                                  a->device_id, t, &changed);
        if (!rc && changed && cl->rows)
            row_changed(cl, r->opened[i].wo);
    }
    return rc;
}

int handle_sync_office(struct call *cl)
{
    const struct wo_sync *sy = cl->body;
    struct catchup *c = calloc(1, sizeof *c);
    if (!c)
        return WO_ENOMEM;
    c->office = 1;
    c->from = c->sent = sy->cursor < 0 ? 0 : sy->cursor;
    int rc = store_device_synced(cl->srv->store, cl->a->device_id,
                                 wo_clock_now_ms(), 0, sy->unsent,
                                 sy->unsent_age, sy->version);
    if (rc) {
        catchup_free(c);
        return rc;
    }
    return start(cl, c, SESSION_FEED_ALERTS);
}

int handle_sync_resume(struct call *cl)
{
    return session_job(cl->s) ? run_job(cl) : 0;
}

int handle_sync_loaded(struct call *cl, const struct catchup_job *j)
{
    struct catchup *c = session_job(cl->s);
    /* a sync since replaced the catch-up that asked: its own steps go on */
    if (!c || c->office || c->gen != j->gen || !c->waiting)
        return 0;
    c->waiting = 0;
    int rc = took(cl, c, j);
    if (!rc)
        return run_job(cl);
    session_set_job(cl->s, NULL, NULL);
    snprintf(cl->reason, sizeof cl->reason, "catch-up failed: %s; "
             "reconnect to retry", wo_strerror(rc));
    return rc;
}
