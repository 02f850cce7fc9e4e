/*
 * store.h - the server's durable state: users, devices, work orders and
 * their records, received ops, and the change sequence.
 *
 * This header is the whole interface: the rest of the server includes it
 * and nothing else of the store, and it names no database type (no
 * <sqlite3.h>; struct store is opaque). The SQLite backend is
 * server/store*.c behind the private store_int.h; a second backend
 * (PostgreSQL, say) would implement these same functions in its own
 * files and be chosen at link time, with no caller changed.
 *
 * The store knows nothing of sessions or frames beyond the struct types
 * of proto/. Every function returns 0 or a negative WO_E* code.
 *
 * Transactions: the caller groups writes with store_begin() /
 * store_commit() (the group commit, the dispatcher commands, the desk
 * tick), and a lone write outside them commits by itself. Three calls
 * open their own transaction and so must be called outside one:
 * store_user_add(), store_user_code() and store_enroll(). Commit is
 * durable (WAL, synchronous=FULL) before it returns.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "wo_proto.h"

struct store;

#define STORE_CODE_LEN 20   /* enrolment and recipient codes, with NUL */

struct store_user {
    int64_t id;
    char name[WO_MAX_ID + 1];
    char role[16];
    char tier[4];
};

struct store_device {
    int64_t id;
    uint8_t pubkey[32];
    int revoked;
    struct store_user user;
};

/*
 * Open the store at path (DATA/server.db), migrating it. It must exist
 * and be a store: WO_ENOTFOUND when it is missing, WO_EEXIST when the
 * file is not one (empty, not SQLite, another schema), WO_EPERM when its
 * directory can be written by others, WO_ESCHEMA when it is newer than
 * this program, WO_EIO for damage SQLite met while opening. Nothing is
 * written to a file that is not a store. err says what went wrong.
 */
int store_open(const char *path, struct store **out, char *err, size_t errlen);
/* As store_open(), read-only (SQLite refuses every write on it; it does
 * not migrate, the loop's connection did): for a reader beside the loop,
 * such as the mailer drawing service reports. */
int store_open_readonly(const char *path, struct store **out, char *err,
                        size_t errlen);
/* As store_open(), but a missing store is created (mode 0600): only
 * `wo-server init` does this. */
int store_create(const char *path, struct store **out, char *err,
                 size_t errlen);
void store_close(struct store *st);
const char *store_errmsg(struct store *st);

/* Each problem a store check finds, as SQLite words it. */
typedef void (*store_finding_fn)(void *arg, const char *finding);
/*
 * Check the store's pages: quick (full 0: PRAGMA quick_check, every
 * b-tree page read once) or full (integrity_check: also every index
 * against its table, slower). fn gets each finding. 0 when there is
 * none, else WO_EIO.
 */
int store_check(struct store *st, int full, store_finding_fn fn, void *arg);

/* The server's own 32-byte secret called name, made (randomly) and kept
 * the first time it is asked for. */
int store_secret(struct store *st, const char *name, uint8_t out[32]);

/* Stores from before schema v7 kept recipient codes in clear: hash each
 * once and blank the clear column (run by `wo-server run` once the store
 * checked out). A no-op after. */
int store_hash_clear_codes(struct store *st);

int store_begin(struct store *st);
/* store_begin() that does not wait for another connection's write lock:
 * WO_EIO at once when the store is busy (for writes that can wait a
 * tick, such as presence, so the loop never stalls on them). */
int store_begin_nowait(struct store *st);
/* 1 when the begin or commit that failed since the last begin failed on a
 * lock another connection held (store_begin_nowait() on a busy store), not
 * on a fault of the file. */
int store_busy(struct store *st);
int store_commit(struct store *st);
/* A transaction whose commit does not wait for the disk, and the sync
 * that makes such commits durable (wo_db_begin_lazy, wo_db_settle): for
 * a sync's health and delivery receipts, which the next sync repairs
 * (commit_lazy, commit_settle in commit.h). */
