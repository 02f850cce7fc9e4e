/*
 * cmd_svc.c - the service desk commands of issue 14 (docs/lifecycle.md,
 * "Intake", "Authorisation", "Agreements"): authorise, edit, the desk's
 * remote resolution, agreements and the order's SLA explanation, and what
 * an admin configures (customers, categories, the priority matrix, part
 * prices and the labour rate). Each is one request to the server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "cmd.h"
#include "jsonout.h"
#include "print.h"
#include "report.h"
#include "sync.h"
#include "wo_clock.h"
#include "wo_crypto.h"
#include "wo_lifecycle.h"
#include "wo_statement.h"

/* Send cmd, print its agreements (one: with "why"). */
static int run_agreements(struct client *c, struct wo_cmd *cmd, int one)
{
    struct wo_result *res;
    if (!cmd__is_office(c) || sync_cmd(c, cmd, &res))
        return 1;
    if (c->json)
        jsonout_agreements(res->agreements, res->n_agreements, one);
    else
        print_agreements(res->agreements, res->n_agreements, cmd->customer);
    wo_frame_free(WO_F_RESULT, res);
    return 0;
}

/* Send cmd and say "done" (or its rows as a table: the matrix; or the
 * customers or categories). */
static int run_plain(struct client *c, struct wo_cmd *cmd)
{
    struct wo_result *res;
    if (!cmd__is_office(c) || sync_cmd(c, cmd, &res))
        return 1;
    if (strstr(cmd->name, ".show") && res->n_rows == 0 &&
        strcmp(cmd->name, "matrix.show")) {
        if (c->json)
            jsonout_entries(res->entries, res->n_entries);
        else
            print_entries(res->entries, res->n_entries);
    } else if (res->n_rows && c->json)
        jsonout_matrix(res->rows, res->n_rows);
    else if (res->n_rows)
        print_matrix(res->rows, res->n_rows);
    else
        printf("done\n");
    wo_frame_free(WO_F_RESULT, res);
    return 0;
}

int cmd_authorise(struct client *c, int argc, char **argv)
{
    const char *name = NULL, *code = NULL, *reason = NULL;
    int refuse = 0;
    const struct cli_opt opts[] = {CLI_OPT("name", CLI_STR, &name),
                                   CLI_OPT("code", CLI_STR, &code),
                                   CLI_OPT("refuse", CLI_FLAG, &refuse),
                                   CLI_OPT("reason", CLI_STR, &reason),
                                   CLI_END};
    const struct cli_spec spec = {
        "wo authorise WO --name NAME [--refuse --reason TEXT]  (then the "
        "authoriser types their code; --code CODE only in scripts)", opts, 1,
        1};
    char typed[WO_MAX_ID + 2], *stmt = NULL;
    uint8_t priv[32], pub[32], sig[64];
    struct wo_cmd cmd = {.name = "authorise"};
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (cli_parse_id(argv[first], &cmd.wo) || !name || !*name)
        return cli_usage(spec.usage);
    if (refuse && (!reason || !*reason))
        return cli_error("--refuse needs --reason saying why");
    if (!refuse && reason)
        return cli_error("--reason goes with --refuse");
    if (!cmd__is_office(c))
        return 1;
    if (!code) {
        if ((rc = cli_read_secret("authorisation code", typed, sizeof typed)))
            return rc;
        code = typed;
    }
    if (strlen(code) != 8 || strspn(code, "0123456789") != 8)
        return cli_error("an authorisation code is 8 digits");
    /* the verdict is a signed fact: this device signs what it records */
    cmd.start = wo_clock_now_ms();
    if (client_key(c, priv, pub) ||
        wo_statement_authorisation(cmd.wo, name, !refuse, reason, c->device,
                                   cmd.start, &stmt) ||
        wo_sign(priv, stmt, strlen(stmt), sig)) {
        free(stmt);
        fprintf(stderr, "wo: cannot sign the authorisation with this "
                        "device's key (%s/device.key); names may not hold "
                        "control characters\n", c->home);
        return 1;
    }
    cmd.authoriser = (char *)name;
    cmd.code = (char *)code;
    cmd.refuse = refuse;
    cmd.reason = (char *)reason;
    cmd.statement = stmt;
    cmd.sig = sig;
    cmd.sig_len = sizeof sig;
    rc = cmd__run(c, &cmd, 1);
    free(stmt);
    return rc;
}

