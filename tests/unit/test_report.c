/* Service report units: the PDF attachment round trip, and the readers of
 * a report (pdf_attachment, evidence_parse) fed every prefix and flipped
 * bytes of a real report, which must fail with a reason, never crash
 * (scripts/test.sh runs this under ASan and UBSan too). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "evidence.h"
#include "pdf_attach.h"
#include "report_doc.h"
#include "report_pdf.h"
#include "report_text.h"
#include "wo_crypto.h"
#include "wo_statement.h"

static char *dup(const char *s) { return strdup(s); }

/* A small signed order, and its report as PDF with the evidence. */
static void make_report(uint8_t **pdf, size_t *len, char **json, size_t *jl)
{
    struct wo_order o = {0};
    uint8_t priv[32], pub[32];
    char err[256];
    assert_int_equal(wo_key_generate(priv, pub), 0);
    o.id = 7;
    o.title = dup("Pompa bocor");
    o.priority = dup("P2");
    o.status = dup("closed");
    o.created_at = 1795000000000;
    o.n_notes = 1;
    o.notes = calloc(1, sizeof *o.notes);
    o.notes[0].id = dup("n1");
    o.notes[0].author = dup("alice");
    o.notes[0].at = o.created_at + 1000;
    o.notes[0].text = dup("Sudah diperbaiki; tekanan normal.");
    o.n_sigs = 2;
    o.sigs = calloc(2, sizeof *o.sigs);
    for (int i = 0; i < 2; i++) {
        struct wo_sig *g = &o.sigs[i];
        g->id = dup(i ? "s2" : "s1");
        g->role = dup(i ? "recipient" : "technician");
        g->signer = dup(i ? "Budi" : "alice");
        g->device_id = 3;
        g->signed_at = o.created_at + 5000 + i;
        g->satisfied = true;
        struct wo_stmt_meta m = {.role = g->role, .signer = g->signer,
                                 .device_id = 3, .signed_at = g->signed_at,
                                 .satisfied = true};
        assert_int_equal(wo_statement_build(&o, &m, &g->statement), 0);
        g->sig = malloc(64);
        g->sig_len = 64;
        assert_int_equal(wo_sign(priv, g->statement, strlen(g->statement),
                                 g->sig), 0);
        g->pubkey = malloc(32);
        memcpy(g->pubkey, pub, 32);
        g->pubkey_len = 32;
    }
    struct ev_context x = {.generated_at = o.created_at + 9000,
                           .lang = "en"};
    struct evidence ev;
    struct report_doc d;
    uint8_t *raw;
    size_t rl;
    assert_int_equal(evidence_build(&o, &x, json, jl), 0);
    assert_int_equal(evidence_parse(*json, *jl, &ev, err, sizeof err), 0);
    assert_true(ev.complete);
    assert_int_equal(report_doc_build(&ev, &d), 0);
    assert_int_equal(report_pdf_render(&d, &raw, &rl, NULL, err, sizeof err),
                     0);
    struct pdf_file f = {.name = EVIDENCE_NAME, .mime = "application/json",
                         .desc = "evidence", .data = (uint8_t *)*json,
                         .len = *jl, .mtime_ms = x.generated_at};
    assert_int_equal(pdf_attach(raw, rl, &f, pdf, len, err, sizeof err), 0);
    /* the pages show the evidence */
    assert_int_equal(report_text_check(*pdf, *len, &d, err, sizeof err),
                     0);
    free(raw);
    report_doc_cleanup(&d);
    evidence_cleanup(&ev);
    wo_order_cleanup(&o);
}

static void test_round_trip_and_damage(void **st)
{
    uint8_t *pdf;
    size_t len, jl, n;
    char *json, err[512];
    const uint8_t *att;
    make_report(&pdf, &len, &json, &jl);

    assert_int_equal(pdf_attachment(pdf, len, EVIDENCE_NAME, &att, &n, err,
                                    sizeof err), 0);
    assert_int_equal(n, jl);
    assert_memory_equal(att, json, jl);
    assert_int_equal(pdf_attachment(pdf, len, "other.json", &att, &n, err,
                                    sizeof err), WO_ENOTFOUND);

    /* attaching twice is refused: the catalog already has /Names */
    uint8_t *twice;
    size_t tl;
    struct pdf_file f = {.name = "x.json", .mime = "application/json",
                         .desc = "x", .data = (uint8_t *)"{}", .len = 2};
    assert_int_equal(pdf_attach(pdf, len, &f, &twice, &tl, err, sizeof err),
                     WO_EINVAL);
    assert_non_null(strstr(err, "/Names"));

    /* every prefix: an error with a reason, or (past the end of the
     * attachment's objects) the same attachment, never a crash */
    for (size_t cut = 0; cut < len; cut += cut < len - 400 ? 613 : 7) {
        err[0] = 0;
        int rc = pdf_attachment(pdf, cut, EVIDENCE_NAME, &att, &n, err,
                                sizeof err);
        if (rc)
            assert_true(err[0]);
        else
            assert_true(att + n <= pdf + cut);
    }
    /* flipped bytes in the update's objects and trailer */
    size_t tail = len > 3000 ? len - 3000 : 0;
    for (size_t i = tail; i < len; i += 3) {
        pdf[i] ^= 0x5a;
        int rc = pdf_attachment(pdf, len, EVIDENCE_NAME, &att, &n, err,
                                sizeof err);
        if (!rc)
            assert_true(att >= pdf && att + n <= pdf + len);
        pdf[i] ^= 0x5a;
    }
    free(pdf);
    free(json);
}

static void test_evidence_damage(void **st)
{
    uint8_t *pdf;
    size_t len, jl;
    char *json, err[512];
    struct evidence ev;
    make_report(&pdf, &len, &json, &jl);
    free(pdf);
    /* every prefix of the JSON is refused with a reason */
    for (size_t cut = 0; cut < jl; cut += 11) {
        err[0] = 0;
        assert_int_not_equal(evidence_parse(json, cut, &ev, err, sizeof err),
                             0);
        assert_true(err[0]);
    }
    /* a flipped byte anywhere: refused, or parsed with a failed check or
     * a different meaning; never a crash, never both signatures valid
     * over changed signed bytes */
    size_t bad = 0;
    for (size_t i = 0; i < jl; i++) {
        json[i] ^= 0x01;
        if (evidence_parse(json, jl, &ev, err, sizeof err) == 0) {
            if (!ev.complete || ev.problem[0])
                bad++;
            evidence_cleanup(&ev);
        } else {
            bad++;
        }
        json[i] ^= 0x01;
    }
    assert_true(bad > jl / 2);
    free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_damage),
        cmocka_unit_test(test_evidence_damage),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    report_pdf_shutdown();
    return rc;
}
