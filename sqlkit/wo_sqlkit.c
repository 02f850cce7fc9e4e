/*
 * wo_sqlkit.c - migrations and named prepared statements over SQLite.
 *
 * Invariants: a migration and its user_version bump commit together or
 * not at all; every statement used at run time was prepared at open, so a
 * typo in schema/ fails at start-up (and in the schema test), not mid-sync;
 * a database file is private (0600, in a directory only its owner can
 * write) and an existing file that is not ours is never written to.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wo_err.h"
#include "wo_proto.h"
#include "wo_sqlkit.h"

/* Transaction control, prepared once: every command and every group
 * commit runs them, and re-parsing that SQL each time would be waste. */
enum { TX_BEGIN, TX_COMMIT, TX_ROLLBACK, TX_READ, TX__COUNT };
static const char *const tx_sql[TX__COUNT] = {"BEGIN IMMEDIATE", "COMMIT",
                                              "ROLLBACK", "BEGIN"};

struct wo_db {
    sqlite3 *h;
    sqlite3_stmt **st;      /* prepared on first use (wo_db_stmt) */
    const char **sql;       /* each query's text in queries.sql */
    int *len;
    const char *const *names;
    size_t n;
    sqlite3_stmt *tx[TX__COUNT];
    int lazy;               /* in a wo_db_begin_lazy() transaction */
    /* the failure a ROLLBACK followed (wo_db_fault): SQLite's extended
     * code (0: none), errno and message, kept because the ROLLBACK
     * replaces SQLite's own record of it */
    int kept, kept_errno;
    char kept_msg[256];
};

static int seterr(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

static int exec_sql(sqlite3 *h, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        seterr(err, errlen, "%s", msg ? msg : sqlite3_errmsg(h));
        sqlite3_free(msg);
        return WO_EIO;
    }
    return 0;
}

static int migrate(sqlite3 *h, const struct wo_sqlfile *files, int readonly,
                   char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int have = 0, want = 0, rc;

    if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL))
        return WO_EIO;
    if (sqlite3_step(st) == SQLITE_ROW)
        have = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    for (const struct wo_sqlfile *f = files; f->name; f++)
        if (f->name[0] >= '0' && f->name[0] <= '9')
            want++;
    if (have > want) {
        seterr(err, errlen, "database schema version %d is newer than this "
               "program's %d: use a newer build", have, want);
        return WO_ESCHEMA;
    }
    if (readonly && have < want) {
        seterr(err, errlen, "database schema version %d is older than this "
               "program's %d, and a read-only connection cannot migrate it",
               have, want);
        return WO_ESCHEMA;
    }
    int v = 0;
    for (const struct wo_sqlfile *f = files; f->name; f++) {
        char bump[64];
        if (!(f->name[0] >= '0' && f->name[0] <= '9'))
            continue;
        if (++v <= have)
            continue;
        if ((rc = exec_sql(h, "BEGIN IMMEDIATE", err, errlen)))
            return rc;
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v);
        if ((rc = exec_sql(h, f->text, err, errlen)) ||
            (rc = exec_sql(h, bump, err, errlen)) ||
            (rc = exec_sql(h, "COMMIT", err, errlen))) {
            char tmp[256];
            snprintf(tmp, sizeof tmp, "migration %s: %s", f->name, err);
            snprintf(err, errlen, "%s", tmp);
            sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
    }
    return 0;
}

/* Find "-- name: X\n" in text and return the SQL after it up to the next
 * "-- name:" (or end) in *sql / *len. */
static int find_query(const char *text, const char *name, const char **sql,
                      size_t *len)
{
    const char *p = text;
    size_t nl = strlen(name);
    while ((p = strstr(p, "-- name: "))) {
        p += 9;
        if (!strncmp(p, name, nl) && (p[nl] == '\n' || p[nl] == '\r' ||
                                      p[nl] == ' ')) {
            const char *start = strchr(p, '\n');
            if (!start)
                return -1;
            start++;
            const char *end = strstr(start, "-- name: ");
            *sql = start;
            *len = end ? (size_t)(end - start) : strlen(start);
            return 0;
        }
    }
    return -1;
}

