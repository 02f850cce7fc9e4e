/*
 * cmd_tech.c - technician commands. They work offline: each checks the
 * replica, then writes the local effect and the outbox op in one
 * transaction (replica_record). Nothing here touches the network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "cmd.h"
#include "jsonout.h"
#include "print.h"
#include "cmd_report_pdf.h"
#include "replica.h"
#include "wo_clock.h"
#include "wo_crypto.h"
#include "wo_lifecycle.h"
#include "wo_opkind.h"
#include "wo_statement.h"

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
    if (cli_parse_id(arg, &id))
        return cli_error("'%s' is not a work order id (a positive number)",
                         arg ? arg : "(nothing)");
    int rc = replica_order_load(c->r, id, o);
    if (rc == WO_ENOTFOUND) {
        fprintf(stderr, "wo: order %lld is not in your list (run 'wo sync', "
                        "or 'wo list' to see yours)\n", (long long)id);
        return 1;
    }
    if (rc) {
        char why[1024];
        fprintf(stderr, "wo: cannot read order %lld: %s\n", (long long)id,
                replica_why(c->r, rc, why, sizeof why));
        return 1;
    }
    return 0;
}

/* The order's state does not allow what was asked: a failure (exit 1), not
 * a bad argument (exit 2, README "Command line"). */
