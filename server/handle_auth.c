/*
 * handle_auth.c - challenge, enrolment, and proof-of-possession auth.
 *
 * There is no bearer token: each connection gets a fresh 32-byte nonce and
 * the device answers with an Ed25519 signature over wo_auth_text(). A
 * failed auth or enrolment closes the connection after the error frame.
 */
#include <stdio.h>
#include <string.h>

#include "wo_clock.h"
#include "handlers.h"
#include "server.h"
#include "session.h"
#include "sessreg.h"
#include "store.h"
#include "wo_crypto.h"

#define WS_POLICY 1008

int handle_connect(struct srv *srv, struct session *s)
{
    uint8_t *nonce = (uint8_t *)session_nonce(s);
    if (wo_random(nonce, WO_NONCE_LEN))
        return WO_ECRYPTO;
    struct wo_challenge c = {.nonce = nonce, .nonce_len = WO_NONCE_LEN,
                             .server_time = wo_clock_now_ms()};
    return session_send(s, WO_F_CHALLENGE, &c);
}

int handle_enroll(struct srv *srv, struct session *s, void *body,
                  struct reply *r)
{
    struct wo_enroll *e = body;
    struct store_user u;
    int64_t dev;
    int rc = store_enroll(srv->store, e->code, e->pubkey, e->device_name,
                          wo_clock_now_ms(), &dev, &u);
    if (rc == WO_EAUTH)
        snprintf(r->reason, sizeof r->reason, "enrolment code is unknown or "
                 "already used: ask an admin for a new one "
                 "(wo-server user code NAME)");
    else if (rc == WO_EEXIST)
        snprintf(r->reason, sizeof r->reason,
                 "this device key is already enrolled");
    if (rc) {
        session_close(s, WS_POLICY, "enrolment refused");
        return rc;
    }
    struct wo_enrolled ok = {.device_id = dev, .user = u.name, .role = u.role};
    return session_send(s, WO_F_ENROLLED, &ok);
}

int handle_auth(struct srv *srv, struct session *s, void *body,
                struct reply *r)
{
    struct wo_auth *a = body;
    struct store_device d;
    char text[160];
    int rc = store_device_get(srv->store, a->device_id, &d);

    if (rc == WO_ENOTFOUND) {
        snprintf(r->reason, sizeof r->reason, "device %lld is not enrolled: "
                 "enrol with 'wo enroll'", (long long)a->device_id);
        rc = WO_EAUTH;
    } else if (!rc && d.revoked) {
        snprintf(r->reason, sizeof r->reason, "device %lld has been revoked: "
                 "ask an admin for a new enrolment code",
                 (long long)a->device_id);
        rc = WO_EAUTH;
    } else if (!rc) {
        size_t n = wo_auth_text(session_nonce(s), a->device_id, text,
                                sizeof text);
        if (wo_verify(d.pubkey, text, n, a->sig)) {
            snprintf(r->reason, sizeof r->reason, "challenge signature does "
                     "not match device %lld's key", (long long)a->device_id);
            rc = WO_EAUTH;
        }
    }
    if (!rc && srv->max_conns_per_user > 0 &&
        sessreg_count_user(d.user.id) >= srv->max_conns_per_user) {
        snprintf(r->reason, sizeof r->reason, "user %s already has %d "
                 "connections open", d.user.name, srv->max_conns_per_user);
        rc = WO_EPERM;
    }
    if (rc) {
        session_close(s, WS_POLICY, "authentication refused");
        return rc;
    }
    int64_t now = wo_clock_now_ms();
    struct session_auth sa = {.user_id = d.user.id, .device_id = d.id,
                              .clock_offset = now - a->client_time};
    snprintf(sa.user, sizeof sa.user, "%s", d.user.name);
    snprintf(sa.role, sizeof sa.role, "%s", d.user.role);
    session_set_auth(s, &sa);
    struct wo_welcome w = {.user = sa.user, .role = sa.role,
                           .device_id = d.id, .server_time = now,
                           .clock_offset = sa.clock_offset};
    return session_send(s, WO_F_WELCOME, &w);
}
