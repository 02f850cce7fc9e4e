/*
 * wo_proto.c - msgpack encoding and decoding of the frames in wo_proto.h.
 *
 * Each frame struct is described once by a table of fields (key, kind,
 * limit, offset). Encode, decode, free and copy all walk that table, so a
 * field added to a frame is added in one place and every path checks it
 * the same way. This is the only file that includes <msgpack.h>.
 *
 * Invariants kept by the decoder:
 *   - the top level is a map with a string "t" naming a known frame type;
 *   - every known key has the expected msgpack type, strings are valid
 *     UTF-8 without NUL bytes and within the field's limit, arrays hold at
 *     most WO_MAX_ITEMS entries, integers fit in int64_t;
 *   - a key given twice is an error (no silent last-one-wins);
 *   - every required field is present;
 *   - before msgpack-c builds anything, one pass over the bytes (scan)
 *     bounds what it would allocate and how deep it would recurse;
 *   - on any error nothing is returned and nothing leaks, except that an
 *     op of an ops frame that fails alone is kept as "invalid" (its id and
 *     the reason) so that the rest of the frame can be applied.
 */
#include <msgpack.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wo_proto.h"

enum fkind { K_STR, K_BIN, K_I64, K_BOOL, K_STRARR, K_I64ARR, K_OBJARR };

struct odesc;

struct fdesc {
    const char *key;
    size_t klen;        /* strlen(key), for the decoder's lookup */
    enum fkind kind;
    int required;
    size_t max;         /* bytes for STR/BIN/STRARR items, 0 for others */
    size_t off;         /* the value (pointer or scalar) */
    size_t off_n;       /* the count for BIN and arrays */
    const struct odesc *sub;
};

struct odesc {
    const struct fdesc *f;
    size_t nf;
    size_t size;
    /* For elements of an array that may fail one by one: 1 + the offset
     * of the char * that takes an element's decode error (its first field
     * then identifies it); 0 when one bad element fails the frame. */
    size_t soft_err;
};

#define REQ 1
#define OPT 0
#define F_STR(S, k, r, m) {#k, sizeof #k - 1, K_STR, r, m, offsetof(S, k), 0, NULL}
#define F_BIN(S, k, r, m) {#k, sizeof #k - 1, K_BIN, r, m, offsetof(S, k), offsetof(S, k##_len), NULL}
#define F_I64(S, k, r) {#k, sizeof #k - 1, K_I64, r, 0, offsetof(S, k), 0, NULL}
#define F_BOOL(S, k, r) {#k, sizeof #k - 1, K_BOOL, r, 0, offsetof(S, k), 0, NULL}
#define F_SARR(S, k, r, m, n) {#k, sizeof #k - 1, K_STRARR, r, m, offsetof(S, k), offsetof(S, n), NULL}
#define F_IARR(S, k, r, n) {#k, sizeof #k - 1, K_I64ARR, r, 0, offsetof(S, k), offsetof(S, n), NULL}
#define F_OARR(S, k, r, n, d) {#k, sizeof #k - 1, K_OBJARR, r, 0, offsetof(S, k), offsetof(S, n), &d}
#define ODESC(name, S, arr) \
    static const struct odesc name = {arr, sizeof(arr) / sizeof(arr[0]), sizeof(S), 0}
#define ODESC_SOFT(name, S, arr, errf)                                       \
    static const struct odesc name = {arr, sizeof(arr) / sizeof(arr[0]),    \
                                      sizeof(S), offsetof(S, errf) + 1}

/* ---- field tables ------------------------------------------------------ */

static const struct fdesc challenge_f[] = {
    F_BIN(struct wo_challenge, nonce, REQ, 32),
    F_I64(struct wo_challenge, server_time, REQ),
};
ODESC(challenge_d, struct wo_challenge, challenge_f);

static const struct fdesc enroll_f[] = {
    F_STR(struct wo_enroll, code, REQ, WO_MAX_ID),
    F_BIN(struct wo_enroll, pubkey, REQ, 32),
    F_STR(struct wo_enroll, device_name, OPT, WO_MAX_SHORT),
    F_STR(struct wo_enroll, user, OPT, WO_MAX_ID),
};
ODESC(enroll_d, struct wo_enroll, enroll_f);

static const struct fdesc enrolled_f[] = {
    F_I64(struct wo_enrolled, device_id, REQ),
    F_STR(struct wo_enrolled, user, REQ, WO_MAX_ID),
    F_STR(struct wo_enrolled, role, REQ, WO_MAX_ID),
};
ODESC(enrolled_d, struct wo_enrolled, enrolled_f);

static const struct fdesc auth_f[] = {
    F_I64(struct wo_auth, device_id, REQ),
    F_BIN(struct wo_auth, sig, REQ, 64),
    F_I64(struct wo_auth, client_time, REQ),
};
ODESC(auth_d, struct wo_auth, auth_f);

static const struct fdesc welcome_f[] = {
    F_STR(struct wo_welcome, user, REQ, WO_MAX_ID),
    F_STR(struct wo_welcome, role, REQ, WO_MAX_ID),
    F_I64(struct wo_welcome, device_id, REQ),
    F_I64(struct wo_welcome, server_time, REQ),
    F_I64(struct wo_welcome, clock_offset, OPT),
    F_BIN(struct wo_welcome, anchor_mac, OPT, 32),
    F_STR(struct wo_welcome, tz, OPT, WO_MAX_ID),
};
ODESC(welcome_d, struct wo_welcome, welcome_f);

static const struct fdesc op_f[] = {
    F_STR(struct wo_op, id, REQ, WO_MAX_ID),
    F_I64(struct wo_op, wo, REQ),
    F_STR(struct wo_op, kind, REQ, WO_MAX_ID),
    F_I64(struct wo_op, at, REQ),
    F_STR(struct wo_op, ref, OPT, WO_MAX_ID),
    F_STR(struct wo_op, text, OPT, WO_MAX_TEXT),
    F_STR(struct wo_op, part_no, OPT, WO_MAX_SHORT),
    F_I64(struct wo_op, qty, OPT),
    F_STR(struct wo_op, desc, OPT, WO_MAX_SHORT),
    F_SARR(struct wo_op, serials, OPT, WO_MAX_SHORT, n_serials),
    F_STR(struct wo_op, outcome, OPT, WO_MAX_ID),
    F_STR(struct wo_op, status, OPT, WO_MAX_ID),
    F_STR(struct wo_op, name, OPT, WO_MAX_SHORT),
    F_STR(struct wo_op, code, OPT, WO_MAX_ID),
    F_BOOL(struct wo_op, satisfied, OPT),
    F_STR(struct wo_op, comment, OPT, WO_MAX_TEXT),
    F_STR(struct wo_op, statement, OPT, WO_MAX_STMT),
    F_BIN(struct wo_op, sig, OPT, 64),
    F_I64(struct wo_op, anchor, OPT),
    F_I64(struct wo_op, elapsed, OPT),
    F_BIN(struct wo_op, anchor_mac, OPT, 32),
};
/* an op that fails alone becomes a rejected ack; the first field, id,
 * names it (wo_proto.h, wo_frame_decode) */
ODESC_SOFT(op_d, struct wo_op, op_f, invalid);

static const struct fdesc ops_f[] = {
    F_OARR(struct wo_ops, ops, REQ, n_ops, op_d),
};
ODESC(ops_d, struct wo_ops, ops_f);

static const struct fdesc ack_f[] = {
    F_STR(struct wo_ack, id, REQ, WO_MAX_ID),
    F_STR(struct wo_ack, result, REQ, WO_MAX_ID),
    F_STR(struct wo_ack, reason, OPT, WO_MAX_TEXT),
};
ODESC(ack_d, struct wo_ack, ack_f);

