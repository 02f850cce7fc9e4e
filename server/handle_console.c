/*
 * handle_console.c - the web console's list and live feed (see
 * handle_console.h). A browser never holds the store: it asks for one
 * page at a time and is told of each change as it is committed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handle_console.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "wo_clock.h"
#include "wo_lifecycle.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 200
#define FEED_RECENT 50

/* open, all, or one status (wo_lifecycle.h) */
static int known_status(const char *s)
{
    return !strcmp(s, "open") || !strcmp(s, "all") ||
           wo_lifecycle_is_status(s);
}

int handle_console_orders(struct call *c)
{
    const struct wo_cmd *cmd = c->body;
    struct store_page p = {.status = cmd->status ? cmd->status : "open",
                           .priority = cmd->priority,
                           .assignee = cmd->assignee, .site = cmd->site,
                           .asset = cmd->asset, .text = cmd->text,
                           .limit = cmd->limit ? cmd->limit : PAGE_DEFAULT,
                           .offset = cmd->offset, .now = wo_clock_now_ms()};
    if (!known_status(p.status)) {
        snprintf(c->reason, sizeof c->reason, "unknown status '%s': use "
                 "open, all, or one status (new, assigned, ...)", p.status);
        return WO_EINVAL;
    }
    if (p.priority && !wo_lifecycle_is_priority(p.priority)) {
        snprintf(c->reason, sizeof c->reason, "priority must be P1, P2 or P3");
        return WO_EINVAL;
    }
    if (p.limit < 1 || p.limit > PAGE_MAX || p.offset < 0) {
        snprintf(c->reason, sizeof c->reason, "limit must be 1 to %d and "
                 "offset 0 or more", PAGE_MAX);
        return WO_EINVAL;
    }
    int64_t *ids, total;
    size_t n;
    int rc = store_order_page(c->srv->store, &p, &ids, &n, &total);
    if (rc)
        return rc;
    call_reply_orders(c, ids, n);
    c->brief = 1;
    c->total = total;
    return 0;
}

int handle_console_watch(struct call *c)
{
    int64_t last;
    int rc = store_feed_max(c->srv->store, &last);
    if (rc)
        return rc;
    if (!(c->res = calloc(1, sizeof *c->res)))
        return WO_ENOMEM;
    /* what happened just before (the feed's last events), or what a
     * console that reconnects missed since the last event it saw; oldest
     * first */
    int64_t since = ((struct wo_cmd *)c->body)->since;
    if (since <= 0 || since > last)
        since = last > FEED_RECENT ? last - FEED_RECENT : 0;
    rc = store_feed_since(c->srv->store, since, FEED_RECENT, &c->res->feed,
                          &c->res->n_feed);
    if (!rc)
        session_subscribe(c->s, SESSION_FEED_BOARD);
    return rc;
}
