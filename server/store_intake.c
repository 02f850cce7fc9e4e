/*
 * store_intake.c - the service desk's intake (type, category, customer,
 * the priority matrix, edits), SLA agreements, authorisation codes and
 * their signed verdicts, settings and the durable mail queue (store.h,
 * "issue 14"). Nothing here opens a transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* A setting's on/off (1/0), or NULL to keep what the row has (-1). */
static void bind_flag_opt(sqlite3_stmt *q, const char *name, int v)
{
    if (v >= 0)
        wo_db_bind_int(q, name, v);
    else
        wo_db_bind_null(q, name);
}

int store_intake_set(struct store *s, int64_t id, const struct wo_cmd *c,
                     const char *type, const char *category, int needs_auth)
{
    sqlite3_stmt *q = ST(intake_set);
    wo_db_bind_text(q, ":type", type);
    wo_db_bind_text(q, ":category", category);
    store__bind_text_opt(q, ":department", c->department);
    store__bind_text_opt(q, ":customer", c->customer);
    store__bind_text_opt(q, ":impact", c->impact);
    store__bind_text_opt(q, ":urgency", c->urgency);
    store__bind_opt(q, ":deadline", c->deadline);
    store__bind_text_opt(q, ":requester_email", c->requester_email);
    wo_db_bind_int(q, ":needs_auth", needs_auth);
    store__bind_text_opt(q, ":authoriser", c->authoriser);
    store__bind_text_opt(q, ":authoriser_email", c->authoriser_email);
    wo_db_bind_int(q, ":id", id);
    return wo_db_exec(q);
}

int store_order_edit(struct store *s, int64_t id, const struct wo_cmd *c)
{
    sqlite3_stmt *q = ST(order_edit);
    store__bind_text_opt(q, ":title", c->title);
    store__bind_text_opt(q, ":description", c->description);
    store__bind_text_opt(q, ":priority", c->priority);
    store__bind_text_opt(q, ":category", c->category);
    store__bind_text_opt(q, ":site", c->site);
    store__bind_text_opt(q, ":asset", c->asset);
    store__bind_text_opt(q, ":contact", c->contact);
    store__bind_opt(q, ":deadline", c->deadline);
    wo_db_bind_int(q, ":id", id);
    return wo_db_exec(q);
}

int store_order_set_remote(struct store *s, int64_t id)
{
    sqlite3_stmt *q = ST(order_set_remote);
    wo_db_bind_int(q, ":id", id);
    return wo_db_exec(q);
}

int store_category_get(struct store *s, const char *name, int *needs_auth)
{
    sqlite3_stmt *q = ST(category_get);
    wo_db_bind_text(q, ":name", name);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    *needs_auth = sqlite3_column_int(q, 0);
    sqlite3_reset(q);
    return 0;
}

int store_category_set(struct store *s, const char *name, int needs_auth)
{
    sqlite3_stmt *q = ST(category_set);
    wo_db_bind_text(q, ":name", name);
    bind_flag_opt(q, ":needs_auth", needs_auth);
    return wo_db_exec(q);
}

int store_customer_get(struct store *s, const char *name, char kind[16],
                       int *needs_auth)
{
    sqlite3_stmt *q = ST(customer_get);
    wo_db_bind_text(q, ":name", name);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    store__copy_col(q, 0, kind, 16);
    *needs_auth = sqlite3_column_int(q, 1);
    sqlite3_reset(q);
    return 0;
}

int store_customer_set(struct store *s, const char *name, const char *kind,
                       int needs_auth, int64_t now)
{
    sqlite3_stmt *q = ST(customer_set);
    wo_db_bind_text(q, ":name", name);
    store__bind_text_opt(q, ":kind", kind);
    bind_flag_opt(q, ":needs_auth", needs_auth);
    wo_db_bind_int(q, ":now", now);
    return wo_db_exec(q);
}

static int fill_entry(sqlite3_stmt *q, void *e)
{
    struct wo_entry *x = e;
    x->name = DUP(0);
    x->kind = DUP(1);
    x->needs_authorisation = sqlite3_column_int(q, 2) != 0;
    return x->name ? 0 : WO_ENOMEM;
}

int store_entries(struct store *s, int customers, struct wo_entry **out,
                  size_t *n)
{
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(customers ? ST(customers_list)
                                     : ST(categories_list),
                           (void **)out, n, sizeof **out, fill_entry);
}

