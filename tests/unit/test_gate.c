/*
 * Unit tests for the gate (server/gate.c): admission caps, the deadlines
 * its sweep enforces, pings, and the frame rate; with real sessions on a
 * transport that records what it was asked, and times the test makes up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gate.h"
#include "session.h"
#include "sessreg.h"

struct fake_conn {
    const char *addr;
    int writes, pings, drops;
};

static void f_write(void *c) { ((struct fake_conn *)c)->writes++; }
static const char *f_peer(void *c) { return ((struct fake_conn *)c)->addr; }
static void f_ping(void *c) { ((struct fake_conn *)c)->pings++; }
static void f_drop(void *c) { ((struct fake_conn *)c)->drops++; }

static const struct transport fake = {.want_write = f_write, .peer = f_peer,
                                      .ping = f_ping, .drop = f_drop};

#define N 8

struct fixture {
    struct sessreg *reg;
    struct gate *g;
    struct fake_conn conn[N];
    struct session *s[N];
};

static struct fixture *make(const struct gate_limits *lim)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->reg = sessreg_create();
    f->g = gate_create(lim);
    assert_non_null(f->g);
    return f;
}

static void done(struct fixture *f)
{
    for (int i = 0; i < N; i++)
        if (f->s[i]) {
            gate_closed(f->g, f->s[i]);
            session_destroy(f->s[i]);
        }
    assert_int_equal(gate_unauth(f->g), 0);
    gate_destroy(f->g);
    sessreg_destroy(f->reg);
    free(f);
}

/* Open session i from addr at now; the gate's answer. */
static int open_at(struct fixture *f, int i, const char *addr, int64_t now)
{
    f->conn[i].addr = addr;
    f->s[i] = session_create(f->reg, &fake, &f->conn[i], 0);
    assert_non_null(f->s[i]);
    return gate_open(f->g, f->s[i], now);
}

static void close_one(struct fixture *f, int i)
{
    gate_closed(f->g, f->s[i]);
    session_destroy(f->s[i]);
    f->s[i] = NULL;
}

static void authenticate(struct fixture *f, int i)
{
    struct session_auth a = {.user_id = 10 + i, .device_id = 20 + i};
    snprintf(a.user, sizeof a.user, "u%d", i);
    snprintf(a.role, sizeof a.role, "technician");
    assert_int_equal(session_set_auth(f->s[i], &a), 0);
    gate_handled(f->g, f->s[i]);
}

static int closing(struct fixture *f, int i, const char **why)
{
    const char *w;
    return session_closing(f->s[i], why ? why : &w);
}

static void test_per_address_cap(void **st)
{
    struct gate_limits lim = {.per_addr = 2};
    struct fixture *f = make(&lim);
    const char *why;
    assert_int_equal(open_at(f, 0, "10.0.0.1", 0), 0);
    assert_int_equal(open_at(f, 1, "10.0.0.1", 0), 0);
    assert_int_equal(open_at(f, 2, "10.0.0.1", 0), WO_EPERM);
    assert_int_equal(closing(f, 2, &why), WO_CLOSE_BUSY);
    assert_non_null(strstr(why, "from your address"));
    assert_int_equal(open_at(f, 3, "10.0.0.2", 0), 0);
    assert_int_equal(gate_from(f->g, "10.0.0.1"), 2);
    /* a refused session counts nowhere, before or after its close */
    close_one(f, 2);
    assert_int_equal(gate_from(f->g, "10.0.0.1"), 2);
    close_one(f, 0);
    assert_int_equal(open_at(f, 4, "10.0.0.1", 0), 0);
    assert_int_equal(closing(f, 4, NULL), 0);
    /* authenticated ones count too: the cap is on connections */
    authenticate(f, 4);
    assert_int_equal(open_at(f, 5, "10.0.0.1", 0), WO_EPERM);
    done(f);
}

static void test_unauthenticated_cap(void **st)
{
    struct gate_limits lim = {.unauth = 2};
    struct fixture *f = make(&lim);
    const char *why;
    assert_int_equal(open_at(f, 0, "a", 0), 0);
    assert_int_equal(open_at(f, 1, "b", 0), 0);
    assert_int_equal(open_at(f, 2, "c", 0), WO_EPERM);
    assert_int_equal(closing(f, 2, &why), WO_CLOSE_BUSY);
    assert_non_null(strstr(why, "waiting to authenticate"));
    assert_int_equal(gate_unauth(f->g), 2);
    authenticate(f, 0);
    assert_int_equal(gate_unauth(f->g), 1);
    assert_int_equal(open_at(f, 3, "c", 0), 0);
    assert_int_equal(gate_unauth(f->g), 2);
    close_one(f, 1);
    assert_int_equal(gate_unauth(f->g), 1);
    done(f);
}

