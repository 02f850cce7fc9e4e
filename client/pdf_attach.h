/*
 * pdf_attach.h - one file attached to a finished PDF, and read back.
 *
 * cairo 1.16 cannot attach files, so the attachment is added after cairo
 * finished, as a PDF incremental update (ISO 32000-1, 7.5.6): new objects
 * are appended (an /EmbeddedFile stream, its /Filespec, a /Names tree with
 * /EmbeddedFiles, and a new revision of the /Catalog that adds /Names and
 * /AF), then an xref section for them and a trailer with /Prev pointing
 * at cairo's xref. cairo's bytes are left as they are.
 *
 * Only as much PDF is parsed as this needs: startxref, classic xref
 * tables (cairo writes no xref streams), the trailer's /Root, /Info, /ID
 * and /Size, and the objects named along the way. Reading back handles
 * exactly what pdf_attach writes (an uncompressed stream with a direct
 * /Length); anything else is refused with a reason rather than guessed.
 */
#ifndef PDF_ATTACH_H
#define PDF_ATTACH_H

#include <stddef.h>
#include <stdint.h>

struct pdf_file {
    const char *name;       /* file name in the PDF, ASCII, no ()\ */
    const char *mime;       /* "application/json" */
    const char *desc;       /* description shown by PDF readers, ASCII */
    const uint8_t *data;
    size_t len;
    int64_t mtime_ms;       /* /ModDate of the file */
};

/*
 * Append to the complete PDF pdf[0..len) an incremental update that
 * attaches f. *out (malloc'd, *outlen bytes) is the whole new PDF.
 * Returns 0, WO_ENOMEM, or WO_EINVAL with err saying what in the input
 * could not be handled (not a PDF with a classic xref, a catalog that
 * already has /Names or /AF).
 */
int pdf_attach(const uint8_t *pdf, size_t len, const struct pdf_file *f,
               uint8_t **out, size_t *outlen, char *err, size_t errlen);

/*
 * Find the file called `name` attached as pdf_attach does it, following
 * the latest revision's catalog. *data points into pdf (not copied) and
 * *n is its length. Returns 0, WO_ENOTFOUND (no such attachment), or
 * WO_EPROTO with err naming what is malformed.
 */
int pdf_attachment(const uint8_t *pdf, size_t len, const char *name,
                   const uint8_t **data, size_t *n, char *err,
                   size_t errlen);

#endif
