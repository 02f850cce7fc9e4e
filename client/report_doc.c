/*
 * report_doc.c - a service report's text from its evidence, in the
 * language the evidence names. Labels are a small table (English, Bahasa
 * Indonesia) rather than gettext: a dozen-odd phrases, and the language
 * must follow the evidence, not the reader's locale, so that `wo verify`
 * on any machine re-makes the same text.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_doc.h"

enum {
    L_REPORT, L_ORDER_NO, L_DRAFT, L_DRAFT_MARK, L_GENERATED, L_PAGE,
    L_SEC_ORDER, L_TITLE, L_STATUS, L_PRIORITY, L_TIER, L_RESPONSE,
    L_RESOLVE, L_DUE, L_MET, L_BREACHED, L_RUNNING, L_NO_TARGET, L_AT,
    L_DEVICE_TIME, L_REQUESTER, L_CONTACT, L_SITE, L_ASSET, L_PROBLEM,
    L_TECHNICIAN, L_OPENED, L_SEC_VISITS, L_VISIT, L_STILL_OPEN, L_BY,
    L_SEC_PARTS, L_QTY, L_SERIALS, L_SEC_NOTES, L_SEC_SIGS, L_ROLE_TECH,
    L_ROLE_RECIP, L_SIGNED_AT, L_DEVICE, L_KEY_SHA, L_STMT_SHA, L_RESULT,
    L_VALID, L_INVALID, L_VERDICT, L_TECH_VERDICT, L_SATISFIED,
    L_UNSATISFIED, L_COMMENT, L_COVERS, L_COVERS_FMT, L_NOT_YET,
    L_NO_KEY, L_SEC_VERIFY, L_VERIFY_TEXT, L_NONE, L_HOURS, L_MINUTES,
    L_PROBLEM_REC, L_VOID, L_RESOLVED_HOW, L_REMOTE, L_CLOSED_HOW,
    L_AUTO_CLOSED, L__COUNT
};

static const char *const en[L__COUNT] = {
    [L_REPORT] = "Service report",
    [L_ORDER_NO] = "Work order %lld",
    [L_DRAFT] = "DRAFT \xe2\x80\x94 not signed by both parties",
    [L_DRAFT_MARK] = "DRAFT",
    [L_GENERATED] = "Generated %s",
    [L_PAGE] = "Page %d of %d",
    [L_SEC_ORDER] = "Order",
    [L_TITLE] = "Title",
    [L_STATUS] = "Status",
    [L_PRIORITY] = "Priority",
    [L_TIER] = "tier",
    [L_RESPONSE] = "Response",
    [L_RESOLVE] = "Resolution",
    [L_DUE] = "due %s",
    [L_MET] = "met",
    [L_BREACHED] = "BREACHED",
    [L_RUNNING] = "not yet reached",
    [L_NO_TARGET] = "no target known",
    [L_AT] = "at %s",
    [L_DEVICE_TIME] = "device time, not yet confirmed by the server",
    [L_REQUESTER] = "Requester",
    [L_CONTACT] = "Contact",
    [L_SITE] = "Site",
    [L_ASSET] = "Asset",
    [L_PROBLEM] = "Problem",
    [L_TECHNICIAN] = "Technician",
    [L_OPENED] = "Opened",
    [L_SEC_VISITS] = "Visits",
    [L_VISIT] = "Visit %zu",
    [L_STILL_OPEN] = "still open",
    [L_BY] = "by %s",
    [L_SEC_PARTS] = "Parts",
    [L_QTY] = "qty %lld",
    [L_SERIALS] = "serial numbers",
    [L_SEC_NOTES] = "Notes",
    [L_SEC_SIGS] = "Signatures",
    [L_ROLE_TECH] = "Technician",
    [L_ROLE_RECIP] = "Recipient",
    [L_SIGNED_AT] = "Signed at",
    [L_DEVICE] = "Device",
    [L_KEY_SHA] = "Device key SHA-256",
    [L_STMT_SHA] = "Statement SHA-256",
    [L_RESULT] = "Result",
    [L_VALID] = "signature valid (Ed25519 over the statement, checked "
                "against the records in this report)",
    [L_INVALID] = "NOT VALID: %s",
    [L_VERDICT] = "Verdict",
    [L_TECH_VERDICT] = "the work is done",
    [L_SATISFIED] = "done and satisfactory",
    [L_UNSATISFIED] = "NOT satisfactory",
    [L_COMMENT] = "Comment",
    [L_COVERS] = "Covers",
    [L_COVERS_FMT] = "%zu of %zu visits, %zu of %zu parts, %zu of %zu notes "
                     "(each by id and SHA-256), the signer, device, time "
                     "and verdict",
    [L_NOT_YET] = "not signed yet",
    [L_NO_KEY] = "no device key",
    [L_SEC_VERIFY] = "Verification",
    [L_VERIFY_TEXT] = "The QR code holds the order number and the SHA-256 "
                      "of each signed statement. This PDF carries its "
                      "evidence (the statements, signatures and device "
                      "keys) as the attached file " EVIDENCE_NAME ": check "
                      "it with 'wo verify FILE.pdf', or with the openssl "
                      "command line alone (docs/report.md).",
    [L_NONE] = "none",
    [L_HOURS] = "h",
    [L_MINUTES] = "min",
    [L_PROBLEM_REC] = "EVIDENCE ALTERED: %s",
    [L_VOID] = "VOID",
    [L_RESOLVED_HOW] = "Resolved",
    [L_REMOTE] = "remotely, with no site visit",
    [L_CLOSED_HOW] = "Closed",
    [L_AUTO_CLOSED] = "by itself, 24 h after completion without dispute "
                      "(the recipient did not co-sign)",
};

static const char *const id[L__COUNT] = {
    [L_REPORT] = "Laporan servis",
    [L_ORDER_NO] = "Perintah kerja %lld",
    [L_DRAFT] = "DRAF \xe2\x80\x94 belum ditandatangani kedua pihak",
    [L_DRAFT_MARK] = "DRAF",
    [L_GENERATED] = "Dibuat %s",
    [L_PAGE] = "Halaman %d dari %d",
    [L_SEC_ORDER] = "Pesanan",
    [L_TITLE] = "Judul",
    [L_STATUS] = "Status",
    [L_PRIORITY] = "Prioritas",
    [L_TIER] = "tingkat",
    [L_RESPONSE] = "Respons",
    [L_RESOLVE] = "Penyelesaian",
    [L_DUE] = "batas %s",
    [L_MET] = "terpenuhi",
    [L_BREACHED] = "TERLAMPAUI",
    [L_RUNNING] = "belum tercapai",
    [L_NO_TARGET] = "target tidak diketahui",
    [L_AT] = "pada %s",
    [L_DEVICE_TIME] = "waktu perangkat, belum dikonfirmasi server",
    [L_REQUESTER] = "Pemohon",
    [L_CONTACT] = "Kontak",
    [L_SITE] = "Lokasi",
    [L_ASSET] = "Aset",
    [L_PROBLEM] = "Masalah",
    [L_TECHNICIAN] = "Teknisi",
    [L_OPENED] = "Dibuka",
    [L_SEC_VISITS] = "Kunjungan",
    [L_VISIT] = "Kunjungan %zu",
    [L_STILL_OPEN] = "masih berlangsung",
    [L_BY] = "oleh %s",
    [L_SEC_PARTS] = "Suku cadang",
    [L_QTY] = "jumlah %lld",
    [L_SERIALS] = "nomor seri",
    [L_SEC_NOTES] = "Catatan",
    [L_SEC_SIGS] = "Tanda tangan",
    [L_ROLE_TECH] = "Teknisi",
    [L_ROLE_RECIP] = "Penerima",
    [L_SIGNED_AT] = "Ditandatangani",
    [L_DEVICE] = "Perangkat",
    [L_KEY_SHA] = "SHA-256 kunci perangkat",
    [L_STMT_SHA] = "SHA-256 pernyataan",
    [L_RESULT] = "Hasil",
    [L_VALID] = "tanda tangan sah (Ed25519 atas pernyataan, dicocokkan "
                "dengan catatan dalam laporan ini)",
    [L_INVALID] = "TIDAK SAH: %s",
    [L_VERDICT] = "Penilaian",
    [L_TECH_VERDICT] = "pekerjaan selesai",
    [L_SATISFIED] = "selesai dan memuaskan",
    [L_UNSATISFIED] = "TIDAK memuaskan",
    [L_COMMENT] = "Komentar",
    [L_COVERS] = "Mencakup",
    [L_COVERS_FMT] = "%zu dari %zu kunjungan, %zu dari %zu suku cadang, %zu "
                     "dari %zu catatan (masing-masing dengan id dan "
                     "SHA-256), penanda tangan, perangkat, waktu dan "
                     "penilaian",
    [L_NOT_YET] = "belum ditandatangani",
    [L_NO_KEY] = "kunci perangkat tidak ada",
    [L_SEC_VERIFY] = "Verifikasi",
    [L_VERIFY_TEXT] = "Kode QR berisi nomor perintah kerja dan SHA-256 "
                      "setiap pernyataan yang ditandatangani. PDF ini "
                      "membawa buktinya (pernyataan, tanda tangan dan kunci "
                      "perangkat) sebagai lampiran " EVIDENCE_NAME ": "
                      "periksa dengan 'wo verify FILE.pdf', atau hanya "
                      "dengan perintah openssl (docs/report.md).",
    [L_NONE] = "tidak ada",
    [L_HOURS] = "jam",
    [L_MINUTES] = "mnt",
    [L_PROBLEM_REC] = "BUKTI DIUBAH: %s",
    [L_VOID] = "BATAL",
    [L_RESOLVED_HOW] = "Diselesaikan",
    [L_REMOTE] = "dari jauh, tanpa kunjungan ke lokasi",
    [L_CLOSED_HOW] = "Ditutup",
    [L_AUTO_CLOSED] = "otomatis, 24 jam setelah selesai tanpa sengketa "
                      "(penerima tidak ikut menandatangani)",
};

/* Statuses and visit outcomes as the report names them. */
static const struct {
    const char *key, *en, *id;
} words[] = {
    {"new", "new", "baru"},
    {"assigned", "assigned", "ditugaskan"},
    {"accepted", "accepted", "diterima"},
    {"en_route", "en route", "dalam perjalanan"},
    {"on_site", "on site", "di lokasi"},
    {"on_hold_parts", "waiting for parts", "menunggu suku cadang"},
    {"on_hold_customer", "waiting for the customer", "menunggu pelanggan"},
    {"completed", "completed", "selesai dikerjakan"},
    {"closed", "closed", "ditutup"},
    {"disputed", "disputed", "disengketakan"},
    {"reopened", "reopened", "dibuka kembali"},
    {"cancelled", "cancelled", "dibatalkan"},
    {"done", "done", "selesai"},
    {"needs-parts", "needs parts", "perlu suku cadang"},
    {"customer-absent", "customer absent", "pelanggan tidak ada"},
};

