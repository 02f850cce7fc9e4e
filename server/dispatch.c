/* dispatch.c - the route table and the checks every frame goes through. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "catchup.h"
#include "commit.h"
#include "desk.h"
#include "dispatch.h"
#include "feed.h"
#include "handle_auth.h"
#include "handle_cmd.h"
#include "handle_console.h"
#include "handle_desk.h"
#include "handle_ops.h"
#include "handle_sync.h"
#include "push.h"
#include "server.h"
#include "session.h"
#include "sessreg.h"
#include "store.h"
#include "verify.h"
#include "wo_clock.h"

#define MAX_STRIKES 3       /* malformed frames in a row before we close */

enum who { ANON = 1, TECH = 2, DISP = 4, ADMIN = 8, OFFICE = DISP | ADMIN };

enum route_flags {
    WRITE = 1,              /* runs inside one transaction */
    REPLY = 2,              /* answered by a result frame after success */
    KEEP = 4,               /* a refusal may write too: a handler that sets
                             * c->keep has its writes committed although it
                             * fails (a wrong code is counted) */
    LAZY = 8                /* the commit does not wait for the disk: the
                             * next group commit or desk tick makes it
                             * durable (commit_lazy). For a sync's health
                             * and receipts, which the next sync repairs;
                             * never for an op or a command */
};

static const struct route {
    int type;
    const char *cmd;        /* WO_F_CMD: the command's name */
    handler_fn fn;
    unsigned who;
    unsigned flags;
} routes[] = {
    {WO_F_ENROLL, NULL, handle_enroll, ANON, 0},
    {WO_F_AUTH, NULL, handle_auth, ANON, 0},
    {WO_F_OPS, NULL, handle_ops, TECH, 0},
    {WO_F_SYNC, NULL, handle_sync_tech, TECH, WRITE | LAZY},
    {WO_F_SYNC, NULL, handle_sync_office, OFFICE, WRITE | LAZY},
    {WO_F_RECEIPTS, NULL, handle_receipts, TECH, WRITE | LAZY},
    {WO_F_CMD, "create", handle_cmd_create, OFFICE, WRITE | REPLY},
    {WO_F_CMD, "assign", handle_cmd_assign, OFFICE, WRITE | REPLY},
    {WO_F_CMD, "cancel", handle_cmd_move, OFFICE, WRITE | REPLY},
    {WO_F_CMD, "dispute", handle_cmd_move, OFFICE, WRITE | REPLY},
    {WO_F_CMD, "escalate", handle_cmd_escalate, OFFICE, WRITE | REPLY},
    {WO_F_CMD, "schedule", handle_cmd_schedule, OFFICE, WRITE | REPLY},
    {WO_F_CMD, "code", handle_cmd_code, OFFICE, WRITE | REPLY},
    {WO_F_CMD, "sla.set", handle_cmd_sla_set, ADMIN, WRITE | REPLY},
    {WO_F_CMD, "tier", handle_cmd_tier, ADMIN, WRITE | REPLY},
    {WO_F_CMD, "revoke", handle_cmd_revoke, ADMIN, WRITE | REPLY},
    {WO_F_CMD, "show", handle_cmd_show, OFFICE, REPLY},
    {WO_F_CMD, "board", handle_cmd_board, OFFICE, REPLY},
    {WO_F_CMD, "history", handle_cmd_history, OFFICE, REPLY},
    {WO_F_CMD, "alerts", handle_cmd_alerts, OFFICE, REPLY},
    {WO_F_CMD, "sla.show", handle_cmd_sla_show, OFFICE, REPLY},
    {WO_F_CMD, "search", handle_cmd_search, OFFICE, REPLY},
    {WO_F_CMD, "report", handle_cmd_report, OFFICE, REPLY},
    {WO_F_CMD, "techs", handle_cmd_techs, OFFICE, REPLY},
    {WO_F_CMD, "feed", handle_cmd_feed, OFFICE, REPLY},
    /* the service desk of issue 14 (handle_desk.h) */
    {WO_F_CMD, "edit", handle_desk_edit, OFFICE, WRITE | REPLY},
    {WO_F_CMD, "note", handle_desk_note, OFFICE, WRITE | REPLY},
    {WO_F_CMD, "resolve", handle_desk_resolve, OFFICE, WRITE | REPLY},
    {WO_F_CMD, "authorise", handle_desk_authorise, OFFICE,
     WRITE | REPLY | KEEP},
    {WO_F_CMD, "auth.code", handle_desk_auth_code, OFFICE, WRITE | REPLY},
    {WO_F_CMD, "agreement.set", handle_desk_agreement_set, ADMIN,
     WRITE | REPLY},
    {WO_F_CMD, "agreement.show", handle_desk_agreement_show, OFFICE, REPLY},
    {WO_F_CMD, "sla.order", handle_desk_sla_order, OFFICE, REPLY},
    {WO_F_CMD, "customer.set", handle_desk_customer_set, ADMIN,
     WRITE | REPLY},
    {WO_F_CMD, "category.set", handle_desk_category_set, ADMIN,
     WRITE | REPLY},
    {WO_F_CMD, "matrix.set", handle_desk_matrix_set, ADMIN, WRITE | REPLY},
    {WO_F_CMD, "matrix.show", handle_desk_matrix_show, OFFICE, REPLY},
    {WO_F_CMD, "price.set", handle_desk_price_set, ADMIN, WRITE | REPLY},
    {WO_F_CMD, "orders", handle_console_orders, OFFICE, REPLY},
    {WO_F_CMD, "watch", handle_console_watch, OFFICE, REPLY},
    {WO_F_CMD, "mail", handle_desk_mail, OFFICE, REPLY},
    {WO_F_CMD, "customers.show", handle_desk_entries, OFFICE, REPLY},
    {WO_F_CMD, "categories.show", handle_desk_entries, OFFICE, REPLY},
};

