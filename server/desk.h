/*
 * desk.h - the service desk's rules that are not one op's business
 * (docs/lifecycle.md): SLA clocks, alerts to dispatchers, the 24 h closure.
 * Time is wo_clock_now_ms(), which tests move with --test-clock.
 */
#ifndef DESK_H
#define DESK_H

#include <stdint.h>

#include "store.h"
#include "wo_proto.h"

struct srv;

/* Fill o->sla and o->due_in as seen at now. 0 or WO_ENOMEM. */
int desk_annotate(struct wo_order *o, int64_t now);

/*
 * Inside the transaction of a status change of order id by event ev
 * (from -> to) at corrected time t: move its SLA clocks (respond on the
 * first accept, pause while awaiting the customer, resolve when the
 * technician signs).
 */
int desk_on_status(struct srv *srv, int64_t id, const char *ev,
                   const char *from, const char *to, int64_t t, int64_t now);

/*
 * Inside the transaction of a former holder's late accept (ops.c): if the
 * response now counts within its target although a breach alert was made,
 * say so in the history ("sla.corrected"): the breach did not happen.
 */
int desk_late_response(struct srv *srv, int64_t id, int64_t now);

/*
 * Inside an open transaction: give order id (now in `status`, held by
 * user from_id named from, or 0 / NULL) to tech by event ev ("assign",
 * "escalate"), moving it to `to` (the caller checked the move); why, if
 * not NULL, goes into the history after the names.
 */
int desk_assign(struct srv *srv, const char *actor, int64_t device,
                int64_t id, const struct store_user *tech, int64_t from_id,
                const char *from, const char *status, const char *ev,
                const char *to, const char *why);

/* The tier above t, or NULL at the top (L3). */
const char *desk_next_tier(const char *t);

/*
 * Inside an open transaction: order o (held by user prev) up to tier `to`
 * and to tech, with `why` in the history ("L1 -> L2, why"). The caller
 * checked that escalate is allowed from o's status.
 */
int desk_escalate(struct srv *srv, const char *actor, int64_t device,
                  const struct wo_order *o, int64_t prev, const char *to,
                  const struct store_user *tech, const char *why);

enum desk_tick_result {
    DESK_TICK_RAN,
    DESK_TICK_SKIPPED,  /* another connection held the store's write lock */
    DESK_TICK_FAILED    /* a fault of the store, logged */
};

/* Every ~500 ms (a timer main.c owns): make due alerts, escalate the
 * breaches whose policy says so, and close orders completed 24 h ago, in
 * one transaction; then push what changed. A store whose write lock
 * another connection holds is not waited for: the tick is skipped. */
enum desk_tick_result desk_tick(struct srv *srv);

/* Up to a batch of alerts after cursor, in a changes frame of their own
 * whose cursor is the last alert's id and which is final when no more
 * follow (free with wo_frame_free(WO_F_CHANGES, ...)). NULL on failure. */
struct wo_changes *desk_alerts_after(struct srv *srv, int64_t cursor);

#define DESK_CLOSE_AFTER_MS (24LL * 3600 * 1000)

#endif