/* 0 if the directory holding path can be written by its owner alone;
 * else WO_EPERM (or WO_EIO when it cannot be examined), err says so. */
static int dir_private(const char *path, char *err, size_t errlen)
{
    char dir[4096];
    struct stat sb;
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (stat(dir, &sb) != 0) {
        int e = errno;
        seterr(err, errlen, "cannot examine %s: %s", dir, strerror(e));
        return e == ENOENT ? WO_ENOTFOUND : WO_EIO;
    }
    if (sb.st_mode & (S_IWGRP | S_IWOTH)) {
        seterr(err, errlen, "%s is writable by other users (mode %04o): "
               "whoever can write there can replace or remove %s. Use a "
               "directory only you can write: 'chmod 700 %s', or another "
               "directory", dir, (unsigned)(sb.st_mode & 07777), path, dir);
        return WO_EPERM;
    }
    return 0;
}

/* Older versions made the database (and so its -wal and -shm) 0644:
 * take away what others could read. */
static void make_private(const char *path)
{
    static const char *const ext[] = {"", "-wal", "-shm"};
    char p[4200];
    struct stat sb;
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        snprintf(p, sizeof p, "%s%s", path, ext[i]);
        if (stat(p, &sb) == 0 && (sb.st_mode & 077))
            chmod(p, sb.st_mode & 0700);
    }
}

