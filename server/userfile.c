/*
 * userfile.c - `wo-server user import`: parse the whole CSV (libcsv, the
 * only server file that includes <csv.h>), check every line, add every
 * user in one transaction, write the codes file, and only then commit.
 *
 * Invariant: a failure at any step leaves the store as it was and no
 * codes file behind. The codes file is written and fsynced before the
 * commit, so no committed code exists that the admin never got; should
 * the commit fail, the file is removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>

#include "store.h"
#include "userfile.h"
#include "wo_err.h"
#include "wo_proto.h"

#define MAX_USERS 1000000
#define FIELD_MAX 65

struct line {
    char name[FIELD_MAX], role[16], tier[4];
    long lineno;
};

struct parse {
    struct line *v;
    size_t n, cap;
    /* the record being read */
    char field[3][FIELD_MAX];
    int nfields, too_long;
    long lineno;
    int failed;
    char *err;
    size_t errlen;
};

static void say(struct parse *p, const char *fmt, ...)
{
    va_list ap;
    if (p->failed)
        return;
    p->failed = 1;
    va_start(ap, fmt);
    vsnprintf(p->err, p->errlen, fmt, ap);
    va_end(ap);
}

int userfile_name_ok(const char *n)
{
    size_t l = strlen(n);
    if (l == 0 || l > WO_MAX_ID)
        return 0;
    for (; *n; n++)
        if (!(('a' <= *n && *n <= 'z') || ('A' <= *n && *n <= 'Z') ||
              ('0' <= *n && *n <= '9') || *n == '.' || *n == '_' ||
              *n == '-'))
            return 0;
    return 1;
}

static void on_field(void *s, size_t len, void *arg)
{
    struct parse *p = arg;
    if (p->nfields < 3) {
        if (len >= FIELD_MAX)
            p->too_long = 1;
        else {
            memcpy(p->field[p->nfields], s ? s : "", len);
            p->field[p->nfields][len] = 0;
        }
    }
    p->nfields++;
}

static int is_header(const struct parse *p, int nf)
{
    return p->n == 0 && nf >= 2 && nf <= 3 &&
           !strcasecmp(p->field[0], "name") &&
           !strcasecmp(p->field[1], "role") &&
           (nf == 2 || !strcasecmp(p->field[2], "tier"));
}

/* One whole record: check it and keep it. */
static void on_record(int c, void *arg)
{
    struct parse *p = arg;
    int nf = p->nfields;
    p->nfields = 0;
    if (p->failed || is_header(p, nf))
        goto out;
    if (nf < 2 || nf > 3) {
        say(p, "line %ld: %d field%s; each line is name,role,tier (tier "
               "may be left out)", p->lineno, nf, nf == 1 ? "" : "s");
        goto out;
    }
    if (p->too_long || !userfile_name_ok(p->field[0])) {
        say(p, "line %ld: user name '%.64s' must be 1-64 letters, digits, "
               "'.', '_' or '-'", p->lineno, p->field[0]);
        goto out;
    }
    const char *role = p->field[1];
    if (strcmp(role, "technician") && strcmp(role, "dispatcher") &&
        strcmp(role, "admin")) {
        say(p, "line %ld: role '%s' must be technician, dispatcher or "
               "admin", p->lineno, role);
        goto out;
    }
    const char *tier = nf == 3 && p->field[2][0] ? p->field[2] : "L1";
    if (strcmp(tier, "L1") && strcmp(tier, "L2") && strcmp(tier, "L3")) {
        say(p, "line %ld: tier '%s' must be L1, L2 or L3 (or empty: L1)",
            p->lineno, tier);
        goto out;
    }
    if (p->n == MAX_USERS) {
        say(p, "line %ld: more than %d users in one file; split it",
            p->lineno, MAX_USERS);
        goto out;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        struct line *v = realloc(p->v, cap * sizeof *v);
        if (!v) {
            say(p, "out of memory at line %ld", p->lineno);
            goto out;
        }
        p->v = v;
        p->cap = cap;
    }
    struct line *l = &p->v[p->n++];
    snprintf(l->name, sizeof l->name, "%s", p->field[0]);
    memcpy(l->role, role, strlen(role) + 1); /* one of three, checked */
    memcpy(l->tier, tier, 3);
    l->lineno = p->lineno;
out:
    p->too_long = 0;
    (void)c;
}

