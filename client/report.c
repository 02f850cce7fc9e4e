/*
 * report.c - the reports the office can ask for (see report.h): each one's
 * columns and how a row of the server's answer fills them. Percentages
 * and "no value" are worked out here, once, for every output format.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"

static int64_t pct(int64_t met, int64_t missed)
{
    return met + missed ? (met * 100 + (met + missed) / 2) / (met + missed)
                        : REPORT_NONE;
}

static int64_t or_none(int64_t ms) { return ms ? ms : REPORT_NONE; }

/* One report's columns and how a row fills them. */
static const char *const assets_cols[] = {"orders", "open", "done", "visits"};
static void assets_fill(const struct wo_row *r, int64_t *v)
{
    v[0] = r->orders;
    v[1] = r->open;
    v[2] = r->done;
    v[3] = r->visits;
}

static const char *const sla_cols[] = {
    "orders",         "response_met", "response_missed", "response_pct",
    "resolve_met",    "resolve_missed", "resolve_pct"};
static void sla_fill(const struct wo_row *r, int64_t *v)
{
    v[0] = r->orders;
    v[1] = r->response_met;
    v[2] = r->response_missed;
    v[3] = pct(r->response_met, r->response_missed);
    v[4] = r->resolve_met;
    v[5] = r->resolve_missed;
    v[6] = pct(r->resolve_met, r->resolve_missed);
}

static const char *const times_cols[] = {"orders", "mean_response_ms",
                                         "mean_resolve_ms"};
static void times_fill(const struct wo_row *r, int64_t *v)
{
    v[0] = r->orders;
    v[1] = or_none(r->response_ms);
    v[2] = or_none(r->resolve_ms);
}

static const char *const workload_cols[] = {"open", "done", "visits"};
static void workload_fill(const struct wo_row *r, int64_t *v)
{
    v[0] = r->open;
    v[1] = r->done;
    v[2] = r->visits;
}

/* issue 14: who and what the desk serves, and what it costs */
static const char *const by_cols[] = {
    "orders", "open", "done", "incidents", "requests", "response_pct",
    "resolve_pct", "response_missed", "resolve_missed", "labour_ms",
    "labour_cost", "parts_cost", "cost"};
static void by_fill(const struct wo_row *r, int64_t *v)
{
    v[0] = r->orders;
    v[1] = r->open;
    v[2] = r->done;
    v[3] = r->incidents;
    v[4] = r->requests;
    v[5] = pct(r->response_met, r->response_missed);
    v[6] = pct(r->resolve_met, r->resolve_missed);
    v[7] = r->response_missed;
    v[8] = r->resolve_missed;
    v[9] = r->labour_ms;
    v[10] = r->labour_cost;
    v[11] = r->parts_cost;
    v[12] = r->cost;
}

static const char *const cost_cols[] = {"labour_ms", "labour_cost",
                                        "parts_cost", "cost"};
static void cost_fill(const struct wo_row *r, int64_t *v)
{
    v[0] = r->labour_ms;
    v[1] = r->labour_cost;
    v[2] = r->parts_cost;
    v[3] = r->cost;
}

static const struct report reports[] = {
    {"assets", "asset", "assets with the most orders", assets_cols, 4,
     assets_fill, 0},
    {"sla", "priority", "SLA compliance by priority", sla_cols, 7, sla_fill,
     0},
    {"times", "priority", "mean time to respond and to resolve", times_cols,
     3, times_fill, 0},
    {"workload", "technician", "workload per technician", workload_cols, 3,
     workload_fill, 0},
    {"requesters", "requester", "orders per requester (who needs training)",
     by_cols, 13, by_fill, 0},
    {"departments", "department", "orders per department", by_cols, 13,
     by_fill, 0},
    {"categories", "category", "orders per category, incidents and service "
     "requests apart", by_cols, 13, by_fill, 0},
    {"customers", "customer", "orders, SLA compliance and cost per customer",
     by_cols, 13, by_fill, 0},
    {"costs", "order", "cost of service per order (labour at the rate, "
     "parts at the price list)", cost_cols, 4, cost_fill, 1},
};

const struct report *report_find(const char *name)
{
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++)
        if (!strcmp(name, reports[i].name))
            return &reports[i];
    return NULL;
}

int report_table_init(struct report_table *t, const struct report *rp,
                      const struct wo_row *rows, size_t n_rows)
{
    /* +1: calloc(0) may return NULL, which would read as out of memory */
    const char **keys = calloc(n_rows + 1, sizeof *keys);
    int64_t *cells = calloc(n_rows * rp->n_cols + 1, sizeof *cells);
    memset(t, 0, sizeof *t);
    if (!keys || !cells) {
        free(keys);
        free(cells);
        return WO_ENOMEM;
    }
    for (size_t i = 0; i < n_rows; i++) {
        keys[i] = rows[i].key;
        rp->fill(&rows[i], cells + i * rp->n_cols);
    }
    *t = (struct report_table){rp->key, rp->key_number, rp->cols, rp->n_cols,
                               n_rows, keys, cells};
    return 0;
}

void report_table_cleanup(struct report_table *t)
{
    free((void *)t->keys);
    free((void *)t->cells);
    memset(t, 0, sizeof *t);
}
