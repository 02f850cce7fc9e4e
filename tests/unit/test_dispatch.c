/*
 * Unit tests for the server's dispatch and op rules, with no socket: a
 * real store in a temporary SQLite file, real sessions on a transport
 * that only counts write requests, frames encoded and decoded by the real
 * codec. What dispatch queues for a session is read back frame by frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "catchup.h"
#include "codepool.h"
#include "commit.h"
#include "dispatch.h"
#include "ops.h"
#include "server.h"
#include "session.h"
#include "sessreg.h"
#include "store.h"
#include "wo_clock.h"
#include "wo_crypto.h"
#include "wo_msgq.h"
#include "wo_opkind.h"

#include <sqlite3.h>

struct fake_conn {
    int writes;             /* want_write calls */
    int authed;             /* authenticated calls */
};

static void fake_want_write(void *conn) { ((struct fake_conn *)conn)->writes++; }
static void fake_authed(void *conn) { ((struct fake_conn *)conn)->authed++; }

static const struct transport fake = {.want_write = fake_want_write,
                                     .authenticated = fake_authed};

struct fixture {
    char dir[64];
    struct srv srv;
    int woken;              /* the group commit asked for a flush */
    int worker_woken;       /* the catch-up worker finished a frame (from
                             * its thread: read with __atomic) */
    struct fake_conn conn[3];
    struct session *disp, *tech, *tech2;
};

static void wake(void *arg) { ((struct fixture *)arg)->woken++; }

