/*
 * cmd_desk.c - the service desk's commands for dispatchers and admins
 * (docs/lifecycle.md): dispute, escalate, the next visit's window,
 * history, alerts, SLA policy and support tiers. Each is one request to
 * the server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"

/* The desk's long options. Every desk command reads the same table, so
 * an abbreviation means the same in each (and "--re" is ambiguous in
 * each); a command ignores the options it has no use for. */
struct opts {
    const char *reason, *to, *assign, *response, *resolve, *from, *escalate;
};

/* The options, and with wo one positional argument, the order's id (none
 * without). 0 or the exit code of a usage error (printed). */
static int parse(int argc, char **argv, struct opts *o, int64_t *wo,
                 const char *u)
{
    const struct cli_opt opts[] = {
        CLI_OPT("reason", CLI_STR, &o->reason),
        CLI_OPT("to", CLI_STR, &o->to),
        CLI_OPT("assign", CLI_STR, &o->assign),
        CLI_OPT("response", CLI_STR, &o->response),
        CLI_OPT("resolve", CLI_STR, &o->resolve),
        CLI_OPT("from", CLI_STR, &o->from),
        CLI_OPT("escalate", CLI_STR, &o->escalate),
        CLI_END};
    const struct cli_spec spec = {u, opts, wo ? 1 : 0, wo ? 1 : 0};
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (wo && cli_parse_id(argv[first], wo))
        return cli_usage(u);
    return 0;
}

int cmd_dispute(struct client *c, int argc, char **argv)
{
    const char *u = "wo dispute WO --reason TEXT";
    struct opts o = {0};
    struct wo_cmd cmd = {.name = "dispute"};
    int rc = parse(argc, argv, &o, &cmd.wo, u);
    if (rc)
        return rc;
    if (!o.reason)
        return cli_usage(u);
    cmd.reason = (char *)o.reason;
    return disp_is_office(c) ? disp_run(c, &cmd, 1) : 1;
}

int cmd_escalate(struct client *c, int argc, char **argv)
{
    const char *u = "wo escalate WO --reason TEXT [--to L2|L3] "
                    "[--assign TECH]";
    struct opts o = {0};
    struct wo_cmd cmd = {.name = "escalate"};
    int rc = parse(argc, argv, &o, &cmd.wo, u);
    if (rc)
        return rc;
    if (!o.reason || (o.to && strcmp(o.to, "L2") && strcmp(o.to, "L3")))
        return cli_usage(u);
    cmd.reason = (char *)o.reason;
    cmd.tier = (char *)o.to;
    cmd.assignee = (char *)o.assign;
    return disp_is_office(c) ? disp_run(c, &cmd, 1) : 1;
}

int cmd_schedule(struct client *c, int argc, char **argv)
{
    const char *u = "wo schedule WO --from TIME --to TIME   (TIME: "
                    "\"2026-11-24 09:00\" UTC, or +2h from now)";
    struct opts o = {0};
    struct wo_cmd cmd = {.name = "schedule"};
    int rc = parse(argc, argv, &o, &cmd.wo, u);
    if (rc)
        return rc;
    if (!o.from || !o.to || cli_parse_time(o.from, &cmd.start) ||
        cli_parse_time(o.to, &cmd.end))
        return cli_usage(u);
    if (cmd.end <= cmd.start)
        return cli_error("the window ends before it starts: give --from "
                         "before --to");
    return disp_is_office(c) ? disp_run(c, &cmd, 1) : 1;
}

static int request(struct client *c, struct wo_cmd *cmd,
                   struct wo_result **res)
{
    if (!disp_is_office(c))
        return 1;
    return sync_cmd(c, cmd, res) ? 1 : 0;
}

int cmd_history(struct client *c, int argc, char **argv)
{
    const struct cli_spec spec = {"wo history WO [--json]", NULL, 1, 1};
    struct wo_cmd cmd = {.name = "history"};
    struct wo_result *res;
    char tb[32], cb[32];
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (cli_parse_id(argv[1], &cmd.wo))
        return cli_usage(spec.usage);
    if (request(c, &cmd, &res))
        return 1;
    if (c->json)
        jsonout_history(res->history, res->n_history);
    for (size_t i = 0; !c->json && i < res->n_history; i++) {
        const struct wo_change *h = &res->history[i];
        printf("%-6lld %s  %-16s %-12s", (long long)h->seq,
               disp_time(h->at, tb, sizeof tb), h->kind, h->actor);
        if (h->device_id)
            printf(" device %lld", (long long)h->device_id);
        if (h->client_at)
            printf(" (device time %s)", disp_time(h->client_at, cb,
                                                  sizeof cb));
        printf("%s%s\n", h->detail ? "  " : "", h->detail ? h->detail : "");
    }
    wo_frame_free(WO_F_RESULT, res);
    return 0;
}

