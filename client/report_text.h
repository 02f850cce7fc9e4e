/*
 * report_text.h - reading a report's page text back (poppler), to check it
 * against the evidence. The only client file with <poppler.h> is
 * report_text.c.
 */
#ifndef REPORT_TEXT_H
#define REPORT_TEXT_H

#include <stddef.h>
#include <stdint.h>

struct report_doc;

/*
 * Compare the text on the pages of pdf with the text of d. Whitespace is
 * ignored and both sides are NFKC-normalized, so only the characters and
 * their order count; each page must start with d's header and end with
 * its footer for that page. Returns 0 when they agree, WO_ECRYPTO with
 * err naming the first difference, or WO_EPROTO when the PDF cannot be
 * read.
 */
int report_text_check(const uint8_t *pdf, size_t len,
                      const struct report_doc *d, char *err,
                      size_t errlen);

#endif
