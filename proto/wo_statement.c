/*
 * wo_statement.c - canonical record hashes and signed statements.
 *
 * Record encoding: each field as "<byte length>:<bytes>," (a netstring
 * without the trailing newline), integers in decimal, absent text as the
 * empty string. A list (serials) is its count as a field, then each item.
 * The statement itself is line-based text; see docs/protocol.md.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "wo_crypto.h"
#include "wo_statement.h"

/* ---- record hashes ----------------------------------------------------- */

static void h_str(EVP_MD_CTX *c, const char *s)
{
    char len[24];
    s = s ? s : "";
    int n = snprintf(len, sizeof len, "%zu:", strlen(s));
    EVP_DigestUpdate(c, len, (size_t)n);
    EVP_DigestUpdate(c, s, strlen(s));
    EVP_DigestUpdate(c, ",", 1);
}

static void h_int(EVP_MD_CTX *c, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    h_str(c, buf);
}

static EVP_MD_CTX *h_begin(const char *kind, int64_t wo, const char *id)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
        abort(); /* OpenSSL out of memory: nothing sane to hash with */
    h_str(c, kind);
    h_str(c, id);
    h_int(c, wo);
    return c;
}

static void h_end(EVP_MD_CTX *c, char out[65])
{
    uint8_t d[32];
    unsigned int n = 32;
    EVP_DigestFinal_ex(c, d, &n);
    EVP_MD_CTX_free(c);
    wo_hex(d, 32, out);
}

void wo_hash_visit(int64_t wo, const struct wo_visit *v, char out[65])
{
    EVP_MD_CTX *c = h_begin("visit", wo, v->id);
    h_str(c, v->tech);
    h_int(c, v->started_at);
    h_int(c, v->ended_at);
    h_str(c, v->outcome);
    h_end(c, out);
}

void wo_hash_part(int64_t wo, const struct wo_part *p, char out[65])
{
    EVP_MD_CTX *c = h_begin("part", wo, p->id);
    h_str(c, p->author);
    h_int(c, p->at);
    h_str(c, p->part_no);
    h_int(c, p->qty);
    h_str(c, p->desc);
    h_int(c, (int64_t)p->n_serials);
    for (size_t i = 0; i < p->n_serials; i++)
        h_str(c, p->serials[i]);
    h_end(c, out);
}

void wo_hash_note(int64_t wo, const struct wo_note *n, char out[65])
{
    EVP_MD_CTX *c = h_begin("note", wo, n->id);
    h_str(c, n->author);
    h_int(c, n->at);
    h_str(c, n->text);
    h_end(c, out);
}

void wo_hash_void(int64_t wo, const struct wo_void *v, char out[65])
{
    EVP_MD_CTX *c = h_begin("void", wo, v->id);
    h_str(c, v->ref);
    h_str(c, v->author);
    h_int(c, v->at);
    h_str(c, v->reason);
    h_end(c, out);
}

/* ---- building ---------------------------------------------------------- */

struct sb {
    char *p;
    size_t len, cap;
    int oom;
};

static void sb_add(struct sb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void sb_add(struct sb *b, const char *fmt, ...)
{
    va_list ap;
    if (b->oom)
        return;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL,
                          b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap <= b->len + (size_t)n)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
}

