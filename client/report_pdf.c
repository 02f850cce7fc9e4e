/*
 * report_pdf.c - draw a report_doc on A4 PDF pages with cairo and pango.
 *
 * Two passes: the first lays out every block with pango and assigns each
 * of its lines a page and a height (so the footer can say "Page i of n"
 * and a signature box is never split when it fits on a page); the second
 * draws page by page. Lines are drawn one by one, so a long note flows on
 * to the next page at a line boundary. Word wrap never inserts hyphens:
 * the text on the page is exactly the text of the blocks, which `wo
 * verify` relies on (report_text.c).
 *
 * Units are PDF points (1/72 in); the pango context runs at 72 dpi with
 * metrics hinting off, so a layout is the same on any machine with the
 * same fonts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include "pdf_attach.h"
#include "report_pdf.h"
#include "wo_err.h"

#define PAGE_W 595.276  /* A4 */
#define PAGE_H 841.890
#define MARGIN_X 56.0
#define TOP 70.0        /* first line of content */
#define BOTTOM 778.0    /* no content below this */
#define CONTENT_W (PAGE_W - 2 * MARGIN_X)
#define FIELD_TAB 112.0 /* value column of RD_FIELD */
#define SIG_INSET 12.0  /* signature box padding */
#define SIG_TAB 132.0
#define QR_SIZE 96.0

struct style {
    const char *font;
    double before;      /* space above, dropped at the top of a page */
    double indent;      /* from the left margin */
    double r, g, b;
};

static const struct style styles[] = {
    [RD_TITLE] = {"DejaVu Sans Bold 20", 0, 0, 0.12, 0.23, 0.37},
    [RD_SUBTITLE] = {"DejaVu Sans 12.5", 4, 0, 0.10, 0.10, 0.10},
    [RD_HEADING] = {"DejaVu Sans Bold 11.5", 16, 0, 0.12, 0.23, 0.37},
    [RD_FIELD] = {"DejaVu Sans 9.5", 2.5, 0, 0.10, 0.10, 0.10},
    [RD_ITEM] = {"DejaVu Sans 9", 2, 0, 0.10, 0.10, 0.10},
    [RD_META] = {"DejaVu Sans Oblique 8.5", 7, 0, 0.38, 0.38, 0.38},
    [RD_PARA] = {"DejaVu Sans 9.5", 1.5, 0, 0.10, 0.10, 0.10},
    [RD_SIGNER] = {"DejaVu Sans Bold 10.5", 16, SIG_INSET, 0.10, 0.10, 0.10},
    [RD_SIGFIELD] = {"DejaVu Sans 8.5", 2, SIG_INSET, 0.10, 0.10, 0.10},
    [RD_SIGMONO] = {"DejaVu Sans Mono 7.5", 2, SIG_INSET, 0.10, 0.10, 0.10},
    [RD_QR] = {"DejaVu Sans 9", 6, 0, 0, 0, 0},
};

/* Where one laid-out line of a block goes. */
struct line_at {
    int page;
    double y;           /* top of the line */
};

struct placed {
    PangoLayout *l;     /* NULL for RD_QR */
    struct line_at *lines;
    int n_lines;
    double height;      /* whole block, without the space before */
};

struct render {
    const struct report_doc *d;
    PangoContext *ctx;
    struct placed *p;
    int pages;
    uint8_t *buf;
    size_t len, cap;
    int oom;
};

static cairo_status_t write_cb(void *closure, const unsigned char *data,
                               unsigned int n)
{
    struct render *r = closure;
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 65536;
        while (cap < r->len + n)
            cap *= 2;
        uint8_t *nb = realloc(r->buf, cap);
        if (!nb) {
            r->oom = 1;
            return CAIRO_STATUS_NO_MEMORY;
        }
        r->buf = nb;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, data, n);
    r->len += n;
    return CAIRO_STATUS_SUCCESS;
}

