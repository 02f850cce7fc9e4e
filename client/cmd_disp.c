/*
 * cmd_disp.c - dispatcher and admin commands (online: each is one request
 * to the server), and `wo show`, which reads the replica for a technician
 * and asks the server for a dispatcher.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "client.h"
#include "replica.h"
#include "wo_clock.h"

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
    const char *title = NULL, *priority = NULL, *description = NULL,
               *site = NULL, *asset = NULL, *requester = NULL,
               *contact = NULL, *assign = NULL;
    const struct cli_opt opts[] = {
        CLI_OPT("title", CLI_STR, &title),
        CLI_OPT("priority", CLI_STR, &priority),
        CLI_OPT("description", CLI_STR, &description),
        CLI_OPT("site", CLI_STR, &site),
        CLI_OPT("asset", CLI_STR, &asset),
        CLI_OPT("requester", CLI_STR, &requester),
        CLI_OPT("contact", CLI_STR, &contact),
        CLI_OPT("assign", CLI_STR, &assign),
        CLI_END};
    const struct cli_spec spec = {
        "wo create --title T --priority P1|P2|P3 [--description D] "
        "[--site S] [--asset A] [--requester R] [--contact C] "
        "[--assign TECH] [--json]", opts, 0, 0};
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (!title || !*title || !priority)
        return cli_usage(spec.usage);
    if (strcmp(priority, "P1") && strcmp(priority, "P2") &&
        strcmp(priority, "P3"))
        return cli_error("--priority must be P1, P2 or P3");
    /* the frame's fields are not const; nothing writes through them */
    struct wo_cmd cmd = {.name = "create", .title = (char *)title,
                         .priority = (char *)priority,
                         .description = (char *)description,
                         .site = (char *)site, .asset = (char *)asset,
                         .requester = (char *)requester,
                         .contact = (char *)contact,
                         .assignee = (char *)assign};
    if (!disp_is_office(c))
        return 1;
    return disp_run(c, &cmd, 1);
}

int cmd_assign(struct client *c, int argc, char **argv)
{
    const struct cli_spec spec = {"wo assign WO TECH", NULL, 2, 2};
    struct wo_cmd cmd = {.name = "assign"};
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (cli_parse_id(argv[1], &cmd.wo))
        return cli_usage(spec.usage);
    cmd.assignee = argv[2];
    if (!disp_is_office(c))
        return 1;
    return disp_run(c, &cmd, 1);
}

int cmd_cancel(struct client *c, int argc, char **argv)
{
    const char *reason = NULL;
    const struct cli_opt opts[] = {CLI_OPT("reason", CLI_STR, &reason),
                                   CLI_END};
    const struct cli_spec spec = {"wo cancel WO --reason TEXT", opts, 1, 1};
    struct wo_cmd cmd = {.name = "cancel"};
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (cli_parse_id(argv[first], &cmd.wo) || !reason)
        return cli_usage(spec.usage);
    cmd.reason = (char *)reason;
    if (!disp_is_office(c))
        return 1;
    return disp_run(c, &cmd, 1);
}

int cmd_board(struct client *c, int argc, char **argv)
{
    const struct cli_spec spec = {"wo board [--json]", NULL, 0, 0};
    struct wo_cmd cmd = {.name = "board"};
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (!disp_is_office(c))
        return 1;
    return disp_run(c, &cmd, 0);
}

int cmd_show(struct client *c, int argc, char **argv)
{
    const struct cli_spec spec = {"wo show WO [--json]", NULL, 1, 1};
    struct wo_cmd cmd = {.name = "show"};
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (cli_parse_id(argv[1], &cmd.wo))
        return cli_usage(spec.usage);
    if (c->role && !strcmp(c->role, "technician")) {
        struct wo_order o;
        rc = replica_order_load(c->r, cmd.wo, &o);
        if (rc) {
            fprintf(stderr, "wo: order %lld is not in your list (run 'wo "
                            "sync')\n", (long long)cmd.wo);
            return 1;
        }
        if (c->json)
            jsonout_order(&o, 1);
        else
            print_order(&o);
        wo_order_cleanup(&o);
        return 0;
    }
    if (!disp_is_office(c))
        return 1;
    return disp_run(c, &cmd, 1);
}

int cmd_device(struct client *c, int argc, char **argv)
{
    const struct cli_spec spec = {"wo device revoke ID   (admin)", NULL, 2,
                                  2};
    struct wo_cmd cmd = {.name = "revoke"};
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (strcmp(argv[1], "revoke") || cli_parse_id(argv[2], &cmd.device))
        return cli_usage(spec.usage);
    if (!disp_is_office(c))
        return 1;
    return disp_run(c, &cmd, 0);
}