/* Remove a database this call created, with its -wal and -shm. */
static void remove_created(const char *path)
{
    char p[4200];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/*
 * Is the file just opened a database of this program? Read-only, before
 * any PRAGMA that writes (journal_mode=WAL would write a header into an
 * empty file). 0, or WO_EEXIST / WO_EIO with err saying what it is.
 */
static int is_ours(sqlite3 *h, const char *path, off_t size, char *err,
                   size_t errlen)
{
    sqlite3_stmt *st;
    int v = -1, r;
    if (size == 0) {
        seterr(err, errlen, "%s exists but is empty (0 bytes): it is not a "
               "database of this program and was left as it is", path);
        return WO_EEXIST;
    }
    if ((r = sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL)) ==
        SQLITE_OK) {
        if ((r = sqlite3_step(st)) == SQLITE_ROW)
            v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    if (v < 0) {
        int notdb = (sqlite3_errcode(h) & 0xff) == SQLITE_NOTADB;
        seterr(err, errlen, "%s %s (SQLite: %s); it was left as it is", path,
               notdb ? "exists but is not an SQLite database"
                     : "cannot be read",
               sqlite3_errmsg(h));
        return notdb ? WO_EEXIST : WO_EIO;
    }
    if (v == 0) {
        seterr(err, errlen, "%s is an SQLite database without this "
               "program's schema (user_version 0): not ours, or damaged; "
               "it was left as it is", path);
        return WO_EEXIST;
    }
    return 0;
}

/* Once per process, before SQLite's first use: no memory statistics.
 * Every allocation SQLite makes otherwise takes a global mutex to count
 * it (a tenth of a group commit's CPU); nothing here reads the counts.
 * The raw limits of bench/ open through here too, so they get the same. */
static void configure_once(void)
{
    static int done;
    if (!done) {
        done = 1;
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    }
}

int wo_db_open(const char *path, enum wo_db_how how,
               const struct wo_sqlfile *files, const char *const *names,
               size_t n, struct wo_db **out, char *err, size_t errlen)
{
    int rc = WO_EIO, created = 0;
    configure_once();
    const char *queries = NULL;
    struct stat sb;
    struct wo_db *db = calloc(1, sizeof *db);

    *out = NULL;
    if (!db)
        return WO_ENOMEM;
    db->st = calloc(n ? n : 1, sizeof *db->st);
    db->sql = calloc(n ? n : 1, sizeof *db->sql);
    db->len = calloc(n ? n : 1, sizeof *db->len);
    db->names = names;
    db->n = n;
    if (!db->st || !db->sql || !db->len) {
        rc = WO_ENOMEM;
        goto fail;
    }
    if ((rc = dir_private(path, err, errlen)))
        goto fail;
    if (stat(path, &sb) != 0) {
        int e = errno;
        if (e != ENOENT || how != WO_DB_CREATE) {
            seterr(err, errlen, "no database at %s: %s", path, strerror(e));
            rc = e == ENOENT ? WO_ENOTFOUND : WO_EIO;
            goto fail;
        }
        /* made here, 0600 and exclusively: SQLite would make it 0644 less
         * the umask, and its -wal and -shm take the database's mode */
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            seterr(err, errlen, "cannot create %s: %s", path,
                   strerror(errno));
            rc = WO_EIO;
            goto fail;
        }
        close(fd);
        created = 1;
    } else if (!S_ISREG(sb.st_mode)) {
        seterr(err, errlen, "%s is not a regular file", path);
        rc = WO_EEXIST;
        goto fail;
    } else {
        make_private(path);
    }
    /* no SQLITE_OPEN_CREATE: the file exists by now, and if it went away
     * meanwhile, SQLite must not make a new one in its place */
    int ro = how == WO_DB_READONLY;
    if (sqlite3_open_v2(path, &db->h,
                        (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        seterr(err, errlen, "cannot open %s: %s", path,
               db->h ? sqlite3_errmsg(db->h) : "out of memory");
        rc = WO_EIO;
        goto fail;
    }
    sqlite3_busy_timeout(db->h, WO_DB_BUSY_MS);
    if (!created && (rc = is_ours(db->h, path, sb.st_size, err, errlen)))
        goto fail;
    /* temp_store=MEMORY keeps SQLite's temporary files (statement
     * journals of multi-row writes inside a transaction, sorts, transient
     * indexes) off the disk; none is needed after a crash. The group
     * commit no longer takes a savepoint per op (server/commit.c), which
     * is where those journals cost most. The 16 MiB page cache holds a
     * whole group commit. */
    /* a reader leaves the journal mode to the writers */
    if ((rc = exec_sql(db->h, ro ? "PRAGMA temp_store=MEMORY; "
                                   "PRAGMA cache_size=-16384;"
                                 : "PRAGMA journal_mode=WAL; "
                                   "PRAGMA synchronous=FULL; "
                                   "PRAGMA foreign_keys=ON; "
                                   "PRAGMA temp_store=MEMORY; "
                                   "PRAGMA cache_size=-16384;",
                       err, errlen)))
        goto fail;
    if ((rc = migrate(db->h, files, ro, err, errlen)))
        goto fail;
    for (const struct wo_sqlfile *f = files; f->name; f++)
        if (!strcmp(f->name, "queries.sql"))
            queries = f->text;
    /* every name is found now; each is compiled when first used (a
     * `wo` command runs a handful of the replica's queries, and compiling
     * all of them cost a few milliseconds at every start) */
    rc = WO_EIO;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        if (!queries || find_query(queries, names[i], &db->sql[i], &len)) {
            seterr(err, errlen, "query '%s' is missing from queries.sql",
                   names[i]);
            goto fail;
        }
        db->len[i] = (int)len;
    }
    for (int i = 0; i < TX__COUNT; i++)
        if (sqlite3_prepare_v3(db->h, tx_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &db->tx[i], NULL) != SQLITE_OK) {
            seterr(err, errlen, "%s: %s", tx_sql[i], sqlite3_errmsg(db->h));
            goto fail;
        }
    *out = db;
    return 0;
fail:
    wo_db_close(db);
    if (created)
        remove_created(path);
    return rc;
}

void wo_db_close(struct wo_db *db)
{
    if (!db)
        return;
    for (size_t i = 0; db->st && i < db->n; i++)
        sqlite3_finalize(db->st[i]);
    free(db->st);
    free(db->sql);
    free(db->len);
    for (int i = 0; i < TX__COUNT; i++)
        sqlite3_finalize(db->tx[i]);
    sqlite3_close(db->h);
    free(db);
}

sqlite3 *wo_db_handle(struct wo_db *db) { return db->h; }

static int prepare(struct wo_db *db, size_t i, char *err, size_t errlen)
{
    if (db->st[i])
        return 0;
    if (sqlite3_prepare_v3(db->h, db->sql[i], db->len[i],
                           SQLITE_PREPARE_PERSISTENT, &db->st[i],
                           NULL) == SQLITE_OK)
        return 0;
    seterr(err, errlen, "query '%s': %s", db->names[i],
           sqlite3_errmsg(db->h));
    return WO_EIO;
}

int wo_db_prepare_all(struct wo_db *db, char *err, size_t errlen)
{
    for (size_t i = 0; i < db->n; i++)
        if (prepare(db, i, err, errlen))
            return WO_EIO;
    return 0;
}

sqlite3_stmt *wo_db_stmt(struct wo_db *db, int idx)
{
    char err[512];
    if (prepare(db, (size_t)idx, err, sizeof err)) {
        /* only a query that wo_db_prepare_all() would refuse, or no
         * memory: the NULL makes every sqlite3_ call on it fail cleanly
         * (SQLITE_MISUSE), so the caller reports an error */
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    sqlite3_stmt *st = db->st[idx];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

static int pidx(sqlite3_stmt *st, const char *name)
{
    if (!st)
        return 0; /* a query wo_db_stmt could not compile: the bind and
                   * the step that follow fail with SQLITE_MISUSE */
    int i = sqlite3_bind_parameter_index(st, name);
    if (i == 0) {
        fprintf(stderr, "BUG: SQL parameter %s not in: %s\n", name,
                sqlite3_sql(st));
        abort();
    }
    return i;
}

void wo_db_bind_text(sqlite3_stmt *st, const char *name, const char *v)
{
    if (v)
        sqlite3_bind_text(st, pidx(st, name), v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, pidx(st, name));
}

void wo_db_bind_int(sqlite3_stmt *st, const char *name, int64_t v)
{
    sqlite3_bind_int64(st, pidx(st, name), v);
}

void wo_db_bind_blob(sqlite3_stmt *st, const char *name, const void *p,
                     size_t n)
{
    if (p)
        sqlite3_bind_blob(st, pidx(st, name), p, (int)n, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, pidx(st, name));
}

void wo_db_bind_null(sqlite3_stmt *st, const char *name)
{
    sqlite3_bind_null(st, pidx(st, name));
}

int wo_db_exec(sqlite3_stmt *st)
{
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    if (r == SQLITE_DONE || r == SQLITE_ROW)
        return 0;
    return (r & 0xff) == SQLITE_CONSTRAINT ? WO_EEXIST : WO_EIO;
}

char *wo_db_col_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? strdup((const char *)t) : NULL;
}

/* SQLite's record of the failure just seen, kept in db (see struct
 * wo_db); a success leaves what is kept alone. */
static void keep_fault(struct wo_db *db)
{
    int e = sqlite3_extended_errcode(db->h);
    if ((e & 0xff) == SQLITE_OK || e == SQLITE_ROW || e == SQLITE_DONE)
        return;
    db->kept = e;
    db->kept_errno = sqlite3_system_errno(db->h);
    snprintf(db->kept_msg, sizeof db->kept_msg, "%s", sqlite3_errmsg(db->h));
}

static int tx(struct wo_db *db, int which)
{
    int r = sqlite3_step(db->tx[which]);
    sqlite3_reset(db->tx[which]);
    if (r != SQLITE_DONE && which != TX_ROLLBACK)
        keep_fault(db);
    return r == SQLITE_DONE ? 0 : WO_EIO;
}

/*
 * The level a commit syncs at. Not a prepared statement: SQLite applies
 * this pragma when it compiles it (and refuses it inside a transaction),
 * so a kept statement would change the level only when re-compiled.
 */
static int sync_level(struct wo_db *db, int full)
{
    return sqlite3_exec(db->h, full ? "PRAGMA synchronous=FULL"
                                    : "PRAGMA synchronous=NORMAL",
                        NULL, NULL, NULL) == SQLITE_OK ? 0 : WO_EIO;
}

/* Back to FULL, as every store opens, after a lazy transaction; until
 * that works the connection stays marked lazy and no durable
 * transaction begins on it (wo_db_begin). */
static int unlazy(struct wo_db *db)
{
    if (!db->lazy)
        return 0;
    if (sync_level(db, 1))
        return WO_EIO;
    db->lazy = 0;
    return 0;
}

int wo_db_begin(struct wo_db *db)
{
    db->kept = 0; /* a new transaction: what failed before is history */
    if (unlazy(db))
        return WO_EIO;
    return tx(db, TX_BEGIN);
}

int wo_db_begin_read(struct wo_db *db)
{
    db->kept = 0;
    return tx(db, TX_READ);
}

int wo_db_begin_lazy(struct wo_db *db)
{
    db->kept = 0;
    if (unlazy(db) || sync_level(db, 0))
        return WO_EIO;
    db->lazy = 1;
    int rc = tx(db, TX_BEGIN);
    if (rc)
        unlazy(db);
    return rc;
}

/* A failed COMMIT may leave the transaction open: the level is restored
 * by the rollback that follows, or by the next begin. */
int wo_db_commit(struct wo_db *db)
{
    int rc = tx(db, TX_COMMIT);
    if (!rc)
        unlazy(db);
    return rc;
}

int wo_db_settle(struct wo_db *db, int *all)
{
    int log = 0, done = 0;
    int r = sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                      &log, &done);
    *all = r == SQLITE_OK && done >= log;
    return r == SQLITE_OK || r == SQLITE_BUSY ? 0 : WO_EIO;
}

void wo_db_rollback(struct wo_db *db)
{
    keep_fault(db);
    tx(db, TX_ROLLBACK);
    unlazy(db);
}

const char *wo_db_errmsg(struct wo_db *db) { return sqlite3_errmsg(db->h); }

int wo_db_busy(struct wo_db *db) { return (db->kept & 0xff) == SQLITE_BUSY; }

enum wo_db_fault wo_db_fault(struct wo_db *db, char *msg, size_t len)
{
    int e = db->kept, sys = db->kept_errno;
    if (e)
        snprintf(msg, len, "%s", db->kept_msg);
    else {
        e = sqlite3_extended_errcode(db->h);
        sys = sqlite3_system_errno(db->h);
        if ((e & 0xff) == SQLITE_OK || e == SQLITE_ROW || e == SQLITE_DONE) {
            snprintf(msg, len, "%s", "");
            return WO_DB_FAULT_NONE;
        }
        snprintf(msg, len, "%s", sqlite3_errmsg(db->h));
    }
    switch (e & 0xff) {
    case SQLITE_FULL: return WO_DB_FAULT_FULL;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return WO_DB_FAULT_DAMAGED;
    case SQLITE_IOERR:
        /* a write that found no room can come back as an I/O error */
        return sys == ENOSPC ? WO_DB_FAULT_FULL : WO_DB_FAULT_IO;
    default: return WO_DB_FAULT_OTHER;
    }
}

int wo_db_version(struct wo_db *db)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL))
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* ---- work-order records ------------------------------------------------ */