int cmd_edit(struct client *c, int argc, char **argv)
{
    const char *title = NULL, *priority = NULL, *description = NULL,
               *site = NULL, *asset = NULL, *contact = NULL,
               *category = NULL, *deadline = NULL, *reason = NULL;
    const struct cli_opt opts[] = {
        CLI_OPT("title", CLI_STR, &title),
        CLI_OPT("priority", CLI_STR, &priority),
        CLI_OPT("description", CLI_STR, &description),
        CLI_OPT("site", CLI_STR, &site),
        CLI_OPT("asset", CLI_STR, &asset),
        CLI_OPT("contact", CLI_STR, &contact),
        CLI_OPT("category", CLI_STR, &category),
        CLI_OPT("deadline", CLI_STR, &deadline),
        CLI_OPT("reason", CLI_STR, &reason),
        CLI_END};
    const struct cli_spec spec = {
        "wo edit WO [--title T] [--priority P1|P2|P3] [--description D] "
        "[--category C] [--site S] [--asset A] [--contact C] "
        "[--deadline TIME] --reason WHY [--json]", opts, 1, 1};
    struct wo_cmd cmd = {.name = "edit"};
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (cli_parse_id(argv[first], &cmd.wo))
        return cli_usage(spec.usage);
    if (!reason || !*reason)
        return cli_error("a reason is required: --reason TEXT (it goes into "
                         "the order's history)");
    if (priority && !wo_lifecycle_is_priority(priority))
        return cli_error("--priority must be P1, P2 or P3");
    if (deadline && cli_parse_time(deadline, &cmd.deadline))
        return cli_error("--deadline takes a time: \"2026-11-24 17:00\" "
                         "(UTC), \"2026-11-24\", or +2d");
    cmd.title = (char *)title;
    cmd.priority = (char *)priority;
    cmd.description = (char *)description;
    cmd.site = (char *)site;
    cmd.asset = (char *)asset;
    cmd.contact = (char *)contact;
    cmd.category = (char *)category;
    cmd.reason = (char *)reason;
    if (!cmd__is_office(c))
        return 1;
    return cmd__run(c, &cmd, 1);
}

/* The desk's own remote resolution (the technician's is in cmd_tech.c). */
int cmd__resolve_office(struct client *c, int64_t wo, const char *note)
{
    struct wo_cmd cmd = {.name = "resolve", .wo = wo, .remote = 1,
                         .text = (char *)note};
    if (!cmd__is_office(c))
        return 1;
    return cmd__run(c, &cmd, 1);
}

int cmd__note_office(struct client *c, int64_t wo, const char *text)
{
    struct wo_cmd cmd = {.name = "note", .wo = wo, .text = (char *)text};
    return cmd__run(c, &cmd, 1);
}

int cmd__sla_order(struct client *c, int64_t wo)
{
    struct wo_cmd cmd = {.name = "sla.order", .wo = wo};
    return run_agreements(c, &cmd, 1);
}