int store_begin_lazy(struct store *st);
int store_settle(struct store *st, int *all);
void store_rollback(struct store *st);
/* A read snapshot on a read-only connection (catchup.c's worker): the
 * reads between them see one moment of the store. */
int store_read_begin(struct store *st);
void store_read_end(struct store *st);
/* Rows changed since the store opened: commit.c checks with it that a
 * rejected op wrote nothing. */
int64_t store_total_changes(struct store *st);

/* Users and devices ---------------------------------------------------- */

/* How long an enrolment code enrols, unless `user add|code --code-ttl`
 * says otherwise. */
#define STORE_CODE_TTL_MS (7LL * 24 * 3600 * 1000)

/* Add a user and make a one-time enrolment code (written to code) that
 * expires at now + ttl_ms (0: never). */
int store_user_add(struct store *st, const char *name, const char *role,
                   int64_t now, int64_t ttl_ms, char code[STORE_CODE_LEN]);
/* A fresh enrolment code for an existing user (lost laptop, new device). */
int store_user_code(struct store *st, const char *name, int64_t now,
                    int64_t ttl_ms, char code[STORE_CODE_LEN]);
int store_user_get(struct store *st, const char *name, struct store_user *u);

/* One user of an import: name, role and tier as store_user_add() and
 * store_user_set_tier() take them. */
struct store_new_user {
    const char *name, *role, *tier;
};
/* Add n users, each with a one-time enrolment code (codes[i]), in one
 * transaction that is left open on success: the caller commits once the
 * codes are safely written, or rolls back. On failure nothing is added,
 * the transaction is rolled back and *bad is the index of the user that
 * failed (WO_EEXIST: the name is taken). */
int store_user_import(struct store *st, const struct store_new_user *u,
                      size_t n, int64_t now, int64_t ttl_ms,
                      char (*codes)[STORE_CODE_LEN], size_t *bad);

/* Trade a one-time code for a registered device key; with user not NULL
 * the code must be that user's. WO_EAUTH when the code is unknown, used,
 * expired or another user's (*why then names which: "unknown", "used",
 * "expired"), WO_EEXIST when the key is already enrolled. */
int store_enroll(struct store *st, const char *code, const char *user,
                 const uint8_t pub[32], const char *devname, int64_t now,
                 int64_t *device_id, struct store_user *u, const char **why);
int store_device_get(struct store *st, int64_t id, struct store_device *d);
int store_device_revoke(struct store *st, int64_t id, int64_t now);

typedef void (*store_device_fn)(void *arg, int64_t id, const char *user,
                                const char *role, const char *name,
                                int64_t enrolled_at, int64_t revoked_at);
int store_device_list(struct store *st, store_device_fn fn, void *arg);

/* Work orders ------------------------------------------------------------ */

/* What store_order_load() reads besides the order's own fields. */
enum {
    STORE_LOAD_TECH = 0,    /* all records, for the technician */
    STORE_LOAD_OFFICE = 1,  /* + recipient code and rejected ops */
    STORE_LOAD_PAST = 2,    /* notes and parts only: a past resolution */
    STORE_LOAD_BRIEF = 3    /* the order alone, no records: a list row */
};

/*
 * Load order id with the records `how` says. *assignee_id gets the
 * assignee's user id or 0. The caller cleans up with wo_order_cleanup().
 */
int store_order_load(struct store *st, int64_t id, int how,
                     struct wo_order *o, int64_t *assignee_id);

/*
 * The same for the orders ids[0..n) into o[0..n), in that order, with one
 * query per kind of record for them all (a page of a catch-up);
 * assignees[k] (NULL: not wanted) gets each assignee's user id. Any
 * missing id: WO_ENOTFOUND, and nothing is kept.
 */
int store_orders_load(struct store *st, const int64_t *ids, size_t n, int how,
                      struct wo_order *o, int64_t *assignees);

/* Order id as the technician sees it, with only the records whose ids are
 * rec[0..n_rec) (op ids are record ids; a visit's end names its visit):
 * a partial order (wo_order.partial), for the device whose ops made
 * them. */
int store_order_own(struct store *st, int64_t id, const char *const *rec,
                    size_t n_rec, struct wo_order *o);

