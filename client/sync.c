/*
 * sync.c - the client side of a connection: challenge -> auth (or enrol)
 * -> push the outbox in order, applying acks -> catch up from the cursor
 * -> (watch) live pushes, with the outbox polled so ops recorded by other
 * wo processes, or while offline, go up by themselves.
 *
 * Every state change lands in the replica in a transaction with the
 * cursor it brings (a catch-up's frames up to HOLD_FRAMES to one, for at
 * most HOLD_MS), so a kill at any point loses nothing: unacked ops are
 * re-pushed (the server answers "duplicate"), and frames not committed
 * are sent again because the cursor did not move.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "i18n.h"
#include "net.h"
#include "replica.h"
#include "sync.h"
#include "wo_clock.h"
#include "wo_crypto.h"

#define PUSH_BATCH 200
/* Frames of ops on their way at once: the next goes while the server
 * commits the one before, so neither side waits for the other */
#define PUSH_WINDOW 2
/* Catch-up frames written in one commit (replica_apply_changes, hold),
 * and for at most this long: the open write keeps other wo commands on
 * this laptop (a note being recorded) waiting */
#define HOLD_FRAMES 8
#define HOLD_MS 250

enum mode { M_ENROLL, M_SYNC, M_CMD };

struct conn {
    struct client *c;
    struct net *n;
    enum mode mode;
    int watch;
    const struct sync_events *ev; /* NULL: nobody listens */
    /* enrol */
    const char *code, *user;
    uint8_t priv[32], pub[32];
    int64_t enrolled_device;
    char *enrolled_user, *enrolled_role;
    /* sync */
    int authed;
    size_t inflight;        /* ops sent, not yet acked */
    int frames;             /* frames of them (at most PUSH_WINDOW) */
    int64_t sent_upto;      /* outbox row the last frame ended at */
    size_t pushed;          /* ops sent on this connection */
    size_t push_limit;      /* test only: stop uploading after this many */
    int caught_up;
    int64_t applied, duplicate, rejected, orders_in, revoked_in, past_in;
    int64_t quarantine_told; /* replica_quarantined() already reported */
    struct wo_receipt *opened; /* first openings sent on this connection */
    size_t n_opened;
    struct wo_receipt *stored; /* orders applied, not yet committed */
    size_t n_stored, cap_stored;
    int held;                  /* frames applied in the open write */
    int64_t held_since;        /* boot-clock ms of the first of them */
    /* cmd */
    struct wo_cmd *cmd;
    struct wo_result *res;
    /* outcome */
    int failed;
    int64_t status;         /* the wire status of an error frame */
    int server_trouble;     /* a 5xx: retry with backoff, in both modes */
    char err[1400];
};

static void fail(struct conn *k, const char *msg)
{
    k->failed = 1;
    snprintf(k->err, sizeof k->err, "%s", msg);
    net_stop(k->n);
}

/* Say so when outbox rows were set aside since the last report: they
 * will never go up, and the technician must record that work again. */
static void tell_quarantine(struct conn *k)
{
    int64_t q = replica_quarantined(k->c->r) - k->quarantine_told;
    if (q <= 0)
        return;
    k->quarantine_told += q;
    fprintf(stderr, "wo: %lld op%s in the outbox could not be read back and "
                    "%s set aside (quarantined), the rest go up; 'wo outbox' "
                    "shows %s and why\n", (long long)q, q == 1 ? "" : "s",
            q == 1 ? "was" : "were", q == 1 ? "it" : "them");
}

/* Fail with what the replica says went wrong (disk full, damage). */
static void fail_replica(struct conn *k, const char *doing, int rc)
{
    char why[1024], msg[1200];
    snprintf(msg, sizeof msg, "%s: %s", doing,
             replica_why(k->c->r, rc, why, sizeof why));
    fail(k, msg);
}

