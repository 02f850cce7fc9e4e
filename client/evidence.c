/*
 * evidence.c - the evidence JSON of a service report (see evidence.h and
 * docs/report.md for the format). jansson writes and reads it; OpenSSL
 * turns raw Ed25519 keys into PEM and back, so that the `openssl` command
 * line can use the key as it stands in the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "evidence.h"
#include "wo_crypto.h"
#include "wo_statement.h"

#define MAX_EVIDENCE (16 * 1024 * 1024)

/* ---- encodings ---------------------------------------------------------- */

/* Base64 of n bytes, malloc'd; NULL on no memory. */
static char *b64(const uint8_t *p, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

/* Decode base64 s into exactly want bytes; 0 or -1. */
static int unb64(const char *s, uint8_t *out, size_t want)
{
    size_t len = strlen(s), pad = 0;
    if (!len || len % 4 || len > 4 * ((want + 2) / 3))
        return -1;
    uint8_t buf[96];
    if (len / 4 * 3 > sizeof buf)
        return -1;
    int n = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)len);
    if (n < 0)
        return -1;
    while (pad < 2 && s[len - 1 - pad] == '=')
        pad++;
    if ((size_t)n - pad != want)
        return -1;
    memcpy(out, buf, want);
    return 0;
}

/* The raw Ed25519 key as a PEM SubjectPublicKeyInfo, malloc'd. */
static char *pub_pem(const uint8_t pub[32])
{
    char *out = NULL, *data;
    EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
    BIO *b = BIO_new(BIO_s_mem());
    if (k && b && PEM_write_bio_PUBKEY(b, k) == 1) {
        long n = BIO_get_mem_data(b, &data);
        if (n > 0 && (out = malloc((size_t)n + 1))) {
            memcpy(out, data, (size_t)n);
            out[n] = 0;
        }
    }
    BIO_free(b);
    EVP_PKEY_free(k);
    return out;
}

/* The raw key in a PEM public key; 0 or -1 (not PEM, not Ed25519). */
static int pem_pub(const char *pem, uint8_t pub[32])
{
    int rc = -1;
    size_t n = 32;
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    if (k && EVP_PKEY_get_id(k) == EVP_PKEY_ED25519 &&
        EVP_PKEY_get_raw_public_key(k, pub, &n) == 1 && n == 32)
        rc = 0;
    EVP_PKEY_free(k);
    BIO_free(b);
    return rc;
}

static void sha_hex(const void *p, size_t n, char out[65])
{
    uint8_t d[32];
    wo_sha256(p, n, d);
    wo_hex(d, 32, out);
}

const char *evidence_lang_from_env(void)
{
    static const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return !strncmp(v, "id", 2) && (!v[2] || v[2] == '_' ||
                                             v[2] == '.')
                       ? "id"
                       : "en";
    }
    return "en";
}

/* ---- building ----------------------------------------------------------- */

static json_t *jstr(const char *s) { return s ? json_string(s) : json_null(); }
static json_t *jtime(int64_t t) { return t ? json_integer(t) : json_null(); }

static const char *src_name(enum ev_src s)
{
    return s == EV_SERVER ? "server" : s == EV_DEVICE ? "device" : NULL;
}

static json_t *order_head_json(const struct wo_order *o,
                               const struct ev_context *x)
{
    json_t *sla = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "response_due",
        jtime(o->response_due), "responded_at", jtime(o->responded_at),
        "responded_on", jstr(src_name(x->responded_src)), "resolve_due",
        jtime(o->resolve_due), "resolved_at", jtime(o->resolved_at),
        "resolved_on", jstr(src_name(x->resolved_src)), "paused_at",
        jtime(o->paused_at));
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, "
                     "s:o, s:I, s:o}",
                     "id", (json_int_t)o->id, "title", o->title, "priority",
                     o->priority, "status", o->status, "description",
                     jstr(o->description), "site", jstr(o->site), "asset",
                     jstr(o->asset), "requester", jstr(o->requester),
                     "contact", jstr(o->contact), "assignee",
                     jstr(o->assignee), "tier", jstr(o->tier), "created_at",
                     (json_int_t)o->created_at, "sla", sla);
}

