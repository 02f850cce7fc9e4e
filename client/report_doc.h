/*
 * report_doc.h - the text of a service report, as a list of blocks made
 * from parsed evidence (evidence.h) in English or Bahasa Indonesia.
 *
 * The same blocks are drawn on PDF pages (report_pdf.h), printed in the
 * terminal before a recipient co-signs, and re-made by `wo verify` to
 * check the text a PDF shows. So every word a report shows comes from
 * here, and from nothing but the evidence.
 */
#ifndef REPORT_DOC_H
#define REPORT_DOC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "evidence.h"

enum rd_kind {
    RD_TITLE,       /* the report's name */
    RD_SUBTITLE,    /* order number and title */
    RD_HEADING,     /* a section; never left last on a page */
    RD_FIELD,       /* bold label in a column, then the value */
    RD_ITEM,        /* bold label, then the value on the same line */
    RD_META,        /* small grey line: who and when (a note's head) */
    RD_PARA,        /* running text; may wrap across pages */
    RD_SIGNER,      /* a signature box's first line */
    RD_SIGFIELD,    /* a line in a signature box */
    RD_SIGMONO,     /* a digest in a signature box (monospace) */
    RD_QR,          /* the QR code (no text) */
};

struct rd_block {
    enum rd_kind kind;
    char *label;    /* RD_FIELD, RD_ITEM, RD_SIG*: bold part; else NULL */
    char *text;     /* never NULL */
    int group;      /* blocks sharing a non-zero group stay on one page */
    int state;      /* RD_SIGNER: 1 valid, -1 not valid, 0 not signed */
};

struct report_doc {
    struct rd_block *b;
    size_t n, cap;
    const char *lang;       /* "en" | "id" */
    bool draft;             /* not signed validly by both parties */
    char *header;           /* the line atop every page */
    char *draft_mark;       /* the word across a draft's pages */
    char *qr;               /* what the QR code holds */
    char *title;            /* PDF metadata */
    char *subject;
    char *author;
    int64_t generated_at;
    int oom;
};

/* Make the blocks of ev's report. 0 or WO_ENOMEM; clean up either way. */
int report_doc_build(const struct evidence *ev, struct report_doc *d);
void report_doc_cleanup(struct report_doc *d);

/* What stands between a block's label and its text on the page: a tab
 * to the value column, ": " after a signer's role, or spaces. */
const char *report_doc_sep(const struct rd_block *b);

/* The line at the foot of page `page` of `pages`, malloc'd. */
char *report_doc_footer(const struct report_doc *d, int page, int pages);

/* The report as terminal text (no page furniture). */
void report_doc_print(const struct report_doc *d, FILE *f);

/* A time as the report shows it: "2026-11-24 09:00 UTC". */
const char *report_time(int64_t ms, char *buf, size_t len);

#endif
