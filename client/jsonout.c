/*
 * jsonout.c - every --json output of wo through jansson (see jsonout.h);
 * docs/protocol.md names the same fields. The only client file that
 * includes <jansson.h>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonout.h"
#include "wo_crypto.h"
#include "wo_statement.h"

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *opt_int(int64_t v)
{
    return v ? json_integer(v) : json_null();
}

/* A part's or note's void ({by, reason, at, id}), or null. */
static json_t *void_json(const struct wo_order *o, const char *id)
{
    for (size_t i = 0; i < o->n_voids; i++)
        if (!strcmp(o->voids[i].ref, id))
            return json_pack("{s:s, s:s, s:s, s:I}", "id", o->voids[i].id,
                             "by", o->voids[i].author, "reason",
                             o->voids[i].reason, "at",
                             (json_int_t)o->voids[i].at);
    return json_null();
}

/* Whether one of the order's SLA clocks runs (or stands paused). */
static int clock_runs(const struct wo_order *o)
{
    return o->sla && (!strcmp(o->sla, "response") ||
                      !strcmp(o->sla, "resolve") || !strcmp(o->sla, "paused"));
}

static json_t *order_json(const struct wo_order *o, int full)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(o->id));
    json_object_set_new(j, "seq", json_integer(o->seq));
    json_object_set_new(j, "title", str_or_null(o->title));
    json_object_set_new(j, "priority", str_or_null(o->priority));
    json_object_set_new(j, "status", str_or_null(o->status));
    json_object_set_new(j, "assignee", str_or_null(o->assignee));
    json_object_set_new(j, "description", str_or_null(o->description));
    json_object_set_new(j, "site", str_or_null(o->site));
    json_object_set_new(j, "asset", str_or_null(o->asset));
    json_object_set_new(j, "requester", str_or_null(o->requester));
    json_object_set_new(j, "contact", str_or_null(o->contact));
    json_object_set_new(j, "created_at", json_integer(o->created_at));
    json_object_set_new(j, "updated_at", json_integer(o->updated_at));
    if (o->recipient_code)
        json_object_set_new(j, "recipient_code",
                            json_string(o->recipient_code));
    if (o->tier) {
        /* service desk fields: sent to dispatchers (docs/lifecycle.md) */
        json_object_set_new(j, "tier", json_string(o->tier));
        json_object_set_new(j, "sla", str_or_null(o->sla));
        /* no clock, no due times: before the verdict, met, cancelled */
        json_object_set_new(j, "due_in", clock_runs(o)
                                             ? json_integer(o->due_in)
                                             : json_null());
        json_object_set_new(j, "sla_version", json_integer(o->sla_version));
        json_object_set_new(j, "response_due", opt_int(o->response_due));
        json_object_set_new(j, "resolve_due", opt_int(o->resolve_due));
        json_object_set_new(j, "responded_at", json_integer(o->responded_at));
        json_object_set_new(j, "resolved_at", json_integer(o->resolved_at));
        json_object_set_new(j, "paused_at", json_integer(o->paused_at));
        json_object_set_new(j, "completed_at", json_integer(o->completed_at));
    }
    json_object_set_new(j, "visit_start", o->visit_start
                                              ? json_integer(o->visit_start)
                                              : json_null());
    json_object_set_new(j, "visit_end", o->visit_end
                                            ? json_integer(o->visit_end)
                                            : json_null());
    /* field data (docs/protocol.md, "Field data") */
    json_object_set_new(j, "came", str_or_null(o->came));
    json_object_set_new(j, "came_reason", str_or_null(o->came_reason));
    json_object_set_new(j, "came_at", opt_int(o->came_at));
    json_object_set_new(j, "online", json_boolean(o->online));
    json_object_set_new(j, "stored_at", opt_int(o->stored_at));
    json_object_set_new(j, "stored_seq", opt_int(o->stored_seq));
    json_object_set_new(j, "opened_at", opt_int(o->opened_at));
    /* the formal request (docs/lifecycle.md, "Intake") */
    json_object_set_new(j, "type", str_or_null(o->type));
    json_object_set_new(j, "category", str_or_null(o->category));
    json_object_set_new(j, "department", str_or_null(o->department));
    json_object_set_new(j, "customer", str_or_null(o->customer));
    json_object_set_new(j, "impact", str_or_null(o->impact));
    json_object_set_new(j, "urgency", str_or_null(o->urgency));
    json_object_set_new(j, "deadline", o->deadline ? json_integer(o->deadline)
                                                   : json_null());
    json_object_set_new(j, "requester_email", str_or_null(o->requester_email));
    json_object_set_new(j, "needs_authorisation",
                        json_boolean(o->needs_authorisation));
    json_object_set_new(j, "authoriser", str_or_null(o->authoriser));
    json_object_set_new(j, "authoriser_email",
                        str_or_null(o->authoriser_email));
    if (o->authorisation_code)
        json_object_set_new(j, "authorisation_code",
                            json_string(o->authorisation_code));
    json_object_set_new(j, "agreement_id", o->agreement_id
                                               ? json_integer(o->agreement_id)
                                               : json_null());
    json_object_set_new(j, "remote", json_boolean(o->remote));
    if (!full)
        return j;
    json_t *a = json_array();
    for (size_t i = 0; i < o->n_visits; i++) {
        const struct wo_visit *v = &o->visits[i];
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:I, s:o, s:o, s:b}", "id", v->id,
                         "tech", v->tech, "started_at",
                         (json_int_t)v->started_at, "ended_at",
                         v->ended_at ? json_integer(v->ended_at) : json_null(),
                         "outcome", str_or_null(v->outcome), "signed",
                         wo_record_signed(o, "visit", v->id)));
        /* the server's judgement of when, beside the device's (office) */
        json_t *last = json_array_get(a, json_array_size(a) - 1);
        if (v->started_srv)
            json_object_set_new(last, "started_srv",
                                json_integer(v->started_srv));
        if (v->ended_srv)
            json_object_set_new(last, "ended_srv", json_integer(v->ended_srv));
    }
    json_object_set_new(j, "visits", a);
    a = json_array();
    for (size_t i = 0; i < o->n_parts; i++) {
        const struct wo_part *p = &o->parts[i];
        json_t *ser = json_array();
        for (size_t k = 0; k < p->n_serials; k++)
            json_array_append_new(ser, json_string(p->serials[k]));
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:I, s:s, s:I, s:o, s:o, s:b, s:b}",
                         "id", p->id, "author", p->author, "at",
                         (json_int_t)p->at, "part_no", p->part_no, "qty",
                         (json_int_t)p->qty, "desc", str_or_null(p->desc),
                         "serials", ser, "late", p->late, "signed",
                         wo_record_signed(o, "part", p->id)));
        if (p->at_srv)
            json_object_set_new(json_array_get(a, json_array_size(a) - 1),
                                "at_srv", json_integer(p->at_srv));
        json_object_set_new(json_array_get(a, json_array_size(a) - 1),
                            "void", void_json(o, p->id));
    }
    json_object_set_new(j, "parts", a);
    a = json_array();
    for (size_t i = 0; i < o->n_notes; i++) {
        const struct wo_note *n = &o->notes[i];
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:I, s:s, s:b, s:b}", "id", n->id,
                         "author", n->author, "at", (json_int_t)n->at, "text",
                         n->text, "late", n->late, "signed",
                         wo_record_signed(o, "note", n->id)));
        if (n->at_srv)
            json_object_set_new(json_array_get(a, json_array_size(a) - 1),
                                "at_srv", json_integer(n->at_srv));
        json_object_set_new(json_array_get(a, json_array_size(a) - 1),
                            "void", void_json(o, n->id));
    }
    json_object_set_new(j, "notes", a);
    a = json_array();
    for (size_t i = 0; i < o->n_voids; i++) {
        const struct wo_void *v = &o->voids[i];
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:I, s:s, s:b}", "id", v->id, "ref",
                         v->ref, "author", v->author, "at", (json_int_t)v->at,
                         "reason", v->reason, "signed",
                         wo_record_signed(o, "void", v->id)));
    }
    json_object_set_new(j, "voids", a);
    a = json_array();
    for (size_t i = 0; i < o->n_sigs; i++) {
        const struct wo_sig *g = &o->sigs[i];
        uint8_t d[32];
        char sig[2 * 64 + 1] = "", key[2 * 32 + 1] = "", sha[2 * 32 + 1];
        /* what anyone needs to check it with openssl (docs/protocol.md) */
        wo_sha256(g->statement, strlen(g->statement), d);
        wo_hex(d, 32, sha);
        if (g->sig_len == 64)
            wo_hex(g->sig, 64, sig);
        if (g->pubkey_len == 32)
            wo_hex(g->pubkey, 32, key);
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:I, s:I, s:b, s:o, s:b, s:s, s:s,"
                         " s:o, s:s}",
                         "id", g->id, "role", g->role, "signer", g->signer,
                         "device_id", (json_int_t)g->device_id, "signed_at",
                         (json_int_t)g->signed_at, "satisfied", g->satisfied,
                         "comment", str_or_null(g->comment), "verified",
                         g->verified, "statement", g->statement, "sig", sig,
                         "pubkey", key[0] ? json_string(key) : json_null(),
                         "statement_sha256", sha));
    }
    json_object_set_new(j, "signatures", a);
    a = json_array();
    for (size_t i = 0; i < o->n_rejections; i++) {
        const struct wo_rejection *r = &o->rejections[i];
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:I, s:s}", "op", r->op, "kind",
                         r->kind, "by", r->by, "at", (json_int_t)r->at,
                         "reason", r->reason));
    }
    json_object_set_new(j, "rejected_ops", a);
    return j;
}