static int has_ctl(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

struct rec {
    const char *kind;
    const char *id;
    char hash[65];
};

static int rec_cmp(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    int k = strcmp(x->kind, y->kind);
    return k ? k : strcmp(x->id, y->id);
}

/* All records of o with their hashes, sorted by kind then id. */
static struct rec *collect(const struct wo_order *o, size_t *n)
{
    size_t cnt = o->n_visits + o->n_parts + o->n_notes + o->n_voids, k = 0;
    struct rec *r = calloc(cnt ? cnt : 1, sizeof *r);
    if (!r)
        return NULL;
    for (size_t i = 0; i < o->n_visits; i++, k++) {
        r[k].kind = "visit";
        r[k].id = o->visits[i].id;
        wo_hash_visit(o->id, &o->visits[i], r[k].hash);
    }
    for (size_t i = 0; i < o->n_parts; i++, k++) {
        r[k].kind = "part";
        r[k].id = o->parts[i].id;
        wo_hash_part(o->id, &o->parts[i], r[k].hash);
    }
    for (size_t i = 0; i < o->n_notes; i++, k++) {
        r[k].kind = "note";
        r[k].id = o->notes[i].id;
        wo_hash_note(o->id, &o->notes[i], r[k].hash);
    }
    for (size_t i = 0; i < o->n_voids; i++, k++) {
        r[k].kind = "void";
        r[k].id = o->voids[i].id;
        wo_hash_void(o->id, &o->voids[i], r[k].hash);
    }
    qsort(r, cnt, sizeof *r, rec_cmp);
    *n = cnt;
    return r;
}

/* The closing lines: who signed, as which role, when, and the verdict.
 * WO_EINVAL for an unknown role or a signer with a control character. */
static int add_meta(struct sb *b, const struct wo_stmt_meta *m)
{
    int recipient;
    if (!m->role || !m->signer || !*m->signer || has_ctl(m->signer))
        return WO_EINVAL;
    if (!strcmp(m->role, "recipient"))
        recipient = 1;
    else if (!strcmp(m->role, "technician"))
        recipient = 0;
    else
        return WO_EINVAL;
    sb_add(b, "role %s\nsigner %s\ndevice %" PRId64 "\nsigned-at %" PRId64
              "\n",
           m->role, m->signer, m->device_id, m->signed_at);
    if (!recipient)
        return 0;
    sb_add(b, "satisfied %s\n", m->satisfied ? "yes" : "no");
    if (m->comment && *m->comment) {
        size_t cl = strlen(m->comment);
        char *hex = malloc(2 * cl + 1);
        if (!hex) {
            b->oom = 1;
            return 0;
        }
        wo_hex((const uint8_t *)m->comment, cl, hex);
        sb_add(b, "comment %s\n", hex);
        free(hex);
    }
    return 0;
}

int wo_statement_build(const struct wo_order *o, const struct wo_stmt_meta *m,
                       char **out)
{
    struct sb b = {0};
    size_t n = 0;

    *out = NULL;
    struct rec *r = collect(o, &n);
    if (!r)
        return WO_ENOMEM;
    sb_add(&b, "wo-statement/1\norder %" PRId64 "\n", o->id);
    for (size_t i = 0; i < n; i++)
        sb_add(&b, "%s %s %s\n", r[i].kind, r[i].id, r[i].hash);
    free(r);
    int rc = add_meta(&b, m);
    if (!rc && b.oom)
        rc = WO_ENOMEM;
    if (rc) {
        free(b.p);
        return rc;
    }
    *out = b.p;
    return 0;
}

/*
 * A visit the signer saw open may have been ended since, by its own
 * technician's late visit.end (docs/sync.md): the signature still covers
 * what it saw. 1 if hash is record r's visit as it was while open.
 */
static int signed_open(const struct wo_order *o, const struct rec *r,
                       const char *hash)
{
    char h[65];
    if (strcmp(r->kind, "visit"))
        return 0;
    for (size_t i = 0; i < o->n_visits; i++)
        if (o->visits[i].id == r->id && o->visits[i].ended_at) {
            struct wo_visit v = o->visits[i];
            v.ended_at = 0;
            v.outcome = NULL;
            wo_hash_visit(o->id, &v, h);
            return !strcmp(h, hash);
        }
    return 0;
}

int wo_statement_check(const char *text, const struct wo_order *o,
                       const struct wo_stmt_meta *m, char *err, size_t errlen)
{
    char *expect = NULL;
    size_t n = 0;
    int rc = WO_ECRYPTO;
    struct rec *r = NULL;

    if (!text) {
        snprintf(err, errlen, "no statement was sent");
        return WO_ECRYPTO;
    }
    /*
     * The statement names the records the signer saw. The server may hold
     * more records (added by others after the signer last synced), so it
     * rebuilds the statement from exactly the listed records that it
     * knows, then compares the whole text byte for byte.
     */
    r = collect(o, &n);
    if (!r)
        return WO_ENOMEM;
    struct sb b = {0};
    sb_add(&b, "wo-statement/1\norder %" PRId64 "\n", o->id);
    const char *line = text;
    /* skip the two header lines; compare them through the rebuild */
    for (int i = 0; i < 2 && line; i++) {
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    while (line && *line) {
        const char *nl = strchr(line, '\n');
        size_t ll = nl ? (size_t)(nl - line) : strlen(line);
        char kind[8], id[WO_MAX_ID + 1], hash[65];
        if (!strncmp(line, "role ", 5))
            break;
        if (ll > 8 + WO_MAX_ID + 66 ||
            sscanf(line, "%7s %64s %64s", kind, id, hash) != 3) {
            snprintf(err, errlen, "statement line is not a record: %.*s",
                     (int)(ll > 60 ? 60 : ll), line);
            goto out;
        }
        size_t j;
        for (j = 0; j < n; j++)
            if (!strcmp(r[j].kind, kind) && !strcmp(r[j].id, id))
                break;
        if (j == n) {
            snprintf(err, errlen, "%s %s in the statement is unknown to the "
                     "server", kind, id);
            goto out;
        }
        if (strcmp(r[j].hash, hash) && !signed_open(o, &r[j], hash)) {
            snprintf(err, errlen, "%s %s in the statement differs from the "
                     "server's record of it", kind, id);
            goto out;
        }
        sb_add(&b, "%s %s %s\n", kind, id, hash);
        line = nl ? nl + 1 : NULL;
    }
    /* the closing lines as the op claims them */
    if (add_meta(&b, m)) {
        snprintf(err, errlen, "signer or role cannot be put in a statement");
        goto out;
    }
    if (b.oom) {
        rc = WO_ENOMEM;
        goto out;
    }
    expect = b.p;
    b.p = NULL;
    if (strcmp(expect, text)) {
        snprintf(err, errlen, "statement does not match the order, signer, "
                 "time or verdict it was sent with");
        goto out;
    }
    rc = 0;
out:
    free(b.p);
    free(expect);
    free(r);
    return rc;
}

int wo_statement_lists(const char *text, const char *kind, const char *id)
{
    size_t kl = strlen(kind), il = strlen(id);
    /* record lines come after the two header lines: "\nKIND ID HASH" */
    for (const char *p = text ? strchr(text, '\n') : NULL; p;
         p = strchr(p + 1, '\n'))
        if (!strncmp(p + 1, kind, kl) && p[1 + kl] == ' ' &&
            !strncmp(p + 2 + kl, id, il) && p[2 + kl + il] == ' ')
            return 1;
    return 0;
}

int wo_record_signed(const struct wo_order *o, const char *kind,
                     const char *id)
{
    for (size_t i = 0; i < o->n_sigs; i++)
        if (wo_statement_lists(o->sigs[i].statement, kind, id))
            return 1;
    return 0;
}

/* The technician's signature on o, or NULL. */
static const struct wo_sig *tech_sig(const struct wo_order *o)
{
    for (size_t i = 0; i < o->n_sigs; i++)
        if (!strcmp(o->sigs[i].role, "technician"))
            return &o->sigs[i];
    return NULL;
}

int wo_statement_covers(const char *text, const struct wo_order *o,
                        const struct wo_stmt_meta *m, char *err,
                        size_t errlen)
{
    int tech = !strcmp(m->role, "technician");
    const struct wo_sig *t = tech ? NULL : tech_sig(o);
    size_t n = 0;
    struct rec *r = collect(o, &n);
    const char *who;
    int rc = 0;
    if (!r)
        return WO_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        if (tech) {
            /* visits name their technician, parts and notes their author;
             * collect() points r[i].id at the record's own id */
            size_t k = 0;
            who = NULL;
            for (k = 0; !who && k < o->n_visits; k++)
                if (o->visits[k].id == r[i].id)
                    who = o->visits[k].tech;
            for (k = 0; !who && k < o->n_parts; k++)
                if (o->parts[k].id == r[i].id)
                    who = o->parts[k].author;
            for (k = 0; !who && k < o->n_notes; k++)
                if (o->notes[k].id == r[i].id)
                    who = o->notes[k].author;
            for (k = 0; !who && k < o->n_voids; k++)
                if (o->voids[k].id == r[i].id)
                    who = o->voids[k].author;
            if (!who || strcmp(who, m->signer))
                continue;
        } else if (!t || !wo_statement_lists(t->statement, r[i].kind,
                                             r[i].id)) {
            continue;
        }
        if (!wo_statement_lists(text, r[i].kind, r[i].id)) {
            snprintf(err, errlen, "the statement leaves out %s %s, which %s",
                     r[i].kind, r[i].id, tech ? "the signer recorded"
                                               : "the technician signed for");
            rc = WO_ECRYPTO;
        }
    }
    free(r);
    return rc;
}

int wo_statement_authorisation(int64_t wo, const char *name, int approved,
                               const char *reason, int64_t device,
                               int64_t at, char **out)
{
    *out = NULL;
    for (const unsigned char *p = (const unsigned char *)name; p && *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return WO_EINVAL;
    if (!name || !*name)
        return WO_EINVAL;
    size_t rlen = !approved && reason ? strlen(reason) : 0;
    size_t cap = strlen(name) + 2 * rlen + 256;
    char *s = malloc(cap);
    if (!s)
        return WO_ENOMEM;
    int n = snprintf(s, cap, "wo-authorisation/1\norder %lld\nauthoriser %s\n"
                     "verdict %s\n", (long long)wo, name,
                     approved ? "approved" : "refused");
    if (rlen) {
        memcpy(s + n, "reason ", 7);
        n += 7;
        wo_hex((const uint8_t *)reason, rlen, s + n);
        n += (int)(2 * rlen);
        s[n++] = '\n';
    }
    snprintf(s + n, cap - (size_t)n, "device %lld\nsigned-at %lld\n",
             (long long)device, (long long)at);
    *out = s;
    return 0;
}