static const char *L(const struct report_doc *d, int k)
{
    return (!strcmp(d->lang, "id") ? id : en)[k];
}

static const char *word(const struct report_doc *d, const char *w)
{
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(words[i].key, w))
            return !strcmp(d->lang, "id") ? words[i].id : words[i].en;
    return w;
}

const char *report_time(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

/* printf into a new string; NULL (and d->oom) on no memory. */
static char *fmt(struct report_doc *d, const char *f, ...)
    __attribute__((format(printf, 2, 3)));

static char *fmt(struct report_doc *d, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!s) {
        d->oom = 1;
        return NULL;
    }
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

/* Append a block; label and text are copied. */
static void add(struct report_doc *d, enum rd_kind k, const char *label,
                const char *text, int group)
{
    if (d->oom)
        return;
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 64;
        struct rd_block *nb = realloc(d->b, cap * sizeof *nb);
        if (!nb) {
            d->oom = 1;
            return;
        }
        d->b = nb;
        d->cap = cap;
    }
    struct rd_block *b = &d->b[d->n];
    b->kind = k;
    b->group = group;
    b->state = 0;
    b->label = label ? strdup(label) : NULL;
    b->text = strdup(text ? text : "");
    if (!b->text || (label && !b->label)) {
        free(b->label);
        free(b->text);
        d->oom = 1;
        return;
    }
    d->n++;
}

