/*
 * store.c - the server store on SQLite: opening (migrations, every
 * statement prepared once), closing, and the transaction calls. The
 * entities live in store_user.c, store_order.c, store_desk.c, store_ops.c
 * and store_know.c, which share struct store through store_int.h. These
 * store*.c files are the only server files that use SQLite; they reach
 * <sqlite3.h> through wo_sqlkit.h. (handle_cmd.c includes wo_sqlkit.h
 * too, but only for wo_fts_query(), which needs no SQLite.)
 */
#include <stdlib.h>

#include "store_int.h"

extern const struct wo_sqlfile wo_server_sql[];

int store_open(const char *path, struct store **out, char *err, size_t errlen)
{
    struct store *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return WO_ENOMEM;
    int rc = wo_db_open(path, wo_server_sql, qnames, Q__COUNT, &s->db, err,
                        errlen);
    if (rc) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
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
