/*
 * print.c - human output (see print.h). Column widths and wording are
 * what users and scripts already read: change them only on purpose.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <csv.h>

#include "i18n.h"
#include "print.h"
#include "wo_lifecycle.h"
#include "wo_statement.h"

const char *print_time(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    /* the zone i18n_zone() chose; UTC keeps its short "Z" */
    localtime_r(&t, &tm);
    strftime(buf, len, tm.tm_gmtoff ? "%Y-%m-%d %H:%M:%S %Z"
                                    : "%Y-%m-%d %H:%M:%SZ", &tm);
    return buf;
}

/* A label of wo show's left column: 13 characters wide, and at least one
 * space after it however long its translation (one buffer: one label per
 * printf). */
static const char *lbl(const char *label)
{
    static char buf[128];
    snprintf(buf, sizeof buf, "%-12s ", label);
    return buf;
}

/* "reassigned" in the reader's language */
static const char *came_word(const char *came)
{
    if (!strcmp(came, "assigned"))
        return _("assigned");
    if (!strcmp(came, "reassigned"))
        return _("reassigned");
    if (!strcmp(came, "escalated"))
        return _("escalated");
    if (!strcmp(came, "reopened"))
        return _("reopened after a dispute");
    return came;
}

/* The response and resolution due times, or when they were met. */
static void print_due(const struct wo_order *o)
{
    char tb[40];
    if (o->responded_at)
        printf("  %s%s\n", lbl(_("responded:")),
               print_time(o->responded_at, tb, sizeof tb));
    else if (o->response_due)
        printf("  %s%s\n", lbl(_("respond by:")),
               print_time(o->response_due, tb, sizeof tb));
    if (o->resolved_at)
        printf("  %s%s\n", lbl(_("resolved:")),
               print_time(o->resolved_at, tb, sizeof tb));
    else if (o->resolve_due)
        printf("  %s%s%s\n", lbl(_("resolve by:")),
               print_time(o->resolve_due, tb, sizeof tb),
               o->paused_at ? _(" (paused: waiting for the customer)") : "");
}

/* Why the order is with its holder, and the reason given. */
static void print_came(const struct wo_order *o)
{
    char tb[40];
    if (!o->came)
        return;
    printf("  %s%s%s%s, %s\n", lbl(_("came:")), came_word(o->came),
           o->came_reason ? ": " : "", o->came_reason ? o->came_reason : "",
           print_time(o->came_at, tb, sizeof tb));
}

/* The office: did the holder's laptop store it, and was it opened. */
static void print_delivery(const struct wo_order *o)
{
    char tb[40], ob[40];
    if (!o->assignee || wo_lifecycle_is_terminal(o->status))
        return;
    if (!o->stored_at)
        printf("  %s%s\n", lbl(_("on laptop:")), _("not stored yet"));
    else
        printf("  %s%s %s%s\n", lbl(_("on laptop:")), _("stored"),
               print_time(o->stored_at, tb, sizeof tb),
               o->stored_seq >= o->seq ? _(" (current)")
                                       : _(" (an older version)"));
    if (o->opened_at)
        printf("  %s%s\n", lbl(_("opened by tech:")),
               print_time(o->opened_at, ob, sizeof ob));
}

/* Ends a part's or note's line: with its void when it has one. */
static void print_void(const struct wo_order *o, const char *id)
{
    for (size_t i = 0; i < o->n_voids; i++)
        if (!strcmp(o->voids[i].ref, id)) {
            printf(_("  [VOID by %s: %s]\n"), o->voids[i].author,
                   o->voids[i].reason);
            return;
        }
    printf("\n");
}

void print_order(const struct wo_order *o)
{
    print_order_for(o, 0);
}