/* A layout for one block: label in bold, no inserted hyphens. */
static PangoLayout *block_layout(struct render *r, const struct rd_block *b)
{
    const struct style *st = &styles[b->kind];
    PangoLayout *l = pango_layout_new(r->ctx);
    PangoFontDescription *fd = pango_font_description_from_string(st->font);
    PangoAttrList *al = pango_attr_list_new();
    double width = CONTENT_W - 2 * st->indent, tab = 0;
    const char *sep = report_doc_sep(b);
    size_t ll = b->label ? strlen(b->label) : 0;

    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_width(l, (int)(width * PANGO_SCALE));
    if (b->kind == RD_FIELD)
        tab = FIELD_TAB;
    else if (b->kind == RD_SIGFIELD || b->kind == RD_SIGMONO)
        tab = SIG_TAB;
    if (tab) {
        PangoTabArray *ta = pango_tab_array_new_with_positions(
            1, TRUE, PANGO_TAB_LEFT, (int)tab);
        pango_layout_set_tabs(l, ta);
        pango_tab_array_free(ta);
        pango_layout_set_indent(l, (int)(-tab * PANGO_SCALE));
    } else if (b->kind == RD_ITEM) {
        pango_layout_set_indent(l, -18 * PANGO_SCALE);
    }
    size_t sl = strlen(sep), tl = strlen(b->text);
    char *text = malloc(ll + sl + tl + 1);
    if (!text) {
        r->oom = 1;
        pango_attr_list_unref(al);
        return l;
    }
    memcpy(text, b->label ? b->label : "", ll);
    memcpy(text + ll, sep, sl);
    memcpy(text + ll + sl, b->text, tl + 1);
    PangoAttribute *a = pango_attr_insert_hyphens_new(FALSE);
    pango_attr_list_insert(al, a);
    if (ll) {
        a = pango_attr_weight_new(PANGO_WEIGHT_BOLD);
        a->start_index = 0;
        a->end_index = (guint)ll;
        pango_attr_list_insert(al, a);
        if (b->kind == RD_SIGMONO) {
            /* the label is prose, only the digest is monospace */
            a = pango_attr_family_new("DejaVu Sans");
            a->start_index = 0;
            a->end_index = (guint)ll;
            pango_attr_list_insert(al, a);
            a = pango_attr_size_new((int)(8.5 * PANGO_SCALE));
            a->start_index = 0;
            a->end_index = (guint)ll;
            pango_attr_list_insert(al, a);
        }
    }
    pango_layout_set_text(l, text, -1);
    pango_layout_set_attributes(l, al);
    pango_attr_list_unref(al);
    free(text);
    return l;
}

/* Height of a block's first line (for keep-with-next). */
static double first_line_h(const struct placed *p)
{
    if (!p->l)
        return p->height;
    PangoLayoutIter *it = pango_layout_get_iter(p->l);
    PangoRectangle lr;
    pango_layout_iter_get_line_extents(it, NULL, &lr);
    pango_layout_iter_free(it);
    return lr.height / (double)PANGO_SCALE;
}

/* Height needed from block i on before a page break may come: the whole
 * group, or a heading or note head with what follows it. */
static double keep_height(struct render *r, size_t i)
{
    const struct report_doc *d = r->d;
    const struct rd_block *b = &d->b[i];
    double h = r->p[i].height;
    if (b->group) {
        for (size_t k = i + 1; k < d->n && d->b[k].group == b->group; k++)
            h += styles[d->b[k].kind].before + r->p[k].height;
        return h + (b->kind == RD_SIGNER ? SIG_INSET : 0);
    }
    if ((b->kind == RD_HEADING || b->kind == RD_META) && i + 1 < d->n) {
        size_t k = i + 1;
        double next = d->b[k].group ? keep_height(r, k) : first_line_h(&r->p[k]);
        /* a heading above a group that does not fit on a page alone
         * only needs the group's first line */
        if (next > BOTTOM - TOP - h)
            next = first_line_h(&r->p[k]);
        h += styles[d->b[k].kind].before + next;
    }
    return h;
}

