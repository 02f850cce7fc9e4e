/*
 * report_text.c - does a PDF show the text its evidence gives? (see
 * report_text_check in report_text.h). poppler extracts each page's
 * text; the expected text is made from the same blocks the pages were
 * drawn from.
 *
 * The page text is read in visual order: poppler gives each character's
 * box, characters whose vertical centres are close form a line, lines go
 * top to bottom and characters left to right. (poppler's own reading
 * order takes a column of labels before the column of values.) That is
 * also the order of the blocks, whose label and value share a line.
 *
 * A machine with other fonts wraps lines elsewhere, so the comparison
 * drops all whitespace and compares NFKC-normalized characters in order.
 * Page furniture moves with the page count, so it is taken off each page
 * (the header from its start, the footer from its end) before the pages
 * are joined. The DRAFT mark and the QR code are drawn as shapes and carry
 * no text. Right-to-left scripts read in visual order come out reversed:
 * such a report would not pass this check (docs/report.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <poppler.h>

#include "report_pdf.h"
#include "report_text.h"
#include "wo_err.h"

/* s without whitespace (or soft hyphens), NFKC, appended to out. */
static void squeeze(GString *out, const char *s)
{
    if (!s)
        return;
    gchar *n = g_utf8_normalize(s, -1, G_NORMALIZE_NFKC);
    if (!n)
        return; /* not UTF-8: contributes nothing, and so mismatches */
    for (const gchar *p = n; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (!g_unichar_isspace(c) && c != 0xAD && c != 0x200B)
            g_string_append_unichar(out, c);
    }
    g_free(n);
}

struct glyph {
    gunichar c;
    double x, y, h;     /* left edge, vertical centre, height */
};

static int by_y(const void *a, const void *b)
{
    const struct glyph *p = a, *q = b;
    return p->y < q->y ? -1 : p->y > q->y ? 1 : (p->x > q->x) - (p->x < q->x);
}

static int by_x(const void *a, const void *b)
{
    const struct glyph *p = a, *q = b;
    return (p->x > q->x) - (p->x < q->x);
}

/* The page's characters in visual order, without whitespace. */
static char *visual_text(PopplerPage *pg)
{
    char *text = poppler_page_get_text(pg);
    PopplerRectangle *r = NULL;
    guint nr = 0;
    if (!text || !poppler_page_get_text_layout(pg, &r, &nr)) {
        g_free(r);
        return text; /* no boxes: poppler's order is all there is */
    }
    struct glyph *gl = g_new(struct glyph, nr ? nr : 1);
    size_t n = 0;
    guint i = 0;
    for (const char *p = text; *p && i < nr; p = g_utf8_next_char(p), i++) {
        gunichar c = g_utf8_get_char(p);
        if (g_unichar_isspace(c))
            continue;
        gl[n++] = (struct glyph){c, r[i].x1, (r[i].y1 + r[i].y2) / 2,
                                 r[i].y2 - r[i].y1};
    }
    qsort(gl, n, sizeof *gl, by_y);
    GString *out = g_string_new(NULL);
    for (size_t a = 0; a < n;) {
        /* one line: centres within a third of a line of its first glyph */
        size_t b = a + 1;
        double tol = gl[a].h > 0 ? gl[a].h / 3 : 2;
        while (b < n && gl[b].y - gl[a].y <= tol)
            b++;
        qsort(gl + a, b - a, sizeof *gl, by_x);
        for (size_t k = a; k < b; k++)
            g_string_append_unichar(out, gl[k].c);
        a = b;
    }
    g_free(gl);
    g_free(r);
    g_free(text);
    return g_string_free(out, FALSE);
}

/* The first difference of a and b as "...x..." snippets in err. */
static void describe(const GString *page, const GString *want, char *err,
                     size_t errlen)
{
    size_t i = 0;
    while (i < page->len && i < want->len && page->str[i] == want->str[i])
        i++;
    /* back to a character boundary, then a little context */
    while (i > 0 && ((unsigned char)want->str[i] & 0xC0) == 0x80)
        i--;
    const char *pa = g_utf8_find_prev_char(page->str, page->str + i);
    for (int k = 0; pa && k < 12; k++) {
        const char *q = g_utf8_find_prev_char(page->str, pa);
        if (!q)
            break;
        pa = q;
    }
    size_t from = pa ? (size_t)(pa - page->str) : 0;
    snprintf(err, errlen, "the text on the pages differs from the text the "
             "evidence gives, near \"%.60s\" (pages) / \"%.60s\" (evidence; "
             "spaces left out)",
             page->str + (from < page->len ? from : page->len),
             want->str + (from < want->len ? from : want->len));
}

int report_text_check(const uint8_t *pdf, size_t len,
                          const struct report_doc *d, char *err,
                          size_t errlen)
{
    GError *ge = NULL;
    GBytes *bytes = g_bytes_new_static(pdf, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &ge);
    GString *want = g_string_new(NULL), *got = g_string_new(NULL);
    GString *head = g_string_new(NULL), *page = g_string_new(NULL);
    int rc = 0;

    if (!doc) {
        snprintf(err, errlen, "cannot read the PDF's pages: %s",
                 ge ? ge->message : "unknown error");
        rc = WO_EPROTO;
        goto out;
    }
    for (size_t i = 0; i < d->n; i++) {
        squeeze(want, d->b[i].label);
        squeeze(want, report_doc_sep(&d->b[i]));
        squeeze(want, d->b[i].text);
    }
    squeeze(head, d->header);
    int n = poppler_document_get_n_pages(doc);
    for (int i = 0; i < n && !rc; i++) {
        PopplerPage *pg = poppler_document_get_page(doc, i);
        char *text = pg ? visual_text(pg) : NULL;
        char *foot_s = report_doc_footer(d, i + 1, n);
        GString *foot = g_string_new(NULL);
        g_string_truncate(page, 0);
        squeeze(page, text);
        squeeze(foot, foot_s);
        if (page->len < head->len ||
            memcmp(page->str, head->str, head->len)) {
            snprintf(err, errlen, "page %d does not start with the report's "
                     "header \"%s\"", i + 1, d->header);
            rc = WO_ECRYPTO;
        } else if (page->len < head->len + foot->len ||
                   memcmp(page->str + page->len - foot->len, foot->str,
                          foot->len)) {
            snprintf(err, errlen, "page %d does not end with its footer "
                     "\"%s\"", i + 1, foot_s ? foot_s : "");
            rc = WO_ECRYPTO;
        } else {
            g_string_append_len(got, page->str + head->len,
                                (gssize)(page->len - head->len - foot->len));
        }
        g_string_free(foot, TRUE);
        free(foot_s);
        g_free(text);
        if (pg)
            g_object_unref(pg);
    }
    if (!rc && (got->len != want->len || memcmp(got->str, want->str,
                                                got->len))) {
        describe(got, want, err, errlen);
        rc = WO_ECRYPTO;
    }
out:
    g_string_free(want, TRUE);
    g_string_free(got, TRUE);
    g_string_free(head, TRUE);
    g_string_free(page, TRUE);
    if (doc)
        g_object_unref(doc);
    g_bytes_unref(bytes);
    if (ge)
        g_error_free(ge);
    return rc;
}
