/*
 * handle_cmd.c - dispatcher and admin commands. Dispatchers hold nothing
 * offline: each command runs here, in its own durable transaction, and
 * the result (or an error frame with the same req) goes back at once.
 * A change to an order is pushed to the technicians it concerns right
 * after the commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wo_clock.h"
#include "desk.h"
#include "commit.h"
#include "handlers.h"
#include "wo_lifecycle.h"
#include "push.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "wo_sqlkit.h"

typedef int (*cmd_fn)(struct srv *srv, struct session *s,
                      const struct session_auth *a, struct wo_cmd *c,
                      struct reply *r);

static int send_orders(struct srv *srv, struct session *s, int64_t req,
                       const int64_t *ids, size_t n)
{
    struct wo_result res = {.req = req, .n_orders = 0};
    res.orders = calloc(n ? n : 1, sizeof *res.orders);
    if (!res.orders)
        return WO_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = store_order_load(srv->store, ids[i], STORE_LOAD_OFFICE,
                              &res.orders[i], NULL);
        if (!rc) {
            ops_verify_order(srv, &res.orders[i]);
            res.n_orders++;
            rc = desk_annotate(&res.orders[i], wo_clock_now_ms());
        }
    }
    if (!rc)
        rc = session_send(s, WO_F_RESULT, &res);
    for (size_t i = 0; i < res.n_orders; i++)
        wo_order_cleanup(&res.orders[i]);
    free(res.orders);
    return rc;
}

static int find_tech(struct srv *srv, const char *name, struct store_user *u,
                     struct reply *r)
{
    int rc = store_user_get(srv->store, name, u);
    if (rc == WO_ENOTFOUND) {
        snprintf(r->reason, sizeof r->reason, "no user named '%s'", name);
        return WO_ENOTFOUND;
    }
    if (!rc && strcmp(u->role, "technician")) {
        snprintf(r->reason, sizeof r->reason, "'%s' is a %s, not a "
                 "technician", name, u->role);
        return WO_EINVAL;
    }
    return rc;
}

/* rc of a lookup of order wo; a missing order gets its reason. */
static int no_such_order(int rc, int64_t wo, struct reply *r)
{
    if (rc == WO_ENOTFOUND)
        snprintf(r->reason, sizeof r->reason, "work order %lld does not "
                 "exist", (long long)wo);
    return rc;
}

static int cmd_create(struct srv *srv, struct session *s,
                      const struct session_auth *a, struct wo_cmd *c,
                      struct reply *r)
{
    struct store_user tech;
    int64_t id, seq;
    if (!c->title || !*c->title) {
        snprintf(r->reason, sizeof r->reason, "create needs a title");
        return WO_EINVAL;
    }
    if (!c->priority || (strcmp(c->priority, "P1") &&
                         strcmp(c->priority, "P2") &&
                         strcmp(c->priority, "P3"))) {
        snprintf(r->reason, sizeof r->reason,
                 "priority must be P1, P2 or P3");
        return WO_EINVAL;
    }
    int rc = c->assignee ? find_tech(srv, c->assignee, &tech, r) : 0;
    if (rc)
        return rc;
    if ((rc = store_begin(srv->store)))
        return rc;
    rc = store_order_create(srv->store, c, a->user_id, wo_clock_now_ms(), &id);
    if (!rc)
        rc = store_change(srv->store, id, "create", a->user, a->device_id, 0,
                          c->title, wo_clock_now_ms(), &seq);
    if (!rc && c->assignee)
        rc = desk_assign(srv, a->user, a->device_id, id, &tech, 0, NULL,
                         "new", "assign", "assigned", NULL);
    if (!rc)
        rc = store_commit(srv->store);
    if (rc) {
        store_rollback(srv->store);
        return rc;
    }
    if (c->assignee) {
        push_order(srv, id, 0);
        push_past(srv, id);
    }
    return send_orders(srv, s, c->req, &id, 1);
}

