/*
 * handle_cmd.c - dispatcher and admin commands, one handler each.
 *
 * Dispatch has already checked the role, and runs each write command
 * inside one transaction that it commits before it pushes the orders the
 * handler named (call_push) to their technicians and sends the answer
 * (the orders named by call_reply_order/s, or c->res). So a handler here
 * checks its arguments and the order's state, makes its writes, and says
 * what changed: no begin, commit or push of its own.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codepool.h"
#include "desk.h"
#include "feed.h"
#include "handle_cmd.h"
#include "handle_desk.h"
#include "notify.h"
#include "server.h"
#include "session.h"
#include "sessreg.h"
#include "store.h"
#include "wo_clock.h"
#include "wo_lifecycle.h"
#define WO_SQLKIT_NO_SQLITE /* only wo_fts_query(): no SQLite here */
#include "wo_sqlkit.h"

static int fail(struct call *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Return rc with the peer's reason. */
static int fail(struct call *c, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
    return rc;
}

static struct wo_cmd *cmd_of(struct call *c) { return c->body; }

static int find_tech(struct call *c, const char *name, struct store_user *u)
{
    int rc = store_user_get(c->srv->store, name, u);
    if (rc == WO_ENOTFOUND)
        return fail(c, rc, "no user named '%s'", name);
    if (!rc && strcmp(u->role, "technician"))
        return fail(c, WO_EINVAL, "'%s' is a %s, not a technician", name,
                    u->role);
    return rc;
}

/* The head of order wo; a missing order gets its reason. */
static int order_head(struct call *c, int64_t wo, char status[WO_MAX_ID + 1],
                      int64_t *assignee, char *name)
{
    int rc = store_order_head(c->srv->store, wo, status, assignee, name);
    if (rc == WO_ENOTFOUND)
        return fail(c, rc, "work order %lld does not exist", (long long)wo);
    return rc;
}

/* The move ev from status, or WO_ESTATE with the lifecycle's reason. */
static int lifecycle(struct call *c, const char *status, const char *ev,
                     const char **to)
{
    *to = wo_lifecycle_next(status, ev, NULL, c->reason, sizeof c->reason);
    return *to ? 0 : WO_ESTATE;
}

/* A result frame for the command's answer, owned by the call. */
static struct wo_result *result(struct call *c)
{
    if (!c->res)
        c->res = calloc(1, sizeof *c->res);
    return c->res;
}

int handle_cmd_create(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    struct store_user tech;
    struct store_code kept;
    /* id is handed to call_reply_order() on failure too (then unused) */
    int64_t id = 0, seq, now = wo_clock_now_ms();
    if (!cmd->title || !*cmd->title)
        return fail(c, WO_EINVAL, "create needs a title");
    /* the matrix's priority, or one given by hand */
    int rc = handle_desk_priority(c);
    if (!rc && cmd->assignee)
        rc = find_tech(c, cmd->assignee, &tech);
    if (!rc)
        rc = codepool_new(c->srv->codes, c->code, &kept);
    if (!rc)
        rc = store_order_create(c->srv->store, cmd, &kept, c->a->user_id, now,
                                &id);
    if (!rc)
        rc = store_change(c->srv->store, id, "create", c->a->user,
                          c->a->device_id, 0, cmd->title, now, &seq);
    if (!rc)
        rc = handle_desk_intake(c, id, now);
    if (!rc && cmd->assignee)
        rc = desk_assign(c->srv, c->a->user, c->a->device_id, id, &tech, 0,
                         NULL, "new", "assign", "assigned", NULL);
    /* to its technician, and to the consoles' lists even when nobody
     * holds it yet (an unassigned order, one awaiting authorisation) */
    call_push(c, id, 0, !!cmd->assignee);
    call_reply_order(c, id);
    return rc;
}

int handle_cmd_assign(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    struct store_user tech;
    char status[WO_MAX_ID + 1], from[WO_MAX_ID + 1] = "";
    const char *to;
    int64_t prev;
    if (!cmd->assignee)
        return fail(c, WO_EINVAL, "assign needs a technician");
    int rc = order_head(c, cmd->wo, status, &prev, from);
    if (!rc)
        rc = lifecycle(c, status, "assign", &to);
    if (!rc)
        rc = find_tech(c, cmd->assignee, &tech);
    if (rc)
        return rc;
    /* a disputed order may go back to the technician who holds it */
    if (prev == tech.id && strcmp(status, "disputed"))
        return fail(c, WO_EINVAL, "order %lld is already assigned to %s",
                    (long long)cmd->wo, tech.name);
    rc = desk_assign(c->srv, c->a->user, c->a->device_id, cmd->wo, &tech, prev,
                     from[0] ? from : NULL, status, "assign", to, NULL);
    call_push(c, cmd->wo, prev, 1);
    call_reply_order(c, cmd->wo);
    return rc;
}

/*
 * A dispatcher's move of the state machine that needs a reason: cancel
 * (from any open state) and dispute (a completed order, within the 24 h
 * before it closes by itself). The reason goes into the history.
 */
int handle_cmd_move(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    char status[WO_MAX_ID + 1];
    const char *to;
    int64_t assignee, seq, now = wo_clock_now_ms();
    if (!cmd->reason || !*cmd->reason)
        return fail(c, WO_EINVAL, "%s needs a reason", cmd->name);
    int rc = order_head(c, cmd->wo, status, &assignee, NULL);
    if (!rc)
        rc = lifecycle(c, status, cmd->name, &to);
    if (!rc)
        rc = store_order_set_status(c->srv->store, cmd->wo, to);
    if (!rc)
        rc = desk_on_status(c->srv, cmd->wo, cmd->name, status, to, now, now);
    if (!rc)
        rc = store_change(c->srv->store, cmd->wo, cmd->name, c->a->user,
                          c->a->device_id, 0, cmd->reason, now, &seq);
    if (!rc && !strcmp(cmd->name, "dispute"))
        rc = feed_event(c->srv, "disputed", cmd->wo, c->a->user,
                        c->a->device_id, NULL, cmd->reason, now);
    call_push(c, cmd->wo, 0, 0); /* a cancelled order leaves the laptop */
    call_reply_order(c, cmd->wo);
    return rc;
}

/* The tier an escalation of o goes to, or an error with its reason. */
static int escalation_tier(struct call *c, const struct wo_order *o,
                           const char **to)
{
    const char *want = cmd_of(c)->tier;
    if (want) {
        *to = !strcmp(want, "L2") ? "L2" : !strcmp(want, "L3") ? "L3" : NULL;
        if (!*to || strcmp(*to, o->tier) <= 0)
            return fail(c, WO_EINVAL, "order %lld is at tier %s; escalate "
                        "--to takes a higher tier (L2 or L3)",
                        (long long)o->id, o->tier);
    } else if (!(*to = desk_next_tier(o->tier))) {
        return fail(c, WO_EINVAL, "order %lld is already at the top tier "
                    "(L3)", (long long)o->id);
    }
    return 0;
}

/* Up a tier, reassigned (to a named technician or the least busy one of
 * that tier), with a reason in the history. */
int handle_cmd_escalate(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    struct wo_order o;
    struct store_user tech;
    const char *to, *moved;
    int64_t prev;
    if (!cmd->reason || !*cmd->reason)
        return fail(c, WO_EINVAL, "escalate needs a reason");
    int rc = store_order_load(c->srv->store, cmd->wo, STORE_LOAD_TECH, &o,
                              &prev);
    if (rc == WO_ENOTFOUND)
        return fail(c, rc, "work order %lld does not exist",
                    (long long)cmd->wo);
    if (rc)
        return rc;
    rc = escalation_tier(c, &o, &to);
    if (!rc)
        rc = lifecycle(c, o.status, "escalate", &moved);
    if (!rc && cmd->assignee) {
        if (!(rc = find_tech(c, cmd->assignee, &tech)) &&
            strcmp(tech.tier, to) < 0)
            rc = fail(c, WO_EINVAL, "%s is tier %s; order %lld goes to %s",
                      tech.name, tech.tier, (long long)cmd->wo, to);
    } else if (!rc &&
               (rc = store_tech_least_busy(c->srv->store, to, &tech)) ==
                   WO_ENOTFOUND) {
        rc = fail(c, rc, "no technician of tier %s (set one with 'wo tier "
                  "TECH %s')", to, to);
    }
    if (!rc)
        rc = desk_escalate(c->srv, c->a->user, c->a->device_id, &o, prev, to,
                           &tech, cmd->reason);
    wo_order_cleanup(&o);
    call_push(c, cmd->wo, prev, 1);
    call_reply_order(c, cmd->wo);
    return rc;
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
int handle_cmd_schedule(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    char status[WO_MAX_ID + 1], from[32], to[32], detail[96];
    const char *same;
    int64_t assignee, seq, now = wo_clock_now_ms();
    if (cmd->start <= 0 || cmd->end <= cmd->start)
        return fail(c, WO_EINVAL, "schedule needs a window: --from before "
                    "--to");
    if (cmd->end <= now)
        return fail(c, WO_EINVAL, "that window has already ended; give one "
                    "that ends in the future");
    int rc = order_head(c, cmd->wo, status, &assignee, NULL);
    if (!rc)
        rc = lifecycle(c, status, "schedule", &same);
    if (rc)
        return rc;
    fmt_utc(cmd->start, from);
    fmt_utc(cmd->end, to);
    snprintf(detail, sizeof detail, "next visit %s to %s UTC", from, to);
    rc = store_order_schedule(c->srv->store, cmd->wo, cmd->start, cmd->end);
    if (!rc)
        rc = store_change(c->srv->store, cmd->wo, "schedule", c->a->user,
                          c->a->device_id, 0, detail, now, &seq);
    if (!rc)
        rc = notify_event(c->srv->store, cmd->wo, "scheduled", now);
    call_push(c, cmd->wo, 0, 0);
    call_reply_order(c, cmd->wo);
    return rc;
}

/*
 * A new recipient code for an order: the requester lost it, or co-signing
 * locked after too many wrong codes. The old code stops working; the new
 * one is in this answer only.
 */
int handle_cmd_code(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    struct store_code kept;
    char status[WO_MAX_ID + 1];
    int64_t assignee, seq;
    int rc = order_head(c, cmd->wo, status, &assignee, NULL);
    if (rc)
        return rc;
    if (wo_lifecycle_is_terminal(status))
        return fail(c, WO_ESTATE, "order %lld is %s: the recipient has "
                    "nothing left to co-sign", (long long)cmd->wo, status);
    if (!(rc = codepool_new(c->srv->codes, c->code, &kept)))
        rc = store_code_set(c->srv->store, cmd->wo, &kept);
    if (!rc)
        rc = store_change(c->srv->store, cmd->wo, "code.new", c->a->user,
                          c->a->device_id, 0, "a new recipient code; the "
                          "old one no longer works", wo_clock_now_ms(), &seq);
    call_reply_order(c, cmd->wo);
    return rc;
}

/* sla.set (admin): a new policy version; answered with the current one. */
int handle_cmd_sla_set(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    int esc = !cmd->escalate ? -1 : !strcmp(cmd->escalate, "on") ? 1
              : !strcmp(cmd->escalate, "off") ? 0 : -2;
    if (!wo_lifecycle_is_priority(cmd->priority) || cmd->response_ms < 0 ||
        cmd->resolve_ms < 0 || esc == -2 ||
        (!cmd->response_ms && !cmd->resolve_ms && esc < 0))
        return fail(c, WO_EINVAL, "sla set needs P1, P2 or P3 and a positive "
                    "response and/or resolve target and/or escalate on|off");
    int rc = store_sla_new_version(c->srv->store, cmd->priority,
                                   cmd->response_ms, cmd->resolve_ms, esc,
                                   c->a->user, wo_clock_now_ms());
    return rc ? rc : handle_cmd_sla_show(c);
}

int handle_cmd_sla_show(struct call *c)
{
    struct wo_result *res = result(c);
    return res ? store_sla_current(c->srv->store, &res->sla, &res->n_sla)
               : WO_ENOMEM;
}

int handle_cmd_tier(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    if (!cmd->assignee || !cmd->tier ||
        (strcmp(cmd->tier, "L1") && strcmp(cmd->tier, "L2") &&
         strcmp(cmd->tier, "L3")))
        return fail(c, WO_EINVAL, "tier needs a technician and L1, L2 or L3");
    int rc = store_user_set_tier(c->srv->store, cmd->assignee, cmd->tier);
    if (rc == WO_ENOTFOUND)
        return fail(c, rc, "no technician named '%s'", cmd->assignee);
    return rc;
}

int handle_cmd_revoke(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    int rc = store_device_revoke(c->srv->store, cmd->device,
                                 wo_clock_now_ms());
    if (rc == WO_ENOTFOUND)
        return fail(c, rc, "no device %lld", (long long)cmd->device);
    c->disconnect = cmd->device;
    return rc;
}

/* One order, its signatures checked afresh (verify.h). */
int handle_cmd_show(struct call *c)
{
    char status[WO_MAX_ID + 1];
    int64_t assignee;
    int rc = order_head(c, cmd_of(c)->wo, status, &assignee, NULL);
    if (!rc) {
        call_reply_order(c, cmd_of(c)->wo);
        c->reverify = 1;
    }
    return rc;
}

int handle_cmd_board(struct call *c)
{
    const struct wo_cmd *cmd = cmd_of(c);
    struct store_board_filter f = {.status = cmd->status,
                                   .tech = cmd->assignee,
                                   .priority = cmd->priority,
                                   .site = cmd->site, .all = cmd->all};
    int64_t *ids;
    size_t n;
    if (f.priority && !wo_lifecycle_is_priority(f.priority))
        return fail(c, WO_EINVAL, "priority must be P1, P2 or P3, not '%s'",
                    f.priority);
    if (f.status && !wo_lifecycle_is_status(f.status))
        return fail(c, WO_EINVAL, "no status '%s'; statuses: %s", f.status,
                    WO_STATUSES);
    /* a result frame holds at most WO_MAX_ITEMS orders */
    int rc = store_board_filtered(c->srv->store, &f, wo_clock_now_ms(),
                                  WO_MAX_ITEMS, &ids, &n);
    if (!rc)
        call_reply_orders(c, ids, n);
    return rc;
}

/* Every technician with presence and each device's sync health. */
int handle_cmd_techs(struct call *c)
{
    struct wo_result *res = result(c);
    int64_t *users = NULL;
    if (!res)
        return WO_ENOMEM;
    /* last seen as of now, not as of the last tick (feed.h) */
    feed_presence_flush(c->srv);
    int rc = store_techs(c->srv->store, &res->techs, &res->n_techs, &users);
    for (size_t i = 0; !rc && i < res->n_techs; i++) {
        struct wo_tech *t = &res->techs[i];
        t->online = sessreg_count_user(c->srv->sessions, users[i]) > 0;
        for (size_t j = 0; j < t->n_devices; j++)
            t->devices[j].online =
                sessreg_count_device(c->srv->sessions, users[i],
                                     t->devices[j].id) > 0;
    }
    free(users);
    return rc;
}

/* The stored activity feed after `since` (an event id). */
int handle_cmd_feed(struct call *c)
{
    const struct wo_cmd *cmd = cmd_of(c);
    struct wo_result *res = result(c);
    int64_t limit = cmd->limit > 0 && cmd->limit <= WO_MAX_ITEMS ? cmd->limit
                                                                 : 100;
    if (!res)
        return WO_ENOMEM;
    feed_presence_flush(c->srv);
    return store_feed_since(c->srv->store, cmd->since, (size_t)limit,
                            &res->feed, &res->n_feed);
}

int handle_cmd_history(struct call *c)
{
    char status[WO_MAX_ID + 1];
    int64_t assignee;
    struct wo_result *res;
    int rc = order_head(c, cmd_of(c)->wo, status, &assignee, NULL);
    if (rc)
        return rc;
    if (!(res = result(c)))
        return WO_ENOMEM;
    return store_history(c->srv->store, cmd_of(c)->wo, &res->history,
                         &res->n_history);
}

int handle_cmd_alerts(struct call *c)
{
    struct wo_result *res = result(c);
    return res ? store_alerts_since(c->srv->store, 0, WO_MAX_ITEMS,
                                    &res->alerts, &res->n_alerts)
               : WO_ENOMEM;
}

#define SEARCH_LIMIT 50

/* Past resolutions: closed orders by problem, notes and parts. */
int handle_cmd_search(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    char query[4 * WO_MAX_SHORT];
    struct wo_result *res;
    if (!cmd->text || wo_fts_query(cmd->text, query, sizeof query))
        return fail(c, WO_EINVAL, "search needs one or more words to find");
    size_t limit = cmd->limit > 0 && cmd->limit < WO_MAX_ITEMS
                       ? (size_t)cmd->limit : SEARCH_LIMIT;
    if (!(res = result(c)))
        return WO_ENOMEM;
    return store_search(c->srv->store, query, cmd->asset, limit, &res->hits,
                        &res->n_hits);
}

/* Reports over a period (default: the 30 days before now). */
int handle_cmd_report(struct call *c)
{
    static const struct {
        const char *name;
        enum store_report which;
    } reports[] = {
        {"assets", STORE_REPORT_ASSETS},
        {"sla", STORE_REPORT_SLA},
        {"times", STORE_REPORT_SLA},
        {"workload", STORE_REPORT_WORKLOAD},
        {"requesters", STORE_REPORT_REQUESTERS},
        {"departments", STORE_REPORT_DEPARTMENTS},
        {"categories", STORE_REPORT_CATEGORIES},
        {"customers", STORE_REPORT_CUSTOMERS},
        {"costs", STORE_REPORT_COSTS},
    };
    struct wo_cmd *cmd = cmd_of(c);
    struct wo_result *res;
    int64_t now = wo_clock_now_ms();
    int64_t until = cmd->until > 0 ? cmd->until : now + 1;
    int64_t since = cmd->since > 0 ? cmd->since : until - 30LL * 86400 * 1000;
    size_t i, limit = cmd->limit > 0 && cmd->limit < WO_MAX_ITEMS
                          ? (size_t)cmd->limit : 20;
    for (i = 0; i < sizeof reports / sizeof reports[0]; i++)
        if (cmd->report && !strcmp(cmd->report, reports[i].name))
            break;
    if (i == sizeof reports / sizeof reports[0])
        return fail(c, WO_EINVAL, "report must be assets, sla, times, "
                    "workload, requesters, departments, categories, "
                    "customers or costs");
    if (since >= until)
        return fail(c, WO_EINVAL, "the period is empty: --since must come "
                    "before --until");
    if (cmd->customer) {
        char kind[16];
        int needs, rc = handle_desk_customer_known(c, cmd->customer, kind,
                                                   &needs);
        if (rc)
            return rc;
    }
    if (!(res = result(c)))
        return WO_ENOMEM;
    if (reports[i].which >= STORE_REPORT_REQUESTERS && !cmd->limit)
        limit = WO_MAX_ITEMS;
    return store_report(c->srv->store, reports[i].which, since, until, now,
                        limit, cmd->customer, &res->rows, &res->n_rows);
}
