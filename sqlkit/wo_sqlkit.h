/*
 * wo_sqlkit.h - the SQLite plumbing shared by the server store and the
 * client replica: numbered migrations tracked by PRAGMA user_version,
 * named queries compiled in from schema/, statements prepared once at open,
 * and binds by parameter name that fail loudly when a name is wrong.
 *
 * SQL text never comes from string concatenation: it is the files in
 * schema/, embedded at build time by cmake/embed.cmake. Each store's
 * statement ids (Q_<name>, Q__COUNT, qnames[]) are generated from its
 * queries.sql by cmake/query_ids.cmake, so the names are listed once.
 *
 * Transactions are the caller's: wo_db_begin() / wo_db_commit() around
 * what must commit together; a statement run outside them commits alone.
 */
#ifndef WO_SQLKIT_H
#define WO_SQLKIT_H

#include <stddef.h>
#include <stdint.h>

/* One embedded SQL file. Arrays of these end with {NULL, NULL}. */
struct wo_sqlfile {
    const char *name;   /* "001_init.sql", "queries.sql" */
    const char *text;
};

#ifndef WO_SQLKIT_NO_SQLITE
#include <sqlite3.h>

struct wo_db;

/* How long a statement waits for another connection's write lock. */
#define WO_DB_BUSY_MS 10000

/* What wo_db_open() may do when nothing is at path yet. */
enum wo_db_how {
    WO_DB_EXISTING, /* open only: a missing file is WO_ENOTFOUND */
    WO_DB_CREATE,   /* create it (mode 0600) when missing */
    WO_DB_READONLY  /* open only, SQLITE_OPEN_READONLY: every write is
                     * refused; no migration (a schema older than the
                     * program is WO_ESCHEMA: a writer migrates first) */
};

/*
 * Open the database at path: WAL, synchronous=FULL, foreign keys on.
 *
 * Files are private and damage is named, never papered over:
 *   - the directory holding path must not be writable by group or others
 *     (WO_EPERM): whoever can write there can replace the database;
 *   - a file it creates is mode 0600, so its -wal and -shm are too
 *     (SQLite gives them the database's mode); an existing database, -wal
 *     or -shm readable by others (made by an older version) is set 0600;
 *   - an existing file that is not a database of this program (0 bytes,
 *     not SQLite, or user_version 0) is refused with WO_EEXIST and left
 *     exactly as it is: nothing is written to it, with either `how`;
 *   - a file this call created is removed again if the open fails.
 *
 * Then applies each file of `files` whose name starts with a digit, in
 * order, for versions above the stored user_version, one transaction
 * each; refuses (WO_ESCHEMA) a database newer than the list. Then
 * finds every query named in `names` (n of them) among the
 * "-- name: X" blocks of the file called "queries.sql" (a missing name
 * is an error) and compiles each when wo_db_stmt() first asks for it
 * (wo_db_prepare_all() compiles them all at once), so `files` and
 * `names` must outlive the connection. A store passes the qnames[] and
 * Q__COUNT that cmake/query_ids.cmake generates from that same
 * queries.sql, so names[i] is the statement wo_db_stmt(db, Q_<name>)
 * returns. On failure *out is NULL and err says what went wrong (the
 * caller adds what to do): 0, WO_ENOTFOUND, WO_EPERM, WO_EEXIST,
 * WO_ESCHEMA, WO_ENOMEM or WO_EIO (a damaged file, among others:
 * SQLite's message is in err).
 */
int wo_db_open(const char *path, enum wo_db_how how,
               const struct wo_sqlfile *files, const char *const *names,
               size_t n, struct wo_db **out, char *err, size_t errlen);

/* Compile every named query now (wo_db_open() only finds them; each is
 * compiled when wo_db_stmt() first returns it). A long-lived process
 * calls this once at start, so that a broken query stops it there; the
 * tests call it for every store. 0, or WO_EIO with err naming the query
 * and SQLite's message. */
int wo_db_prepare_all(struct wo_db *db, char *err, size_t errlen);