/* add() taking ownership of a fmt() text. */
static void add_own(struct report_doc *d, enum rd_kind k, const char *label,
                    char *text, int group)
{
    if (text)
        add(d, k, label, text, group);
    free(text);
}

static void duration(const struct report_doc *d, int64_t ms, char *buf,
                     size_t len)
{
    int64_t m = (ms + 30000) / 60000;
    if (m >= 60)
        snprintf(buf, len, "%lld %s %02lld %s", (long long)(m / 60),
                 L(d, L_HOURS), (long long)(m % 60), L(d, L_MINUTES));
    else
        snprintf(buf, len, "%lld %s", (long long)m, L(d, L_MINUTES));
}

/* "due 10:00 UTC · met at 09:12 UTC (device time ...)" */
static char *sla_text(struct report_doc *d, const struct evidence *ev,
                      int64_t due, int64_t at, enum ev_src src)
{
    char tdue[32], tat[32], due_s[64], at_s[96];
    if (!due)
        return fmt(d, "%s", L(d, L_NO_TARGET));
    snprintf(due_s, sizeof due_s, L(d, L_DUE), report_time(due, tdue,
                                                           sizeof tdue));
    if (!at)
        return fmt(d, "%s \xc2\xb7 %s", due_s,
                   ev->generated_at > due ? L(d, L_BREACHED)
                                          : L(d, L_RUNNING));
    snprintf(at_s, sizeof at_s, L(d, L_AT), report_time(at, tat, sizeof tat));
    return fmt(d, "%s \xc2\xb7 %s %s%s%s%s", due_s,
               at <= due ? L(d, L_MET) : L(d, L_BREACHED), at_s,
               src == EV_DEVICE ? " (" : "",
               src == EV_DEVICE ? L(d, L_DEVICE_TIME) : "",
               src == EV_DEVICE ? ")" : "");
}