typedef wo_db_fill_fn fill_fn;

/* Room for one more element at the end of arr (n elements of size bytes,
 * grown only here: its capacity is 8, 16, 32... so needs no field of its
 * own); the new element is zeroed and counted. NULL when out of memory. */
static void *append(void **arr, size_t *n, size_t size)
{
    if (*n == 0 || (*n >= 8 && !(*n & (*n - 1)))) {
        void *na = realloc(*arr, (*n ? *n * 2 : 8) * size);
        if (!na)
            return NULL;
        *arr = na;
    }
    char *e = (char *)*arr + *n * size;
    memset(e, 0, size);
    (*n)++;
    return e;
}

/* Where the row q is on goes: *arr and *n of the array to grow, or 0 to
 * skip the row. */
typedef int (*place_fn)(sqlite3_stmt *q, void *arg, void ***arr,
                        size_t **n);

/* Step q, each row placed by place() and filled by fill(); resets q. */
static int load_each(sqlite3_stmt *q, place_fn place, void *arg, size_t size,
                     fill_fn fill)
{
    int s, rc = 0;
    void **arr;
    size_t *n;
    while ((s = sqlite3_step(q)) == SQLITE_ROW) {
        if (!place(q, arg, &arr, &n))
            continue;
        void *e = append(arr, n, size);
        if (!e) {
            rc = WO_ENOMEM;
            break;
        }
        if ((rc = fill(q, e)))
            break;
    }
    if (!rc && s != SQLITE_DONE)
        rc = WO_EIO;
    sqlite3_reset(q);
    return rc;
}

