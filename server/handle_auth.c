/*
 * handle_auth.c - challenge, enrolment, and proof-of-possession auth.
 *
 * There is no bearer token: each connection gets a fresh 32-byte nonce and
 * the device answers with an Ed25519 signature over wo_auth_text(). A
 * failed auth or enrolment closes the connection after the error frame.
 */
#include <stdio.h>
#include <string.h>

#include "feed.h"
#include "handle_auth.h"
#include "server.h"
#include "session.h"
#include "sessreg.h"
#include "store.h"
#include "throttle.h"
#include "verify.h"
#include "wo_clock.h"
#include "wo_crypto.h"

int handle_connect(struct srv *srv, struct session *s)
{
    uint8_t *nonce = session_nonce(s);
    if (wo_random(nonce, WO_NONCE_LEN))
        return WO_ECRYPTO;
    struct wo_challenge ch = {.nonce = nonce, .nonce_len = WO_NONCE_LEN,
                              .server_time = wo_clock_now_ms()};
    return session_send(s, WO_F_CHALLENGE, &ch);
}

/*
 * Enrolment codes cannot be guessed: 59 bits each, one use, an expiry,
 * and wrong codes counted per user name given (throttle.h). A refusal is
 * logged and closes the connection.
 */
int handle_enroll(struct call *c)
{
    struct wo_enroll *e = c->body;
    struct store_user u;
    const char *why = NULL;
    int64_t dev, now = wo_clock_now_ms();
    const char *addr = session_peer(c->s);
    int rc;
    if (*addr && throttle_blocked(c->srv->enrol_addrs, addr, now)) {
        rc = WO_EPERM;
        why = "too many wrong codes from this address";
        snprintf(c->reason, sizeof c->reason, "too many wrong enrolment "
                 "codes from %s: wait %d minutes", addr, ENROL_WINDOW_MIN);
    } else if (e->user && throttle_blocked(c->srv->enrol_users, e->user,
                                           now)) {
        rc = WO_EPERM;
        why = "too many wrong codes";
        snprintf(c->reason, sizeof c->reason, "too many wrong enrolment "
                 "codes for user %s: wait %d minutes, or ask an admin for a "
                 "new code (wo-server user code %s)", e->user,
                 ENROL_WINDOW_MIN, e->user);
    } else {
        rc = store_enroll(c->srv->store, e->code, e->user, e->pubkey,
                          e->device_name, now, &dev, &u, &why);
    }
    if (rc == WO_EAUTH) {
        if (e->user)
            throttle_fail(c->srv->enrol_users, e->user, now);
        if (*addr)
            throttle_fail(c->srv->enrol_addrs, addr, now);
        snprintf(c->reason, sizeof c->reason, "enrolment code is %s%s: ask "
                 "an admin for a new one (wo-server user code NAME)",
                 why ? why : "unknown", why && !strcmp(why, "used")
                                        ? " already" : "");
    } else if (rc == WO_EEXIST) {
        snprintf(c->reason, sizeof c->reason,
                 "this device key is already enrolled");
    }
    if (rc) {
        fprintf(stderr, "wo-server: enrolment refused (%s)%s%s from %s\n",
                why ? why : wo_strerror(rc), e->user ? " for user " : "",
                e->user ? e->user : "", *addr ? addr : "?");
        session_close(c->s, WO_CLOSE_POLICY, "enrolment refused");
        return rc;
    }
    struct wo_enrolled ok = {.device_id = dev, .user = u.name, .role = u.role};
    return session_send(c->s, WO_F_ENROLLED, &ok);
}

/* 0 when device d may open one more session with this signature. */
static int check_device(struct call *c, const struct wo_auth *a, int rc,
                        const struct store_device *d)
{
    char text[160];
    if (rc == WO_ENOTFOUND) {
        snprintf(c->reason, sizeof c->reason, "device %lld is not enrolled: "
                 "enrol with 'wo enroll'", (long long)a->device_id);
        return WO_EAUTH;
    }
    if (rc)
        return rc;
    if (d->revoked) {
        snprintf(c->reason, sizeof c->reason, "device %lld has been revoked: "
                 "ask an admin for a new enrolment code",
                 (long long)a->device_id);
        return WO_EAUTH;
    }
    size_t n = wo_auth_text(session_nonce(c->s), a->device_id, text,
                            sizeof text);
    if (wo_verify(d->pubkey, text, n, a->sig)) {
        snprintf(c->reason, sizeof c->reason, "challenge signature does not "
                 "match device %lld's key", (long long)a->device_id);
        return WO_EAUTH;
    }
    if (c->srv->max_conns_per_user > 0 &&
        sessreg_count_user(c->srv->sessions, d->user.id) >=
            c->srv->max_conns_per_user) {
        snprintf(c->reason, sizeof c->reason, "user %s already has %d "
                 "connections open", d->user.name,
                 c->srv->max_conns_per_user);
        return WO_EPERM;
    }
    return 0;
}

int handle_auth(struct call *c)
{
    struct wo_auth *a = c->body;
    struct store_device d = {0};
    int rc = check_device(c, a, store_device_get(c->srv->store, a->device_id,
                                                 &d), &d);
    int64_t now = wo_clock_now_ms();
    struct session_auth sa = {.user_id = d.user.id, .device_id = d.id,
                              .clock_offset = now - a->client_time};
    if (!rc) {
        snprintf(sa.user, sizeof sa.user, "%s", d.user.name);
        snprintf(sa.role, sizeof sa.role, "%s", d.user.role);
        rc = session_set_auth(c->s, &sa);
    }
    if (rc) {
        session_close(c->s, WO_CLOSE_POLICY, "authentication refused");
        return rc;
    }
    uint8_t mac[32];
    if ((rc = verify_anchor_make(c->srv->anchor_key, d.id, now, mac)))
        return rc;
    char tz[WO_MAX_ID + 1] = "";
    if (store_user_tz(c->srv->store, d.user.id, tz))
        tz[0] = 0; /* times then show in UTC: not worth refusing */
    struct wo_welcome w = {.user = sa.user, .role = sa.role,
                           .device_id = d.id, .server_time = now,
                           .clock_offset = sa.clock_offset,
                           .anchor_mac = mac, .anchor_mac_len = 32,
                           .tz = tz[0] ? tz : NULL};
    rc = session_send(c->s, WO_F_WELCOME, &w);
    /* presence: last seen now, online (feed.h) */
    feed_online(c->srv, c->s);
    return rc;
}