/* A user with an enrolled device, and a session authenticated as them. */
static struct session *login(struct fixture *f, const char *name,
                             const char *role, struct fake_conn *conn)
{
    char code[STORE_CODE_LEN];
    uint8_t pub[32];
    struct store_user u;
    int64_t dev;
    const char *why;
    assert_int_equal(store_user_add(f->srv.store, name, role, 1, 0, code), 0);
    assert_int_equal(wo_random(pub, sizeof pub), 0);
    assert_int_equal(store_enroll(f->srv.store, code, NULL, pub, "test", 1,
                                  &dev, &u, &why), 0);
    struct session *s = session_create(f->srv.sessions, &fake, conn, 0);
    assert_non_null(s);
    struct session_auth a = {.user_id = u.id, .device_id = dev};
    snprintf(a.user, sizeof a.user, "%s", name);
    snprintf(a.role, sizeof a.role, "%s", role);
    assert_int_equal(session_set_auth(s, &a), 0);
    assert_int_equal(conn->authed, 1);
    return s;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char path[128], err[256];
    snprintf(f->dir, sizeof f->dir, "/tmp/wo-dispatch-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(path, sizeof path, "%s/server.db", f->dir);
    assert_int_equal(store_create(path, &f->srv.store, err, sizeof err), 0);
    f->srv.sessions = sessreg_create();
    f->srv.commit = commit_create(wake, f);
    f->srv.alerts_pushed = -1;
    f->srv.feed_pushed = -1;
    f->disp = login(f, "disp", "dispatcher", &f->conn[0]);
    f->tech = login(f, "tech1", "technician", &f->conn[1]);
    f->tech2 = login(f, "tech2", "technician", &f->conn[2]);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];
    session_destroy(f->disp);
    session_destroy(f->tech);
    session_destroy(f->tech2);  /* NULL is accepted */
    catchup_worker_stop(f->srv.catchup); /* a test that failed midway */
    codepool_stop(f->srv.codes);
    commit_destroy(f->srv.commit);
    sessreg_destroy(f->srv.sessions);
    store_close(f->srv.store);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void send_frame(struct fixture *f, struct session *s, int type,
                       const void *body)
{
    struct wo_buf b = {0};
    assert_int_equal(wo_frame_encode(type, body, &b), 0);
    dispatch_frame(&f->srv, s, b.data, b.len, 1);
    wo_buf_cleanup(&b);
}

/* The next frame queued for s, decoded; its type must be `type`. */
static void *next_frame(struct session *s, int type)
{
    struct wo_outframe *o = session_next_frame(s);
    char err[128];
    int t;
    void *body = NULL;
    assert_non_null(o);
    assert_int_equal(wo_frame_decode(o->buf, o->len, &t, &body, err,
                                     sizeof err), 0);
    free(o);
    if (t != type && t == WO_F_ERROR)
        fail_msg("expected frame %d, got error %s", type,
                 ((struct wo_error *)body)->reason);
    assert_int_equal(t, type);
    return body;
}

/* The next frame must be an error with this status and req. */
static void expect_error(struct session *s, int status, int64_t req,
                         const char *words)
{
    struct wo_error *e = next_frame(s, WO_F_ERROR);
    assert_int_equal(e->status, status);
    assert_int_equal(e->req, req);
    if (!strstr(e->reason, words))
        fail_msg("reason '%s' lacks '%s'", e->reason, words);
    wo_frame_free(WO_F_ERROR, e);
}

static int64_t create_order(struct fixture *f, const char *assignee)
{
    struct wo_cmd c = {.req = 7, .name = "create", .title = "Boiler",
                       .priority = "P2", .assignee = (char *)assignee};
    send_frame(f, f->disp, WO_F_CMD, &c);
    struct wo_result *r = next_frame(f->disp, WO_F_RESULT);
    assert_int_equal(r->req, 7);
    assert_int_equal(r->n_orders, 1);
    assert_string_equal(r->orders[0].status, assignee ? "assigned" : "new");
    int64_t id = r->orders[0].id;
    wo_frame_free(WO_F_RESULT, r);
    return id;
}

/* Send ops from s, flush the group commit, return its acks. */
static struct wo_acks *push_ops(struct fixture *f, struct session *s,
                                struct wo_op *ops, size_t n)
{
    struct wo_ops frame = {.ops = ops, .n_ops = n};
    int woken = f->woken;
    send_frame(f, s, WO_F_OPS, &frame);
    assert_int_equal(f->woken, woken + 1);
    assert_null(session_next_frame(s)); /* no ack before the commit */
    commit_flush(&f->srv);
    return next_frame(s, WO_F_ACKS);
}

static void test_roles_are_checked_by_dispatch(void **state)
{
    struct fixture *f = *state;
    struct wo_cmd c = {.req = 3, .name = "create", .title = "x",
                       .priority = "P1"};
    send_frame(f, f->tech, WO_F_CMD, &c);
    expect_error(f->tech, 403, 3, "not allowed for role technician");
    struct wo_cmd t = {.req = 4, .name = "tier", .assignee = "tech1",
                       .tier = "L2"};
    send_frame(f, f->disp, WO_F_CMD, &t);
    expect_error(f->disp, 403, 4, "is for admins");
    struct wo_ops ops = {0};
    send_frame(f, f->disp, WO_F_OPS, &ops);
    expect_error(f->disp, 403, 0, "not allowed for role dispatcher");
    assert_int_equal(f->woken, 0);
}

static void test_unknown_command_keeps_req(void **state)
{
    struct fixture *f = *state;
    struct wo_cmd c = {.req = 99, .name = "launch"};
    send_frame(f, f->disp, WO_F_CMD, &c);
    expect_error(f->disp, 400, 99, "unknown command 'launch'");
}

static void test_anonymous_and_garbage_are_struck(void **state)
{
    struct fixture *f = *state;
    struct fake_conn conn = {0};
    const char *why;
    struct session *s = session_create(f->srv.sessions, &fake, &conn, 0);
    struct wo_sync sy = {.cursor = 0};
    send_frame(f, s, WO_F_SYNC, &sy);
    expect_error(s, 401, 0, "send 'auth' first");
    dispatch_frame(&f->srv, s, (const uint8_t *)"\xc1", 1, 1);
    expect_error(s, 400, 0, "");
    assert_int_equal(session_closing(s, &why), 0);
    dispatch_frame(&f->srv, s, (const uint8_t *)"hi", 2, 0);
    expect_error(s, 400, 0, "binary");
    assert_int_equal(session_closing(s, &why), WO_CLOSE_UNSUPPORTED);
    session_destroy(s);
}

static void test_failed_write_rolls_back(void **state)
{
    struct fixture *f = *state;
    int64_t id = create_order(f, NULL), seq0, seq1;
    assert_int_equal(store_max_seq(f->srv.store, &seq0), 0);
    struct wo_cmd c = {.req = 5, .name = "assign", .wo = id,
                       .assignee = "nobody"};
    send_frame(f, f->disp, WO_F_CMD, &c);
    expect_error(f->disp, 404, 5, "no user named 'nobody'");
    assert_int_equal(store_max_seq(f->srv.store, &seq1), 0);
    assert_int_equal(seq0, seq1);
    struct wo_cmd m = {.req = 6, .name = "cancel", .wo = id};
    send_frame(f, f->disp, WO_F_CMD, &m);
    expect_error(f->disp, 400, 6, "cancel needs a reason");
}

static void test_assign_pushes_once_to_a_live_holder(void **state)
{
    struct fixture *f = *state;
    struct wo_sync sy = {.cursor = 0};
    send_frame(f, f->tech, WO_F_SYNC, &sy);
    struct wo_changes *ch = next_frame(f->tech, WO_F_CHANGES);
    assert_true(ch->final);
    wo_frame_free(WO_F_CHANGES, ch);
    assert_true(session_wants(f->tech, SESSION_FEED_ORDERS));
    int64_t id = create_order(f, "tech1");
    ch = next_frame(f->tech, WO_F_CHANGES);
    assert_int_equal(ch->n_orders, 1);
    assert_int_equal(ch->orders[0].id, id);
    wo_frame_free(WO_F_CHANGES, ch);
    assert_null(session_next_frame(f->tech));
    assert_null(session_next_frame(f->tech2)); /* not theirs, not live */
}

static void test_op_rules(void **state)
{
    struct fixture *f = *state;
    int64_t id = create_order(f, "tech1");
    struct wo_op ops[] = {
        {.id = "a1", .wo = id, .kind = "accept", .at = 10},
        {.id = "v1", .wo = id, .kind = "visit.start", .at = 11},
        {.id = "n1", .wo = id, .kind = "note.add", .at = 12, .text = "ok"},
        {.id = "e1", .wo = id, .kind = "visit.end", .at = 13, .ref = "v1",
         .outcome = "bogus"},
        {.id = "k1", .wo = id, .kind = "teleport", .at = 14},
        {.id = "v2", .wo = id, .kind = "visit.start", .at = 15},
        {.id = "e2", .wo = id, .kind = "visit.end", .at = 16, .ref = "v1",
         .outcome = "done"},
        {.id = "a1", .wo = id, .kind = "accept", .at = 10},
    };
    const char *want[] = {"applied", "applied", "applied", "rejected",
                          "rejected", "rejected", "applied", "duplicate"};
    struct wo_acks *acks = push_ops(f, f->tech, ops, 8);
    assert_int_equal(acks->n_acks, 8);
    for (size_t i = 0; i < 8; i++) {
        assert_string_equal(acks->acks[i].id, ops[i].id);
        assert_string_equal(acks->acks[i].result, want[i]);
    }
    assert_non_null(strstr(acks->acks[3].reason, "outcome"));
    assert_non_null(strstr(acks->acks[4].reason, "unknown op kind"));
    assert_non_null(strstr(acks->acks[5].reason, "order is on_site"));
    wo_frame_free(WO_F_ACKS, acks);
    char status[WO_MAX_ID + 1];
    int64_t holder;
    assert_int_equal(store_order_head(f->srv.store, id, status, &holder,
                                      NULL), 0);
    assert_string_equal(status, "accepted");
    /* the group commit stamps the order once, with its last change (an
     * applied op's, after rejections that stamped it on the way) */
    struct wo_order o;
    int64_t max;
    assert_int_equal(store_order_load(f->srv.store, id, STORE_LOAD_BRIEF, &o,
                                      NULL), 0);
    assert_int_equal(store_max_seq(f->srv.store, &max), 0);
    assert_int_equal(o.seq, max);
    wo_order_cleanup(&o);

    /* someone who never held it: nothing of theirs is kept */
    struct wo_op other[] = {
        {.id = "x1", .wo = id, .kind = "note.add", .at = 20, .text = "hi"},
        {.id = "x2", .wo = id, .kind = "accept", .at = 21},
    };
    acks = push_ops(f, f->tech2, other, 2);
    assert_string_equal(acks->acks[0].result, "rejected");
    assert_non_null(strstr(acks->acks[0].reason, "never assigned"));
    assert_string_equal(acks->acks[1].result, "rejected");
    assert_non_null(strstr(acks->acks[1].reason, "never assigned"));
    wo_frame_free(WO_F_ACKS, acks);
}

/* A session that merges partial orders (its sync said so) gets its own
 * ops back as only the records they made, with the order's fields; one
 * that does not gets the whole order. */
static void test_own_ops_come_back_partial(void **state)
{
    struct fixture *f = *state;
    int64_t id = create_order(f, "tech1");
    struct wo_op first[] = {
        {.id = "n1", .wo = id, .kind = "note.add", .at = 10, .text = "one"}};
    wo_frame_free(WO_F_ACKS, push_ops(f, f->tech, first, 1));
    assert_null(session_next_frame(f->tech)); /* not live yet */
    struct wo_sync sy = {.cursor = 0, .partial = true};
    send_frame(f, f->tech, WO_F_SYNC, &sy);
    struct wo_changes *ch = next_frame(f->tech, WO_F_CHANGES);
    assert_true(ch->final);
    assert_int_equal(ch->n_orders, 1);
    assert_false(ch->orders[0].partial);
    assert_int_equal(ch->orders[0].n_notes, 1);
    int64_t cursor = ch->cursor;
    wo_frame_free(WO_F_CHANGES, ch);

    struct wo_op more[] = {
        {.id = "a1", .wo = id, .kind = "accept", .at = 11},
        {.id = "n2", .wo = id, .kind = "note.add", .at = 12, .text = "two"}};
    struct wo_acks *acks = push_ops(f, f->tech, more, 2);
    assert_string_equal(acks->acks[0].result, "applied");
    assert_string_equal(acks->acks[1].result, "applied");
    wo_frame_free(WO_F_ACKS, acks);
    ch = next_frame(f->tech, WO_F_CHANGES);
    assert_int_equal(ch->n_orders, 1);
    assert_true(ch->orders[0].partial);
    assert_string_equal(ch->orders[0].status, "accepted");
    assert_int_equal(ch->orders[0].n_notes, 1);
    assert_string_equal(ch->orders[0].notes[0].id, "n2");
    assert_true(ch->cursor > cursor);
    cursor = ch->cursor;
    wo_frame_free(WO_F_CHANGES, ch);
    assert_null(session_next_frame(f->tech));
    assert_null(session_next_frame(f->tech2)); /* not theirs */

    /* a sync without it: the whole order comes back */
    sy.partial = false;
    sy.cursor = cursor;
    send_frame(f, f->tech, WO_F_SYNC, &sy);
    ch = next_frame(f->tech, WO_F_CHANGES);
    assert_true(ch->final);
    wo_frame_free(WO_F_CHANGES, ch);
    struct wo_op last[] = {
        {.id = "n3", .wo = id, .kind = "note.add", .at = 13, .text = "3"}};
    wo_frame_free(WO_F_ACKS, push_ops(f, f->tech, last, 1));
    ch = next_frame(f->tech, WO_F_CHANGES);
    assert_int_equal(ch->n_orders, 1);
    assert_false(ch->orders[0].partial);
    assert_int_equal(ch->orders[0].n_notes, 3);
    wo_frame_free(WO_F_CHANGES, ch);
}

static void test_opkind_table(void **state)
{
    char why[256];
    for (int i = 0; i < WO_OP__COUNT; i++) {
        const struct wo_opkind *k = wo_opkind_get((enum wo_opk)i);
        assert_ptr_equal(wo_opkind_find(k->name), k);
    }
    assert_null(wo_opkind_find("part.void"));
    struct wo_op op = {.id = "p", .wo = 1, .kind = "part.add",
                       .part_no = "X", .qty = 0};
    assert_int_equal(wo_opkind_check(&op, why, sizeof why), WO_EINVAL);
    op.qty = 2;
    assert_int_equal(wo_opkind_check(&op, why, sizeof why), 0);
    op.wo = 0;
    assert_int_equal(wo_opkind_check(&op, why, sizeof why), WO_EINVAL);
    assert_true(wo_outcome_valid("needs-parts"));
    assert_false(wo_outcome_valid("needs"));
    assert_false(wo_outcome_valid("done|needs-parts"));
}

static void test_field_error_keeps_req(void **state)
{
    struct fixture *f = *state;
    char title[WO_MAX_SHORT + 2];
    memset(title, 't', sizeof title - 1);
    title[sizeof title - 1] = 0;
    struct wo_cmd c = {.req = 12, .name = "create", .title = title,
                       .priority = "P2"};
    send_frame(f, f->disp, WO_F_CMD, &c);
    expect_error(f->disp, 400, 12, "field 'title' is longer than 256");
}

static void test_error_reasons_are_utf8(void **state)
{
    struct fixture *f = *state;
    /* {"t": "\xff"}: a type that is not text is not quoted back */
    dispatch_frame(&f->srv, f->disp, (const uint8_t *)"\x81\xa1t\xa1\xff", 5,
                   1);
    expect_error(f->disp, 400, 0, "not valid UTF-8"); /* decodes: valid */
    /* whatever a reason quotes, the frame holds UTF-8 */
    assert_int_equal(session_error(f->disp, WO_EINVAL, 3, "bad \xff byte, "
                                   "cut \xc3"), 0);
    expect_error(f->disp, 400, 3, "bad ? byte, cut ?");
}

static void test_one_bad_op_is_rejected_alone(void **state)
{
    struct fixture *f = *state;
    int64_t id = create_order(f, "tech1");
    char *big = malloc(WO_MAX_TEXT + 2);
    memset(big, 'n', WO_MAX_TEXT + 1);
    big[WO_MAX_TEXT + 1] = 0;
    struct wo_op ops[] = {
        {.id = "a1", .wo = id, .kind = "accept", .at = 10},
        {.id = "n1", .wo = id, .kind = "note.add", .at = 11, .text = big},
        {.id = "n2", .wo = id, .kind = "note.add", .at = 12, .text = "ok"},
    };
    struct wo_acks *acks = push_ops(f, f->tech, ops, 3);
    assert_int_equal(acks->n_acks, 3);
    assert_string_equal(acks->acks[0].result, "applied");
    assert_string_equal(acks->acks[1].id, "n1");
    assert_string_equal(acks->acks[1].result, "rejected");
    assert_non_null(strstr(acks->acks[1].reason, "field 'text' is longer "
                                                 "than 8192 bytes"));
    assert_string_equal(acks->acks[2].result, "applied");
    wo_frame_free(WO_F_ACKS, acks);
    free(big);
}

/* A created order for assignee with a description of n bytes. */
static int64_t create_big(struct fixture *f, const char *assignee, size_t n)
{
    char *desc = malloc(n + 1);
    memset(desc, 'd', n);
    desc[n] = 0;
    struct wo_cmd c = {.req = 1, .name = "create", .title = "Chiller",
                       .priority = "P3", .description = desc,
                       .assignee = (char *)assignee};
    send_frame(f, f->disp, WO_F_CMD, &c);
    struct wo_result *r = next_frame(f->disp, WO_F_RESULT);
    int64_t id = r->orders[0].id;
    wo_frame_free(WO_F_RESULT, r);
    free(desc);
    return id;
}

static int has(const int64_t *a, size_t n, int64_t v)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] == v)
            return 1;
    return 0;
}