static const struct fdesc acks_f[] = {
    F_OARR(struct wo_acks, acks, REQ, n_acks, ack_d),
};
ODESC(acks_d, struct wo_acks, acks_f);

static const struct fdesc sync_f[] = {
    F_I64(struct wo_sync, cursor, REQ),
    F_IARR(struct wo_sync, have, OPT, n_have),
    F_I64(struct wo_sync, unsent, OPT),
    F_I64(struct wo_sync, unsent_age, OPT),
    F_STR(struct wo_sync, version, OPT, WO_MAX_ID),
    F_BOOL(struct wo_sync, partial, OPT),
};
ODESC(sync_d, struct wo_sync, sync_f);

static const struct fdesc receipt_f[] = {
    F_I64(struct wo_receipt, wo, REQ),
    F_I64(struct wo_receipt, seq, OPT),
    F_I64(struct wo_receipt, at, OPT),
};
ODESC(receipt_d, struct wo_receipt, receipt_f);

static const struct fdesc receipts_f[] = {
    F_OARR(struct wo_receipts, stored, OPT, n_stored, receipt_d),
    F_OARR(struct wo_receipts, opened, OPT, n_opened, receipt_d),
};
ODESC(receipts_d, struct wo_receipts, receipts_f);

static const struct fdesc event_f[] = {
    F_I64(struct wo_event, id, REQ),
    F_I64(struct wo_event, at, REQ),
    F_STR(struct wo_event, kind, REQ, WO_MAX_ID),
    F_I64(struct wo_event, wo, OPT),
    F_STR(struct wo_event, title, OPT, WO_MAX_SHORT),
    F_STR(struct wo_event, actor, OPT, WO_MAX_ID),
    F_I64(struct wo_event, device, OPT),
    F_STR(struct wo_event, status, OPT, WO_MAX_ID),
    F_STR(struct wo_event, outcome, OPT, WO_MAX_ID),
    F_STR(struct wo_event, detail, OPT, WO_MAX_TEXT),
    F_STR(struct wo_event, role, OPT, WO_MAX_ID),
};
ODESC(event_d, struct wo_event, event_f);

static const struct fdesc devinfo_f[] = {
    F_I64(struct wo_devinfo, id, REQ),
    F_STR(struct wo_devinfo, name, OPT, WO_MAX_SHORT),
    F_BOOL(struct wo_devinfo, online, OPT),
    F_BOOL(struct wo_devinfo, revoked, OPT),
    F_I64(struct wo_devinfo, last_seen, OPT),
    F_I64(struct wo_devinfo, last_sync, OPT),
    F_I64(struct wo_devinfo, cursor, OPT),
    F_I64(struct wo_devinfo, lag, OPT),
    F_I64(struct wo_devinfo, unsent, OPT),
    F_I64(struct wo_devinfo, unsent_age, OPT),
    F_STR(struct wo_devinfo, version, OPT, WO_MAX_ID),
    F_STR(struct wo_devinfo, rejected_op, OPT, WO_MAX_ID),
    F_STR(struct wo_devinfo, rejected_kind, OPT, WO_MAX_ID),
    F_STR(struct wo_devinfo, rejected_reason, OPT, WO_MAX_TEXT),
    F_I64(struct wo_devinfo, rejected_at, OPT),
};
ODESC(devinfo_d, struct wo_devinfo, devinfo_f);

static const struct fdesc tech_f[] = {
    F_STR(struct wo_tech, user, REQ, WO_MAX_ID),
    F_STR(struct wo_tech, tier, OPT, WO_MAX_ID),
    F_BOOL(struct wo_tech, online, OPT),
    F_I64(struct wo_tech, last_seen, OPT),
    F_I64(struct wo_tech, open, OPT),
    F_OARR(struct wo_tech, devices, OPT, n_devices, devinfo_d),
};
ODESC(tech_d, struct wo_tech, tech_f);

static const struct fdesc visit_f[] = {
    F_STR(struct wo_visit, id, REQ, WO_MAX_ID),
    F_STR(struct wo_visit, tech, REQ, WO_MAX_ID),
    F_I64(struct wo_visit, started_at, REQ),
    F_I64(struct wo_visit, ended_at, OPT),
    F_STR(struct wo_visit, outcome, OPT, WO_MAX_ID),
    F_I64(struct wo_visit, started_srv, OPT),
    F_I64(struct wo_visit, ended_srv, OPT),
};
ODESC(visit_d, struct wo_visit, visit_f);

static const struct fdesc part_f[] = {
    F_STR(struct wo_part, id, REQ, WO_MAX_ID),
    F_STR(struct wo_part, author, REQ, WO_MAX_ID),
    F_I64(struct wo_part, at, REQ),
    F_STR(struct wo_part, part_no, REQ, WO_MAX_SHORT),
    F_I64(struct wo_part, qty, REQ),
    F_STR(struct wo_part, desc, OPT, WO_MAX_SHORT),
    F_SARR(struct wo_part, serials, OPT, WO_MAX_SHORT, n_serials),
    F_BOOL(struct wo_part, late, OPT),
    F_I64(struct wo_part, at_srv, OPT),
};
ODESC(part_d, struct wo_part, part_f);

static const struct fdesc note_f[] = {
    F_STR(struct wo_note, id, REQ, WO_MAX_ID),
    F_STR(struct wo_note, author, REQ, WO_MAX_ID),
    F_I64(struct wo_note, at, REQ),
    F_STR(struct wo_note, text, REQ, WO_MAX_TEXT),
    F_BOOL(struct wo_note, late, OPT),
    F_I64(struct wo_note, at_srv, OPT),
};
ODESC(note_d, struct wo_note, note_f);

static const struct fdesc void_f[] = {
    F_STR(struct wo_void, id, REQ, WO_MAX_ID),
    F_STR(struct wo_void, ref, REQ, WO_MAX_ID),
    F_STR(struct wo_void, author, REQ, WO_MAX_ID),
    F_I64(struct wo_void, at, REQ),
    F_STR(struct wo_void, reason, REQ, WO_MAX_TEXT),
    F_I64(struct wo_void, at_srv, OPT),
};
ODESC(void_d, struct wo_void, void_f);

static const struct fdesc sig_f[] = {
    F_STR(struct wo_sig, id, REQ, WO_MAX_ID),
    F_STR(struct wo_sig, role, REQ, WO_MAX_ID),
    F_STR(struct wo_sig, signer, REQ, WO_MAX_SHORT),
    F_I64(struct wo_sig, device_id, REQ),
    F_I64(struct wo_sig, signed_at, REQ),
    F_BOOL(struct wo_sig, satisfied, OPT),
    F_STR(struct wo_sig, comment, OPT, WO_MAX_TEXT),
    F_STR(struct wo_sig, statement, REQ, WO_MAX_STMT),
    F_BIN(struct wo_sig, sig, REQ, 64),
    F_BOOL(struct wo_sig, verified, OPT),
    F_BIN(struct wo_sig, pubkey, OPT, 32),
};
ODESC(sig_d, struct wo_sig, sig_f);

static const struct fdesc rej_f[] = {
    F_STR(struct wo_rejection, op, REQ, WO_MAX_ID),
    F_STR(struct wo_rejection, kind, REQ, WO_MAX_ID),
    F_STR(struct wo_rejection, by, REQ, WO_MAX_ID),
    F_I64(struct wo_rejection, at, REQ),
    F_STR(struct wo_rejection, reason, REQ, WO_MAX_TEXT),
};
ODESC(rej_d, struct wo_rejection, rej_f);