/* How the order ended, when the evidence shows it: a remote resolution;
 * a closure with no recipient's signature, which only the 24 h rule
 * makes (a recipient's co-signature closes it otherwise). */
static void how_section(struct report_doc *d, const struct evidence *ev)
{
    int recipient = 0;
    for (size_t i = 0; i < ev->o.n_sigs; i++)
        recipient |= !strcmp(ev->o.sigs[i].role, "recipient");
    if (ev->o.remote)
        add(d, RD_FIELD, L(d, L_RESOLVED_HOW), L(d, L_REMOTE), 0);
    if (!strcmp(ev->o.status, "closed") && !recipient)
        add(d, RD_FIELD, L(d, L_CLOSED_HOW), L(d, L_AUTO_CLOSED), 0);
}

static void order_section(struct report_doc *d, const struct evidence *ev)
{
    const struct wo_order *o = &ev->o;
    char tb[32];
    add(d, RD_HEADING, NULL, L(d, L_SEC_ORDER), 0);
    add(d, RD_FIELD, L(d, L_TITLE), o->title, 0);
    add(d, RD_FIELD, L(d, L_STATUS), word(d, o->status), 0);
    how_section(d, ev);
    add_own(d, RD_FIELD, L(d, L_PRIORITY),
            o->tier ? fmt(d, "%s \xc2\xb7 %s %s", o->priority, L(d, L_TIER),
                          o->tier)
                    : fmt(d, "%s", o->priority),
            0);
    add_own(d, RD_FIELD, L(d, L_RESPONSE),
            sla_text(d, ev, o->response_due, o->responded_at,
                     ev->responded_src), 0);
    add_own(d, RD_FIELD, L(d, L_RESOLVE),
            sla_text(d, ev, o->resolve_due, o->resolved_at, ev->resolved_src),
            0);
    const struct {
        int label;
        const char *v;
    } f[] = {{L_REQUESTER, o->requester}, {L_CONTACT, o->contact},
             {L_SITE, o->site},           {L_ASSET, o->asset},
             {L_PROBLEM, o->description}, {L_TECHNICIAN, o->assignee}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        add(d, RD_FIELD, L(d, f[i].label), f[i].v ? f[i].v : "\xe2\x80\x94",
            0);
    add(d, RD_FIELD, L(d, L_OPENED), report_time(o->created_at, tb, sizeof tb),
        0);
}

/* A voided part or note says so under its line: by whom, when, why. */
static void void_line(struct report_doc *d, const struct wo_order *o,
                      const char *rec)
{
    char t[32];
    for (size_t i = 0; i < o->n_voids; i++)
        if (!strcmp(o->voids[i].ref, rec)) {
            add_own(d, RD_META, NULL,
                    fmt(d, "%s \xc2\xb7 %s \xc2\xb7 %s: %s", L(d, L_VOID),
                        o->voids[i].author,
                        report_time(o->voids[i].at, t, sizeof t),
                        o->voids[i].reason), 0);
            return;
        }
}

static void records_section(struct report_doc *d, const struct wo_order *o)
{
    char t1[32], t2[32], dur[48], by[96];
    add_own(d, RD_HEADING, NULL,
            fmt(d, "%s (%zu)", L(d, L_SEC_VISITS), o->n_visits), 0);
    if (!o->n_visits)
        add(d, RD_PARA, NULL, L(d, L_NONE), 0);
    for (size_t i = 0; i < o->n_visits; i++) {
        const struct wo_visit *v = &o->visits[i];
        char *label = fmt(d, L(d, L_VISIT), i + 1);
        snprintf(by, sizeof by, L(d, L_BY), v->tech);
        report_time(v->started_at, t1, sizeof t1);
        if (v->ended_at) {
            report_time(v->ended_at, t2, sizeof t2);
            duration(d, v->ended_at - v->started_at, dur, sizeof dur);
            add_own(d, RD_FIELD, label,
                    fmt(d, "%s \xe2\x80\x93 %s \xc2\xb7 %s \xc2\xb7 %s "
                           "\xc2\xb7 %s",
                        t1, t2, dur, word(d, v->outcome ? v->outcome : "-"),
                        by), 0);
        } else {
            add_own(d, RD_FIELD, label,
                    fmt(d, "%s \xe2\x80\x93 %s \xc2\xb7 %s", t1,
                        L(d, L_STILL_OPEN), by), 0);
        }
        free(label);
    }
    add_own(d, RD_HEADING, NULL,
            fmt(d, "%s (%zu)", L(d, L_SEC_PARTS), o->n_parts), 0);
    if (!o->n_parts)
        add(d, RD_PARA, NULL, L(d, L_NONE), 0);
    for (size_t i = 0; i < o->n_parts; i++) {
        const struct wo_part *p = &o->parts[i];
        size_t len = 1;
        for (size_t k = 0; k < p->n_serials; k++)
            len += strlen(p->serials[k]) + 2;
        char *ser = malloc(len), *s = ser;
        if (!ser) {
            d->oom = 1;
            return;
        }
        *s = 0;
        for (size_t k = 0; k < p->n_serials; k++)
            s += sprintf(s, "%s%s", k ? ", " : "", p->serials[k]);
        char qty[48];
        snprintf(qty, sizeof qty, L(d, L_QTY), (long long)p->qty);
        add_own(d, RD_ITEM, p->part_no,
                fmt(d, "%s%s%s%s%s%s", qty, p->desc ? " \xc2\xb7 " : "",
                    p->desc ? p->desc : "",
                    p->n_serials ? " \xc2\xb7 " : "",
                    p->n_serials ? L(d, L_SERIALS) : "",
                    p->n_serials ? ": " : ""),
                0);
        if (p->n_serials && !d->oom) {
            /* the serials are part of the same line's text */
            char *t = fmt(d, "%s%s", d->b[d->n - 1].text, ser);
            if (t) {
                free(d->b[d->n - 1].text);
                d->b[d->n - 1].text = t;
            }
        }
        free(ser);
        void_line(d, o, p->id);
    }
    add_own(d, RD_HEADING, NULL,
            fmt(d, "%s (%zu)", L(d, L_SEC_NOTES), o->n_notes), 0);
    if (!o->n_notes)
        add(d, RD_PARA, NULL, L(d, L_NONE), 0);
    for (size_t i = 0; i < o->n_notes; i++) {
        const struct wo_note *n = &o->notes[i];
        add_own(d, RD_META, NULL,
                fmt(d, "%s \xc2\xb7 %s", n->author,
                    report_time(n->at, t1, sizeof t1)), 0);
        add(d, RD_PARA, NULL, n->text, 0);
        void_line(d, o, n->id);
    }
}

static void sig_box(struct report_doc *d, const struct evidence *ev,
                    size_t i, int group)
{
    const struct wo_sig *g = &ev->o.sigs[i];
    const struct ev_sig *s = &ev->sigs[i];
    const struct wo_order *o = &ev->o;
    int tech = !strcmp(g->role, "technician");
    char tb[32];
    add_own(d, RD_SIGNER, tech ? L(d, L_ROLE_TECH) : L(d, L_ROLE_RECIP),
            fmt(d, "%s", g->signer), group);
    if (!d->oom)
        d->b[d->n - 1].state = s->ok ? 1 : -1;
    add(d, RD_SIGFIELD, L(d, L_SIGNED_AT),
        report_time(g->signed_at, tb, sizeof tb), group);
    add_own(d, RD_SIGFIELD, L(d, L_DEVICE),
            fmt(d, "%lld", (long long)g->device_id), group);
    add(d, RD_SIGMONO, L(d, L_KEY_SHA), s->fpr[0] ? s->fpr : L(d, L_NO_KEY),
        group);
    add(d, RD_SIGMONO, L(d, L_STMT_SHA), s->digest, group);
    add(d, RD_SIGFIELD, L(d, L_VERDICT),
        tech ? L(d, L_TECH_VERDICT)
             : g->satisfied ? L(d, L_SATISFIED) : L(d, L_UNSATISFIED),
        group);
    if (g->comment)
        add(d, RD_SIGFIELD, L(d, L_COMMENT), g->comment, group);
    add_own(d, RD_SIGFIELD, L(d, L_COVERS),
            fmt(d, L(d, L_COVERS_FMT), s->cov_visits, o->n_visits,
                s->cov_parts, o->n_parts, s->cov_notes, o->n_notes),
            group);
    if (s->ok)
        add(d, RD_SIGFIELD, L(d, L_RESULT), L(d, L_VALID), group);
    else
        add_own(d, RD_SIGFIELD, L(d, L_RESULT),
                fmt(d, L(d, L_INVALID), s->why), group);
}

static void sigs_section(struct report_doc *d, const struct evidence *ev)
{
    int group = 1, tech = 0, recip = 0;
    add(d, RD_HEADING, NULL, L(d, L_SEC_SIGS), 0);
    for (size_t i = 0; i < ev->o.n_sigs; i++) {
        sig_box(d, ev, i, group++);
        if (!strcmp(ev->o.sigs[i].role, "technician"))
            tech = 1;
        else
            recip = 1;
    }
    if (!tech)
        add(d, RD_SIGNER, L(d, L_ROLE_TECH), L(d, L_NOT_YET), group++);
    if (!recip)
        add(d, RD_SIGNER, L(d, L_ROLE_RECIP), L(d, L_NOT_YET), group++);
    if (ev->problem[0])
        add_own(d, RD_PARA, NULL, fmt(d, L(d, L_PROBLEM_REC), ev->problem), 0);
    add(d, RD_HEADING, NULL, L(d, L_SEC_VERIFY), 0);
    add(d, RD_QR, NULL, "", group);
    add(d, RD_PARA, NULL, L(d, L_VERIFY_TEXT), group);
}

/* What the QR code holds: the order and each statement's digest. */
static char *qr_text(struct report_doc *d, const struct evidence *ev)
{
    size_t len = 64;
    for (size_t i = 0; i < ev->o.n_sigs; i++)
        len += strlen(ev->o.sigs[i].role) + 66;
    char *q = malloc(len), *p = q;
    if (!q) {
        d->oom = 1;
        return NULL;
    }
    p += sprintf(p, "wo-report/1;order=%lld", (long long)ev->o.id);
    for (size_t i = 0; i < ev->o.n_sigs; i++)
        p += sprintf(p, ";%s=%s", ev->o.sigs[i].role, ev->sigs[i].digest);
    return q;
}

int report_doc_build(const struct evidence *ev, struct report_doc *d)
{
    memset(d, 0, sizeof *d);
    d->lang = !strcmp(ev->lang, "id") ? "id" : "en";
    d->draft = !ev->complete || ev->problem[0];
    d->generated_at = ev->generated_at;
    char *order = fmt(d, L(d, L_ORDER_NO), (long long)ev->o.id);
    d->header = d->draft ? fmt(d, "%s \xc2\xb7 %s \xc2\xb7 %s", L(d, L_REPORT),
                               order ? order : "", L(d, L_DRAFT))
                         : fmt(d, "%s \xc2\xb7 %s", L(d, L_REPORT),
                               order ? order : "");
    d->draft_mark = fmt(d, "%s", L(d, L_DRAFT_MARK));
    d->qr = qr_text(d, ev);
    d->title = fmt(d, "%s \xe2\x80\x94 %s: %s", L(d, L_REPORT),
                   order ? order : "", ev->o.title);
    d->subject = fmt(d, "%s", ev->o.site ? ev->o.site : ev->o.title);
    d->author = fmt(d, "%s", ev->o.assignee ? ev->o.assignee : "wo");
    add(d, RD_TITLE, NULL, L(d, L_REPORT), 0);
    add_own(d, RD_SUBTITLE, NULL,
            fmt(d, "%s \xc2\xb7 %s", order ? order : "", ev->o.title), 0);
    free(order);
    order_section(d, ev);
    records_section(d, &ev->o);
    sigs_section(d, ev);
    if (d->oom) {
        report_doc_cleanup(d);
        return WO_ENOMEM;
    }
    return 0;
}

void report_doc_cleanup(struct report_doc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->b[i].label);
        free(d->b[i].text);
    }
    free(d->b);
    free(d->header);
    free(d->draft_mark);
    free(d->qr);
    free(d->title);
    free(d->subject);
    free(d->author);
    memset(d, 0, sizeof *d);
}

