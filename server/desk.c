/*
 * desk.c - SLA clocks, alerts and the 24 h closure (see desk.h).
 *
 * Alerts are rows (one per order and kind, UNIQUE) written in the same
 * transaction that found them due, so a restart neither loses one nor
 * makes one twice; each dispatcher's client keeps the id of the last alert
 * it saw and gets the rest on its next catch-up. The server remembers the
 * last id it pushed live (srv->alerts_pushed), so a live session gets each
 * new one once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agree.h"
#include "desk.h"
#include "feed.h"
#include "notify.h"
#include "push.h"
#include "server.h"
#include "store.h"
#include "wo_clock.h"
#include "wo_lifecycle.h"

#define ALERT_BATCH 1000

int desk_annotate(struct wo_order *o, int64_t now)
{
    const char *sla;
    int64_t due = 0;
    if (!strcmp(o->status, "cancelled")) {
        sla = "none";
    } else if (!strcmp(o->status, "awaiting_authorisation")) {
        sla = "waiting"; /* no clock runs before the verdict */
    } else if (!o->responded_at) {
        sla = "response";
        due = o->response_due;
    } else if (!o->resolved_at) {
        sla = o->paused_at ? "paused" : "resolve";
        /* a paused clock stands still: its due time moves with now */
        due = o->resolve_due + (o->paused_at ? now - o->paused_at : 0);
    } else {
        sla = "met";
    }
    free(o->sla);
    o->sla = strdup(sla);
    o->due_in = due ? due - now : 0;
    return o->sla ? 0 : WO_ENOMEM;
}

int desk_on_status(struct srv *srv, int64_t id, const char *ev,
                   const char *from, const char *to, int64_t t, int64_t now)
{
    struct store *st = srv->store;
    int rc = 0;
    /* a resolution with no visit answers the request too */
    if (!strcmp(ev, "accept") || !strcmp(ev, "resolve.remote") ||
        !strcmp(ev, "resolve.desk"))
        rc = store_sla_event(st, STORE_SLA_RESPOND, id, t, now);
    if (!rc && strcmp(from, to)) {
        if (!strcmp(from, "on_hold_customer")) {
            /* the order as it was while paused, for its agreement */
            struct wo_order o;
            int loaded = !store_order_load(st, id, STORE_LOAD_PAST, &o, NULL);
            rc = store_sla_event(st, STORE_SLA_RESUME, id, t, now);
            if (!rc && loaded)
                rc = agree_resume(st, &o, t, now);
            if (loaded)
                wo_order_cleanup(&o);
        }
        if (!rc && !strcmp(to, "on_hold_customer"))
            rc = store_sla_event(st, STORE_SLA_PAUSE, id, t, now);
        if (!rc && !strcmp(to, "completed"))
            rc = store_sla_event(st, STORE_SLA_RESOLVE, id, t, now);
        /* the requester hears of it (queued in this transaction) */
        if (!rc && ((!strcmp(ev, "accept") && !strcmp(to, "accepted")) ||
                    !strcmp(to, "completed") || !strcmp(to, "closed")))
            rc = notify_event(st, id, to, now);
    }
    return rc;
}

int desk_late_response(struct srv *srv, int64_t id, int64_t now)
{
    char detail[200], when[32];
    int undone;
    int64_t at, seq;
    int rc = store_sla_breach_undone(srv->store, id, &undone, &at);
    if (rc || !undone)
        return rc;
    time_t sec = (time_t)(at / 1000);
    struct tm tm;
    if (!gmtime_r(&sec, &tm) || !strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S",
                                          &tm))
        snprintf(when, sizeof when, "%lld ms", (long long)at);
    snprintf(detail, sizeof detail, "response at %s UTC (a late accept, at "
             "its corrected time) is within the target: the response breach "
             "did not happen", when);
    return store_change(srv->store, id, "sla.corrected", "system", 0, 0,
                        detail, now, &seq);
}

/* ---- assignment and escalation ------------------------------------------ */

/* Why order id is with its new holder (docs/protocol.md, "Field data"):
 * kept on the order for the technician, and an event for the office. */
static int came_by(struct srv *srv, const char *actor, int64_t device,
                   int64_t id, int64_t from_id, const char *status,
                   const char *ev, const char *why, int64_t now)
{
    char *reason = NULL;
    const char *came = "assigned";
    int rc = 0;
    if (!strcmp(ev, "escalate"))
        came = "escalated";
    else if (!strcmp(status, "disputed"))
        came = "reopened";
    else if (from_id)
        came = "reassigned";
    if (!strcmp(status, "disputed"))
        rc = store_dispute_reason(srv->store, id, &reason);
    const char *r = why ? why : reason;
    if (!rc)
        rc = store_order_set_came(srv->store, id, came, r, now);
    if (!rc && strcmp(came, "assigned") && strcmp(came, "reassigned"))
        rc = feed_event(srv, came, id, actor, device, NULL, r, now);
    free(reason);
    return rc;
}