/*
 * A catch-up makes frames only while the peer has read what it was sent,
 * and what changes between two of its steps is not lost: an order taken
 * away after it was sent is revoked by the final frame, an order made
 * meanwhile comes before it, and no live push comes before it.
 */
static void test_catchup_is_paced(void **state)
{
    struct fixture *f = *state;
    enum { N = 200, DESC = 8000 };
    int64_t ids[N], fresh = 0, last = 0;
    int seen[N] = {0}, fresh_seen = 0, frames = 0, final = 0;
    for (int i = 0; i < N; i++)
        ids[i] = create_big(f, "tech1", DESC);
    struct wo_sync sy = {.cursor = 0};
    send_frame(f, f->tech, WO_F_SYNC, &sy);
    /* all of it would be N * DESC = 1.6 MB: it stops past the mark */
    size_t q = session_queued_bytes(f->tech);
    assert_true(q >= SESSION_QUEUE_LOW);
    assert_true(q < SESSION_QUEUE_LOW + SESSION_FRAME_BUDGET);
    assert_false(session_wants(f->tech, SESSION_FEED_ORDERS));
    for (;;) {
        if (session_hungry(f->tech))
            dispatch_drained(&f->srv, f->tech);
        assert_true(session_queued_bytes(f->tech) <
                    SESSION_QUEUE_LOW + SESSION_FRAME_BUDGET);
        struct wo_outframe *o = session_next_frame(f->tech);
        if (!o)
            break;
        char err[128];
        int t;
        void *body;
        assert_int_equal(wo_frame_decode(o->buf, o->len, &t, &body, err,
                                         sizeof err), 0);
        size_t len = o->len;
        free(o);
        assert_int_equal(t, WO_F_CHANGES);
        struct wo_changes *ch = body;
        /* orders that do not fit in one frame go in several */
        assert_true(len <= SESSION_FRAME_BUDGET || ch->n_orders <= 1);
        assert_false(final);        /* the final frame is the last */
        assert_true(ch->cursor >= last);
        last = ch->cursor;
        for (size_t i = 0; i < ch->n_orders; i++) {
            fresh_seen |= ch->orders[i].id == fresh;
            for (int k = 0; k < N; k++)
                seen[k] += ch->orders[i].id == ids[k];
        }
        if (ch->final) {
            final = 1;
            assert_true(fresh_seen);
            assert_true(has(ch->revoked, ch->n_revoked, ids[0]));
        }
        wo_frame_free(t, body);
        if (++frames == 1) {
            /* between two steps: ids[0] (sent) moves away, one is made */
            assert_int_equal(seen[0], 1);
            struct wo_cmd a = {.req = 2, .name = "assign", .wo = ids[0],
                               .assignee = "tech2"};
            send_frame(f, f->disp, WO_F_CMD, &a);
            wo_frame_free(WO_F_RESULT, next_frame(f->disp, WO_F_RESULT));
            fresh = create_big(f, "tech1", 10);
        }
    }
    assert_true(final);
    /* 1.6 MB of orders: several frames, each within the budget */
    assert_true(frames > 2);
    for (int k = 1; k < N; k++)
        assert_int_equal(seen[k], 1);
    assert_true(session_wants(f->tech, SESSION_FEED_ORDERS));
    assert_null(session_job(f->tech));
}

