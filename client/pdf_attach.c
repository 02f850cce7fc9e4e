/*
 * pdf_attach.c - attach a file to a finished PDF by an incremental update,
 * and find it again (see pdf_attach.h for what is and is not handled).
 *
 * The PDF is bytes, not a C string (streams may hold NUL), so every scan
 * here is bounded by an end pointer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pdf_attach.h"
#include "wo_err.h"

typedef const char *cp;

struct pdf {
    cp b, e;            /* the whole file */
    char *err;
    size_t errlen;
};

static int fail(struct pdf *p, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct pdf *p, int rc, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(p->err, p->errlen, "PDF: ");
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < p->errlen)
        vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return rc;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' ||
           c == 0;
}

static int is_delim(char c)
{
    return is_ws(c) || strchr("()<>[]{}/%", c) != NULL;
}

static cp skip_ws(cp s, cp e)
{
    while (s < e && is_ws(*s))
        s++;
    return s;
}

/* The last occurrence of word in [b, e), or NULL. */
static cp find_last(cp b, cp e, const char *word)
{
    size_t n = strlen(word);
    for (cp s = e - (ptrdiff_t)n; s >= b; s--)
        if (!memcmp(s, word, n))
            return s;
    return NULL;
}

/* A non-negative decimal at s; the end in *end. -1 if none. */
static long long num(cp s, cp e, cp *end)
{
    long long v = 0;
    cp t = s;
    while (t < e && *t >= '0' && *t <= '9' && v < (1LL << 50))
        v = v * 10 + (*t++ - '0');
    if (t == s)
        return -1;
    if (end)
        *end = t;
    return v;
}

/*
 * Past the value starting at s (after skipping blanks): a dictionary, an
 * array, a string, a name, a number or keyword. NULL if it runs off e.
 */
static cp skip_value(cp s, cp e)
{
    s = skip_ws(s, e);
    if (s >= e)
        return NULL;
    if (*s == '(') {
        int depth = 0;
        for (; s < e; s++) {
            if (*s == '\\')
                s++;
            else if (*s == '(')
                depth++;
            else if (*s == ')' && --depth == 0)
                return s + 1;
        }
        return NULL;
    }
    if (s + 1 < e && s[0] == '<' && s[1] == '<') {
        s += 2;
        for (;;) {
            s = skip_ws(s, e);
            if (s + 1 < e && s[0] == '>' && s[1] == '>')
                return s + 2;
            if (!(s = skip_value(s, e)))
                return NULL;
        }
    }
    if (*s == '<') {
        cp t = memchr(s, '>', (size_t)(e - s));
        return t ? t + 1 : NULL;
    }
    if (*s == '[') {
        s++;
        for (;;) {
            s = skip_ws(s, e);
            if (s < e && *s == ']')
                return s + 1;
            if (!(s = skip_value(s, e)))
                return NULL;
        }
    }
    cp t = s;
    if (*t == '/')
        t++;
    while (t < e && !is_delim(*t))
        t++;
    if (t == s)
        return NULL;
    /* an indirect reference "N G R" is one value */
    cp u, w;
    if (num(s, e, &u) >= 0 && u == t) {
        w = skip_ws(u, e);
        if (w > u && num(w, e, &u) >= 0) {
            w = skip_ws(u, e);
            if (w > u && w < e && *w == 'R' && (w + 1 == e || is_delim(w[1])))
                return w + 1;
        }
    }
    return t;
}

/*
 * In the dictionary [d, de) ("<<" to past ">>"), the value of key
 * ("/Root"), skipping nested values so that only the top level matches.
 * NULL when absent.
 */
static cp dict_get(cp d, cp de, const char *key)
{
    size_t kl = strlen(key);
    cp s = d + 2;
    for (;;) {
        s = skip_ws(s, de);
        if (s + 1 >= de || (s[0] == '>' && s[1] == '>') || *s != '/')
            return NULL;
        cp k = s;
        cp v = skip_value(s, de);   /* past the key */
        if (!v)
            return NULL;
        if ((size_t)(v - k) == kl && !memcmp(k, key, kl))
            return skip_ws(v, de);
        if (!(s = skip_value(v, de)))
            return NULL;
    }
}

/* An indirect reference "N G R" at s: N, or -1. */
static long long ref_at(cp s, cp e)
{
    cp t;
    long long n;
    if (!s || (n = num(s, e, &t)) < 0)
        return -1;
    t = skip_ws(t, e);
    if (num(t, e, &t) < 0)
        return -1;
    t = skip_ws(t, e);
    return t < e && *t == 'R' ? n : -1;
}

