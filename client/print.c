/*
 * print.c - human output (see print.h). Column widths and wording are
 * what users and scripts already read: change them only on purpose.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <csv.h>

#include "print.h"
#include "wo_statement.h"

const char *print_time(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
    return buf;
}

/* Ends a part's or note's line: with its void when it has one. */
static void print_void(const struct wo_order *o, const char *id)
{
    for (size_t i = 0; i < o->n_voids; i++)
        if (!strcmp(o->voids[i].ref, id)) {
            printf("  [VOID by %s: %s]\n", o->voids[i].author,
                   o->voids[i].reason);
            return;
        }
    printf("\n");
}

void print_order(const struct wo_order *o)
{
    char tb[32];
    printf("order %lld  [%s]  %s\n  %s\n", (long long)o->id, o->priority,
           o->status, o->title);
    if (o->description)
        printf("  description: %s\n", o->description);
    if (o->site)
        printf("  site:        %s\n", o->site);
    if (o->asset)
        printf("  asset:       %s\n", o->asset);
    if (o->requester)
        printf("  requester:   %s\n", o->requester);
    if (o->contact)
        printf("  contact:     %s\n", o->contact);
    if (o->type)
        printf("  type:        %s, category %s%s%s%s%s\n", o->type,
               o->category ? o->category : "-",
               o->impact ? ", impact " : "", o->impact ? o->impact : "",
               o->urgency ? ", urgency " : "", o->urgency ? o->urgency : "");
    if (o->customer || o->department)
        printf("  customer:    %s%s%s\n", o->customer ? o->customer : "-",
               o->department ? ", department " : "",
               o->department ? o->department : "");
    if (o->deadline)
        printf("  deadline:    %s (requested)\n",
               print_time(o->deadline, tb, sizeof tb));
    if (o->needs_authorisation)
        printf("  authoriser:  %s%s\n", o->authoriser ? o->authoriser : "-",
               !strcmp(o->status, "awaiting_authorisation")
                   ? " (waiting for approval)" : "");
    if (o->authorisation_code)
        printf("  authorisation code (give it to %s): %s\n",
               o->authoriser ? o->authoriser : "the authoriser",
               o->authorisation_code);
    if (o->remote)
        printf("  resolved remotely (no site visit)\n");
    printf("  assignee:    %s\n", o->assignee ? o->assignee : "(none)");
    printf("  opened:      %s\n", print_time(o->created_at, tb, sizeof tb));
    if (o->response_due && strcmp(o->status, "awaiting_authorisation")) {
        /* the SLA's due times as the agreement counts them */
        char rb[32];
        printf("  respond by:  %s%s%s\n",
               print_time(o->response_due, tb, sizeof tb),
               o->responded_at ? ", responded " : "",
               o->responded_at ? print_time(o->responded_at, rb, sizeof rb)
                               : "");
        printf("  resolve by:  %s%s%s\n",
               print_time(o->resolve_due, tb, sizeof tb),
               o->resolved_at ? ", resolved " : "",
               o->resolved_at ? print_time(o->resolved_at, rb, sizeof rb)
                              : "");
    }
    if (o->visit_start) {
        char te[32];
        printf("  next visit:  %s to %s (scheduled)\n",
               print_time(o->visit_start, tb, sizeof tb),
               print_time(o->visit_end, te, sizeof te));
    }
    if (o->recipient_code)
        printf("  recipient confirmation code: %s\n", o->recipient_code);
    /* once anyone has signed, a record no signature lists says so */
#define UNSIGNED(kind, id)                                                  \
    (o->n_sigs && !wo_record_signed(o, kind, id)                            \
         ? "  [NOT covered by any signature]" : "")
    for (size_t i = 0; i < o->n_visits; i++) {
        const struct wo_visit *v = &o->visits[i];
        char dev[64] = "";
        /* the office sees the server's judgement of when (docs/sync.md,
         * "Device time"), with the laptop's own clock beside it when it
         * said otherwise */
        if (v->started_srv && (v->started_srv - v->started_at > 60000 ||
                               v->started_at - v->started_srv > 60000)) {
            char db[32];
            snprintf(dev, sizeof dev, " (device clock: %s)",
                     print_time(v->started_at, db, sizeof db));
        }
        printf("  visit %s by %s from %s%s%s%s%s\n", v->id, v->tech,
               print_time(v->started_srv ? v->started_srv : v->started_at, tb,
                          sizeof tb), dev,
               v->outcome ? ": " : " (open)", v->outcome ? v->outcome : "",
               UNSIGNED("visit", v->id));
    }
    for (size_t i = 0; i < o->n_parts; i++) {
        printf("  part  %s x%lld%s%s by %s", o->parts[i].part_no,
               (long long)o->parts[i].qty, o->parts[i].desc ? " " : "",
               o->parts[i].desc ? o->parts[i].desc : "", o->parts[i].author);
        for (size_t k = 0; k < o->parts[i].n_serials; k++)
            printf("%s%s", k ? ", " : "  serials: ", o->parts[i].serials[k]);
        printf("%s%s", o->parts[i].late ? "  (recorded after reassignment)"
                                        : "",
               UNSIGNED("part", o->parts[i].id));
        print_void(o, o->parts[i].id);
    }
    for (size_t i = 0; i < o->n_notes; i++) {
        printf("  note  %s: %s%s%s", o->notes[i].author, o->notes[i].text,
               o->notes[i].late ? "  (recorded after reassignment)" : "",
               UNSIGNED("note", o->notes[i].id));
        print_void(o, o->notes[i].id);
    }
#undef UNSIGNED
    for (size_t i = 0; i < o->n_sigs; i++)
        printf("  signed by %s (%s)%s%s%s, %s\n", o->sigs[i].signer,
               o->sigs[i].role,
               !strcmp(o->sigs[i].role, "recipient")
                   ? (o->sigs[i].satisfied ? " satisfied" : " NOT satisfied")
                   : "",
               o->sigs[i].comment ? ": " : "",
               o->sigs[i].comment ? o->sigs[i].comment : "",
               o->sigs[i].verified ? "verified" : "NOT verified");
    for (size_t i = 0; i < o->n_rejections; i++)
        printf("  REJECTED %s by %s: %s\n", o->rejections[i].kind,
               o->rejections[i].by, o->rejections[i].reason);
}

