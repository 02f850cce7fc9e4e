/*
 * handle_desk.c - the service desk's commands of issue 14 (see
 * handle_desk.h and docs/lifecycle.md, "Intake", "Authorisation",
 * "Agreements"). Like handle_cmd.c: check the arguments and the order's
 * state, write, say what changed; dispatch owns the transaction.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "agree.h"
#include "codepool.h"
#include "desk.h"
#include "feed.h"
#include "handle_desk.h"
#include "notify.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "verify.h"
#include "wo_clock.h"
#include "wo_crypto.h"
#include "wo_hours.h"
#include "wo_lifecycle.h"
#include "wo_statement.h"

static int fail(struct call *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct call *c, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
    return rc;
}

static struct wo_cmd *cmd_of(struct call *c) { return c->body; }

static struct wo_result *result(struct call *c)
{
    if (!c->res)
        c->res = calloc(1, sizeof *c->res);
    return c->res;
}

static int valid_level(const char *s)
{
    return s && (!strcmp(s, "low") || !strcmp(s, "medium") ||
                 !strcmp(s, "high"));
}

/* An address a message can go to: one '@', no space, control character
 * or angle bracket (it goes into SMTP commands as it is). */
static int valid_email(const char *s)
{
    const char *at = s ? strchr(s, '@') : NULL;
    if (!at || at == s || !at[1] || strchr(at + 1, '@') || strlen(s) > 254)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == '<' || *p == '>' || *p == 0x7f || *p == ',')
            return 0;
    return 1;
}

/* The order with its intake fields; a missing one gets its reason. */
static int load(struct call *c, int64_t wo, struct wo_order *o)
{
    int rc = store_order_load(c->srv->store, wo, STORE_LOAD_TECH, o, NULL);
    if (rc == WO_ENOTFOUND)
        return fail(c, rc, "work order %lld does not exist", (long long)wo);
    return rc;
}

static int history(struct call *c, int64_t wo, const char *kind,
                   const char *detail, int64_t now)
{
    int64_t seq;
    return store_change(c->srv->store, wo, kind, c->a->user, c->a->device_id,
                        0, detail, now, &seq);
}

static void fmt_utc(int64_t ms, char out[40])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, 40, "%Y-%m-%d %H:%M UTC", &tm))
        snprintf(out, 40, "%lld ms", (long long)ms);
}

/* ---- intake ------------------------------------------------------------ */

static int set_str(char **field, const char *v)
{
    char *d = strdup(v);
    if (!d)
        return WO_ENOMEM;
    free(*field);
    *field = d;
    return 0;
}

int handle_desk_priority(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    char matrix[4];
    if (!cmd->impact != !cmd->urgency)
        return fail(c, WO_EINVAL, "give both --impact and --urgency (low, "
                    "medium or high), or neither and a --priority");
    if (!cmd->impact) {
        if (!wo_lifecycle_is_priority(cmd->priority))
            return fail(c, WO_EINVAL, "priority must be P1, P2 or P3 (or "
                        "give --impact and --urgency)");
        return 0;
    }
    if (!valid_level(cmd->impact) || !valid_level(cmd->urgency))
        return fail(c, WO_EINVAL, "--impact and --urgency take low, medium "
                    "or high");
    int rc = store_matrix_get(c->srv->store, cmd->impact, cmd->urgency,
                              matrix);
    if (rc)
        return rc;
    if (!cmd->priority)
        return set_str(&cmd->priority, matrix);
    if (!wo_lifecycle_is_priority(cmd->priority))
        return fail(c, WO_EINVAL, "priority must be P1, P2 or P3");
    if (strcmp(cmd->priority, matrix) && (!cmd->reason || !*cmd->reason))
        return fail(c, WO_EINVAL, "impact %s and urgency %s give %s; to set "
                    "%s by hand say why with --reason", cmd->impact,
                    cmd->urgency, matrix, cmd->priority);
    return 0;
}

int handle_desk_customer_known(struct call *c, const char *name,
                               char kind[16], int *needs_auth)
{
    int rc = store_customer_get(c->srv->store, name, kind, needs_auth);
    if (rc == WO_ENOTFOUND)
        return fail(c, WO_EINVAL, "no customer named '%s': an admin adds it "
                    "with 'wo customer set \"%s\"' ('wo customer show' "
                    "lists them)", name, name);
    return rc;
}

