/*
 * cmd_disp.c - dispatcher and admin commands (online: each is one request
 * to the server), and `wo show`, which reads the replica for a technician
 * and asks the server for a dispatcher.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "cmd_report_pdf.h"
#include "replica.h"
#include "wo_clock.h"

int disp_usage(const char *u)
{
    fprintf(stderr, "wo: usage: %s\n", u);
    return 2;
}

int disp_is_office(struct client *c)
{
    if (c->role && (!strcmp(c->role, "dispatcher") ||
                    !strcmp(c->role, "admin")))
        return 1;
    fprintf(stderr, "wo: this command is for dispatchers; this home is "
                    "enrolled as %s\n", c->role ? c->role : "nobody");
    return 0;
}

const char *disp_time(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
    return buf;
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
    printf("  assignee:    %s\n", o->assignee ? o->assignee : "(none)");
    printf("  opened:      %s\n", disp_time(o->created_at, tb, sizeof tb));
    if (o->visit_start) {
        char te[32];
        printf("  next visit:  %s to %s (scheduled)\n",
               disp_time(o->visit_start, tb, sizeof tb),
               disp_time(o->visit_end, te, sizeof te));
    }
    if (o->recipient_code)
        printf("  recipient confirmation code: %s\n", o->recipient_code);
    for (size_t i = 0; i < o->n_visits; i++)
        printf("  visit %s by %s from %s%s%s\n", o->visits[i].id,
               o->visits[i].tech,
               disp_time(o->visits[i].started_at, tb, sizeof tb),
               o->visits[i].outcome ? ": " : " (open)",
               o->visits[i].outcome ? o->visits[i].outcome : "");
    for (size_t i = 0; i < o->n_parts; i++) {
        printf("  part  %s x%lld%s%s by %s", o->parts[i].part_no,
               (long long)o->parts[i].qty, o->parts[i].desc ? " " : "",
               o->parts[i].desc ? o->parts[i].desc : "", o->parts[i].author);
        for (size_t k = 0; k < o->parts[i].n_serials; k++)
            printf("%s%s", k ? ", " : "  serials: ", o->parts[i].serials[k]);
        printf("%s\n", o->parts[i].late ? "  (recorded after reassignment)"
                                        : "");
    }
    for (size_t i = 0; i < o->n_notes; i++)
        printf("  note  %s: %s%s\n", o->notes[i].author, o->notes[i].text,
               o->notes[i].late ? "  (recorded after reassignment)" : "");
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

int64_t disp_duration(const char *s)
{
    char *end;
    long long v = s ? strtoll(s, &end, 10) : -1;
    if (!s || end == s || v <= 0)
        return -1;
    switch (*end) {
    case 0: return v;
    case 's': v *= 1000; break;
    case 'm': v *= 60000; break;
    case 'h': v *= 3600000; break;
    case 'd': v *= 86400000; break;
    default: return -1;
    }
    return end[1] ? -1 : v;
}

int disp_parse_time(const char *s, int64_t *ms)
{
    int y, mo, d, h = 0, mi = 0, n = 0, m = 0;
    char sep;
    if (!strcmp(s, "now")) {
        *ms = wo_clock_now_ms();
        return 0;
    }
    if (*s == '+' || *s == '-') {
        int64_t delta = disp_duration(s + 1);
        if (delta < 0)
            return -1;
        *ms = wo_clock_now_ms() + (*s == '+' ? delta : -delta);
        return 0;
    }
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
        return -1;
    if (s[n] && (sscanf(s + n, "%c%2d:%2d%n", &sep, &h, &mi, &m) != 3 ||
                 (sep != 'T' && sep != ' ') || s[n + m]))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                    .tm_hour = h, .tm_min = mi};
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *ms = (int64_t)t * 1000;
    return 0;
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

int disp_run(struct client *c, struct wo_cmd *cmd, int full)
{
    struct wo_result *res;
    if (sync_cmd(c, cmd, &res))
        return 1;
    if (c->json && !strcmp(cmd->name, "board"))
        jsonout_orders(res->orders, res->n_orders);
    else if (c->json && res->n_orders)
        jsonout_order(&res->orders[0], full);
    else if (!strcmp(cmd->name, "board")) {
        if (!res->n_orders)
            printf("no work orders\n");
        for (size_t i = 0; i < res->n_orders; i++) {
            const struct wo_order *o = &res->orders[i];
            char left[64];
            printf("%-6lld %-3s %-2s %-16s %-12s %-28s %s%s\n",
                   (long long)o->id, o->priority, o->tier ? o->tier : "",
                   o->status, o->assignee ? o->assignee : "-",
                   fmt_left(o, left, sizeof left), o->title,
                   o->n_rejections ? "  [rejected ops]" : "");
        }
    } else if (!strcmp(cmd->name, "create") && res->n_orders) {
        printf("%lld\n", (long long)res->orders[0].id);
    } else if (res->n_orders) {
        print_order(&res->orders[0]);
    } else {
        printf("done\n");
    }
    wo_frame_free(WO_F_RESULT, res);
    return 0;
}

int cmd_create(struct client *c, int argc, char **argv)
{
    static const struct option lo[] = {
        {"title", required_argument, 0, 't'},
        {"priority", required_argument, 0, 'p'},
        {"description", required_argument, 0, 'd'},
        {"site", required_argument, 0, 's'},
        {"asset", required_argument, 0, 'a'},
        {"requester", required_argument, 0, 'r'},
        {"contact", required_argument, 0, 'c'},
        {"assign", required_argument, 0, 'A'},
        {0, 0, 0, 0}};
    const char *u = "wo create --title T --priority P1|P2|P3 [--description "
                    "D] [--site S] [--asset A] [--requester R] [--contact C] "
                    "[--assign TECH] [--json]";
    struct wo_cmd cmd = {.name = "create"};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 't': cmd.title = optarg; break;
        case 'p': cmd.priority = optarg; break;
        case 'd': cmd.description = optarg; break;
        case 's': cmd.site = optarg; break;
        case 'a': cmd.asset = optarg; break;
        case 'r': cmd.requester = optarg; break;
        case 'c': cmd.contact = optarg; break;
        case 'A': cmd.assignee = optarg; break;
        default: return disp_usage(u);
        }
    }
    if (optind != argc || !cmd.title || !*cmd.title || !cmd.priority)
        return disp_usage(u);
    if (strcmp(cmd.priority, "P1") && strcmp(cmd.priority, "P2") &&
        strcmp(cmd.priority, "P3")) {
        fprintf(stderr, "wo: --priority must be P1, P2 or P3\n");
        return 2;
    }
    if (!disp_is_office(c))
        return 1;
    return disp_run(c, &cmd, 1);
}

int cmd_assign(struct client *c, int argc, char **argv)
{
    struct wo_cmd cmd = {.name = "assign"};
    if (argc != 3 || client_parse_id(argv[1], &cmd.wo))
        return disp_usage("wo assign WO TECH");
    cmd.assignee = argv[2];
    if (!disp_is_office(c))
        return 1;
    return disp_run(c, &cmd, 1);
}

int cmd_cancel(struct client *c, int argc, char **argv)
{
    static const struct option lo[] = {{"reason", required_argument, 0, 'r'},
                                       {0, 0, 0, 0}};
    struct wo_cmd cmd = {.name = "cancel"};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (ch != 'r')
            return disp_usage("wo cancel WO --reason TEXT");
        cmd.reason = optarg;
    }
    if (optind != argc - 1 || client_parse_id(argv[optind], &cmd.wo) ||
        !cmd.reason)
        return disp_usage("wo cancel WO --reason TEXT");
    if (!disp_is_office(c))
        return 1;
    return disp_run(c, &cmd, 1);
}

int cmd_board(struct client *c, int argc, char **argv)
{
    struct wo_cmd cmd = {.name = "board"};
    if (argc != 1)
        return disp_usage("wo board [--json]");
    if (!disp_is_office(c))
        return 1;
    return disp_run(c, &cmd, 0);
}

int cmd_show(struct client *c, int argc, char **argv)
{
    struct wo_cmd cmd = {.name = "show"};
    if (argc != 2 || client_parse_id(argv[1], &cmd.wo))
        return disp_usage("wo show WO [--json]");
    if (c->role && !strcmp(c->role, "technician")) {
        struct wo_order o;
        int rc = replica_order_load(c->r, cmd.wo, &o);
        if (rc) {
            fprintf(stderr, "wo: order %lld is not in your list (run 'wo "
                            "sync')\n", (long long)cmd.wo);
            return 1;
        }
        /* offline, signatures are checked here against the keys this
         * device knows; the server checks them again at sync */
        size_t here = report_verify_here(c, &o);
        if (c->json)
            jsonout_order(&o, 1);
        else
            print_order(&o);
        if (here && !c->json)
            printf("  (signatures verified on this device)\n");
        wo_order_cleanup(&o);
        return 0;
    }
    if (!disp_is_office(c))
        return 1;
    return disp_run(c, &cmd, 1);
}

int cmd_device(struct client *c, int argc, char **argv)
{
    struct wo_cmd cmd = {.name = "revoke"};
    if (argc != 3 || strcmp(argv[1], "revoke") ||
        client_parse_id(argv[2], &cmd.device))
        return disp_usage("wo device revoke ID   (admin)");
    if (!disp_is_office(c))
        return 1;
    return disp_run(c, &cmd, 0);
}