int store_matrix_get(struct store *s, const char *impact, const char *urgency,
                     char priority[4])
{
    sqlite3_stmt *q = ST(matrix_get);
    wo_db_bind_text(q, ":impact", impact);
    wo_db_bind_text(q, ":urgency", urgency);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    store__copy_col(q, 0, priority, 4);
    sqlite3_reset(q);
    return 0;
}

int store_matrix_set(struct store *s, const char *impact, const char *urgency,
                     const char *priority)
{
    sqlite3_stmt *q = ST(matrix_set);
    wo_db_bind_text(q, ":impact", impact);
    wo_db_bind_text(q, ":urgency", urgency);
    wo_db_bind_text(q, ":priority", priority);
    return wo_db_exec(q);
}

static int fill_matrix(sqlite3_stmt *q, void *e)
{
    struct wo_row *r = e;
    r->key = DUP(0);
    r->orders = sqlite3_column_int64(q, 1);
    return r->key ? 0 : WO_ENOMEM;
}

int store_matrix_list(struct store *s, struct wo_row **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(ST(matrix_list), (void **)out, n, sizeof **out,
                           fill_matrix);
}

/* ---- agreements ------------------------------------------------------------ */

static int fill_agreement(sqlite3_stmt *q, void *e)
{
    struct wo_agreement *a = e;
    a->id = sqlite3_column_int64(q, 0);
    a->customer = DUP(1);
    a->version = sqlite3_column_int64(q, 2);
    a->effective_from = sqlite3_column_int64(q, 3);
    a->tz = DUP(4);
    a->hours = DUP(5);
    a->holidays = DUP(6);
    a->review_at = sqlite3_column_int64(q, 7);
    a->p1_response = sqlite3_column_int64(q, 8);
    a->p1_resolve = sqlite3_column_int64(q, 9);
    a->p2_response = sqlite3_column_int64(q, 10);
    a->p2_resolve = sqlite3_column_int64(q, 11);
    a->p3_response = sqlite3_column_int64(q, 12);
    a->p3_resolve = sqlite3_column_int64(q, 13);
    a->created_at = sqlite3_column_int64(q, 14);
    a->created_by = DUP(15);
    return a->customer && a->tz && a->hours && a->created_by ? 0 : WO_ENOMEM;
}

/* The one row of q (bound) into a: 0, WO_ENOTFOUND or an error. */
static int one_agreement(sqlite3_stmt *q, struct wo_agreement *a)
{
    memset(a, 0, sizeof *a);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    r = fill_agreement(q, a);
    sqlite3_reset(q);
    if (r)
        wo_agreement_cleanup(a);
    return r;
}

int store_agreement_in_force(struct store *s, const char *customer, int64_t t,
                             struct wo_agreement *a)
{
    sqlite3_stmt *q = ST(agreement_in_force);
    store__bind_text_opt(q, ":customer", customer);
    wo_db_bind_int(q, ":t", t);
    return one_agreement(q, a);
}

int store_agreement_get(struct store *s, int64_t id, struct wo_agreement *a)
{
    sqlite3_stmt *q = ST(agreement_get);
    wo_db_bind_int(q, ":id", id);
    return one_agreement(q, a);
}

int store_agreement_latest(struct store *s, const char *customer,
                           struct wo_agreement *a)
{
    sqlite3_stmt *q = ST(agreement_latest);
    wo_db_bind_text(q, ":customer", customer ? customer : "");
    return one_agreement(q, a);
}

int store_agreement_add(struct store *s, const struct wo_agreement *a,
                        const char *by, int64_t now, int64_t *id)
{
    sqlite3_stmt *q = ST(agreement_insert);
    wo_db_bind_text(q, ":customer", a->customer ? a->customer : "");
    wo_db_bind_int(q, ":from", a->effective_from);
    wo_db_bind_text(q, ":tz", a->tz);
    wo_db_bind_text(q, ":hours", a->hours);
    wo_db_bind_text(q, ":holidays", a->holidays ? a->holidays : "");
    store__bind_opt(q, ":review", a->review_at);
    wo_db_bind_int(q, ":p1r", a->p1_response);
    wo_db_bind_int(q, ":p1s", a->p1_resolve);
    wo_db_bind_int(q, ":p2r", a->p2_response);
    wo_db_bind_int(q, ":p2s", a->p2_resolve);
    wo_db_bind_int(q, ":p3r", a->p3_response);
    wo_db_bind_int(q, ":p3s", a->p3_resolve);
    wo_db_bind_int(q, ":now", now);
    wo_db_bind_text(q, ":by", by);
    int rc = wo_db_exec(q);
    if (!rc)
        *id = store__last_id(s);
    return rc;
}