struct one_array {
    void **arr;
    size_t *n;
};

static int place_one(sqlite3_stmt *q, void *arg, void ***arr, size_t **n)
{
    (void)q;
    *arr = ((struct one_array *)arg)->arr;
    *n = ((struct one_array *)arg)->n;
    return 1;
}

int wo_db_load_rows(sqlite3_stmt *q, void **arr, size_t *n, size_t size,
                    wo_db_fill_fn fill)
{
    struct one_array a = {arr, n};
    return load_each(q, place_one, &a, size, fill);
}

/* The orders o[0..n) and which of their arrays a row goes to. */
struct by_order {
    struct wo_order *o;
    size_t n, j, arr_off, n_off;
    int last; /* the column with the order's id */
};

static int place_by_order(sqlite3_stmt *q, void *arg, void ***arr,
                          size_t **n)
{
    struct by_order *b = arg;
    int64_t id = sqlite3_column_int64(q, b->last);
    if (b->j >= b->n || b->o[b->j].id != id) /* rows come grouped */
        for (b->j = 0; b->j < b->n && b->o[b->j].id != id; b->j++)
            ;
    if (b->j == b->n)
        return 0; /* not asked for */
    char *base = (char *)&b->o[b->j];
    *arr = (void **)(base + b->arr_off);
    *n = (size_t *)(base + b->n_off);
    return 1;
}

