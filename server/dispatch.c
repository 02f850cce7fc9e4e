/* dispatch.c - route table and the checks every frame goes through. */
#include <string.h>

#include "dispatch.h"
#include "handlers.h"
#include "server.h"
#include "session.h"

#define MAX_STRIKES 3       /* malformed frames in a row before we close */

enum who { ANON = 1, TECH = 2, DISP = 4, ADMIN = 8 };

static const struct route {
    int type;
    handler_fn fn;
    unsigned who;
    int keep_body;          /* handler takes ownership of the body */
} routes[] = {
    {WO_F_ENROLL, handle_enroll, ANON, 0},
    {WO_F_AUTH, handle_auth, ANON, 0},
    {WO_F_OPS, handle_ops, TECH, 1},
    {WO_F_SYNC, handle_sync, TECH | DISP | ADMIN, 0},
    {WO_F_CMD, handle_cmd, DISP | ADMIN, 0},
};

static unsigned role_bit(const struct session_auth *a)
{
    if (!a)
        return ANON;
    if (!strcmp(a->role, "technician"))
        return TECH;
    if (!strcmp(a->role, "dispatcher"))
        return DISP;
    if (!strcmp(a->role, "admin"))
        return ADMIN;
    return 0;
}

int dispatch_connected(struct srv *srv, struct session *s)
{
    return handle_connect(srv, s) ? -1 : 0;
}

static void strike(struct session *s, int ws_status)
{
    if (session_strike(s, 1) >= MAX_STRIKES)
        session_close(s, ws_status, "too many bad frames");
}

void dispatch_frame(struct srv *srv, struct session *s, const uint8_t *data,
                    size_t len, int binary)
{
    char err[256];
    int type;
    void *body = NULL;

    if (!binary) {
        session_error(s, WO_EPROTO, 0, "frames must be binary WebSocket "
                      "messages holding msgpack");
        strike(s, 1003 /* unsupported data */);
        return;
    }
    int rc = wo_frame_decode(data, len, &type, &body, err, sizeof err);
    if (rc) {
        session_error(s, rc, 0, "%s", err[0] ? err : wo_strerror(rc));
        strike(s, 1007 /* invalid payload */);
        return;
    }
    const struct route *rt = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (routes[i].type == type)
            rt = &routes[i];
    const struct session_auth *a = session_auth(s);
    unsigned who = role_bit(a);
    struct reply r = {0};
    if (type == WO_F_CMD)
        r.req = ((struct wo_cmd *)body)->req;
    if (!rt) {
        session_error(s, WO_EUNKNOWN, r.req, "a client may not send '%s' "
                      "frames", wo_ftype_name(type));
        strike(s, 1008);
        goto out;
    }
    if (!(rt->who & who)) {
        rc = a ? WO_EPERM : WO_EAUTH;
        session_error(s, rc, r.req, a ? "'%s' is not allowed for role %s"
                                      : "'%s' needs an authenticated session: "
                                        "send 'auth' first",
                      wo_ftype_name(type), a ? a->role : "");
        if (!a)
            strike(s, 1008);
        goto out;
    }
    session_strike(s, 0);
    rc = rt->fn(srv, s, body, &r);
    if (rt->keep_body && !rc)
        body = NULL;
    if (rc)
        session_error(s, rc, r.req, "%s", r.reason[0] ? r.reason
                                                      : wo_strerror(rc));
out:
    wo_frame_free(type, body);
}