static json_t *order_json(const struct wo_order *o, const struct ev_context *x)
{
    json_t *j = order_head_json(o, x);
    /* only when it was: the evidence of other orders is as it always was */
    if (j && o->remote)
        json_object_set_new(j, "remote", json_true());
    return j;
}

static json_t *sig_json(const struct wo_sig *g)
{
    char dig[65], fpr[65];
    char *sig = b64(g->sig, g->sig_len == 64 ? 64 : 0);
    char *pem = g->pubkey_len == 32 ? pub_pem(g->pubkey) : NULL;
    if (!sig || (g->pubkey_len == 32 && !pem)) {
        free(sig);
        free(pem);
        return NULL;
    }
    sha_hex(g->statement, strlen(g->statement), dig);
    if (pem)
        sha_hex(g->pubkey, 32, fpr);
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:b, s:o, s:s, s:s, s:s, s:o, s:o}", "id",
        g->id, "role", g->role, "signer", g->signer, "device_id",
        (json_int_t)g->device_id, "signed_at", (json_int_t)g->signed_at,
        "satisfied", g->satisfied, "comment", jstr(g->comment), "statement",
        g->statement, "statement_sha256", dig, "signature", sig,
        "public_key_pem", jstr(pem), "public_key_sha256",
        jstr(pem ? fpr : NULL));
    free(sig);
    free(pem);
    return j;
}

int evidence_build(const struct wo_order *o, const struct ev_context *x,
                   char **out, size_t *outlen)
{
    char h[65];
    int rc = WO_ENOMEM;
    json_t *root = NULL, *a;

    *out = NULL;
    root = json_pack("{s:s, s:I, s:s, s:o}", "format", EVIDENCE_FORMAT,
                     "generated_at", (json_int_t)x->generated_at, "lang",
                     x->lang, "order", order_json(o, x));
    if (!root)
        goto out;
    json_object_set_new(root, "visits", a = json_array());
    for (size_t i = 0; i < o->n_visits; i++) {
        const struct wo_visit *v = &o->visits[i];
        wo_hash_visit(o->id, v, h);
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:I, s:o, s:o, s:s}", "id", v->id,
                         "tech", v->tech, "started_at",
                         (json_int_t)v->started_at, "ended_at",
                         jtime(v->ended_at), "outcome", jstr(v->outcome),
                         "sha256", h));
    }
    json_object_set_new(root, "parts", a = json_array());
    for (size_t i = 0; i < o->n_parts; i++) {
        const struct wo_part *p = &o->parts[i];
        json_t *ser = json_array();
        for (size_t k = 0; k < p->n_serials; k++)
            json_array_append_new(ser, json_string(p->serials[k]));
        wo_hash_part(o->id, p, h);
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:I, s:s, s:I, s:o, s:o, s:s}", "id",
                         p->id, "author", p->author, "at", (json_int_t)p->at,
                         "part_no", p->part_no, "qty", (json_int_t)p->qty,
                         "desc", jstr(p->desc), "serials", ser, "sha256", h));
    }
    json_object_set_new(root, "notes", a = json_array());
    for (size_t i = 0; i < o->n_notes; i++) {
        const struct wo_note *n = &o->notes[i];
        wo_hash_note(o->id, n, h);
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:I, s:s, s:s}", "id", n->id, "author",
                         n->author, "at", (json_int_t)n->at, "text", n->text,
                         "sha256", h));
    }
    /* parts and notes declared wrong (only when there are: the evidence
     * of an order without any keeps its earlier shape) */
    if (o->n_voids)
        json_object_set_new(root, "voids", a = json_array());
    for (size_t i = 0; i < o->n_voids; i++) {
        const struct wo_void *v = &o->voids[i];
        wo_hash_void(o->id, v, h);
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "id", v->id, "ref",
                         v->ref, "author", v->author, "at", (json_int_t)v->at,
                         "reason", v->reason, "sha256", h));
    }
    json_object_set_new(root, "signatures", a = json_array());
    for (size_t i = 0; i < o->n_sigs; i++) {
        json_t *s = sig_json(&o->sigs[i]);
        if (!s || json_array_append_new(a, s))
            goto out;
    }
    /* a failed json_pack above leaves a NULL element out: count them */
    if (json_array_size(json_object_get(root, "visits")) != o->n_visits ||
        json_array_size(json_object_get(root, "parts")) != o->n_parts ||
        json_array_size(json_object_get(root, "notes")) != o->n_notes ||
        (o->n_voids &&
         json_array_size(json_object_get(root, "voids")) != o->n_voids))
        goto out;
    if ((*out = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER))) {
        *outlen = strlen(*out);
        rc = 0;
    }