static const struct fdesc order_f[] = {
    F_I64(struct wo_order, id, REQ),
    F_I64(struct wo_order, seq, REQ),
    F_STR(struct wo_order, title, REQ, WO_MAX_SHORT),
    F_STR(struct wo_order, description, OPT, WO_MAX_TEXT),
    F_STR(struct wo_order, site, OPT, WO_MAX_SHORT),
    F_STR(struct wo_order, asset, OPT, WO_MAX_SHORT),
    F_STR(struct wo_order, requester, OPT, WO_MAX_SHORT),
    F_STR(struct wo_order, contact, OPT, WO_MAX_SHORT),
    F_STR(struct wo_order, priority, REQ, WO_MAX_ID),
    F_STR(struct wo_order, status, REQ, WO_MAX_ID),
    F_STR(struct wo_order, assignee, OPT, WO_MAX_ID),
    F_STR(struct wo_order, recipient_code, OPT, WO_MAX_ID),
    F_I64(struct wo_order, created_at, REQ),
    F_I64(struct wo_order, updated_at, OPT),
    F_OARR(struct wo_order, visits, OPT, n_visits, visit_d),
    F_OARR(struct wo_order, parts, OPT, n_parts, part_d),
    F_OARR(struct wo_order, notes, OPT, n_notes, note_d),
    F_OARR(struct wo_order, sigs, OPT, n_sigs, sig_d),
    F_OARR(struct wo_order, rejections, OPT, n_rejections, rej_d),
    F_STR(struct wo_order, tier, OPT, WO_MAX_ID),
    F_I64(struct wo_order, sla_version, OPT),
    F_I64(struct wo_order, response_due, OPT),
    F_I64(struct wo_order, resolve_due, OPT),
    F_I64(struct wo_order, responded_at, OPT),
    F_I64(struct wo_order, resolved_at, OPT),
    F_I64(struct wo_order, paused_at, OPT),
    F_I64(struct wo_order, completed_at, OPT),
    F_STR(struct wo_order, sla, OPT, WO_MAX_ID),
    F_I64(struct wo_order, due_in, OPT),
    F_I64(struct wo_order, visit_start, OPT),
    F_I64(struct wo_order, visit_end, OPT),
    F_BOOL(struct wo_order, online, OPT),
    F_I64(struct wo_order, stored_at, OPT),
    F_I64(struct wo_order, stored_seq, OPT),
    F_I64(struct wo_order, opened_at, OPT),
    F_STR(struct wo_order, came, OPT, WO_MAX_ID),
    F_STR(struct wo_order, came_reason, OPT, WO_MAX_TEXT),
    F_I64(struct wo_order, came_at, OPT),
    F_STR(struct wo_order, type, OPT, WO_MAX_ID),
    F_STR(struct wo_order, category, OPT, WO_MAX_ID),
    F_STR(struct wo_order, department, OPT, WO_MAX_SHORT),
    F_STR(struct wo_order, customer, OPT, WO_MAX_SHORT),
    F_STR(struct wo_order, impact, OPT, WO_MAX_ID),
    F_STR(struct wo_order, urgency, OPT, WO_MAX_ID),
    F_I64(struct wo_order, deadline, OPT),
    F_STR(struct wo_order, requester_email, OPT, WO_MAX_SHORT),
    F_BOOL(struct wo_order, needs_authorisation, OPT),
    F_STR(struct wo_order, authoriser, OPT, WO_MAX_SHORT),
    F_STR(struct wo_order, authoriser_email, OPT, WO_MAX_SHORT),
    F_STR(struct wo_order, authorisation_code, OPT, WO_MAX_ID),
    F_I64(struct wo_order, agreement_id, OPT),
    F_BOOL(struct wo_order, remote, OPT),
    F_OARR(struct wo_order, voids, OPT, n_voids, void_d),
    F_BOOL(struct wo_order, partial, OPT),
};
ODESC(order_d, struct wo_order, order_f);

static const struct fdesc change_f[] = {
    F_I64(struct wo_change, seq, REQ),
    F_STR(struct wo_change, kind, REQ, WO_MAX_ID),
    F_STR(struct wo_change, actor, REQ, WO_MAX_ID),
    F_I64(struct wo_change, device_id, OPT),
    F_I64(struct wo_change, at, REQ),
    F_I64(struct wo_change, client_at, OPT),
    F_STR(struct wo_change, detail, OPT, WO_MAX_TEXT),
};
ODESC(change_d, struct wo_change, change_f);

static const struct fdesc alert_f[] = {
    F_I64(struct wo_alert, id, REQ),
    F_I64(struct wo_alert, wo, REQ),
    F_STR(struct wo_alert, kind, REQ, WO_MAX_ID),
    F_I64(struct wo_alert, at, REQ),
    F_STR(struct wo_alert, title, OPT, WO_MAX_SHORT),
    F_STR(struct wo_alert, priority, OPT, WO_MAX_ID),
};
ODESC(alert_d, struct wo_alert, alert_f);

static const struct fdesc sla_f[] = {
    F_I64(struct wo_sla, version, REQ),
    F_STR(struct wo_sla, priority, REQ, WO_MAX_ID),
    F_I64(struct wo_sla, response_ms, REQ),
    F_I64(struct wo_sla, resolve_ms, REQ),
    F_I64(struct wo_sla, created_at, OPT),
    F_STR(struct wo_sla, created_by, OPT, WO_MAX_ID),
    F_BOOL(struct wo_sla, escalate, OPT),
};
ODESC(sla_d, struct wo_sla, sla_f);

static const struct fdesc hit_f[] = {
    F_I64(struct wo_hit, wo, REQ),
    F_STR(struct wo_hit, title, REQ, WO_MAX_SHORT),
    F_STR(struct wo_hit, asset, OPT, WO_MAX_SHORT),
    F_STR(struct wo_hit, site, OPT, WO_MAX_SHORT),
    F_I64(struct wo_hit, closed_at, OPT),
    F_STR(struct wo_hit, snippet, OPT, WO_MAX_TEXT),
};
ODESC(hit_d, struct wo_hit, hit_f);

static const struct fdesc row_f[] = {
    F_STR(struct wo_row, key, REQ, WO_MAX_SHORT),
    F_I64(struct wo_row, orders, OPT),
    F_I64(struct wo_row, open, OPT),
    F_I64(struct wo_row, done, OPT),
    F_I64(struct wo_row, visits, OPT),
    F_I64(struct wo_row, response_met, OPT),
    F_I64(struct wo_row, response_missed, OPT),
    F_I64(struct wo_row, resolve_met, OPT),
    F_I64(struct wo_row, resolve_missed, OPT),
    F_I64(struct wo_row, response_ms, OPT),
    F_I64(struct wo_row, resolve_ms, OPT),
    F_I64(struct wo_row, incidents, OPT),
    F_I64(struct wo_row, requests, OPT),
    F_I64(struct wo_row, labour_ms, OPT),
    F_I64(struct wo_row, labour_cost, OPT),
    F_I64(struct wo_row, parts_cost, OPT),
    F_I64(struct wo_row, cost, OPT),
};
ODESC(row_d, struct wo_row, row_f);