/* An order on asset for assignee (NULL: none) with a description of n
 * bytes; closed straight in the store when closed is set. */
static int64_t create_on(struct fixture *f, const char *assignee,
                         const char *asset, int closed, size_t n)
{
    char *desc = malloc(n + 1);
    memset(desc, 'p', n);
    desc[n] = 0;
    struct wo_cmd c = {.req = 1, .name = "create", .title = "Lift",
                       .priority = "P3", .asset = (char *)asset,
                       .description = desc, .assignee = (char *)assignee};
    send_frame(f, f->disp, WO_F_CMD, &c);
    struct wo_result *r = next_frame(f->disp, WO_F_RESULT);
    int64_t id = r->orders[0].id;
    wo_frame_free(WO_F_RESULT, r);
    free(desc);
    if (closed)
        assert_int_equal(store_order_set_status(f->srv.store, id, "closed"),
                         0);
    return id;
}

/* A past resolution that appears while the others are sent (an order on
 * its asset reached the technician meanwhile) still comes before the
 * final frame. */
static void test_catchup_keeps_late_past_resolutions(void **state)
{
    struct fixture *f = *state;
    /* 40 past resolutions of A, large: two frames that fill the queue,
     * so the catch-up pauses between them and its final frame */
    int64_t past_a = create_on(f, "tech2", "A", 1, 8000);
    for (int i = 0; i < 39; i++)
        create_on(f, "tech2", "A", 1, 8000);
    int64_t past_b = create_on(f, "tech2", "B", 1, 10);
    create_on(f, "tech1", "A", 0, 10);
    struct wo_sync sy = {.cursor = 0};
    send_frame(f, f->tech, WO_F_SYNC, &sy);
    int got_a = 0, got_b = 0, final = 0, made = 0;
    for (;;) {
        if (session_hungry(f->tech))
            dispatch_drained(&f->srv, f->tech);
        struct wo_outframe *o = session_next_frame(f->tech);
        if (!o)
            break;
        char err[128];
        int t;
        void *body;
        assert_int_equal(wo_frame_decode(o->buf, o->len, &t, &body, err,
                                         sizeof err), 0);
        free(o);
        struct wo_changes *ch = body;
        assert_false(final);
        for (size_t i = 0; i < ch->n_past; i++) {
            got_a |= ch->past[i].id == past_a;
            got_b |= ch->past[i].id == past_b;
        }
        final = ch->final;
        if (ch->n_past && !made) {
            made = 1; /* the list of past resolutions was read: now B */
            assert_false(got_b);
            create_on(f, "tech1", "B", 0, 10);
        }
        wo_frame_free(t, body);
    }
    assert_true(made);
    assert_true(final);
    assert_true(got_a);
    assert_true(got_b);
}

