/*
 * report_bench.c - how long a service report takes to render, next to the
 * time cairo alone takes to put the same text into a PDF (docs/
 * performance.md, "Service reports").
 *
 * Each order is made up in memory (visits, parts with serials, notes,
 * both signatures over real statements) and sized so that its report has
 * the wanted number of pages. Measured, in one run and one process:
 *   report  - the whole `wo report-pdf` path after the order is loaded:
 *             evidence JSON, parsing and checking it back, the text
 *             blocks, pango layout and pagination, cairo drawing, the QR
 *             code, and the attachment;
 *   verify  - `wo verify` after the file is read: attachment, evidence
 *             checks, and the page text through poppler;
 *   raw     - the limit: the same characters drawn with cairo_show_text
 *             (cairo's toy text API, no shaping, no wrapping of ours
 *             beyond cutting lines every 90 bytes) into a PDF of the same
 *             page count.
 * Each figure is the median of RUNS runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cairo-pdf.h>
#include <cairo.h>

#include "evidence.h"
#include "pdf_attach.h"
#include "report_doc.h"
#include "report_pdf.h"
#include "report_text.h"
#include "wo_crypto.h"
#include "wo_statement.h"

#define RUNS 7

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        abort();
    return p;
}

static const char *note_text =
    "Katup pengaman macet; sudah diganti dengan yang baru. Tekanan stabil "
    "di 1,5 bar setelah pengujian selama tiga puluh menit. Pelanggan diberi "
    "penjelasan tentang perawatan berkala dan jadwal kalibrasi berikutnya.";

/* An order with n parts and n/4 notes, signed by both parties. */
static void make_order(struct wo_order *o, size_t n, const uint8_t priv[32],
                       const uint8_t pub[32])
{
    char buf[128];
    memset(o, 0, sizeof *o);
    o->id = 42;
    o->title = xstrdup("Boiler bocor di ruang mesin");
    o->priority = xstrdup("P1");
    o->status = xstrdup("closed");
    o->site = xstrdup("Pabrik 3, Cikarang");
    o->asset = xstrdup("B-7");
    o->requester = xstrdup("Budi Santoso");
    o->contact = xstrdup("+62 21 555 0100");
    o->description = xstrdup("Air menetes dari katup pengaman");
    o->assignee = xstrdup("alice");
    o->tier = xstrdup("L1");
    o->created_at = 1795000000000;
    o->response_due = o->created_at + 900000;
    o->responded_at = o->created_at + 600000;
    o->resolve_due = o->created_at + 14400000;
    o->resolved_at = o->created_at + 9000000;
    o->n_visits = 2;
    o->visits = calloc(2, sizeof *o->visits);
    for (size_t i = 0; i < 2; i++) {
        snprintf(buf, sizeof buf, "visit-%zu", i);
        o->visits[i].id = xstrdup(buf);
        o->visits[i].tech = xstrdup("alice");
        o->visits[i].started_at = o->created_at + 1800000 + 3600000 * i;
        o->visits[i].ended_at = o->visits[i].started_at + 2400000;
        o->visits[i].outcome = xstrdup(i ? "done" : "needs-parts");
    }
    o->n_parts = n;
    o->parts = calloc(n ? n : 1, sizeof *o->parts);
    for (size_t i = 0; i < n; i++) {
        struct wo_part *p = &o->parts[i];
        snprintf(buf, sizeof buf, "part-%05zu", i);
        p->id = xstrdup(buf);
        p->author = xstrdup("alice");
        p->at = o->created_at + 2000000 + (int64_t)i;
        snprintf(buf, sizeof buf, "P-%04zu", i);
        p->part_no = xstrdup(buf);
        p->qty = 1 + (int64_t)(i % 5);
        p->desc = xstrdup("baut M8 baja tahan karat");
        p->n_serials = 2;
        p->serials = calloc(2, sizeof *p->serials);
        for (size_t k = 0; k < 2; k++) {
            snprintf(buf, sizeof buf, "SN-%05zu-%zu", i, k);
            p->serials[k] = xstrdup(buf);
        }
    }
    o->n_notes = n / 4 + 1;
    o->notes = calloc(o->n_notes, sizeof *o->notes);
    for (size_t i = 0; i < o->n_notes; i++) {
        snprintf(buf, sizeof buf, "note-%05zu", i);
        o->notes[i].id = xstrdup(buf);
        o->notes[i].author = xstrdup("alice");
        o->notes[i].at = o->created_at + 3000000 + (int64_t)i;
        o->notes[i].text = xstrdup(note_text);
    }
    o->n_sigs = 2;
    o->sigs = calloc(2, sizeof *o->sigs);
    for (size_t i = 0; i < 2; i++) {
        struct wo_sig *g = &o->sigs[i];
        char *stmt;
        g->id = xstrdup(i ? "sig-recipient" : "sig-technician");
        g->role = xstrdup(i ? "recipient" : "technician");
        g->signer = xstrdup(i ? "Budi Santoso" : "alice");
        g->device_id = 7;
        g->signed_at = o->created_at + 9000000 + 60000 * (int64_t)i;
        g->satisfied = true;
        struct wo_stmt_meta m = {.role = g->role, .signer = g->signer,
                                 .device_id = 7, .signed_at = g->signed_at,
                                 .satisfied = true};
        if (wo_statement_build(o, &m, &stmt))
            abort();
        g->statement = stmt;
        g->sig = malloc(64);
        g->sig_len = 64;
        if (wo_sign(priv, stmt, strlen(stmt), g->sig))
            abort();
        g->pubkey = malloc(32);
        memcpy(g->pubkey, pub, 32);
        g->pubkey_len = 32;
    }
}

