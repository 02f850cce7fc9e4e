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
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

extern const struct wo_sqlfile wo_server_sql[];

/* Open the store at path, creating it only when `how` says so. */
static int open_how(const char *path, enum wo_db_how how, struct store **out,
                    char *err, size_t errlen)
{
    struct store *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return WO_ENOMEM;
    int rc = wo_db_open(path, how, wo_server_sql, qnames, Q__COUNT, &s->db,
                        err, errlen);
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
int store_commit(struct store *s) { return wo_db_commit(s->db); }
void store_rollback(struct store *s) { wo_db_rollback(s->db); }
int64_t store_total_changes(struct store *s)
{
    return sqlite3_total_changes64(wo_db_handle(s->db));
}