/* A peer that does not read is closed once its queue passes the cap, and
 * what was queued for it is freed at once. */
static void test_slow_reader_is_closed(void **state)
{
    struct fixture *f = *state;
    const char *why;
    for (int i = 0; i < 40; i++)
        create_big(f, NULL, 8000);
    int sent = 0;
    while (sent < 60 && !session_closing(f->disp, &why)) {
        struct wo_cmd b = {.req = 100 + sent++, .name = "board"};
        send_frame(f, f->disp, WO_F_CMD, &b);
    }
    assert_int_equal(session_closing(f->disp, &why), WO_CLOSE_POLICY);
    assert_non_null(strstr(why, "not reading"));
    /* 4 MiB of boards of 40 orders of 8 kB: some 13, not 60 */
    assert_true(sent * 40 * 8000 >= (int)SESSION_QUEUE_CAP);
    assert_true(sent < 20);
    assert_int_equal(session_queued_bytes(f->disp), 0);
    assert_null(session_next_frame(f->disp));
    assert_int_not_equal(session_send(f->disp, WO_F_RESULT,
                                      &(struct wo_result){.req = 1}), 0);
}

static void worker_wake(void *arg)
{
    __atomic_add_fetch(&((struct fixture *)arg)->worker_woken, 1,
                       __ATOMIC_SEQ_CST);
}

static struct catchup_worker *start_worker(struct fixture *f)
{
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/server.db", f->dir);
    struct catchup_worker *w = catchup_worker_start(path, worker_wake, f,
                                                    err, sizeof err);
    if (!w)
        fail_msg("catch-up worker: %s", err);
    return w;
}

/* The frames the worker finished, handed to their sessions (as the loop
 * does when woken), waiting up to 10 s for at least one. */
static void take_worker(struct fixture *f)
{
    for (int i = 0; i < 10000; i++) {
        if (__atomic_load_n(&f->worker_woken, __ATOMIC_SEQ_CST)) {
            __atomic_store_n(&f->worker_woken, 0, __ATOMIC_SEQ_CST);
            dispatch_woken(&f->srv);
            return;
        }
        usleep(1000);
    }
    fail_msg("the catch-up worker finished nothing in 10 s");
}