/* Category and customer: known ones only; whether they need approval. */
static int intake_refs(struct call *c, const char *category, int *needs)
{
    struct wo_cmd *cmd = cmd_of(c);
    char kind[16];
    int cat_auth = 0, cust_auth = 0;
    int rc = store_category_get(c->srv->store, category, &cat_auth);
    if (rc == WO_ENOTFOUND)
        return fail(c, rc, "unknown category '%s': use hardware, software, "
                    "access, network, other, or one an admin added ('wo "
                    "category set NAME')", category);
    if (!rc && cmd->customer)
        rc = handle_desk_customer_known(c, cmd->customer, kind, &cust_auth);
    *needs = cmd->needs_authorisation || cat_auth || cust_auth;
    return rc;
}

int handle_desk_intake(struct call *c, int64_t id, int64_t now)
{
    struct wo_cmd *cmd = cmd_of(c);
    struct store *st = c->srv->store;
    const char *type = cmd->type ? cmd->type : "incident";
    const char *category = cmd->category ? cmd->category : "other";
    char detail[WO_MAX_TEXT + 200], matrix[4] = "";
    int needs = 0, rc;
    if (strcmp(type, "incident") && strcmp(type, "request"))
        return fail(c, WO_EINVAL, "--type is incident or request");
    if ((rc = intake_refs(c, category, &needs)))
        return rc;
    if (cmd->deadline && cmd->deadline <= now)
        return fail(c, WO_EINVAL, "the requested deadline has passed; give "
                    "one in the future");
    if ((cmd->requester_email && !valid_email(cmd->requester_email)) ||
        (cmd->authoriser_email && !valid_email(cmd->authoriser_email)))
        return fail(c, WO_EINVAL, "an e-mail address must look like "
                    "name@example.com (no spaces, commas or <>)");
    if (needs && (!cmd->authoriser || !*cmd->authoriser))
        return fail(c, WO_EINVAL, "this order needs authorisation (%s): name "
                    "who approves it with --authoriser NAME",
                    cmd->needs_authorisation ? "--needs-authorisation"
                    : "its category or customer says so");
    if (needs && cmd->assignee)
        return fail(c, WO_ESTATE, "this order needs authorisation before it "
                    "can be dispatched: create it without --assign, then "
                    "'wo assign' once it is authorised");
    if ((rc = store_intake_set(st, id, cmd, type, category, needs)))
        return rc;
    if (cmd->impact && !store_matrix_get(st, cmd->impact, cmd->urgency,
                                         matrix) &&
        strcmp(matrix, cmd->priority)) {
        snprintf(detail, sizeof detail, "%s set by hand (impact %s x "
                 "urgency %s gives %s): %s", cmd->priority, cmd->impact,
                 cmd->urgency, matrix, cmd->reason);
        if ((rc = history(c, id, "priority.manual", detail, now)))
            return rc;
    }
    if (needs) {
        struct store_code kept;
        if ((rc = codepool_new(c->srv->codes, c->auth_code, &kept)) ||
            (rc = store_auth_code_set(st, id, &kept)) ||
            (rc = store_order_set_status(st, id, "awaiting_authorisation")))
            return rc;
        snprintf(detail, sizeof detail, "waits for authorisation by %s",
                 cmd->authoriser);
        if ((rc = history(c, id, "authorisation.wait", detail, now)))
            return rc;
    }
    /* no SLA clock runs before the verdict: the approval starts it */
    if (needs)
        return store_order_sla_clear(st, id);
    struct wo_order o;
    if ((rc = load(c, id, &o)))
        return rc;
    rc = agree_apply(st, &o, o.priority, now, 1, c->reason, sizeof c->reason);
    wo_order_cleanup(&o);
    return rc;
}

/* ---- edit ---------------------------------------------------------------- */

struct edit_field {
    const char *name;
    char *(*now)(const struct wo_cmd *);
};

/* One history line per field the edit changes. */
static int edit_line(struct call *c, int64_t wo, const char *field,
                     const char *from, const char *to, int64_t now)
{
    char detail[WO_MAX_TEXT + 600];
    const char *why = cmd_of(c)->reason;
    if (strlen(to) > 200 || (from && strlen(from) > 200))
        snprintf(detail, sizeof detail, "%s changed: %s", field, why);
    else
        snprintf(detail, sizeof detail, "%s '%s' -> '%s': %s", field,
                 from ? from : "", to, why);
    return history(c, wo, "edit", detail, now);
}

