/*
 * main.c - wo, the technician's and dispatcher's command line.
 * Commands dispatch from a table; global options (--home) come first or
 * from WO_HOME. Exit codes: 0 ok, 1 failure, 2 bad usage, 3 sync finished
 * with rejected ops.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "client.h"
#include "cmd.h"
#include "cmd_report_pdf.h"
#include "i18n.h"
#include "jsonout.h"
#include "net.h"
#include "print.h"
#include "replica.h"
#include "sync.h"
#include "wo_clock.h"
#include "wo_opkind.h"

static const char usage[] =
    "usage: wo [--home DIR] COMMAND ...   (or set WO_HOME)\n"
    "\n"
    "  enroll --server wss://HOST:PORT --ca FILE [--code CODE]\n"
    "                                asks for the code (not shown), or reads\n"
    "                                a line of standard input; warning:\n"
    "                                --code shows the code to every user of\n"
    "                                this machine (ps): for scripts only\n"
    "  sync [--watch]                push the outbox, catch up (and stay)\n"
    "technician (work offline):\n"
    "  list [--json] | show WO [--json] | accept WO | depart WO (en route)\n"
    "  visit start WO | visit end WO --outcome " WO_OUTCOMES "\n"
    "  note WO TEXT | part WO PART_NO --qty N [--desc T] [--serial S]...\n"
    "  void WO RECORD_ID --reason T  a part or note of yours was wrong: it\n"
    "                                stays, marked void (signed like the rest)\n"
    "  resolve WO --remote --note T  fixed with no site visit\n"
    "  sign WO | cosign WO --name NAME [--unsatisfied --comment T] [--yes]\n"
    "           on a terminal, cosign shows the report and asks, then asks\n"
    "           the recipient's code (not shown); without a terminal it\n"
    "           reads the code from standard input; --code CODE also works\n"
    "           but shows the code to every user of this machine (ps)\n"
    "  outbox [--json]\n"
    "  report-pdf WO [--out FILE]    the service report as PDF (offline;\n"
    "                                dispatchers: online, with both signatures)\n"
    "  verify FILE.pdf [--json]      check a report's signatures and text\n"
    "                                (offline, any machine, no --home needed)\n"
    "  search WORDS... [--asset A] [--json]   past resolutions, offline\n"
    "dispatcher (online):\n"
    "  create --title T --priority P1|P2|P3 [--description D] [--site S]\n"
    "         [--asset A] [--requester R] [--contact C] [--assign TECH] [--json]\n"
    "  assign WO TECH | cancel WO --reason T | show WO [--json]\n"
    "  board [--all] [--status S] [--tech T] [--priority P] [--site S] [--json]\n"
    "                                open orders (--all: closed ones too), with\n"
    "                                who is online and what reached the laptop\n"
    "  techs [--json]                technicians online, each laptop's sync health\n"
    "  feed [--since ID] [--limit N] [--json]   the activity feed so far\n"
    "  code WO [--json]              a new recipient code (the old one stops)\n"
    "  dispute WO --reason T | escalate WO --reason T [--to L2|L3] [--assign TECH]\n"
    "  history WO [--json] | alerts [--json] | sla show [--json]\n"
    "  schedule WO --from TIME --to TIME      next visit's window\n"
    "  search WORDS... [--asset A] [--json]\n"
    "  report assets|sla|times|workload [--since TIME] [--until TIME]\n"
    "         [--limit N] [--json | --csv]\n"
    "  sync --watch                  (dispatcher: live SLA alerts and the\n"
    "                                activity feed: accepts, visits, completions,\n"
    "                                disputes, rejected ops, devices on/offline)\n"
    "service desk (dispatcher):\n"
    "  create ... [--type incident|request] [--category C] [--impact L\n"
    "         --urgency L] [--customer NAME] [--department D] [--deadline TIME]\n"
    "         [--needs-authorisation --authoriser NAME] [--requester-email A]\n"
    "         [--authoriser-email A]          (L: low, medium, high)\n"
    "  authorise WO --name NAME [--refuse --reason R]   then the code (hidden)\n"
    "  code WO --authorisation       a new authorisation code\n"
    "  edit WO [--priority P] [--title T] [--description D] [--category C]\n"
    "       [--site S] [--asset A] [--contact C] [--deadline TIME] --reason R\n"
    "  note WO TEXT | resolve WO --remote --note TEXT (technician too)\n"
    "  sla WO [--json]               the agreement that governs it, and why\n"
    "  mail [WO] [--json]            messages to requesters: sent, or waiting\n"
    "  agreement show [CUSTOMER|default] [--json]\n"
    "  report requesters|departments|categories|customers|costs [--customer C]\n"
    "admin: device revoke ID | tier TECH L1|L2|L3\n"
    "       agreement set CUSTOMER|default --from TIME [--tz ZONE]\n"
    "         [--hours \"Mon-Fri 08:00-17:00\"] [--holiday DATE]...\n"
    "         [--target P1=15m/4h]... [--review TIME]\n"
    "       customer set NAME [--internal|--external] [--needs-authorisation on|off]\n"
    "       category set NAME [--needs-authorisation on|off]\n"
    "       (customer show and category show [--json]: for dispatchers too)\n"
    "       matrix show|set IMPACT URGENCY P | price set PART_NO PRICE | price set --labour RATE\n"
    "       sla set P1|P2|P3 [--response 15m] [--resolve 4h] "
    "[--escalate on|off]\n"
    "\nTIME: \"2026-11-24 09:00\" or \"2026-11-24\" (local time: TZ, else the zone\n"
    "the server gives your user, else this machine's), now, +2h, -30d.\n"
    "Language: LANG (or LANGUAGE), e.g. LANG=id_ID.UTF-8 for Bahasa Indonesia.\n"
    "Read commands print JSON with --json, anywhere on the line.\n";

typedef int (*cmd_fn)(struct client *c, int argc, char **argv);

static int cmd_enroll(struct client *c, int argc, char **argv)
{
    const char *server = NULL, *ca = NULL, *code = NULL, *user = NULL;
    const struct cli_opt opts[] = {CLI_OPT("server", CLI_STR, &server),
                                   CLI_OPT("ca", CLI_STR, &ca),
                                   CLI_OPT("code", CLI_STR, &code),
                                   CLI_OPT("user", CLI_STR, &user), CLI_END};
    const struct cli_spec spec = {"wo enroll --server wss://HOST:PORT --ca "
                                  "FILE [--user NAME] (then type the code; "
                                  "--code CODE only in scripts)", opts, 0, 0};
    char typed[WO_MAX_ID + 2];
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (!server || !ca)
        return cli_usage(spec.usage);
    char *abs = realpath(ca, NULL);
    if (!abs) {
        fprintf(stderr, "wo: cannot read the CA file %s: %s\n", ca,
                strerror(errno));
        return 2;
    }
    /* the code is read, not taken from argv, unless a script insists */
    if (!code && (rc = cli_read_secret("enrolment code", typed,
                                       sizeof typed))) {
        free(abs);
        return rc;
    }
    rc = sync_enroll(c, server, abs, code ? code : typed, user);
    free(abs);
    return rc;
}