/* The trailer dictionary of the xref section at off, as [*d, *de). */
static int trailer_at(struct pdf *p, long long off, cp *d, cp *de)
{
    if (off < 0 || p->e - p->b - off < 4 || memcmp(p->b + off, "xref", 4))
        return fail(p, WO_EPROTO, "no xref table at offset %lld (only "
                    "classic xref tables are read)", off);
    cp t = p->b + off, end = p->e;
    /* the trailer follows the table; find it past the entries */
    cp tr = NULL;
    for (cp s = t; s + 7 <= end; s++)
        if (!memcmp(s, "trailer", 7)) {
            tr = s;
            break;
        }
    if (!tr)
        return fail(p, WO_EPROTO, "xref at %lld has no trailer", off);
    *d = skip_ws(tr + 7, end);
    if (*d + 2 > end || memcmp(*d, "<<", 2) || !(*de = skip_value(*d, end)))
        return fail(p, WO_EPROTO, "malformed trailer at %lld", off);
    return 0;
}

/* The offset of object n in the latest revision, following /Prev. */
static int obj_offset(struct pdf *p, long long xref, long long n,
                      long long *out)
{
    for (int hops = 0; hops < 64; hops++) {
        cp d, de;
        int rc = trailer_at(p, xref, &d, &de);
        if (rc)
            return rc;
        cp s = skip_ws(p->b + xref + 4, p->e);
        /* subsections: "start count" then count 20-byte entries */
        for (;;) {
            cp t;
            long long start = num(s, p->e, &t), cnt;
            if (start < 0)
                break;
            t = skip_ws(t, p->e);
            if ((cnt = num(t, p->e, &t)) < 0)
                return fail(p, WO_EPROTO, "malformed xref subsection");
            s = skip_ws(t, p->e);
            if (cnt > (p->e - s) / 20)
                return fail(p, WO_EPROTO, "xref subsection runs past the "
                            "end of the file");
            if (n >= start && n < start + cnt) {
                cp ent = s + (n - start) * 20;
                long long o = num(ent, p->e, NULL);
                if (ent[17] != 'n' || o < 0)
                    return fail(p, WO_EPROTO, "object %lld is free", n);
                *out = o;
                return 0;
            }
            s += cnt * 20;
        }
        cp prev = dict_get(d, de, "/Prev");
        if (!prev)
            break;
        xref = num(prev, de, NULL);
    }
    return fail(p, WO_EPROTO, "object %lld is not in any xref table", n);
}

/* The dictionary of object n: [*d, *de) from "<<" to past ">>". */
static int obj_dict(struct pdf *p, long long xref, long long n, cp *d,
                    cp *de)
{
    long long off = 0;
    int rc = obj_offset(p, xref, n, &off);
    if (rc)
        return rc;
    if (off >= p->e - p->b)
        return fail(p, WO_EPROTO, "object %lld lies past the end", n);
    cp s = p->b + off, t = s;
    if (num(s, p->e, &t) != n)
        return fail(p, WO_EPROTO, "object %lld is not where the xref says",
                    n);
    t = skip_ws(t, p->e);
    if (num(t, p->e, &t) < 0)
        return fail(p, WO_EPROTO, "object %lld has no generation", n);
    t = skip_ws(t, p->e);
    if (p->e - t < 3 || memcmp(t, "obj", 3))
        return fail(p, WO_EPROTO, "object %lld: 'obj' expected", n);
    *d = skip_ws(t + 3, p->e);
    if (p->e - *d < 2 || memcmp(*d, "<<", 2) ||
        !(*de = skip_value(*d, p->e)))
        return fail(p, WO_EPROTO, "object %lld is not a dictionary", n);
    return 0;
}

/* The xref offset named by the last startxref. */
static int last_xref(struct pdf *p, long long *xref)
{
    cp sx = find_last(p->b, p->e, "startxref");
    if (!sx || (*xref = num(skip_ws(sx + 9, p->e), p->e, NULL)) < 0)
        return fail(p, WO_EPROTO, "no startxref: not a complete PDF");
    return 0;
}

/* ---- writing ------------------------------------------------------------ */

struct out {
    char *p;
    size_t len, cap;
    int oom;
};