static const struct fdesc agreement_f[] = {
    F_I64(struct wo_agreement, id, REQ),
    F_STR(struct wo_agreement, customer, REQ, WO_MAX_SHORT),
    F_I64(struct wo_agreement, version, REQ),
    F_I64(struct wo_agreement, effective_from, REQ),
    F_STR(struct wo_agreement, tz, REQ, WO_MAX_ID),
    F_STR(struct wo_agreement, hours, REQ, WO_MAX_SHORT),
    F_STR(struct wo_agreement, holidays, OPT, WO_MAX_TEXT),
    F_I64(struct wo_agreement, review_at, OPT),
    F_I64(struct wo_agreement, p1_response, REQ),
    F_I64(struct wo_agreement, p1_resolve, REQ),
    F_I64(struct wo_agreement, p2_response, REQ),
    F_I64(struct wo_agreement, p2_resolve, REQ),
    F_I64(struct wo_agreement, p3_response, REQ),
    F_I64(struct wo_agreement, p3_resolve, REQ),
    F_I64(struct wo_agreement, created_at, OPT),
    F_STR(struct wo_agreement, created_by, OPT, WO_MAX_ID),
    F_I64(struct wo_agreement, wo, OPT),
    F_STR(struct wo_agreement, why, OPT, WO_MAX_TEXT),
};
ODESC(agreement_d, struct wo_agreement, agreement_f);

static const struct fdesc entry_f[] = {
    F_STR(struct wo_entry, name, REQ, WO_MAX_SHORT),
    F_STR(struct wo_entry, kind, OPT, WO_MAX_ID),
    F_BOOL(struct wo_entry, needs_authorisation, OPT),
};
ODESC(entry_d, struct wo_entry, entry_f);

static const struct fdesc mail_f[] = {
    F_I64(struct wo_mail, id, REQ),
    F_I64(struct wo_mail, wo, REQ),
    F_STR(struct wo_mail, event, REQ, WO_MAX_ID),
    F_STR(struct wo_mail, rcpt, REQ, WO_MAX_SHORT),
    F_STR(struct wo_mail, subject, REQ, WO_MAX_TEXT),
    F_I64(struct wo_mail, created_at, REQ),
    F_I64(struct wo_mail, attempts, OPT),
    F_I64(struct wo_mail, next_at, OPT),
    F_I64(struct wo_mail, sent_at, OPT),
    F_STR(struct wo_mail, error, OPT, WO_MAX_TEXT),
};
ODESC(mail_d, struct wo_mail, mail_f);

static const struct fdesc changes_f[] = {
    F_OARR(struct wo_changes, orders, OPT, n_orders, order_d),
    F_IARR(struct wo_changes, revoked, OPT, n_revoked),
    F_I64(struct wo_changes, cursor, REQ),
    F_BOOL(struct wo_changes, final, OPT),
    F_OARR(struct wo_changes, alerts, OPT, n_alerts, alert_d),
    F_OARR(struct wo_changes, past, OPT, n_past, order_d),
    F_OARR(struct wo_changes, feed, OPT, n_feed, event_d),
};
ODESC(changes_d, struct wo_changes, changes_f);

static const struct fdesc cmd_f[] = {
    F_I64(struct wo_cmd, req, REQ),
    F_STR(struct wo_cmd, name, REQ, WO_MAX_ID),
    F_I64(struct wo_cmd, wo, OPT),
    F_I64(struct wo_cmd, device, OPT),
    F_STR(struct wo_cmd, title, OPT, WO_MAX_SHORT),
    F_STR(struct wo_cmd, priority, OPT, WO_MAX_ID),
    F_STR(struct wo_cmd, description, OPT, WO_MAX_TEXT),
    F_STR(struct wo_cmd, site, OPT, WO_MAX_SHORT),
    F_STR(struct wo_cmd, asset, OPT, WO_MAX_SHORT),
    F_STR(struct wo_cmd, requester, OPT, WO_MAX_SHORT),
    F_STR(struct wo_cmd, contact, OPT, WO_MAX_SHORT),
    F_STR(struct wo_cmd, assignee, OPT, WO_MAX_ID),
    F_STR(struct wo_cmd, reason, OPT, WO_MAX_TEXT),
    F_STR(struct wo_cmd, tier, OPT, WO_MAX_ID),
    F_I64(struct wo_cmd, response_ms, OPT),
    F_I64(struct wo_cmd, resolve_ms, OPT),
    F_STR(struct wo_cmd, escalate, OPT, WO_MAX_ID),
    F_I64(struct wo_cmd, start, OPT),
    F_I64(struct wo_cmd, end, OPT),
    F_STR(struct wo_cmd, text, OPT, WO_MAX_SHORT),
    F_STR(struct wo_cmd, report, OPT, WO_MAX_ID),
    F_I64(struct wo_cmd, since, OPT),
    F_I64(struct wo_cmd, until, OPT),
    F_I64(struct wo_cmd, limit, OPT),
    F_STR(struct wo_cmd, status, OPT, WO_MAX_ID),
    F_I64(struct wo_cmd, offset, OPT),
    F_BOOL(struct wo_cmd, all, OPT),
    F_STR(struct wo_cmd, type, OPT, WO_MAX_ID),
    F_STR(struct wo_cmd, category, OPT, WO_MAX_ID),
    F_STR(struct wo_cmd, department, OPT, WO_MAX_SHORT),
    F_STR(struct wo_cmd, customer, OPT, WO_MAX_SHORT),
    F_STR(struct wo_cmd, impact, OPT, WO_MAX_ID),
    F_STR(struct wo_cmd, urgency, OPT, WO_MAX_ID),
    F_I64(struct wo_cmd, deadline, OPT),
    F_STR(struct wo_cmd, requester_email, OPT, WO_MAX_SHORT),
    F_BOOL(struct wo_cmd, needs_authorisation, OPT),
    F_STR(struct wo_cmd, authoriser, OPT, WO_MAX_SHORT),
    F_STR(struct wo_cmd, authoriser_email, OPT, WO_MAX_SHORT),
    F_STR(struct wo_cmd, code, OPT, WO_MAX_ID),
    F_BOOL(struct wo_cmd, refuse, OPT),
    F_STR(struct wo_cmd, statement, OPT, WO_MAX_STMT),
    F_BIN(struct wo_cmd, sig, OPT, 64),
    F_BOOL(struct wo_cmd, remote, OPT),
    F_STR(struct wo_cmd, tz, OPT, WO_MAX_ID),
    F_STR(struct wo_cmd, hours, OPT, WO_MAX_SHORT),
    F_STR(struct wo_cmd, holidays, OPT, WO_MAX_TEXT),
    F_STR(struct wo_cmd, targets, OPT, WO_MAX_SHORT),
    F_I64(struct wo_cmd, review, OPT),
    F_STR(struct wo_cmd, kind, OPT, WO_MAX_ID),
    F_I64(struct wo_cmd, price, OPT),
    F_STR(struct wo_cmd, part_no, OPT, WO_MAX_SHORT),
};
ODESC(cmd_d, struct wo_cmd, cmd_f);

static const struct fdesc result_f[] = {
    F_I64(struct wo_result, req, REQ),
    F_OARR(struct wo_result, orders, OPT, n_orders, order_d),
    F_OARR(struct wo_result, history, OPT, n_history, change_d),
    F_OARR(struct wo_result, alerts, OPT, n_alerts, alert_d),
    F_OARR(struct wo_result, sla, OPT, n_sla, sla_d),
    F_OARR(struct wo_result, hits, OPT, n_hits, hit_d),
    F_OARR(struct wo_result, rows, OPT, n_rows, row_d),
    F_I64(struct wo_result, total, OPT),
    F_OARR(struct wo_result, techs, OPT, n_techs, tech_d),
    F_OARR(struct wo_result, feed, OPT, n_feed, event_d),
    F_OARR(struct wo_result, agreements, OPT, n_agreements, agreement_d),
    F_OARR(struct wo_result, mail, OPT, n_mail, mail_d),
    F_OARR(struct wo_result, entries, OPT, n_entries, entry_d),
};
ODESC(result_d, struct wo_result, result_f);

