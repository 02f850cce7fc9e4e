/*
 * cmd_report_pdf.c - `wo report-pdf` and `wo verify` (docs/report.md).
 *
 * One path makes every report: order -> evidence JSON -> parsed evidence
 * -> text blocks -> PDF pages -> the evidence attached. The technician's
 * order comes from the replica (offline), the dispatcher's from the
 * server; only where the order and the signing keys come from differs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cmd.h"
#include "cmd_report_pdf.h"
#include "evidence.h"
#include "pdf_attach.h"
#include "pdfmod.h"
#include "replica.h"
#include "sync.h"
#include "report_doc.h"
#include "wo_clock.h"
#include "wo_crypto.h"

#define MAX_PDF (256 * 1024 * 1024)

static int usage(const char *u)
{
    fprintf(stderr, "wo: usage: %s\n", u);
    return 2;
}

static bool is_tech(const struct client *c)
{
    return c->role && !strcmp(c->role, "technician");
}

/* Give each signature of o the key of the device that made it, when this
 * device knows it: its own, or one the server sent. */
static void attach_keys(struct client *c, struct wo_order *o)
{
    uint8_t priv[32], pub[32];
    int own = -1;
    for (size_t i = 0; i < o->n_sigs; i++) {
        struct wo_sig *g = &o->sigs[i];
        if (g->pubkey_len == 32)
            continue;
        int have = 0;
        if (g->device_id == c->device) {
            if (own < 0)
                own = client_key(c, priv, pub) == 0;
            have = own;
        } else {
            have = replica_device_key(c->r, g->device_id, pub) == 0;
        }
        if (have && (g->pubkey = malloc(32))) {
            memcpy(g->pubkey, pub, 32);
            g->pubkey_len = 32;
        }
    }
    memset(priv, 0, sizeof priv);
}

size_t report_verify_here(struct client *c, struct wo_order *o)
{
    attach_keys(c, o);
    return evidence_verify_order(o);
}

/*
 * The evidence of o as this device knows it, parsed back: the form every
 * report is drawn from. Times not yet confirmed by the server (an accept
 * or a signature still in the outbox) are given as device times.
 */
static int make_evidence(struct client *c, struct wo_order *o,
                         struct evidence *ev)
{
    struct ev_context x = {.generated_at = wo_clock_now_ms(),
                           .lang = evidence_lang_from_env()};
    char err[512], *json = NULL;
    size_t len;

    attach_keys(c, o);
    if (o->responded_at)
        x.responded_src = EV_SERVER;
    else if (is_tech(c) &&
             !replica_pending_op_at(c->r, o->id, "accept", &o->responded_at) &&
             o->responded_at)
        x.responded_src = EV_DEVICE;
    if (o->resolved_at) {
        x.resolved_src = EV_SERVER;
    } else {
        for (size_t i = 0; i < o->n_sigs; i++)
            if (!strcmp(o->sigs[i].role, "technician")) {
                o->resolved_at = o->sigs[i].signed_at;
                x.resolved_src = EV_DEVICE;
            }
    }
    int rc = evidence_build(o, &x, &json, &len);
    if (rc) {
        fprintf(stderr, "wo: cannot make the report's evidence: %s\n",
                wo_strerror(rc));
        return 1;
    }
    rc = evidence_parse(json, len, ev, err, sizeof err);
    free(json);
    if (rc) {
        /* our own output must parse: this is a bug, say what broke */
        fprintf(stderr, "wo: the report's evidence does not read back: %s\n",
                err);
        return 1;
    }
    return 0;
}

/* The order, from the replica (technician) or the server (dispatcher). */
static int fetch_order(struct client *c, int64_t id, struct wo_order *o)
{
    if (is_tech(c)) {
        int rc = replica_order_load(c->r, id, o);
        if (rc == WO_ENOTFOUND)
            fprintf(stderr, "wo: order %lld is not on this laptop (run 'wo "
                            "sync'; a closed order leaves the technician's "
                            "list once synced: ask the dispatcher for its "
                            "report)\n", (long long)id);
        else if (rc)
            fprintf(stderr, "wo: cannot read the replica: %s\n",
                    wo_strerror(rc));
        return rc ? 1 : 0;
    }
    if (!cmd__is_office(c))
        return 1;
    struct wo_cmd cmd = {.name = "show", .wo = id};
    struct wo_result *res;
    if (sync_cmd(c, &cmd, &res))
        return 1;
    int rc = 1;
    if (res->n_orders)
        rc = wo_order_copy(o, &res->orders[0]) ? 1 : 0;
    else
        fprintf(stderr, "wo: the server sent no order %lld\n", (long long)id);
    wo_frame_free(WO_F_RESULT, res);
    return rc;
}