void print_list(const struct wo_order *o, size_t n)
{
    if (!n)
        printf("no work orders (run 'wo sync' to fetch yours)\n");
    for (size_t i = 0; i < n; i++)
        printf("%-6lld %-3s %-16s %s\n", (long long)o[i].id, o[i].priority,
               o[i].status, o[i].title);
}

/* "1h05m left" / "breached 12m ago" */
static const char *fmt_left(const struct wo_order *o, char *buf, size_t len)
{
    int64_t m = (o->due_in < 0 ? -o->due_in : o->due_in) / 60000;
    if (!o->sla || !strcmp(o->sla, "met") || !strcmp(o->sla, "none"))
        snprintf(buf, len, "%s", o->sla ? o->sla : "-");
    else if (o->due_in < 0)
        snprintf(buf, len, "%s BREACHED %lldh%02lldm ago", o->sla,
                 (long long)(m / 60), (long long)(m % 60));
    else
        snprintf(buf, len, "%s %lldh%02lldm left%s", o->sla,
                 (long long)(m / 60), (long long)(m % 60),
                 !strcmp(o->sla, "paused") ? " (paused)" : "");
    return buf;
}

void print_board(const struct wo_order *orders, size_t n)
{
    if (!n)
        printf("no work orders\n");
    for (size_t i = 0; i < n; i++) {
        const struct wo_order *o = &orders[i];
        char left[64];
        printf("%-6lld %-3s %-2s %-16s %-12s %-28s %s%s\n",
               (long long)o->id, o->priority, o->tier ? o->tier : "",
               o->status, o->assignee ? o->assignee : "-",
               fmt_left(o, left, sizeof left), o->title,
               o->n_rejections ? "  [rejected ops]" : "");
    }
}

