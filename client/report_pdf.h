/*
 * report_pdf.h - a service report's pages as PDF (cairo's PDF surface,
 * pango for text layout, libqrencode for the QR code), and the check that
 * a PDF's page text is the text its evidence gives (poppler).
 *
 * report_pdf.c is the only file with <cairo.h>, <pango/...> and
 * <qrencode.h>; report_text.c the only one with <poppler.h>.
 */
#ifndef REPORT_PDF_H
#define REPORT_PDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report_doc.h"

/*
 * Lay out and draw d on A4 pages: a header and a footer ("Page i of n",
 * the generation time) on each, DRAFT across each page of a draft, the
 * QR code, PDF metadata (title, author, subject, creator, date) and
 * structure tags. *out is malloc'd (*len bytes); *pages may be NULL.
 * Returns 0, WO_ENOMEM or WO_EIO (cairo failed; err says how).
 */
int report_pdf_render(const struct report_doc *d, uint8_t **out, size_t *len,
                      int *pages, char *err, size_t errlen);

/*
 * The whole service report of parsed evidence ev: its blocks
 * (report_doc.h), drawn as above, with ev's JSON attached (pdf_attach.h,
 * EVIDENCE_NAME). The one path every report takes: `wo report-pdf` and
 * the server's completion message (server/svcreport.h). *out is malloc'd
 * (*len bytes); *pages and *draft may be NULL. Returns 0, WO_ENOMEM,
 * WO_EIO or WO_EINVAL with err saying what failed.
 */
int report_pdf_make(const struct evidence *ev, uint8_t **out, size_t *len,
                    int *pages, bool *draft, char *err, size_t errlen);

/*
 * Release what pango, cairo and fontconfig keep for the whole process
 * (the font map, caches), so that a leak checker sees only real leaks.
 * Call once, after the last report; nothing here may be used after it.
 */
void report_pdf_shutdown(void);

#endif