out:
    json_decref(root);
    return rc;
}

/* ---- parsing ------------------------------------------------------------ */

struct pctx {
    char *err;
    size_t errlen;
    int failed;
};

static int bad(struct pctx *p, const char *fmt, const char *what)
{
    if (!p->failed)
        snprintf(p->err, p->errlen, fmt, what);
    p->failed = 1;
    return WO_EPROTO;
}

/* A string member: required ones must be non-empty strings, optional ones
 * may be absent or null. *out is malloc'd (NULL when absent). */
static int get_str(struct pctx *p, json_t *o, const char *k, int req,
                   char **out)
{
    json_t *v = json_object_get(o, k);
    *out = NULL;
    if (!v || json_is_null(v))
        return req ? bad(p, "evidence: '%s' is missing", k) : 0;
    if (!json_is_string(v) || (req && !json_string_length(v)))
        return bad(p, "evidence: '%s' must be a text", k);
    if (!(*out = strdup(json_string_value(v))))
        return WO_ENOMEM;
    return 0;
}

/* An integer member; absent or null is 0 unless required. */
static int get_int(struct pctx *p, json_t *o, const char *k, int req,
                   int64_t *out)
{
    json_t *v = json_object_get(o, k);
    *out = 0;
    if (!v || json_is_null(v))
        return req ? bad(p, "evidence: '%s' is missing", k) : 0;
    if (!json_is_integer(v))
        return bad(p, "evidence: '%s' must be an integer", k);
    *out = json_integer_value(v);
    return 0;
}

static int get_arr(struct pctx *p, json_t *o, const char *k, json_t **out,
                   size_t *n)
{
    *out = json_object_get(o, k);
    if (!json_is_array(*out) || json_array_size(*out) > 100000)
        return bad(p, "evidence: '%s' must be a list", k);
    *n = json_array_size(*out);
    return 0;
}

static enum ev_src get_src(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return !s ? EV_NONE : !strcmp(s, "server") ? EV_SERVER
                        : !strcmp(s, "device") ? EV_DEVICE : EV_NONE;
}