/* Pass 1: pages and positions of every line. */
static int paginate(struct render *r)
{
    const struct report_doc *d = r->d;
    int page = 1, group = 0;
    double y = TOP;

    for (size_t i = 0; i < d->n; i++) {
        struct placed *p = &r->p[i];
        const struct rd_block *b = &d->b[i];
        if (b->kind == RD_QR) {
            p->height = QR_SIZE;
            p->n_lines = 1;
        } else {
            p->l = block_layout(r, b);
            PangoRectangle lr;
            pango_layout_get_extents(p->l, NULL, &lr);
            p->height = lr.height / (double)PANGO_SCALE;
            p->n_lines = pango_layout_get_line_count(p->l);
        }
        if (!(p->lines = calloc((size_t)p->n_lines, sizeof *p->lines)))
            return WO_ENOMEM;
    }
    for (size_t i = 0; i < d->n; i++) {
        struct placed *p = &r->p[i];
        const struct rd_block *b = &d->b[i];
        double before = y > TOP ? styles[b->kind].before : 0;
        /* a keep-together unit that fits on an empty page starts one */
        int starts = (b->group && b->group != group) ||
                     b->kind == RD_HEADING || b->kind == RD_META;
        if (starts) {
            double need = keep_height(r, i);
            if (y + before + need > BOTTOM && need <= BOTTOM - TOP &&
                y > TOP) {
                page++;
                y = TOP;
                before = 0;
            }
        }
        group = b->group;
        y += before;
        if (!p->l) {
            if (y + p->height > BOTTOM && y > TOP) {
                page++;
                y = TOP;
            }
            p->lines[0] = (struct line_at){page, y};
            y += p->height;
            continue;
        }
        PangoLayoutIter *it = pango_layout_get_iter(p->l);
        int k = 0;
        do {
            PangoRectangle lr;
            pango_layout_iter_get_line_extents(it, NULL, &lr);
            double h = lr.height / (double)PANGO_SCALE;
            if (y + h > BOTTOM && y > TOP) {
                page++;
                y = TOP;
            }
            p->lines[k++] = (struct line_at){page, y};
            y += h;
        } while (pango_layout_iter_next_line(it) && k < p->n_lines);
        pango_layout_iter_free(it);
    }
    r->pages = page;
    return 0;
}

static void show_text_at(cairo_t *cr, PangoContext *ctx, const char *font,
                         const char *text, double x, double y, double gray)
{
    PangoLayout *l = pango_layout_new(ctx);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(l, text, -1);
    cairo_set_source_rgb(cr, gray, gray, gray);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, l);
    g_object_unref(l);
}

/* DRAFT across the page, as outlines: shapes, not text, so it does not
 * interleave with the page text a reader (or `wo verify`) extracts. */
static void watermark(cairo_t *cr, PangoContext *ctx, const char *word)
{
    PangoLayout *l = pango_layout_new(ctx);
    PangoFontDescription *fd =
        pango_font_description_from_string("DejaVu Sans Bold 120");
    PangoRectangle ink;
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(l, word, -1);
    pango_layout_get_extents(l, &ink, NULL);
    cairo_save(cr);
    cairo_translate(cr, PAGE_W / 2, PAGE_H / 2);
    cairo_rotate(cr, -0.9);
    cairo_move_to(cr, -(ink.x + ink.width / 2.0) / PANGO_SCALE,
                  -(ink.y + ink.height / 2.0) / PANGO_SCALE);
    pango_cairo_layout_path(cr, l);
    cairo_set_source_rgba(cr, 0.8, 0.1, 0.1, 0.10);
    cairo_fill(cr);
    cairo_restore(cr);
    g_object_unref(l);
}

static void furniture(struct render *r, cairo_t *cr, int page)
{
    const struct report_doc *d = r->d;
    if (d->draft)
        watermark(cr, r->ctx, d->draft_mark);
    show_text_at(cr, r->ctx, d->draft ? "DejaVu Sans Bold 8" : "DejaVu Sans 8",
                 d->header, MARGIN_X, 34, d->draft ? 0.55 : 0.4);
    cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
    cairo_set_line_width(cr, 0.5);
    cairo_move_to(cr, MARGIN_X, 50);
    cairo_line_to(cr, PAGE_W - MARGIN_X, 50);
    cairo_move_to(cr, MARGIN_X, BOTTOM + 14);
    cairo_line_to(cr, PAGE_W - MARGIN_X, BOTTOM + 14);
    cairo_stroke(cr);
    char *foot = report_doc_footer(d, page, r->pages);
    if (foot)
        show_text_at(cr, r->ctx, "DejaVu Sans 8", foot, MARGIN_X, BOTTOM + 20,
                     0.4);
    else
        r->oom = 1;
    free(foot);
}

