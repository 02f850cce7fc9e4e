/*
 * cmd_know.c - what the desk has learnt: search of past resolutions
 * (FTS5; offline on a technician's laptop, on the server for the office)
 * and the office's reports, printed as a table, --json or --csv.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "cmd.h"
#include "jsonout.h"
#include "print.h"
#include "replica.h"
#include "report.h"
#include "sync.h"
#include "wo_sqlkit.h"

#define SEARCH_LIMIT 20

/* Long options shared by search and report: each refuses, as a usage
 * error, the ones that mean nothing to it. */
struct kopts {
    const char *asset, *since, *until, *limit, *customer;
    int csv;
};

/* The options and min_args or more positional arguments (max_args at
 * most). 0 with *first set, or the exit code of a usage error (printed). */
static int kparse(int argc, char **argv, struct kopts *o, const char *u,
                  int min_args, int max_args, int *first)
{
    const struct cli_opt opts[] = {
        CLI_OPT("asset", CLI_STR, &o->asset),
        CLI_OPT("since", CLI_STR, &o->since),
        CLI_OPT("until", CLI_STR, &o->until),
        CLI_OPT("limit", CLI_STR, &o->limit),
        CLI_OPT("csv", CLI_FLAG, &o->csv),
        CLI_OPT("customer", CLI_STR, &o->customer),
        CLI_END};
    const struct cli_spec spec = {u, opts, min_args, max_args};
    return cli_parse(&spec, argc, argv, first);
}

static void show_hits(struct client *c, const struct wo_hit *h, size_t n,
                      const char *words)
{
    if (c->json)
        jsonout_hits(h, n);
    else
        print_hits(h, n, words);
}

/* The words, joined by spaces, into buf; 0 or -1 if none / too long. */
static int join_words(int argc, char **argv, int from, char *buf, size_t cap)
{
    size_t n = 0;
    for (int i = from; i < argc; i++) {
        int w = snprintf(buf + n, cap - n, "%s%s", n ? " " : "", argv[i]);
        if (w < 0 || (size_t)w >= cap - n)
            return -1;
        n += (size_t)w;
    }
    return n ? 0 : -1;
}

int cmd_search(struct client *c, int argc, char **argv)
{
    const char *u = "wo search WORDS... [--asset A] [--limit N] [--json]";
    struct kopts o = {0};
    struct wo_result *res;
    char words[WO_MAX_SHORT], query[4 * WO_MAX_SHORT];
    int64_t limit = SEARCH_LIMIT;
    int first;
    int rc = kparse(argc, argv, &o, u, 1, CLI_ANY, &first);
    if (rc)
        return rc;
    if (o.since || o.until || o.csv || o.customer ||
        (o.limit && cli_parse_id(o.limit, &limit)) ||
        join_words(argc, argv, first, words, sizeof words) ||
        wo_fts_query(words, query, sizeof query))
        return cli_usage(u);
    if (!strcmp(c->role, "technician")) {
        /* offline: the replica's copy of past resolutions */
        if (!(res = calloc(1, sizeof *res)))
            return 1;
        if (replica_search(c->r, query, o.asset, (size_t)limit, &res->hits,
                           &res->n_hits)) {
            fprintf(stderr, "wo: search of the replica failed\n");
            wo_frame_free(WO_F_RESULT, res);
            return 1;
        }
        show_hits(c, res->hits, res->n_hits, words);
        if (!res->n_hits && !c->json && !replica_past_count(c->r))
            printf("(this laptop holds no past resolutions yet: they come "
                   "with 'wo sync' for the assets on your orders)\n");
        wo_frame_free(WO_F_RESULT, res);
        return 0;
    }
    struct wo_cmd cmd = {.name = "search", .text = words,
                         .asset = (char *)o.asset, .limit = limit};
    if (!cmd__is_office(c) || sync_cmd(c, &cmd, &res))
        return 1;
    show_hits(c, res->hits, res->n_hits, words);
    wo_frame_free(WO_F_RESULT, res);
    return 0;
}

int cmd_report(struct client *c, int argc, char **argv)
{
    const char *u = "wo report assets|sla|times|workload|requesters|"
                    "departments|categories|customers|costs [--since TIME] "
                    "[--until TIME] [--limit N] [--customer NAME] "
                    "[--json | --csv]\n"
                    "  (TIME: \"2026-11-01\", \"2026-11-01 08:00\" UTC, or "
                    "-30d; default: the last 30 days)";
    struct kopts o = {0};
    struct wo_cmd cmd = {.name = "report"};
    struct wo_result *res;
    struct report_table t;
    const struct report *rp;
    int first;
    int rc = kparse(argc, argv, &o, u, 1, 1, &first);
    if (rc)
        return rc;
    rp = report_find(argv[first]);
    if (!rp || o.asset || (o.csv && c->json) ||
        (o.since && cli_parse_time(o.since, &cmd.since)) ||
        (o.until && cli_parse_time(o.until, &cmd.until)) ||
        (o.limit && cli_parse_id(o.limit, &cmd.limit)))
        return cli_usage(u);
    cmd.report = (char *)rp->name;
    cmd.customer = (char *)o.customer;
    if (!cmd__is_office(c))
        return 1;
    if (sync_cmd(c, &cmd, &res))
        return c->refused == 400 ? 2 : 1; /* bad arguments, as usage */
    if (report_table_init(&t, rp, res->rows, res->n_rows)) {
        fprintf(stderr, "wo: out of memory\n");
        wo_frame_free(WO_F_RESULT, res);
        return 1;
    }
    if (c->json)
        jsonout_table(&t);
    else if (o.csv)
        print_csv(&t);
    else
        print_report(rp->title, o.since ? &cmd.since : NULL,
                     o.until ? &cmd.until : NULL, &t);
    report_table_cleanup(&t);
    wo_frame_free(WO_F_RESULT, res);
    return 0;
}