static int parse_order(struct pctx *p, json_t *j, struct evidence *ev)
{
    struct wo_order *o = &ev->o;
    json_t *sla = json_object_get(j, "sla");
    int rc;
    if (!json_is_object(j) || !json_is_object(sla))
        return bad(p, "evidence: '%s' must be an object with 'sla'", "order");
    if ((rc = get_int(p, j, "id", 1, &o->id)) ||
        (rc = get_str(p, j, "title", 1, &o->title)) ||
        (rc = get_str(p, j, "priority", 1, &o->priority)) ||
        (rc = get_str(p, j, "status", 1, &o->status)) ||
        (rc = get_str(p, j, "description", 0, &o->description)) ||
        (rc = get_str(p, j, "site", 0, &o->site)) ||
        (rc = get_str(p, j, "asset", 0, &o->asset)) ||
        (rc = get_str(p, j, "requester", 0, &o->requester)) ||
        (rc = get_str(p, j, "contact", 0, &o->contact)) ||
        (rc = get_str(p, j, "assignee", 0, &o->assignee)) ||
        (rc = get_str(p, j, "tier", 0, &o->tier)) ||
        (rc = get_int(p, j, "created_at", 1, &o->created_at)) ||
        (rc = get_int(p, sla, "response_due", 0, &o->response_due)) ||
        (rc = get_int(p, sla, "responded_at", 0, &o->responded_at)) ||
        (rc = get_int(p, sla, "resolve_due", 0, &o->resolve_due)) ||
        (rc = get_int(p, sla, "resolved_at", 0, &o->resolved_at)) ||
        (rc = get_int(p, sla, "paused_at", 0, &o->paused_at)))
        return rc;
    o->remote = json_is_true(json_object_get(j, "remote"));
    ev->responded_src = get_src(sla, "responded_on");
    ev->resolved_src = get_src(sla, "resolved_on");
    return 0;
}

/* Each record's recorded SHA-256 must be the one its fields give. */
static void check_hash(struct evidence *ev, json_t *j, const char *kind,
                       const char *id, const char *h)
{
    const char *rec = json_string_value(json_object_get(j, "sha256"));
    if (ev->problem[0] || (rec && !strcmp(rec, h)))
        return;
    snprintf(ev->problem, sizeof ev->problem,
             "%s %s: its fields do not give the SHA-256 recorded for it "
             "(the record was altered)", kind, id);
}

static int parse_records(struct pctx *p, json_t *root, struct evidence *ev)
{
    struct wo_order *o = &ev->o;
    json_t *a;
    size_t n;
    char h[65];
    int rc;

    if ((rc = get_arr(p, root, "visits", &a, &n)))
        return rc;
    if (n && !(o->visits = calloc(n, sizeof *o->visits)))
        return WO_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        o->n_visits = i + 1; /* zeroed: a half-read one is freed too */
        json_t *j = json_array_get(a, i);
        struct wo_visit *v = &o->visits[i];
        if ((rc = get_str(p, j, "id", 1, &v->id)) ||
            (rc = get_str(p, j, "tech", 1, &v->tech)) ||
            (rc = get_int(p, j, "started_at", 1, &v->started_at)) ||
            (rc = get_int(p, j, "ended_at", 0, &v->ended_at)) ||
            (rc = get_str(p, j, "outcome", 0, &v->outcome)))
            return rc;
        wo_hash_visit(o->id, v, h);
        check_hash(ev, j, "visit", v->id, h);
    }
    if ((rc = get_arr(p, root, "parts", &a, &n)))
        return rc;
    if (n && !(o->parts = calloc(n, sizeof *o->parts)))
        return WO_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        o->n_parts = i + 1; /* zeroed: a half-read one is freed too */
        json_t *j = json_array_get(a, i), *ser;
        struct wo_part *pt = &o->parts[i];
        size_t ns;
        if ((rc = get_str(p, j, "id", 1, &pt->id)) ||
            (rc = get_str(p, j, "author", 1, &pt->author)) ||
            (rc = get_int(p, j, "at", 1, &pt->at)) ||
            (rc = get_str(p, j, "part_no", 1, &pt->part_no)) ||
            (rc = get_int(p, j, "qty", 1, &pt->qty)) ||
            (rc = get_str(p, j, "desc", 0, &pt->desc)) ||
            (rc = get_arr(p, j, "serials", &ser, &ns)))
            return rc;
        if (ns && !(pt->serials = calloc(ns, sizeof *pt->serials)))
            return WO_ENOMEM;
        for (size_t k = 0; k < ns; k++, pt->n_serials++) {
            const char *s = json_string_value(json_array_get(ser, k));
            if (!s)
                return bad(p, "evidence: '%s' must hold texts", "serials");
            if (!(pt->serials[k] = strdup(s)))
                return WO_ENOMEM;
        }
        wo_hash_part(o->id, pt, h);
        check_hash(ev, j, "part", pt->id, h);
    }
    if ((rc = get_arr(p, root, "notes", &a, &n)))
        return rc;
    if (n && !(o->notes = calloc(n, sizeof *o->notes)))
        return WO_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        o->n_notes = i + 1; /* zeroed: a half-read one is freed too */
        json_t *j = json_array_get(a, i);
        struct wo_note *nt = &o->notes[i];
        if ((rc = get_str(p, j, "id", 1, &nt->id)) ||
            (rc = get_str(p, j, "author", 1, &nt->author)) ||
            (rc = get_int(p, j, "at", 1, &nt->at)) ||
            (rc = get_str(p, j, "text", 1, &nt->text)))
            return rc;
        wo_hash_note(o->id, nt, h);
        check_hash(ev, j, "note", nt->id, h);
    }
    if (!json_object_get(root, "voids"))
        return 0;
    if ((rc = get_arr(p, root, "voids", &a, &n)))
        return rc;
    if (n && !(o->voids = calloc(n, sizeof *o->voids)))
        return WO_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        o->n_voids = i + 1; /* zeroed: a half-read one is freed too */
        json_t *j = json_array_get(a, i);
        struct wo_void *v = &o->voids[i];
        if ((rc = get_str(p, j, "id", 1, &v->id)) ||
            (rc = get_str(p, j, "ref", 1, &v->ref)) ||
            (rc = get_str(p, j, "author", 1, &v->author)) ||
            (rc = get_int(p, j, "at", 1, &v->at)) ||
            (rc = get_str(p, j, "reason", 1, &v->reason)))
            return rc;
        wo_hash_void(o->id, v, h);
        check_hash(ev, j, "void", v->id, h);
    }
    return 0;
}