static int cmd_assign(struct srv *srv, struct session *s,
                      const struct session_auth *a, struct wo_cmd *c,
                      struct reply *r)
{
    struct store_user tech;
    char status[WO_MAX_ID + 1], from[WO_MAX_ID + 1] = "";
    int64_t prev;
    if (!c->assignee) {
        snprintf(r->reason, sizeof r->reason, "assign needs a technician");
        return WO_EINVAL;
    }
    int rc = no_such_order(store_order_head(srv->store, c->wo, status, &prev,
                                            from), c->wo, r);
    if (rc)
        return rc;
    const char *to = wo_lifecycle_next(status, "assign", NULL, r->reason,
                                       sizeof r->reason);
    if (!to)
        return WO_ESTATE;
    if ((rc = find_tech(srv, c->assignee, &tech, r)))
        return rc;
    if (prev == tech.id) {
        snprintf(r->reason, sizeof r->reason, "order %lld is already "
                 "assigned to %s", (long long)c->wo, tech.name);
        return WO_EINVAL;
    }
    if ((rc = store_begin(srv->store)))
        return rc;
    rc = desk_assign(srv, a->user, a->device_id, c->wo, &tech, prev,
                     from[0] ? from : NULL, status, "assign", to, NULL);
    if (!rc)
        rc = store_commit(srv->store);
    if (rc) {
        store_rollback(srv->store);
        return rc;
    }
    push_order(srv, c->wo, prev);
    push_past(srv, c->wo);
    return send_orders(srv, s, c->req, &c->wo, 1);
}

/*
 * A dispatcher's move of the state machine that needs a reason: cancel
 * (from any open state) and dispute (a completed order, within the 24 h
 * before it closes by itself). The reason goes into the history.
 */
static int cmd_move(struct srv *srv, struct session *s,
                    const struct session_auth *a, struct wo_cmd *c,
                    struct reply *r)
{
    char status[WO_MAX_ID + 1];
    int64_t assignee, seq, now = wo_clock_now_ms();
    if (!c->reason || !*c->reason) {
        snprintf(r->reason, sizeof r->reason, "%s needs a reason", c->name);
        return WO_EINVAL;
    }
    int rc = no_such_order(store_order_head(srv->store, c->wo, status,
                                            &assignee, NULL), c->wo, r);
    if (rc)
        return rc;
    const char *to = wo_lifecycle_next(status, c->name, NULL, r->reason,
                                       sizeof r->reason);
    if (!to)
        return WO_ESTATE;
    if ((rc = store_begin(srv->store)))
        return rc;
    rc = store_order_set_status(srv->store, c->wo, to);
    if (!rc)
        rc = desk_on_status(srv, c->wo, c->name, status, to, now, now);
    if (!rc)
        rc = store_change(srv->store, c->wo, c->name, a->user, a->device_id,
                          0, c->reason, now, &seq);
    if (!rc)
        rc = store_commit(srv->store);
    if (rc) {
        store_rollback(srv->store);
        return rc;
    }
    push_order(srv, c->wo, 0); /* a cancelled order leaves the laptop */
    return send_orders(srv, s, c->req, &c->wo, 1);
}

/* Up a tier, reassigned (to a named technician or the least busy one of
 * that tier), with a reason in the history. */
