/*
 * store.c - the server store on SQLite: opening (migrations, every
 * statement prepared once), closing, and the transaction calls. The
 * entities live in store_user.c, store_order.c, store_desk.c, store_ops.c
 * and store_know.c, which share struct store through store_int.h. These
 * store*.c files are the only server files that use SQLite; they reach
 * <sqlite3.h> through wo_sqlkit.h. (handle_cmd.c includes wo_sqlkit.h
 * too, but only for wo_fts_query(), which needs no SQLite.)
 *
 * Only `wo-server init` creates a store (store_create); everything else
 * opens one that must exist and be a store, so a damaged or emptied file
 * is named, never replaced by a new empty server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "wo_crypto.h"

extern const struct wo_sqlfile wo_server_sql[];

/*
 * Stores from before schema v7 kept recipient codes in clear: hash each
 * once, in one transaction, and blank the clear column. A no-op after.
 */
int store_hash_clear_codes(struct store *s)
{
    sqlite3_stmt *q = ST(codes_in_clear);
    int rc = store_begin(s), r = SQLITE_DONE;
    while (!rc && (r = sqlite3_step(q)) == SQLITE_ROW) {
        struct store_code c;
        int64_t id = sqlite3_column_int64(q, 0);
        const char *clear = (const char *)sqlite3_column_text(q, 1);
        if (!(rc = wo_random(c.salt, sizeof c.salt)) &&
            !(rc = wo_code_hash(clear ? clear : "", c.salt, c.hash)))
            rc = store_code_set(s, id, &c);
    }
    if (!rc && r != SQLITE_DONE)
        rc = WO_EIO;
    sqlite3_reset(q);
    if (!rc)
        return store_commit(s);
    store_rollback(s);
    return rc;
}

/* Open the store at path, creating it only when `how` says so. */
static int open_how(const char *path, enum wo_db_how how, struct store **out,
                    char *err, size_t errlen)
{
    struct store *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return WO_ENOMEM;
    /* every query compiled now: a broken one stops the server at start */
    int rc = wo_db_open(path, how, wo_server_sql, qnames, Q__COUNT, &s->db,
                        err, errlen);
    if (!rc && (rc = wo_db_prepare_all(s->db, err, errlen)))
        wo_db_close(s->db);
    if (rc) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int store_open(const char *path, struct store **out, char *err, size_t errlen)
{
    return open_how(path, WO_DB_EXISTING, out, err, errlen);
}

int store_open_readonly(const char *path, struct store **out, char *err,
                        size_t errlen)
{
    return open_how(path, WO_DB_READONLY, out, err, errlen);
}

int store_create(const char *path, struct store **out, char *err,
                 size_t errlen)
{
    return open_how(path, WO_DB_CREATE, out, err, errlen);
}

int store_check(struct store *s, int full, store_finding_fn fn, void *arg)
{
    sqlite3_stmt *q = full ? ST(integrity_check) : ST(quick_check);
    int r, found = 0;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        if (t && !strcmp(t, "ok"))
            continue;
        fn(arg, t ? t : "(no text)");
        found++;
    }
    /* the check itself can stop on damage it cannot read past */
    if (r != SQLITE_DONE) {
        fn(arg, sqlite3_errmsg(wo_db_handle(s->db)));
        found++;
    }
    sqlite3_reset(q);
    return found ? WO_EIO : 0;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    wo_db_close(s->db);
    free(s);
}

const char *store_errmsg(struct store *s) { return wo_db_errmsg(s->db); }
int store_begin(struct store *s) { return wo_db_begin(s->db); }
int store_begin_nowait(struct store *s)
{
    sqlite3 *h = wo_db_handle(s->db);
    sqlite3_busy_timeout(h, 0);
    int rc = wo_db_begin(s->db);
    sqlite3_busy_timeout(h, WO_DB_BUSY_MS);
    return rc;
}
int store_busy(struct store *s) { return wo_db_busy(s->db); }
int store_commit(struct store *s) { return wo_db_commit(s->db); }
int store_begin_lazy(struct store *s) { return wo_db_begin_lazy(s->db); }
int store_settle(struct store *s, int *all) { return wo_db_settle(s->db, all); }
void store_rollback(struct store *s) { wo_db_rollback(s->db); }
int store_read_begin(struct store *s) { return wo_db_begin_read(s->db); }
void store_read_end(struct store *s)
{
    /* a read transaction writes nothing: COMMIT only ends it */
    if (wo_db_commit(s->db))
        wo_db_rollback(s->db);
}
int64_t store_total_changes(struct store *s)
{
    return sqlite3_total_changes64(wo_db_handle(s->db));
}

int store_secret(struct store *s, const char *name, uint8_t out[32])
{
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *q = ST(secret_get);
        wo_db_bind_text(q, ":name", name);
        int r = store__row(q);
        if (r < 0)
            return r;
        if (r == 1) {
            int ok = sqlite3_column_bytes(q, 0) == 32;
            if (ok)
                memcpy(out, sqlite3_column_blob(q, 0), 32);
            sqlite3_reset(q);
            return ok ? 0 : WO_EIO;
        }
        uint8_t fresh[32];
        int rc = wo_random(fresh, sizeof fresh);
        if (rc)
            return rc;
        q = ST(secret_put);
        wo_db_bind_text(q, ":name", name);
        wo_db_bind_blob(q, ":secret", fresh, sizeof fresh);
        if ((rc = wo_db_exec(q)))
            return rc;
    }
    return WO_EIO;
}