int wo_db_load_rows_of(sqlite3_stmt *q, struct wo_order *o, size_t n,
                       size_t arr_off, size_t n_off, size_t size,
                       wo_db_fill_fn fill)
{
    struct by_order b = {o, n, 0, arr_off, n_off,
                         sqlite3_column_count(q) - 1};
    return load_each(q, place_by_order, &b, size, fill);
}

#define DUP(col) wo_db_col_text(q, col)

static int fill_visit(sqlite3_stmt *q, void *e)
{
    struct wo_visit *v = e;
    v->id = DUP(0);
    v->tech = DUP(1);
    v->started_at = sqlite3_column_int64(q, 2);
    v->ended_at = sqlite3_column_int64(q, 3);
    v->outcome = DUP(4);
    /* the server's own times, where its query has them */
    if (sqlite3_column_count(q) > 6) {
        v->started_srv = sqlite3_column_int64(q, 5);
        v->ended_srv = sqlite3_column_int64(q, 6);
    }
    return v->id && v->tech ? 0 : WO_ENOMEM;
}

static int fill_part(sqlite3_stmt *q, void *e)
{
    struct wo_part *p = e;
    p->id = DUP(0);
    p->author = DUP(1);
    p->at = sqlite3_column_int64(q, 2);
    p->part_no = DUP(3);
    p->qty = sqlite3_column_int64(q, 4);
    p->desc = DUP(5);
    if (wo_serials_split((const char *)sqlite3_column_text(q, 6),
                         &p->serials, &p->n_serials))
        return WO_ENOMEM;
    p->late = sqlite3_column_int(q, 7) != 0;
    if (sqlite3_column_count(q) > 8)
        p->at_srv = sqlite3_column_int64(q, 8);
    return p->id && p->author && p->part_no ? 0 : WO_ENOMEM;
}