int store_agreements_list(struct store *s, const char *customer,
                          struct wo_agreement **out, size_t *n)
{
    sqlite3_stmt *q = ST(agreements_of);
    if (customer)
        wo_db_bind_text(q, ":customer", customer);
    else
        wo_db_bind_null(q, ":customer");
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(q, (void **)out, n, sizeof **out, fill_agreement);
}

int store_order_sla_set(struct store *s, int64_t id, int64_t agreement,
                        int64_t response_due, int64_t resolve_due,
                        int64_t response_warn, int64_t resolve_warn)
{
    sqlite3_stmt *q = ST(order_sla_set);
    store__bind_opt(q, ":agreement", agreement);
    wo_db_bind_int(q, ":response_due", response_due);
    wo_db_bind_int(q, ":resolve_due", resolve_due);
    store__bind_opt(q, ":response_warn", response_warn);
    store__bind_opt(q, ":resolve_warn", resolve_warn);
    wo_db_bind_int(q, ":id", id);
    return wo_db_exec(q);
}

int store_order_sla_clear(struct store *s, int64_t id)
{
    sqlite3_stmt *q = ST(order_sla_clear);
    wo_db_bind_int(q, ":id", id);
    return wo_db_exec(q);
}

int store_order_approved_at(struct store *s, int64_t id, int64_t *at)
{
    sqlite3_stmt *q = ST(order_approved_at);
    wo_db_bind_int(q, ":order", id);
    int r = store__row(q);
    if (r < 0)
        return r;
    *at = r ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_reset(q);
    return 0;
}

int store_sla_policy_of(struct store *s, const char *priority,
                        int64_t *version, int64_t *response_ms,
                        int64_t *resolve_ms)
{
    sqlite3_stmt *q = ST(sla_policy_of);
    wo_db_bind_text(q, ":priority", priority);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    *version = sqlite3_column_int64(q, 0);
    *response_ms = sqlite3_column_int64(q, 1);
    *resolve_ms = sqlite3_column_int64(q, 2);
    sqlite3_reset(q);
    return 0;
}

/* ---- authorisation --------------------------------------------------------- */

int store_auth_code_get(struct store *s, int64_t id, struct store_code *code,
                        int *failures)
{
    /* no code: the order needs none */
    return store__code_get(ST(auth_code_get), id, code, failures,
                           WO_ENOTFOUND);
}

int store_auth_code_set(struct store *s, int64_t id,
                        const struct store_code *code)
{
    return store__code_set(ST(auth_code_set), id, code);
}

int store_auth_failed(struct store *s, int64_t id, int *failures)
{
    return store__code_failed(ST(auth_failed), id, failures);
}

int store_authorisation_add(struct store *s, int64_t id, const char *name,
                            const char *verdict, const char *reason,
                            const char *statement, const uint8_t sig[64],
                            int64_t device, int64_t now)
{
    sqlite3_stmt *q = ST(authorisation_insert);
    wo_db_bind_int(q, ":order", id);
    wo_db_bind_text(q, ":name", name);
    wo_db_bind_text(q, ":verdict", verdict);
    store__bind_text_opt(q, ":reason", reason);
    wo_db_bind_text(q, ":statement", statement);
    wo_db_bind_blob(q, ":sig", sig, 64);
    wo_db_bind_int(q, ":device", device);
    wo_db_bind_int(q, ":now", now);
    return wo_db_exec(q);
}

/* ---- settings and mail ---------------------------------------------------- */

int store_setting_get(struct store *s, const char *name, char **value)
{
    sqlite3_stmt *q = ST(setting_get);
    wo_db_bind_text(q, ":name", name);
    *value = NULL;
    int r = store__row(q);
    if (r <= 0)
        return r;
    *value = DUP(0);
    sqlite3_reset(q);
    return *value ? 0 : WO_ENOMEM;
}

int store_setting_set(struct store *s, const char *name, const char *value)
{
    sqlite3_stmt *q = ST(setting_set);
    wo_db_bind_text(q, ":name", name);
    wo_db_bind_text(q, ":value", value);
    return wo_db_exec(q);
}

int store_mail_add(struct store *s, int64_t order, const char *event,
                   const char *rcpt, const char *subject, const char *body,
                   int64_t now)
{
    sqlite3_stmt *q = ST(mail_insert);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":event", event);
    wo_db_bind_text(q, ":rcpt", rcpt);
    wo_db_bind_text(q, ":subject", subject);
    wo_db_bind_text(q, ":body", body);
    wo_db_bind_int(q, ":now", now);
    return wo_db_exec(q);
}

