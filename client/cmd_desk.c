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
#include "cmd.h"
#include "i18n.h"
#include "jsonout.h"
#include "print.h"
#include "sync.h"

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
    return cmd__is_office(c) ? cmd__run(c, &cmd, 1) : 1;
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
    return cmd__is_office(c) ? cmd__run(c, &cmd, 1) : 1;
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
    return cmd__is_office(c) ? cmd__run(c, &cmd, 1) : 1;
}

static int request(struct client *c, struct wo_cmd *cmd,
                   struct wo_result **res)
{
    if (!cmd__is_office(c))
        return 1;
    return sync_cmd(c, cmd, res) ? 1 : 0;
}

/* The stored activity feed (what `wo sync --watch` shows live). */
int cmd_feed(struct client *c, int argc, char **argv)
{
    const char *since = NULL;
    int64_t limit = 0;
    const struct cli_opt opts[] = {
        CLI_OPT("since", CLI_STR, &since),
        CLI_OPT_MAX("limit", CLI_COUNT, &limit, WO_MAX_ITEMS, NULL),
        CLI_END};
    const struct cli_spec spec = {"wo feed [--since EVENT_ID] [--limit N] "
                                  "[--json]   (live: wo sync --watch)",
                                  opts, 0, 0};
    struct wo_cmd cmd = {.name = "feed"};
    struct wo_result *res;
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (since && cli_parse_id(since, &cmd.since))
        return cli_error("--since takes an event id (a whole number), not "
                         "'%s'", since);
    cmd.limit = limit;
    if (request(c, &cmd, &res))
        return 1;
    if (c->json)
        jsonout_events(res->feed, res->n_feed);
    else if (!res->n_feed)
        printf("%s\n", _("no events"));
    for (size_t i = 0; !c->json && i < res->n_feed; i++)
        print_event(&res->feed[i]);
    wo_frame_free(WO_F_RESULT, res);
    return 0;
}

int cmd_history(struct client *c, int argc, char **argv)
{
    const struct cli_spec spec = {"wo history WO [--json]", NULL, 1, 1};
    struct wo_cmd cmd = {.name = "history"};
    struct wo_result *res;
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (cli_parse_id(argv[1], &cmd.wo))
        return cli_usage(spec.usage);
    if (request(c, &cmd, &res))
        return 1;
    if (c->json)
        jsonout_history(res->history, res->n_history);
    else
        print_history(res->history, res->n_history);
    wo_frame_free(WO_F_RESULT, res);
    return 0;
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
    else
        print_alerts(res->alerts, res->n_alerts);
    wo_frame_free(WO_F_RESULT, res);
    return 0;
}

int cmd_sla(struct client *c, int argc, char **argv)
{
    const char *u = "wo sla WO [--json] | wo sla show [--json] | wo sla set P1|P2|P3 "
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
    } else if (argc == 2 && !cli_parse_id(argv[1], &cmd.wo)) {
        /* wo sla WO: the agreement that governs the order, and why */
        return cmd__sla_order(c, cmd.wo);
    } else if (argc != 2 || strcmp(argv[1], "show")) {
        return cli_usage(u);
    }
    if (request(c, &cmd, &res))
        return 1;
    if (c->json)
        jsonout_sla(res->sla, res->n_sla);
    else
        print_sla(res->sla, res->n_sla);
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