void print_order_for(const struct wo_order *o, int office)
{
    char tb[32];
    printf("%s %lld  [%s]  %s\n  %s\n", _("order"), (long long)o->id,
           o->priority, o->status, o->title);
    if (o->description)
        printf("  %s%s\n", lbl(_("description:")), o->description);
    if (o->site)
        printf("  %s%s\n", lbl(_("site:")), o->site);
    if (o->asset)
        printf("  %s%s\n", lbl(_("asset:")), o->asset);
    if (o->requester)
        printf("  %s%s\n", lbl(_("requester:")), o->requester);
    if (o->contact)
        printf("  %s%s\n", lbl(_("contact:")), o->contact);
    /* the desk's intake (docs/lifecycle.md, "Intake"); the values (type,
     * impact, names) are data and stay as they were entered */
    if (o->type) {
        printf("  %s%s, %s %s", lbl(_("type:")), o->type, _("category"),
               o->category ? o->category : "-");
        if (o->impact)
            printf(", %s %s", _("impact"), o->impact);
        if (o->urgency)
            printf(", %s %s", _("urgency"), o->urgency);
        printf("\n");
    }
    if (o->customer || o->department) {
        printf("  %s%s", lbl(_("customer:")), o->customer ? o->customer : "-");
        if (o->department)
            printf(", %s %s", _("department"), o->department);
        printf("\n");
    }
    if (o->deadline)
        printf("  %s%s %s\n", lbl(_("deadline:")),
               print_time(o->deadline, tb, sizeof tb), _("(requested)"));
    if (o->needs_authorisation)
        printf("  %s%s%s\n", lbl(_("authoriser:")),
               o->authoriser ? o->authoriser : "-",
               !strcmp(o->status, "awaiting_authorisation")
                   ? _(" (waiting for approval)") : "");
    if (o->authorisation_code)
        printf(_("  authorisation code (give it to %s): %s\n"),
               o->authoriser ? o->authoriser : _("the authoriser"),
               o->authorisation_code);
    if (o->remote)
        printf("  %s\n", _("resolved remotely (no site visit)"));
    printf("  %s%s\n", lbl(_("assignee:")), o->assignee ? o->assignee
                                                        : _("(none)"));
    printf("  %s%s\n", lbl(_("opened:")),
           print_time(o->created_at, tb, sizeof tb));
    print_due(o);
    print_came(o);
    if (office)
        print_delivery(o);
    if (o->visit_start) {
        char te[32];
        printf("  %s", lbl(_("next visit:")));
        printf(_("%s to %s (scheduled)\n"),
               print_time(o->visit_start, tb, sizeof tb),
               print_time(o->visit_end, te, sizeof te));
    }
    if (o->recipient_code)
        printf("  %s %s\n", _("recipient confirmation code:"),
               o->recipient_code);
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

/* The next due time of an order's SLA clocks, for one column. */
static const char *fmt_due(const struct wo_order *o, char *buf, size_t len)
{
    char tb[40];
    if (!o->responded_at && o->response_due)
        snprintf(buf, len, "%s %s", _("respond by"),
                 print_time(o->response_due, tb, sizeof tb));
    else if (!o->resolved_at && o->resolve_due)
        snprintf(buf, len, "%s %s", _("resolve by"),
                 print_time(o->resolve_due, tb, sizeof tb));
    else
        snprintf(buf, len, "-");
    return buf;
}

/*
 * Tables (wo list, wo board, wo techs): each column as wide as its
 * header, its widest cell and the width it always had in English,
 * whichever is most, so a translated header or phrase never pushes the
 * row out of line. Widths count characters (UTF-8), not bytes. The last
 * column is not padded.
 */
#define MAX_COLS 10

struct table {
    size_t n;
    int w[MAX_COLS];
};

static int text_width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void table_fit(struct table *t, const char *const *cell)
{
    for (size_t i = 0; i + 1 < t->n; i++) {
        int w = text_width(cell[i]);
        if (w > t->w[i])
            t->w[i] = w;
    }
}

/* One row, without its newline (the caller may add to the last cell). */
static void table_row(const struct table *t, const char *const *cell)
{
    for (size_t i = 0; i < t->n; i++) {
        fputs(cell[i], stdout);
        if (i + 1 < t->n)
            printf("%*s", t->w[i] - text_width(cell[i]) + 1, "");
    }
}

enum { L_ID, L_PRI, L_STATUS, L_DUE, L_TITLE, L_COLS };

/* The cells of o's line in wo list (id and due into their buffers). */
static void list_cells(const struct wo_order *o, char id[24], char due[96],
                       const char *cell[L_COLS])
{
    snprintf(id, 24, "%lld", (long long)o->id);
    cell[L_ID] = id;
    cell[L_PRI] = o->priority;
    cell[L_STATUS] = o->status;
    cell[L_DUE] = fmt_due(o, due, 96);
    cell[L_TITLE] = o->title;
}

void print_list(const struct wo_order *o, size_t n)
{
    char id[24], due[96];
    const char *head[L_COLS] = {_("ID"), _("PRI"), _("STATUS"), _("DUE"),
                                _("TITLE")}, *cell[L_COLS];
    struct table t = {.n = L_COLS, .w = {6, 3, 22, 36}};
    if (!n) {
        printf("%s\n", _("no work orders (run 'wo sync' to fetch yours)"));
        return;
    }
    table_fit(&t, head);
    for (size_t i = 0; i < n; i++) {
        list_cells(&o[i], id, due, cell);
        table_fit(&t, cell);
    }
    table_row(&t, head);
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        list_cells(&o[i], id, due, cell);
        table_row(&t, cell);
        if (o[i].came && strcmp(o[i].came, "assigned"))
            printf("  [%s%s%s]", came_word(o[i].came),
                   o[i].came_reason ? ": " : "",
                   o[i].came_reason ? o[i].came_reason : "");
        printf("\n");
    }
}

