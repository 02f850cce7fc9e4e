/*
 * cmd_disp.c - dispatcher and admin commands (online: each is one request
 * to the server), and `wo show`, which reads the replica for a technician
 * and asks the server for a dispatcher.
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
#include "cmd_report_pdf.h"
#include "replica.h"
#include "sync.h"
#include "wo_clock.h"
#include "wo_lifecycle.h"

int cmd__is_office(const struct client *c)
{
    if (c->role && (!strcmp(c->role, "dispatcher") ||
                    !strcmp(c->role, "admin")))
        return 1;
    fprintf(stderr, _("wo: this command is for dispatchers; this home is "
                      "enrolled as %s\n"), c->role ? c->role : "nobody");
    return 0;
}

int cmd__run(struct client *c, struct wo_cmd *cmd, int full)
{
    struct wo_result *res;
    if (sync_cmd(c, cmd, &res))
        return 1;
    if (c->json && !strcmp(cmd->name, "board"))
        jsonout_orders(res->orders, res->n_orders);
    else if (c->json && res->n_orders)
        jsonout_order(&res->orders[0], full);
    else if (!strcmp(cmd->name, "board"))
        print_board(res->orders, res->n_orders);
    else if (!strcmp(cmd->name, "create") && res->n_orders)
        printf("%lld\n", (long long)res->orders[0].id);
    else if (res->n_orders)
        print_order_for(&res->orders[0], 1);
    else
        printf("done\n");
    wo_frame_free(WO_F_RESULT, res);
    return 0;
}

int cmd_create(struct client *c, int argc, char **argv)
{
    const char *title = NULL, *priority = NULL, *description = NULL,
               *site = NULL, *asset = NULL, *requester = NULL,
               *contact = NULL, *assign = NULL, *type = NULL,
               *category = NULL, *impact = NULL, *urgency = NULL,
               *customer = NULL, *department = NULL, *deadline = NULL,
               *authoriser = NULL, *requester_email = NULL,
               *authoriser_email = NULL, *reason = NULL;
    int needs_auth = 0;
    const struct cli_opt opts[] = {
        CLI_OPT("title", CLI_STR, &title),
        CLI_OPT("priority", CLI_STR, &priority),
        CLI_OPT("description", CLI_STR, &description),
        CLI_OPT("site", CLI_STR, &site),
        CLI_OPT("asset", CLI_STR, &asset),
        CLI_OPT("requester", CLI_STR, &requester),
        CLI_OPT("contact", CLI_STR, &contact),
        CLI_OPT("assign", CLI_STR, &assign),
        CLI_OPT("type", CLI_STR, &type),
        CLI_OPT("category", CLI_STR, &category),
        CLI_OPT("impact", CLI_STR, &impact),
        CLI_OPT("urgency", CLI_STR, &urgency),
        CLI_OPT("customer", CLI_STR, &customer),
        CLI_OPT("department", CLI_STR, &department),
        CLI_OPT("deadline", CLI_STR, &deadline),
        CLI_OPT("needs-authorisation", CLI_FLAG, &needs_auth),
        CLI_OPT("authoriser", CLI_STR, &authoriser),
        CLI_OPT("requester-email", CLI_STR, &requester_email),
        CLI_OPT("authoriser-email", CLI_STR, &authoriser_email),
        CLI_OPT("reason", CLI_STR, &reason),
        CLI_END};
    const struct cli_spec spec = {
        "wo create --title T (--priority P1|P2|P3 | --impact L --urgency L "
        "[--priority P --reason WHY]) [--type incident|request] "
        "[--category C] [--customer NAME] [--department D] [--deadline TIME] "
        "[--needs-authorisation] [--authoriser NAME] [--description D] "
        "[--site S] [--asset A] [--requester R] [--requester-email ADDR] "
        "[--authoriser-email ADDR] [--contact C] [--assign TECH] [--json]\n"
        "  (L: low, medium or high)", opts, 0, 0};
    int first, rc;
    int64_t due = 0;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (!title || !*title || (!priority && !(impact && urgency)))
        return cli_usage(spec.usage);
    if (priority && !wo_lifecycle_is_priority(priority))
        return cli_error("--priority must be P1, P2 or P3");
    if (type && strcmp(type, "incident") && strcmp(type, "request"))
        return cli_error("--type must be incident or request");
    if (deadline && cli_parse_time(deadline, &due))
        return cli_error("--deadline takes a time: \"2026-11-24 17:00\" "
                         "(UTC), \"2026-11-24\", or +2d");
    /* the frame's fields are not const; nothing writes through them */
    struct wo_cmd cmd = {.name = "create", .title = (char *)title,
                         .priority = (char *)priority,
                         .description = (char *)description,
                         .site = (char *)site, .asset = (char *)asset,
                         .requester = (char *)requester,
                         .contact = (char *)contact,
                         .assignee = (char *)assign,
                         .type = (char *)type, .category = (char *)category,
                         .impact = (char *)impact,
                         .urgency = (char *)urgency,
                         .customer = (char *)customer,
                         .department = (char *)department, .deadline = due,
                         .needs_authorisation = needs_auth,
                         .authoriser = (char *)authoriser,
                         .requester_email = (char *)requester_email,
                         .authoriser_email = (char *)authoriser_email,
                         .reason = (char *)reason};
    if (!cmd__is_office(c))
        return 1;
    return cmd__run(c, &cmd, 1);
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
    if (!cmd__is_office(c))
        return 1;
    return cmd__run(c, &cmd, 1);
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
    if (!cmd__is_office(c))
        return 1;
    return cmd__run(c, &cmd, 1);
}

