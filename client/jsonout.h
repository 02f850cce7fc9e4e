/*
 * jsonout.h - wo's --json output on stdout, one compact JSON document and
 * a newline per call, through jansson (jsonout.c is the only client file
 * that includes <jansson.h>). Field names are those of docs/protocol.md.
 * The caller keeps ownership of everything it passes.
 */
#ifndef JSONOUT_H
#define JSONOUT_H

#include <stddef.h>

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

#endif