int cmd_agreement(struct client *c, int argc, char **argv)
{
    const char *from = NULL, *tz = NULL, *hours = NULL, *review = NULL;
    char *hol[64], *tgt[8];
    struct cli_list holidays = {hol, 0}, targets = {tgt, 0};
    const struct cli_opt opts[] = {
        CLI_OPT("from", CLI_STR, &from),
        CLI_OPT("tz", CLI_STR, &tz),
        CLI_OPT("hours", CLI_STR, &hours),
        CLI_OPT_MAX("holiday", CLI_LIST, &holidays, 64,
                    "at most 64 --holiday per agreement"),
        CLI_OPT_MAX("target", CLI_LIST, &targets, 3,
                    "at most 3 --target (P1, P2, P3)"),
        CLI_OPT("review", CLI_STR, &review),
        CLI_END};
    const char *u =
        "wo agreement show [CUSTOMER] [--json]\n"
        "       wo agreement set CUSTOMER|default --from TIME [--tz ZONE] "
        "[--hours \"Mon-Fri 08:00-17:00\"|24x7] [--holiday YYYY-MM-DD]... "
        "[--target P1=15m/4h [P2=1h/8h ...]]... [--review TIME]   (admin)";
    const struct cli_spec spec = {u, opts, 1, CLI_ANY};
    struct wo_cmd cmd = {.name = "agreement.show"};
    char hbuf[64 * 12], tbuf[8 * 40];
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    const char *verb = argv[first], *who = first + 1 < argc ? argv[first + 1]
                                                            : NULL;
    if (!strcmp(verb, "show")) {
        if (from || tz || hours || review || holidays.n || targets.n ||
            argc - first > 2)
            return cli_usage(u);
        cmd.customer = who && strcmp(who, "default") ? (char *)who : NULL;
        if (who && !strcmp(who, "default"))
            cmd.customer = "";
        return run_agreements(c, &cmd, 0);
    }
    if (strcmp(verb, "set") || !who || !from)
        return cli_usage(u);
    /* --target P1=15m/4h P2=1h/8h: the targets after the first are
     * arguments of their own */
    for (int i = first + 2; i < argc; i++) {
        if (argv[i][0] != 'P' || !strchr(argv[i], '=') || !targets.n)
            return cli_usage(u);
        if (targets.n == sizeof tgt / sizeof tgt[0])
            return cli_error("at most 3 targets (P1, P2, P3)");
        tgt[targets.n++] = argv[i];
    }
    cmd.name = "agreement.set";
    cmd.customer = strcmp(who, "default") ? (char *)who : NULL;
    if (cli_parse_time(from, &cmd.start) ||
        (review && cli_parse_time(review, &cmd.review)))
        return cli_error("--from and --review take a time: \"2026-11-24 "
                         "08:00\" (UTC), \"2026-11-24\", now or +2d");
    hbuf[0] = tbuf[0] = 0;
    for (size_t i = 0; i < holidays.n; i++)
        snprintf(hbuf + strlen(hbuf), sizeof hbuf - strlen(hbuf), "%s%s",
                 i ? "," : "", hol[i]);
    for (size_t i = 0; i < targets.n; i++)
        snprintf(tbuf + strlen(tbuf), sizeof tbuf - strlen(tbuf), "%s%s",
                 i ? " " : "", tgt[i]);
    if ((tz && !*tz) || (hours && !*hours))
        return cli_error("--%s cannot be empty: give %s, or leave it out to "
                         "keep the previous version's", tz && !*tz ? "tz"
                         : "hours", tz && !*tz ? "an IANA zone such as "
                         "Asia/Jakarta" : "24x7 or working hours such as "
                         "\"Mon-Fri 08:00-17:00\"");
    cmd.tz = (char *)tz;
    cmd.hours = (char *)hours;
    cmd.holidays = holidays.n ? hbuf : NULL;
    cmd.targets = targets.n ? tbuf : NULL;
    return run_agreements(c, &cmd, 1);
}

int cmd_customer(struct client *c, int argc, char **argv)
{
    const char *needs = NULL;
    int external = 0, internal = 0;
    const struct cli_opt opts[] = {
        CLI_OPT("external", CLI_FLAG, &external),
        CLI_OPT("internal", CLI_FLAG, &internal),
        CLI_OPT("needs-authorisation", CLI_STR, &needs), CLI_END};
    const char *u = "wo customer show [--json] | wo customer set NAME "
                    "[--internal|--external] [--needs-authorisation on|off]"
                    "   (admin)";
    const struct cli_spec spec = {u, opts, 1, 2};
    struct wo_cmd cmd = {.name = "customer.set"};
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (!strcmp(argv[first], "show") && argc - first == 1 && !external &&
        !internal && !needs) {
        cmd.name = "customers.show";
        return run_plain(c, &cmd);
    }
    if (strcmp(argv[first], "set") || argc - first != 2 ||
        (external && internal) ||
        (needs && strcmp(needs, "on") && strcmp(needs, "off")))
        return cli_usage(u);
    cmd.customer = argv[first + 1];
    cmd.kind = external ? "external" : internal ? "internal" : NULL;
    cmd.escalate = (char *)needs;
    return run_plain(c, &cmd);
}