/* Send the next frame of the outbox; 1 if one went. */
static int push_frame(struct conn *k)
{
    struct wo_op *ops;
    size_t n;
    int64_t last;
    size_t max = PUSH_BATCH;
    if (k->push_limit)
        max = k->pushed >= k->push_limit ? 0
              : k->push_limit - k->pushed < max ? k->push_limit - k->pushed
                                                 : max;
    if (!max)
        return 0;
    int rc = replica_outbox_pending(k->c->r, k->sent_upto, max, &ops, &n,
                                    &last);
    tell_quarantine(k);
    if (rc) {
        fail_replica(k, "cannot read the outbox", rc);
        return 0;
    }
    int sent = 0;
    if (n) {
        struct wo_ops f = {.ops = ops, .n_ops = n};
        if (net_send(k->n, WO_F_OPS, &f) == 0) {
            k->inflight += n;
            k->pushed += n;
            k->frames++;
            k->sent_upto = last;
            sent = 1;
        }
    }
    for (size_t i = 0; i < n; i++)
        wo_op_cleanup(&ops[i]);
    free(ops);
    return sent;
}

/* Keep up to PUSH_WINDOW frames of ops on their way; each is acked as a
 * whole, in order. */
static void push_outbox(struct conn *k)
{
    while (k->authed && !k->failed && k->frames < PUSH_WINDOW &&
           push_frame(k))
        ;
}

static int is_tech(const struct conn *k)
{
    return k->c->role && !strcmp(k->c->role, "technician");
}

/* The first openings recorded offline, as delivery receipts; they are
 * marked sent when the catch-up's final frame shows the server has them
 * (docs/protocol.md, "Field data"). */
static void send_opened(struct conn *k)
{
    free(k->opened);
    k->opened = NULL;
    k->n_opened = 0;
    if (!is_tech(k) || replica_opened_unsent(k->c->r, WO_MAX_ITEMS, &k->opened,
                                             &k->n_opened) || !k->n_opened)
        return;
    struct wo_receipts r = {.opened = k->opened, .n_opened = k->n_opened};
    if (net_send(k->n, WO_F_RECEIPTS, &r)) {
        free(k->opened);
        k->opened = NULL;
        k->n_opened = 0;
    }
}

/* After a frame with orders was applied: remember which changes this
 * laptop will hold once its write is committed. */
static void note_stored(struct conn *k, const struct wo_changes *ch)
{
    if (!is_tech(k) || !ch->n_orders)
        return;
    if (k->n_stored + ch->n_orders > k->cap_stored) {
        size_t cap = k->n_stored + ch->n_orders + 256;
        struct wo_receipt *p = realloc(k->stored, cap * sizeof *p);
        if (!p)
            return; /* the next sync's have list says it as well */
        k->stored = p;
        k->cap_stored = cap;
    }
    for (size_t i = 0; i < ch->n_orders; i++) {
        struct wo_receipt *e = &k->stored[k->n_stored++];
        memset(e, 0, sizeof *e);
        e->wo = ch->orders[i].id;
        e->seq = ch->orders[i].seq;
    }
}

/* The write is committed: tell the server which changes this laptop now
 * holds (delivery receipts), in frames of at most WO_MAX_ITEMS. */
static void send_stored(struct conn *k)
{
    for (size_t i = 0; i < k->n_stored; i += WO_MAX_ITEMS) {
        size_t n = k->n_stored - i;
        struct wo_receipts r = {.stored = k->stored + i,
                                .n_stored = n < WO_MAX_ITEMS ? n
                                                             : WO_MAX_ITEMS};
        net_send(k->n, WO_F_RECEIPTS, &r);
    }
    k->n_stored = 0;
}

/* The frames held open are committed (by the tick, or by a write of
 * another kind): their receipts can go. */
static void settled(struct conn *k)
{
    k->held = 0;
    send_stored(k);
}

static void send_sync(struct conn *k)
{
    struct wo_sync s = {.cursor = replica_config_int(k->c->r, "cursor"),
                        .version = WO_VERSION, .partial = true};
    size_t n = 0;
    /* sync health: what this laptop still holds unsent, and since when */
    int64_t oldest = replica_outbox_oldest(k->c->r), now = wo_clock_now_ms();
    s.unsent = replica_outbox_count(k->c->r);
    s.unsent_age = s.unsent && oldest && now > oldest ? now - oldest : 0;
    send_opened(k);
    int rc = replica_order_ids(k->c->r, &s.have, &n);
    if (rc) {
        fail_replica(k, "cannot read the replica", rc);
        return;
    }
    s.n_have = n > WO_MAX_ITEMS ? WO_MAX_ITEMS : n;
    net_send(k->n, WO_F_SYNC, &s);
    free(s.have);
}