static int fill_note(sqlite3_stmt *q, void *e)
{
    struct wo_note *n = e;
    n->id = DUP(0);
    n->author = DUP(1);
    n->at = sqlite3_column_int64(q, 2);
    n->text = DUP(3);
    n->late = sqlite3_column_int(q, 4) != 0;
    if (sqlite3_column_count(q) > 5)
        n->at_srv = sqlite3_column_int64(q, 5);
    return n->id && n->author && n->text ? 0 : WO_ENOMEM;
}

static int fill_sig(sqlite3_stmt *q, void *e)
{
    struct wo_sig *g = e;
    g->id = DUP(0);
    g->role = DUP(1);
    g->signer = DUP(2);
    g->device_id = sqlite3_column_int64(q, 3);
    g->signed_at = sqlite3_column_int64(q, 4);
    g->satisfied = sqlite3_column_int(q, 5) != 0;
    g->comment = DUP(6);
    g->statement = DUP(7);
    g->sig_len = (size_t)sqlite3_column_bytes(q, 8);
    g->sig = malloc(g->sig_len ? g->sig_len : 1);
    if (g->sig)
        memcpy(g->sig, sqlite3_column_blob(q, 8), g->sig_len);
    g->verified = sqlite3_column_int(q, 9) != 0;
    /* the server's query adds the signing device's key, which travels
     * with the signature so a client can verify it offline */
    if (sqlite3_column_count(q) > 10 && sqlite3_column_bytes(q, 10) == 32) {
        if ((g->pubkey = malloc(32))) {
            memcpy(g->pubkey, sqlite3_column_blob(q, 10), 32);
            g->pubkey_len = 32;
        }
        if (!g->pubkey)
            return WO_ENOMEM;
    }
    return g->id && g->role && g->signer && g->statement && g->sig
               ? 0
               : WO_ENOMEM;
}

#define REC(f) offsetof(struct wo_order, f), offsetof(struct wo_order, n_##f), \
                sizeof *((struct wo_order *)0)->f

int wo_db_load_records(struct wo_db *db, int qv, int qp, int qn, int qs,
                       int64_t order, struct wo_order *o)
{
    const struct {
        int q;
        void **arr;
        size_t *n;
        size_t size;
        fill_fn fill;
    } kinds[] = {
        {qv, (void **)&o->visits, &o->n_visits, sizeof *o->visits, fill_visit},
        {qp, (void **)&o->parts, &o->n_parts, sizeof *o->parts, fill_part},
        {qn, (void **)&o->notes, &o->n_notes, sizeof *o->notes, fill_note},
        {qs, (void **)&o->sigs, &o->n_sigs, sizeof *o->sigs, fill_sig},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (kinds[i].q < 0)
            continue;
        sqlite3_stmt *q = wo_db_stmt(db, kinds[i].q);
        wo_db_bind_int(q, ":order", order);
        int rc = wo_db_load_rows(q, kinds[i].arr, kinds[i].n, kinds[i].size,
                           kinds[i].fill);
        if (rc)
            return rc;
    }
    return 0;
}