static const struct fdesc error_f[] = {
    F_I64(struct wo_error, status, REQ),
    F_STR(struct wo_error, reason, REQ, WO_MAX_TEXT),
    F_I64(struct wo_error, req, OPT),
};
ODESC(error_d, struct wo_error, error_f);

static const struct {
    const char *name;
    const struct odesc *d;
} ftypes[WO_F__COUNT] = {
    [WO_F_CHALLENGE] = {"challenge", &challenge_d},
    [WO_F_ENROLL] = {"enroll", &enroll_d},
    [WO_F_ENROLLED] = {"enrolled", &enrolled_d},
    [WO_F_AUTH] = {"auth", &auth_d},
    [WO_F_WELCOME] = {"welcome", &welcome_d},
    [WO_F_OPS] = {"ops", &ops_d},
    [WO_F_ACKS] = {"acks", &acks_d},
    [WO_F_SYNC] = {"sync", &sync_d},
    [WO_F_CHANGES] = {"changes", &changes_d},
    [WO_F_CMD] = {"cmd", &cmd_d},
    [WO_F_RESULT] = {"result", &result_d},
    [WO_F_ERROR] = {"error", &error_d},
    [WO_F_RECEIPTS] = {"receipts", &receipts_d},
};

const char *wo_ftype_name(int type)
{
    if (type <= WO_F_NONE || type >= WO_F__COUNT)
        return NULL;
    return ftypes[type].name;
}

/* ---- buffer ------------------------------------------------------------ */

void wo_buf_cleanup(struct wo_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static int buf_write(void *data, const char *p, size_t n)
{
    struct wo_buf *b = data;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *nd = realloc(b->data, cap);
        if (!nd)
            return -1;
        b->data = nd;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

/* ---- field access helpers ---------------------------------------------- */

#define AT(base, off, T) ((T *)((char *)(base) + (off)))
#define CAT(base, off, T) ((const T *)((const char *)(base) + (off)))

static int field_present(const struct fdesc *f, const void *obj)
{
    switch (f->kind) {
    case K_STR: return *CAT(obj, f->off, char *) != NULL;
    case K_BIN: return *CAT(obj, f->off, uint8_t *) != NULL;
    case K_I64: return f->required || *CAT(obj, f->off, int64_t) != 0;
    case K_BOOL: return f->required || *CAT(obj, f->off, bool);
    case K_STRARR:
    case K_I64ARR:
    case K_OBJARR: return f->required || *CAT(obj, f->off_n, size_t) > 0;
    }
    return 0;
}

/* ---- encode ------------------------------------------------------------ */

static int pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n);
}

static int encode_obj(msgpack_packer *pk, const struct odesc *d,
                      const void *obj, const char *tname)
{
    size_t n = tname ? 1 : 0;
    for (size_t i = 0; i < d->nf; i++)
        n += field_present(&d->f[i], obj);
    if (msgpack_pack_map(pk, n))
        return WO_ENOMEM;
    if (tname && (pack_str(pk, "t") || pack_str(pk, tname)))
        return WO_ENOMEM;
    for (size_t i = 0; i < d->nf; i++) {
        const struct fdesc *f = &d->f[i];
        if (!field_present(f, obj))
            continue;
        int rc = pack_str(pk, f->key);
        switch (f->kind) {
        case K_STR:
            rc = rc || pack_str(pk, *CAT(obj, f->off, char *));
            break;
        case K_BIN: {
            size_t bl = *CAT(obj, f->off_n, size_t);
            rc = rc || msgpack_pack_bin(pk, bl) ||
                 msgpack_pack_bin_body(pk, *CAT(obj, f->off, uint8_t *), bl);
            break;
        }
        case K_I64:
            rc = rc || msgpack_pack_int64(pk, *CAT(obj, f->off, int64_t));
            break;
        case K_BOOL:
            rc = rc || (*CAT(obj, f->off, bool) ? msgpack_pack_true(pk)
                                                : msgpack_pack_false(pk));
            break;
        case K_STRARR: {
            size_t cnt = *CAT(obj, f->off_n, size_t);
            char *const *a = *(char **const *)((const char *)obj + f->off);
            rc = rc || msgpack_pack_array(pk, cnt);
            for (size_t j = 0; !rc && j < cnt; j++)
                rc = pack_str(pk, a[j]);
            break;
        }
        case K_I64ARR: {
            size_t cnt = *CAT(obj, f->off_n, size_t);
            const int64_t *a = *CAT(obj, f->off, int64_t *);
            rc = rc || msgpack_pack_array(pk, cnt);
            for (size_t j = 0; !rc && j < cnt; j++)
                rc = msgpack_pack_int64(pk, a[j]);
            break;
        }
        case K_OBJARR: {
            size_t cnt = *CAT(obj, f->off_n, size_t);
            const char *a = *CAT(obj, f->off, char *);
            if (rc || msgpack_pack_array(pk, cnt))
                return WO_ENOMEM;
            for (size_t j = 0; j < cnt; j++) {
                int erc = encode_obj(pk, f->sub, a + j * f->sub->size, NULL);
                if (erc)
                    return erc;
            }
            break;
        }
        }
        if (rc)
            return WO_ENOMEM;
    }
    return 0;
}

int wo_frame_encode(int type, const void *body, struct wo_buf *out)
{
    if (!wo_ftype_name(type) || !body || !out)
        return WO_EINVAL;
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, buf_write);
    size_t start = out->len;
    int rc = encode_obj(&pk, ftypes[type].d, body, ftypes[type].name);
    if (rc)
        out->len = start;
    return rc;
}

int wo_op_encode(const struct wo_op *op, struct wo_buf *out)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, buf_write);
    return encode_obj(&pk, &op_d, op, NULL);
}

/* ---- free -------------------------------------------------------------- */

static void free_obj(const struct odesc *d, void *obj)
{
    for (size_t i = 0; i < d->nf; i++) {
        const struct fdesc *f = &d->f[i];
        switch (f->kind) {
        case K_STR:
        case K_BIN:
        case K_I64ARR:
            free(*AT(obj, f->off, void *));
            break;
        case K_STRARR: {
            char **a = *AT(obj, f->off, char **);
            size_t cnt = *AT(obj, f->off_n, size_t);
            for (size_t j = 0; a && j < cnt; j++)
                free(a[j]);
            free(a);
            break;
        }
        case K_OBJARR: {
            char *a = *AT(obj, f->off, char *);
            size_t cnt = *AT(obj, f->off_n, size_t);
            for (size_t j = 0; a && j < cnt; j++)
                free_obj(f->sub, a + j * f->sub->size);
            free(a);
            break;
        }
        default:
            break;
        }
    }
    if (d->soft_err)
        free(*AT(obj, d->soft_err - 1, char *));
    memset(obj, 0, d->size);
}

void wo_frame_free(int type, void *body)
{
    if (!body || !wo_ftype_name(type))
        return;
    free_obj(ftypes[type].d, body);
    free(body);
}

void wo_order_cleanup(struct wo_order *o)
{
    if (o)
        free_obj(&order_d, o);
}

void wo_agreement_cleanup(struct wo_agreement *a)
{
    if (a)
        free_obj(&agreement_d, a);
}

void wo_op_cleanup(struct wo_op *op)
{
    if (op)
        free_obj(&op_d, op);
}

/* ---- copy -------------------------------------------------------------- */

