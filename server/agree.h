/*
 * agree.h - SLA agreements: which agreement version governs an order, the
 * due times of its targets counted in that agreement's business hours
 * (proto/wo_hours.h), and the explanation `wo sla WO` shows.
 *
 * An order is governed by the version of its customer's agreement in
 * force when its clock starts (its creation, its authorisation, or a
 * change of its priority, which recomputes the targets from that moment),
 * else by the default agreement's (customer ""), else by the global SLA
 * policy of docs/lifecycle.md, in which every hour counts. A version that
 * takes effect later governs the orders whose clock starts after it: an
 * order's goalposts never move under it.
 */
#ifndef AGREE_H
#define AGREE_H

#include <stddef.h>
#include <stdint.h>

#include "wo_proto.h"

struct store;

/* The response and resolution targets of priority ("P1".."P3") in a. */
void agree_targets(const struct wo_agreement *a, const char *priority,
                   int64_t *response_ms, int64_t *resolve_ms);

/*
 * Inside an open transaction: set order o's SLA due times (and their 75 %
 * points) for priority counted from `from`. A response already made keeps
 * its due time. With keep_global (an order just opened) and no agreement
 * in force, the global policy's times set at creation stay as they are.
 * 0 or a WO_E* code (WO_EINVAL with why in err: a stored agreement whose
 * hours no longer parse, e.g. its zone was removed from tzdata).
 */
int agree_apply(struct store *st, const struct wo_order *o,
                const char *priority, int64_t from, int keep_global,
                char *err, size_t errlen);

/*
 * Inside an open transaction, after order o (as it was while paused,
 * awaiting the customer) resumed at t: its resolution due time (and 75 %
 * point) counted on from t by the counted time that was left when it
 * paused, in its agreement's hours (a wall-clock shift would count the
 * nights and weekends of the pause). A no-op for an order with no
 * agreement.
 */
int agree_resume(struct store *st, const struct wo_order *o, int64_t t,
                 int64_t now);

/*
 * What governs order o and why, into a (the agreement version, or a
 * made-up version 0 holding the global policy's targets), a->why saying
 * it in words. The caller frees a with wo_agreement_cleanup().
 */
int agree_explain(struct store *st, const struct wo_order *o,
                  struct wo_agreement *a);

/* A target list "P1=15m/4h P2=1h/8h" into a's targets (the others kept).
 * 0, or WO_EINVAL with what is wrong in err. */
int agree_parse_targets(const char *text, struct wo_agreement *a, char *err,
                        size_t errlen);

#endif