/* Write n bytes to path through a temporary file and a rename, so that a
 * reader never sees half a report. */
static int write_file(const char *path, const uint8_t *p, size_t n)
{
    size_t pl = strlen(path) + 16;
    char *tmp = malloc(pl);
    if (!tmp)
        return -1;
    snprintf(tmp, pl, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int rc = -1;
    if (f) {
        rc = fwrite(p, 1, n, f) == n ? 0 : -1;
        if (fclose(f))
            rc = -1;
        if (!rc && rename(tmp, path))
            rc = -1;
        if (rc)
            unlink(tmp);
    }
    free(tmp);
    return rc;
}

int cmd_report_pdf(struct client *c, int argc, char **argv)
{
    static const struct option lo[] = {{"out", required_argument, 0, 'o'},
                                       {0, 0, 0, 0}};
    const char *u = "wo report-pdf WO [--out FILE] [--json]";
    const char *out = NULL;
    char defname[64], err[512];
    int64_t id;
    int ch, rc = 1, pages = 0;
    struct wo_order o;
    struct evidence ev;
    bool draft = true;
    uint8_t *full = NULL;
    size_t full_len = 0;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (ch != 'o')
            return usage(u);
        out = optarg;
    }
    if (optind + 1 != argc || cli_parse_id(argv[optind], &id))
        return usage(u);
    const struct pdfmod *pdf = pdfmod_load(err, sizeof err);
    if (!pdf) {
        fprintf(stderr, "wo: %s\n", err);
        return 1;
    }
    if (!out) {
        snprintf(defname, sizeof defname, "wo-%lld-report.pdf",
                 (long long)id);
        out = defname;
    }
    if (fetch_order(c, id, &o))
        return 1;
    if (make_evidence(c, &o, &ev)) {
        wo_order_cleanup(&o);
        return 1;
    }
    wo_order_cleanup(&o);
    if ((rc = pdf->make(&ev, &full, &full_len, &pages, &draft, err,
                        sizeof err))) {
        fprintf(stderr, "wo: cannot make the PDF: %s\n", err);
        rc = 1;
        goto out;
    }
    if (write_file(out, full, full_len)) {
        fprintf(stderr, "wo: cannot write %s: %s\n", out, strerror(errno));
        rc = 1;
        goto out;
    }
    size_t valid = 0;
    for (size_t i = 0; i < ev.o.n_sigs; i++)
        valid += ev.sigs[i].ok;
    if (c->json) {
        json_t *j = json_pack("{s:s, s:I, s:i, s:b, s:I, s:I}", "file", out,
                              "wo", (json_int_t)ev.o.id, "pages", pages,
                              "draft", draft, "signatures",
                              (json_int_t)ev.o.n_sigs, "verified",
                              (json_int_t)valid);
        json_dumpf(j, stdout, JSON_COMPACT);
        printf("\n");
        json_decref(j);
    } else {
        printf("wrote %s: %d page%s, %s, %zu of %zu signature%s verified\n",
               out, pages, pages == 1 ? "" : "s",
               draft ? "DRAFT (not signed by both parties)" : "final",
               valid, ev.o.n_sigs, ev.o.n_sigs == 1 ? "" : "s");
    }
    rc = 0;
out:
    free(full);
    evidence_cleanup(&ev);
    pdf->shutdown();
    return rc;
}

int report_cosign_confirm(struct client *c, struct wo_order *o,
                          const char *name, bool yes)
{
    struct evidence ev;
    struct report_doc d;
    char line[64];
    if (yes || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return 0;
    /* a copy: make_evidence adds keys and times to the order it is given */
    struct wo_order copy;
    if (wo_order_copy(&copy, o))
        return 1;
    int rc = make_evidence(c, &copy, &ev);
    wo_order_cleanup(&copy);
    if (rc)
        return 1;
    if (report_doc_build(&ev, &d)) {
        evidence_cleanup(&ev);
        return 1;
    }
    report_doc_print(&d, stdout);
    report_doc_cleanup(&d);
    evidence_cleanup(&ev);
    printf("\nCo-sign as %s? [y/N] ", name);
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) &&
        (line[0] == 'y' || line[0] == 'Y'))
        return 0;
    printf("not co-signed\n");
    return 1;
}

