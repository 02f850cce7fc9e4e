/*
 * cmd_tech.c - technician commands. They work offline: each checks the
 * replica, then writes the local effect and the outbox op in one
 * transaction (replica_record). Nothing here touches the network.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client.h"
#include "cmd_report_pdf.h"
#include "wo_clock.h"
#include "replica.h"
#include "wo_crypto.h"
#include "wo_lifecycle.h"
#include "wo_statement.h"

static int bad(const char *fmt, const char *arg)
{
    fprintf(stderr, "wo: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    return 2;
}

static int is_tech(struct client *c)
{
    if (c->role && !strcmp(c->role, "technician"))
        return 1;
    fprintf(stderr, "wo: this command is for technicians; this home is "
                    "enrolled as %s\n", c->role ? c->role : "nobody");
    return 0;
}

/* The technician's order `arg` from the replica, with a helpful error:
 * every technician command that acts on an order starts here. */
static int load(struct client *c, const char *arg, struct wo_order *o)
{
    int64_t id;
    if (!is_tech(c))
        return 1;
    if (client_parse_id(arg, &id))
        return bad("'%s' is not a work order id (a positive number)",
                   arg ? arg : "(nothing)");
    int rc = replica_order_load(c->r, id, o);
    if (rc == WO_ENOTFOUND) {
        fprintf(stderr, "wo: order %lld is not in your list (run 'wo sync', "
                        "or 'wo list' to see yours)\n", (long long)id);
        return 1;
    }
    if (rc) {
        fprintf(stderr, "wo: cannot read the replica: %s\n",
                wo_strerror(rc));
        return 1;
    }
    return 0;
}

/* Check the shared state machine offline; 0 if allowed. */
static int allowed(const struct wo_order *o, const char *ev, const char *arg)
{
    char reason[512];
    if (wo_lifecycle_next(o->status, ev, arg, reason, sizeof reason))
        return 0;
    fprintf(stderr, "wo: order %lld: %s\n", (long long)o->id, reason);
    return 1;
}

static int record(struct client *c, struct wo_op *op)
{
    char id[37];
    if (wo_uuid(id))
        return 1;
    op->id = id;
    if (!op->at)
        op->at = wo_clock_now_ms();
    int rc = replica_record(c->r, op, c->user, c->device);
    op->id = NULL;
    if (rc) {
        fprintf(stderr, "wo: could not record: %s\n", wo_strerror(rc));
        return 1;
    }
    if (c->json) {
        json_t *j = json_pack("{s:s, s:I, s:s, s:s}", "op", id, "wo",
                              (json_int_t)op->wo, "kind", op->kind,
                              "state", "pending");
        json_dumpf(j, stdout, JSON_COMPACT);
        printf("\n");
        json_decref(j);
    } else {
        printf("recorded %s on order %lld (op %s; 'wo sync' sends it)\n",
               op->kind, (long long)op->wo, id);
    }
    return 0;
}

int cmd_list(struct client *c, int argc, char **argv)
{
    int64_t *ids;
    size_t n;
    if (replica_order_ids(c->r, &ids, &n))
        return 1;
    struct wo_order *os = calloc(n ? n : 1, sizeof *os);
    size_t k = 0;
    for (size_t i = 0; os && i < n; i++)
        if (!replica_order_load(c->r, ids[i], &os[k]))
            k++;
    if (c->json) {
        jsonout_orders(os, k);
    } else {
        if (!k)
            printf("no work orders (run 'wo sync' to fetch yours)\n");
        for (size_t i = 0; i < k; i++)
            printf("%-6lld %-3s %-16s %s\n", (long long)os[i].id,
                   os[i].priority, os[i].status, os[i].title);
    }
    for (size_t i = 0; i < k; i++)
        wo_order_cleanup(&os[i]);
    free(os);
    free(ids);
    return 0;
}

/* An op that is only a move of the state machine: accept, depart. */
static int status_op(struct client *c, int argc, char **argv,
                     const char *kind)
{
    struct wo_order o;
    int rc;
    if ((rc = load(c, argc > 1 ? argv[1] : NULL, &o)))
        return rc;
    rc = allowed(&o, kind, NULL);
    struct wo_op op = {.wo = o.id, .kind = (char *)kind};
    if (!rc)
        rc = record(c, &op);
    wo_order_cleanup(&o);
    return rc;
}

int cmd_accept(struct client *c, int argc, char **argv)
{
    return status_op(c, argc, argv, "accept");
}

int cmd_depart(struct client *c, int argc, char **argv)
{
    return status_op(c, argc, argv, "depart");
}