void print_alert(const struct wo_alert *a)
{
    static const struct {
        const char *kind, *text;
    } texts[] = {{"response.75", "75% of the response target used"},
                 {"response.breach", "response target BREACHED"},
                 {"resolve.75", "75% of the resolution target used"},
                 {"resolve.breach", "resolution target BREACHED"},
                 {"code.locked", "co-signing LOCKED after wrong recipient "
                                 "codes: issue a new one (wo code WO)"}};
    const char *text = a->kind;
    char tb[32];
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (!strcmp(texts[i].kind, a->kind))
            text = texts[i].text;
    printf("alert %lld  %s  order %lld [%s] %s: %s\n", (long long)a->id,
           print_time(a->at, tb, sizeof tb), (long long)a->wo,
           a->priority ? a->priority : "?", a->title ? a->title : "", text);
}

void print_alerts(const struct wo_alert *a, size_t n)
{
    if (!n)
        printf("no alerts\n");
    for (size_t i = 0; i < n; i++)
        print_alert(&a[i]);
}

void print_history(const struct wo_change *history, size_t n)
{
    char tb[32], cb[32];
    for (size_t i = 0; i < n; i++) {
        const struct wo_change *h = &history[i];
        printf("%-6lld %s  %-16s %-12s", (long long)h->seq,
               print_time(h->at, tb, sizeof tb), h->kind, h->actor);
        if (h->device_id)
            printf(" device %lld", (long long)h->device_id);
        if (h->client_at)
            printf(" (device time %s)", print_time(h->client_at, cb,
                                                   sizeof cb));
        printf("%s%s\n", h->detail ? "  " : "", h->detail ? h->detail : "");
    }
}

static void print_ms(int64_t ms)
{
    if (ms % 3600000 == 0)
        printf("%6lldh", (long long)(ms / 3600000));
    else if (ms % 60000 == 0)
        printf("%6lldm", (long long)(ms / 60000));
    else
        printf("%6llds", (long long)(ms / 1000));
}

void print_sla(const struct wo_sla *p, size_t n)
{
    if (n)
        printf("SLA policy version %lld\n", (long long)p[0].version);
    for (size_t i = 0; i < n; i++) {
        printf("  %s  response", p[i].priority);
        print_ms(p[i].response_ms);
        printf("  resolve");
        print_ms(p[i].resolve_ms);
        printf("%s\n", p[i].escalate ? "  escalates on breach" : "");
    }
}

void print_hits(const struct wo_hit *h, size_t n, const char *words)
{
    char tb[32];
    if (!n)
        printf("no past resolution matches '%s'\n", words);
    for (size_t i = 0; i < n; i++) {
        printf("order %lld  closed %s  %s%s%s%s\n", (long long)h[i].wo,
               print_time(h[i].closed_at, tb, sizeof tb),
               h[i].asset ? "[" : "", h[i].asset ? h[i].asset : "",
               h[i].asset ? "] " : "", h[i].title);
        if (h[i].snippet)
            printf("    %s\n", h[i].snippet);
    }
}

void print_recorded(const struct wo_op *op, const char *id)
{
    printf("recorded %s on order %lld (op %s; 'wo sync' sends it)\n",
           op->kind, (long long)op->wo, id);
}

void print_outbox_row(int64_t seq, const char *id, int64_t order,
                      const char *kind, const char *state,
                      const char *reason)
{
    printf("%-5lld %-8s order %-6lld %-16s %s%s%s\n", (long long)seq, state,
           (long long)order, kind, id, reason ? "\n      reason: " : "",
           reason ? reason : "");
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && !strcmp(s + n - k, suf);
}

static void print_cell(const char *col, int64_t v)
{
    char b[32];
    if (v == REPORT_NONE)
        snprintf(b, sizeof b, "-");
    else if (has_suffix(col, "_pct"))
        snprintf(b, sizeof b, "%lld%%", (long long)v);
    else if (has_suffix(col, "_ms"))
        snprintf(b, sizeof b, "%lldh%02lldm", (long long)(v / 3600000),
                 (long long)(v / 60000 % 60));
    else
        snprintf(b, sizeof b, "%lld", (long long)v);
    printf(" %*s", (int)(strlen(col) > 8 ? strlen(col) : 8), b);
}