static int cmd_escalate(struct srv *srv, struct session *s,
                        const struct session_auth *a, struct wo_cmd *c,
                        struct reply *r)
{
    struct wo_order o;
    struct store_user tech;
    int64_t prev;
    const char *to = NULL;
    if (!c->reason || !*c->reason) {
        snprintf(r->reason, sizeof r->reason, "escalate needs a reason");
        return WO_EINVAL;
    }
    int rc = no_such_order(store_order_load(srv->store, c->wo,
                                            STORE_LOAD_TECH, &o, &prev),
                           c->wo, r);
    if (rc)
        return rc;
    if (c->tier) {
        to = !strcmp(c->tier, "L2") ? "L2" : !strcmp(c->tier, "L3") ? "L3"
                                                                      : NULL;
        if (!to || strcmp(to, o.tier) <= 0) {
            snprintf(r->reason, sizeof r->reason, "order %lld is at tier %s; "
                     "escalate --to takes a higher tier (L2 or L3)",
                     (long long)c->wo, o.tier);
            rc = WO_EINVAL;
        }
    } else if (!(to = desk_next_tier(o.tier))) {
        snprintf(r->reason, sizeof r->reason, "order %lld is already at the "
                 "top tier (L3)", (long long)c->wo);
        rc = WO_EINVAL;
    }
    if (!rc && !wo_lifecycle_next(o.status, "escalate", NULL, r->reason,
                                  sizeof r->reason))
        rc = WO_ESTATE;
    if (!rc && c->assignee) {
        if (!(rc = find_tech(srv, c->assignee, &tech, r)) &&
            strcmp(tech.tier, to) < 0) {
            snprintf(r->reason, sizeof r->reason, "%s is tier %s; order %lld "
                     "goes to %s", tech.name, tech.tier, (long long)c->wo, to);
            rc = WO_EINVAL;
        }
    } else if (!rc && (rc = store_tech_least_busy(srv->store, to, &tech))) {
        if (rc == WO_ENOTFOUND)
            snprintf(r->reason, sizeof r->reason, "no technician of tier %s "
                     "(set one with 'wo tier TECH %s')", to, to);
    }
    if (!rc && !(rc = store_begin(srv->store))) {
        rc = desk_escalate(srv, a->user, a->device_id, &o, prev, to, &tech,
                           c->reason);
        if (!rc)
            rc = store_commit(srv->store);
        if (rc)
            store_rollback(srv->store);
    }
    wo_order_cleanup(&o);
    if (rc)
        return rc;
    push_order(srv, c->wo, prev);
    push_past(srv, c->wo);
    return send_orders(srv, s, c->req, &c->wo, 1);
}

/* A result frame on the heap, to be filled by a store call and handed to
 * send_result(), which frees it. */
static struct wo_result *new_result(int64_t req)
{
    struct wo_result *res = calloc(1, sizeof *res);
    if (res)
        res->req = req;
    return res;
}

/* rc: how filling res went. Sends it if that went well; frees it. */
static int send_result(struct session *s, struct wo_result *res, int rc)
{
    if (!rc)
        rc = session_send(s, WO_F_RESULT, res);
    wo_frame_free(WO_F_RESULT, res);
    return rc;
}

static int cmd_history(struct srv *srv, struct session *s,
                       const struct session_auth *a, struct wo_cmd *c,
                       struct reply *r)
{
    char status[WO_MAX_ID + 1];
    int64_t assignee;
    int rc = no_such_order(store_order_head(srv->store, c->wo, status,
                                            &assignee, NULL), c->wo, r);
    if (rc)
        return rc;
    struct wo_result *res = new_result(c->req);
    if (!res)
        return WO_ENOMEM;
    return send_result(s, res, store_history(srv->store, c->wo,
                                             &res->history, &res->n_history));
}

static int cmd_alerts(struct srv *srv, struct session *s,
                      const struct session_auth *a, struct wo_cmd *c,
                      struct reply *r)
{
    struct wo_result *res = new_result(c->req);
    if (!res)
        return WO_ENOMEM;
    return send_result(s, res, store_alerts_since(srv->store, 0,
                                                  WO_MAX_ITEMS, &res->alerts,
                                                  &res->n_alerts));
}

static int parse_prio(const char *p)
{
    return p && (!strcmp(p, "P1") || !strcmp(p, "P2") || !strcmp(p, "P3"));
}

/* sla.show (anyone in the office) and sla.set (admin): a new version. */
static int cmd_sla(struct srv *srv, struct session *s,
                   const struct session_auth *a, struct wo_cmd *c,
                   struct reply *r)
{
    int rc;
    if (!strcmp(c->name, "sla.set")) {
        if (strcmp(a->role, "admin")) {
            snprintf(r->reason, sizeof r->reason, "'sla set' is for admins");
            return WO_EPERM;
        }
        int esc = !c->escalate ? -1 : !strcmp(c->escalate, "on") ? 1
                : !strcmp(c->escalate, "off") ? 0 : -2;
        if (!parse_prio(c->priority) || c->response_ms < 0 ||
            c->resolve_ms < 0 || esc == -2 ||
            (!c->response_ms && !c->resolve_ms && esc < 0)) {
            snprintf(r->reason, sizeof r->reason, "sla set needs P1, P2 or P3 "
                     "and a positive response and/or resolve target and/or "
                     "escalate on|off");
            return WO_EINVAL;
        }
        if ((rc = store_begin(srv->store)))
            return rc;
        rc = store_sla_new_version(srv->store, c->priority, c->response_ms,
                                   c->resolve_ms, esc, a->user,
                                   wo_clock_now_ms());
        if (!rc)
            rc = store_commit(srv->store);
        if (rc) {
            store_rollback(srv->store);
            return rc;
        }
    }
    struct wo_result *res = new_result(c->req);
    if (!res)
        return WO_ENOMEM;
    return send_result(s, res, store_sla_current(srv->store, &res->sla,
                                                 &res->n_sla));
}