void jsonout_order(const struct wo_order *o, int full)
{
    json_t *j = order_json(o, full);
    json_dumpf(j, stdout, JSON_COMPACT);
    printf("\n");
    json_decref(j);
}

void jsonout_orders(const struct wo_order *o, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, order_json(&o[i], 0));
    json_dumpf(a, stdout, JSON_COMPACT);
    printf("\n");
    json_decref(a);
}

static void dump(json_t *j)
{
    json_dumpf(j, stdout, JSON_COMPACT);
    printf("\n");
    json_decref(j);
}

void jsonout_history(const struct wo_change *h, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            a, json_pack("{s:I, s:s, s:s, s:o, s:I, s:o, s:o}", "seq",
                         (json_int_t)h[i].seq, "kind", h[i].kind, "actor",
                         h[i].actor, "device",
                         h[i].device_id ? json_integer(h[i].device_id)
                                        : json_null(),
                         "at", (json_int_t)h[i].at, "client_at",
                         h[i].client_at ? json_integer(h[i].client_at)
                                        : json_null(),
                         "detail", str_or_null(h[i].detail)));
    dump(a);
}

static json_t *alert_json(const struct wo_alert *al)
{
    return json_pack("{s:I, s:I, s:s, s:I, s:o, s:o}", "id",
                     (json_int_t)al->id, "wo", (json_int_t)al->wo, "kind",
                     al->kind, "at", (json_int_t)al->at, "title",
                     str_or_null(al->title), "priority",
                     str_or_null(al->priority));
}

