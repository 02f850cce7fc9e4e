/*
 * feed.c - the activity feed and presence (feed.h).
 *
 * Events are rows of the store's feed table, written with the change
 * they tell of, so a rolled-back change leaves no event. srv->feed_pushed
 * is the id of the last event sent live; feed_push() sends what came
 * after it, so an event reaches each live office session once, in order.
 * SLA alerts and locked codes become events by a trigger on the alerts
 * table (schema/server/012_field.sql).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "push.h"
#include "server.h"
#include "session.h"
#include "sessreg.h"
#include "store.h"
#include "wo_clock.h"

#define FEED_BATCH 100

int feed_event(struct srv *srv, const char *kind, int64_t wo,
               const char *actor, int64_t device, const char *outcome,
               const char *detail, int64_t now)
{
    char status[WO_MAX_ID + 1] = "";
    int64_t assignee;
    if (wo && store_order_head(srv->store, wo, status, &assignee, NULL))
        status[0] = 0;
    struct wo_event e = {.at = now, .kind = (char *)kind, .wo = wo,
                         .actor = (char *)actor, .device = device,
                         .status = status[0] ? status : NULL,
                         .outcome = (char *)outcome, .detail = (char *)detail};
    return store_feed_add(srv->store, &e);
}

/* The feed's name of what an op kind did, or NULL for none. */
static const char *op_event(const struct wo_op *op)
{
    static const struct {
        const char *op, *event;
    } map[] = {
        {"accept", "accepted"},
        {"depart", "departed"},
        {"visit.start", "visit.started"},
        {"visit.end", "visit.ended"},
        {"sign.technician", "completed"},
        {"resolve.remote", "resolved.remote"},
    };
    if (!strcmp(op->kind, "sign.recipient"))
        return op->satisfied ? "cosigned" : "disputed";
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i].op, op->kind))
            return map[i].event;
    return NULL;
}

int feed_op(struct srv *srv, const struct wo_op *op, const char *actor,
            int64_t device, int64_t now)
{
    const char *kind = op_event(op);
    const char *detail = !strcmp(op->kind, "sign.recipient") && !op->satisfied
                             ? op->comment
                         : !strcmp(op->kind, "resolve.remote") ? op->text
                                                               : NULL;
    if (!kind)
        return 0;
    int rc = feed_event(srv, kind, op->wo, actor, device, op->outcome, detail,
                        now);
    if (!rc && op->outcome && !strcmp(op->outcome, "needs-parts"))
        rc = feed_event(srv, "needs-parts", op->wo, actor, device,
                        op->outcome, NULL, now);
    return rc;
}

void feed_push(struct srv *srv)
{
    struct wo_changes *ch;
    size_t n;
    if (srv->feed_pushed < 0 && store_feed_max(srv->store, &srv->feed_pushed))
        return;
    do {
        /* on the heap, so that wo_frame_free releases the events */
        if (!(ch = calloc(1, sizeof *ch)))
            return;
        if (store_feed_since(srv->store, srv->feed_pushed, FEED_BATCH,
                             &ch->feed, &ch->n_feed)) {
            wo_frame_free(WO_F_CHANGES, ch);
            return;
        }
        if ((n = ch->n_feed)) {
            /* the alert cursor stays where the live alerts left it */
            ch->final = 1;
            ch->cursor = srv->alerts_pushed > 0 ? srv->alerts_pushed : 0;
            push_feed(srv, ch);
            srv->feed_pushed = ch->feed[n - 1].id;
        }
        wo_frame_free(WO_F_CHANGES, ch);
    } while (n == FEED_BATCH);
}

/*
 * Presence changes wait here and are written together, at most every
 * desk tick (feed_presence_flush): a burst of reconnects then costs one
 * durable commit per tick, not one per connection.
 */
struct feed_presence {
    struct pres {
        int64_t device;
        int64_t at;
        const char *kind;       /* device.online | device.offline | NULL */
        char user[WO_MAX_ID + 1];
    } *v;
    size_t n, cap;
};

static void presence(struct srv *srv, struct session *s, const char *kind,
                     int first)
{
    const struct session_auth *a = session_auth(s);
    struct feed_presence *q = srv->presence;
    if (!a)
        return;
    if (!q && !(q = srv->presence = calloc(1, sizeof *q)))
        return;
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 64;
        struct pres *v = realloc(q->v, cap * sizeof *v);
        if (!v)
            return; /* a last-seen time is lost; nothing else depends on it */
        q->v = v;
        q->cap = cap;
    }
    struct pres *p = &q->v[q->n++];
    p->device = a->device_id;
    p->at = wo_clock_now_ms();
    p->kind = first ? kind : NULL;
    snprintf(p->user, sizeof p->user, "%s", a->user);
}

void feed_presence_flush(struct srv *srv)
{
    struct feed_presence *q = srv->presence;
    int rc = 0;
    if (!q || !q->n)
        return;
    /* another process holds the write lock: keep them for the next tick
     * rather than stall the loop on them */
    if (store_begin_nowait(srv->store))
        return;
    for (size_t i = 0; !rc && i < q->n; i++) {
        const struct pres *p = &q->v[i];
        rc = store_device_seen(srv->store, p->device, p->at);
        if (!rc && p->kind)
            rc = feed_event(srv, p->kind, 0, p->user, p->device, NULL, NULL,
                            p->at);
    }
    if (!rc)
        rc = store_commit(srv->store);
    if (rc) {
        store_rollback(srv->store);
        fprintf(stderr, "wo-server: cannot record the presence of %zu "
                "device connection(s): %s (%s)\n", q->n, wo_strerror(rc),
                store_errmsg(srv->store));
    }
    q->n = 0;
    feed_push(srv);
}

void feed_cleanup(struct srv *srv)
{
    if (srv->presence) {
        free(srv->presence->v);
        free(srv->presence);
        srv->presence = NULL;
    }
}

void feed_online(struct srv *srv, struct session *s)
{
    const struct session_auth *a = session_auth(s);
    if (a)
        presence(srv, s, "device.online",
                 sessreg_count_device(srv->sessions, a->user_id,
                                      a->device_id) == 1);
}

void feed_offline(struct srv *srv, struct session *s)
{
    const struct session_auth *a = session_auth(s);
    if (a)
        presence(srv, s, "device.offline",
                 sessreg_count_device(srv->sessions, a->user_id,
                                      a->device_id) == 1);
}