/* Finalize everything and close; NULL is accepted. */
void wo_db_close(struct wo_db *db);

sqlite3 *wo_db_handle(struct wo_db *db);

/* The prepared statement for names[idx], reset and with bindings
 * cleared; compiled now if this is its first use. NULL (said on stderr)
 * if it cannot be compiled: the wo_db_bind_* and sqlite3_step calls on
 * it then fail with SQLITE_MISUSE, and the caller reports an error. */
sqlite3_stmt *wo_db_stmt(struct wo_db *db, int idx);

/* Binds by name (":title"). A name the statement lacks aborts: it is a bug
 * in our SQL or our code, and must not pass silently. */
void wo_db_bind_text(sqlite3_stmt *st, const char *name, const char *v);
void wo_db_bind_int(sqlite3_stmt *st, const char *name, int64_t v);
void wo_db_bind_blob(sqlite3_stmt *st, const char *name, const void *p,
                     size_t n);
void wo_db_bind_null(sqlite3_stmt *st, const char *name);

/* Step a statement that returns no rows; 0 or WO_EIO / WO_EEXIST (a
 * constraint failed). Resets the statement. */
int wo_db_exec(sqlite3_stmt *st);

/* A malloc'd copy of a text column, or NULL for SQL NULL. */
char *wo_db_col_text(sqlite3_stmt *st, int col);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. 0 or WO_EIO. */
int wo_db_begin(struct wo_db *db);
int wo_db_commit(struct wo_db *db);
void wo_db_rollback(struct wo_db *db);

/* BEGIN (deferred): the reads until wo_db_commit() see the store as of
 * the first of them, on a connection that may not write (a reader of
 * its own beside the writer). 0 or WO_EIO. */
int wo_db_begin_read(struct wo_db *db);

/*
 * BEGIN IMMEDIATE for a transaction whose COMMIT does not wait for the
 * disk (synchronous=NORMAL until its wo_db_commit or wo_db_rollback,
 * FULL again after): it survives a crash of the process, but a power cut
 * may lose it until the next durable commit or wo_db_settle() syncs the
 * write-ahead log. For writes whose loss the next sync repairs, never
 * for anything acknowledged.
 */
int wo_db_begin_lazy(struct wo_db *db);

/* Make every commit so far durable: a passive checkpoint, which syncs the
 * write-ahead log before it copies it into the file. *all is 0 when a
 * reader kept part of the log from being copied (then the log may not
 * have been synced either): settle again later. 0 or WO_EIO. */
int wo_db_settle(struct wo_db *db, int *all);

/* Last SQLite error message for logs. */
const char *wo_db_errmsg(struct wo_db *db);

/* What kind of trouble a failed call ran into, for a message that says
 * what to do about it. */
enum wo_db_fault {
    WO_DB_FAULT_NONE,    /* no SQLite failure is known */
    WO_DB_FAULT_FULL,    /* the disk (or the file's size limit) is full */
    WO_DB_FAULT_DAMAGED, /* the file is damaged (SQLITE_CORRUPT, NOTADB) */
    WO_DB_FAULT_IO,      /* the operating system refused a read or write */
    WO_DB_FAULT_OTHER    /* anything else: msg has SQLite's words */
};

/*
 * The fault behind the last failed call on db, with SQLite's message in
 * msg (len bytes, "" for none). wo_db_rollback() keeps the failure that
 * led to it (the ROLLBACK would otherwise replace it), until the next
 * wo_db_begin(); a failed read is reported until the next call. A full
 * disk is FULL whether SQLite says SQLITE_FULL or an I/O error whose
 * errno is ENOSPC.
 */
enum wo_db_fault wo_db_fault(struct wo_db *db, char *msg, size_t len);

/* 1 when the failure kept since the last begin (a BEGIN or COMMIT that
 * failed) was another connection holding the lock it needed
 * (SQLITE_BUSY), not a fault of the file. */
int wo_db_busy(struct wo_db *db);