/* An SLA clock's name (response, resolve, paused, met, none) in the
 * reader's language */
static const char *sla_word(const char *sla)
{
    if (!strcmp(sla, "response"))
        return _("response");
    if (!strcmp(sla, "resolve"))
        return _("resolve");
    if (!strcmp(sla, "paused"))
        return _("paused");
    if (!strcmp(sla, "met"))
        return _("met");
    if (!strcmp(sla, "none"))
        return _("none");
    return sla;
}

/* "1h05m left" / "breached 12m ago" */
static const char *fmt_left(const struct wo_order *o, char *buf, size_t len)
{
    int64_t m = (o->due_in < 0 ? -o->due_in : o->due_in) / 60000;
    if (o->sla && !strcmp(o->sla, "waiting"))
        snprintf(buf, len, "%s", _("none until approved"));
    else if (!o->sla)
        snprintf(buf, len, "-");
    else if (!strcmp(o->sla, "met") || !strcmp(o->sla, "none"))
        snprintf(buf, len, "%s", sla_word(o->sla));
    else if (o->due_in < 0)
        /* TRANSLATORS: an SLA clock's name, then hours and minutes */
        snprintf(buf, len, _("%s BREACHED %lldh%02lldm ago"),
                 sla_word(o->sla), (long long)(m / 60), (long long)(m % 60));
    else
        /* TRANSLATORS: an SLA clock's name, hours, minutes, and
         * " (paused)" or nothing */
        snprintf(buf, len, _("%s %lldh%02lldm left%s"), sla_word(o->sla),
                 (long long)(m / 60), (long long)(m % 60),
                 !strcmp(o->sla, "paused") ? _(" (paused)") : "");
    return buf;
}

/* What the office knows of the holder's copy, for one column. */
static const char *fmt_delivery(const struct wo_order *o)
{
    if (!o->assignee)
        return "-";
    if (o->opened_at)
        return _("opened");
    if (o->stored_at)
        return o->stored_seq >= o->seq ? _("stored") : _("older copy");
    return _("not yet");
}

enum { B_ID, B_PRI, B_TIER, B_STATUS, B_TECH, B_ONLINE, B_LAPTOP, B_SLA,
       B_TITLE, B_COLS };

/* The cells of o's line on the board (id and SLA into their buffers). */
static void board_cells(const struct wo_order *o, char id[24], char left[96],
                        const char *cell[B_COLS])
{
    snprintf(id, 24, "%lld", (long long)o->id);
    cell[B_ID] = id;
    cell[B_PRI] = o->priority;
    cell[B_TIER] = o->tier ? o->tier : "";
    cell[B_STATUS] = o->status;
    cell[B_TECH] = o->assignee ? o->assignee : "-";
    cell[B_ONLINE] = !o->assignee ? "-" : o->online ? _("yes") : _("no");
    cell[B_LAPTOP] = fmt_delivery(o);
    cell[B_SLA] = fmt_left(o, left, 96);
    cell[B_TITLE] = o->title;
}

void print_board(const struct wo_order *orders, size_t n)
{
    char id[24], left[96];
    const char *head[B_COLS] = {_("ID"), _("PRI"), _("TIER"), _("STATUS"),
                                _("TECH"), _("ONLINE"), _("LAPTOP"),
                                _("SLA"), _("TITLE")}, *cell[B_COLS];
    /* STATUS: as wide as the longest, awaiting_authorisation */
    struct table t = {.n = B_COLS, .w = {6, 3, 4, 22, 12, 7, 10, 28}};
    if (!n) {
        printf("%s\n", _("no work orders"));
        return;
    }
    table_fit(&t, head);
    for (size_t i = 0; i < n; i++) {
        board_cells(&orders[i], id, left, cell);
        table_fit(&t, cell);
    }
    table_row(&t, head);
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        board_cells(&orders[i], id, left, cell);
        table_row(&t, cell);
        printf("%s\n", orders[i].n_rejections ? _("  [rejected ops]") : "");
    }
}