int wo_db_load_records_of(struct wo_db *db, int qv, int qp, int qn, int qs,
                          const char *orders, const char *ids,
                          struct wo_order *o, size_t n)
{
    const struct {
        int q;
        size_t arr_off, n_off, size;
        fill_fn fill;
    } kinds[] = {
        {qv, REC(visits), fill_visit},
        {qp, REC(parts), fill_part},
        {qn, REC(notes), fill_note},
        {qs, REC(sigs), fill_sig},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (kinds[i].q < 0)
            continue;
        sqlite3_stmt *q = wo_db_stmt(db, kinds[i].q);
        wo_db_bind_text(q, ":orders", orders);
        if (ids)
            wo_db_bind_text(q, ":ids", ids);
        int rc = wo_db_load_rows_of(q, o, n, kinds[i].arr_off, kinds[i].n_off,
                                    kinds[i].size, kinds[i].fill);
        if (rc)
            return rc;
    }
    return 0;
}

static int fill_id(sqlite3_stmt *q, void *e)
{
    *(int64_t *)e = sqlite3_column_int64(q, 0);
    return 0;
}

int wo_db_load_ids(sqlite3_stmt *q, int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    int rc = wo_db_load_rows(q, (void **)ids, n, sizeof **ids, fill_id);
    if (rc) {
        free(*ids);
        *ids = NULL;
        *n = 0;
    }
    return rc;
}

int wo_db_int(sqlite3_stmt *q, int64_t *v)
{
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW)
        *v = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return r == SQLITE_ROW ? 0 : WO_EIO;
}

static int fill_hit(sqlite3_stmt *q, void *e)
{
    struct wo_hit *h = e;
    h->wo = sqlite3_column_int64(q, 0);
    h->title = wo_db_col_text(q, 1);
    h->asset = wo_db_col_text(q, 2);
    h->site = wo_db_col_text(q, 3);
    h->closed_at = sqlite3_column_int64(q, 4);
    h->snippet = wo_db_col_text(q, 5);
    return h->title ? 0 : WO_ENOMEM;
}

int wo_db_load_hits(sqlite3_stmt *q, struct wo_hit **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(q, (void **)out, n, sizeof **out, fill_hit);
}

char *wo_serials_join(char *const *s, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(s[i]) + 1;
    char *out = malloc(len), *p = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(s[i]);
        if (i)
            *p++ = '\n';
        memcpy(p, s[i], l);
        p += l;
    }
    *p = 0;
    return out;
}

int wo_serials_split(const char *txt, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!txt || !*txt)
        return 0;
    size_t cnt = 1;
    for (const char *p = txt; *p; p++)
        cnt += *p == '\n';
    char **a = calloc(cnt, sizeof *a);
    if (!a)
        return WO_ENOMEM;
    *out = a;
    const char *p = txt;
    for (size_t i = 0; i < cnt; i++) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (!(a[i] = strndup(p, l)))
            return WO_ENOMEM;
        *n = i + 1;
        p = nl ? nl + 1 : p + l;
    }
    return 0;
}

int wo_fts_query(const char *words, char *out, size_t cap)
{
    size_t n = 0;
    int any = 0;
    const char *p = words;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p)
            break;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        size_t len = (size_t)(p - w);
        int prefix = len > 1 && w[len - 1] == '*';
        if (prefix)
            len--;
        /* worst case: every byte a doubled quote, plus  "..."* and a space */
        if (n + 2 * len + 5 > cap)
            return WO_EINVAL;
        if (any)
            out[n++] = ' ';
        out[n++] = '"';
        for (size_t i = 0; i < len; i++) {
            if (w[i] == '"')
                out[n++] = '"';
            out[n++] = w[i];
        }
        out[n++] = '"';
        if (prefix)
            out[n++] = '*';
        any = 1;
    }
    if (!any || n >= cap)
        return WO_EINVAL;
    out[n] = 0;
    return 0;
}