static const struct wo_visit *open_visit(const struct wo_order *o)
{
    for (size_t i = 0; i < o->n_visits; i++)
        if (!o->visits[i].ended_at)
            return &o->visits[i];
    return NULL;
}

int cmd_visit(struct client *c, int argc, char **argv)
{
    static const struct option lo[] = {{"outcome", required_argument, 0, 'o'},
                                       {0, 0, 0, 0}};
    const char *outcome = NULL;
    int ch, rc;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (ch == 'o')
            outcome = optarg;
        else
            return bad("%s", "usage: wo visit start WO | wo visit end WO "
                             "--outcome done|needs-parts|customer-absent");
    }
    if (optind + 2 != argc)
        return bad("%s", "usage: wo visit start WO | wo visit end WO "
                         "--outcome done|needs-parts|customer-absent");
    const char *verb = argv[optind];
    if (!strcmp(verb, "end") &&
        (!outcome || (strcmp(outcome, "done") &&
                      strcmp(outcome, "needs-parts") &&
                      strcmp(outcome, "customer-absent"))))
        return bad("%s", "visit end needs --outcome done, needs-parts or "
                         "customer-absent");
    struct wo_order o;
    if ((rc = load(c, argv[optind + 1], &o)))
        return rc;
    struct wo_op op = {.wo = o.id};
    if (!strcmp(verb, "start")) {
        op.kind = "visit.start";
        rc = allowed(&o, op.kind, NULL);
    } else if (!strcmp(verb, "end")) {
        const struct wo_visit *v = open_visit(&o);
        op.kind = "visit.end";
        if (!v)
            rc = bad("%s", "no visit is open on this order: start one with "
                           "'wo visit start WO'");
        else
            rc = allowed(&o, op.kind, outcome);
        op.ref = v ? v->id : NULL;
        op.outcome = (char *)outcome;
    } else {
        rc = bad("visit '%s': use start or end", verb);
    }
    if (!rc)
        rc = record(c, &op);
    wo_order_cleanup(&o);
    return rc;
}

int cmd_note(struct client *c, int argc, char **argv)
{
    struct wo_order o;
    int rc;
    if (argc != 3 || !*argv[2])
        return bad("%s", "usage: wo note WO TEXT (quote the text)");
    if (strlen(argv[2]) > WO_MAX_TEXT)
        return bad("%s", "note is longer than 8192 bytes");
    if ((rc = load(c, argv[1], &o)))
        return rc;
    struct wo_op op = {.wo = o.id, .kind = "note.add", .text = argv[2]};
    rc = record(c, &op);
    wo_order_cleanup(&o);
    return rc;
}

int cmd_part(struct client *c, int argc, char **argv)
{
    static const struct option lo[] = {{"qty", required_argument, 0, 'q'},
                                       {"desc", required_argument, 0, 'd'},
                                       {"serial", required_argument, 0, 's'},
                                       {0, 0, 0, 0}};
    char *serials[64];
    struct wo_op op = {.kind = "part.add"};
    int ch, rc;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 'q':
            op.qty = strtoll(optarg, &end, 10);
            if (*end || op.qty <= 0 || op.qty > 1000000)
                return bad("--qty '%s' must be a whole number from 1 to "
                           "1000000", optarg);
            break;
        case 'd': op.desc = optarg; break;
        case 's':
            if (op.n_serials == 64)
                return bad("%s", "at most 64 --serial per part line");
            serials[op.n_serials++] = optarg;
            break;
        default:
            return bad("%s", "usage: wo part WO PART_NO --qty N [--desc TEXT] "
                             "[--serial S]...");
        }
    }
    if (optind + 2 != argc || !op.qty)
        return bad("%s", "usage: wo part WO PART_NO --qty N [--desc TEXT] "
                         "[--serial S]...");
    struct wo_order o;
    if ((rc = load(c, argv[optind], &o)))
        return rc;
    op.wo = o.id;
    op.part_no = argv[optind + 1];
    op.serials = serials;
    rc = record(c, &op);
    wo_order_cleanup(&o);
    return rc;
}

static int sign_common(struct client *c, struct wo_order *o, struct wo_op *op,
                       const struct wo_stmt_meta *m)
{
    uint8_t priv[32], pub[32], sig[64];
    char *stmt = NULL;
    if (client_key(c, priv, pub)) {
        fprintf(stderr, "wo: cannot read this device's key (%s/device.key)\n",
                c->home);
        return 1;
    }
    if (wo_statement_build(o, m, &stmt) ||
        wo_sign(priv, stmt, strlen(stmt), sig)) {
        free(stmt);
        fprintf(stderr, "wo: cannot build or sign the statement (names may "
                        "not hold control characters)\n");
        return 1;
    }
    op->statement = stmt;
    op->sig = sig;
    op->sig_len = 64;
    int rc = record(c, op);
    free(stmt);
    return rc;
}