static void put(struct out *o, const void *s, size_t n)
{
    if (o->oom)
        return;
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n)
            cap *= 2;
        char *np = realloc(o->p, cap);
        if (!np) {
            o->oom = 1;
            return;
        }
        o->p = np;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void putf(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void putf(struct out *o, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        o->oom = 1; /* only short, known texts are formatted here */
    else
        put(o, buf, (size_t)n);
}

/* Text for a PDF literal string: printable ASCII without ()\. */
static int plain(const char *s)
{
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7e || strchr("()\\", *s))
            return 0;
    return 1;
}

int pdf_attach(const uint8_t *pdf, size_t len, const struct pdf_file *f,
               uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
    struct pdf p = {(cp)pdf, (cp)pdf + len, err, errlen};
    struct out o = {0};
    long long xref, size, root;
    cp td, tde, cd, cde, v;
    int rc;

    *out = NULL;
    if (!plain(f->name) || !plain(f->desc) || !plain(f->mime) ||
        !strchr(f->mime, '/'))
        return fail(&p, WO_EINVAL, "attachment name, type or description "
                    "is not plain ASCII");
    if ((rc = last_xref(&p, &xref)) || (rc = trailer_at(&p, xref, &td, &tde)))
        return rc == WO_EPROTO ? WO_EINVAL : rc;
    if ((size = num(dict_get(td, tde, "/Size"), tde, NULL)) <= 0 ||
        (root = ref_at(dict_get(td, tde, "/Root"), tde)) <= 0)
        return fail(&p, WO_EINVAL, "trailer lacks /Size or /Root");
    if ((rc = obj_dict(&p, xref, root, &cd, &cde)))
        return WO_EINVAL;
    if (dict_get(cd, cde, "/Names") || dict_get(cd, cde, "/AF"))
        return fail(&p, WO_EINVAL, "the catalog already has /Names or /AF");

    long long ef = size, fs = size + 1, tree = size + 2;
    size_t off_ef, off_fs, off_tree, off_cat, off_xref;
    char date[32];
    time_t t = (time_t)(f->mtime_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "D:%Y%m%d%H%M%SZ", &tm);

    put(&o, pdf, len);
    if (len && pdf[len - 1] != '\n')
        put(&o, "\n", 1);
    /* the mime type as a PDF name: '/' is written #2F */
    const char *slash = strchr(f->mime, '/');
    off_ef = o.len;
    putf(&o, "%lld 0 obj\n<< /Type /EmbeddedFile /Subtype /%.*s#2F%s "
             "/Length %zu /Params << /Size %zu /ModDate (%s) >> >>\nstream\n",
         ef, (int)(slash - f->mime), f->mime, slash + 1, f->len, f->len,
         date);
    put(&o, f->data, f->len);
    putf(&o, "\nendstream\nendobj\n");
    off_fs = o.len;
    putf(&o, "%lld 0 obj\n<< /Type /Filespec /F (%s) /UF (%s) /Desc (%s) "
             "/AFRelationship /Data /EF << /F %lld 0 R /UF %lld 0 R >> >>\n"
             "endobj\n",
         fs, f->name, f->name, f->desc, ef, ef);
    off_tree = o.len;
    putf(&o, "%lld 0 obj\n<< /Names [(%s) %lld 0 R] >>\nendobj\n", tree,
         f->name, fs);
    /* the catalog again, as it was plus the attachment */
    off_cat = o.len;
    putf(&o, "%lld 0 obj\n", root);
    put(&o, cd, (size_t)(cde - 2 - cd));
    putf(&o, " /Names << /EmbeddedFiles %lld 0 R >> /AF [%lld 0 R] >>\n"
             "endobj\n", tree, fs);
    off_xref = o.len;
    putf(&o, "xref\n0 1\n0000000000 65535 f \n%lld 1\n%010zu 00000 n \n"
             "%lld 3\n%010zu 00000 n \n%010zu 00000 n \n%010zu 00000 n \n",
         root, off_cat, ef, off_ef, off_fs, off_tree);
    putf(&o, "trailer\n<< /Size %lld /Root %lld 0 R", size + 3, root);
    long long info = ref_at(dict_get(td, tde, "/Info"), tde);
    if (info > 0)
        putf(&o, " /Info %lld 0 R", info);
    if ((v = dict_get(td, tde, "/ID"))) {
        cp ve = skip_value(v, tde);
        put(&o, " /ID ", 5);
        if (ve)
            put(&o, v, (size_t)(ve - v));
    }
    putf(&o, " /Prev %lld >>\nstartxref\n%zu\n%%%%EOF\n", xref, off_xref);
    if (o.oom) {
        free(o.p);
        return WO_ENOMEM;
    }
    *out = (uint8_t *)o.p;
    *outlen = o.len;
    return 0;
}

