/*
 * svcreport.h - an order's service report (docs/report.md) made on the
 * server, from the server's own record of the order: the PDF the
 * completion and closing messages carry (notify.h, mailer.h).
 *
 * The same code as `wo report-pdf` (evidence.h, report_pdf.h): order ->
 * evidence JSON -> parsed evidence -> pages with the evidence attached,
 * so `wo verify` accepts what the mail carries. Rendering takes cairo and
 * pango time: only the mailer's worker thread calls this, never the loop.
 */
#ifndef SVCREPORT_H
#define SVCREPORT_H

#include <stddef.h>
#include <stdint.h>

struct store;

/*
 * The service report of order id as st holds it, generated at now (ms,
 * the server's clock), labels in English, and checked as `wo verify`
 * checks its pages (report_text.h): a PDF that would not verify is not
 * returned. *pdf is malloc'd (*len bytes). 0, or a WO_E* code with err
 * saying what failed (no such order, the evidence, the drawing, the
 * check). *signed_by: which valid signatures it carries, SVCREPORT_TECH
 * and SVCREPORT_RECIP or'ed (both: the final report, else a draft).
 */
#define SVCREPORT_TECH 1
#define SVCREPORT_RECIP 2
int svcreport_pdf(struct store *st, int64_t id, int64_t now, uint8_t **pdf,
                  size_t *len, int *signed_by, char *err, size_t errlen);

/* The attachment's file name for order id: "WO-123-report.pdf". */
void svcreport_filename(int64_t id, char *out, size_t len);

/* Release what the drawing libraries keep for the calling thread and the
 * process (report_pdf_shutdown); call once, from the thread that drew,
 * after its last report. */
void svcreport_shutdown(void);

#endif