/* PRAGMA user_version of an open database. */
int wo_db_version(struct wo_db *db);

/*
 * Step q (bound), growing *arr (n elements of size bytes) by one zeroed
 * element per row that fill() fills from the row; *arr starts empty or was
 * grown only by these loaders. Resets q. 0, WO_ENOMEM,
 * WO_EIO, or fill's error; filled elements stay for the caller to free.
 */
typedef int (*wo_db_fill_fn)(sqlite3_stmt *q, void *elem);
int wo_db_load_rows(sqlite3_stmt *q, void **arr, size_t *n, size_t size,
                    wo_db_fill_fn fill);

/*
 * wo_db_load_rows for several orders at once: q's rows carry, in their
 * last column, the id of the order o[0..n) (ids set) each belongs to, and
 * come grouped by it; a row goes to the array at offset arr_off of its
 * order, counted at n_off (offsetof in struct wo_order), and rows of
 * orders not in o are skipped. Those arrays start empty. Resets q.
 */
struct wo_order;
int wo_db_load_rows_of(sqlite3_stmt *q, struct wo_order *o, size_t n,
                       size_t arr_off, size_t n_off, size_t size,
                       wo_db_fill_fn fill);

/* The integers in column 0 of q's rows, in order (caller frees *ids; on
 * failure *ids is NULL and *n 0). Resets q. */
int wo_db_load_ids(sqlite3_stmt *q, int64_t **ids, size_t *n);

/* The integer in column 0 of q's one row (a count, a max): 0, or WO_EIO
 * when the step fails or gives no row. Resets q. */
int wo_db_int(sqlite3_stmt *q, int64_t *v);

/* Work-order records, stored the same way by the server and the replica. */

/*
 * Load the visits, parts, notes and signatures of order `order` into o,
 * with the statements at indexes qv, qp, qn, qs (each binds :order; a
 * negative index skips that kind). Their
 * columns, in order:
 *   visits: id, tech, started_at, ended_at, outcome
 *   parts:  id, author, at, part_no, qty, descr, serials, late
 *   notes:  id, author, at, body, late
 *   sigs:   id, role, signer, device_id, signed_at, satisfied, comment,
 *           statement, sig, verified[, the signing device's 32-byte key]
 * 0 or WO_ENOMEM / WO_EIO; on failure o's arrays may be partly filled
 * (wo_order_cleanup frees them).
 */
int wo_db_load_records(struct wo_db *db, int qv, int qp, int qn, int qs,
                       int64_t order, struct wo_order *o);

/*
 * The same for the orders o[0..n) (ids set) at once, one query per kind:
 * each statement binds :orders, the JSON array of their ids, and gives the
 * columns above followed by the order's id, grouped by it (one query for
 * a page of orders, not one per order and kind). With ids (a JSON array
 * of record ids, bound as :ids; NULL: all), only those records.
 */
int wo_db_load_records_of(struct wo_db *db, int qv, int qp, int qn, int qs,
                          const char *orders, const char *ids,
                          struct wo_order *o, size_t n);

/*
 * Step q (bound) and load its rows as search hits, columns: order id,
 * title, asset, site, closed_at, snippet. The server's knowledge search
 * and the replica's past search share it. Resets q; caller frees.
 */
struct wo_hit;
int wo_db_load_hits(sqlite3_stmt *q, struct wo_hit **out, size_t *n);

/* Serial numbers are stored newline-joined (a serial holds no control
 * character). join returns a malloc'd string ("" for none) or NULL. */
char *wo_serials_join(char *const *s, size_t n);
int wo_serials_split(const char *txt, char ***out, size_t *n);
#endif

/*
 * An FTS5 query from a user's words: each whitespace-separated word
 * becomes a quoted phrase (so no word is read as FTS5 syntax), all must
 * match; a word ending in '*' matches as a prefix. 0, or WO_EINVAL when
 * there is no word or the query does not fit in cap bytes.
 */
int wo_fts_query(const char *words, char *out, size_t cap);

#endif
