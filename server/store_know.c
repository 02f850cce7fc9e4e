/*
 * store_know.c - what the store knows across orders: past resolutions
 * (the FTS5 table `knowledge`, fed by triggers when an order closes),
 * which of them a technician's replica should hold, and the reports.
 */
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
                          &r->response_ms, &r->resolve_ms};
    r->key = DUP(0);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        *v[i] = sqlite3_column_int64(q, (int)i + 1);
    return r->key ? 0 : WO_ENOMEM;
}

int store_report(struct store *s, enum store_report which, int64_t since,
                 int64_t until, int64_t now, size_t limit,
                 struct wo_row **out, size_t *n)
{
    static const int reports[] = {
        [STORE_REPORT_ASSETS] = Q_report_assets,
        [STORE_REPORT_SLA] = Q_report_sla,
        [STORE_REPORT_WORKLOAD] = Q_report_workload,
    };
    sqlite3_stmt *q = wo_db_stmt(s->db, reports[which]);
    wo_db_bind_int(q, ":since", since);
    wo_db_bind_int(q, ":until", until);
    if (which == STORE_REPORT_SLA)
        wo_db_bind_int(q, ":now", now);
    if (which == STORE_REPORT_ASSETS)
        wo_db_bind_int(q, ":limit", (int64_t)limit);
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(q, (void **)out, n, sizeof **out, fill_row);
}