/* "3m", "2h05m", "4d" */
static const char *fmt_ago(int64_t ms, char *buf, size_t len)
{
    int64_t m = ms / 60000;
    if (m < 60)
        snprintf(buf, len, _("%lldm"), (long long)m);
    else if (m < 48 * 60)
        snprintf(buf, len, _("%lldh%02lldm"), (long long)(m / 60),
                 (long long)(m % 60));
    else
        snprintf(buf, len, _("%lldd"), (long long)(m / 1440));
    return buf;
}

enum { T_TECH, T_TIER, T_ONLINE, T_SEEN, T_OPEN, T_COLS };

/* The cells of a technician's line in wo techs (times into buffers). */
static void tech_cells(const struct wo_tech *t, char tb[40], char ob[24],
                       const char *cell[T_COLS])
{
    snprintf(ob, 24, "%lld", (long long)t->open);
    cell[T_TECH] = t->user;
    cell[T_TIER] = t->tier ? t->tier : "";
    cell[T_ONLINE] = t->online ? _("yes") : _("no");
    cell[T_SEEN] = t->last_seen ? print_time(t->last_seen, tb, 40)
                                : _("never");
    cell[T_OPEN] = ob;
}

void print_techs(const struct wo_tech *t, size_t n, int64_t now)
{
    char tb[40], ab[24], ob[24];
    if (!n) {
        printf("%s\n", _("no technicians"));
        return;
    }
    const char *head[T_COLS] = {_("TECH"), _("TIER"), _("ONLINE"),
                                _("LAST SEEN"), _("OPEN")}, *cell[T_COLS];
    struct table tab = {.n = T_COLS, .w = {14, 4, 7, 24}};
    table_fit(&tab, head);
    for (size_t i = 0; i < n; i++) {
        tech_cells(&t[i], tb, ob, cell);
        table_fit(&tab, cell);
    }
    table_row(&tab, head);
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        tech_cells(&t[i], tb, ob, cell);
        table_row(&tab, cell);
        printf("\n");
        for (size_t k = 0; k < t[i].n_devices; k++) {
            const struct wo_devinfo *d = &t[i].devices[k];
            printf("  %s %lld %s: %s", _("device"), (long long)d->id,
                   d->name ? d->name : "",
                   d->revoked ? _("revoked")
                              : d->online ? _("online") : _("offline"));
            if (d->last_sync)
                printf(", %s %s (%s %s)", _("last sync"),
                       print_time(d->last_sync, tb, sizeof tb),
                       fmt_ago(now - d->last_sync, ab, sizeof ab), _("ago"));
            else
                printf(", %s", _("never synced"));
            printf(", %s %lld", _("behind by"), (long long)d->lag);
            if (d->unsent)
                printf(", %s %lld (%s %s)", _("unsent ops"),
                       (long long)d->unsent, _("oldest"),
                       fmt_ago(d->unsent_age, ab, sizeof ab));
            else if (d->last_sync)
                printf(", %s", _("nothing unsent"));
            if (d->version)
                printf(", wo %s", d->version);
            printf("\n");
            if (d->rejected_op)
                printf("    %s %s (%s) %s: %s\n", _("last rejected op"),
                       d->rejected_op, d->rejected_kind ? d->rejected_kind : "",
                       print_time(d->rejected_at, tb, sizeof tb),
                       d->rejected_reason ? d->rejected_reason : "");
        }
    }
}