static void on_challenge(struct conn *k, struct wo_challenge *ch)
{
    if (k->mode == M_ENROLL) {
        char host[256] = "laptop";
        gethostname(host, sizeof host - 1);
        struct wo_enroll e = {.code = (char *)k->code, .pubkey = k->pub,
                              .pubkey_len = 32, .device_name = host,
                              .user = (char *)k->user};
        net_send(k->n, WO_F_ENROLL, &e);
        return;
    }
    char text[160];
    uint8_t sig[64];
    size_t len = wo_auth_text(ch->nonce, k->c->device, text, sizeof text);
    if (client_key(k->c, k->priv, k->pub) ||
        wo_sign(k->priv, text, len, sig)) {
        fail(k, "cannot read this device's key (HOME/device.key): enrol "
                "again with 'wo enroll'");
        return;
    }
    struct wo_auth a = {.device_id = k->c->device, .sig = sig, .sig_len = 64,
                        .client_time = wo_clock_now_ms()};
    net_send(k->n, WO_F_AUTH, &a);
}

/* Beyond this a laptop's clock is called off (README, "Time"). */
#define CLOCK_OFF_WARN_MS (2 * 60 * 1000)

static void on_welcome(struct conn *k, struct wo_welcome *w)
{
    char v[32];
    int64_t off = -w->clock_offset; /* laptop minus server */
    k->authed = 1;
    /* kept, so that a later TLS failure caused by time can say by how
     * much the clock was off (net_clock_hint) */
    snprintf(v, sizeof v, "%lld", (long long)off);
    /* and the zone times are shown in from the next command on (i18n.h) */
    const char *kv[] = {"clock_off", v, "tz", w->tz ? w->tz : ""};
    if (replica_config_set_all(k->c->r, kv, 2))
        fprintf(stderr, "wo: cannot keep the clock offset and time zone in "
                "%s\n", k->c->home);
    /* the anchor ops recorded from now on are timed from (client.h) */
    if (w->anchor_mac_len == 32 && !client_anchor_set(k->c, w->server_time,
                                                      w->anchor_mac))
        fprintf(stderr, "wo: cannot keep the time anchor in %s\n",
                k->c->home);
    if (off > CLOCK_OFF_WARN_MS || off < -CLOCK_OFF_WARN_MS)
        fprintf(stderr, "wo: your clock is off by %lld min (%s) against the "
                "server's: the office sees the server's times; set the "
                "laptop's clock\n",
                (long long)(((off < 0 ? -off : off) + 30000) / 60000),
                off > 0 ? "ahead" : "behind");
    if (k->mode == M_CMD) {
        net_send(k->n, WO_F_CMD, k->cmd);
        return;
    }
    push_outbox(k);
    if (!k->inflight)
        send_sync(k);
}

static void on_acks(struct conn *k, struct wo_acks *a)
{
    for (size_t i = 0; i < a->n_acks; i++) {
        const char *r = a->acks[i].result;
        if (!strcmp(r, "applied"))
            k->applied++;
        else if (!strcmp(r, "duplicate"))
            k->duplicate++;
        else {
            k->rejected++;
            fprintf(stderr, "wo: op %s rejected: %s\n", a->acks[i].id,
                    a->acks[i].reason ? a->acks[i].reason : "");
        }
    }
    int rc = replica_apply_acks(k->c->r, a);
    if (rc) {
        fail_replica(k, "cannot write acks to the replica", rc);
        return;
    }
    if (k->held)
        settled(k); /* the acks' write committed the held frames */
    /* the acks of one frame, the oldest on its way */
    k->inflight -= a->n_acks < k->inflight ? a->n_acks : k->inflight;
    if (k->frames)
        k->frames--;
    if (!k->frames)
        k->inflight = 0;
    push_outbox(k);
    if (!k->inflight && !k->caught_up)
        send_sync(k);
}