static void test_auth_deadline(void **st)
{
    struct gate_limits lim = {.auth_ms = 1000};
    struct fixture *f = make(&lim);
    const char *why;
    assert_int_equal(open_at(f, 0, "a", 100), 0);
    assert_int_equal(open_at(f, 1, "a", 100), 0);
    authenticate(f, 1);
    gate_sweep(f->g, 1099);
    assert_int_equal(closing(f, 0, NULL), 0);
    /* input is no excuse: the deadline is for authenticating */
    session_heard(f->s[0]);
    gate_sweep(f->g, 1100);
    assert_int_equal(closing(f, 0, &why), WO_CLOSE_TIMEOUT);
    assert_non_null(strstr(why, "no authentication within"));
    assert_int_equal(closing(f, 1, NULL), 0);
    assert_true(f->conn[0].writes > 0); /* the close frame is written */
    /* a peer that does not even read its close frame is dropped */
    gate_sweep(f->g, 1100 + GATE_CLOSE_GRACE_MS - 1);
    assert_int_equal(f->conn[0].drops, 0);
    gate_sweep(f->g, 1100 + GATE_CLOSE_GRACE_MS);
    assert_int_equal(f->conn[0].drops, 1);
    gate_sweep(f->g, 1100 + 2 * GATE_CLOSE_GRACE_MS);
    assert_int_equal(f->conn[0].drops, 1);
    done(f);
}

static void test_idle_ping_and_close(void **st)
{
    struct gate_limits lim = {.idle_ms = 1000};
    struct fixture *f = make(&lim);
    const char *why;
    assert_int_equal(open_at(f, 0, "a", 0), 0);
    assert_int_equal(open_at(f, 1, "a", 0), 0);
    authenticate(f, 0);
    authenticate(f, 1);
    gate_sweep(f->g, 499);
    assert_int_equal(f->conn[0].pings, 0);
    gate_sweep(f->g, 500);
    assert_int_equal(f->conn[0].pings, 1);
    gate_sweep(f->g, 700); /* one ping per silence */
    assert_int_equal(f->conn[0].pings, 1);
    /* session 0 answers (a pong), session 1 does not */
    session_heard(f->s[0]);
    gate_sweep(f->g, 900);
    gate_sweep(f->g, 1000);
    assert_int_equal(closing(f, 0, NULL), 0);
    assert_int_equal(closing(f, 1, &why), WO_CLOSE_TIMEOUT);
    assert_non_null(strstr(why, "nothing heard"));
    /* heard at 900: pinged again at 1400, closed at 1900 if silent */
    gate_sweep(f->g, 1400);
    assert_int_equal(f->conn[0].pings, 2);
    gate_sweep(f->g, 1899);
    assert_int_equal(closing(f, 0, NULL), 0);
    gate_sweep(f->g, 1900);
    assert_int_equal(closing(f, 0, NULL), WO_CLOSE_TIMEOUT);
    done(f);
}

static void test_frame_rate(void **st)
{
    struct gate_limits lim = {.rate = 10, .burst = 5};
    struct fixture *f = make(&lim);
    const char *why;
    assert_int_equal(open_at(f, 0, "a", 0), 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(gate_frame(f->g, f->s[0], 0), 0);
    /* 100 ms bring one frame back */
    assert_int_equal(gate_frame(f->g, f->s[0], 100), 0);
    assert_int_equal(gate_frame(f->g, f->s[0], 100), WO_EPERM);
    assert_int_equal(closing(f, 0, &why), WO_CLOSE_RATE);
    assert_non_null(strstr(why, "10 frames a second"));
    /* at the rate, forever */
    assert_int_equal(open_at(f, 1, "a", 0), 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(gate_frame(f->g, f->s[1], 100 * i), 0);
    done(f);
}

/* The defaults let an offline laptop replay a full outbox at once: the
 * client sends ops in frames of 200 and waits for each frame's acks, but
 * even back to back 200,000 ops pass (docs/protocol.md). */
static void test_defaults_allow_an_outbox_replay(void **st)
{
    struct gate_limits lim = {.per_addr = GATE_PER_ADDR,
                              .unauth = GATE_UNAUTH, .rate = GATE_RATE,
                              .burst = GATE_BURST};
    struct fixture *f = make(&lim);
    assert_int_equal(open_at(f, 0, "a", 0), 0);
    for (int i = 0; i < 200000 / 200; i++)
        assert_int_equal(gate_frame(f->g, f->s[0], 0), 0);
    /* then GATE_RATE frames (20,000 ops) every second */
    for (int i = 0; i < GATE_RATE; i++)
        assert_int_equal(gate_frame(f->g, f->s[0], 1000), 0);
    assert_int_equal(gate_frame(f->g, f->s[0], 1000), WO_EPERM);
    done(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_address_cap),
        cmocka_unit_test(test_unauthenticated_cap),
        cmocka_unit_test(test_auth_deadline),
        cmocka_unit_test(test_idle_ping_and_close),
        cmocka_unit_test(test_frame_rate),
        cmocka_unit_test(test_defaults_allow_an_outbox_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