/* Alerts are printed as they come: a watcher's stdout is often a pipe or
 * a log that someone is reading now. */
static void show_alert(void *arg, const struct wo_alert *a)
{
    const struct client *c = arg;
    if (c && c->json)
        jsonout_alert(a);
    else
        print_alert(a);
    fflush(stdout);
}

/* The activity feed, as it comes. SLA and code events are left out:
 * their alert line (above) says the same. */
static void show_event(void *arg, const struct wo_event *e)
{
    struct client *c = arg;
    if (!strncmp(e->kind, "sla.", 4) || !strcmp(e->kind, "code.locked"))
        return;
    if (c && c->json)
        jsonout_event(e);
    else
        print_event(e);
    fflush(stdout);
}

static int cmd_sync(struct client *c, int argc, char **argv)
{
    const struct sync_events ev = {show_alert, c, show_event};
    int watch = 0, first, rc;
    const struct cli_opt opts[] = {CLI_OPT("watch", CLI_FLAG, &watch),
                                   CLI_END};
    const struct cli_spec spec = {"wo sync [--watch]", opts, 0, 0};
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    return sync_run(c, watch, &ev);
}

static const struct {
    const char *name;
    cmd_fn fn;
    int needs_enrolment;
} cmds[] = {
    {"enroll", cmd_enroll, 0}, {"sync", cmd_sync, 1},
    {"list", cmd_list, 1},     {"show", cmd_show, 1},
    {"accept", cmd_accept, 1}, {"depart", cmd_depart, 1},
    {"visit", cmd_visit, 1},
    {"note", cmd_note, 1},     {"part", cmd_part, 1},
    {"sign", cmd_sign, 1},     {"cosign", cmd_cosign, 1},
    {"outbox", cmd_outbox, 1}, {"create", cmd_create, 1},
    {"assign", cmd_assign, 1}, {"board", cmd_board, 1},
    {"techs", cmd_techs, 1},   {"feed", cmd_feed, 1},
    {"cancel", cmd_cancel, 1}, {"device", cmd_device, 1},
    {"code", cmd_code, 1},
    {"dispute", cmd_dispute, 1}, {"escalate", cmd_escalate, 1},
    {"history", cmd_history, 1}, {"alerts", cmd_alerts, 1},
    {"sla", cmd_sla, 1},       {"tier", cmd_tier, 1},
    {"schedule", cmd_schedule, 1}, {"search", cmd_search, 1},
    {"report", cmd_report, 1}, {"report-pdf", cmd_report_pdf, 1},
    {"authorise", cmd_authorise, 1}, {"edit", cmd_edit, 1},
    {"resolve", cmd_resolve, 1}, {"agreement", cmd_agreement, 1},
    {"customer", cmd_customer, 1}, {"category", cmd_category, 1},
    {"matrix", cmd_matrix, 1}, {"price", cmd_price, 1},
    {"void", cmd_void, 1},     {"mail", cmd_mail, 1},
};

static void on_signal(int sig) { net_interrupt(); }