void jsonout_alerts(const struct wo_alert *al, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, alert_json(&al[i]));
    dump(a);
}

void jsonout_alert(const struct wo_alert *al)
{
    json_t *j = alert_json(al);
    /* one line per alert as it comes, told apart from feed events */
    json_object_set_new(j, "type", json_string("alert"));
    dump(j);
}

void jsonout_sla(const struct wo_sla *p, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            a, json_pack("{s:I, s:s, s:I, s:I, s:b, s:I, s:o}", "version",
                         (json_int_t)p[i].version, "priority", p[i].priority,
                         "response_ms", (json_int_t)p[i].response_ms,
                         "resolve_ms", (json_int_t)p[i].resolve_ms,
                         "escalate", (int)p[i].escalate, "created_at",
                         (json_int_t)p[i].created_at, "created_by",
                         str_or_null(p[i].created_by)));
    dump(a);
}

void jsonout_hits(const struct wo_hit *h, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            a, json_pack("{s:I, s:s, s:o, s:o, s:I, s:o}", "wo",
                         (json_int_t)h[i].wo, "title", h[i].title, "asset",
                         str_or_null(h[i].asset), "site",
                         str_or_null(h[i].site), "closed_at",
                         (json_int_t)h[i].closed_at, "snippet",
                         str_or_null(h[i].snippet)));
    dump(a);
}