int cmd_category(struct client *c, int argc, char **argv)
{
    const char *needs = NULL;
    const struct cli_opt opts[] = {
        CLI_OPT("needs-authorisation", CLI_STR, &needs), CLI_END};
    const char *u = "wo category show [--json] | wo category set NAME "
                    "[--needs-authorisation on|off]   (admin)";
    const struct cli_spec spec = {u, opts, 1, 2};
    struct wo_cmd cmd = {.name = "category.set"};
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (!strcmp(argv[first], "show") && argc - first == 1 && !needs) {
        cmd.name = "categories.show";
        return run_plain(c, &cmd);
    }
    if (strcmp(argv[first], "set") || argc - first != 2 ||
        (needs && strcmp(needs, "on") && strcmp(needs, "off")))
        return cli_usage(u);
    cmd.category = argv[first + 1];
    cmd.escalate = (char *)needs;
    return run_plain(c, &cmd);
}

int cmd_matrix(struct client *c, int argc, char **argv)
{
    const char *u = "wo matrix show [--json] | wo matrix set IMPACT URGENCY "
                    "P1|P2|P3   (admin; IMPACT, URGENCY: low medium high)";
    const struct cli_spec spec = {u, NULL, 1, 4};
    struct wo_cmd cmd = {.name = "matrix.show"};
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (!strcmp(argv[first], "set") && argc - first == 4) {
        cmd.name = "matrix.set";
        cmd.impact = argv[first + 1];
        cmd.urgency = argv[first + 2];
        cmd.priority = argv[first + 3];
    } else if (strcmp(argv[first], "show") || argc - first != 1) {
        return cli_usage(u);
    }
    return run_plain(c, &cmd);
}

int cmd_price(struct client *c, int argc, char **argv)
{
    const char *labour = NULL;
    const struct cli_opt opts[] = {CLI_OPT("labour", CLI_STR, &labour),
                                   CLI_END};
    const char *u = "wo price set PART_NO PRICE | wo price set --labour "
                    "RATE_PER_HOUR   (admin; whole currency units)";
    const struct cli_spec spec = {u, opts, 1, 3};
    struct wo_cmd cmd = {.name = "price.set"};
    int first, rc;
    char *end;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (strcmp(argv[first], "set"))
        return cli_usage(u);
    const char *v = labour;
    if (labour && argc - first == 1) {
        cmd.kind = "labour";
    } else if (!labour && argc - first == 3) {
        cmd.part_no = argv[first + 1];
        v = argv[first + 2];
    } else {
        return cli_usage(u);
    }
    long long p = strtoll(v, &end, 10);
    if (end == v || *end || p < 0)
        return cli_error("a price is a whole number, 0 or more");
    cmd.price = p;
    return run_plain(c, &cmd);
}

int cmd_mail(struct client *c, int argc, char **argv)
{
    const struct cli_spec spec = {"wo mail [WO] [--json]   (what requesters "
                                  "were sent, and what waits for the relay)",
                                  NULL, 0, 1};
    struct wo_cmd cmd = {.name = "mail"};
    struct wo_result *res;
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (first < argc && cli_parse_id(argv[first], &cmd.wo))
        return cli_usage(spec.usage);
    if (!cmd__is_office(c) || sync_cmd(c, &cmd, &res))
        return 1;
    if (c->json)
        jsonout_mail(res->mail, res->n_mail);
    else
        print_mail(res->mail, res->n_mail);
    wo_frame_free(WO_F_RESULT, res);
    return 0;
}