static int cmd_tier(struct srv *srv, struct session *s,
                    const struct session_auth *a, struct wo_cmd *c,
                    struct reply *r)
{
    if (!c->assignee || !c->tier || (strcmp(c->tier, "L1") &&
                                     strcmp(c->tier, "L2") &&
                                     strcmp(c->tier, "L3"))) {
        snprintf(r->reason, sizeof r->reason, "tier needs a technician and "
                 "L1, L2 or L3");
        return WO_EINVAL;
    }
    int rc = store_user_set_tier(srv->store, c->assignee, c->tier);
    if (rc == WO_ENOTFOUND)
        snprintf(r->reason, sizeof r->reason, "no technician named '%s'",
                 c->assignee);
    if (rc)
        return rc;
    struct wo_result res = {.req = c->req};
    return session_send(s, WO_F_RESULT, &res);
}

/* A server time as "2026-11-24 09:00" (UTC). */
static void fmt_utc(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%d %H:%M", &tm))
        snprintf(out, 32, "%lld ms", (long long)ms);
}

/* The next visit's time window, pushed to the technician holding it. */
static int cmd_schedule(struct srv *srv, struct session *s,
                        const struct session_auth *a, struct wo_cmd *c,
                        struct reply *r)
{
    char status[WO_MAX_ID + 1], from[32], to[32], detail[96];
    int64_t assignee, seq, now = wo_clock_now_ms();
    if (c->start <= 0 || c->end <= c->start) {
        snprintf(r->reason, sizeof r->reason, "schedule needs a window: "
                 "--from before --to");
        return WO_EINVAL;
    }
    if (c->end <= now) {
        snprintf(r->reason, sizeof r->reason, "that window has already "
                 "ended; give one that ends in the future");
        return WO_EINVAL;
    }
    int rc = no_such_order(store_order_head(srv->store, c->wo, status,
                                            &assignee, NULL), c->wo, r);
    if (rc)
        return rc;
    if (!wo_lifecycle_next(status, "schedule", NULL, r->reason,
                           sizeof r->reason))
        return WO_ESTATE;
    fmt_utc(c->start, from);
    fmt_utc(c->end, to);
    snprintf(detail, sizeof detail, "next visit %s to %s UTC", from, to);
    if ((rc = store_begin(srv->store)))
        return rc;
    rc = store_order_schedule(srv->store, c->wo, c->start, c->end);
    if (!rc)
        rc = store_change(srv->store, c->wo, "schedule", a->user,
                          a->device_id, 0, detail, now, &seq);
    if (!rc)
        rc = store_commit(srv->store);
    if (rc) {
        store_rollback(srv->store);
        return rc;
    }
    push_order(srv, c->wo, 0);
    return send_orders(srv, s, c->req, &c->wo, 1);
}

#define SEARCH_LIMIT 50

/* Past resolutions: closed orders by problem, notes and parts. */
static int cmd_search(struct srv *srv, struct session *s,
                      const struct session_auth *a, struct wo_cmd *c,
                      struct reply *r)
{
    char query[4 * WO_MAX_SHORT];
    if (!c->text || wo_fts_query(c->text, query, sizeof query)) {
        snprintf(r->reason, sizeof r->reason, "search needs one or more "
                 "words to find");
        return WO_EINVAL;
    }
    size_t limit = c->limit > 0 && c->limit < WO_MAX_ITEMS ? (size_t)c->limit
                                                           : SEARCH_LIMIT;
    struct wo_result *res = new_result(c->req);
    if (!res)
        return WO_ENOMEM;
    return send_result(s, res, store_search(srv->store, query, c->asset,
                                            limit, &res->hits, &res->n_hits));
}

