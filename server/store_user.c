/*
 * store_user.c - users, their one-time enrolment codes, and devices.
 *
 * A code is stored only as its SHA-256 and is spent by the enrolment that
 * uses it; a device is its Ed25519 public key, kept after revocation so
 * that the signatures it made can still be verified.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "wo_crypto.h"

/* Codes are typed by people: 12 characters from an alphabet without
 * look-alikes (no 0/O, 1/I/L), shown as XXXX-XXXX-XXXX: 59 bits. */
static int make_code(char code[STORE_CODE_LEN])
{
    static const char al[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    uint8_t r[12];
    if (wo_random(r, sizeof r))
        return WO_ECRYPTO;
    int k = 0;
    for (int i = 0; i < 12; i++) {
        if (i && i % 4 == 0)
            code[k++] = '-';
        code[k++] = al[r[i] % (sizeof al - 1)];
    }
    code[k] = 0;
    return 0;
}

static int code_store(struct store *s, int64_t user, int64_t now,
                      int64_t ttl_ms, char code[STORE_CODE_LEN])
{
    uint8_t h[32];
    int rc = make_code(code);
    if (rc)
        return rc;
    wo_sha256(code, strlen(code), h);
    sqlite3_stmt *q = ST(code_insert);
    wo_db_bind_blob(q, ":hash", h, 32);
    wo_db_bind_int(q, ":user", user);
    wo_db_bind_int(q, ":now", now);
    store__bind_opt(q, ":expires", ttl_ms > 0 ? now + ttl_ms : 0);
    return wo_db_exec(q);
}

int store_user_add(struct store *s, const char *name, const char *role,
                   int64_t now, int64_t ttl_ms, char code[STORE_CODE_LEN])
{
    int rc = store_begin(s);
    if (rc)
        return rc;
    sqlite3_stmt *q = ST(user_insert);
    wo_db_bind_text(q, ":name", name);
    wo_db_bind_text(q, ":role", role);
    wo_db_bind_int(q, ":now", now);
    if ((rc = wo_db_exec(q)))
        goto fail;
    int64_t uid = store__last_id(s);
    if ((rc = code_store(s, uid, now, ttl_ms, code)))
        goto fail;
    return store_commit(s);
fail:
    store_rollback(s);
    return rc;
}

int store_user_import(struct store *s, const struct store_new_user *u,
                      size_t n, int64_t now, int64_t ttl_ms,
                      char (*codes)[STORE_CODE_LEN], size_t *bad)
{
    int rc = store_begin(s);
    *bad = 0;
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *q = ST(user_insert_tier);
        *bad = i;
        wo_db_bind_text(q, ":name", u[i].name);
        wo_db_bind_text(q, ":role", u[i].role);
        wo_db_bind_text(q, ":tier", u[i].tier);
        wo_db_bind_int(q, ":now", now);
        if ((rc = wo_db_exec(q)) ||
            (rc = code_store(s, store__last_id(s), now, ttl_ms, codes[i]))) {
            store_rollback(s);
            return rc;
        }
    }
    return 0;
}

int store_user_get(struct store *s, const char *name, struct store_user *u)
{
    sqlite3_stmt *q = ST(user_by_name);
    wo_db_bind_text(q, ":name", name);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    u->id = sqlite3_column_int64(q, 0);
    store__copy_col(q, 1, u->name, sizeof u->name);
    store__copy_col(q, 2, u->role, sizeof u->role);
    store__copy_col(q, 3, u->tier, sizeof u->tier);
    sqlite3_reset(q);
    return 0;
}

int store_user_code(struct store *s, const char *name, int64_t now,
                    int64_t ttl_ms, char code[STORE_CODE_LEN])
{
    struct store_user u;
    int rc = store_user_get(s, name, &u);
    if (rc)
        return rc;
    if ((rc = store_begin(s)))
        return rc;
    if ((rc = code_store(s, u.id, now, ttl_ms, code))) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s);
}