/* The next frame of s's catch-up, a changes frame, decoded: the loop is
 * pumped as it would run, a step when s is hungry and the worker's
 * finished frames when nothing is queued. */
static struct wo_changes *next_changes(struct fixture *f, struct session *s)
{
    for (;;) {
        if (session_queued(s))
            return next_frame(s, WO_F_CHANGES);
        if (session_hungry(s))
            dispatch_drained(&f->srv, s);
        if (!session_queued(s))
            take_worker(f);
    }
}

/* An order for tech1 waiting for the recipient's co-sign; *code gets
 * its recipient code (malloc'd). */
static int64_t completed_order(struct fixture *f, char **code)
{
    struct wo_cmd c = {.req = 8, .name = "create", .title = "Pump",
                       .priority = "P2", .assignee = "tech1"};
    send_frame(f, f->disp, WO_F_CMD, &c);
    struct wo_result *r = next_frame(f->disp, WO_F_RESULT);
    assert_non_null(r->orders[0].recipient_code);
    *code = strdup(r->orders[0].recipient_code);
    int64_t id = r->orders[0].id;
    wo_frame_free(WO_F_RESULT, r);
    assert_int_equal(store_order_set_status(f->srv.store, id, "completed"),
                     0);
    return id;
}

/* The single ack of s's ops frame, its result and reason checked. */
static void expect_ack(struct session *s, const char *result,
                       const char *words)
{
    struct wo_acks *a = next_frame(s, WO_F_ACKS);
    assert_int_equal(a->n_acks, 1);
    assert_string_equal(a->acks[0].result, result);
    if (words && !strstr(a->acks[0].reason, words))
        fail_msg("reason '%s' lacks '%s'", a->acks[0].reason, words);
    wo_frame_free(WO_F_ACKS, a);
}

/*
 * A co-sign's code is hashed on the codes thread, not in the group
 * commit: its frame, and the next one of the same session, wait in the
 * queue unacked while another session's ops are committed; once the hash
 * is back they are applied in order. The right code passes the check
 * (the op then fails on its made-up signature), a wrong one is counted
 * wrong, and a drain (a stop) hashes a code not back yet in the commit.
 * A co-sign ops.c would refuse before hashing is not hashed ahead.
 */
static void test_cosign_code_hashed_off_the_loop(void **state)
{
    struct fixture *f = *state;
    char err[128], *code, wrong[VERIFY_CODE_LEN + 1];
    uint8_t sig[64] = {0};
    f->srv.codes = codepool_start(2, worker_wake, f, err, sizeof err);
    assert_non_null(f->srv.codes);
    int64_t id = completed_order(f, &code);
    int64_t other = create_order(f, "tech2");
    snprintf(wrong, sizeof wrong, "%s", code);
    wrong[0] = wrong[0] == '1' ? '2' : '1';
    struct wo_op cosign = {.id = "r1", .wo = id, .kind = "sign.recipient",
                           .at = 20, .name = "Ann", .code = code,
                           .satisfied = 1, .statement = "made up",
                           .sig = sig, .sig_len = sizeof sig};
    struct wo_op bad = cosign, after = {.id = "n1", .wo = id,
                                        .kind = "note.add", .at = 21,
                                        .text = "after the co-sign"};
    struct wo_op note = {.id = "n2", .wo = other, .kind = "note.add",
                         .at = 22, .text = "meanwhile"};
    bad.id = "r0";
    bad.code = wrong;
    send_frame(f, f->tech, WO_F_OPS, &(struct wo_ops){.ops = &bad,
                                                      .n_ops = 1});
    send_frame(f, f->tech, WO_F_OPS, &(struct wo_ops){.ops = &after,
                                                      .n_ops = 1});
    send_frame(f, f->tech2, WO_F_OPS, &(struct wo_ops){.ops = &note,
                                                       .n_ops = 1});
    commit_flush(&f->srv);
    expect_ack(f->tech2, "applied", NULL);
    assert_null(session_next_frame(f->tech));   /* held, both frames */
    /* a co-sign the loop would refuse before hashing (not the sender's
     * order) is not hashed ahead either: refused at once */
    struct wo_op theirs = cosign;
    theirs.id = "t1";
    send_frame(f, f->tech2, WO_F_OPS, &(struct wo_ops){.ops = &theirs,
                                                       .n_ops = 1});
    commit_flush(&f->srv);
    expect_ack(f->tech2, "rejected", "never assigned to you");
    take_worker(f);                             /* the hash is back */
    commit_flush(&f->srv);
    expect_ack(f->tech, "rejected", "confirmation code is wrong");
    expect_ack(f->tech, "applied", NULL);
    int failures;
    struct store_code kept;
    assert_int_equal(store_code_get(f->srv.store, id, &kept, &failures), 0);
    assert_int_equal(failures, 1);
    send_frame(f, f->tech, WO_F_OPS, &(struct wo_ops){.ops = &cosign,
                                                      .n_ops = 1});
    commit_flush(&f->srv);
    assert_null(session_next_frame(f->tech));
    take_worker(f);
    commit_flush(&f->srv);
    expect_ack(f->tech, "rejected", "signature");
    /* a new code while the old one is being hashed: the salt moved, so
     * the commit hashes again with the order's code as it is then */
    cosign.id = "r3";
    send_frame(f, f->tech, WO_F_OPS, &(struct wo_ops){.ops = &cosign,
                                                      .n_ops = 1});
    commit_flush(&f->srv);
    struct wo_cmd renew = {.req = 9, .name = "code", .wo = id};
    send_frame(f, f->disp, WO_F_CMD, &renew);
    struct wo_result *r = next_frame(f->disp, WO_F_RESULT);
    assert_string_not_equal(r->orders[0].recipient_code, code);
    wo_frame_free(WO_F_RESULT, r);
    take_worker(f);
    commit_flush(&f->srv);
    expect_ack(f->tech, "rejected", "confirmation code is wrong");
    assert_int_equal(store_code_get(f->srv.store, id, &kept, &failures), 0);
    assert_int_equal(failures, 1);  /* counted again from 0: this one */
    /* a stop: the thread goes first, the queue is drained after it */
    cosign.id = "r2";
    send_frame(f, f->tech, WO_F_OPS, &(struct wo_ops){.ops = &cosign,
                                                      .n_ops = 1});
    codepool_stop(f->srv.codes);
    f->srv.codes = NULL;
    commit_drain(&f->srv);
    expect_ack(f->tech, "rejected", "confirmation code is wrong");
    free(code);
}