/* Just the status and assignee (0 if none; its name into `assignee` when
 * not NULL, WO_MAX_ID + 1 bytes): the cheap check per op. */
int store_order_head(struct store *st, int64_t id, char status[WO_MAX_ID + 1],
                     int64_t *assignee_id, char *assignee);

/* Record a change: takes the next seq, stamps the order with it. */
int store_change(struct store *st, int64_t order, const char *kind,
                 const char *actor, int64_t device, int64_t client_at,
                 const char *detail, int64_t now, int64_t *seq);
/* The two halves of store_change, for the group commit: the change's row
 * alone (its seq into *seq), and, once per order at the end of the batch,
 * the stamp of the order with its last seq. */
int store_change_add(struct store *st, int64_t order, const char *kind,
                     const char *actor, int64_t device, int64_t client_at,
                     const char *detail, int64_t now, int64_t *seq);
int store_order_touch(struct store *st, int64_t order, int64_t seq,
                      int64_t now);
int store_max_seq(struct store *st, int64_t *seq);

/* A recipient's confirmation code as kept: salt and PBKDF2 hash
 * (wo_code_hash); the clear code is never stored. */
struct store_code {
    uint8_t salt[16];
    uint8_t hash[32];
};

int store_order_create(struct store *st, const struct wo_cmd *c,
                       const struct store_code *code, int64_t by_user,
                       int64_t now, int64_t *id);

/* The code of order id and the wrong codes sent since it was issued. */
int store_code_get(struct store *st, int64_t id, struct store_code *code,
                   int *failures);
/* A new code for order id; its count of wrong codes starts again. */
int store_code_set(struct store *st, int64_t id,
                   const struct store_code *code);
/* One more wrong code for order id; *failures: how many now. */
int store_code_failed(struct store *st, int64_t id, int *failures);
/* An alert of kind (e.g. "code.locked") for order id, made now. */
int store_alert_add(struct store *st, int64_t order, const char *kind,
                    int64_t now);
int store_order_set_status(struct store *st, int64_t id, const char *status);
int store_order_set_assignee(struct store *st, int64_t id, int64_t user,
                             const char *status);

/* Id lists below are malloc'd arrays the caller frees (NULL when empty). */

/* The first `limit` orders in user's scope changed after cursor, oldest
 * change first: ids, and each one's seq in seqs (both malloc'd, room for
 * limit, the caller frees them). */
int store_scope_changed(struct store *st, int64_t user, int64_t cursor,
                        size_t limit, int64_t **ids, int64_t **seqs,
                        size_t *n);
/* Orders that left user's scope in a change after seq `after` (closed,
 * cancelled, or released to another), at most limit: what a laptop
 * synced at `after` may still hold that is no longer theirs, whatever
 * its have list names. Caller frees *ids. */
int store_scope_left(struct store *st, int64_t user, int64_t after,
                     size_t limit, int64_t **ids, size_t *n);
/* Of the n ids in have, those not in user's scope, into out (room for n),
 * count in *n_out. */
int store_scope_revoked(struct store *st, int64_t user, const int64_t *have,
                        size_t n, int64_t *out, size_t *n_out);

/* The web console's order list: which orders, filtered (NULL: any). */
struct store_page {
    const char *status;     /* "open", "all" or one status */
    const char *priority, *assignee, *site, *asset, *text;
    int64_t limit, offset, now;
};
/* One page of ids (*ids malloc'd, the caller frees it) in the board's
 * order, and how many match in all (0 when the page is empty). */
int store_order_page(struct store *st, const struct store_page *p,
                     int64_t **ids, size_t *n, int64_t *total);
/* Up to limit orders of the board, by the due time of their running SLA
 * clock, with a dispatcher's filters (each NULL: any): open orders only
 * unless all, or a status is asked for (then the open ones first). */
struct store_board_filter {
    const char *status, *tech, *priority, *site;
    int all;
};
int store_board_filtered(struct store *st, const struct store_board_filter *f,
                         int64_t now, size_t limit, int64_t **ids, size_t *n);

