/*
 * jsonout.h - wo's --json output on stdout, one compact JSON document and
 * a newline per call, through jansson (jsonout.c is the only client file
 * that includes <jansson.h>). Field names are those of docs/protocol.md.
 * The caller keeps ownership of everything it passes.
 */
#ifndef JSONOUT_H
#define JSONOUT_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "wo_proto.h"

/* One order; with full, its visits, parts, notes, signatures and
 * rejected ops too. */
void jsonout_order(const struct wo_order *o, int full);

/* An array of orders without their records (list, board). */
void jsonout_orders(const struct wo_order *o, size_t n);

/* An array of an order's changes. */
void jsonout_history(const struct wo_change *h, size_t n);

/* An array of SLA alerts. */
void jsonout_alerts(const struct wo_alert *a, size_t n);

/* An array of SLA policy lines, one per priority. */
void jsonout_sla(const struct wo_sla *p, size_t n);

/* An array of search hits. */
void jsonout_hits(const struct wo_hit *h, size_t n);

/* A report: an array of objects keyed by t's column names, null for no
 * value. */
void jsonout_table(const struct report_table *t);

/* The confirmation that op was recorded: its id (op->id may be unset),
 * order, kind and state "pending". */
void jsonout_recorded(const struct wo_op *op, const char *id);

/* The outbox, built row by row as the replica lists it, then printed as
 * one array. create returns NULL when out of memory; destroy accepts
 * NULL. */
struct jsonout_outbox;
struct jsonout_outbox *jsonout_outbox_create(void);
void jsonout_outbox_add(struct jsonout_outbox *o, int64_t seq,
                        const char *id, int64_t order, const char *kind,
                        int64_t at, const char *state, const char *reason);
void jsonout_outbox_print(const struct jsonout_outbox *o);
void jsonout_outbox_destroy(struct jsonout_outbox *o);

/* One alert on its own line, as it comes (`wo sync --watch --json`). */
void jsonout_alert(const struct wo_alert *a);
/* Activity feed events: one per line as they come, or a list. */
void jsonout_event(const struct wo_event *e);
void jsonout_events(const struct wo_event *e, size_t n);
/* Technicians with presence and each device's sync health; now: for the
 * time since each device's last sync. */
void jsonout_techs(const struct wo_tech *t, size_t n, int64_t now);
/* SLA agreement versions (wo agreement show) as an array, or with one
 * the first alone as an object (wo sla WO, with its "why"). */
void jsonout_agreements(const struct wo_agreement *a, size_t n, int one);

#endif