void jsonout_table(const struct report_table *t)
{
    json_t *a = json_array();
    for (size_t i = 0; i < t->n_rows; i++) {
        json_t *o = json_object();
        json_object_set_new(o, t->key,
                            t->key_number
                                ? json_integer(strtoll(t->keys[i], NULL, 10))
                                : json_string(t->keys[i]));
        for (size_t k = 0; k < t->n_cols; k++) {
            int64_t v = t->cells[i * t->n_cols + k];
            json_object_set_new(o, t->cols[k], v == REPORT_NONE
                                                   ? json_null()
                                                   : json_integer(v));
        }
        json_array_append_new(a, o);
    }
    dump(a);
}

void jsonout_recorded(const struct wo_op *op, const char *id)
{
    dump(json_pack("{s:s, s:I, s:s, s:s}", "op", id, "wo",
                   (json_int_t)op->wo, "kind", op->kind, "state",
                   "pending"));
}

/* A jansson array behind a type of our own, so that no caller needs
 * <jansson.h>. */
struct jsonout_outbox {
    json_t *arr;
};

struct jsonout_outbox *jsonout_outbox_create(void)
{
    struct jsonout_outbox *o = malloc(sizeof *o);
    if (o && !(o->arr = json_array())) {
        free(o);
        o = NULL;
    }
    return o;
}

void jsonout_outbox_add(struct jsonout_outbox *o, int64_t seq,
                        const char *id, int64_t order, const char *kind,
                        int64_t at, const char *state, const char *reason)
{
    json_array_append_new(
        o->arr, json_pack("{s:I, s:s, s:I, s:s, s:I, s:s, s:s?}", "seq",
                          (json_int_t)seq, "id", id, "wo", (json_int_t)order,
                          "kind", kind, "at", (json_int_t)at, "state", state,
                          "reason", reason));
}

void jsonout_outbox_print(const struct jsonout_outbox *o)
{
    json_dumpf(o->arr, stdout, JSON_COMPACT);
    printf("\n");
}

void jsonout_outbox_destroy(struct jsonout_outbox *o)
{
    if (!o)
        return;
    json_decref(o->arr);
    free(o);
}

static json_t *event_json(const struct wo_event *e)
{
    json_t *j = json_object();
    json_object_set_new(j, "type", json_string("event"));
    json_object_set_new(j, "id", json_integer(e->id));
    json_object_set_new(j, "at", json_integer(e->at));
    json_object_set_new(j, "kind", json_string(e->kind));
    json_object_set_new(j, "wo", opt_int(e->wo));
    json_object_set_new(j, "title", str_or_null(e->title));
    json_object_set_new(j, "actor", str_or_null(e->actor));
    json_object_set_new(j, "device", opt_int(e->device));
    json_object_set_new(j, "status", str_or_null(e->status));
    json_object_set_new(j, "outcome", str_or_null(e->outcome));
    json_object_set_new(j, "detail", str_or_null(e->detail));
    return j;
}


void jsonout_event(const struct wo_event *e)
{
    dump(event_json(e));
}

void jsonout_events(const struct wo_event *e, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, event_json(&e[i]));
    dump(a);
}