/* ---- verify ------------------------------------------------------------- */

static int read_file(const char *path, uint8_t **out, size_t *n)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    *out = NULL;
    if (!f)
        return -1;
    if (fstat(fileno(f), &st) || st.st_size > MAX_PDF ||
        !(*out = malloc((size_t)st.st_size + 1))) {
        fclose(f);
        errno = errno ? errno : EFBIG;
        return -1;
    }
    *n = fread(*out, 1, (size_t)st.st_size, f);
    fclose(f);
    return 0;
}

static json_t *covers_json(size_t got, size_t of)
{
    return json_pack("{s:I, s:I}", "signed", (json_int_t)got, "held",
                     (json_int_t)of);
}

/* Whether the evidence holds a signature of this role, valid or not. */
static int has_role(const struct evidence *ev, const char *role)
{
    for (size_t i = 0; i < ev->o.n_sigs; i++)
        if (!strcmp(ev->o.sigs[i].role, role))
            return 1;
    return 0;
}

/* Why a parsed report is not a verified final one, each reason named:
 * "not signed by the recipient; the page text differs ...". */
static void verify_reasons(const struct evidence *ev, int text_ok,
                           char *out, size_t len)
{
    size_t n = 0;
    out[0] = 0;
#define REASON(...)                                                        \
    do {                                                                   \
        if (n < len)                                                       \
            n += (size_t)snprintf(out + n, len - n, "%s", n ? "; " : "");  \
        if (n < len)                                                       \
            n += (size_t)snprintf(out + n, len - n, __VA_ARGS__);          \
    } while (0)
    if (ev->problem[0])
        REASON("the evidence was altered");
    for (size_t i = 0; i < ev->o.n_sigs; i++)
        if (!ev->sigs[i].ok)
            REASON("the %s's signature is not valid", ev->o.sigs[i].role);
    /* a signature of that role that is not valid was named above */
    if (!ev->signed_tech && !has_role(ev, "technician"))
        REASON("not signed by the technician");
    if (!ev->signed_recip && !has_role(ev, "recipient"))
        REASON("not signed by the recipient");
    if (!text_ok)
        REASON("the page text differs from the evidence");
#undef REASON
}

