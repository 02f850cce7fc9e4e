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
#include <stdlib.h>
#include <string.h>

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

/* The salted hash of an order's one-time code (the recipient's or the
 * authoriser's: q is the query of that code) and its failure count.
 * missing: the error when the row holds no well-formed code. */
static inline int store__code_get(sqlite3_stmt *q, int64_t id,
                                  struct store_code *code, int *failures,
                                  int missing)
{
    wo_db_bind_int(q, ":id", id);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    int ok = sqlite3_column_bytes(q, 0) == sizeof code->salt &&
             sqlite3_column_bytes(q, 1) == sizeof code->hash;
    if (ok) {
        memcpy(code->salt, sqlite3_column_blob(q, 0), sizeof code->salt);
        memcpy(code->hash, sqlite3_column_blob(q, 1), sizeof code->hash);
    }
    *failures = sqlite3_column_int(q, 2);
    sqlite3_reset(q);
    return ok ? 0 : missing;
}

/* A new code for order id through its query q; the failures restart. */
static inline int store__code_set(sqlite3_stmt *q, int64_t id,
                                  const struct store_code *code)
{
    wo_db_bind_blob(q, ":salt", code->salt, sizeof code->salt);
    wo_db_bind_blob(q, ":hash", code->hash, sizeof code->hash);
    wo_db_bind_int(q, ":id", id);
    return wo_db_exec(q);
}

/* One more wrong code, through q (which returns the new count). */
static inline int store__code_failed(sqlite3_stmt *q, int64_t id,
                                     int *failures)
{
    wo_db_bind_int(q, ":id", id);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    *failures = sqlite3_column_int(q, 0);
    sqlite3_reset(q);
    return 0;
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

/* Bind v, or NULL when v is NULL or empty: an optional text (a
 * department, a customer, a filter) that was not given. */
static inline void store__bind_text_opt(sqlite3_stmt *q, const char *name,
                                        const char *v)
{
    wo_db_bind_text(q, name, v && *v ? v : NULL);
}

/* ids[0..n) as a JSON array ("[1,2,3]"), for a query that reads a list
 * through json_each: one query, not one per id. malloc'd; NULL when out
 * of memory. */
static inline char *store__ids_json(const int64_t *ids, size_t n)
{
    char *json = malloc(n * 21 + 3), *p = json;
    if (!json)
        return NULL;
    *p++ = '[';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%lld", i ? "," : "", (long long)ids[i]);
    strcpy(p, "]");
    return json;
}

#endif
