/*
 * store_know.c - what the store knows across orders: past resolutions
 * (the FTS5 table `knowledge`, fed by triggers when an order closes),
 * which of them a technician's replica should hold, and the reports.
 */
#include <stdlib.h>

#include "store_int.h"

int store_search(struct store *s, const char *query, const char *asset,
                 size_t limit, struct wo_hit **out, size_t *n)
{
    sqlite3_stmt *q = ST(knowledge_search);
    wo_db_bind_text(q, ":query", query);
    wo_db_bind_text(q, ":asset", asset);
    wo_db_bind_int(q, ":limit", (int64_t)limit);
    return wo_db_load_hits(q, out, n);
}

int store_past_for_tech(struct store *s, int64_t user, int64_t cursor,
                        size_t limit, int64_t **ids, size_t *n)
{
    sqlite3_stmt *q = ST(past_for_tech);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_int(q, ":cursor", cursor);
    wo_db_bind_int(q, ":limit", (int64_t)limit);
    return wo_db_load_ids(q, ids, n);
}

int store_past_for_asset(struct store *s, const char *asset, size_t limit,
                         int64_t **ids, size_t *n)
{
    sqlite3_stmt *q = ST(past_for_asset);
    wo_db_bind_text(q, ":asset", asset);
    wo_db_bind_int(q, ":limit", (int64_t)limit);
    return wo_db_load_ids(q, ids, n);
}

int store_past_watchers(struct store *s, const char *asset, int64_t **ids,
                        size_t *n)
{
    sqlite3_stmt *q = ST(past_watchers);
    wo_db_bind_text(q, ":asset", asset);
    return wo_db_load_ids(q, ids, n);
}

/* A report row: the key, then the counters in wo_row's order. */
static int fill_row(sqlite3_stmt *q, void *e)
{
    struct wo_row *r = e;
    int64_t *const v[] = {&r->orders, &r->open, &r->done, &r->visits,
                          &r->response_met, &r->response_missed,
                          &r->resolve_met, &r->resolve_missed,
                          &r->response_ms, &r->resolve_ms,
                          /* report_by only */
                          &r->incidents, &r->requests, &r->labour_ms,
                          &r->labour_cost, &r->parts_cost, &r->cost};
    int cols = sqlite3_column_count(q);
    r->key = DUP(0);
    for (size_t i = 0; i < sizeof v / sizeof v[0] && (int)i + 1 < cols; i++)
        *v[i] = sqlite3_column_int64(q, (int)i + 1);
    return r->key ? 0 : WO_ENOMEM;
}

int store_report(struct store *s, enum store_report which, int64_t since,
                 int64_t until, int64_t now, size_t limit,
                 const char *customer, struct wo_row **out, size_t *n)
{
    static const int reports[] = {
        [STORE_REPORT_ASSETS] = Q_report_assets,
        [STORE_REPORT_SLA] = Q_report_sla,
        [STORE_REPORT_WORKLOAD] = Q_report_workload,
        [STORE_REPORT_REQUESTERS] = Q_report_by,
        [STORE_REPORT_DEPARTMENTS] = Q_report_by,
        [STORE_REPORT_CATEGORIES] = Q_report_by,
        [STORE_REPORT_CUSTOMERS] = Q_report_by,
        [STORE_REPORT_COSTS] = Q_report_by,
    };
    static const char *const by[] = {
        [STORE_REPORT_REQUESTERS] = "requester",
        [STORE_REPORT_DEPARTMENTS] = "department",
        [STORE_REPORT_CATEGORIES] = "category",
        [STORE_REPORT_CUSTOMERS] = "customer",
        [STORE_REPORT_COSTS] = "order",
    };
    sqlite3_stmt *q = wo_db_stmt(s->db, reports[which]);
    wo_db_bind_int(q, ":since", since);
    wo_db_bind_int(q, ":until", until);
    if (customer)
        wo_db_bind_text(q, ":customer", customer);
    else
        wo_db_bind_null(q, ":customer");
    if (which == STORE_REPORT_SLA || which >= STORE_REPORT_REQUESTERS)
        wo_db_bind_int(q, ":now", now);
    if (which == STORE_REPORT_ASSETS || which >= STORE_REPORT_REQUESTERS)
        wo_db_bind_int(q, ":limit", (int64_t)limit);
    if (which >= STORE_REPORT_REQUESTERS) {
        char *rate = NULL;
        int rc = store_setting_get(s, "labour_rate", &rate);
        if (rc)
            return rc;
        wo_db_bind_text(q, ":by", by[which]);
        wo_db_bind_int(q, ":rate", rate ? strtoll(rate, NULL, 10) : 0);
        free(rate);
    }
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(q, (void **)out, n, sizeof **out, fill_row);
}