/* Until the codes thread has hashed n checks in all, then hand them to
 * the loop (as it does when woken); up to a minute. */
static void take_checks(struct fixture *f, size_t n)
{
    for (int i = 0; i < 60000 && codepool_checks(f->srv.codes) < n; i++)
        usleep(1000);
    assert_int_equal(codepool_checks(f->srv.codes), n);
    dispatch_woken(&f->srv);
}

/*
 * The codes thread hashes no more than the group commit would: a frame
 * of seven wrong codes for one order gets five hashed (the order locks
 * at five), a malformed co-sign none; the acks are those the loop alone
 * gave.
 */
static void test_cosign_flood_hashes_no_more(void **state)
{
    struct fixture *f = *state;
    char err[128], *code, wrong[VERIFY_CODE_LEN + 1], ids[8][8];
    uint8_t sig[64] = {0};
    f->srv.codes = codepool_start(1, worker_wake, f, err, sizeof err);
    assert_non_null(f->srv.codes);
    int64_t id = completed_order(f, &code);
    snprintf(wrong, sizeof wrong, "%s", code);
    wrong[0] = wrong[0] == '1' ? '2' : '1';
    struct wo_op ops[8];
    for (int i = 0; i < 8; i++) {
        snprintf(ids[i], sizeof ids[i], "w%d", i);
        ops[i] = (struct wo_op){.id = ids[i], .wo = id,
                                .kind = "sign.recipient", .at = 30 + i,
                                .name = "Ann", .code = wrong,
                                .satisfied = 1, .statement = "made up",
                                .sig = sig, .sig_len = sizeof sig};
    }
    ops[7].statement = NULL;        /* malformed: refused unhashed */
    send_frame(f, f->tech, WO_F_OPS, &(struct wo_ops){.ops = ops,
                                                      .n_ops = 8});
    commit_flush(&f->srv);
    assert_null(session_next_frame(f->tech));
    take_checks(f, OPS_CODE_TRIES);
    commit_flush(&f->srv);
    struct wo_acks *a = next_frame(f->tech, WO_F_ACKS);
    assert_int_equal(a->n_acks, 8);
    for (int i = 0; i < 7; i++) {
        assert_string_equal(a->acks[i].result, "rejected");
        assert_non_null(strstr(a->acks[i].reason, i < OPS_CODE_TRIES
                                                      ? "code is wrong"
                                                      : "is locked"));
    }
    assert_non_null(strstr(a->acks[7].reason, "needs 'statement'"));
    wo_frame_free(WO_F_ACKS, a);
    assert_int_equal(codepool_checks(f->srv.codes), OPS_CODE_TRIES);
    free(code);
}

/*
 * A group commit that fails closes its senders' sessions without an
 * ack; a frame of one of them held behind a code check is dropped with
 * it, not applied later without the frame before it (the client sends
 * both again, in order).
 */
static void test_failed_commit_drops_held_frames(void **state)
{
    struct fixture *f = *state;
    char err[128], path[128], *code;
    uint8_t sig[64] = {0};
    sqlite3 *db;
    f->srv.codes = codepool_start(1, worker_wake, f, err, sizeof err);
    assert_non_null(f->srv.codes);
    int64_t id = completed_order(f, &code);
    int64_t other = create_order(f, "tech1");
    struct wo_op note = {.id = "n5", .wo = other, .kind = "note.add",
                         .at = 40, .text = "before the co-sign"};
    struct wo_op cosign = {.id = "r5", .wo = id, .kind = "sign.recipient",
                           .at = 41, .name = "Ann", .code = code,
                           .satisfied = 1, .statement = "made up",
                           .sig = sig, .sig_len = sizeof sig};
    /* every note written from now on fails: so does the group commit */
    snprintf(path, sizeof path, "%s/server.db", f->dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE gone(x);"
                                      "CREATE TRIGGER notes_fail BEFORE "
                                      "INSERT ON notes BEGIN INSERT INTO "
                                      "gone VALUES (1); END;"
                                      "DROP TABLE gone;", NULL, NULL, NULL),
                     SQLITE_OK);
    send_frame(f, f->tech, WO_F_OPS, &(struct wo_ops){.ops = &note,
                                                      .n_ops = 1});
    send_frame(f, f->tech, WO_F_OPS, &(struct wo_ops){.ops = &cosign,
                                                      .n_ops = 1});
    commit_flush(&f->srv);
    expect_error(f->tech, 503, 0, "could not store your ops");
    assert_int_equal(sqlite3_exec(db, "DROP TRIGGER notes_fail;", NULL, NULL,
                                  NULL), SQLITE_OK);
    sqlite3_close(db);
    take_checks(f, 1);
    commit_flush(&f->srv);
    char seen[16], *why = NULL;
    assert_int_equal(store_op_seen(f->srv.store, "r5", seen, &why), 0);
    assert_int_equal(store_op_seen(f->srv.store, "n5", seen, &why), 0);
    free(code);
}