/* A new recipient code (the old one stops working): printed once. */
int cmd_code(struct client *c, int argc, char **argv)
{
    int auth = 0;
    const struct cli_opt opts[] = {
        CLI_OPT("authorisation", CLI_FLAG, &auth), CLI_END};
    const struct cli_spec spec = {"wo code WO [--authorisation] [--json]   "
                                  "(a new recipient code, or with "
                                  "--authorisation a new authorisation "
                                  "code)", opts, 1, 1};
    struct wo_cmd cmd = {.name = "code"};
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (cli_parse_id(argv[first], &cmd.wo))
        return cli_usage(spec.usage);
    if (auth)
        cmd.name = "auth.code";
    if (!cmd__is_office(c))
        return 1;
    return cmd__run(c, &cmd, 1);
}

int cmd_board(struct client *c, int argc, char **argv)
{
    const char *status = NULL, *tech = NULL, *priority = NULL, *site = NULL;
    int all = 0;
    const struct cli_opt opts[] = {CLI_OPT("status", CLI_STR, &status),
                                   CLI_OPT("tech", CLI_STR, &tech),
                                   CLI_OPT("priority", CLI_STR, &priority),
                                   CLI_OPT("site", CLI_STR, &site),
                                   CLI_OPT("all", CLI_FLAG, &all), CLI_END};
    const struct cli_spec spec = {"wo board [--all] [--status S] [--tech T] "
                                  "[--priority P1|P2|P3] [--site S] [--json]",
                                  opts, 0, 0};
    struct wo_cmd cmd = {.name = "board"};
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (priority && !wo_lifecycle_is_priority(priority))
        return cli_error("--priority must be P1, P2 or P3");
    if (status && !wo_lifecycle_is_status(status)) {
        fprintf(stderr, "wo: --status '%s' is not a status; one of: %s\n",
                status, WO_STATUSES);
        return 2;
    }
    cmd.status = (char *)status;
    cmd.assignee = (char *)tech;
    cmd.priority = (char *)priority;
    cmd.site = (char *)site;
    cmd.all = all;
    if (!cmd__is_office(c))
        return 1;
    return cmd__run(c, &cmd, 0);
}

/* Technicians: presence, and each device's sync health. */
int cmd_techs(struct client *c, int argc, char **argv)
{
    const struct cli_spec spec = {"wo techs [--json]", NULL, 0, 0};
    struct wo_cmd cmd = {.name = "techs"};
    struct wo_result *res;
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (!cmd__is_office(c))
        return 1;
    if (sync_cmd(c, &cmd, &res))
        return 1;
    if (c->json)
        jsonout_techs(res->techs, res->n_techs, wo_clock_now_ms());
    else
        print_techs(res->techs, res->n_techs, wo_clock_now_ms());
    wo_frame_free(WO_F_RESULT, res);
    return 0;
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
            fprintf(stderr, _("wo: order %lld is not in your list (run "
                              "'wo sync')\n"), (long long)cmd.wo);
            return 1;
        }
        /* the first opening is a delivery receipt, kept offline and sent
         * at the next sync (docs/protocol.md, "Field data"); a replica
         * that cannot keep it still shows the order */
        if (replica_opened_mark(c->r, cmd.wo, wo_clock_now_ms()))
            fprintf(stderr, "wo: could not record that you opened order "
                            "%lld\n", (long long)cmd.wo);
        /* offline, signatures are checked here against the keys this
         * device knows; the server checks them again at sync */
        size_t here = report_verify_here(c, &o);
        if (c->json)
            jsonout_order(&o, 1);
        else
            print_order(&o);
        if (here && !c->json)
            printf("  %s\n", _("(signatures verified on this device)"));
        wo_order_cleanup(&o);
        return 0;
    }
    if (!cmd__is_office(c))
        return 1;
    return cmd__run(c, &cmd, 1);
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
    if (!cmd__is_office(c))
        return 1;
    return cmd__run(c, &cmd, 0);
}