static void on_changes(struct conn *k, struct wo_changes *ch)
{
    /* catch-up frames of orders go in groups of HOLD_FRAMES per commit;
     * the final frame, a live push, or one with alerts or events (told
     * to the user below) commits at once */
    int hold = !ch->final && !ch->n_alerts && !ch->n_feed &&
               k->held + 1 < HOLD_FRAMES &&
               (!k->held || wo_clock_boot_ms() - k->held_since < HOLD_MS);
    /* what is told as removed is what the replica held: a revocation may
     * name an order that left the scope before this laptop ever had it */
    char *gone = ch->n_revoked ? calloc(ch->n_revoked, 1) : NULL;
    if (ch->n_revoked && !gone) {
        fail(k, "out of memory");
        return;
    }
    int rc = replica_apply_changes(k->c->r, ch, k->c->user, k->c->device,
                                   hold, gone);
    tell_quarantine(k);
    if (rc) {
        fail_replica(k, "cannot apply the server's changes to the replica",
                     rc);
        free(gone);
        return;
    }
    if (hold && !k->held)
        k->held_since = wo_clock_boot_ms();
    k->held = hold ? k->held + 1 : 0;
    note_stored(k, ch);
    if (!hold)
        send_stored(k);
    /* after the apply: an alert is reported once the replica holds what
     * came with it */
    for (size_t i = 0; k->ev && k->ev->on_alert && i < ch->n_alerts; i++)
        k->ev->on_alert(k->ev->arg, &ch->alerts[i]);
    for (size_t i = 0; k->ev && k->ev->on_event && i < ch->n_feed; i++)
        k->ev->on_event(k->ev->arg, &ch->feed[i]);
    k->orders_in += (int64_t)ch->n_orders;
    k->past_in += (int64_t)ch->n_past;
    if (k->watch)
        for (size_t i = 0; i < ch->n_orders; i++)
            fprintf(stderr, "wo: order %lld updated (%s)\n",
                    (long long)ch->orders[i].id, ch->orders[i].status);
    if (k->watch)
        for (size_t i = 0; i < ch->n_past; i++)
            fprintf(stderr, "wo: past resolution %lld (%s) kept for offline "
                    "search\n", (long long)ch->past[i].id,
                    ch->past[i].asset ? ch->past[i].asset : "no asset");
    for (size_t i = 0; i < ch->n_revoked; i++) {
        k->revoked_in += gone[i];
        if (gone[i] && k->watch)
            fprintf(stderr, "wo: order %lld left your list\n",
                    (long long)ch->revoked[i]);
    }
    free(gone);
    if (ch->final && !k->caught_up) {
        k->caught_up = 1;
        /* frames of one connection are handled in order: the openings
         * sent before the sync are stored */
        if (k->n_opened &&
            replica_opened_sent(k->c->r, k->opened, k->n_opened))
            fprintf(stderr, "wo: cannot mark the openings as sent; they go "
                            "again next time (harmless)\n");
        free(k->opened);
        k->opened = NULL;
        k->n_opened = 0;
        if (!k->watch)
            net_stop(k->n);
        else
            fprintf(stderr, _("wo: up to date with %s; watching for "
                              "changes\n"), k->c->server);
    }
}

static void on_frame(void *ud, int type, void *body)
{
    struct conn *k = ud;
    /* failed (a write to the replica did not go through, and took the
     * frames held with it): frames already read are not applied, or the
     * cursor would pass the ones rolled back */
    if (k->failed)
        return;
    switch (type) {
    case WO_F_CHALLENGE: on_challenge(k, body); break;
    case WO_F_WELCOME: on_welcome(k, body); break;
    case WO_F_ACKS: on_acks(k, body); break;
    case WO_F_CHANGES: on_changes(k, body); break;
    case WO_F_ENROLLED: {
        struct wo_enrolled *e = body;
        k->enrolled_device = e->device_id;
        k->enrolled_user = strdup(e->user);
        k->enrolled_role = strdup(e->role);
        net_stop(k->n);
        break;
    }
    case WO_F_RESULT:
        if (k->mode == M_CMD && ((struct wo_result *)body)->req ==
                                    k->cmd->req) {
            /* keep it: copy by re-decoding is costly; steal the pointer */
            k->res = malloc(sizeof *k->res);
            if (k->res) {
                *k->res = *(struct wo_result *)body;
                memset(body, 0, sizeof(struct wo_result));
            }
            net_stop(k->n);
        }
        break;
    case WO_F_ERROR: {
        struct wo_error *e = body;
        char msg[600];
        snprintf(msg, sizeof msg, "server: %s", e->reason);
        k->status = e->status;
        if (k->mode == M_SYNC && e->status >= 500) {
            /* the server's trouble (storage full, out of memory): what
             * was sent stays in the outbox; hang up and come back after
             * the backoff, on a fresh connection and catch-up, rather than
             * wait on a session that may never deliver (docs/sync.md) */
            fprintf(stderr, "wo: %s\n", msg);
            snprintf(k->err, sizeof k->err, "%s", msg);
            k->server_trouble = 1;
            net_stop(k->n);
            break;
        }
        fail(k, msg);
        break;
    }
    default:
        break;
    }
}

