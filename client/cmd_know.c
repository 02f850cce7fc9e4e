/*
 * cmd_know.c - what the desk has learnt: search of past resolutions
 * (FTS5; offline on a technician's laptop, on the server for the office)
 * and the office's reports, printed as a table, --json or --csv.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "cli.h"
#include "client.h"
#include "replica.h"
#include "wo_sqlkit.h"

#define SEARCH_LIMIT 20

/* Long options shared by search and report: each refuses, as a usage
 * error, the ones that mean nothing to it. */
struct kopts {
    const char *asset, *since, *until, *limit;
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
        CLI_END};
    const struct cli_spec spec = {u, opts, min_args, max_args};
    return cli_parse(&spec, argc, argv, first);
}

static void print_hits(struct client *c, const struct wo_hit *h, size_t n,
                       const char *words)
{
    char tb[32];
    if (c->json) {
        jsonout_hits(h, n);
        return;
    }
    if (!n)
        printf("no past resolution matches '%s'\n", words);
    for (size_t i = 0; i < n; i++) {
        printf("order %lld  closed %s  %s%s%s%s\n", (long long)h[i].wo,
               disp_time(h[i].closed_at, tb, sizeof tb),
               h[i].asset ? "[" : "", h[i].asset ? h[i].asset : "",
               h[i].asset ? "] " : "", h[i].title);
        if (h[i].snippet)
            printf("    %s\n", h[i].snippet);
    }
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
    if (o.since || o.until || o.csv ||
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
        print_hits(c, res->hits, res->n_hits, words);
        if (!res->n_hits && !c->json && !replica_past_count(c->r))
            printf("(this laptop holds no past resolutions yet: they come "
                   "with 'wo sync' for the assets on your orders)\n");
        wo_frame_free(WO_F_RESULT, res);
        return 0;
    }
    struct wo_cmd cmd = {.name = "search", .text = words,
                         .asset = (char *)o.asset, .limit = limit};
    if (!disp_is_office(c) || sync_cmd(c, &cmd, &res))
        return 1;
    print_hits(c, res->hits, res->n_hits, words);
    wo_frame_free(WO_F_RESULT, res);
    return 0;
}

/* ---- reports ------------------------------------------------------------- */

static int64_t pct(int64_t met, int64_t missed)
{
    return met + missed ? (met * 100 + (met + missed) / 2) / (met + missed)
                        : REPORT_NONE;
}

static int64_t or_none(int64_t ms) { return ms ? ms : REPORT_NONE; }

/* One report's columns and how a row fills them. */
static const char *const assets_cols[] = {"orders", "open", "done", "visits"};
static void assets_fill(const struct wo_row *r, int64_t *v)
{
    v[0] = r->orders;
    v[1] = r->open;
    v[2] = r->done;
    v[3] = r->visits;
}

static const char *const sla_cols[] = {
    "orders",         "response_met", "response_missed", "response_pct",
    "resolve_met",    "resolve_missed", "resolve_pct"};
static void sla_fill(const struct wo_row *r, int64_t *v)
{
    v[0] = r->orders;
    v[1] = r->response_met;
    v[2] = r->response_missed;
    v[3] = pct(r->response_met, r->response_missed);
    v[4] = r->resolve_met;
    v[5] = r->resolve_missed;
    v[6] = pct(r->resolve_met, r->resolve_missed);
}

static const char *const times_cols[] = {"orders", "mean_response_ms",
                                         "mean_resolve_ms"};
static void times_fill(const struct wo_row *r, int64_t *v)
{
    v[0] = r->orders;
    v[1] = or_none(r->response_ms);
    v[2] = or_none(r->resolve_ms);
}

static const char *const workload_cols[] = {"open", "done", "visits"};
static void workload_fill(const struct wo_row *r, int64_t *v)
{
    v[0] = r->open;
    v[1] = r->done;
    v[2] = r->visits;
}

static const struct report {
    const char *name, *key, *title;
    const char *const *cols;
    size_t n_cols;
    void (*fill)(const struct wo_row *r, int64_t *v);
} reports[] = {
    {"assets", "asset", "assets with the most orders", assets_cols, 4,
     assets_fill},
    {"sla", "priority", "SLA compliance by priority", sla_cols, 7, sla_fill},
    {"times", "priority", "mean time to respond and to resolve", times_cols,
     3, times_fill},
    {"workload", "technician", "workload per technician", workload_cols, 3,
     workload_fill},
};

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

static void print_table(const struct report_table *t)
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

/* RFC 4180 through libcsv: the key quoted as needed, numbers as they are,
 * an empty field for no value. */
static void csv_table(const struct report_table *t)
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

int cmd_report(struct client *c, int argc, char **argv)
{
    const char *u = "wo report assets|sla|times|workload [--since TIME] "
                    "[--until TIME] [--limit N] [--json | --csv]\n"
                    "  (TIME: \"2026-11-01\", \"2026-11-01 08:00\" UTC, or "
                    "-30d; default: the last 30 days)";
    struct kopts o = {0};
    struct wo_cmd cmd = {.name = "report"};
    struct wo_result *res;
    const struct report *rp = NULL;
    int first;
    int rc = kparse(argc, argv, &o, u, 1, 1, &first);
    if (rc)
        return rc;
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++)
        if (!strcmp(argv[first], reports[i].name))
            rp = &reports[i];
    if (!rp || o.asset || (o.csv && c->json) ||
        (o.since && cli_parse_time(o.since, &cmd.since)) ||
        (o.until && cli_parse_time(o.until, &cmd.until)) ||
        (o.limit && cli_parse_id(o.limit, &cmd.limit)))
        return cli_usage(u);
    cmd.report = (char *)rp->name;
    if (!disp_is_office(c) || sync_cmd(c, &cmd, &res))
        return 1;
    const char **keys = calloc(res->n_rows + 1, sizeof *keys);
    int64_t *cells = calloc(res->n_rows * rp->n_cols + 1, sizeof *cells);
    if (!keys || !cells) {
        fprintf(stderr, "wo: out of memory\n");
        rc = 1;
        goto out;
    }
    for (size_t i = 0; i < res->n_rows; i++) {
        keys[i] = res->rows[i].key;
        rp->fill(&res->rows[i], cells + i * rp->n_cols);
    }
    struct report_table t = {rp->key, rp->cols, rp->n_cols, res->n_rows,
                             keys, cells};
    if (c->json) {
        jsonout_table(&t);
    } else if (o.csv) {
        csv_table(&t);
    } else {
        char sb[32], ub[32];
        printf("%s, orders opened %s to %s\n", rp->title,
               o.since ? disp_time(cmd.since, sb, sizeof sb) : "30 days ago",
               o.until ? disp_time(cmd.until, ub, sizeof ub) : "now");
        if (t.n_rows)
            print_table(&t);
        else
            printf("nothing in that period\n");
    }
out:
    free(keys);
    free(cells);
    wo_frame_free(WO_F_RESULT, res);
    return rc;
}