static int changed(const char *old, const char *v)
{
    return v && *v && (!old || strcmp(old, v));
}

int handle_desk_edit(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    struct store *st = c->srv->store;
    struct wo_order o;
    char from[40], to[40];
    int64_t now = wo_clock_now_ms();
    int rc, n = 0, prio;
    if (!cmd->reason || !*cmd->reason)
        return fail(c, WO_EINVAL, "edit needs a reason (--reason TEXT): the "
                    "history records who changed what and why");
    if (cmd->priority && !wo_lifecycle_is_priority(cmd->priority))
        return fail(c, WO_EINVAL, "priority must be P1, P2 or P3");
    if (cmd->title && (!*cmd->title))
        return fail(c, WO_EINVAL, "a title cannot be empty");
    if (cmd->category) {
        int needs;
        rc = store_category_get(st, cmd->category, &needs);
        if (rc == WO_ENOTFOUND)
            return fail(c, rc, "unknown category '%s'", cmd->category);
        if (rc)
            return rc;
    }
    if (cmd->deadline && cmd->deadline <= now)
        return fail(c, WO_EINVAL, "the requested deadline has passed; give "
                    "one in the future");
    if ((rc = load(c, cmd->wo, &o)))
        return rc;
    if (wo_lifecycle_is_terminal(o.status)) {
        rc = fail(c, WO_ESTATE, "order %lld is %s: it can no longer be "
                  "edited", (long long)o.id, o.status);
        goto out;
    }
    prio = changed(o.priority, cmd->priority);
#define FIELD(f)                                                           \
    if (!rc && changed(o.f, cmd->f) && ++n)                                \
        rc = edit_line(c, o.id, #f, o.f, cmd->f, now);
    FIELD(title) FIELD(description) FIELD(priority) FIELD(category)
    FIELD(site) FIELD(asset) FIELD(contact)
#undef FIELD
    if (!rc && cmd->deadline && cmd->deadline != o.deadline) {
        n++;
        fmt_utc(o.deadline, from);
        fmt_utc(cmd->deadline, to);
        rc = edit_line(c, o.id, "deadline", o.deadline ? from : "none", to,
                       now);
    }
    if (!rc && !n) {
        rc = fail(c, WO_EINVAL, "nothing to change: give --title, "
                  "--description, --priority, --category, --site, --asset, "
                  "--contact or --deadline with a new value");
        goto out;
    }
    if (!rc)
        rc = store_order_edit(st, o.id, cmd);
    /* waiting for authorisation, no clock runs: the approval starts it */
    if (!rc && prio && strcmp(o.status, "awaiting_authorisation")) {
        /* the agreement's targets for the new priority, from now */
        struct wo_order e;
        if (!(rc = load(c, o.id, &e))) {
            rc = agree_apply(st, &e, cmd->priority, now, 0, c->reason,
                             sizeof c->reason);
            wo_order_cleanup(&e);
        }
        if (!rc && !(rc = load(c, o.id, &e))) {
            char rd[40], sd[40], detail[200];
            fmt_utc(e.response_due, rd);
            fmt_utc(e.resolve_due, sd);
            snprintf(detail, sizeof detail, "%s -> %s: targets counted from "
                     "now: response due %s%s, resolution due %s", o.priority,
                     cmd->priority, rd, e.responded_at ? " (already met)" : "",
                     sd);
            wo_order_cleanup(&e);
            rc = history(c, o.id, "sla.recomputed", detail, now);
        }
    }
    call_push(c, o.id, 0, 0);
    call_reply_order(c, o.id);
out:
    wo_order_cleanup(&o);
    return rc;
}

/* ---- notes and the desk's remote resolution --------------------------- */

/* A note by the dispatcher, kept like a technician's (id: a fresh UUID). */
static int office_note(struct call *c, int64_t wo, const char *text,
                       int64_t now)
{
    char id[37], detail[64];
    struct wo_op op = {.wo = wo, .at = now, .text = (char *)text};
    int rc = wo_uuid(id);
    if (rc)
        return rc;
    op.id = id;
    rc = store_note_add(c->srv->store, &op, c->a->user, c->a->device_id, 0,
                        now);
    snprintf(detail, sizeof detail, "note %s (office)", id);
    return rc ? rc : history(c, wo, "note.add", detail, now);
}

int handle_desk_note(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    char status[WO_MAX_ID + 1];
    int64_t assignee;
    if (!cmd->text || !*cmd->text)
        return fail(c, WO_EINVAL, "note needs its text");
    int rc = store_order_head(c->srv->store, cmd->wo, status, &assignee, NULL);
    if (rc == WO_ENOTFOUND)
        return fail(c, rc, "work order %lld does not exist",
                    (long long)cmd->wo);
    if (!rc && !wo_lifecycle_next(status, "note.add", NULL, c->reason,
                                  sizeof c->reason))
        rc = WO_ESTATE;
    if (!rc)
        rc = office_note(c, cmd->wo, cmd->text, wo_clock_now_ms());
    call_push(c, cmd->wo, 0, 0);
    call_reply_order(c, cmd->wo);
    return rc;
}

int handle_desk_resolve(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    struct store *st = c->srv->store;
    char status[WO_MAX_ID + 1], detail[WO_MAX_TEXT + 64];
    const char *to;
    int64_t assignee, now = wo_clock_now_ms();
    if (!cmd->remote || !cmd->text || !*cmd->text)
        return fail(c, WO_EINVAL, "resolve needs --remote and --note TEXT "
                    "(what was done, with no site visit)");
    int rc = store_order_head(st, cmd->wo, status, &assignee, NULL);
    if (rc == WO_ENOTFOUND)
        return fail(c, rc, "work order %lld does not exist",
                    (long long)cmd->wo);
    if (!rc && !(to = wo_lifecycle_next(status, "resolve.desk", NULL,
                                        c->reason, sizeof c->reason)))
        rc = WO_ESTATE;
    if (!rc)
        rc = office_note(c, cmd->wo, cmd->text, now);
    if (!rc)
        rc = store_order_set_remote(st, cmd->wo);
    if (!rc)
        rc = store_order_set_status(st, cmd->wo, to);
    if (!rc)
        rc = desk_on_status(c->srv, cmd->wo, "resolve.desk", status, to, now,
                            now);
    if (!rc) {
        snprintf(detail, sizeof detail, "resolved remotely by the desk, no "
                 "site visit -> %s: %s", to, cmd->text);
        rc = history(c, cmd->wo, "resolve.remote", detail, now);
    }
    /* the activity feed, as for a technician's remote resolution */
    if (!rc)
        rc = feed_event(c->srv, "resolved.remote", cmd->wo, c->a->user,
                        c->a->device_id, NULL, cmd->text, now);
    call_push(c, cmd->wo, 0, 0);
    call_reply_order(c, cmd->wo);
    return rc;
}

/* ---- authorisation ------------------------------------------------------- */

/* A wrong code: counted (kept even though the command fails, see
 * dispatch's KEEP), locked at the limit with an alert to the office. */
static int wrong_auth_code(struct call *c, int64_t wo, int64_t now)
{
    struct store *st = c->srv->store;
    char detail[128];
    int failures, rc = store_auth_failed(st, wo, &failures);
    if (rc)
        return rc;
    snprintf(detail, sizeof detail, "wrong authorisation code (attempt %d "
             "of %d)", failures, HANDLE_DESK_AUTH_TRIES);
    rc = history(c, wo, "authorisation.rejected", detail, now);
    if (!rc && failures >= HANDLE_DESK_AUTH_TRIES) {
        rc = store_alert_add(st, wo, "code.locked", now);
        if (!rc)
            rc = history(c, wo, "authorisation.locked", "authorisation "
                         "locked after too many wrong codes: a dispatcher "
                         "issues a new one (wo code WO --authorisation)", now);
    }
    if (rc)
        return rc;
    c->keep = 1;
    if (failures >= HANDLE_DESK_AUTH_TRIES)
        return fail(c, WO_EPERM, "wrong authorisation code (attempt %d of "
                    "%d); authorisation is now locked: issue a new code with "
                    "'wo code %lld --authorisation' and give it to the "
                    "authoriser", failures, HANDLE_DESK_AUTH_TRIES,
                    (long long)wo);
    return fail(c, WO_EPERM, "wrong authorisation code (attempt %d of %d): "
                "check the code the authoriser was given and type it again; "
                "after %d wrong codes authorisation locks", failures,
                HANDLE_DESK_AUTH_TRIES, HANDLE_DESK_AUTH_TRIES);
}

/* The statement the sender's device signed must be the one this command
 * describes, and its signature that device's. */
static int check_signed(struct call *c, const struct wo_cmd *cmd)
{
    uint8_t pub[32];
    char *want = NULL;
    int rc = wo_statement_authorisation(cmd->wo, cmd->authoriser,
                                        !cmd->refuse, cmd->reason,
                                        c->a->device_id, cmd->start, &want);
    if (rc == WO_EINVAL)
        return fail(c, rc, "the authoriser's name may not hold control "
                    "characters");
    if (rc)
        return rc;
    if (!cmd->statement || strcmp(cmd->statement, want))
        rc = fail(c, WO_ECRYPTO, "the signed statement does not match the "
                  "authorisation sent (docs/protocol.md, \"Authorisation\")");
    else if (!cmd->sig || cmd->sig_len != 64 ||
             store_device_pubkey(c->srv->store, c->a->device_id, pub) ||
             wo_verify(pub, want, strlen(want), cmd->sig))
        rc = fail(c, WO_ECRYPTO, "the statement's signature does not verify "
                  "with this device's key");
    free(want);
    return rc;
}

int handle_desk_authorise(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    struct store *st = c->srv->store;
    struct store_code kept;
    struct wo_order o;
    char detail[WO_MAX_TEXT + 300];
    const char *to;
    int failures, match, rc;
    int64_t now = wo_clock_now_ms();
    if (!cmd->authoriser || !*cmd->authoriser || !cmd->code)
        return fail(c, WO_EINVAL, "authorise needs the authoriser's name and "
                    "their code");
    if (cmd->refuse && (!cmd->reason || !*cmd->reason))
        return fail(c, WO_EINVAL, "a refusal needs a reason (--reason TEXT)");
    if ((rc = load(c, cmd->wo, &o)))
        return rc;
    if (!(to = wo_lifecycle_next(o.status, cmd->refuse ? "refuse"
                                                       : "authorise",
                                 NULL, c->reason, sizeof c->reason))) {
        rc = WO_ESTATE;
        goto out;
    }
    if (!o.authoriser || strcasecmp(o.authoriser, cmd->authoriser)) {
        rc = fail(c, WO_EPERM, "order %lld is to be authorised by %s, not %s",
                  (long long)o.id, o.authoriser ? o.authoriser : "nobody",
                  cmd->authoriser);
        goto out;
    }
    if ((rc = store_auth_code_get(st, o.id, &kept, &failures)))
        goto out;
    if (failures >= HANDLE_DESK_AUTH_TRIES) {
        rc = fail(c, WO_ESTATE, "authorisation of order %lld is locked after "
                  "%d wrong codes: a dispatcher issues a new code with 'wo "
                  "code %lld --authorisation'", (long long)o.id, failures,
                  (long long)o.id);
        goto out;
    }
    if ((match = verify_code_matches(&kept, cmd->code)) < 0) {
        rc = match;
        goto out;
    }
    if (!match) {
        rc = wrong_auth_code(c, o.id, now);
        goto out;
    }
    if ((rc = check_signed(c, cmd)))
        goto out;
    rc = store_authorisation_add(st, o.id, o.authoriser,
                                 cmd->refuse ? "refused" : "approved",
                                 cmd->refuse ? cmd->reason : NULL,
                                 cmd->statement, cmd->sig, c->a->device_id,
                                 now);
    if (!rc)
        rc = store_order_set_status(st, o.id, to);
    if (!rc) {
        snprintf(detail, sizeof detail, "%s by %s -> %s (signed statement "
                 "verified, device %lld)%s%s",
                 cmd->refuse ? "refused" : "approved", o.authoriser, to,
                 (long long)c->a->device_id, cmd->refuse ? ": " : "",
                 cmd->refuse ? cmd->reason : "");
        rc = history(c, o.id, cmd->refuse ? "refuse" : "authorise", detail,
                     now);
    }
    /* the activity feed: the verdict, the authoriser's name and, for a
     * refusal, why */
    if (!rc) {
        snprintf(detail, sizeof detail, "%s%s%s", o.authoriser,
                 cmd->refuse ? ": " : "", cmd->refuse ? cmd->reason : "");
        rc = feed_event(c->srv, cmd->refuse ? "refused" : "authorised", o.id,
                        c->a->user, c->a->device_id, NULL, detail, now);
    }
    /* the SLA clock starts when the order may be worked on */
    if (!rc && !cmd->refuse)
        rc = agree_apply(st, &o, o.priority, now, 0, c->reason,
                         sizeof c->reason);
    if (!rc)
        rc = notify_event(st, o.id, cmd->refuse ? "refused" : "authorised",
                          now);
    /* the consoles' lists show the new status (no technician holds it) */
    call_push(c, o.id, 0, 0);
    call_reply_order(c, o.id);
out:
    wo_order_cleanup(&o);
    return rc;
}

/* A new authorisation code (lost, or locked after wrong ones). */
int handle_desk_auth_code(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    struct store_code kept;
    struct wo_order o;
    int rc = load(c, cmd->wo, &o);
    if (rc)
        return rc;
    if (strcmp(o.status, "awaiting_authorisation"))
        rc = fail(c, WO_ESTATE, "order %lld is %s: it does not wait for "
                  "authorisation", (long long)o.id, o.status);
    if (!rc && !(rc = codepool_new(c->srv->codes, c->auth_code, &kept)))
        rc = store_auth_code_set(c->srv->store, o.id, &kept);
    if (!rc)
        rc = history(c, o.id, "authorisation.code", "a new authorisation "
                     "code; the old one no longer works", wo_clock_now_ms());
    call_reply_order(c, o.id);
    wo_order_cleanup(&o);
    return rc;
}

/* ---- agreements ------------------------------------------------------------ */

int handle_desk_agreement_set(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    struct store *st = c->srv->store;
    struct wo_agreement a = {0}, prev;
    struct wo_hours h;
    char err[300], kind[16];
    int64_t now = wo_clock_now_ms(), id, version, r, s;
    int needs, rc;
    const char *customer = cmd->customer ? cmd->customer : "";
    if (*customer && store_customer_get(st, customer, kind, &needs) ==
                         WO_ENOTFOUND)
        return fail(c, WO_ENOTFOUND, "no customer named '%s': add it first "
                    "with 'wo customer set \"%s\"'", customer, customer);
    rc = store_agreement_latest(st, customer, &prev);
    if (rc && rc != WO_ENOTFOUND)
        return rc;
    /* unspecified parts carry over from the previous version, else from
     * the global policy and 24x7 in UTC */
    int had = !rc;
    if (had) {
        a = prev;       /* a owns prev's strings from here */
        free(a.customer);
        free(a.created_by);
        free(a.why);
        a.customer = NULL;
        a.created_by = NULL;
        a.why = NULL;
    } else {
        const char *p[3] = {"P1", "P2", "P3"};
        int64_t *t[3] = {&a.p1_response, &a.p2_response, &a.p3_response};
        for (int i = 0; i < 3; i++) {
            if ((rc = store_sla_policy_of(st, p[i], &version, &r, &s)))
                return rc;
            t[i][0] = r;
            t[i][1] = s;
        }
    }
    if ((cmd->tz && !*cmd->tz) || (cmd->hours && !*cmd->hours)) {
        if (had)
            wo_agreement_cleanup(&a);
        return fail(c, WO_EINVAL, "the agreement's %s cannot be empty: give "
                    "them, or leave them out to keep the previous version's",
                    cmd->tz && !*cmd->tz ? "time zone" : "hours");
    }
    const char *tz = cmd->tz ? cmd->tz : had ? a.tz : "UTC";
    const char *hours = cmd->hours ? cmd->hours : had ? a.hours : "24x7";
    const char *hol = cmd->holidays ? cmd->holidays : had ? a.holidays : "";
    if (wo_hours_parse(&h, tz, hours, hol, err, sizeof err))
        rc = fail(c, WO_EINVAL, "%s", err);
    else if (cmd->targets &&
             agree_parse_targets(cmd->targets, &a, err, sizeof err))
        rc = fail(c, WO_EINVAL, "%s", err);
    if (!rc) {
        char *ntz = strdup(tz), *nh = strdup(hours), *nhol = strdup(hol);
        if (had) {
            free(a.tz);
            free(a.hours);
            free(a.holidays);
        }
        a.tz = ntz;
        a.hours = nh;
        a.holidays = nhol;
        a.customer = (char *)customer;
        a.effective_from = cmd->start > 0 ? cmd->start : now;
        if (cmd->review)
            a.review_at = cmd->review;
        rc = !ntz || !nh || !nhol ? WO_ENOMEM
                                  : store_agreement_add(st, &a, c->a->user,
                                                        now, &id);
        a.customer = NULL;
        if (!rc && (rc = store_agreement_get(st, id, &prev)) == 0) {
            struct wo_result *res = result(c);
            if (!res || !(res->agreements = calloc(1, sizeof prev))) {
                wo_agreement_cleanup(&prev);
                rc = WO_ENOMEM;
            } else {
                res->agreements[0] = prev;
                res->n_agreements = 1;
            }
        }
    } else if (had) {
        a.customer = NULL;
    }
    wo_agreement_cleanup(&a);
    return rc;
}

int handle_desk_agreement_show(struct call *c)
{
    struct wo_result *res = result(c);
    if (!res)
        return WO_ENOMEM;
    return store_agreements_list(c->srv->store, cmd_of(c)->customer,
                                 &res->agreements, &res->n_agreements);
}

int handle_desk_sla_order(struct call *c)
{
    struct wo_result *res = result(c);
    struct wo_order o;
    if (!res || !(res->agreements = calloc(1, sizeof *res->agreements)))
        return WO_ENOMEM;
    int rc = load(c, cmd_of(c)->wo, &o);
    if (rc)
        return rc;
    rc = agree_explain(c->srv->store, &o, &res->agreements[0]);
    if (!rc)
        res->n_agreements = 1;
    wo_order_cleanup(&o);
    return rc;
}

/* ---- what an admin configures ----------------------------------------------- */

static int on_off(const char *s)
{
    return !s ? -1 : !strcmp(s, "on") ? 1 : !strcmp(s, "off") ? 0 : -2;
}

int handle_desk_customer_set(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    int needs = on_off(cmd->escalate);
    if (!cmd->customer || !*cmd->customer || needs == -2 ||
        (cmd->kind && strcmp(cmd->kind, "internal") &&
         strcmp(cmd->kind, "external")))
        return fail(c, WO_EINVAL, "customer set needs a name, and takes "
                    "internal|external and --needs-authorisation on|off");
    return store_customer_set(c->srv->store, cmd->customer, cmd->kind, needs,
                              wo_clock_now_ms());
}

int handle_desk_category_set(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    int needs = on_off(cmd->escalate);
    if (!cmd->category || !*cmd->category || needs == -2)
        return fail(c, WO_EINVAL, "category set needs a name, and takes "
                    "--needs-authorisation on|off");
    for (const char *p = cmd->category; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            return fail(c, WO_EINVAL, "a category is one word");
    return store_category_set(c->srv->store, cmd->category, needs);
}

int handle_desk_matrix_set(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    if (!valid_level(cmd->impact) || !valid_level(cmd->urgency) ||
        !wo_lifecycle_is_priority(cmd->priority))
        return fail(c, WO_EINVAL, "matrix set needs an impact and an urgency "
                    "(low, medium, high) and a priority (P1, P2, P3)");
    int rc = store_matrix_set(c->srv->store, cmd->impact, cmd->urgency,
                              cmd->priority);
    return rc ? rc : handle_desk_matrix_show(c);
}

int handle_desk_matrix_show(struct call *c)
{
    struct wo_result *res = result(c);
    return res ? store_matrix_list(c->srv->store, &res->rows, &res->n_rows)
               : WO_ENOMEM;
}

int handle_desk_price_set(struct call *c)
{
    struct wo_cmd *cmd = cmd_of(c);
    char v[32];
    if (cmd->price < 0 || cmd->price > 1000000000000LL)
        return fail(c, WO_EINVAL, "a price is a whole number from 0 to "
                    "1000000000000");
    if (cmd->kind && !strcmp(cmd->kind, "labour")) {
        snprintf(v, sizeof v, "%lld", (long long)cmd->price);
        return store_setting_set(c->srv->store, "labour_rate", v);
    }
    if (!cmd->part_no || !*cmd->part_no)
        return fail(c, WO_EINVAL, "price set needs a part number and a price "
                    "(or --labour RATE per hour)");
    return store_price_set(c->srv->store, cmd->part_no, cmd->price);
}

/* The mail queue: what each requester was told, and what still waits. */
int handle_desk_mail(struct call *c)
{
    struct wo_result *res = result(c);
    return res ? store_mail_list(c->srv->store, cmd_of(c)->wo, WO_MAX_ITEMS,
                                 &res->mail, &res->n_mail)
               : WO_ENOMEM;
}

/* customers.show and categories.show: what create accepts. */
int handle_desk_entries(struct call *c)
{
    struct wo_result *res = result(c);
    return res ? store_entries(c->srv->store,
                               !strcmp(cmd_of(c)->name, "customers.show"),
                               &res->entries, &res->n_entries)
               : WO_ENOMEM;
}
