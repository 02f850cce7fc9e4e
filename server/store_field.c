/*
 * store_field.c - what the office sees of the field: devices' presence
 * and sync health, delivery receipts per order and holder, the activity
 * feed, why an order is with its holder, and users' time zones
 * (docs/protocol.md, "Field data"). Nothing here opens a transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

int store_device_seen(struct store *s, int64_t id, int64_t now)
{
    sqlite3_stmt *q = ST(device_seen);
    wo_db_bind_int(q, ":id", id);
    wo_db_bind_int(q, ":now", now);
    return wo_db_exec(q);
}

int store_device_synced(struct store *s, int64_t id, int64_t now,
                        int64_t cursor, int64_t unsent, int64_t unsent_age,
                        const char *version)
{
    sqlite3_stmt *q = ST(device_synced);
    wo_db_bind_int(q, ":id", id);
    wo_db_bind_int(q, ":now", now);
    wo_db_bind_int(q, ":cursor", cursor);
    wo_db_bind_int(q, ":unsent", unsent < 0 ? 0 : unsent);
    wo_db_bind_int(q, ":unsent_age", unsent_age < 0 ? 0 : unsent_age);
    wo_db_bind_text(q, ":version", version);
    return wo_db_exec(q);
}

int store_receipt_stored(struct store *s, int64_t order, int64_t user,
                         int64_t dev, int64_t seq, int64_t now, int *changed)
{
    sqlite3_stmt *q = ST(receipt_stored);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_int(q, ":dev", dev);
    wo_db_bind_int(q, ":seq", seq);
    wo_db_bind_int(q, ":now", now);
    int rc = wo_db_exec(q);
    if (rc)
        return rc;
    *changed = store__changes(s) > 0;
    q = ST(device_cursor_raise);
    wo_db_bind_int(q, ":id", dev);
    wo_db_bind_int(q, ":seq", seq);
    return wo_db_exec(q);
}

int store_receipt_have(struct store *s, int64_t user, int64_t dev,
                       const int64_t *have, size_t n, int64_t cursor,
                       int64_t now)
{
    if (!n)
        return 0;
    char *json = store__ids_json(have, n);
    if (!json)
        return WO_ENOMEM;
    sqlite3_stmt *q = ST(receipt_have);
    wo_db_bind_text(q, ":have", json);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_int(q, ":dev", dev);
    wo_db_bind_int(q, ":cursor", cursor);
    wo_db_bind_int(q, ":now", now);
    int rc = wo_db_exec(q);
    free(json);
    return rc;
}

int store_receipt_opened(struct store *s, int64_t order, int64_t user,
                         int64_t dev, int64_t at, int *changed)
{
    sqlite3_stmt *q = ST(receipt_opened);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_int(q, ":dev", dev);
    wo_db_bind_int(q, ":at", at);
    int rc = wo_db_exec(q);
    *changed = !rc && store__changes(s) > 0;
    return rc;
}

int store_order_set_came(struct store *s, int64_t id, const char *came,
                         const char *reason, int64_t now)
{
    sqlite3_stmt *q = ST(order_set_came);
    wo_db_bind_int(q, ":id", id);
    wo_db_bind_text(q, ":came", came);
    if (reason && *reason)
        wo_db_bind_text(q, ":reason", reason);
    else
        wo_db_bind_null(q, ":reason");
    wo_db_bind_int(q, ":now", now);
    return wo_db_exec(q);
}

int store_dispute_reason(struct store *s, int64_t order, char **out)
{
    sqlite3_stmt *q = ST(dispute_reason);
    wo_db_bind_int(q, ":order", order);
    *out = NULL;
    int r = store__row(q);
    if (r <= 0)
        return r;
    *out = DUP(0);
    sqlite3_reset(q);
    return 0;
}

int store_feed_add(struct store *s, const struct wo_event *e)
{
    sqlite3_stmt *q = ST(feed_add);
    wo_db_bind_int(q, ":at", e->at);
    wo_db_bind_text(q, ":kind", e->kind);
    store__bind_opt(q, ":order", e->wo);
    wo_db_bind_text(q, ":actor", e->actor);
    store__bind_opt(q, ":device", e->device);
    wo_db_bind_text(q, ":status", e->status);
    wo_db_bind_text(q, ":outcome", e->outcome);
    wo_db_bind_text(q, ":detail", e->detail);
    return wo_db_exec(q);
}

static int fill_event(sqlite3_stmt *q, void *elem)
{
    struct wo_event *e = elem;
    e->id = sqlite3_column_int64(q, 0);
    e->at = sqlite3_column_int64(q, 1);
    e->kind = DUP(2);
    e->wo = sqlite3_column_int64(q, 3);
    e->title = DUP(4);
    e->actor = DUP(5);
    e->device = sqlite3_column_int64(q, 6);
    e->status = DUP(7);
    e->outcome = DUP(8);
    e->detail = DUP(9);
    e->role = DUP(10);
    return e->kind ? 0 : WO_ENOMEM;
}

int store_feed_since(struct store *s, int64_t after, size_t limit,
                     struct wo_event **out, size_t *n)
{
    sqlite3_stmt *q = ST(feed_since);
    wo_db_bind_int(q, ":after", after);
    wo_db_bind_int(q, ":limit", (int64_t)limit);
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(q, (void **)out, n, sizeof **out, fill_event);
}

int store_feed_max(struct store *s, int64_t *id)
{
    return wo_db_int(ST(feed_max), id);
}

static int fill_device(sqlite3_stmt *q, void *elem)
{
    struct wo_devinfo *d = elem;
    d->id = sqlite3_column_int64(q, 0);
    d->name = DUP(1);
    d->revoked = sqlite3_column_int64(q, 2) != 0;
    d->last_seen = sqlite3_column_int64(q, 3);
    d->last_sync = sqlite3_column_int64(q, 4);
    d->cursor = sqlite3_column_int64(q, 5);
    d->unsent = sqlite3_column_int64(q, 6);
    d->unsent_age = sqlite3_column_int64(q, 7);
    d->version = DUP(8);
    d->rejected_op = DUP(9);
    d->rejected_kind = DUP(10);
    d->rejected_reason = DUP(11);
    d->rejected_at = sqlite3_column_int64(q, 12);
    d->lag = sqlite3_column_int64(q, 13);
    return 0;
}

struct tech_row {
    int64_t user;
    struct wo_tech t;
};

static int fill_tech(sqlite3_stmt *q, void *elem)
{
    struct tech_row *r = elem;
    r->user = sqlite3_column_int64(q, 0);
    r->t.user = DUP(1);
    r->t.tier = DUP(2);
    r->t.open = sqlite3_column_int64(q, 3);
    return r->t.user ? 0 : WO_ENOMEM;
}

int store_techs(struct store *s, struct wo_tech **out, size_t *n,
                int64_t **users)
{
    struct tech_row *rows = NULL;
    size_t k = 0;
    *out = NULL;
    *n = 0;
    *users = NULL;
    int rc = wo_db_load_rows(ST(techs_list), (void **)&rows, &k, sizeof *rows,
                             fill_tech);
    struct wo_tech *t = calloc(k ? k : 1, sizeof *t);
    int64_t *u = calloc(k ? k : 1, sizeof *u);
    if (!rc && (!t || !u))
        rc = WO_ENOMEM;
    for (size_t i = 0; i < k; i++) {
        if (t && u) {
            t[i] = rows[i].t;
            u[i] = rows[i].user;
        } else {
            free(rows[i].t.user);
            free(rows[i].t.tier);
        }
    }
    free(rows);
    if (!t || !u) {
        free(t);
        free(u);
        return rc;
    }
    for (size_t i = 0; !rc && i < k; i++) {
        sqlite3_stmt *q = ST(tech_devices);
        wo_db_bind_int(q, ":user", u[i]);
        rc = wo_db_load_rows(q, (void **)&t[i].devices, &t[i].n_devices,
                             sizeof *t[i].devices, fill_device);
        for (size_t j = 0; j < t[i].n_devices; j++)
            if (t[i].devices[j].last_seen > t[i].last_seen)
                t[i].last_seen = t[i].devices[j].last_seen;
    }
    *out = t;
    *n = k;
    *users = u;
    return rc;
}

int store_user_tz(struct store *s, int64_t user, char tz[WO_MAX_ID + 1])
{
    sqlite3_stmt *q = ST(user_tz);
    wo_db_bind_int(q, ":user", user);
    tz[0] = 0;
    int r = store__row(q);
    if (r <= 0)
        return r;
    store__copy_col(q, 0, tz, WO_MAX_ID + 1);
    sqlite3_reset(q);
    return 0;
}

int store_user_set_tz(struct store *s, const char *name, const char *tz)
{
    sqlite3_stmt *q = ST(user_set_tz);
    wo_db_bind_text(q, ":name", name);
    store__bind_text_opt(q, ":tz", tz);
    int rc = wo_db_exec(q);
    if (!rc && !store__changes(s))
        return WO_ENOTFOUND;
    return rc;
}

int store_default_tz(struct store *s, const char *tz)
{
    sqlite3_stmt *q = ST(setting_set);
    wo_db_bind_text(q, ":name", "tz");
    wo_db_bind_text(q, ":value", tz);
    return wo_db_exec(q);
}