static int refuse(const struct wo_order *o, const char *why)
{
    fprintf(stderr, "wo: order %lld: %s\n", (long long)o->id, why);
    return 1;
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

/* The wire name of an op kind, from the one table (wo_opkind.h). */
#define KIND(k) ((char *)wo_opkind_get(k)->name)

/* Check op with the server's own shape rules, then record it and its
 * local effect in one replica transaction. */
static int record(struct client *c, struct wo_op *op)
{
    char id[37], why[256];
    if (wo_opkind_check(op, why, sizeof why))
        return cli_error("%s", why);
    uint8_t mac[32];
    if (wo_uuid(id))
        return 1;
    op->id = id;
    if (!op->at)
        op->at = wo_clock_now_ms();
    client_anchor_stamp(c, op, mac);
    int rc = replica_record(c->r, op, c->user, c->device);
    op->id = NULL;
    if (rc) {
        char msg[1024];
        fprintf(stderr, "wo: could not record: %s\n",
                replica_why(c->r, rc, msg, sizeof msg));
        return 1;
    }
    if (c->json)
        jsonout_recorded(op, id);
    else
        print_recorded(op, id);
    return 0;
}

int cmd_list(struct client *c, int argc, char **argv)
{
    int64_t *ids;
    size_t n, k = 0;
    char why[1024];
    /* the ids and every order as of one moment, in one read */
    int rc = replica_read_begin(c->r);
    if (!rc && (rc = replica_order_ids(c->r, &ids, &n)))
        replica_read_end(c->r);
    if (rc) {
        fprintf(stderr, "wo: cannot list your orders: %s\n",
                replica_why(c->r, rc, why, sizeof why));
        return 1;
    }
    struct wo_order *os = calloc(n ? n : 1, sizeof *os);
    rc = os ? 0 : WO_ENOMEM;
    /* an order that cannot be read is an error, not a shorter list: the
     * list must never look complete when it is not */
    for (size_t i = 0; !rc && i < n; i++) {
        if ((rc = replica_order_load(c->r, ids[i], &os[k])))
            fprintf(stderr, "wo: cannot read order %lld: %s\n",
                    (long long)ids[i], replica_why(c->r, rc, why,
                                                   sizeof why));
        else
            k++;
    }
    replica_read_end(c->r);
    if (!rc && c->json)
        jsonout_orders(os, k);
    else if (!rc)
        print_list(os, k);
    for (size_t i = 0; i < k; i++)
        wo_order_cleanup(&os[i]);
    free(os);
    free(ids);
    return rc ? 1 : 0;
}

/* An op that is only a move of the state machine: accept, depart. */
static int status_op(struct client *c, int argc, char **argv, char *kind)
{
    struct wo_order o;
    int rc;
    if ((rc = load(c, argc > 1 ? argv[1] : NULL, &o)))
        return rc;
    rc = allowed(&o, kind, NULL);
    struct wo_op op = {.wo = o.id, .kind = kind};
    if (!rc)
        rc = record(c, &op);
    wo_order_cleanup(&o);
    return rc;
}

int cmd_accept(struct client *c, int argc, char **argv)
{
    return status_op(c, argc, argv, KIND(WO_OP_ACCEPT));
}

int cmd_depart(struct client *c, int argc, char **argv)
{
    return status_op(c, argc, argv, KIND(WO_OP_DEPART));
}

/* user's open visit of o: a former holder's open visit is theirs, not
 * this technician's to end, and does not block them. */
static const struct wo_visit *open_visit(const struct wo_order *o,
                                         const char *user)
{
    for (size_t i = 0; i < o->n_visits; i++)
        if (!o->visits[i].ended_at && user &&
            !strcmp(o->visits[i].tech, user))
            return &o->visits[i];
    return NULL;
}

int cmd_visit(struct client *c, int argc, char **argv)
{
    const char *outcome = NULL;
    const struct cli_opt opts[] = {CLI_OPT("outcome", CLI_STR, &outcome),
                                   CLI_END};
    const struct cli_spec spec = {"wo visit start WO | wo visit end WO "
                                  "--outcome " WO_OUTCOMES,
                                  opts, 2, 2};
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    const char *verb = argv[first];
    if (!strcmp(verb, "end") &&
        !wo_outcome_valid(outcome))
        return cli_error("visit end needs --outcome done, needs-parts or "
                         "customer-absent");
    struct wo_order o;
    if ((rc = load(c, argv[first + 1], &o)))
        return rc;
    struct wo_op op = {.wo = o.id};
    if (!strcmp(verb, "start")) {
        op.kind = KIND(WO_OP_VISIT_START);
        rc = allowed(&o, op.kind, NULL);
    } else if (!strcmp(verb, "end")) {
        const struct wo_visit *v = open_visit(&o, c->user);
        op.kind = KIND(WO_OP_VISIT_END);
        /* one's own open visit can always be ended: if the order moved on
         * meanwhile (reassigned and back), the end is a fact that moves no
         * status, on the server as here (docs/sync.md) */
        if (!v)
            rc = refuse(&o, "no visit of yours is open: start one with "
                        "'wo visit start WO'");
        op.ref = v ? v->id : NULL;
        op.outcome = (char *)outcome;
    } else {
        rc = cli_error("visit '%s': use start or end", verb);
    }
    if (!rc)
        rc = record(c, &op);
    wo_order_cleanup(&o);
    return rc;
}

int cmd_note(struct client *c, int argc, char **argv)
{
    /* no options: a note may start with '-' */
    const struct cli_spec spec = {"wo note WO TEXT (quote the text)", NULL,
                                  2, 2};
    struct wo_order o;
    int64_t wo;
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (!*argv[2])
        return cli_usage(spec.usage);
    if (strlen(argv[2]) > WO_MAX_TEXT)
        return cli_error("note is longer than 8192 bytes");
    /* a dispatcher's note goes to the server at once; the technician
     * sees it after their next sync */
    if (c->role && strcmp(c->role, "technician")) {
        if (cli_parse_id(argv[1], &wo))
            return cli_usage(spec.usage);
        return cmd__note_office(c, wo, argv[2]);
    }
    if ((rc = load(c, argv[1], &o)))
        return rc;
    struct wo_op op = {.wo = o.id, .kind = KIND(WO_OP_NOTE_ADD),
                       .text = argv[2]};
    if (!(rc = allowed(&o, op.kind, NULL)))
        rc = record(c, &op);
    wo_order_cleanup(&o);
    return rc;
}

int cmd_part(struct client *c, int argc, char **argv)
{
    char *serials[64];
    struct cli_list serial = {serials, 0};
    struct wo_op op = {.kind = KIND(WO_OP_PART_ADD)};
    const char *desc = NULL;
    const struct cli_opt opts[] = {
        CLI_OPT_MAX("qty", CLI_COUNT, &op.qty, 1000000, NULL),
        CLI_OPT("desc", CLI_STR, &desc),
        CLI_OPT_MAX("serial", CLI_LIST, &serial,
                    sizeof serials / sizeof serials[0],
                    "at most 64 --serial per part line"),
        CLI_END};
    const struct cli_spec spec = {"wo part WO PART_NO --qty N [--desc TEXT] "
                                  "[--serial S]...", opts, 2, 2};
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (!op.qty)
        return cli_usage(spec.usage);
    struct wo_order o;
    if ((rc = load(c, argv[first], &o)))
        return rc;
    op.wo = o.id;
    op.part_no = argv[first + 1];
    op.desc = (char *)desc;
    op.serials = serial.v;
    op.n_serials = serial.n;
    if (!(rc = allowed(&o, op.kind, NULL)))
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
    if (!o.n_visits || open_visit(&o, c->user))
        rc = refuse(&o, "signing needs at least one visit and no open "
                    "visit of yours: end the visit first");
    else
        rc = allowed(&o, KIND(WO_OP_SIGN_TECH), NULL);
    if (!rc) {
        struct wo_op op = {.wo = o.id, .kind = KIND(WO_OP_SIGN_TECH),
                           .at = wo_clock_now_ms()};
        struct wo_stmt_meta m = {.role = "technician", .signer = c->user,
                                 .device_id = c->device, .signed_at = op.at};
        rc = sign_common(c, &o, &op, &m);
    }
    wo_order_cleanup(&o);
    return rc;
}

/* A recipient code is checked for its form before anything is recorded:
 * a typo costs one of the five tries the server allows otherwise. */
static int code_format_ok(const char *code)
{
    return strlen(code) == 8 && strspn(code, "0123456789") == 8;
}

static int code_format_error(void)
{
    return cli_error("the confirmation code is the 8 digits the requester "
                     "was given when the order was opened");
}

int cmd_cosign(struct client *c, int argc, char **argv)
{
    const char *name = NULL, *code = NULL, *comment = NULL;
    int unsatisfied = 0, yes = 0, first, rc;
    const struct cli_opt opts[] = {
        CLI_OPT("name", CLI_STR, &name), CLI_OPT("code", CLI_STR, &code),
        CLI_OPT("unsatisfied", CLI_FLAG, &unsatisfied),
        CLI_OPT("comment", CLI_STR, &comment),
        CLI_OPT("yes", CLI_FLAG, &yes), CLI_END};
    const struct cli_spec spec = {"wo cosign WO --name NAME [--unsatisfied "
                                  "--comment TEXT] [--yes] (then the "
                                  "recipient types the code)",
                                  opts, 1, 1};
    char typed[WO_MAX_ID + 2];
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (!name || !*name || (code && !*code))
        return cli_usage(spec.usage);
    if (unsatisfied && (!comment || !*comment))
        return cli_error("--unsatisfied needs --comment saying what is "
                         "wrong");
    if (code && !code_format_ok(code))
        return code_format_error();
    struct wo_order o;
    if ((rc = load(c, argv[first], &o)))
        return rc;
    rc = allowed(&o, KIND(WO_OP_SIGN_RECIPIENT),
                 unsatisfied ? "unsatisfied" : "satisfied");
    /* the recipient reads what they sign (on a terminal), then types
     * their code, which never stands in argv unless a script put it
     * there */
    if (!rc)
        rc = report_cosign_confirm(c, &o, name, yes);
    if (!rc && !code) {
        rc = cli_read_secret("recipient's code", typed, sizeof typed);
        code = typed;
        if (!rc && !code_format_ok(code))
            rc = code_format_error();
    }
    if (!rc) {
        struct wo_op op = {.wo = o.id, .kind = KIND(WO_OP_SIGN_RECIPIENT),
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
    struct jsonout_outbox *json; /* NULL: human output */
    int n;
};

static void outbox_row(void *arg, int64_t seq, const char *id, int64_t order,
                       const char *kind, int64_t at, const char *state,
                       const char *reason)
{
    struct outbox_print *p = arg;
    p->n++;
    if (p->json)
        jsonout_outbox_add(p->json, seq, id, order, kind, at, state, reason);
    else
        print_outbox_row(seq, id, order, kind, state, reason);
}

int cmd_outbox(struct client *c, int argc, char **argv)
{
    struct outbox_print p = {0};
    if (c->json)
        p.json = jsonout_outbox_create();
    int rc = replica_outbox_list(c->r, outbox_row, &p);
    if (rc) {
        /* rows shown so far are not the whole outbox: say so, and never
         * claim it is empty */
        char why[1024];
        fprintf(stderr, "wo: cannot read the whole outbox: %s\n",
                replica_why(c->r, rc, why, sizeof why));
    } else if (p.json) {
        jsonout_outbox_print(p.json);
    } else if (!p.n) {
        printf("outbox is empty: everything recorded has reached the "
               "server\n");
    }
    jsonout_outbox_destroy(p.json);
    return rc ? 1 : 0;
}

/* Resolved with no site visit: by the technician (an op, offline like
 * any other) or by a dispatcher (the desk's own fix, online). */
int cmd_resolve(struct client *c, int argc, char **argv)
{
    const char *note = NULL;
    int remote = 0;
    const struct cli_opt opts[] = {CLI_OPT("remote", CLI_FLAG, &remote),
                                   CLI_OPT("note", CLI_STR, &note), CLI_END};
    const struct cli_spec spec = {"wo resolve WO --remote --note TEXT "
                                  "(what was done, with no site visit)",
                                  opts, 1, 1};
    struct wo_order o;
    int64_t wo;
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (!remote || !note || !*note || cli_parse_id(argv[first], &wo))
        return cli_usage(spec.usage);
    if (strlen(note) > WO_MAX_TEXT)
        return cli_error("the note is longer than 8192 bytes");
    if (c->role && strcmp(c->role, "technician"))
        return cmd__resolve_office(c, wo, note);
    if ((rc = load(c, argv[first], &o)))
        return rc;
    struct wo_op op = {.wo = o.id, .kind = KIND(WO_OP_RESOLVE_REMOTE),
                       .text = (char *)note};
    if (!(rc = allowed(&o, op.kind, NULL)))
        rc = record(c, &op);
    wo_order_cleanup(&o);
    return rc;
}

/* The void of ref on o, or NULL. */
static const struct wo_void *void_of(const struct wo_order *o, const char *ref)
{
    for (size_t i = 0; i < o->n_voids; i++)
        if (!strcmp(o->voids[i].ref, ref))
            return &o->voids[i];
    return NULL;
}

/* A part or note of one's own declared wrong: it stays, marked void with
 * the reason; the next signature lists the void too. */
int cmd_void(struct client *c, int argc, char **argv)
{
    const char *reason = NULL, *author = NULL;
    const struct cli_opt opts[] = {CLI_OPT("reason", CLI_STR, &reason),
                                   CLI_END};
    const struct cli_spec spec = {"wo void WO RECORD_ID --reason TEXT (the "
                                  "id of your part or note: wo show WO "
                                  "--json)", opts, 2, 2};
    struct wo_order o;
    int first, rc;
    if ((rc = cli_parse(&spec, argc, argv, &first)))
        return rc;
    if (!reason || !*reason)
        return cli_usage(spec.usage);
    if (strlen(reason) > WO_MAX_TEXT)
        return cli_error("the reason is longer than 8192 bytes");
    if ((rc = load(c, argv[first], &o)))
        return rc;
    const char *ref = argv[first + 1];
    for (size_t i = 0; !author && i < o.n_parts; i++)
        if (!strcmp(o.parts[i].id, ref))
            author = o.parts[i].author;
    for (size_t i = 0; !author && i < o.n_notes; i++)
        if (!strcmp(o.notes[i].id, ref))
            author = o.notes[i].author;
    if (!author)
        rc = refuse(&o, "it has no part or note with that id (wo show WO "
                        "--json lists them)");
    else if (strcmp(author, c->user))
        rc = refuse(&o, "that record is not yours: only its author can "
                        "void it");
    else if (void_of(&o, ref))
        rc = refuse(&o, "that record is void already");
    if (!rc) {
        struct wo_op op = {.wo = o.id, .kind = KIND(WO_OP_RECORD_VOID),
                           .ref = (char *)ref, .text = (char *)reason};
        if (!(rc = allowed(&o, op.kind, NULL)))
            rc = record(c, &op);
    }
    wo_order_cleanup(&o);
    return rc;
}