/* Service desk (docs/lifecycle.md) ---------------------------------------- */

/* An SLA clock event at corrected device time t (clamped to the order's
 * creation and now): respond (first accept), pause / resume (awaiting the
 * customer), resolve (technician signed; also the completion time). */
enum store_sla { STORE_SLA_RESPOND, STORE_SLA_PAUSE, STORE_SLA_RESUME,
                 STORE_SLA_RESOLVE };
int store_sla_event(struct store *st, enum store_sla ev, int64_t id,
                    int64_t t, int64_t now);
/* Make every alert due at now and not yet made; *made: how many. */
int store_alerts_make(struct store *st, int64_t now, int *made);
/* The id of the newest alert, 0 if none. */
int store_alerts_max(struct store *st, int64_t *id);
/* Up to max alerts after cursor, oldest first (caller frees). */
int store_alerts_since(struct store *st, int64_t cursor, size_t max,
                       struct wo_alert **out, size_t *n);
/* Orders completed at or before cutoff and still waiting to close. */
int store_autoclose_due(struct store *st, int64_t cutoff, int64_t **ids,
                        size_t *n);
int store_history(struct store *st, int64_t order, struct wo_change **out,
                  size_t *n);
int store_sla_current(struct store *st, struct wo_sla **out, size_t *n);
/* A new policy version: the current one with priority's targets changed
 * (0: keep) and its escalation on breach set (1 / 0; -1: keep). */
int store_sla_new_version(struct store *st, const char *priority,
                          int64_t response_ms, int64_t resolve_ms,
                          int escalate, const char *by, int64_t now);
int store_order_set_tier(struct store *st, int64_t id, const char *tier);
/* The technician of tier with the fewest open orders. */
int store_tech_least_busy(struct store *st, const char *tier,
                          struct store_user *u);
int store_user_set_tier(struct store *st, const char *name, const char *tier);

/* user holds order from server time now (change seq). */
int store_tech_add(struct store *st, int64_t order, int64_t user, int64_t seq,
                   int64_t now);
/* The former holder lost the order at server time now, by change seq
 * (what store_scope_left finds releases by). */
int store_tech_release(struct store *st, int64_t order, int64_t user,
                       int64_t seq, int64_t now);
/* 1 if user has ever held order (and *released_at: when they lost it, 0
 * while they hold it), else 0. */
int store_tech_held(struct store *st, int64_t order, int64_t user,
                    int64_t *released_at);
/* Whether user held order at server time t (*at), ever (*ever), and
 * when they first did (*first; 0 if never or unknown). */
int store_tech_held_at(struct store *st, int64_t order, int64_t user,
                       int64_t t, int *at, int *ever, int64_t *first);
/* 1 in *undone if order id's response is now within its target although
 * a response.breach alert was made; *at: the response time. */
int store_sla_breach_undone(struct store *st, int64_t id, int *undone,
                            int64_t *at);
/* One technician's visits of order and their open ones. */
int store_visit_counts_tech(struct store *st, int64_t order,
                            const char *tech, int64_t *total, int64_t *open);

/* Records ---------------------------------------------------------------- */

/* late: a former holder's visit, kept as a fact. */
int store_visit_add(struct store *st, const char *id, int64_t order,
                    const char *tech, int64_t device, int64_t at, int late,
                    int64_t at_srv);
/* WO_ENOTFOUND if no such visit; fills order/tech/ended_at. */
int store_visit_get(struct store *st, const char *id, int64_t *order,
                    char tech[WO_MAX_ID + 1], int64_t *ended_at);
int store_visit_end(struct store *st, const char *id, int64_t at,
                    const char *outcome, int64_t at_srv);
int store_visit_counts(struct store *st, int64_t order, int64_t *total,
                       int64_t *open);
/* late: recorded after the order was taken from its author. */
/* at_srv: the op's time as the server judged it (ops.c) */
int store_part_add(struct store *st, const struct wo_op *op,
                   const char *author, int64_t device, int late,
                   int64_t at_srv);