void print_event(const struct wo_event *e)
{
    char tb[40], what[WO_MAX_TEXT + 256];
    const char *who = e->actor ? e->actor : "?";
    const char *d = e->detail ? e->detail : "";
    const char *k = e->kind;
    if (!strcmp(k, "accepted"))
        snprintf(what, sizeof what, _("accepted by %s"), who);
    else if (!strcmp(k, "departed"))
        snprintf(what, sizeof what, _("%s is on the way"), who);
    else if (!strcmp(k, "visit.started"))
        snprintf(what, sizeof what, _("visit started by %s"), who);
    else if (!strcmp(k, "visit.ended"))
        snprintf(what, sizeof what, _("visit ended by %s: %s"), who,
                 e->outcome ? e->outcome : "");
    else if (!strcmp(k, "needs-parts"))
        snprintf(what, sizeof what, _("needs parts (%s)"), who);
    else if (!strcmp(k, "completed"))
        snprintf(what, sizeof what, _("completed and signed by %s"), who);
    else if (!strcmp(k, "cosigned"))
        snprintf(what, sizeof what, "%s",
                 _("co-signed by the recipient: closed"));
    else if (!strcmp(k, "disputed"))
        snprintf(what, sizeof what, _("DISPUTED: %s"), d);
    else if (!strcmp(k, "reopened"))
        snprintf(what, sizeof what, _("reopened: %s"), d);
    else if (!strcmp(k, "escalated"))
        snprintf(what, sizeof what, _("escalated: %s"), d);
    else if (!strcmp(k, "op.rejected"))
        snprintf(what, sizeof what, _("op from %s REJECTED: %s"), who, d);
    else if (!strcmp(k, "sla.warning"))
        snprintf(what, sizeof what, _("SLA warning (%s)"), d);
    else if (!strcmp(k, "sla.breach"))
        snprintf(what, sizeof what, _("SLA BREACH (%s)"), d);
    else if (!strcmp(k, "code.locked") && e->status &&
             !strcmp(e->status, "awaiting_authorisation"))
        snprintf(what, sizeof what, "%s", _("authorisation locked"));
    else if (!strcmp(k, "code.locked"))
        snprintf(what, sizeof what, "%s", _("co-signing locked"));
    else if (!strcmp(k, "device.online"))
        snprintf(what, sizeof what, _("%s online (device %lld)"), who,
                 (long long)e->device);
    else if (!strcmp(k, "device.offline"))
        snprintf(what, sizeof what, _("%s offline (device %lld)"), who,
                 (long long)e->device);
    else
        snprintf(what, sizeof what, "%s %s %s", k, who, d);
    if (e->wo)
        printf("%s %lld  %s  %s %lld %s: %s\n", _("event"), (long long)e->id,
               print_time(e->at, tb, sizeof tb), _("order"), (long long)e->wo,
               e->title ? e->title : "", what);
    else
        printf("%s %lld  %s  %s\n", _("event"), (long long)e->id,
               print_time(e->at, tb, sizeof tb), what);
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
                                 "codes: issue a new one (wo code WO)"},
                 {"authorisation.locked", "authorisation LOCKED after wrong "
                                          "authorisation codes: issue a new "
                                          "one (wo code WO --authorisation)"}};
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
        printf("%s\n", _("no alerts"));
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
    printf(_("recorded %s on order %lld (op %s; 'wo sync' sends it)\n"),
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

/* A column's heading in the human table: a duration's says what it
 * shows (labour, not labour_ms: the cells read 1h30m). */
static const char *col_head(const char *col, char *out, size_t len)
{
    size_t n = strlen(col);
    if (has_suffix(col, "_ms"))
        n -= 3;
    snprintf(out, len, "%.*s", (int)n, col);
    return out;
}

static int col_width(const char *col)
{
    char h[64];
    size_t n = strlen(col_head(col, h, sizeof h));
    return n > 8 ? (int)n : 8;
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
    printf(" %*s", col_width(col), b);
}

static void table(const struct report_table *t)
{
    char h[64];
    printf("%-20s", t->key);
    for (size_t k = 0; k < t->n_cols; k++)
        printf(" %*s", col_width(t->cols[k]),
               col_head(t->cols[k], h, sizeof h));
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
        if (t->key_number)
            printf("%s", t->keys[i]);
        else
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

/* What an empty answer to `wo agreement show [CUSTOMER]` means. */
static void print_no_agreement(const char *customer)
{
    if (!customer)
        printf("no agreements: every order follows the global SLA policy "
               "(wo sla show)\n");
    else if (!*customer)
        printf("no default agreement: orders of customers without an "
               "agreement of their own (and orders with no customer) follow "
               "the global SLA policy (wo sla show)\n");
    else
        printf("no agreement for %s: its orders follow the default "
               "agreement, or the global SLA policy when there is none (wo "
               "agreement show default)\n", customer);
}

void print_agreements(const struct wo_agreement *a, size_t n,
                      const char *customer)
{
    char tb[32], rb[32];
    if (!n)
        print_no_agreement(customer);
    for (size_t i = 0; i < n; i++) {
        if (!a[i].version && a[i].why) {
            /* an order's explanation with no agreement: the policy's */
            printf("%s\n", a[i].why);
            continue;
        }
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
