/*
 * print.h - wo's human output on stdout: the order view, one-line tables
 * (orders, board, history, alerts, SLA policy, search hits, outbox),
 * reports as a table or as CSV, and times in UTC. JSON is jsonout.h's.
 *
 * Nothing here reads the replica or the network: each function prints
 * what it is given, and the caller keeps ownership of it.
 */
#ifndef PRINT_H
#define PRINT_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "wo_proto.h"

/* Server ms as "2026-11-24 09:00:00Z" into buf (32 bytes is enough);
 * returns buf. */
const char *print_time(int64_t ms, char *buf, size_t len);

/* The human view of one order with its visits, parts, notes, signatures
 * and rejected ops (`wo show`). */
void print_order(const struct wo_order *o);
/* The same; office != 0 adds what the office sees of the holder's copy
 * (stored on the laptop, opened). */
void print_order_for(const struct wo_order *o, int office);

/* The technician's orders, one line each (`wo list`), or a hint to sync
 * when there are none. */
void print_list(const struct wo_order *o, size_t n);

/* The dispatcher's board: one line per order with tier, assignee and
 * time left on its SLA clock. */
void print_board(const struct wo_order *o, size_t n);

/* Technicians with presence, then each device's sync health (`wo
 * techs`); now: for "N min ago". */
void print_techs(const struct wo_tech *t, size_t n, int64_t now);

/* One event of the activity feed on one line (`wo sync --watch`). */
void print_event(const struct wo_event *e);

/* One SLA alert on one line (`wo alerts`, `wo sync --watch`). */
void print_alert(const struct wo_alert *a);

/* Alerts, one line each, or "no alerts". */
void print_alerts(const struct wo_alert *a, size_t n);

/* An order's history of changes, one line each. */
void print_history(const struct wo_change *h, size_t n);

/* The SLA policy: its version, then one line per priority. */
void print_sla(const struct wo_sla *p, size_t n);

/* Search hits, best first, with their snippets; when there are none, a
 * line that names the words searched for. */
void print_hits(const struct wo_hit *h, size_t n, const char *words);

/* The line that confirms an op was recorded in the outbox; id is the
 * op's id (op->id may be unset). */
void print_recorded(const struct wo_op *op, const char *id);

/* One outbox row (`wo outbox`); reason is NULL unless it was rejected. */
void print_outbox_row(int64_t seq, const char *id, int64_t order,
                      const char *kind, const char *state,
                      const char *reason);

/* A report: its title and period (since and until NULL for the server's
 * default of the last 30 days), then the table or "nothing in that
 * period". */
void print_report(const char *title, const int64_t *since,
                  const int64_t *until, const struct report_table *t);

/* A report as RFC 4180 CSV (through libcsv): a header line, then a line
 * per row, CRLF-terminated; an empty field for no value. */
void print_csv(const struct report_table *t);

/* SLA agreement versions, with the explanation of wo sla WO; customer:
 * the one asked for ("" the default agreement, NULL all). */
void print_agreements(const struct wo_agreement *a, size_t n,
                      const char *customer);
/* The priority matrix (rows keyed "impact/urgency"). */
void print_matrix(const struct wo_row *r, size_t n);
/* Customers or categories (wo customer show, wo category show). */
void print_entries(const struct wo_entry *e, size_t n);
/* The server's mail queue (wo mail). */
void print_mail(const struct wo_mail *m, size_t n);

#endif
