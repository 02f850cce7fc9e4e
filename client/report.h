/*
 * report.h - the office's reports as the client shows them: which reports
 * there are, their columns, and a table built from the server's rows
 * that print.c (human, CSV) and jsonout.c (JSON) both read.
 *
 * A table is a key column, then integer columns; a column whose name
 * ends in _ms is a duration, _pct a percentage.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "wo_proto.h"

#define REPORT_NONE INT64_MIN /* a cell with no value (JSON null) */

struct report_table {
    const char *key;
    int key_number;          /* the keys are whole numbers (order ids) */
    const char *const *cols;
    size_t n_cols, n_rows;
    const char *const *keys; /* n_rows */
    const int64_t *cells;    /* n_rows * n_cols, row by row */
};

/* One report the server can run (`wo report NAME`). */
struct report {
    const char *name;  /* as the command line and the server name it */
    const char *key;   /* the key column: asset, priority, technician */
    const char *title; /* the heading of the human table */
    const char *const *cols;
    size_t n_cols;
    void (*fill)(const struct wo_row *r, int64_t *v); /* n_cols values */
    int key_number;    /* the key is a whole number: an order's id */
};

/* The report called name, or NULL. Static data: never freed. */
const struct report *report_find(const char *name);

/*
 * Fill t with rp's columns for rows (the server's answer). t's keys point
 * into rows, which must outlive t; t's arrays are allocated here and
 * freed by report_table_cleanup(). 0, or WO_ENOMEM with t empty; either
 * way report_table_cleanup() may be called.
 */
int report_table_init(struct report_table *t, const struct report *rp,
                      const struct wo_row *rows, size_t n_rows);

/* Free what report_table_init() allocated; t may be zeroed. */
void report_table_cleanup(struct report_table *t);

#endif