/*
 * A catch-up whose frames are made on the worker thread: the loop queues
 * nothing until the frame comes back; an order changed between the
 * listing and the worker's load is left out of that frame and comes
 * later with its last state, so no order is ever newer than its frame's
 * cursor and no cursor passes an order not sent; the final frame is made
 * on the loop. A frame for a session gone, or for a catch-up a new sync
 * replaced, is dropped.
 */
static void test_catchup_on_the_worker(void **state)
{
    struct fixture *f = *state;
    enum { N = 120 };
    int64_t ids[N];
    for (int i = 0; i < N; i++)
        ids[i] = create_order(f, "tech1");
    f->srv.catchup = start_worker(f);
    catchup_worker_hold(f->srv.catchup, 1);
    struct wo_sync sy = {.cursor = 0};
    send_frame(f, f->tech, WO_F_SYNC, &sy);
    /* the first frame (25 orders) is the worker's: nothing queued yet */
    assert_int_equal(session_queued_bytes(f->tech), 0);
    assert_non_null(session_job(f->tech));
    /* before the worker loads them, an order of that first frame leaves
     * the scope and comes back, two changes later */
    const char *to[] = {"tech2", "tech1"};
    for (int i = 0; i < 2; i++) {
        struct wo_cmd a = {.req = 2, .name = "assign", .wo = ids[3],
                           .assignee = (char *)to[i]};
        send_frame(f, f->disp, WO_F_CMD, &a);
        wo_frame_free(WO_F_RESULT, next_frame(f->disp, WO_F_RESULT));
    }
    catchup_worker_hold(f->srv.catchup, 0);
    int64_t last_seq[N] = {0}, cursor = 0;
    int frames = 0, final = 0;
    while (!final) {
        struct wo_changes *ch = next_changes(f, f->tech);
        assert_true(ch->cursor >= cursor);
        cursor = ch->cursor;
        for (size_t i = 0; i < ch->n_orders; i++) {
            /* as listed: never an order newer than the frame's cursor */
            assert_true(ch->orders[i].seq <= ch->cursor);
            /* the changed order is left out of the first frame */
            assert_false(frames == 0 && ch->orders[i].id == ids[3]);
            for (int k = 0; k < N; k++)
                if (ch->orders[i].id == ids[k])
                    last_seq[k] = ch->orders[i].seq;
        }
        if (frames == 0)
            assert_int_equal(ch->n_orders, 24);
        /* every order up to the cursor has been sent by now */
        for (int k = 0; k < N && !ch->final; k++) {
            struct wo_order cur;
            assert_int_equal(store_order_load(f->srv.store, ids[k],
                                              STORE_LOAD_BRIEF, &cur, NULL),
                             0);
            if (cur.seq <= cursor)
                assert_int_equal(last_seq[k], cur.seq);
            wo_order_cleanup(&cur);
        }
        final = ch->final;
        frames++;
        wo_frame_free(WO_F_CHANGES, ch);
    }
    assert_int_equal(frames, 3); /* 25 and 50 on the worker, the final */
    for (int k = 0; k < N; k++) {
        struct wo_order cur;
        assert_int_equal(store_order_load(f->srv.store, ids[k],
                                          STORE_LOAD_BRIEF, &cur, NULL), 0);
        assert_int_equal(last_seq[k], cur.seq);   /* each at its last state */
        wo_order_cleanup(&cur);
    }
    assert_true(session_wants(f->tech, SESSION_FEED_ORDERS));
    assert_null(session_job(f->tech));

    /* a new sync while the worker makes a frame: that frame is dropped,
     * the new catch-up starts again from 0 and brings every order once */
    send_frame(f, f->tech, WO_F_SYNC, &sy);
    assert_int_equal(session_queued_bytes(f->tech), 0);
    send_frame(f, f->tech, WO_F_SYNC, &sy);
    int seen[N] = {0};
    final = 0;
    while (!final) {
        struct wo_changes *ch = next_changes(f, f->tech);
        for (size_t i = 0; i < ch->n_orders; i++)
            for (int k = 0; k < N; k++)
                seen[k] += ch->orders[i].id == ids[k];
        final = ch->final;
        wo_frame_free(WO_F_CHANGES, ch);
    }
    for (int k = 0; k < N; k++)
        assert_int_equal(seen[k], 1);

    /* a session that goes while its frame is on the worker: dropped */
    for (int i = 0; i < 30; i++)
        create_order(f, "tech2");
    struct wo_outframe *o;
    while ((o = session_next_frame(f->tech2))) /* whatever came */
        free(o);
    send_frame(f, f->tech2, WO_F_SYNC, &sy);
    assert_int_equal(session_queued_bytes(f->tech2), 0);
    session_destroy(f->tech2);
    f->tech2 = NULL;
    take_worker(f);
    catchup_worker_stop(f->srv.catchup);
    f->srv.catchup = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roles_are_checked_by_dispatch,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_command_keeps_req, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_anonymous_and_garbage_are_struck,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_rolls_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_assign_pushes_once_to_a_live_holder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_op_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_own_ops_come_back_partial, setup,
                                        teardown),
        cmocka_unit_test(test_opkind_table),
        cmocka_unit_test_setup_teardown(test_field_error_keeps_req, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_error_reasons_are_utf8, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_one_bad_op_is_rejected_alone,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_catchup_is_paced, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_slow_reader_is_closed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_catchup_keeps_late_past_resolutions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cosign_code_hashed_off_the_loop,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_cosign_flood_hashes_no_more,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_commit_drops_held_frames,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_catchup_on_the_worker, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