/* The whole report path after loading: evidence -> PDF with attachment. */
static int report(const struct wo_order *o, uint8_t **pdf, size_t *len,
                  int *pages, struct report_doc *keep)
{
    struct ev_context x = {.generated_at = 1795010000000, .lang = "en",
                           .responded_src = EV_SERVER,
                           .resolved_src = EV_SERVER};
    struct evidence ev;
    struct report_doc d;
    char *json, err[256];
    size_t jl;
    uint8_t *raw;
    size_t rl;
    if (evidence_build(o, &x, &json, &jl) ||
        evidence_parse(json, jl, &ev, err, sizeof err))
        abort();
    free(json);
    if (!ev.complete) {
        fprintf(stderr, "bench: the made-up signatures do not verify\n");
        exit(1);
    }
    if (report_doc_build(&ev, &d) ||
        report_pdf_render(&d, &raw, &rl, pages, err, sizeof err))
        abort();
    struct pdf_file f = {.name = EVIDENCE_NAME, .mime = "application/json",
                         .desc = "evidence", .data = (uint8_t *)ev.json,
                         .len = ev.json_len, .mtime_ms = ev.generated_at};
    if (pdf_attach(raw, rl, &f, pdf, len, err, sizeof err))
        abort();
    free(raw);
    if (keep)
        *keep = d;
    else
        report_doc_cleanup(&d);
    evidence_cleanup(&ev);
    return 0;
}

/* `wo verify` after reading the file. */
static void verify(const uint8_t *pdf, size_t len)
{
    const uint8_t *att;
    size_t n;
    char err[512];
    struct evidence ev;
    struct report_doc d;
    if (pdf_attachment(pdf, len, EVIDENCE_NAME, &att, &n, err, sizeof err) ||
        evidence_parse((const char *)att, n, &ev, err, sizeof err) ||
        report_doc_build(&ev, &d) ||
        report_text_check(pdf, len, &d, err, sizeof err)) {
        fprintf(stderr, "bench: verify failed: %s\n", err);
        exit(1);
    }
    report_doc_cleanup(&d);
    evidence_cleanup(&ev);
}

static cairo_status_t sink(void *c, const unsigned char *d, unsigned int n)
{
    *(size_t *)c += n;
    return CAIRO_STATUS_SUCCESS;
}

/* The limit: the blocks' characters with cairo_show_text, `pages` pages. */
static size_t raw_cairo(const struct report_doc *d, int pages)
{
    size_t bytes = 0, lines = 0;
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(sink, &bytes,
                                                             595.276, 841.89);
    cairo_t *cr = cairo_create(s);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 9);
    for (size_t i = 0; i < d->n; i++) {
        char line[200];
        const char *t = d->b[i].text;
        size_t tl = strlen(t), at = 0;
        snprintf(line, sizeof line, "%s", d->b[i].label ? d->b[i].label : "");
        do {
            /* cut at 90 bytes, on a UTF-8 boundary */
            size_t k = tl - at > 90 ? 90 : tl - at;
            while (k && at + k < tl && ((unsigned char)t[at + k] & 0xC0) == 0x80)
                k--;
            size_t ll = strlen(line);
            memcpy(line + ll, t + at, k);
            line[ll + k] = 0;
            at += k;
            cairo_move_to(cr, 56, 70 + 12.0 * (double)(lines % 59));
            cairo_show_text(cr, line);
            line[0] = 0;
            if (++lines % 59 == 0)
                cairo_show_page(cr);
        } while (at < tl);
    }
    /* pad to the report's page count: the same pages, the same text */
    while ((int)(lines / 59) < pages) {
        lines += 59 - lines % 59;
        cairo_show_page(cr);
    }
    cairo_destroy(cr);
    cairo_surface_finish(s);
    cairo_surface_destroy(s);
    return bytes;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return v[n / 2];
}

/* The most parts a report of `want` pages holds. */
static size_t size_for(int want, const uint8_t priv[32], const uint8_t pub[32])
{
    size_t lo = 0, hi = 4000;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        struct wo_order o;
        uint8_t *pdf;
        size_t len;
        int pages;
        make_order(&o, mid, priv, pub);
        report(&o, &pdf, &len, &pages, NULL);
        free(pdf);
        wo_order_cleanup(&o);
        if (pages <= want)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : 0;
}

int main(void)
{
    uint8_t priv[32], pub[32];
    if (wo_key_generate(priv, pub))
        return 1;
    printf("%-8s %6s %6s %10s %10s %10s %8s %8s\n", "report", "pages",
           "parts", "report ms", "verify ms", "raw ms", "rep/raw",
           "ver/raw");
    const int targets[] = {2, 20};
    for (size_t t = 0; t < 2; t++) {
        size_t n = size_for(targets[t], priv, pub);
        struct wo_order o;
        double rep[RUNS], ver[RUNS], raw[RUNS];
        int pages = 0;
        make_order(&o, n, priv, pub);
        for (int r = 0; r < RUNS; r++) {
            uint8_t *pdf;
            size_t len;
            struct report_doc d;
            double t0 = now_ms();
            report(&o, &pdf, &len, &pages, &d);
            double t1 = now_ms();
            verify(pdf, len);
            double t2 = now_ms();
            raw_cairo(&d, pages);
            double t3 = now_ms();
            rep[r] = t1 - t0;
            ver[r] = t2 - t1;
            raw[r] = t3 - t2;
            report_doc_cleanup(&d);
            free(pdf);
        }
        double mr = median(rep, RUNS), mv = median(ver, RUNS),
               mw = median(raw, RUNS);
        printf("%-8s %6d %6zu %10.1f %10.1f %10.1f %8.2f %8.2f\n",
               t ? "long" : "short", pages, n, mr, mv, mw, mr / mw, mv / mw);
        wo_order_cleanup(&o);
    }
    report_pdf_shutdown();
    return 0;
}