static void on_tick(void *ud)
{
    struct conn *k = ud;
    if (k->failed)
        return;
    /* a slow link: frames held longer than HOLD_MS are committed now */
    if (k->held && wo_clock_boot_ms() - k->held_since >= HOLD_MS) {
        int rc = replica_settle(k->c->r);
        if (rc) {
            fail_replica(k, "cannot apply the server's changes to the "
                            "replica", rc);
            return;
        }
        settled(k);
    }
    if (k->watch && k->caught_up)
        push_outbox(k);
}

static const struct net_handlers handlers = {on_frame, on_tick};

static int run_once(struct conn *k, const char *url, const char *ca,
                    int64_t timeout_ms)
{
    char err[512], sess[4200];
    snprintf(sess, sizeof sess, "%s/tls-session.pem", k->c->home);
    k->n = net_create(url, ca, sess, &handlers, k, err, sizeof err);
    if (!k->n) {
        snprintf(k->err, sizeof k->err, "%s", err);
        return WO_ENET;
    }
    net_clock_hint(k->n, replica_config_int(k->c->r, "clock_off"));
    int rc = net_run(k->n, timeout_ms, err, sizeof err);
    net_destroy(k->n);
    k->n = NULL;
    free(k->opened);
    k->opened = NULL;
    k->n_opened = 0;
    /* frames held when the connection ended: whole frames with their
     * cursor, kept; their receipts go with the next sync's list */
    if (replica_settle(k->c->r))
        fprintf(stderr, "wo: cannot commit the last orders received; the "
                        "next sync brings them again\n");
    k->held = 0;
    free(k->stored);
    k->stored = NULL;
    k->n_stored = k->cap_stored = 0;
    if (k->failed)
        return WO_EAUTH;
    if (rc)
        snprintf(k->err, sizeof k->err, "%s", err);
    return rc;
}

int sync_enroll(struct client *c, const char *url, const char *ca,
                const char *code, const char *user)
{
    struct conn k = {.c = c, .mode = M_ENROLL, .code = code, .user = user};
    char path[4096];
    if (wo_key_generate(k.priv, k.pub)) {
        fprintf(stderr, "wo: cannot make a device key\n");
        return 1;
    }
    int rc = run_once(&k, url, ca, 30000);
    if (rc || !k.enrolled_user) {
        fprintf(stderr, "wo: enrolment failed: %s\n",
                k.err[0] ? k.err : "no answer from the server");
        goto out;
    }
    snprintf(path, sizeof path, "%s/device.key", c->home);
    unlink(path); /* a previous, now useless key */
    char dev[32];
    snprintf(dev, sizeof dev, "%lld", (long long)k.enrolled_device);
    if (wo_key_save(path, k.priv) ||
        replica_config_set(c->r, "server", url) ||
        replica_config_set(c->r, "ca", ca) ||
        replica_config_set(c->r, "device_id", dev) ||
        replica_config_set(c->r, "user", k.enrolled_user) ||
        replica_config_set(c->r, "role", k.enrolled_role)) {
        fprintf(stderr, "wo: cannot save the enrolment in %s\n", c->home);
        rc = 1;
        goto out;
    }
    printf("enrolled device %s as %s (%s)\n", dev, k.enrolled_user,
           k.enrolled_role);
out:
    free(k.enrolled_user);
    free(k.enrolled_role);
    return rc ? 1 : 0;
}

static int need_enrolled(struct client *c)
{
    if (!c->server || !c->ca || !c->device) {
        fprintf(stderr, "wo: this home (%s) is not enrolled: run 'wo enroll "
                        "--server wss://HOST:PORT --ca FILE'\n",
                c->home);
        return 1;
    }
    return 0;
}