#define N_ROUTES (sizeof routes / sizeof routes[0])

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
    return handle_connect(srv, s);
}

void dispatch_closed(struct srv *srv, struct session *s)
{
    feed_offline(srv, s);
}

static void refuse(struct session *s, int code, int64_t req, int close_code,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * The one place a code becomes an error frame. close_code, if not 0,
 * counts the frame as malformed: the third in a row closes with it. An
 * error that cannot be queued has closed the session already.
 */
static void refuse(struct session *s, int code, int64_t req, int close_code,
                   const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (session_error(s, code, req, "%s", reason))
        return;
    if (close_code && session_strike(s, 1) >= MAX_STRIKES)
        session_close(s, close_code, "too many bad frames");
}

/* Every role that may send some frame of this type; 0: none routes it. */
static unsigned type_who(int type)
{
    unsigned who = 0;
    for (size_t i = 0; i < N_ROUTES; i++)
        if (routes[i].type == type)
            who |= routes[i].who;
    return who;
}

/* The route of a frame (cmd: a command's name) for role `who`, or NULL;
 * *named is set when some route has that type and name, for any role. */
static const struct route *find_route(int type, const char *cmd, unsigned who,
                                      const struct route **named)
{
    *named = NULL;
    for (size_t i = 0; i < N_ROUTES; i++) {
        const struct route *r = &routes[i];
        if (r->type != type || (r->cmd && (!cmd || strcmp(r->cmd, cmd))))
            continue;
        *named = r;
        if (r->who & who)
            return r;
    }
    return NULL;
}

/* The office view of the answered orders, after the commit. */
static int reply_orders(struct call *c, struct wo_result *res)
{
    struct store *st = c->srv->store;
    int64_t now = wo_clock_now_ms();
    int rc = 0;
    res->orders = calloc(c->n_ids ? c->n_ids : 1, sizeof *res->orders);
    if (!res->orders)
        return WO_ENOMEM;
    for (size_t i = 0; i < c->n_ids && !rc; i++) {
        struct wo_order *o = &res->orders[i];
        int64_t holder = 0;
        rc = store_order_load(st, c->ids[i],
                              c->brief ? STORE_LOAD_BRIEF : STORE_LOAD_OFFICE,
                              o, &holder);
        if (rc)
            break;
        res->n_orders++;
        o->online = holder && sessreg_count_user(c->srv->sessions, holder) > 0;
        if (c->code[0] && !i) {
            free(o->recipient_code);
            if (!(o->recipient_code = strdup(c->code))) {
                rc = WO_ENOMEM;
                break;
            }
        }
        if (c->auth_code[0] && !i &&
            !(o->authorisation_code = strdup(c->auth_code))) {
            rc = WO_ENOMEM;
            break;
        }
        if (c->reverify)
            verify_order(st, o);
        rc = desk_annotate(o, now);
    }
    return rc;
}

static int reply(struct call *c)
{
    struct wo_result empty = {0}, *res = c->res ? c->res : &empty;
    int rc = 0;
    res->req = c->req;
    if (c->total)
        res->total = c->total;
    if (!c->res && c->n_ids)
        rc = reply_orders(c, res);
    if (!rc)
        rc = session_send(c->s, WO_F_RESULT, res);
    if (res == &empty) {
        for (size_t i = 0; i < empty.n_orders; i++)
            wo_order_cleanup(&empty.orders[i]);
        free(empty.orders);
    }
    return rc;
}

/* After a durable commit: what the handler changed goes out. */
static void after_commit(struct call *c)
{
    for (size_t i = 0; i < c->n_pushes; i++) {
        push_order(c->srv, c->pushes[i].id, c->pushes[i].prev);
        if (c->pushes[i].past)
            push_past(c->srv, c->pushes[i].id);
    }
    push_board_rows(c->srv, c->rows, c->n_rows);
    if (c->disconnect)
        push_disconnect_device(c->srv, c->disconnect);
}

/* A LAZY route's commit may skip the wait for the disk, but for
 * receipts of first openings: the laptop marks those sent once its
 * catch-up ends, and no later sync says them again. */
static int lazy_ok(const struct route *rt, const struct call *c)
{
    if (!(rt->flags & LAZY))
        return 0;
    if (rt->type == WO_F_RECEIPTS)
        return !((const struct wo_receipts *)c->body)->n_opened;
    return 1;
}

static int run(const struct route *rt, struct call *c)
{
    struct store *st = c->srv->store;
    int rc;
    int lazy = lazy_ok(rt, c);
    if (!(rt->flags & WRITE))
        rc = rt->fn(c);
    else if (!(rc = lazy ? store_begin_lazy(st) : store_begin(st))) {
        rc = rt->fn(c);
        if (!rc) {
            if (!(rc = store_commit(st)) && lazy)
                commit_lazy(c->srv);
        } else if ((rt->flags & KEEP) && c->keep && store_commit(st))
            c->keep = 0;
        if (rc && !c->keep)
            store_rollback(st);
        else if (!rc)
            after_commit(c);
    }
    if (!rc && (rt->flags & REPLY))
        rc = reply(c);
    return rc;
}

void dispatch_frame(struct srv *srv, struct session *s, const uint8_t *data,
                    size_t len, int binary)
{
    char err[256];
    int type;
    const struct route *rt, *named;
    struct call c = {.srv = srv, .s = s, .a = session_auth(s)};

    if (!binary) {
        refuse(s, WO_EPROTO, 0, WO_CLOSE_UNSUPPORTED, "frames must be binary "
               "WebSocket messages holding msgpack");
        return;
    }
    int rc = wo_frame_decode(data, len, &type, &c.body, err, sizeof err);
    if (rc) {
        /* a client waiting on its req must hear about it */
        refuse(s, rc, wo_frame_peek_req(data, len), WO_CLOSE_INVALID, "%s",
               err[0] ? err : wo_strerror(rc));
        return;
    }
    const char *cmd = NULL;
    if (type == WO_F_CMD) {
        c.req = ((struct wo_cmd *)c.body)->req;
        cmd = ((struct wo_cmd *)c.body)->name;
    }
    unsigned who = role_bit(c.a), allowed = type_who(type);
    rt = find_route(type, cmd, who, &named);
    if (!allowed) {
        refuse(s, WO_EUNKNOWN, c.req, WO_CLOSE_POLICY, "a client may not "
               "send '%s' frames", wo_ftype_name(type));
    } else if (!c.a && !(allowed & ANON)) {
        refuse(s, WO_EAUTH, c.req, WO_CLOSE_POLICY, "'%s' needs an "
               "authenticated session: send 'auth' first",
               wo_ftype_name(type));
    } else if (!named) {
        refuse(s, WO_EINVAL, c.req, 0, "unknown command '%s'",
               cmd ? cmd : "");
    } else if (!rt && named->who == ADMIN) {
        refuse(s, WO_EPERM, c.req, 0, "'%s' is for admins", cmd);
    } else if (!rt) {
        refuse(s, WO_EPERM, c.req, 0, "'%s' is not allowed for role %s",
               cmd ? cmd : wo_ftype_name(type),
               c.a ? c.a->role : "anonymous");
    } else {
        session_strike(s, 0);
        if ((rc = run(rt, &c)))
            refuse(s, rc, c.req, 0, "%s",
                   c.reason[0] ? c.reason : wo_strerror(rc));
    }
    if (c.ids != &c.one)
        free(c.ids);
    free(c.rows);
    wo_frame_free(WO_F_RESULT, c.res);
    wo_frame_free(type, c.body);
    /* events a write or an authentication made (feed.h); a read makes
     * none, and is not made to look for them */
    if (rt && ((rt->flags & WRITE) || (rt->who & ANON)))
        feed_push(srv);
}

void dispatch_drained(struct srv *srv, struct session *s)
{
    struct call c = {.srv = srv, .s = s, .a = session_auth(s)};
    int rc = handle_sync_resume(&c);
    if (rc)
        refuse(s, rc, 0, 0, "%s", c.reason[0] ? c.reason : wo_strerror(rc));
}

void dispatch_woken(struct srv *srv)
{
    commit_checked(srv);
    struct catchup_job *j = srv->catchup ? catchup_worker_take(srv->catchup)
                                         : NULL;
    while (j) {
        struct catchup_job *next = j->next;
        struct session *s = sessreg_find(srv->sessions, j->sid);
        const char *why;
        if (s && !session_closing(s, &why)) {
            struct call c = {.srv = srv, .s = s, .a = session_auth(s)};
            int rc = handle_sync_loaded(&c, j);
            if (rc)
                refuse(s, rc, 0, 0, "%s",
                       c.reason[0] ? c.reason : wo_strerror(rc));
        }
        catchup_job_free(j);
        j = next;
    }
}