int store_note_add(struct store *st, const struct wo_op *op,
                   const char *author, int64_t device, int late,
                   int64_t at_srv);
int store_sig_add(struct store *st, const struct wo_op *op, const char *role,
                  const char *signer, int64_t device);
int store_sig_count(struct store *st, int64_t order, const char *role,
                    int64_t *n);

/* Ops --------------------------------------------------------------------- */

/* 1 and result/reason filled (caller frees reason) if op id was seen. */
int store_op_seen(struct store *st, const char *id, char result[16],
                  char **reason);
int store_op_record(struct store *st, const struct wo_op *op, int64_t device,
                    int64_t clock_offset, const char *result,
                    const char *reason, int64_t now);

/* Public keys for signature re-verification, by device id. */
int store_device_pubkey(struct store *st, int64_t id, uint8_t pub[32]);

/* Escalation on breach -------------------------------------------------- */

struct store_breach {
    int64_t order;
    char kind[24];          /* response.breach | resolve.breach */
};
/* Breach alerts after alert id `after` whose order's policy escalates and
 * whose order is below L3, oldest first (caller frees *out). */
int store_breaches_to_escalate(struct store *st, int64_t after,
                               struct store_breach **out, size_t *n);

/* The next visit ------------------------------------------------------- */

/* Set the window of the next visit (server ms); start 0 clears it. */
int store_order_schedule(struct store *st, int64_t id, int64_t start,
                         int64_t end);

/* Past resolutions (FTS5 table `knowledge`) ---------------------------- */

/* Closed orders matching the FTS5 query (wo_fts_query), best first, of
 * asset if not NULL (caller frees *out with its strings). */
int store_search(struct store *st, const char *query, const char *asset,
                 size_t limit, struct wo_hit **out, size_t *n);
/* Ids of the closed orders a technician's replica at cursor lacks: of the
 * assets on the technician's open orders, newest first. */
int store_past_for_tech(struct store *st, int64_t user, int64_t cursor,
                        size_t limit, int64_t **ids, size_t *n);
/* Ids of the closed orders of one asset, newest first. */
int store_past_for_asset(struct store *st, const char *asset, size_t limit,
                         int64_t **ids, size_t *n);
/* User ids of the technicians holding an open order on asset. */
int store_past_watchers(struct store *st, const char *asset, int64_t **ids,
                        size_t *n);

/* Reports -------------------------------------------------------------- */

/*
 * Counters each report fills (the rest stay 0):
 *   ASSETS   key = asset: orders, open, done, visits; most orders first,
 *            at most limit rows
 *   SLA      key = P1..P3: orders, response_met/missed, resolve_met/missed,
 *            response_ms, resolve_ms (means)
 *   WORKLOAD key = technician: open (now), done, visits (in the period)
 * Orders count when opened in [since, until); done and visits when they
 * happened in it.
 */
enum store_report {
    STORE_REPORT_ASSETS,
    STORE_REPORT_SLA,
    STORE_REPORT_WORKLOAD,
    /* issue 14: orders, open, done, visits, the SLA counters and means,
     * incidents, requests and the cost of service (labour_ms,
     * labour_cost at the labour rate, parts_cost at the price list,
     * cost), per requester / department / category and type ("hardware
     * incident") / customer / order (costs: the costliest first); at most
     * limit rows */
    STORE_REPORT_REQUESTERS,
    STORE_REPORT_DEPARTMENTS,
    STORE_REPORT_CATEGORIES,
    STORE_REPORT_CUSTOMERS,
    STORE_REPORT_COSTS
};
/* customer: only that customer's orders (NULL: all). */
int store_report(struct store *st, enum store_report which, int64_t since,
                 int64_t until, int64_t now, size_t limit,
                 const char *customer, struct wo_row **out, size_t *n);

/* The service desk's intake, agreements, authorisation and mail (issue 14;
 * store_intake.c) ------------------------------------------------------ */

/* The formal request's fields of order id, from create's command c
 * (type, category, department, customer, impact, urgency, deadline, the
 * e-mail addresses, the authoriser) and whether it needs authorisation. */
