/*
 * fuzz_dispatch.c - libFuzzer target for the server's handling of one
 * received message: dispatch_frame() with everything behind it (route
 * table, role checks, handlers, write transactions, the group commit and
 * its op rules, pushes), against a real store, as tests/unit/
 * test_dispatch.c drives it: sessions on a transport that only counts
 * write requests, no socket.
 *
 * Input: one byte that picks the sender, then the message.
 *   byte & 3 == 0  the dispatcher      1  technician tech1
 *               2  admin root          3  a new anonymous connection
 * After the message, the group commit is flushed (as the loop's timer
 * would), every 64th input the desk tick runs, and every frame queued for
 * any session is taken off its queue and decoded: what the server sends
 * must be something the codec accepts, or a client would refuse it.
 *
 * State carries over between inputs (orders created by one are there for
 * the next), as it does in a running server. So that the store does not
 * grow without bound, the whole world (store, sessions, commit queue) is
 * made anew every RESET_EVERY inputs; a crash that needs earlier inputs
 * may therefore not reproduce from its input alone: libFuzzer's
 * -runs over the corpus directory replays the order.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commit.h"
#include "desk.h"
#include "dispatch.h"
#include "fuzz_env.h"
#include "server.h"
#include "session.h"
#include "sessreg.h"
#include "store.h"
#include "wo_crypto.h"
#include "wo_msgq.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RESET_EVERY 20000   /* inputs between two fresh stores */
#define TICK_EVERY 64       /* inputs between two desk ticks */
#define N_USERS 3

struct fake_conn {
    int writes;
};

static void fake_want_write(void *conn) { ((struct fake_conn *)conn)->writes++; }
static void fake_authed(void *conn) { (void)conn; }

static const struct transport fake = {.want_write = fake_want_write,
                                      .authenticated = fake_authed};

static struct {
    char dir[128];
    struct srv srv;
    struct fake_conn conn[N_USERS + 1];
    struct session *s[N_USERS];
    struct session_auth auth[N_USERS];
    unsigned long runs;
} W;

static const struct {
    const char *name, *role;
} users[N_USERS] = {
    {"disp", "dispatcher"}, {"tech1", "technician"}, {"root", "admin"}};

static void die(const char *what, const char *why)
{
    fprintf(stderr, "fuzz_dispatch: %s: %s\n", what, why ? why : "");
    abort();
}

static void wake(void *arg) { (void)arg; }

static struct session *session_for(int i)
{
    struct session *s = session_create(W.srv.sessions, &fake, &W.conn[i], 0);
    if (!s || session_set_auth(s, &W.auth[i]))
        die("session", "out of memory");
    return s;
}

/* A user with an enrolled device (a random key: no input can sign for
 * it, as none could for a real laptop's), and its session. */
static void add_user(int i)
{
    char code[STORE_CODE_LEN];
    uint8_t pub[32];
    struct store_user u;
    int64_t dev = 0;
    const char *why;
    if (store_user_add(W.srv.store, users[i].name, users[i].role, 1, 0,
                       code) ||
        wo_random(pub, sizeof pub) ||
        store_enroll(W.srv.store, code, NULL, pub, "fuzz", 1, &dev, &u,
                     &why))
        die("user", store_errmsg(W.srv.store));
    struct session_auth *a = &W.auth[i];
    memset(a, 0, sizeof *a);
    a->user_id = u.id;
    a->device_id = dev;
    snprintf(a->user, sizeof a->user, "%s", users[i].name);
    snprintf(a->role, sizeof a->role, "%s", users[i].role);
    W.s[i] = session_for(i);
}

/* Take every queued frame off s; each must decode. */
static void drain(struct session *s)
{
    struct wo_outframe *f;
    while ((f = session_next_frame(s))) {
        char err[256];
        int type;
        void *body;
        if (wo_frame_decode(f->buf, f->len, &type, &body, err, sizeof err))
            die("the server queued a frame the codec refuses", err);
        wo_frame_free(type, body);
        free(f);
    }
}

/* Orders for the technician, so that ops from the first inputs have
 * something to act on: ids 1 and 2 assigned to tech1, 3 unassigned. */
static void seed_orders(void)
{
    struct wo_cmd c = {.req = 1, .name = "create", .title = "Boiler",
                       .priority = "P2", .asset = "B-7",
                       .assignee = "tech1"};
    struct wo_buf b = {0};
    for (int i = 0; i < 3; i++) {
        c.assignee = i < 2 ? "tech1" : NULL;
        b.len = 0;
        if (wo_frame_encode(WO_F_CMD, &c, &b))
            die("seed", "encode");
        dispatch_frame(&W.srv, W.s[0], b.data, b.len, 1);
    }
    wo_buf_cleanup(&b);
    drain(W.s[0]);
    drain(W.s[1]);
}

static void world_open(void)
{
    char path[256], err[256];
    fuzz_scratch_dir("wo-fuzz-dispatch", W.dir, sizeof W.dir);
    snprintf(path, sizeof path, "%s/server.db", W.dir);
    if (store_create(path, &W.srv.store, err, sizeof err))
        die("store_open", err);
    W.srv.sessions = sessreg_create();
    W.srv.commit = commit_create(wake, NULL);
    W.srv.alerts_pushed = -1;
    W.srv.feed_pushed = -1;
    if (!W.srv.sessions || !W.srv.commit)
        die("world", "out of memory");
    for (int i = 0; i < N_USERS; i++)
        add_user(i);
    seed_orders();
}

static void world_close(void)
{
    for (int i = 0; i < N_USERS; i++)
        session_destroy(W.s[i]);
    commit_destroy(W.srv.commit);
    sessreg_destroy(W.srv.sessions);
    store_close(W.srv.store);
    memset(&W.srv, 0, sizeof W.srv);
    fuzz_remove_db(W.dir, "server.db");
    rmdir(W.dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    world_open();
    atexit(world_close);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (++W.runs % RESET_EVERY == 0) {
        world_close();
        world_open();
    }
    int who = data[0] & 3;
    struct session *anon = NULL, *s;
    if (who == N_USERS) {
        s = anon = session_create(W.srv.sessions, &fake, &W.conn[N_USERS], 0);
        if (!anon)
            die("session", "out of memory");
        (void)dispatch_connected(&W.srv, anon);
    } else {
        s = W.s[who];
    }
    dispatch_frame(&W.srv, s, data + 1, size - 1, 1);
    commit_flush(&W.srv);
    if (W.runs % TICK_EVERY == 0)
        (void)desk_tick(&W.srv);

    const char *why;
    for (int i = 0; i < N_USERS; i++) {
        drain(W.s[i]);
        /* a session closed by strikes or a revocation is a connection
         * gone; the user comes back on a new one */
        if (session_closing(W.s[i], &why)) {
            session_destroy(W.s[i]);
            W.s[i] = session_for(i);
        }
    }
    if (anon) {
        drain(anon);
        session_destroy(anon);
    }
    return 0;
}
