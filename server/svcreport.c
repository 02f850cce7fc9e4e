/*
 * svcreport.c - the service report made on the server (see svcreport.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "report_doc.h"
#include "report_pdf.h"
#include "report_text.h"
#include "store.h"
#include "svcreport.h"
#include "wo_err.h"

int svcreport_pdf(struct store *st, int64_t id, int64_t now, uint8_t **pdf,
                  size_t *len, int *signed_by, char *err, size_t errlen)
{
    struct wo_order o;
    struct evidence ev;
    char *json = NULL;
    size_t json_len = 0;
    *pdf = NULL;
    *len = 0;
    *signed_by = 0;
    int rc = store_order_load(st, id, STORE_LOAD_TECH, &o, NULL);
    if (rc) {
        snprintf(err, errlen, "cannot read order %lld: %s", (long long)id,
                 wo_strerror(rc));
        return rc;
    }
    /* every time here is the server's own: nothing is a device time */
    struct ev_context x = {.generated_at = now, .lang = "en",
                           .responded_src =
                               o.responded_at ? EV_SERVER : EV_NONE,
                           .resolved_src =
                               o.resolved_at ? EV_SERVER : EV_NONE};
    rc = evidence_build(&o, &x, &json, &json_len);
    wo_order_cleanup(&o);
    if (rc) {
        snprintf(err, errlen, "cannot make the report's evidence: %s",
                 wo_strerror(rc));
        return rc;
    }
    rc = evidence_parse(json, json_len, &ev, err, errlen);
    free(json);
    if (rc)
        return rc;
    *signed_by = (ev.signed_tech ? SVCREPORT_TECH : 0) |
                 (ev.signed_recip ? SVCREPORT_RECIP : 0);
    rc = report_pdf_make(&ev, pdf, len, NULL, NULL, err, errlen);
    /* what goes out must pass `wo verify`'s page check: a server without
     * the report's fonts draws pages that do not show the evidence */
    struct report_doc d = {0};
    char why[400];
    if (!rc && !(rc = report_doc_build(&ev, &d)) &&
        (rc = report_text_check(*pdf, *len, &d, why, sizeof why)))
        snprintf(err, errlen, "the pages drawn here do not show the report's "
                 "text (%s); are the fonts-dejavu-core fonts installed?", why);
    else if (rc == WO_ENOMEM)
        snprintf(err, errlen, "out of memory");
    report_doc_cleanup(&d);
    evidence_cleanup(&ev);
    if (rc) {
        free(*pdf);
        *pdf = NULL;
        *len = 0;
    }
    return rc;
}

void svcreport_filename(int64_t id, char *out, size_t len)
{
    snprintf(out, len, "WO-%lld-report.pdf", (long long)id);
}

void svcreport_shutdown(void)
{
    report_pdf_shutdown();
}