const char *report_doc_sep(const struct rd_block *b)
{
    if (!b->label)
        return "";
    switch (b->kind) {
    case RD_FIELD:
    case RD_SIGFIELD:
    case RD_SIGMONO: return "\t";
    case RD_SIGNER: return ": ";
    default: return "   ";
    }
}

char *report_doc_footer(const struct report_doc *d, int page, int pages)
{
    char tb[32], gen[96], pg[64];
    snprintf(gen, sizeof gen, L(d, L_GENERATED),
             report_time(d->generated_at, tb, sizeof tb));
    snprintf(pg, sizeof pg, L(d, L_PAGE), page, pages);
    size_t n = strlen(gen) + strlen(pg) + 8;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s \xc2\xb7 %s", gen, pg);
    return s;
}

void report_doc_print(const struct report_doc *d, FILE *f)
{
    if (d->draft)
        fprintf(f, "%s\n", d->header);
    for (size_t i = 0; i < d->n; i++) {
        const struct rd_block *b = &d->b[i];
        switch (b->kind) {
        case RD_TITLE: fprintf(f, "\n%s\n", b->text); break;
        case RD_SUBTITLE: fprintf(f, "%s\n", b->text); break;
        case RD_HEADING: fprintf(f, "\n== %s ==\n", b->text); break;
        case RD_FIELD: fprintf(f, "  %-14s %s\n", b->label, b->text); break;
        case RD_ITEM: fprintf(f, "  %s  %s\n", b->label, b->text); break;
        case RD_META: fprintf(f, "  [%s]\n", b->text); break;
        case RD_PARA: fprintf(f, "    %s\n", b->text); break;
        case RD_SIGNER: fprintf(f, "  * %s: %s\n", b->label, b->text); break;
        case RD_SIGFIELD:
        case RD_SIGMONO:
            fprintf(f, "      %s: %s\n", b->label, b->text);
            break;
        case RD_QR: break;
        }
    }
}