/* Read and check every line of path into p; 0 or -1 (p->err says). */
static int parse_file(const char *path, struct parse *p)
{
    struct csv_parser cp;
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    if (!f) {
        say(p, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    if (csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI)) {
        fclose(f);
        say(p, "out of memory");
        return -1;
    }
    /* a line at a time, so that a record's end knows its line */
    while (!p->failed && (len = getline(&buf, &cap, f)) > 0) {
        p->lineno++;
        if (memchr(buf, 0, (size_t)len))
            say(p, "line %ld: a NUL byte: this is not a text file",
                p->lineno);
        else if (csv_parse(&cp, buf, (size_t)len, on_field, on_record, p) !=
                 (size_t)len)
            say(p, "line %ld: %s", p->lineno, csv_strerror(csv_error(&cp)));
    }
    if (!p->failed && ferror(f))
        say(p, "cannot read %s: %s", path, strerror(errno));
    if (!p->failed && csv_fini(&cp, on_field, on_record, p))
        say(p, "line %ld: %s", p->lineno, csv_strerror(csv_error(&cp)));
    if (!p->failed && p->n == 0)
        say(p, "%s holds no users (one a line: name,role,tier)", path);
    csv_free(&cp);
    free(buf);
    fclose(f);
    return p->failed ? -1 : 0;
}

static int by_name(const void *a, const void *b)
{
    const struct line *const *x = a, *const *y = b;
    int c = strcmp((*x)->name, (*y)->name);
    return c ? c : ((*x)->lineno > (*y)->lineno) - ((*x)->lineno < (*y)->lineno);
}

/* A name given twice in the file: say both lines. */
static int find_twice(struct parse *p)
{
    const struct line **s = malloc(p->n * sizeof *s);
    int rc = 0;
    if (!s) {
        say(p, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < p->n; i++)
        s[i] = &p->v[i];
    qsort(s, p->n, sizeof *s, by_name);
    for (size_t i = 1; i < p->n && !rc; i++)
        if (!strcmp(s[i]->name, s[i - 1]->name)) {
            say(p, "line %ld: user '%s' is already on line %ld",
                s[i]->lineno, s[i]->name, s[i - 1]->lineno);
            rc = -1;
        }
    free(s);
    return rc;
}

/* "name,code" per user into a new file of mode 0600; 0 or errno. */
static int write_codes(const char *path, const struct parse *p,
                       char (*codes)[STORE_CODE_LEN])
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno;
    FILE *f = fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int e = errno;
        close(fd);
        unlink(path);
        return e;
    }
    fputs("name,code\n", f);
    for (size_t i = 0; i < p->n; i++)
        fprintf(f, "%s,%s\n", p->v[i].name, codes[i]);
    int e = fflush(f) || fsync(fileno(f)) ? errno : 0;
    if (fclose(f) && !e)
        e = errno;
    if (e)
        unlink(path);
    return e;
}

int userfile_import(struct store *st, const char *csv_path,
                    const char *codes_path, int64_t now, int64_t ttl_ms,
                    size_t *added, char *err, size_t errlen)
{
    struct parse p = {.err = err, .errlen = errlen};
    struct store_new_user *u = NULL;
    char (*codes)[STORE_CODE_LEN] = NULL;
    struct stat sb;
    size_t bad;
    int rc = WO_EINVAL;
    *added = 0;
    if (stat(codes_path, &sb) == 0) {
        say(&p, "%s exists; the codes go to a new file: move it away or "
                "name another with --codes FILE", codes_path);
        goto out;
    }
    if (parse_file(csv_path, &p) || find_twice(&p))
        goto out;
    u = calloc(p.n, sizeof *u);
    codes = calloc(p.n, sizeof *codes);
    if (!u || !codes) {
        rc = WO_ENOMEM;
        say(&p, "out of memory for %zu users", p.n);
        goto out;
    }
    for (size_t i = 0; i < p.n; i++)
        u[i] = (struct store_new_user){p.v[i].name, p.v[i].role,
                                       p.v[i].tier};
    rc = store_user_import(st, u, p.n, now, ttl_ms, codes, &bad);
    if (rc == WO_EEXIST) {
        say(&p, "line %ld: user '%s' already exists ('wo-server user code "
                "%s' makes a new code for an existing user)",
            p.v[bad].lineno, p.v[bad].name, p.v[bad].name);
        goto out;
    }
    if (rc) {
        say(&p, "cannot add the users: %s (%s)", wo_strerror(rc),
            store_errmsg(st));
        goto out;
    }
    int e = write_codes(codes_path, &p, codes);
    if (e) {
        store_rollback(st);
        rc = WO_EIO;
        say(&p, "cannot write the codes to %s: %s", codes_path, strerror(e));
        goto out;
    }
    if ((rc = store_commit(st))) {
        say(&p, "cannot commit: %s (%s)", wo_strerror(rc), store_errmsg(st));
        store_rollback(st);
        unlink(codes_path);
        goto out;
    }
    *added = p.n;
out:
    if (codes)
        memset(codes, 0, p.n * sizeof *codes);
    free(codes);
    free(u);
    free(p.v);
    return rc;
}