int cmd_verify(struct client *c, int argc, char **argv)
{
    uint8_t *pdf = NULL;
    const uint8_t *att;
    size_t len = 0, att_len;
    char err[512] = "", text_err[512] = "";
    struct evidence ev = {0};
    struct report_doc d = {0};
    int rc, text_ok = 0, parsed = 0;

    if (argc != 2)
        return usage("wo verify FILE.pdf [--json]");
    const struct pdfmod *mod = pdfmod_load(err, sizeof err);
    if (!mod) {
        fprintf(stderr, "wo: %s\n", err);
        return 1;
    }
    const char *path = argv[1];
    if (read_file(path, &pdf, &len)) {
        fprintf(stderr, "wo: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    rc = pdf_attachment(pdf, len, EVIDENCE_NAME, &att, &att_len, err,
                        sizeof err);
    if (rc == WO_ENOTFOUND)
        snprintf(err + strlen(err), sizeof err - strlen(err),
                 " (no " EVIDENCE_NAME " attached: not a report made by wo, "
                 "or its evidence was removed)");
    if (!rc && !(rc = evidence_parse((const char *)att, att_len, &ev, err,
                                     sizeof err)))
        parsed = 1;
    if (parsed && report_doc_build(&ev, &d) == 0)
        text_ok = mod->text_check(pdf, len, &d, text_err,
                                  sizeof text_err) == 0;
    else if (parsed)
        snprintf(text_err, sizeof text_err, "out of memory");

    int sigs_ok = parsed && ev.o.n_sigs > 0;
    for (size_t i = 0; parsed && i < ev.o.n_sigs; i++)
        sigs_ok &= ev.sigs[i].ok;
    int evidence_ok = parsed && !ev.problem[0];
    int all_ok = evidence_ok && sigs_ok && text_ok && ev.complete;
    char why[800] = "";
    if (parsed)
        verify_reasons(&ev, text_ok, why, sizeof why);

    if (c->json) {
        json_t *j = json_pack("{s:s, s:b, s:o}", "file", path, "valid",
                              all_ok, "evidence",
                              json_pack("{s:b, s:o}", "ok", evidence_ok,
                                        "reason",
                                        !parsed ? json_string(err)
                                        : ev.problem[0] ? json_string(ev.problem)
                                                        : json_null()));
        if (parsed) {
            json_t *a = json_array();
            for (size_t i = 0; i < ev.o.n_sigs; i++) {
                const struct wo_sig *g = &ev.o.sigs[i];
                const struct ev_sig *s = &ev.sigs[i];
                json_array_append_new(
                    a, json_pack(
                           "{s:s, s:s, s:I, s:I, s:b, s:o, s:s, s:o, s:b, "
                           "s:o, s:o, s:o}",
                           "role", g->role, "signer", g->signer, "device_id",
                           (json_int_t)g->device_id, "signed_at",
                           (json_int_t)g->signed_at, "valid", s->ok,
                           "reason", s->ok ? json_null() : json_string(s->why),
                           "statement_sha256", s->digest, "key_sha256",
                           s->fpr[0] ? json_string(s->fpr) : json_null(),
                           "satisfied", g->satisfied, "visits",
                           covers_json(s->cov_visits, ev.o.n_visits), "parts",
                           covers_json(s->cov_parts, ev.o.n_parts), "notes",
                           covers_json(s->cov_notes, ev.o.n_notes)));
            }
            json_object_set_new(j, "wo", json_integer(ev.o.id));
            json_object_set_new(j, "title", json_string(ev.o.title));
            json_object_set_new(j, "complete", json_boolean(ev.complete));
            json_object_set_new(j, "generated_at",
                                json_integer(ev.generated_at));
            json_object_set_new(j, "signatures", a);
            /* why it is not a verified final report ("" when it is) */
            json_object_set_new(j, "reasons", json_string(why));
            json_object_set_new(
                j, "text",
                json_pack("{s:b, s:o}", "ok", text_ok, "reason",
                          text_ok ? json_null() : json_string(text_err)));
        }
        json_dumpf(j, stdout, JSON_COMPACT);
        printf("\n");
        json_decref(j);
    } else if (!parsed) {
        printf("%s: NOT VERIFIED: %s\n", path, err);
    } else {
        char tb[32];
        printf("%s: work order %lld, %s (report generated %s)\n", path,
               (long long)ev.o.id, ev.o.title,
               report_time(ev.generated_at, tb, sizeof tb));
        for (size_t i = 0; i < ev.o.n_sigs; i++) {
            const struct wo_sig *g = &ev.o.sigs[i];
            const struct ev_sig *s = &ev.sigs[i];
            printf("  %s %s, device %lld, %s: %s%s\n", g->role, g->signer,
                   (long long)g->device_id,
                   report_time(g->signed_at, tb, sizeof tb),
                   s->ok ? "signature VALID" : "signature NOT VALID: ",
                   s->ok ? "" : s->why);
            printf("    covers %zu of %zu visits, %zu of %zu parts, %zu of "
                   "%zu notes; verdict: %s\n",
                   s->cov_visits, ev.o.n_visits, s->cov_parts, ev.o.n_parts,
                   s->cov_notes, ev.o.n_notes,
                   strcmp(g->role, "recipient") ? "work done"
                   : g->satisfied ? "satisfied" : "NOT satisfied");
            printf("    statement SHA-256 %s\n    device key SHA-256 %s\n",
                   s->digest, s->fpr[0] ? s->fpr : "(none)");
        }
        if (!ev.o.n_sigs)
            printf("  no signatures\n");
        if (ev.problem[0])
            printf("  evidence: ALTERED: %s\n", ev.problem);
        printf("  page text: %s%s\n",
               text_ok ? "matches the evidence" : "DIFFERS: ",
               text_ok ? "" : text_err);
        if (all_ok)
            printf("VERIFIED: both signatures are valid and the pages show "
                   "what was signed\n");
        else if (evidence_ok && text_ok && (sigs_ok || !ev.o.n_sigs))
            printf("NOT VERIFIED: DRAFT, intact but not signed by both "
                   "parties: %s\n", why);
        else
            printf("NOT VERIFIED: %s\n", why);
    }
    if (!c->json && !all_ok && parsed)
        fprintf(stderr, "wo: %s is not a verified final report\n", path);
    report_doc_cleanup(&d);
    evidence_cleanup(&ev);
    free(pdf);
    return all_ok ? 0 : 1;
}
