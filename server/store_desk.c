/*
 * store_desk.c - the service desk's state (docs/lifecycle.md): SLA
 * policies and the clocks of each order, alerts, the 24 h closure, an
 * order's history, support tiers and escalation, and the next visit's
 * window.
 */
#include <string.h>

#include "store_int.h"

int store_sla_event(struct store *s, enum store_sla ev, int64_t id,
                    int64_t t, int64_t now)
{
    static const int idx[] = {[STORE_SLA_RESPOND] = Q_sla_respond,
                              [STORE_SLA_PAUSE] = Q_sla_pause,
                              [STORE_SLA_RESUME] = Q_sla_resume,
                              [STORE_SLA_RESOLVE] = Q_sla_resolve};
    sqlite3_stmt *q = wo_db_stmt(s->db, idx[ev]);
    wo_db_bind_int(q, ":id", id);
    wo_db_bind_int(q, ":t", t);
    wo_db_bind_int(q, ":now", now);
    return wo_db_exec(q);
}

int store_alerts_make(struct store *s, int64_t now, int *made)
{
    sqlite3_stmt *q = ST(alerts_make);
    wo_db_bind_int(q, ":now", now);
    int rc = wo_db_exec(q);
    *made = rc ? 0 : store__changes(s);
    if (!rc) {
        q = ST(alerts_made);
        wo_db_bind_int(q, ":now", now);
        rc = wo_db_exec(q);
    }
    return rc;
}

int store_alerts_max(struct store *s, int64_t *id)
{
    return wo_db_int(ST(alerts_max), id);
}

static int fill_alert(sqlite3_stmt *q, void *e)
{
    struct wo_alert *a = e;
    a->id = sqlite3_column_int64(q, 0);
    a->wo = sqlite3_column_int64(q, 1);
    a->kind = DUP(2);
    a->at = sqlite3_column_int64(q, 3);
    a->title = DUP(4);
    a->priority = DUP(5);
    return a->kind && a->title && a->priority ? 0 : WO_ENOMEM;
}

int store_alerts_since(struct store *s, int64_t cursor, size_t max,
                       struct wo_alert **out, size_t *n)
{
    sqlite3_stmt *q = ST(alerts_since);
    wo_db_bind_int(q, ":cursor", cursor);
    wo_db_bind_int(q, ":limit", (int64_t)max);
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(q, (void **)out, n, sizeof **out, fill_alert);
}

int store_autoclose_due(struct store *s, int64_t cutoff, int64_t **ids,
                        size_t *n)
{
    sqlite3_stmt *q = ST(autoclose_due);
    wo_db_bind_int(q, ":cutoff", cutoff);
    return wo_db_load_ids(q, ids, n);
}

static int fill_change(sqlite3_stmt *q, void *e)
{
    struct wo_change *c = e;
    c->seq = sqlite3_column_int64(q, 0);
    c->kind = DUP(1);
    c->actor = DUP(2);
    c->device_id = sqlite3_column_int64(q, 3);
    c->at = sqlite3_column_int64(q, 4);
    c->client_at = sqlite3_column_int64(q, 5);
    c->detail = DUP(6);
    return c->kind && c->actor ? 0 : WO_ENOMEM;
}

int store_history(struct store *s, int64_t order, struct wo_change **out,
                  size_t *n)
{
    sqlite3_stmt *q = ST(history_of);
    wo_db_bind_int(q, ":order", order);
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(q, (void **)out, n, sizeof **out, fill_change);
}

static int fill_sla(sqlite3_stmt *q, void *e)
{
    struct wo_sla *p = e;
    p->version = sqlite3_column_int64(q, 0);
    p->priority = DUP(1);
    p->response_ms = sqlite3_column_int64(q, 2);
    p->resolve_ms = sqlite3_column_int64(q, 3);
    p->created_at = sqlite3_column_int64(q, 4);
    p->created_by = DUP(5);
    p->escalate = sqlite3_column_int(q, 6) != 0;
    return p->priority && p->created_by ? 0 : WO_ENOMEM;
}