/* Why the code with hash h did not enrol. */
static const char *code_refusal(struct store *s, const uint8_t h[32],
                                int64_t now)
{
    sqlite3_stmt *q = ST(code_state);
    wo_db_bind_blob(q, ":hash", h, 32);
    const char *why = "unknown";
    if (store__row(q) == 1) {
        if (sqlite3_column_type(q, 0) != SQLITE_NULL)
            why = "used";
        else if (sqlite3_column_type(q, 1) != SQLITE_NULL &&
                 sqlite3_column_int64(q, 1) <= now)
            why = "expired";
        else
            why = "another user's"; /* valid, but not for the name given */
        sqlite3_reset(q);
    }
    return why;
}

int store_enroll(struct store *s, const char *code, const char *user,
                 const uint8_t pub[32], const char *devname, int64_t now,
                 int64_t *device_id, struct store_user *u, const char **why)
{
    uint8_t h[32];
    struct store_user named = {0};
    *why = NULL;
    int rc = user ? store_user_get(s, user, &named) : 0;
    if (rc == WO_ENOTFOUND) {
        *why = "unknown";
        return WO_EAUTH;
    }
    if (rc || (rc = store_begin(s)))
        return rc;
    wo_sha256(code, strlen(code), h);
    sqlite3_stmt *q = ST(code_take);
    wo_db_bind_blob(q, ":hash", h, 32);
    wo_db_bind_int(q, ":now", now);
    wo_db_bind_int(q, ":user", named.id);
    int r = store__row(q);
    if (r <= 0) {
        rc = r == 0 ? WO_EAUTH : r;
        if (!r)
            *why = code_refusal(s, h, now);
        goto fail;
    }
    int64_t uid = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    q = ST(device_insert);
    wo_db_bind_int(q, ":user", uid);
    wo_db_bind_blob(q, ":pubkey", pub, 32);
    wo_db_bind_text(q, ":name", devname);
    wo_db_bind_int(q, ":now", now);
    if ((rc = wo_db_exec(q)))
        goto fail;
    *device_id = store__last_id(s);
    if ((rc = store_commit(s)))
        return rc;
    struct store_device d;
    if ((rc = store_device_get(s, *device_id, &d)))
        return rc;
    *u = d.user;
    return 0;
fail:
    store_rollback(s);
    return rc;
}

int store_device_get(struct store *s, int64_t id, struct store_device *d)
{
    sqlite3_stmt *q = ST(device_get);
    wo_db_bind_int(q, ":id", id);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    memset(d, 0, sizeof *d);
    d->id = sqlite3_column_int64(q, 0);
    if (sqlite3_column_bytes(q, 1) == 32)
        memcpy(d->pubkey, sqlite3_column_blob(q, 1), 32);
    d->revoked = sqlite3_column_type(q, 2) != SQLITE_NULL;
    d->user.id = sqlite3_column_int64(q, 3);
    store__copy_col(q, 4, d->user.name, sizeof d->user.name);
    store__copy_col(q, 5, d->user.role, sizeof d->user.role);
    sqlite3_reset(q);
    return 0;
}

int store_device_pubkey(struct store *s, int64_t id, uint8_t pub[32])
{
    struct store_device d;
    int rc = store_device_get(s, id, &d);
    if (!rc)
        memcpy(pub, d.pubkey, 32);
    return rc;
}

int store_device_revoke(struct store *s, int64_t id, int64_t now)
{
    struct store_device d;
    int rc = store_device_get(s, id, &d);
    if (rc)
        return rc;
    sqlite3_stmt *q = ST(device_revoke);
    wo_db_bind_int(q, ":id", id);
    wo_db_bind_int(q, ":now", now);
    return wo_db_exec(q);
}

int store_device_list(struct store *s, store_device_fn fn, void *arg)
{
    sqlite3_stmt *q = ST(device_list);
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW)
        fn(arg, sqlite3_column_int64(q, 0),
           (const char *)sqlite3_column_text(q, 1),
           (const char *)sqlite3_column_text(q, 2),
           (const char *)sqlite3_column_text(q, 3),
           sqlite3_column_int64(q, 4),
           sqlite3_column_type(q, 5) == SQLITE_NULL
               ? 0
               : sqlite3_column_int64(q, 5));
    sqlite3_reset(q);
    return r == SQLITE_DONE ? 0 : WO_EIO;
}