static int copy_obj(const struct odesc *d, void *dst, const void *src)
{
    memcpy(dst, src, d->size);
    if (d->soft_err) {
        const char *why = *CAT(src, d->soft_err - 1, char *);
        char **p = AT(dst, d->soft_err - 1, char *);
        *p = NULL;
        if (why && !(*p = strdup(why))) {
            memset(dst, 0, d->size);
            return WO_ENOMEM;
        }
    }
    /* First clear every owned pointer in dst so a failure can free it. */
    for (size_t i = 0; i < d->nf; i++) {
        const struct fdesc *f = &d->f[i];
        if (f->kind != K_I64 && f->kind != K_BOOL)
            *AT(dst, f->off, void *) = NULL;
        if (f->kind == K_STRARR || f->kind == K_I64ARR || f->kind == K_OBJARR)
            *AT(dst, f->off_n, size_t) = 0;
    }
    for (size_t i = 0; i < d->nf; i++) {
        const struct fdesc *f = &d->f[i];
        /* a pointer only where the field is one (a bool may sit at any
         * byte: read as a pointer it would be a misaligned load) */
        const void *sp = f->kind == K_I64 || f->kind == K_BOOL
                             ? NULL
                             : *CAT(src, f->off, void *);
        switch (f->kind) {
        case K_STR:
            if (sp && !(*AT(dst, f->off, char *) = strdup(sp)))
                goto oom;
            break;
        case K_BIN: {
            size_t n = *CAT(src, f->off_n, size_t);
            if (sp) {
                void *p = malloc(n ? n : 1);
                if (!p)
                    goto oom;
                memcpy(p, sp, n);
                *AT(dst, f->off, void *) = p;
            }
            break;
        }
        case K_I64ARR: {
            size_t n = *CAT(src, f->off_n, size_t);
            if (n) {
                void *p = malloc(n * sizeof(int64_t));
                if (!p)
                    goto oom;
                memcpy(p, sp, n * sizeof(int64_t));
                *AT(dst, f->off, void *) = p;
                *AT(dst, f->off_n, size_t) = n;
            }
            break;
        }
        case K_STRARR: {
            size_t n = *CAT(src, f->off_n, size_t);
            if (n) {
                char **p = calloc(n, sizeof(char *));
                if (!p)
                    goto oom;
                *AT(dst, f->off, char **) = p;
                for (size_t j = 0; j < n; j++) {
                    if (!(p[j] = strdup(((char *const *)sp)[j])))
                        goto oom;
                    *AT(dst, f->off_n, size_t) = j + 1;
                }
            }
            break;
        }
        case K_OBJARR: {
            size_t n = *CAT(src, f->off_n, size_t);
            if (n) {
                char *p = calloc(n, f->sub->size);
                if (!p)
                    goto oom;
                *AT(dst, f->off, char *) = p;
                for (size_t j = 0; j < n; j++) {
                    if (copy_obj(f->sub, p + j * f->sub->size,
                                 (const char *)sp + j * f->sub->size))
                        goto oom;
                    *AT(dst, f->off_n, size_t) = j + 1;
                }
            }
            break;
        }
        default:
            break;
        }
    }
    return 0;
oom:
    free_obj(d, dst);
    return WO_ENOMEM;
}

int wo_order_copy(struct wo_order *dst, const struct wo_order *src)
{
    return copy_obj(&order_d, dst, src);
}

/* ---- decode ------------------------------------------------------------ */

struct derr {
    char *buf;
    size_t len;
};

static int fail(struct derr *e, const char *fmt, ...)
{
    if (e->buf && e->len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->buf, e->len, fmt, ap);
        va_end(ap);
    }
    return WO_EPROTO;
}

/* Length of the valid UTF-8 sequence at s[0] (n bytes left), or 0:
 * strict, so no overlongs, no surrogates, nothing above U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0], cp, min;
    size_t need;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0)
        need = 1, min = 0x80, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
        need = 2, min = 0x800, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
        need = 3, min = 0x10000, cp = c & 0x07;
    else
        return 0;
    if (need >= n)
        return 0;
    for (size_t k = 1; k <= need; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need + 1;
}

int wo_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0, k; i < n; i += k) {
        /* most text is ASCII: eight bytes at a time while it is */
        uint64_t w;
        if (n - i >= 8 && (memcpy(&w, s + i, 8), !(w & 0x8080808080808080u))) {
            k = 8;
            continue;
        }
        if (!(k = utf8_seq(s + i, n - i)))
            return 0;
    }
    return 1;
}

void wo_utf8_clean(char *str)
{
    unsigned char *s = (unsigned char *)str;
    size_t n = strlen(str);
    for (size_t i = 0, k; i < n; i += k)
        if (!(k = utf8_seq(s + i, n - i))) {
            s[i] = '?';
            k = 1;
        }
}


/* ---- scan: the bytes checked before msgpack-c builds objects ------------ */

/*
 * msgpack-c allocates for a container's claimed count before reading its
 * entries, and gives up at 32 levels of nesting; it reports both as out
 * of memory, which a peer would read as "retry later". This pass walks
 * the bytes once with no allocation and refuses what the frame rules do
 * not allow, with a reason.
 */
struct rd {
    const uint8_t *p;
    size_t n, i;
};

/* One msgpack item's header. */
struct item {
    uint64_t body;      /* payload bytes that follow the header */
    uint64_t count;     /* a container's entries as claimed */
    uint64_t entries;   /* values that follow: array n, map 2n */
    int container, map, str;
};

static int rd_be(struct rd *r, size_t w, uint64_t *v)
{
    if (r->n - r->i < w)
        return -1;
    *v = 0;
    while (w--)
        *v = *v << 8 | r->p[r->i++];
    return 0;
}

/* Read the header at r->i; -1 when truncated or not msgpack (0xc1). */
static int rd_item(struct rd *r, struct item *it)
{
    static const uint8_t fixed[] = {/* payload of 0xc0..0xdf by tag */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 8, 1, 2, 4, 8,
        1, 2, 4, 8, 2, 3, 5, 9, 17, 0, 0, 0, 0, 0, 0, 0};
    uint64_t v = 0;
    memset(it, 0, sizeof *it);
    if (r->i >= r->n)
        return -1;
    uint8_t c = r->p[r->i++];
    if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3)
        return 0;
    if (c <= 0x9f) {                    /* fixmap, fixarray */
        it->container = 1;
        it->map = c <= 0x8f;
        it->count = c & 0x0f;
        it->entries = it->count << it->map;
        return 0;
    }
    if (c <= 0xbf) {
        it->str = 1;
        it->body = c & 0x1f;
        return 0;
    }
    switch (c) {
    case 0xc1:
        return -1;
    case 0xc4: case 0xc5: case 0xc6:    /* bin 8/16/32 */
    case 0xd9: case 0xda: case 0xdb:    /* str 8/16/32 */
        if (rd_be(r, (size_t)1 << (c >= 0xd9 ? c - 0xd9 : c - 0xc4), &v))
            return -1;
        it->body = v;
        it->str = c >= 0xd9;
        return 0;
    case 0xc7: case 0xc8: case 0xc9:    /* ext 8/16/32: length, type */
        if (rd_be(r, (size_t)1 << (c - 0xc7), &v))
            return -1;
        it->body = v + 1;
        return 0;
    case 0xdc: case 0xdd: case 0xde: case 0xdf: /* array/map 16/32 */
        if (rd_be(r, c & 1 ? 4 : 2, &v))
            return -1;
        it->container = 1;
        it->map = c >= 0xde;
        it->count = v;
        it->entries = v << it->map;
        return 0;
    default:                            /* numbers, fixext */
        it->body = fixed[c - 0xc0];
        return 0;
    }
}

/* Skip the item's payload; -1 when the message ends first. */
static int rd_skip(struct rd *r, const struct item *it)
{
    if (it->body > r->n - r->i)
        return -1;
    r->i += (size_t)it->body;
    return 0;
}

