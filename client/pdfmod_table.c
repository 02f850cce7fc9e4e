/*
 * pdfmod_table.c - the one symbol wo-pdf.so exports (pdfmod.h): its
 * table of the report functions that need cairo, pango, libqrencode and
 * poppler. Everything else in the module is hidden.
 */
#include "pdfmod.h"
#include "report_pdf.h"
#include "report_text.h"

__attribute__((visibility("default"))) const struct pdfmod wo_pdfmod = {
    .version = PDFMOD_VERSION,
    .make = report_pdf_make,
    .shutdown = report_pdf_shutdown,
    .text_check = report_text_check,
};