static int fill_mail(sqlite3_stmt *q, void *e)
{
    struct store_mail *m = e;
    m->id = sqlite3_column_int64(q, 0);
    m->rcpt = DUP(1);
    m->subject = DUP(2);
    m->body = DUP(3);
    m->attempts = sqlite3_column_int64(q, 4);
    m->order = sqlite3_column_int64(q, 5);
    m->event = DUP(6);
    return m->rcpt && m->subject && m->body && m->event ? 0 : WO_ENOMEM;
}

void store_mail_free(struct store_mail *m, size_t n)
{
    for (size_t i = 0; m && i < n; i++) {
        free(m[i].rcpt);
        free(m[i].subject);
        free(m[i].body);
        free(m[i].event);
    }
    free(m);
}

int store_mail_due(struct store *s, int64_t now, size_t limit,
                   struct store_mail **out, size_t *n)
{
    sqlite3_stmt *q = ST(mail_due);
    wo_db_bind_int(q, ":now", now);
    wo_db_bind_int(q, ":limit", (int64_t)limit);
    *out = NULL;
    *n = 0;
    int rc = wo_db_load_rows(q, (void **)out, n, sizeof **out, fill_mail);
    if (rc) {
        store_mail_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int store_mail_sent(struct store *s, int64_t id, int64_t now)
{
    sqlite3_stmt *q = ST(mail_sent);
    wo_db_bind_int(q, ":id", id);
    wo_db_bind_int(q, ":now", now);
    return wo_db_exec(q);
}

int store_mail_retry(struct store *s, int64_t id, int64_t next,
                     const char *error)
{
    sqlite3_stmt *q = ST(mail_retry);
    wo_db_bind_int(q, ":id", id);
    wo_db_bind_int(q, ":next", next);
    wo_db_bind_text(q, ":error", error);
    return wo_db_exec(q);
}

int store_price_set(struct store *s, const char *part_no, int64_t price)
{
    sqlite3_stmt *q = ST(price_set);
    wo_db_bind_text(q, ":part_no", part_no);
    wo_db_bind_int(q, ":price", price);
    return wo_db_exec(q);
}

/* ---- voided parts and notes ---------------------------------------------- */

int store_void_add(struct store *s, const struct wo_op *op,
                   const char *author, int64_t device, int64_t at_srv)
{
    sqlite3_stmt *q = ST(void_insert);
    wo_db_bind_text(q, ":id", op->id);
    wo_db_bind_int(q, ":order", op->wo);
    wo_db_bind_text(q, ":ref", op->ref);
    wo_db_bind_text(q, ":author", author);
    wo_db_bind_int(q, ":device", device);
    wo_db_bind_int(q, ":at", op->at);
    wo_db_bind_text(q, ":reason", op->text);
    store__bind_opt(q, ":at_srv", at_srv);
    return wo_db_exec(q);
}

int store_record_author(struct store *s, int64_t order, const char *ref,
                        char author[WO_MAX_ID + 1], int *voided)
{
    sqlite3_stmt *q = ST(record_author);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_text(q, ":ref", ref);
    int r = store__row(q);
    if (r <= 0)
        return r == 0 ? WO_ENOTFOUND : r;
    store__copy_col(q, 0, author, WO_MAX_ID + 1);
    *voided = sqlite3_column_int(q, 1);
    sqlite3_reset(q);
    return 0;
}

static int fill_mail_row(sqlite3_stmt *q, void *e)
{
    struct wo_mail *m = e;
    m->id = sqlite3_column_int64(q, 0);
    m->wo = sqlite3_column_int64(q, 1);
    m->event = DUP(2);
    m->rcpt = DUP(3);
    m->subject = DUP(4);
    m->created_at = sqlite3_column_int64(q, 5);
    m->attempts = sqlite3_column_int64(q, 6);
    m->next_at = sqlite3_column_int64(q, 7);
    m->sent_at = sqlite3_column_int64(q, 8);
    m->error = DUP(9);
    return m->event && m->rcpt && m->subject ? 0 : WO_ENOMEM;
}

int store_mail_list(struct store *s, int64_t order, size_t limit,
                    struct wo_mail **out, size_t *n)
{
    sqlite3_stmt *q = ST(mail_of);
    wo_db_bind_int(q, ":order", order);
    wo_db_bind_int(q, ":limit", (int64_t)limit);
    *out = NULL;
    *n = 0;
    return wo_db_load_rows(q, (void **)out, n, sizeof **out, fill_mail_row);
}