static int scan(const uint8_t *data, size_t len, struct derr *e)
{
    struct rd r = {data, len, 0};
    uint64_t left[WO_MAX_DEPTH];    /* entries still due in each container */
    int top = 0;
    struct item it;
    for (;;) {
        if (rd_item(&r, &it) || rd_skip(&r, &it))
            return fail(e, "not a complete msgpack value");
        if (it.str && !wo_utf8_valid((const char *)r.p + r.i - it.body,
                                     (size_t)it.body))
            return fail(e, "a string in the frame is not valid UTF-8");
        if (it.entries > r.n - r.i)     /* each entry takes a byte */
            return fail(e, "an array or map claims %llu entries but only "
                        "%zu bytes follow", (unsigned long long)it.count,
                        r.n - r.i);
        if (it.container && top == WO_MAX_DEPTH)
            return fail(e, "arrays and maps nest deeper than %d levels",
                        WO_MAX_DEPTH);
        if (it.container && it.entries) {
            left[top++] = it.entries;
            continue;
        }
        /* a whole value: it completes the containers it was last in */
        for (;;) {
            if (top == 0)
                return r.i == r.n ? 0 : fail(e, "trailing bytes after the "
                                             "msgpack value");
            if (--left[top - 1])
                break;
            top--;
        }
    }
}

/* Skip one whole value, however deep, with a count of values still due
 * instead of a stack. -1 on anything unreadable. */
static int rd_value(struct rd *r)
{
    uint64_t due = 1;
    struct item it;
    while (due--) {
        if (rd_item(r, &it) || rd_skip(r, &it))
            return -1;
        if (it.entries > r->n - r->i || due + it.entries > r->n - r->i)
            return -1;
        due += it.entries;
    }
    return 0;
}

int64_t wo_frame_peek_req(const uint8_t *data, size_t len)
{
    struct rd r = {data, len, 0};
    struct item it;
    uint64_t v;
    if (!data || rd_item(&r, &it) || !it.map)
        return 0;
    for (uint64_t k = 0; k < it.count; k++) {
        size_t key = r.i;
        if (rd_value(&r))
            return 0;
        /* the key's bytes alone: a str "req", in any of its encodings */
        struct rd kr = {data, r.i, key};
        struct item ki;
        if (rd_item(&kr, &ki) || !ki.str || kr.n - kr.i != 3 ||
            memcmp(data + kr.i, "req", 3)) {
            if (rd_value(&r))
                return 0;
            continue;
        }
        if (r.i >= r.n)
            return 0;
        uint8_t c = data[r.i++];
        if (c <= 0x7f)
            return c;
        if (c >= 0xe0)
            return (int8_t)c;
        if (c >= 0xcc && c <= 0xd3 &&
            !rd_be(&r, (size_t)1 << ((c - 0xcc) & 3), &v)) {
            if (c <= 0xcf)      /* unsigned */
                return v > INT64_MAX ? 0 : (int64_t)v;
            switch (c) {        /* signed: extend from its width */
            case 0xd0: return (int8_t)v;
            case 0xd1: return (int16_t)v;
            case 0xd2: return (int32_t)v;
            default: return (int64_t)v;
            }
        }
        return 0;
    }
    return 0;
}

static int get_i64(const msgpack_object *o, int64_t *out)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (o->via.u64 > (uint64_t)INT64_MAX)
            return -1;
        *out = (int64_t)o->via.u64;
        return 0;
    }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *out = o->via.i64;
        return 0;
    }
    return -1;
}

static int get_str(const msgpack_object *o, size_t max, char **out,
                   const char *key, struct derr *e)
{
    if (o->type != MSGPACK_OBJECT_STR)
        return fail(e, "field '%s' must be a string", key);
    if (o->via.str.size > max)
        return fail(e, "field '%s' is longer than %zu bytes", key, max);
    /* field strings are C strings: valid UTF-8 (scan() checked every
     * string of the message already) and no NUL */
    if (memchr(o->via.str.ptr, 0, o->via.str.size))
        return fail(e, "field '%s' is not valid UTF-8 text (a NUL byte)",
                    key);
    char *s = malloc(o->via.str.size + 1);
    if (!s)
        return WO_ENOMEM;
    memcpy(s, o->via.str.ptr, o->via.str.size);
    s[o->via.str.size] = 0;
    *out = s;
    return 0;
}

static int decode_obj(const msgpack_object *m, const struct odesc *d,
                      void *obj, int depth, struct derr *e);

/*
 * An element of a soft array (d->soft_err) failed its checks for `why`:
 * keep it as its first field (the id) and the reason, so that the caller
 * can answer it alone. Fails the frame when even the id is unreadable.
 */
static int keep_invalid(const msgpack_object *m, const struct odesc *d,
                        void *obj, const char *why, struct derr *e)
{
    const struct fdesc *id = &d->f[0];
    const msgpack_object *v = NULL;
    char idwhy[128];
    struct derr ie = {idwhy, sizeof idwhy};
    free_obj(d, obj);
    for (uint32_t i = 0; m->type == MSGPACK_OBJECT_MAP && i < m->via.map.size;
         i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR &&
            k->via.str.size == id->klen &&
            !memcmp(k->via.str.ptr, id->key, k->via.str.size)) {
            if (v)
                return fail(e, "%s; and its '%s' appears twice", why,
                            id->key);
            v = &m->via.map.ptr[i].val;
        }
    }
    if (!v)
        return fail(e, "%s; and its '%s' is missing", why, id->key);
    int rc = get_str(v, id->max, AT(obj, id->off, char *), id->key, &ie);
    if (rc == WO_EPROTO)
        return fail(e, "%s; and %s", why, idwhy);
    if (rc)
        return rc;
    char **slot = AT(obj, d->soft_err - 1, char *);
    if (!(*slot = strdup(why[0] ? why : "malformed")))
        return WO_ENOMEM;
    return 0;
}

static int decode_field(const struct fdesc *f, const msgpack_object *v,
                        void *obj, int depth, struct derr *e)
{
    switch (f->kind) {
    case K_STR:
        return get_str(v, f->max, AT(obj, f->off, char *), f->key, e);
    case K_BIN: {
        if (v->type != MSGPACK_OBJECT_BIN)
            return fail(e, "field '%s' must be binary", f->key);
        if (v->via.bin.size != f->max)
            return fail(e, "field '%s' must be exactly %zu bytes", f->key,
                        f->max);
        uint8_t *p = malloc(f->max);
        if (!p)
            return WO_ENOMEM;
        memcpy(p, v->via.bin.ptr, f->max);
        *AT(obj, f->off, uint8_t *) = p;
        *AT(obj, f->off_n, size_t) = f->max;
        return 0;
    }
    case K_I64:
        if (get_i64(v, AT(obj, f->off, int64_t)))
            return fail(e, "field '%s' must be an integer", f->key);
        return 0;
    case K_BOOL:
        if (v->type != MSGPACK_OBJECT_BOOLEAN)
            return fail(e, "field '%s' must be true or false", f->key);
        *AT(obj, f->off, bool) = v->via.boolean;
        return 0;
    default:
        break;
    }
    /* arrays */
    if (v->type != MSGPACK_OBJECT_ARRAY)
        return fail(e, "field '%s' must be an array", f->key);
    size_t n = v->via.array.size;
    if (n > WO_MAX_ITEMS)
        return fail(e, "field '%s' has more than %d entries", f->key,
                    WO_MAX_ITEMS);
    if (n == 0)
        return 0;
    const msgpack_object *it = v->via.array.ptr;
    if (f->kind == K_I64ARR) {
        int64_t *a = calloc(n, sizeof(int64_t));
        if (!a)
            return WO_ENOMEM;
        *AT(obj, f->off, int64_t *) = a;
        for (size_t j = 0; j < n; j++) {
            if (get_i64(&it[j], &a[j]))
                return fail(e, "field '%s' must hold integers", f->key);
            *AT(obj, f->off_n, size_t) = j + 1;
        }
        return 0;
    }
    if (f->kind == K_STRARR) {
        char **a = calloc(n, sizeof(char *));
        if (!a)
            return WO_ENOMEM;
        *AT(obj, f->off, char **) = a;
        for (size_t j = 0; j < n; j++) {
            int rc = get_str(&it[j], f->max, &a[j], f->key, e);
            if (rc)
                return rc;
            *AT(obj, f->off_n, size_t) = j + 1;
        }
        return 0;
    }
    /* K_OBJARR */
    char *a = calloc(n, f->sub->size);
    if (!a)
        return WO_ENOMEM;
    *AT(obj, f->off, char *) = a;
    for (size_t j = 0; j < n; j++) {
        /* count first so a failed element is still freed */
        *AT(obj, f->off_n, size_t) = j + 1;
        void *el = a + j * f->sub->size;
        char why[256] = "";
        struct derr ee = {why, sizeof why};
        int rc = decode_obj(&it[j], f->sub, el, depth + 1, &ee);
        if (rc == WO_EPROTO && f->sub->soft_err)
            rc = keep_invalid(&it[j], f->sub, el, why, e);
        else if (rc == WO_EPROTO)
            rc = fail(e, "%s", why);
        if (rc)
            return rc;
    }
    return 0;
}