int store_sla_current(struct store *s, struct wo_sla **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(ST(sla_current), (void **)out, n, sizeof **out,
                           fill_sla);
}

int store_sla_new_version(struct store *s, const char *priority,
                          int64_t response_ms, int64_t resolve_ms,
                          int escalate, const char *by, int64_t now)
{
    sqlite3_stmt *q = ST(sla_new_version);
    if (escalate >= 0)
        wo_db_bind_int(q, ":escalate", escalate);
    else
        wo_db_bind_null(q, ":escalate");
    wo_db_bind_text(q, ":priority", priority);
    store__bind_opt(q, ":response_ms", response_ms);
    store__bind_opt(q, ":resolve_ms", resolve_ms);
    wo_db_bind_text(q, ":by", by);
    wo_db_bind_int(q, ":now", now);
    return wo_db_exec(q);
}

int store_order_set_tier(struct store *s, int64_t id, const char *tier)
{
    sqlite3_stmt *q = ST(order_set_tier);
    wo_db_bind_text(q, ":tier", tier);
    wo_db_bind_int(q, ":id", id);
    return wo_db_exec(q);
}

int store_tech_least_busy(struct store *s, const char *tier,
                          struct store_user *u)
{
    sqlite3_stmt *q = ST(tech_least_busy);
    wo_db_bind_text(q, ":tier", tier);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    memset(u, 0, sizeof *u);
    u->id = sqlite3_column_int64(q, 0);
    store__copy_col(q, 1, u->name, sizeof u->name);
    snprintf(u->role, sizeof u->role, "technician");
    snprintf(u->tier, sizeof u->tier, "%s", tier);
    sqlite3_reset(q);
    return 0;
}

int store_user_set_tier(struct store *s, const char *name, const char *tier)
{
    sqlite3_stmt *q = ST(user_set_tier);
    wo_db_bind_text(q, ":tier", tier);
    wo_db_bind_text(q, ":name", name);
    int rc = wo_db_exec(q);
    if (!rc && store__changes(s) == 0)
        rc = WO_ENOTFOUND;
    return rc;
}

static int fill_breach(sqlite3_stmt *q, void *e)
{
    struct store_breach *b = e;
    b->order = sqlite3_column_int64(q, 0);
    store__copy_col(q, 1, b->kind, sizeof b->kind);
    return 0;
}

int store_breaches_to_escalate(struct store *s, int64_t after,
                               struct store_breach **out, size_t *n)
{
    sqlite3_stmt *q = ST(breaches_to_escalate);
    wo_db_bind_int(q, ":after", after);
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(q, (void **)out, n, sizeof **out, fill_breach);
}

int store_order_schedule(struct store *s, int64_t id, int64_t start,
                         int64_t end)
{
    sqlite3_stmt *q = ST(order_schedule);
    if (start) {
        wo_db_bind_int(q, ":start", start);
        wo_db_bind_int(q, ":end", end);
    } else {
        wo_db_bind_null(q, ":start");
        wo_db_bind_null(q, ":end");
    }
    wo_db_bind_int(q, ":id", id);
    return wo_db_exec(q);
}

int store_alert_add(struct store *s, int64_t order, const char *kind,
                    int64_t now)
{
    sqlite3_stmt *q = ST(alert_insert);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":kind", kind);
    wo_db_bind_int(q, ":now", now);
    return wo_db_exec(q);
}

int store_sla_breach_undone(struct store *s, int64_t id, int *undone,
                            int64_t *at)
{
    sqlite3_stmt *q = ST(sla_breach_undone);
    wo_db_bind_int(q, ":id", id);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    *undone = sqlite3_column_int(q, 0);
    *at = sqlite3_column_int64(q, 1);
    sqlite3_reset(q);
    return 0;
}