void jsonout_techs(const struct wo_tech *t, size_t n, int64_t now)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *j = json_object(), *devs = json_array();
        json_object_set_new(j, "user", json_string(t[i].user));
        json_object_set_new(j, "tier", str_or_null(t[i].tier));
        json_object_set_new(j, "online", json_boolean(t[i].online));
        json_object_set_new(j, "last_seen", opt_int(t[i].last_seen));
        json_object_set_new(j, "open", json_integer(t[i].open));
        for (size_t k = 0; k < t[i].n_devices; k++) {
            const struct wo_devinfo *d = &t[i].devices[k];
            json_t *o = json_object();
            json_object_set_new(o, "id", json_integer(d->id));
            json_object_set_new(o, "name", str_or_null(d->name));
            json_object_set_new(o, "online", json_boolean(d->online));
            json_object_set_new(o, "revoked", json_boolean(d->revoked));
            json_object_set_new(o, "last_seen", opt_int(d->last_seen));
            json_object_set_new(o, "last_sync", opt_int(d->last_sync));
            json_object_set_new(o, "since_sync_ms",
                                d->last_sync ? json_integer(now - d->last_sync)
                                             : json_null());
            json_object_set_new(o, "cursor", json_integer(d->cursor));
            json_object_set_new(o, "lag", json_integer(d->lag));
            json_object_set_new(o, "unsent", json_integer(d->unsent));
            json_object_set_new(o, "unsent_age_ms", json_integer(d->unsent_age));
            json_object_set_new(o, "version", str_or_null(d->version));
            json_object_set_new(o, "rejected_op", str_or_null(d->rejected_op));
            json_object_set_new(o, "rejected_kind",
                                str_or_null(d->rejected_kind));
            json_object_set_new(o, "rejected_reason",
                                str_or_null(d->rejected_reason));
            json_object_set_new(o, "rejected_at", opt_int(d->rejected_at));
            json_array_append_new(devs, o);
        }
        json_object_set_new(j, "devices", devs);
        json_array_append_new(a, j);
    }
    dump(a);
}

static json_t *agreement_json(const struct wo_agreement *a)
{
    json_t *j = json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:s, s:o}",
                          "id", (json_int_t)a->id, "customer", a->customer,
                          "version", (json_int_t)a->version, "effective_from",
                          (json_int_t)a->effective_from, "tz", a->tz,
                          "hours", a->hours, "holidays",
                          a->holidays ? a->holidays : "", "review_at",
                          a->review_at ? json_integer(a->review_at)
                                       : json_null());
    json_t *t = json_object();
    const char *p[3] = {"P1", "P2", "P3"};
    const int64_t v[6] = {a->p1_response, a->p1_resolve, a->p2_response,
                          a->p2_resolve, a->p3_response, a->p3_resolve};
    for (int i = 0; i < 3; i++)
        json_object_set_new(t, p[i], json_pack("{s:I, s:I}", "response_ms",
                                               (json_int_t)v[2 * i],
                                               "resolve_ms",
                                               (json_int_t)v[2 * i + 1]));
    json_object_set_new(j, "targets", t);
    if (a->created_by)
        json_object_set_new(j, "created_by", json_string(a->created_by));
    if (a->wo)
        json_object_set_new(j, "wo", json_integer(a->wo));
    if (a->why)
        json_object_set_new(j, "why", json_string(a->why));
    return j;
}

void jsonout_agreements(const struct wo_agreement *a, size_t n, int one)
{
    if (one && n) {
        dump(agreement_json(&a[0]));
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, agreement_json(&a[i]));
    dump(arr);
}

void jsonout_mail(const struct wo_mail *m, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            a, json_pack("{s:I, s:I, s:s, s:s, s:s, s:I, s:I, s:o, s:o, s:o}",
                         "id", (json_int_t)m[i].id, "wo", (json_int_t)m[i].wo,
                         "event", m[i].event, "rcpt", m[i].rcpt, "subject",
                         m[i].subject, "created_at",
                         (json_int_t)m[i].created_at, "attempts",
                         (json_int_t)m[i].attempts, "sent_at",
                         m[i].sent_at ? json_integer(m[i].sent_at)
                                      : json_null(),
                         "next_at", m[i].sent_at ? json_null()
                                                 : json_integer(m[i].next_at),
                         "error", str_or_null(m[i].error)));
    dump(a);
}

void jsonout_matrix(const struct wo_row *r, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *sl = strchr(r[i].key, '/');
        char prio[24];
        snprintf(prio, sizeof prio, "P%lld", (long long)r[i].orders);
        json_t *e = json_pack("{s:s%, s:s, s:s}", "impact", r[i].key,
                              sl ? (size_t)(sl - r[i].key) : 0, "urgency",
                              sl ? sl + 1 : "", "priority", prio);
        if (e)
            json_array_append_new(a, e);
    }
    dump(a);
}

void jsonout_entries(const struct wo_entry *e, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_pack("{s:s, s:b}", "name", e[i].name,
                              "needs_authorisation",
                              e[i].needs_authorisation);
        if (x && e[i].kind)
            json_object_set_new(x, "kind", json_string(e[i].kind));
        if (x)
            json_array_append_new(a, x);
    }
    dump(a);
}