static int decode_obj(const msgpack_object *m, const struct odesc *d,
                      void *obj, int depth, struct derr *e)
{
    uint64_t seen = 0;
    if (depth > 4)
        return fail(e, "frame nests too deeply");
    if (m->type != MSGPACK_OBJECT_MAP)
        return fail(e, "expected a map");
    /* the encoder writes fields in the descriptor's order: the search for
     * a key starts at the field after the last one found */
    size_t next = 0;
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key;
        const msgpack_object *v = &m->via.map.ptr[i].val;
        if (k->type != MSGPACK_OBJECT_STR)
            return fail(e, "map keys must be strings");
        if (k->via.str.size == 1 && k->via.str.ptr[0] == 't' && depth == 0)
            continue;
        for (size_t n = 0, j = next; n < d->nf; n++, j = (j + 1) % d->nf) {
            const struct fdesc *f = &d->f[j];
            if (f->klen != k->via.str.size ||
                memcmp(f->key, k->via.str.ptr, k->via.str.size))
                continue;
            next = (j + 1) % d->nf;
            if (seen & (1ull << j))
                return fail(e, "field '%s' appears twice", f->key);
            seen |= 1ull << j;
            int rc = decode_field(f, v, obj, depth, e);
            if (rc)
                return rc;
            break;
        }
    }
    for (size_t j = 0; j < d->nf; j++)
        if (d->f[j].required && !(seen & (1ull << j)))
            return fail(e, "required field '%s' is missing", d->f[j].key);
    return 0;
}

#define UNPACK_CHUNK_MIN 8192

static int unpack_root(const uint8_t *data, size_t len, msgpack_unpacked *u,
                       struct derr *e)
{
    size_t off = 0;
    if (!data || len == 0)
        return fail(e, "empty message");
    if (len > WO_MAX_FRAME) {
        fail(e, "message of %zu bytes exceeds the %d byte limit", len,
             WO_MAX_FRAME);
        return WO_ETOOBIG;
    }
    int rc = scan(data, len, e);
    if (rc)
        return rc;
    /* msgpack_unpack_next() builds the objects in 8 KiB chunks: a catch-up
     * frame of 512 KiB took hundreds of them, each a malloc and fresh
     * pages. One zone sized to the message takes one or two. */
    size_t chunk = len < UNPACK_CHUNK_MIN / 2 ? UNPACK_CHUNK_MIN : 2 * len;
    msgpack_unpacked_init(u);
    u->zone = msgpack_zone_new(chunk);
    if (!u->zone)
        return WO_ENOMEM;
    msgpack_unpack_return r =
        msgpack_unpack((const char *)data, len, &off, u->zone, &u->data);
    if (r == MSGPACK_UNPACK_NOMEM_ERROR)
        rc = WO_ENOMEM;
    else if (r == MSGPACK_UNPACK_EXTRA_BYTES ||
             (r == MSGPACK_UNPACK_SUCCESS && off != len))
        rc = fail(e, "trailing bytes after the msgpack value");
    else if (r != MSGPACK_UNPACK_SUCCESS)
        rc = fail(e, "not a complete msgpack value");
    if (rc)
        msgpack_unpacked_destroy(u);
    return rc;
}

int wo_frame_decode(const uint8_t *data, size_t len, int *type, void **body,
                    char *err, size_t errlen)
{
    struct derr e = {err, errlen};
    msgpack_unpacked u;
    int rc, t = WO_F_NONE;
    void *obj = NULL;

    *body = NULL;
    *type = WO_F_NONE;
    if (err && errlen)
        err[0] = 0;
    rc = unpack_root(data, len, &u, &e);
    if (rc)
        return rc;
    const msgpack_object *m = &u.data;
    if (m->type != MSGPACK_OBJECT_MAP) {
        rc = fail(&e, "a frame must be a msgpack map");
        goto out;
    }
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key;
        const msgpack_object *v = &m->via.map.ptr[i].val;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == 1 &&
            k->via.str.ptr[0] == 't') {
            if (t != WO_F_NONE) {
                rc = fail(&e, "field 't' appears twice");
                goto out;
            }
            if (v->type != MSGPACK_OBJECT_STR) {
                rc = fail(&e, "field 't' must be a string");
                goto out;
            }
            for (int j = 1; j < WO_F__COUNT; j++)
                if (strlen(ftypes[j].name) == v->via.str.size &&
                    !memcmp(ftypes[j].name, v->via.str.ptr, v->via.str.size))
                    t = j;
            if (t == WO_F_NONE) {
                /* quote at most 32 bytes, cut between characters */
                size_t q = v->via.str.size > 32 ? 32 : v->via.str.size;
                while (q < v->via.str.size && q > 0 &&
                       (v->via.str.ptr[q] & 0xC0) == 0x80)
                    q--;
                fail(&e, "unknown frame type '%.*s'", (int)q,
                     v->via.str.ptr);
                rc = WO_EUNKNOWN;
                goto out;
            }
        }
    }
    if (t == WO_F_NONE) {
        rc = fail(&e, "required field 't' (frame type) is missing");
        goto out;
    }
    obj = calloc(1, ftypes[t].d->size);
    if (!obj) {
        rc = WO_ENOMEM;
        goto out;
    }
    rc = decode_obj(m, ftypes[t].d, obj, 0, &e);
    if (rc) {
        wo_frame_free(t, obj);
        goto out;
    }
    *type = t;
    *body = obj;
out:
    msgpack_unpacked_destroy(&u);
    return rc;
}

int wo_op_decode(const uint8_t *data, size_t len, struct wo_op *op,
                 char *err, size_t errlen)
{
    struct derr e = {err, errlen};
    msgpack_unpacked u;
    memset(op, 0, sizeof(*op));
    int rc = unpack_root(data, len, &u, &e);
    if (rc)
        return rc;
    rc = decode_obj(&u.data, &op_d, op, 1, &e);
    if (rc)
        free_obj(&op_d, op);
    msgpack_unpacked_destroy(&u);
    return rc;
}