int cmd_sign(struct client *c, int argc, char **argv)
{
    struct wo_order o;
    int rc;
    if ((rc = load(c, argc > 1 ? argv[1] : NULL, &o)))
        return rc;
    if (!o.n_visits || open_visit(&o))
        rc = bad("%s", "sign needs at least one visit and no open visit: "
                       "end the visit first");
    else
        rc = allowed(&o, "sign.technician", NULL);
    if (!rc) {
        struct wo_op op = {.wo = o.id, .kind = "sign.technician",
                           .at = wo_clock_now_ms()};
        struct wo_stmt_meta m = {.role = "technician", .signer = c->user,
                                 .device_id = c->device, .signed_at = op.at};
        rc = sign_common(c, &o, &op, &m);
    }
    wo_order_cleanup(&o);
    return rc;
}

int cmd_cosign(struct client *c, int argc, char **argv)
{
    static const struct option lo[] = {
        {"name", required_argument, 0, 'n'},
        {"code", required_argument, 0, 'c'},
        {"unsatisfied", no_argument, 0, 'u'},
        {"comment", required_argument, 0, 'm'},
        {"yes", no_argument, 0, 'y'},
        {0, 0, 0, 0}};
    const char *name = NULL, *code = NULL, *comment = NULL;
    int unsatisfied = 0, yes = 0, ch, rc;
    const char *use = "usage: wo cosign WO --name NAME --code CODE "
                      "[--unsatisfied --comment TEXT] [--yes]";
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 'n': name = optarg; break;
        case 'c': code = optarg; break;
        case 'u': unsatisfied = 1; break;
        case 'm': comment = optarg; break;
        case 'y': yes = 1; break;
        default: return bad("%s", use);
        }
    }
    if (optind + 1 != argc || !name || !*name || !code || !*code)
        return bad("%s", use);
    if (unsatisfied && (!comment || !*comment))
        return bad("%s", "--unsatisfied needs --comment saying what is wrong");
    struct wo_order o;
    if ((rc = load(c, argv[optind], &o)))
        return rc;
    rc = allowed(&o, "sign.recipient",
                 unsatisfied ? "unsatisfied" : "satisfied");
    /* the recipient reads what they sign (on a terminal) */
    if (!rc)
        rc = report_cosign_confirm(c, &o, name, yes);
    if (!rc) {
        struct wo_op op = {.wo = o.id, .kind = "sign.recipient",
                           .at = wo_clock_now_ms(), .name = (char *)name,
                           .code = (char *)code, .satisfied = !unsatisfied,
                           .comment = (char *)comment};
        struct wo_stmt_meta m = {.role = "recipient", .signer = name,
                                 .device_id = c->device, .signed_at = op.at,
                                 .satisfied = !unsatisfied,
                                 .comment = comment};
        rc = sign_common(c, &o, &op, &m);
    }
    wo_order_cleanup(&o);
    return rc;
}

struct outbox_print {
    json_t *arr;
    int n;
};

static void outbox_row(void *arg, int64_t seq, const char *id, int64_t order,
                       const char *kind, int64_t at, const char *state,
                       const char *reason)
{
    struct outbox_print *p = arg;
    p->n++;
    if (p->arr) {
        json_array_append_new(
            p->arr, json_pack("{s:I, s:s, s:I, s:s, s:I, s:s, s:s?}", "seq",
                              (json_int_t)seq, "id", id, "wo",
                              (json_int_t)order, "kind", kind, "at",
                              (json_int_t)at, "state", state, "reason",
                              reason));
        return;
    }
    printf("%-5lld %-8s order %-6lld %-16s %s%s%s\n", (long long)seq, state,
           (long long)order, kind, id, reason ? "\n      reason: " : "",
           reason ? reason : "");
}

int cmd_outbox(struct client *c, int argc, char **argv)
{
    struct outbox_print p = {0};
    if (c->json)
        p.arr = json_array();
    int rc = replica_outbox_list(c->r, outbox_row, &p);
    if (p.arr) {
        json_dumpf(p.arr, stdout, JSON_COMPACT);
        printf("\n");
        json_decref(p.arr);
    } else if (!p.n) {
        printf("outbox is empty: everything recorded has reached the "
               "server\n");
    }
    return rc ? 1 : 0;
}