int store_intake_set(struct store *st, int64_t id, const struct wo_cmd *c,
                     const char *type, const char *category, int needs_auth);
/* A dispatcher's edit: each non-NULL / non-zero field of c (title,
 * description, priority, category, site, asset, contact, deadline). */
int store_order_edit(struct store *st, int64_t id, const struct wo_cmd *c);
int store_order_set_remote(struct store *st, int64_t id);
/* Whether category / customer name exists (WO_ENOTFOUND if not) and says
 * its orders need authorisation; a customer's kind too (16 bytes). */
int store_category_get(struct store *st, const char *name, int *needs_auth);
int store_category_set(struct store *st, const char *name, int needs_auth);
int store_customer_get(struct store *st, const char *name, char kind[16],
                       int *needs_auth);
/* kind NULL and needs_auth -1 keep what a known customer has. */
int store_customer_set(struct store *st, const char *name, const char *kind,
                       int needs_auth, int64_t now);
/* Every customer (customers 1) or category (0), by name. */
int store_entries(struct store *st, int customers, struct wo_entry **out,
                  size_t *n);
/* impact x urgency -> priority (4 bytes). */
int store_matrix_get(struct store *st, const char *impact,
                     const char *urgency, char priority[4]);
int store_matrix_set(struct store *st, const char *impact,
                     const char *urgency, const char *priority);
/* The matrix as report rows: key "impact/urgency", orders = the
 * priority's number (1 for P1). */
int store_matrix_list(struct store *st, struct wo_row **out, size_t *n);

/* The version of customer's agreement (NULL: none) in force at t, else
 * the default agreement's; WO_ENOTFOUND when neither has one. The caller
 * frees a with wo_agreement_cleanup(). */
int store_agreement_in_force(struct store *st, const char *customer,
                             int64_t t, struct wo_agreement *a);
int store_agreement_get(struct store *st, int64_t id, struct wo_agreement *a);
/* The newest version of customer's agreement ("" the default). */
int store_agreement_latest(struct store *st, const char *customer,
                           struct wo_agreement *a);
/* A new version of a->customer's agreement; *version: its number. */
int store_agreement_add(struct store *st, const struct wo_agreement *a,
                        const char *by, int64_t now, int64_t *id);
/* Every version, of customer when not NULL (caller frees the array with
 * its elements). */
int store_agreements_list(struct store *st, const char *customer,
                          struct wo_agreement **out, size_t *n);
/* The SLA targets of order id as its agreement counts them. */
/* No due times: an order awaiting authorisation runs no SLA clock. */
int store_order_sla_clear(struct store *st, int64_t id);
/* When order id was approved (0: never), its SLA clock's start. */
int store_order_approved_at(struct store *st, int64_t id, int64_t *at);
int store_order_sla_set(struct store *st, int64_t id, int64_t agreement,
                        int64_t response_due, int64_t resolve_due,
                        int64_t response_warn, int64_t resolve_warn);
/* The global policy's current targets of priority. */
int store_sla_policy_of(struct store *st, const char *priority,
                        int64_t *version, int64_t *response_ms,
                        int64_t *resolve_ms);

/* The authorisation code of order id, kept as the recipient code is. */
int store_auth_code_get(struct store *st, int64_t id, struct store_code *code,
                        int *failures);
int store_auth_code_set(struct store *st, int64_t id,
                        const struct store_code *code);
int store_auth_failed(struct store *st, int64_t id, int *failures);
/* The signed approval or refusal (verdict "approved" | "refused"). */
int store_authorisation_add(struct store *st, int64_t id, const char *name,
                            const char *verdict, const char *reason,
                            const char *statement, const uint8_t sig[64],
                            int64_t device, int64_t now);

/* Settings: *value malloc'd (NULL when unset). */
int store_setting_get(struct store *st, const char *name, char **value);
int store_setting_set(struct store *st, const char *name, const char *value);

/* A message to queue in the caller's transaction. */
int store_mail_add(struct store *st, int64_t order, const char *event,
                   const char *rcpt, const char *subject, const char *body,
                   int64_t now);