static void table(const struct report_table *t)
{
    printf("%-20s", t->key);
    for (size_t k = 0; k < t->n_cols; k++)
        printf(" %8s", t->cols[k]);
    printf("\n");
    for (size_t i = 0; i < t->n_rows; i++) {
        printf("%-20s", t->keys[i]);
        for (size_t k = 0; k < t->n_cols; k++)
            print_cell(t->cols[k], t->cells[i * t->n_cols + k]);
        printf("\n");
    }
}

/* The key quoted as libcsv sees fit, numbers as they are. */
void print_csv(const struct report_table *t)
{
    csv_fwrite(stdout, t->key, strlen(t->key));
    for (size_t k = 0; k < t->n_cols; k++)
        printf(",%s", t->cols[k]);
    printf("\r\n");
    for (size_t i = 0; i < t->n_rows; i++) {
        csv_fwrite(stdout, t->keys[i], strlen(t->keys[i]));
        for (size_t k = 0; k < t->n_cols; k++) {
            int64_t v = t->cells[i * t->n_cols + k];
            if (v == REPORT_NONE)
                printf(",");
            else
                printf(",%lld", (long long)v);
        }
        printf("\r\n");
    }
}

void print_report(const char *title, const int64_t *since,
                  const int64_t *until, const struct report_table *t)
{
    char sb[32], ub[32];
    printf("%s, orders opened %s to %s\n", title,
           since ? print_time(*since, sb, sizeof sb) : "30 days ago",
           until ? print_time(*until, ub, sizeof ub) : "now");
    if (t->n_rows)
        table(t);
    else
        printf("nothing in that period\n");
}

void print_agreements(const struct wo_agreement *a, size_t n)
{
    char tb[32], rb[32];
    if (!n)
        printf("no agreements: every order follows the global SLA policy "
               "(wo sla show)\n");
    for (size_t i = 0; i < n; i++) {
        printf("%s v%lld  from %s  %s %s%s%s%s%s\n",
               *a[i].customer ? a[i].customer : "(default)",
               (long long)a[i].version,
               print_time(a[i].effective_from, tb, sizeof tb), a[i].hours,
               a[i].tz, a[i].holidays && *a[i].holidays ? "  holidays " : "",
               a[i].holidays ? a[i].holidays : "",
               a[i].review_at ? "  review " : "",
               a[i].review_at ? print_time(a[i].review_at, rb, sizeof rb)
                              : "");
        const int64_t v[6] = {a[i].p1_response, a[i].p1_resolve,
                              a[i].p2_response, a[i].p2_resolve,
                              a[i].p3_response, a[i].p3_resolve};
        for (int p = 0; p < 3; p++) {
            printf("  P%d  response ", p + 1);
            print_ms(v[2 * p]);
            printf("  resolve ");
            print_ms(v[2 * p + 1]);
            printf("\n");
        }
        if (a[i].why)
            printf("  %s\n", a[i].why);
    }
}

void print_mail(const struct wo_mail *m, size_t n)
{
    char tb[32], nb[32];
    if (!n)
        printf("no messages\n");
    for (size_t i = 0; i < n; i++) {
        printf("%-5lld order %-5lld %-10s to %s  %s\n", (long long)m[i].id,
               (long long)m[i].wo, m[i].event, m[i].rcpt,
               print_time(m[i].created_at, tb, sizeof tb));
        if (m[i].sent_at)
            printf("      sent %s\n", print_time(m[i].sent_at, tb, sizeof tb));
        else
            printf("      waiting: %lld tries, next %s%s%s\n",
                   (long long)m[i].attempts,
                   print_time(m[i].next_at, nb, sizeof nb),
                   m[i].error ? "; last: " : "", m[i].error ? m[i].error : "");
    }
}

void print_matrix(const struct wo_row *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *sl = strchr(r[i].key, '/');
        printf("impact %-6.*s urgency %-6s -> P%lld\n",
               sl ? (int)(sl - r[i].key) : 0, r[i].key, sl ? sl + 1 : "",
               (long long)r[i].orders);
    }
}

void print_entries(const struct wo_entry *e, size_t n)
{
    if (!n)
        printf("none\n");
    for (size_t i = 0; i < n; i++)
        printf("%s%s%s%s\n", e[i].name, e[i].kind ? "  " : "",
               e[i].kind ? e[i].kind : "",
               e[i].needs_authorisation ? "  (orders need authorisation)"
                                        : "");
}