/* One-shot `wo sync`: how many times a server's 5xx is retried. */
#define SYNC_TROUBLE_TRIES 4

/*
 * Capped exponential backoff with full jitter: the first retry falls
 * anywhere in 0.25-3.25 s, so the clients of a restarted server come back
 * spread over seconds, not in the same one; the window doubles up to 30 s.
 */
static int64_t backoff(int attempt)
{
    int64_t cap = 3000LL << (attempt < 4 ? attempt : 4);
    if (cap > 30000)
        cap = 30000;
    return 250 + rand() % cap;
}

/* Sleep ms, waking for an interrupt; 1 if interrupted. */
static int pause_ms(int64_t ms)
{
    for (int64_t t = 0; t < ms && !net_interrupted(); t += 50)
        usleep(50000);
    return net_interrupted();
}

int sync_run(struct client *c, int watch, const struct sync_events *ev)
{
    if (need_enrolled(c))
        return 1;
    int attempt = 0;
    srand((unsigned)(wo_clock_now_ms() ^ getpid()));
    for (;;) {
        struct conn k = {.c = c, .mode = M_SYNC, .watch = watch, .ev = ev,
                         .quarantine_told = replica_quarantined(c->r)};
        /* tests hold part of the outbox back this way (a sync that
         * uploads part of it); never set in use */
        if (getenv("WO_TEST_PUSH_LIMIT"))
            k.push_limit = (size_t)strtoul(getenv("WO_TEST_PUSH_LIMIT"),
                                           NULL, 10);
        int rc = run_once(&k, c->server, c->ca, watch ? 0 : 60000);
        if (!watch && k.server_trouble && attempt < SYNC_TROUBLE_TRIES) {
            /* a one-shot sync retries a server's trouble a few times
             * with the same backoff before it gives up */
            int64_t wait = backoff(attempt++);
            fprintf(stderr, "wo: retrying in %lld ms\n", (long long)wait);
            if (pause_ms(wait))
                return 1;
            continue;
        }
        if (!watch) {
            if (rc || k.failed || k.server_trouble) {
                fprintf(stderr, _("wo: sync failed: %s\n%s"), k.err,
                        k.failed ? "" : _("(your recorded work is kept in "
                                          "the outbox; run 'wo sync' again "
                                          "when the network is back)\n"));
                return 1;
            }
            printf(_("synced: %lld applied, %lld duplicate, %lld rejected; "
                     "%lld orders updated, %lld removed, %lld past "
                     "resolutions; %lld ops pending\n"),
                   (long long)k.applied, (long long)k.duplicate,
                   (long long)k.rejected, (long long)k.orders_in,
                   (long long)k.revoked_in, (long long)k.past_in,
                   (long long)replica_outbox_count(c->r));
            return k.rejected || replica_quarantined(c->r) ? 3 : 0;
        }
        if (net_interrupted())
            return 0;
        if (k.failed && !k.authed) {
            fprintf(stderr, "wo: %s\n", k.err);
            return 1; /* refused: retrying would not help */
        }
        /* a session that got its server into trouble has not proved
         * anything: the backoff keeps growing until a sync succeeds */
        if (k.authed && !k.server_trouble)
            attempt = 0;
        int64_t wait = backoff(attempt++);
        fprintf(stderr, "wo: disconnected (%s); retrying in %lld ms\n",
                k.err, (long long)wait);
        if (pause_ms(wait))
            return 0;
    }
}

int sync_cmd(struct client *c, struct wo_cmd *cmd, struct wo_result **res)
{
    if (need_enrolled(c))
        return 1;
    struct conn k = {.c = c, .mode = M_CMD, .cmd = cmd};
    cmd->req = 1;
    *res = NULL;
    int rc = run_once(&k, c->server, c->ca, 30000);
    c->refused = 0;
    if (rc || k.failed || !k.res) {
        c->refused = k.status;
        fprintf(stderr, "wo: %s\n", k.err[0] ? k.err : "no answer");
        if (k.res)
            wo_frame_free(WO_F_RESULT, k.res);
        return 1;
    }
    *res = k.res;
    return 0;
}