struct store_mail {
    int64_t id;
    char *rcpt, *subject, *body;
    int64_t attempts;
    int64_t order;          /* the order it tells about */
    char *event;            /* "completed", ... (notify.h) */
};
/* Up to limit messages due at now (caller frees with store_mail_free). */
int store_mail_due(struct store *st, int64_t now, size_t limit,
                   struct store_mail **out, size_t *n);
void store_mail_free(struct store_mail *m, size_t n);
int store_mail_sent(struct store *st, int64_t id, int64_t now);
int store_mail_retry(struct store *st, int64_t id, int64_t next,
                     const char *error);
int store_price_set(struct store *st, const char *part_no, int64_t price);
/* The mail queue of order (0: all), newest first, at most limit (caller
 * frees the array and its strings: wo_frame_free of a result holding it). */
int store_mail_list(struct store *st, int64_t order, size_t limit,
                    struct wo_mail **out, size_t *n);

/* A void of part or note op->ref by author (op: record.void). */
int store_void_add(struct store *st, const struct wo_op *op,
                   const char *author, int64_t device, int64_t at_srv);
/* The author of part or note ref of order (WO_MAX_ID + 1 bytes) and
 * whether it is voided already; WO_ENOTFOUND when order has no such
 * record. */
int store_record_author(struct store *st, int64_t order, const char *ref,
                        char author[WO_MAX_ID + 1], int *voided);

/* Field data (docs/protocol.md, "Field data"; store_field.c) ----------- */

/* Device id was heard from (connected, or its last connection closed). */
int store_device_seen(struct store *st, int64_t id, int64_t now);
/* Device id synced: its cursor and the health it reported. */
int store_device_synced(struct store *st, int64_t id, int64_t now,
                        int64_t cursor, int64_t unsent, int64_t unsent_age,
                        const char *version);
/* user's device dev stored order at change seq (ignored unless user holds
 * it); the device's cursor rises to seq. *changed: whether the order's
 * receipt changed (not a repeat, not ignored). */
int store_receipt_stored(struct store *st, int64_t order, int64_t user,
                         int64_t dev, int64_t seq, int64_t now, int *changed);
/* A sync's have list as receipts: the held orders up to cursor. */
int store_receipt_have(struct store *st, int64_t user, int64_t dev,
                       const int64_t *have, size_t n, int64_t cursor,
                       int64_t now);
/* user first opened order at server time at (the earliest is kept; only
 * by one who holds or held it). *changed: whether the receipt changed. */
int store_receipt_opened(struct store *st, int64_t order, int64_t user,
                         int64_t dev, int64_t at, int *changed);
/* Why order id is with its holder now (came: assigned | reassigned |
 * escalated | reopened), with the reason given or NULL. */
int store_order_set_came(struct store *st, int64_t id, const char *came,
                         const char *reason, int64_t now);
/* The reason of order's last dispute (a dispatcher's reason or the
 * recipient's comment) into *out (caller frees; NULL: none). */
int store_dispute_reason(struct store *st, int64_t order, char **out);
/* Append an event to the activity feed (id and title are ignored). */
int store_feed_add(struct store *st, const struct wo_event *e);
/* Up to limit events after id `after`, oldest first (caller frees with
 * their strings). */
int store_feed_since(struct store *st, int64_t after, size_t limit,
                     struct wo_event **out, size_t *n);
int store_feed_max(struct store *st, int64_t *id);
/* Every technician with their devices' health (online flags left 0) and,
 * in *users (caller frees), their user ids in the same order. */
int store_techs(struct store *st, struct wo_tech **out, size_t *n,
                int64_t **users);
/* The time zone of user: theirs, else the server's default; "" if none. */
int store_user_tz(struct store *st, int64_t user, char tz[WO_MAX_ID + 1]);
/* Set user name's zone (NULL or "": the server's default). */
int store_user_set_tz(struct store *st, const char *name, const char *tz);
/* Set the server's default zone. */
int store_default_tz(struct store *st, const char *tz);

#endif
