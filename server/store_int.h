/*
 * store_int.h - private to the SQLite store, server/store*.c: struct store
 * and the helpers its files share. No other file includes it; the rest of
 * the server sees only store.h, so another backend can replace every
 * store*.c file without a caller noticing.
 *
 * Every statement is named in schema/server/queries.sql; server_q.h,
 * generated from it at build time, gives each one an id Q_<name>, and
 * store_open() prepares them all, so a bad query fails at start-up.
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <stdio.h>

#include "server_q.h"
#include "store.h"
#include "wo_sqlkit.h"

struct store {
    struct wo_db *db;
};

/* The statement named q in queries.sql, reset and unbound. Expects the
 * store in a variable s, as every store function names it. */
#define ST(q) wo_db_stmt(s->db, Q_##q)
/* A malloc'd copy of text column col of the row q is on (NULL for NULL). */
#define DUP(col) wo_db_col_text(q, col)

/* Step a statement expected to return at most one row: 1 on a row (left
 * there for reading; the caller resets), 0 for none, or WO_EIO. */
static inline int store__row(sqlite3_stmt *q)
{
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW)
        return 1;
    sqlite3_reset(q);
    return r == SQLITE_DONE ? 0 : WO_EIO;
}

/* Text column col into dst (cap bytes, truncated, "" for NULL). */
static inline void store__copy_col(sqlite3_stmt *q, int col, char *dst,
                                   size_t cap)
{
    const char *t = (const char *)sqlite3_column_text(q, col);
    snprintf(dst, cap, "%s", t ? t : "");
}

/* The rowid of the last INSERT: the id of a new user, device, order, or
 * the seq of a new change. */
static inline int64_t store__last_id(struct store *s)
{
    return sqlite3_last_insert_rowid(wo_db_handle(s->db));
}

/* Rows the last statement changed. */
static inline int store__changes(struct store *s)
{
    return sqlite3_changes(wo_db_handle(s->db));
}

/* Bind v, or NULL when v is 0: 0 means "none" (no device, no time, keep
 * the current value) in every store call that takes an optional number. */
static inline void store__bind_opt(sqlite3_stmt *q, const char *name,
                                   int64_t v)
{
    if (v)
        wo_db_bind_int(q, name, v);
    else
        wo_db_bind_null(q, name);
}

#endif