static int parse_sigs(struct pctx *p, json_t *root, struct evidence *ev)
{
    struct wo_order *o = &ev->o;
    json_t *a;
    size_t n;
    int rc;
    char *sig_b64 = NULL, *pem = NULL, *dig = NULL, *fpr = NULL;

    if ((rc = get_arr(p, root, "signatures", &a, &n)))
        return rc;
    if (n && (!(o->sigs = calloc(n, sizeof *o->sigs)) ||
              !(ev->sigs = calloc(n, sizeof *ev->sigs))))
        return WO_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        o->n_sigs = i + 1; /* zeroed: a half-read one is freed too */
        json_t *j = json_array_get(a, i);
        struct wo_sig *g = &o->sigs[i];
        json_t *sat = json_object_get(j, "satisfied");
        if ((rc = get_str(p, j, "id", 1, &g->id)) ||
            (rc = get_str(p, j, "role", 1, &g->role)) ||
            (rc = get_str(p, j, "signer", 1, &g->signer)) ||
            (rc = get_int(p, j, "device_id", 1, &g->device_id)) ||
            (rc = get_int(p, j, "signed_at", 1, &g->signed_at)) ||
            (rc = get_str(p, j, "comment", 0, &g->comment)) ||
            (rc = get_str(p, j, "statement", 1, &g->statement)) ||
            (rc = get_str(p, j, "statement_sha256", 1, &dig)) ||
            (rc = get_str(p, j, "signature", 1, &sig_b64)) ||
            (rc = get_str(p, j, "public_key_pem", 0, &pem)) ||
            (rc = get_str(p, j, "public_key_sha256", 0, &fpr)))
            goto out;
        if (!json_is_boolean(sat)) {
            rc = bad(p, "evidence: '%s' must be true or false", "satisfied");
            goto out;
        }
        g->satisfied = json_is_true(sat);
        if (!(g->sig = malloc(64))) {
            rc = WO_ENOMEM;
            goto out;
        }
        if (unb64(sig_b64, g->sig, 64)) {
            rc = bad(p, "evidence: signature %s is not 64 bytes of base64",
                     g->id);
            goto out;
        }
        g->sig_len = 64;
        if (pem) {
            if (!(g->pubkey = malloc(32))) {
                rc = WO_ENOMEM;
                goto out;
            }
            if (pem_pub(pem, g->pubkey)) {
                rc = bad(p, "evidence: the public key of signature %s is "
                            "not an Ed25519 PEM key", g->id);
                goto out;
            }
            g->pubkey_len = 32;
        }
        struct ev_sig *s = &ev->sigs[i];
        sha_hex(g->statement, strlen(g->statement), s->digest);
        if (g->pubkey_len)
            sha_hex(g->pubkey, 32, s->fpr);
        if (strcmp(dig, s->digest))
            snprintf(s->why, sizeof s->why, "the statement's SHA-256 is not "
                     "the one recorded with it (%.16s... recorded, %.16s... "
                     "computed)", dig, s->digest);
        else if (pem && (!fpr || strcmp(fpr, s->fpr)))
            snprintf(s->why, sizeof s->why, "the public key's SHA-256 is not "
                     "the one recorded with it");
        free(sig_b64);
        free(pem);
        free(dig);
        free(fpr);
        sig_b64 = pem = dig = fpr = NULL;
    }