/* Reports over a period (default: the 30 days before now). */
static int cmd_report(struct srv *srv, struct session *s,
                      const struct session_auth *a, struct wo_cmd *c,
                      struct reply *r)
{
    static const struct {
        const char *name;
        enum store_report which;
    } reports[] = {
        {"assets", STORE_REPORT_ASSETS},
        {"sla", STORE_REPORT_SLA},
        {"times", STORE_REPORT_SLA},
        {"workload", STORE_REPORT_WORKLOAD},
    };
    int64_t now = wo_clock_now_ms();
    int64_t until = c->until > 0 ? c->until : now + 1;
    int64_t since = c->since > 0 ? c->since : until - 30LL * 86400 * 1000;
    size_t i, limit = c->limit > 0 && c->limit < WO_MAX_ITEMS
                          ? (size_t)c->limit : 20;
    for (i = 0; i < sizeof reports / sizeof reports[0]; i++)
        if (c->report && !strcmp(c->report, reports[i].name))
            break;
    if (i == sizeof reports / sizeof reports[0]) {
        snprintf(r->reason, sizeof r->reason, "report must be assets, sla, "
                 "times or workload");
        return WO_EINVAL;
    }
    if (since >= until) {
        snprintf(r->reason, sizeof r->reason, "the period is empty: --since "
                 "must come before --until");
        return WO_EINVAL;
    }
    struct wo_result *res = new_result(c->req);
    if (!res)
        return WO_ENOMEM;
    return send_result(s, res, store_report(srv->store, reports[i].which,
                                            since, until, now, limit,
                                            &res->rows, &res->n_rows));
}

static int cmd_show(struct srv *srv, struct session *s,
                    const struct session_auth *a, struct wo_cmd *c,
                    struct reply *r)
{
    return no_such_order(send_orders(srv, s, c->req, &c->wo, 1), c->wo, r);
}

static int cmd_board(struct srv *srv, struct session *s,
                     const struct session_auth *a, struct wo_cmd *c,
                     struct reply *r)
{
    int64_t *ids;
    size_t n;
    /* a result frame holds at most WO_MAX_ITEMS orders */
    int rc = store_board(srv->store, wo_clock_now_ms(), WO_MAX_ITEMS, &ids,
                         &n);
    if (!rc)
        rc = send_orders(srv, s, c->req, ids, n);
    free(ids);
    return rc;
}

static int cmd_revoke(struct srv *srv, struct session *s,
                      const struct session_auth *a, struct wo_cmd *c,
                      struct reply *r)
{
    int rc = store_device_revoke(srv->store, c->device, wo_clock_now_ms());
    if (rc == WO_ENOTFOUND)
        snprintf(r->reason, sizeof r->reason, "no device %lld",
                 (long long)c->device);
    if (rc)
        return rc;
    push_disconnect_device(c->device);
    struct wo_result res = {.req = c->req};
    return session_send(s, WO_F_RESULT, &res);
}

static const struct {
    const char *name;
    cmd_fn fn;
    int admin_only;
} cmds[] = {
    {"create", cmd_create, 0},
    {"assign", cmd_assign, 0},
    {"cancel", cmd_move, 0},
    {"dispute", cmd_move, 0},
    {"escalate", cmd_escalate, 0},
    {"history", cmd_history, 0},
    {"alerts", cmd_alerts, 0},
    {"sla.show", cmd_sla, 0},
    {"sla.set", cmd_sla, 0},
    {"tier", cmd_tier, 1},
    {"schedule", cmd_schedule, 0},
    {"search", cmd_search, 0},
    {"report", cmd_report, 0},
    {"show", cmd_show, 0},
    {"board", cmd_board, 0},
    {"revoke", cmd_revoke, 1},
};

int handle_cmd(struct srv *srv, struct session *s, void *body,
               struct reply *r)
{
    struct wo_cmd *c = body;
    const struct session_auth *a = session_auth(s);
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        if (strcmp(cmds[i].name, c->name))
            continue;
        if (cmds[i].admin_only && strcmp(a->role, "admin")) {
            snprintf(r->reason, sizeof r->reason, "'%s' is for admins",
                     c->name);
            return WO_EPERM;
        }
        return cmds[i].fn(srv, s, a, c, r);
    }
    snprintf(r->reason, sizeof r->reason, "unknown command '%s'", c->name);
    return WO_EINVAL;
}