int desk_assign(struct srv *srv, const char *actor, int64_t device,
                int64_t id, const struct store_user *tech, int64_t from_id,
                const char *from, const char *status, const char *ev,
                const char *to, const char *why)
{
    int64_t seq, now = wo_clock_now_ms();
    char detail[WO_MAX_TEXT + 160];
    snprintf(detail, sizeof detail, "to %s%s%s%s%s", tech->name,
             from ? " from " : "", from ? from : "", why ? ": " : "",
             why ? why : "");
    int rc = store_order_set_assignee(srv->store, id, tech->id, to);
    if (!rc)
        rc = desk_on_status(srv, id, ev, status, to, now, now);
    if (!rc)
        rc = store_change(srv->store, id, ev, actor, device, 0, detail, now,
                          &seq);
    /* released by this change (its seq: store_scope_left) */
    if (!rc && from_id)
        rc = store_tech_release(srv->store, id, from_id, seq, now);
    if (!rc)
        rc = store_tech_add(srv->store, id, tech->id, seq, now);
    if (!rc)
        rc = came_by(srv, actor, device, id, from_id, status, ev, why, now);
    return rc;
}

const char *desk_next_tier(const char *t)
{
    return !strcmp(t, "L1") ? "L2" : !strcmp(t, "L2") ? "L3" : NULL;
}

int desk_escalate(struct srv *srv, const char *actor, int64_t device,
                  const struct wo_order *o, int64_t prev, const char *to,
                  const struct store_user *tech, const char *why)
{
    char reason[256], detail[WO_MAX_TEXT + 32];
    const char *moved = wo_lifecycle_next(o->status, "escalate", NULL, reason,
                                          sizeof reason);
    if (!moved)
        return WO_ESTATE;
    snprintf(detail, sizeof detail, "%s -> %s, %s", o->tier, to, why);
    int rc = store_order_set_tier(srv->store, o->id, to);
    if (!rc)
        rc = desk_assign(srv, actor, device, o->id, tech, prev, o->assignee,
                         o->status, "escalate", moved, detail);
    return rc;
}

/*
 * Inside the tick's transaction: each breach alert made after alert id
 * `after` whose order's policy escalates moves that order one tier up, to
 * the least busy technician of that tier. An order that cannot move (no
 * technician of the tier, or a state escalation does not apply to) gets a
 * line in its history instead, once, as the alert is made once.
 * Escalated orders and their former holders go to *ids / *prevs.
 */
static int auto_escalate(struct srv *srv, int64_t after, int64_t now,
                         int64_t **ids, int64_t **prevs, size_t *n)
{
    struct store_breach *b;
    size_t nb;
    int rc = store_breaches_to_escalate(srv->store, after, &b, &nb);
    if (rc || !nb)
        return rc;
    *ids = calloc(nb, sizeof **ids);
    *prevs = calloc(nb, sizeof **prevs);
    if (!*ids || !*prevs)
        rc = WO_ENOMEM;
    for (size_t i = 0; !rc && i < nb; i++) {
        struct wo_order o;
        struct store_user tech;
        int64_t prev, seq;
        char why[64], refusal[256];
        const char *to;
        /* the order's own fields are what matter here: the lightest load */
        if ((rc = store_order_load(srv->store, b[i].order, STORE_LOAD_PAST,
                                   &o, &prev)))
            break;
        snprintf(why, sizeof why, "%s target breached",
                 !strncmp(b[i].kind, "response", 8) ? "response" : "resolution");
        if (!(to = desk_next_tier(o.tier))) {
            rc = 0; /* reached L3 by an earlier breach of this tick */
        } else if (!wo_lifecycle_next(o.status, "escalate", NULL, refusal,
                                      sizeof refusal)) {
            rc = 0; /* completed meanwhile: nothing to move */
        } else if ((rc = store_tech_least_busy(srv->store, to, &tech))) {
            if (rc == WO_ENOTFOUND) {
                char detail[160];
                snprintf(detail, sizeof detail, "%s; not escalated: no "
                         "technician of tier %s", why, to);
                rc = store_change(srv->store, o.id, "escalate.failed",
                                  "system", 0, 0, detail, now, &seq);
            }
        } else if (!(rc = desk_escalate(srv, "system", 0, &o, prev, to, &tech,
                                        why))) {
            (*ids)[*n] = o.id;
            (*prevs)[(*n)++] = prev;
        }
        wo_order_cleanup(&o);
    }
    free(b);
    return rc;
}

