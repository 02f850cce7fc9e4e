/*
 * pdfmod.h - the PDF half of service reports, loaded only by the commands
 * that draw or read a PDF.
 *
 * Drawing (cairo, pango, libqrencode) and reading back (poppler) pull in
 * some sixty shared libraries that take a `wo` start from about 10 ms to
 * 40 ms. Every other command, `wo sync` above all, runs without them: they
 * live in a module, wo-pdf.so, beside the program (DIR/../lib/wo for
 * DIR/wo, as `cmake --install` lays it out and as the build tree does),
 * opened with dlopen() at the first use.
 */
#ifndef PDFMOD_H
#define PDFMOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evidence;
struct report_doc;

/* What the module offers: report_pdf_make, report_pdf_shutdown and
 * report_text_check (report_pdf.h, report_text.h). */
struct pdfmod {
    int version; /* PDFMOD_VERSION of the module's build */
    int (*make)(const struct evidence *ev, uint8_t **out, size_t *len,
                int *pages, bool *draft, char *err, size_t errlen);
    void (*shutdown)(void);
    int (*text_check)(const uint8_t *pdf, size_t len,
                      const struct report_doc *d, char *err, size_t errlen);
};

/* The module's table, under this name (pdfmod_table.c). */
#define PDFMOD_SYMBOL "wo_pdfmod"
/* Raised whenever struct pdfmod or a function it points to changes: a
 * module of another build is refused, not called. */
#define PDFMOD_VERSION 1

/* The module, opened once (later calls return the same table), or NULL
 * with err saying which file could not be opened and why. */
const struct pdfmod *pdfmod_load(char *err, size_t errlen);

#endif