/* The enrolled identity from the replica's settings into c (each NULL or
 * 0 while unset). 0, or the replica's error: a damaged settings page is
 * reported as such, not taken for "not enrolled". */
static int read_config(struct client *c)
{
    char *dev = NULL;
    int rc;
    if ((rc = replica_config_get(c->r, "server", &c->server)) ||
        (rc = replica_config_get(c->r, "ca", &c->ca)) ||
        (rc = replica_config_get(c->r, "user", &c->user)) ||
        (rc = replica_config_get(c->r, "role", &c->role)) ||
        (rc = replica_config_get(c->r, "device_id", &dev)))
        return rc;
    c->device = dev ? strtoll(dev, NULL, 10) : 0;
    free(dev);
    return 0;
}

static void free_config(struct client *c)
{
    free(c->server);
    free(c->ca);
    free(c->user);
    free(c->role);
}

int main(int argc, char **argv)
{
    struct client c = {0};
    char err[512];
    int i = 1;
    c.home = getenv("WO_HOME");
    /* a sync handles frames of up to 1 MiB, one after another: keep such
     * buffers in the heap for reuse instead of mapping and faulting in
     * fresh pages for each (about a tenth of a first sync's CPU) */
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 16 << 20);
    i18n_init();
    /* tests move time through a file (wo_clock.h); never set in use */
    if (getenv("WO_TEST_CLOCK"))
        wo_clock_use_offset_file(getenv("WO_TEST_CLOCK"));
    /* not cli_parse(): global options end at the command's name, and an
     * unknown one is answered with the whole usage */
    while (i < argc && argv[i][0] == '-') {
        if (!strcmp(argv[i], "--home") && i + 1 < argc) {
            c.home = argv[i + 1];
            i += 2;
        } else if (!strncmp(argv[i], "--home=", 7)) {
            c.home = argv[i] + 7;
            i++;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return 0;
        } else {
            fprintf(stderr, "wo: unknown option %s\n\n%s", argv[i], usage);
            return 2;
        }
    }
    if (i >= argc) {
        fputs(usage, stderr);
        return 2;
    }
    if (!strcmp(argv[i], "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(argv[i], "verify")) {
        /* a report is checked from the PDF alone: no home, no replica */
        return cmd_verify(&c, cli_take_flag(argc - i, argv + i, "--json", &c.json),
                          argv + i);
    }
    if (!c.home) {
        fprintf(stderr, "wo: no state directory: pass --home DIR or set "
                        "WO_HOME\n");
        return 2;
    }
    size_t k;
    for (k = 0; k < sizeof cmds / sizeof cmds[0]; k++)
        if (!strcmp(cmds[k].name, argv[i]))
            break;
    if (k == sizeof cmds / sizeof cmds[0]) {
        fprintf(stderr, _("wo: unknown command '%s'\n\n%s"), argv[i], usage);
        return 2;
    }
    int enrolling = !cmds[k].needs_enrolment;
    /* only wo enroll makes the home and its replica: any other command
     * on a missing or damaged one says so instead of starting afresh */
    if (enrolling && mkdir(c.home, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "wo: cannot create %s: %s\n", c.home,
                strerror(errno));
        return 1;
    }
    int rc = replica_open(c.home, enrolling, &c.r, err, sizeof err);
    if (rc == WO_ENOTFOUND) {
        fprintf(stderr, _("wo: %s is not enrolled yet: run 'wo enroll "
                          "--server wss://HOST:PORT --ca FILE' first\n"),
                c.home);
        return 1;
    }
    if (rc) {
        fprintf(stderr, "wo: %s\n", err);
        if (rc == WO_EEXIST || rc == WO_EIO)
            fprintf(stderr, "wo: nothing was changed. The server still holds "
                            "everything this laptop synced; work recorded "
                            "since the last sync is only in that file, so "
                            "move it aside rather than deleting it. Then ask "
                            "an admin for a new code ('wo-server user code "
                            "NAME') and run 'wo enroll' to start again.\n");
        return 1;
    }
    /* tests make a full disk this way; never set in use */
    if (getenv("WO_TEST_DISK_FULL"))
        replica_test_disk_full(c.r);
    if ((rc = read_config(&c))) {
        fprintf(stderr, "wo: cannot read this laptop's settings: %s\n",
                replica_why(c.r, rc, err, sizeof err));
        replica_close(c.r);
        return 1;
    }
    /* times in the user's zone (TZ first), kept from the last welcome */
    char *zone = NULL;
    if (!replica_config_get(c.r, "tz", &zone))
        i18n_zone(zone);
    free(zone);
    if (cmds[k].needs_enrolment && !c.device) {
        fprintf(stderr, _("wo: %s is not enrolled yet: run 'wo enroll "
                          "--server wss://HOST:PORT --ca FILE' first\n"),
                c.home);
        free_config(&c);
        replica_close(c.r);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    /* --json may stand anywhere after the command: taken out once here so
     * that no command parses it itself */
    rc = cmds[k].fn(&c, cli_take_flag(argc - i, argv + i, "--json",
                                      &c.json), argv + i);
    free_config(&c);
    replica_close(c.r);
    return rc;
}