static void draw_qr(cairo_t *cr, const char *payload, double x, double y)
{
    QRcode *q = QRcode_encodeString8bit(payload, 0, QR_ECLEVEL_M);
    if (!q)
        return;
    double m = QR_SIZE / (q->width + 8); /* 4 modules of quiet zone */
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, x, y, QR_SIZE, QR_SIZE);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int i = 0; i < q->width; i++)
        for (int k = 0; k < q->width; k++)
            if (q->data[i * q->width + k] & 1)
                cairo_rectangle(cr, x + (k + 4) * m, y + (i + 4) * m, m, m);
    cairo_fill(cr);
    QRcode_free(q);
}

/* The frame of signature box `group` on `page`: from its first to its
 * last line there, with a bar in the colour of its result. */
static void sig_frame(struct render *r, cairo_t *cr, size_t first, int page)
{
    const struct report_doc *d = r->d;
    int group = d->b[first].group, state = d->b[first].state;
    double top = -1, bottom = 0;
    for (size_t k = first; k < d->n && d->b[k].group == group; k++) {
        const struct placed *p = &r->p[k];
        PangoLayoutIter *it = p->l ? pango_layout_get_iter(p->l) : NULL;
        for (int j = 0; it && j < p->n_lines; j++) {
            PangoRectangle lr;
            pango_layout_iter_get_line_extents(it, NULL, &lr);
            if (p->lines[j].page == page) {
                if (top < 0)
                    top = p->lines[j].y;
                bottom = p->lines[j].y + lr.height / (double)PANGO_SCALE;
            }
            pango_layout_iter_next_line(it);
        }
        if (it)
            pango_layout_iter_free(it);
    }
    if (top < 0)
        return;
    cairo_rectangle(cr, MARGIN_X, top - SIG_INSET / 2, CONTENT_W,
                    bottom - top + SIG_INSET);
    cairo_set_source_rgb(cr, 0.97, 0.97, 0.96);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.78, 0.78, 0.78);
    cairo_set_line_width(cr, 0.6);
    cairo_stroke(cr);
    if (state > 0)
        cairo_set_source_rgb(cr, 0.18, 0.49, 0.20);
    else if (state < 0)
        cairo_set_source_rgb(cr, 0.78, 0.16, 0.16);
    else
        cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_rectangle(cr, MARGIN_X, top - SIG_INSET / 2, 3.5,
                    bottom - top + SIG_INSET);
    cairo_fill(cr);
}

static const char *tag_of(enum rd_kind k)
{
    return k == RD_TITLE ? "H1" : k == RD_HEADING ? "H2" : "P";
}

/* Pass 2: page by page, the lines placed there. */
static void draw(struct render *r, cairo_t *cr)
{
    const struct report_doc *d = r->d;
    cairo_tag_begin(cr, "Document", NULL);
    for (int page = 1; page <= r->pages; page++) {
        furniture(r, cr, page);
        for (size_t i = 0; i < d->n; i++)
            if (d->b[i].kind == RD_SIGNER &&
                (i == 0 || d->b[i - 1].group != d->b[i].group))
                sig_frame(r, cr, i, page);
        for (size_t i = 0; i < d->n; i++) {
            const struct placed *p = &r->p[i];
            const struct style *st = &styles[d->b[i].kind];
            if (p->lines[0].page > page || p->lines[p->n_lines - 1].page < page)
                continue;
            if (!p->l) {
                cairo_tag_begin(cr, "Figure", NULL);
                draw_qr(cr, d->qr, MARGIN_X, p->lines[0].y);
                cairo_tag_end(cr, "Figure");
                continue;
            }
            cairo_tag_begin(cr, tag_of(d->b[i].kind), NULL);
            cairo_set_source_rgb(cr, st->r, st->g, st->b);
            PangoLayoutIter *it = pango_layout_get_iter(p->l);
            for (int j = 0; j < p->n_lines; j++) {
                PangoRectangle lr;
                pango_layout_iter_get_line_extents(it, NULL, &lr);
                if (p->lines[j].page == page) {
                    int base = pango_layout_iter_get_baseline(it);
                    cairo_move_to(cr, MARGIN_X + st->indent +
                                          lr.x / (double)PANGO_SCALE,
                                  p->lines[j].y +
                                      (base - lr.y) / (double)PANGO_SCALE);
                    pango_cairo_show_layout_line(
                        cr, pango_layout_iter_get_line_readonly(it));
                }
                pango_layout_iter_next_line(it);
            }
            pango_layout_iter_free(it);
            cairo_tag_end(cr, tag_of(d->b[i].kind));
            if (d->b[i].kind == RD_HEADING && p->lines[0].page == page) {
                double yb = p->lines[0].y + p->height + 1.5;
                cairo_set_source_rgb(cr, 0.12, 0.23, 0.37);
                cairo_set_line_width(cr, 0.8);
                cairo_move_to(cr, MARGIN_X, yb);
                cairo_line_to(cr, PAGE_W - MARGIN_X, yb);
                cairo_stroke(cr);
            }
        }
        cairo_show_page(cr);
    }
    cairo_tag_end(cr, "Document");
}

