/* Schema tests: every migration applies to an empty database, every named
 * query of both stores prepares, re-opening is a no-op, a read-only
 * connection writes nothing and never migrates, and a database newer
 * than the program is refused; database files are private and a
 * file that is not a database of ours is refused, never written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "wo_err.h"
#include "wo_sqlkit.h"

extern const struct wo_sqlfile wo_server_sql[];
extern const struct wo_sqlfile wo_replica_sql[];

/* Every "-- name: X" in queries.sql, so the test needs no second list. */
static size_t names_of(const struct wo_sqlfile *f, char **names, size_t max)
{
    size_t n = 0;
    for (; f->name; f++) {
        if (strcmp(f->name, "queries.sql"))
            continue;
        for (const char *p = f->text; (p = strstr(p, "-- name: ")) && n < max;
             p++) {
            const char *s = p + 9, *e = strchr(s, '\n');
            names[n++] = strndup(s, (size_t)(e - s));
        }
    }
    return n;
}

/* Remove the database at path with its -wal and -shm, and its
 * directory dir. */
static void remove_db(const char *dir, const char *path)
{
    char side[300];
    const char *ext[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(side, sizeof side, "%s%s", path, ext[i]);
        unlink(side);
    }
    rmdir(dir);
}

static void check(const struct wo_sqlfile *files)
{
    char dir[] = "/tmp/wo-schema-XXXXXX", path[64], err[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/db", dir);
    char *names[256];
    size_t n = names_of(files, names, 256);
    assert_true(n > 10);
    struct wo_db *db;
    assert_int_equal(wo_db_open(path, WO_DB_EXISTING, files,
                                (const char *const *)names, n, &db, err,
                                sizeof err), WO_ENOTFOUND);
    assert_int_equal(wo_db_open(path, WO_DB_CREATE, files,
                                (const char *const *)names, n, &db, err,
                                sizeof err), 0);
    int v = wo_db_version(db);
    assert_true(v >= 1);
    /* every named query compiles (wo_db_open only finds them) */
    assert_int_equal(wo_db_prepare_all(db, err, sizeof err), 0);
    wo_db_close(db);
    assert_int_equal(wo_db_open(path, WO_DB_EXISTING, files,
                                (const char *const *)names, n, &db, err,
                                sizeof err), 0);
    assert_int_equal(wo_db_version(db), v);
    /* read-only, beside the writer: every query prepares, no write goes */
    struct wo_db *ro;
    assert_int_equal(wo_db_open(path, WO_DB_READONLY, files,
                                (const char *const *)names, n, &ro, err,
                                sizeof err), 0);
    assert_int_equal(wo_db_version(ro), v);
    assert_int_equal(wo_db_prepare_all(ro, err, sizeof err), 0);
    assert_int_equal(sqlite3_exec(wo_db_handle(ro), "CREATE TABLE t(x)", 0,
                                  0, 0), SQLITE_READONLY);
    wo_db_close(ro);
    /* a reader never migrates: an older schema is refused */
    char older[64];
    snprintf(older, sizeof older, "PRAGMA user_version = %d", v - 1);
    assert_int_equal(sqlite3_exec(wo_db_handle(db), older, 0, 0, 0), 0);
    assert_int_equal(wo_db_open(path, WO_DB_READONLY, files,
                                (const char *const *)names, n, &ro, err,
                                sizeof err), WO_ESCHEMA);
    assert_non_null(strstr(err, "older"));
    assert_int_equal(sqlite3_exec(wo_db_handle(db),
                                  "PRAGMA user_version = 999", 0, 0, 0), 0);
    wo_db_close(db);
    assert_int_equal(wo_db_open(path, WO_DB_EXISTING, files,
                                (const char *const *)names, n, &db, err,
                                sizeof err), WO_ESCHEMA);
    assert_non_null(strstr(err, "newer"));
    const char *missing = "no_such_query";
    unlink(path);
    assert_int_not_equal(wo_db_open(path, WO_DB_CREATE, files, &missing, 1,
                                    &db, err, sizeof err), 0);
    assert_non_null(strstr(err, "no_such_query"));
    /* the failed open removed the file it had created */
    assert_int_not_equal(access(path, F_OK), 0);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    remove_db(dir, path);
}

static const char *const no_names[] = {NULL};

/* A file made by wo_db_open is 0600 whatever the umask; a file that is
 * there and is not a database of ours is refused in both modes and left
 * exactly as it was; a directory others can write is refused. */
static void test_files(void **st)
{
    char dir[] = "/tmp/wo-schema-XXXXXX", path[64], err[512];
    struct wo_db *db;
    struct stat sb;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/db", dir);
    mode_t old = umask(022);
    assert_int_equal(wo_db_open(path, WO_DB_CREATE, wo_replica_sql, no_names,
                                0, &db, err, sizeof err), 0);
    umask(old);
    wo_db_close(db);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    /* an older version's 0644 file is made private */
    chmod(path, 0644);
    assert_int_equal(wo_db_open(path, WO_DB_EXISTING, wo_replica_sql,
                                no_names, 0, &db, err, sizeof err), 0);
    wo_db_close(db);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    static const struct {
        const char *bytes, *says;
    } bad[] = {{"", "empty"}, {"not a database, just text\n", "not an SQLite"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        for (int how = WO_DB_EXISTING; how <= WO_DB_CREATE; how++) {
            FILE *f = fopen(path, "w");
            assert_non_null(f);
            fputs(bad[i].bytes, f);
            fclose(f);
            assert_int_equal(wo_db_open(path, (enum wo_db_how)how,
                                        wo_replica_sql, no_names, 0, &db, err,
                                        sizeof err), WO_EEXIST);
            assert_null(db);
            assert_non_null(strstr(err, bad[i].says));
            assert_int_equal(stat(path, &sb), 0);
            assert_int_equal((size_t)sb.st_size, strlen(bad[i].bytes));
        }
    unlink(path);

    chmod(dir, 01777);
    assert_int_equal(wo_db_open(path, WO_DB_CREATE, wo_replica_sql, no_names,
                                0, &db, err, sizeof err), WO_EPERM);
    assert_non_null(strstr(err, "chmod 700"));
    assert_int_not_equal(access(path, F_OK), 0);
    chmod(dir, 0700);
    rmdir(dir);
}

/* Queries are compiled on first use: an open finds them all, a broken one
 * is named by wo_db_prepare_all() and its wo_db_stmt() is NULL, on which
 * binds do nothing and a step fails instead of crashing; the good one
 * still works. */
static void test_lazy_prepare(void **st)
{
    static const struct wo_sqlfile files[] = {
        {"001_t.sql", "CREATE TABLE t(x);"},
        {"queries.sql", "-- name: good\nSELECT count(*) FROM t;\n"
                        "-- name: broken\nSELECT y FROM nowhere;\n"},
        {NULL, NULL},
    };
    const char *const names[] = {"good", "broken"};
    char dir[] = "/tmp/wo-schema-XXXXXX", path[64], err[512];
    struct wo_db *db;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/db", dir);
    assert_int_equal(wo_db_open(path, WO_DB_CREATE, files, names, 2, &db, err,
                                sizeof err), 0);
    sqlite3_stmt *q = wo_db_stmt(db, 0);
    assert_non_null(q);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 0);
    assert_null(wo_db_stmt(db, 1));
    wo_db_bind_int(wo_db_stmt(db, 1), ":x", 1);   /* no abort */
    assert_int_equal(wo_db_exec(wo_db_stmt(db, 1)), WO_EIO);
    assert_int_equal(sqlite3_step(wo_db_stmt(db, 1)), SQLITE_MISUSE);
    assert_int_equal(wo_db_prepare_all(db, err, sizeof err), WO_EIO);
    assert_non_null(strstr(err, "broken"));
    assert_non_null(strstr(err, "nowhere"));
    wo_db_close(db);
    remove_db(dir, path);
}

/* User words become FTS5 phrases: no word is read as query syntax. */
static void test_fts_query(void **st)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"fan motor", "\"fan\" \"motor\""},
        {"  compress*\t", "\"compress\"*"},
        {"say \"hi", "\"say\" \"\"\"hi\""},
        {"AND ( OR", "\"AND\" \"(\" \"OR\""},
        {"*", "\"*\""},
    };
    char out[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(wo_fts_query(cases[i].in, out, sizeof out), 0);
        assert_string_equal(out, cases[i].out);
    }
    assert_int_equal(wo_fts_query("", out, sizeof out), WO_EINVAL);
    assert_int_equal(wo_fts_query(" \n ", out, sizeof out), WO_EINVAL);
    assert_int_equal(wo_fts_query("abcdefghij", out, 12), WO_EINVAL);

    /* and SQLite's FTS5 accepts every one of them */
    sqlite3 *db;
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE k USING fts5(a);"
                                      "INSERT INTO k VALUES ('fan motor "
                                      "compressor');", 0, 0, 0), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM k WHERE k "
                                            "MATCH ?", -1, &q, 0), SQLITE_OK);
    int expect[] = {1, 1, 0, 0, 0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(wo_fts_query(cases[i].in, out, sizeof out), 0);
        sqlite3_bind_text(q, 1, out, -1, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(q, 0), expect[i]);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static int sync_level(struct wo_db *db)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(wo_db_handle(db), "PRAGMA synchronous",
                                        -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* A lazy transaction commits at synchronous=NORMAL (1), and every other
 * transaction, before and after it, at FULL (2): after its commit, after
 * its rollback, the second and later times too (SQLite applies this
 * pragma when it compiles it, so a kept statement changed it only
 * now and then). */
static void test_lazy_level(void **st)
{
    char dir[] = "/tmp/wo-schema-XXXXXX", path[64], err[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/db", dir);
    struct wo_db *db;
    assert_int_equal(wo_db_open(path, WO_DB_CREATE, wo_server_sql, no_names,
                                0, &db, err, sizeof err), 0);
    assert_int_equal(sync_level(db), 2);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(wo_db_begin_lazy(db), 0);
        assert_int_equal(sync_level(db), 1);
        assert_int_equal(wo_db_commit(db), 0);
        assert_int_equal(sync_level(db), 2);
        assert_int_equal(wo_db_begin(db), 0);
        assert_int_equal(sync_level(db), 2);
        assert_int_equal(wo_db_commit(db), 0);
        assert_int_equal(wo_db_begin_lazy(db), 0);
        wo_db_rollback(db);
        assert_int_equal(sync_level(db), 2);
    }
    int all = 0;
    assert_int_equal(wo_db_settle(db, &all), 0);
    assert_true(all);
    wo_db_close(db);
    remove_db(dir, path);
}

static void test_server(void **st) { check(wo_server_sql); }
static void test_replica(void **st) { check(wo_replica_sql); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fts_query),
        cmocka_unit_test(test_server),
        cmocka_unit_test(test_replica),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_lazy_prepare),
        cmocka_unit_test(test_lazy_level),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
