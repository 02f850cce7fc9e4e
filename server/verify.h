/*
 * verify.h - checking Ed25519 signatures over signed statements.
 *
 * A signing op is verified once, when it is applied: the signature against
 * the device's registered key and the statement against the server's own
 * records of the order (the recipient's confirmation code is checked
 * before, by ops.c, which counts wrong codes). Only
 * a signature that passes is stored, and the store keeps that verdict, so
 * pushes and catch-ups send it without verifying again. verify_order()
 * re-checks an order's stored signatures from scratch, for the office
 * view of a single order (`wo show`), where a fresh check is worth its
 * cost.
 */
#ifndef VERIFY_H
#define VERIFY_H

#include <stddef.h>

#include "wo_proto.h"

struct store;
struct store_code;
struct session_auth;

/*
 * Time anchors (docs/sync.md, "Device time"): at authentication a device
 * is given the server's time and a MAC over (device, that time) under the
 * server's anchor key; ops recorded later carry the anchor, the MAC and
 * the laptop's boot-clock time elapsed since, so the server can time them
 * on its own clock without trusting the laptop's wall clock.
 */
int verify_anchor_make(const uint8_t key[32], int64_t device, int64_t t,
                       uint8_t mac[32]);
/* 1 if mac is the server's for (device, t). */
int verify_anchor_ok(const uint8_t key[32], int64_t device, int64_t t,
                     const uint8_t *mac, size_t mac_len);

/* Recipient confirmation codes: 8 digits, read over the phone or printed
 * on the job sheet; kept only as a salted hash (store.h). */
#define VERIFY_CODE_LEN 8

/* A fresh code into code (VERIFY_CODE_LEN + 1 bytes) and its hash. */
int verify_code_new(char code[VERIFY_CODE_LEN + 1], struct store_code *kept);

/* 1 if code is the one kept, 0 if not, or a WO_E* code. */
int verify_code_matches(const struct store_code *kept, const char *code);

/*
 * Verify signing op `op` from the session authenticated as a, signed as
 * role by signer. 0 when it verifies; WO_ECRYPTO with the reason in
 * reason (len bytes) when it does not; another WO_E* code when the check
 * itself failed (storage, memory).
 */
int verify_signing_op(struct store *st, const struct session_auth *a,
                      const struct wo_op *op, const char *role,
                      const char *signer, char *reason, size_t len);

/* Re-verify every signature on o against its device key and o's records;
 * sets o->sigs[i].verified. */
void verify_order(struct store *st, struct wo_order *o);

#endif