/* ---- alerts to dispatchers ---------------------------------------------- */

struct wo_changes *desk_alerts_after(struct srv *srv, int64_t cursor)
{
    struct wo_changes *ch = calloc(1, sizeof *ch);
    if (!ch)
        return NULL;
    if (store_alerts_since(srv->store, cursor, ALERT_BATCH, &ch->alerts,
                           &ch->n_alerts)) {
        wo_frame_free(WO_F_CHANGES, ch);
        return NULL;
    }
    ch->cursor = ch->n_alerts ? ch->alerts[ch->n_alerts - 1].id : cursor;
    ch->final = ch->n_alerts < ALERT_BATCH;
    return ch;
}

/* Push what was made since the last push to every live office session. */
static void push_new_alerts(struct srv *srv)
{
    struct wo_changes *ch;
    size_t n;
    do {
        if (!(ch = desk_alerts_after(srv, srv->alerts_pushed)))
            return;
        if ((n = ch->n_alerts)) {
            ch->final = 1;
            push_alerts(srv, ch);
            srv->alerts_pushed = ch->cursor;
        }
        wo_frame_free(WO_F_CHANGES, ch);
    } while (n == ALERT_BATCH);
}

/* ---- the tick ------------------------------------------------------------ */

static int close_one(struct srv *srv, int64_t id, int64_t now)
{
    int64_t seq;
    int rc = store_order_set_status(srv->store, id, "closed");
    if (!rc)
        rc = store_change(srv->store, id, "close.auto", "system", 0, 0,
                          "no dispute within 24 h of completion", now, &seq);
    if (!rc)
        rc = notify_event(srv->store, id, "closed", now);
    return rc;
}

/* A tick that failed on a fault of the store: say why, undo what it
 * began. */
static enum desk_tick_result tick_failed(struct srv *srv, int rc, int began)
{
    char cause[256];
    /* SQLite's words name the cause until a rollback replaces them */
    snprintf(cause, sizeof cause, "%s", store_errmsg(srv->store));
    if (began)
        store_rollback(srv->store);
    fprintf(stderr, "wo-server: SLA/closure tick failed: %s (%s)\n",
            wo_strerror(rc), cause);
    return DESK_TICK_FAILED;
}

enum desk_tick_result desk_tick(struct srv *srv)
{
    int64_t *closing = NULL, *up = NULL, *prev = NULL, before;
    int64_t now = wo_clock_now_ms();
    size_t n_closing = 0, n_up = 0;
    int made = 0;
    /* devices connected and gone since the last tick (feed.h) */
    feed_presence_flush(srv);
    /* at start: older alerts reach dispatchers by their catch-up */
    int rc = srv->alerts_pushed < 0 ?
             store_alerts_max(srv->store, &srv->alerts_pushed) : 0;
    if (rc)
        return tick_failed(srv, rc, 0);
    /* Never wait for the write lock here: a connection holding it (an
     * operator's sqlite3 shell with a write transaction open; the mailer,
     * for a moment) would otherwise stall the loop for the whole busy
     * timeout twice a second, and every session with it. A busy store
     * skips this tick; the next one makes up for it, since what is due is
     * read from the store, not from the tick. */
    if ((rc = store_begin_nowait(srv->store)))
        return store_busy(srv->store) ? DESK_TICK_SKIPPED
                                      : tick_failed(srv, rc, 0);
    rc = store_alerts_max(srv->store, &before);
    if (!rc)
        rc = store_alerts_make(srv->store, now, &made);
    if (!rc && made)
        rc = auto_escalate(srv, before, now, &up, &prev, &n_up);
    if (!rc)
        rc = store_autoclose_due(srv->store, now - DESK_CLOSE_AFTER_MS,
                                 &closing, &n_closing);
    for (size_t i = 0; !rc && i < n_closing; i++)
        rc = close_one(srv, closing[i], now);
    if (!rc)
        rc = store_commit(srv->store);
    if (rc) {
        tick_failed(srv, rc, 1);
    } else {
        for (size_t i = 0; i < n_up; i++) {
            push_order(srv, up[i], prev[i]);
            push_past(srv, up[i]);
        }
        for (size_t i = 0; i < n_closing; i++)
            push_order(srv, closing[i], 0);
        /* also alerts made elsewhere (a locked recipient code) */
        push_new_alerts(srv);
        feed_push(srv);
    }
    free(up);
    free(prev);
    free(closing);
    return rc ? DESK_TICK_FAILED : DESK_TICK_RAN;
}