void print_alert(const struct wo_alert *a)
{
    static const struct {
        const char *kind, *text;
    } texts[] = {{"response.75", "75% of the response target used"},
                 {"response.breach", "response target BREACHED"},
                 {"resolve.75", "75% of the resolution target used"},
                 {"resolve.breach", "resolution target BREACHED"}};
    const char *text = a->kind;
    char tb[32];
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (!strcmp(texts[i].kind, a->kind))
            text = texts[i].text;
    printf("alert %lld  %s  order %lld [%s] %s: %s\n", (long long)a->id,
           disp_time(a->at, tb, sizeof tb), (long long)a->wo,
           a->priority ? a->priority : "?", a->title ? a->title : "", text);
}

int cmd_alerts(struct client *c, int argc, char **argv)
{
    const struct cli_spec spec = {"wo alerts [--json]   (live: wo sync "
                                  "--watch)", NULL, 0, 0};
    struct wo_cmd cmd = {.name = "alerts"};
    struct wo_result *res;
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (request(c, &cmd, &res))
        return 1;
    if (c->json)
        jsonout_alerts(res->alerts, res->n_alerts);
    else if (!res->n_alerts)
        printf("no alerts\n");
    for (size_t i = 0; !c->json && i < res->n_alerts; i++)
        print_alert(&res->alerts[i]);
    wo_frame_free(WO_F_RESULT, res);
    return 0;
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

int cmd_sla(struct client *c, int argc, char **argv)
{
    const char *u = "wo sla show [--json] | wo sla set P1|P2|P3 "
                    "[--response 15m] [--resolve 4h] [--escalate on|off]  "
                    "(admin)";
    struct wo_cmd cmd = {.name = "sla.show"};
    struct wo_result *res;
    struct opts o = {0};
    if (argc >= 2 && !strcmp(argv[1], "set")) {
        int rc;
        /* argv[2], the priority, stands where getopt expects a name; the
         * options follow it */
        if (argc < 3)
            return cli_usage(u);
        if ((rc = parse(argc - 2, argv + 2, &o, NULL, u)))
            return rc;
        cmd.name = "sla.set";
        cmd.priority = argv[2];
        cmd.response_ms = o.response ? cli_duration(o.response) : 0;
        cmd.resolve_ms = o.resolve ? cli_duration(o.resolve) : 0;
        cmd.escalate = (char *)o.escalate;
        if (o.escalate && strcmp(o.escalate, "on") &&
            strcmp(o.escalate, "off"))
            return cli_usage(u);
        if (cmd.response_ms < 0 || cmd.resolve_ms < 0 ||
            (!o.response && !o.resolve && !o.escalate))
            return cli_error("give --response and/or --resolve as a "
                             "duration such as 90s, 15m, 4h or 2d, and/or "
                             "--escalate on|off");
    } else if (argc != 2 || strcmp(argv[1], "show")) {
        return cli_usage(u);
    }
    if (request(c, &cmd, &res))
        return 1;
    if (c->json) {
        jsonout_sla(res->sla, res->n_sla);
    } else {
        if (res->n_sla)
            printf("SLA policy version %lld\n", (long long)res->sla[0].version);
        for (size_t i = 0; i < res->n_sla; i++) {
            printf("  %s  response", res->sla[i].priority);
            print_ms(res->sla[i].response_ms);
            printf("  resolve");
            print_ms(res->sla[i].resolve_ms);
            printf("%s\n", res->sla[i].escalate ? "  escalates on breach"
                                                : "");
        }
    }
    wo_frame_free(WO_F_RESULT, res);
    return 0;
}

int cmd_tier(struct client *c, int argc, char **argv)
{
    const struct cli_spec spec = {"wo tier TECH L1|L2|L3   (admin)", NULL, 2,
                                  2};
    struct wo_cmd cmd = {.name = "tier"};
    struct wo_result *res;
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    cmd.assignee = argv[1];
    cmd.tier = argv[2];
    if (request(c, &cmd, &res))
        return 1;
    printf("%s is now tier %s\n", argv[1], argv[2]);
    wo_frame_free(WO_F_RESULT, res);
    return 0;
}