int report_pdf_render(const struct report_doc *d, uint8_t **out, size_t *len,
                      int *pages, char *err, size_t errlen)
{
    struct render r = {.d = d};
    char date[32];
    int rc = 0;
    time_t t = (time_t)(d->generated_at / 1000);
    struct tm tm;

    *out = NULL;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cairo_surface_t *s =
        cairo_pdf_surface_create_for_stream(write_cb, &r, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, d->title);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_AUTHOR, d->author);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_SUBJECT, d->subject);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_KEYWORDS,
                                   "service report, work order, "
                                   EVIDENCE_NAME);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "wo");
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, date);
    cairo_t *cr = cairo_create(s);
    r.ctx = pango_cairo_create_context(cr);
    pango_cairo_context_set_resolution(r.ctx, 72);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(r.ctx, fo);
    cairo_font_options_destroy(fo);
    if (!(r.p = calloc(d->n ? d->n : 1, sizeof *r.p)))
        rc = WO_ENOMEM;
    if (!rc)
        rc = paginate(&r);
    if (!rc && !r.oom)
        draw(&r, cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    cairo_status_t cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    for (size_t i = 0; r.p && i < d->n; i++) {
        if (r.p[i].l)
            g_object_unref(r.p[i].l);
        free(r.p[i].lines);
    }
    free(r.p);
    g_object_unref(r.ctx);
    if (!rc && r.oom)
        rc = WO_ENOMEM;
    if (!rc && cs != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "cairo could not write the PDF: %s",
                 cairo_status_to_string(cs));
        rc = WO_EIO;
    }
    if (rc) {
        free(r.buf);
        return rc;
    }
    *out = r.buf;
    *len = r.len;
    if (pages)
        *pages = r.pages;
    return 0;
}

int report_pdf_make(const struct evidence *ev, uint8_t **out, size_t *len,
                    int *pages, bool *draft, char *err, size_t errlen)
{
    struct report_doc d = {0};
    uint8_t *pdf = NULL;
    size_t pdf_len = 0;
    *out = NULL;
    *len = 0;
    int rc = report_doc_build(ev, &d);
    if (!rc)
        rc = report_pdf_render(&d, &pdf, &pdf_len, pages, err, errlen);
    if (!rc) {
        struct pdf_file f = {.name = EVIDENCE_NAME,
                             .mime = "application/json",
                             .desc = "wo service report evidence: statements, "
                                     "signatures, device keys",
                             .data = (const uint8_t *)ev->json,
                             .len = ev->json_len,
                             .mtime_ms = ev->generated_at};
        rc = pdf_attach(pdf, pdf_len, &f, out, len, err, errlen);
    }
    if (rc == WO_ENOMEM)    /* from any step: they need not say it */
        snprintf(err, errlen, "out of memory making the report");
    if (!rc && draft)
        *draft = d.draft;
    free(pdf);
    report_doc_cleanup(&d);
    return rc;
}

void report_pdf_shutdown(void)
{
    pango_cairo_font_map_set_default(NULL);
    cairo_debug_reset_static_data();
    FcFini();
}