/* ---- reading ------------------------------------------------------------ */

int pdf_attachment(const uint8_t *pdf, size_t len, const char *name,
                   const uint8_t **data, size_t *n, char *err, size_t errlen)
{
    struct pdf p = {(cp)pdf, (cp)pdf + len, err, errlen};
    long long xref, root, tree, fs, ef, flen;
    cp d, de, v;
    int rc;

    if ((rc = last_xref(&p, &xref)) || (rc = trailer_at(&p, xref, &d, &de)))
        return rc;
    if ((root = ref_at(dict_get(d, de, "/Root"), de)) <= 0)
        return fail(&p, WO_EPROTO, "the trailer names no /Root");
    if ((rc = obj_dict(&p, xref, root, &d, &de)))
        return rc;
    v = dict_get(d, de, "/Names");
    if (!v)
        return fail(&p, WO_ENOTFOUND, "no attached files (the catalog has "
                    "no /Names)");
    if (de - v < 2 || memcmp(v, "<<", 2))
        return fail(&p, WO_EPROTO, "/Names is not a direct dictionary (not "
                    "written by wo)");
    cp ne = skip_value(v, de);
    if (!ne || (tree = ref_at(dict_get(v, ne, "/EmbeddedFiles"), ne)) <= 0)
        return fail(&p, WO_ENOTFOUND, "no attached files");
    if ((rc = obj_dict(&p, xref, tree, &d, &de)))
        return rc;
    /* /Names [(name) N 0 R ...]: literal names only, as wo writes them */
    v = dict_get(d, de, "/Names");
    if (!v || *v != '[')
        return fail(&p, WO_EPROTO, "the attachment list is not a flat "
                    "/Names array (not written by wo)");
    fs = -1;
    size_t nl = strlen(name);
    for (cp s = skip_ws(v + 1, de); s < de && *s == '(';) {
        cp se = skip_value(s, de);
        if (!se)
            break;
        cp r = skip_ws(se, de);
        if ((size_t)(se - s) == nl + 2 && !memcmp(s + 1, name, nl)) {
            fs = ref_at(r, de);
            break;
        }
        /* past "N G R" */
        if (!(r = skip_value(r, de)))
            break;
        s = skip_ws(r, de);
    }
    if (fs <= 0)
        return fail(&p, WO_ENOTFOUND, "no attachment called %s", name);
    if ((rc = obj_dict(&p, xref, fs, &d, &de)))
        return rc;
    v = dict_get(d, de, "/EF");
    cp efe = v ? skip_value(v, de) : NULL;
    if (!efe || (ef = ref_at(dict_get(v, efe, "/F"), efe)) <= 0)
        return fail(&p, WO_EPROTO, "attachment %s has no /EF /F stream",
                    name);
    if ((rc = obj_dict(&p, xref, ef, &d, &de)))
        return rc;
    v = dict_get(d, de, "/Type");
    if (!v || de - v < 13 || memcmp(v, "/EmbeddedFile", 13))
        return fail(&p, WO_EPROTO, "object %lld is not an /EmbeddedFile", ef);
    if (dict_get(d, de, "/Filter"))
        return fail(&p, WO_EPROTO, "attachment %s is compressed (wo writes "
                    "it uncompressed, so it was rewritten)", name);
    v = dict_get(d, de, "/Length");
    flen = v ? num(v, de, &v) : -1;
    /* a direct length is followed by the next key or the end: "N 0 R"
     * (an indirect length) is not what wo writes */
    if (flen < 0 || (*skip_ws(v, de) != '/' && *skip_ws(v, de) != '>'))
        return fail(&p, WO_EPROTO, "attachment %s has no direct /Length",
                    name);
    cp s = skip_ws(de, p.e);
    if (p.e - s < 6 || memcmp(s, "stream", 6))
        return fail(&p, WO_EPROTO, "attachment %s: 'stream' expected", name);
    s += 6;
    if (s < p.e && *s == '\r')
        s++;
    if (s >= p.e || *s != '\n')
        return fail(&p, WO_EPROTO, "attachment %s: no end of line after "
                    "'stream'", name);
    s++;
    if (flen > p.e - s)
        return fail(&p, WO_EPROTO, "attachment %s is cut short", name);
    cp se = skip_ws(s + flen, p.e);
    if (p.e - se < 9 || memcmp(se, "endstream", 9))
        return fail(&p, WO_EPROTO, "attachment %s: its /Length does not end "
                    "at 'endstream'", name);
    *data = (const uint8_t *)s;
    *n = (size_t)flen;
    return 0;
}