out:
    free(sig_b64);
    free(pem);
    free(dig);
    free(fpr);
    return rc;
}

/*
 * The checks one signature gets wherever it is verified: a key, the
 * Ed25519 signature over the statement, and the statement against the
 * records and the signature's own fields. Counts the records it covers.
 */
static void check_sig(const struct wo_order *o, const struct wo_sig *g,
                      struct ev_sig *s)
{
    char err[256];
    s->ok = false;
    s->cov_visits = s->cov_parts = s->cov_notes = 0;
    /* which records the statement lists, and whether each matches */
    const char *line = g->statement;
    for (int i = 0; i < 2 && line; i++) {
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    while (line && *line && strncmp(line, "role ", 5)) {
        char kind[8], id[WO_MAX_ID + 1], hash[65], h[65];
        const char *nl = strchr(line, '\n');
        int found = 0;
        if ((nl ? (size_t)(nl - line) : strlen(line)) > 8 + WO_MAX_ID + 66 ||
            sscanf(line, "%7s %64s %64s", kind, id, hash) != 3)
            break; /* wo_statement_check below names it */
        if (!strcmp(kind, "visit")) {
            for (size_t k = 0; !found && k < o->n_visits; k++)
                if (!strcmp(o->visits[k].id, id)) {
                    wo_hash_visit(o->id, &o->visits[k], h);
                    found = strcmp(h, hash) ? -1 : 1;
                }
            s->cov_visits += found == 1;
        } else if (!strcmp(kind, "part")) {
            for (size_t k = 0; !found && k < o->n_parts; k++)
                if (!strcmp(o->parts[k].id, id)) {
                    wo_hash_part(o->id, &o->parts[k], h);
                    found = strcmp(h, hash) ? -1 : 1;
                }
            s->cov_parts += found == 1;
        } else if (!strcmp(kind, "note")) {
            for (size_t k = 0; !found && k < o->n_notes; k++)
                if (!strcmp(o->notes[k].id, id)) {
                    wo_hash_note(o->id, &o->notes[k], h);
                    found = strcmp(h, hash) ? -1 : 1;
                }
            s->cov_notes += found == 1;
        } else if (!strcmp(kind, "void")) {
            for (size_t k = 0; !found && k < o->n_voids; k++)
                if (!strcmp(o->voids[k].id, id)) {
                    wo_hash_void(o->id, &o->voids[k], h);
                    found = strcmp(h, hash) ? -1 : 1;
                }
        }
        if (found != 1 && !s->why[0])
            snprintf(s->why, sizeof s->why, found ? "%s %s differs from "
                     "what was signed" : "the statement lists %s %s, which "
                     "the report does not hold", kind, id);
        line = nl ? nl + 1 : NULL;
    }
    if (s->why[0])
        return;
    if (g->pubkey_len != 32) {
        snprintf(s->why, sizeof s->why, "the public key of device %lld is "
                 "not known where the report was made (sync first)",
                 (long long)g->device_id);
        return;
    }
    if (g->sig_len != 64 ||
        wo_verify(g->pubkey, g->statement, strlen(g->statement), g->sig)) {
        snprintf(s->why, sizeof s->why, "the Ed25519 signature does not "
                 "match the statement and the device key");
        return;
    }
    struct wo_stmt_meta m = {.role = g->role, .signer = g->signer,
                             .device_id = g->device_id,
                             .signed_at = g->signed_at,
                             .satisfied = g->satisfied, .comment = g->comment};
    if (wo_statement_check(g->statement, o, &m, err, sizeof err)) {
        snprintf(s->why, sizeof s->why, "the signed statement does not "
                 "match the report: %s", err);
        return;
    }
    s->ok = true;
}

int evidence_parse(const char *json, size_t len, struct evidence *ev,
                   char *err, size_t errlen)
{
    struct pctx p = {.err = err, .errlen = errlen};
    json_error_t je;
    json_t *root = NULL;
    int rc;

    memset(ev, 0, sizeof *ev);
    if (len > MAX_EVIDENCE) {
        snprintf(err, errlen, "evidence: larger than 16 MiB");
        return WO_EPROTO;
    }
    if (!(ev->json = malloc(len + 1)))
        return WO_ENOMEM;
    memcpy(ev->json, json, len);
    ev->json[len] = 0;
    ev->json_len = len;
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "evidence: not valid JSON (line %d: %s)",
                 je.line, je.text);
        rc = WO_EPROTO;
        goto out;
    }
    const char *fmt = json_string_value(json_object_get(root, "format"));
    const char *lang = json_string_value(json_object_get(root, "lang"));
    if (!fmt || strcmp(fmt, EVIDENCE_FORMAT)) {
        rc = bad(&p, "evidence: format is not %s", EVIDENCE_FORMAT);
        goto out;
    }
    snprintf(ev->lang, sizeof ev->lang, "%s",
             lang && !strcmp(lang, "id") ? "id" : "en");
    if ((rc = get_int(&p, root, "generated_at", 1, &ev->generated_at)) ||
        (rc = parse_order(&p, json_object_get(root, "order"), ev)) ||
        (rc = parse_records(&p, root, ev)) || (rc = parse_sigs(&p, root, ev)))
        goto out;
    int tech = 0, recip = 0;
    for (size_t i = 0; i < ev->o.n_sigs; i++) {
        if (!ev->sigs[i].why[0])
            check_sig(&ev->o, &ev->o.sigs[i], &ev->sigs[i]);
        if (ev->sigs[i].ok && !strcmp(ev->o.sigs[i].role, "technician"))
            tech = 1;
        if (ev->sigs[i].ok && !strcmp(ev->o.sigs[i].role, "recipient"))
            recip = 1;
    }
    ev->signed_tech = tech;
    ev->signed_recip = recip;
    ev->complete = tech && recip;
out:
    json_decref(root);
    if (rc)
        evidence_cleanup(ev);
    return rc;
}

void evidence_cleanup(struct evidence *ev)
{
    if (!ev)
        return;
    wo_order_cleanup(&ev->o);
    free(ev->sigs);
    free(ev->json);
    memset(ev, 0, sizeof *ev);
}

size_t evidence_verify_order(struct wo_order *o)
{
    size_t n = 0;
    for (size_t i = 0; i < o->n_sigs; i++) {
        struct ev_sig s = {0};
        check_sig(o, &o->sigs[i], &s);
        if (s.ok) {
            o->sigs[i].verified = true;
            n++;
        }
    }
    return n;
}
