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
#include "wo_opkind.h"

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
                             ? op->comment : NULL;
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

struct devcount {
    int64_t device;
    int n;
};

static void count_dev(struct session *s, void *arg)
{
    (void)s;
    ((struct devcount *)arg)->n++;
}

/* Connections of a's device now (s included while it is registered). */
static int device_conns(struct srv *srv, const struct session_auth *a)
{
    struct devcount c = {a->device_id, 0};
    sessreg_foreach_device(srv->sessions, a->device_id, count_dev, &c);
    return c.n;
}

static void presence(struct srv *srv, struct session *s, const char *kind,
                     int first)
{
    const struct session_auth *a = session_auth(s);
    int64_t now = wo_clock_now_ms();
    if (!a)
        return;
    int rc = store_device_seen(srv->store, a->device_id, now);
    if (!rc && first)
        rc = feed_event(srv, kind, 0, a->user, a->device_id, NULL, NULL, now);
    if (rc)
        fprintf(stderr, "wo-server: cannot record the presence of device "
                "%lld: %s (%s)\n", (long long)a->device_id, wo_strerror(rc),
                store_errmsg(srv->store));
    feed_push(srv);
}

void feed_online(struct srv *srv, struct session *s)
{
    const struct session_auth *a = session_auth(s);
    if (a)
        presence(srv, s, "device.online", device_conns(srv, a) == 1);
}

void feed_offline(struct srv *srv, struct session *s)
{
    const struct session_auth *a = session_auth(s);
    if (a)
        presence(srv, s, "device.offline", device_conns(srv, a) == 1);
}
