/*
 * ops.h - the rules of technicians' ops: what each kind (wo_opkind.h)
 * requires of the order and its records, and what it changes.
 *
 * An op either applies (its effects, a history line and its id are
 * written in the current transaction) or is rejected with a reason that
 * names what is wrong and, where it helps, what to do. A rejection is a
 * result, not an error: the ops behind it are still applied. Every check
 * comes before the first write, so a rejected op has written nothing and
 * the group commit needs no savepoint per op (commit.c checks this).
 */
#ifndef OPS_H
#define OPS_H

#include <stdint.h>

#include "wo_proto.h"

struct srv;
struct session_auth;

/* Wrong recipient codes an order takes before co-signing locks, until a
 * dispatcher issues a new code (`wo code WO`). */
#define OPS_CODE_TRIES 5

struct apply_out {
    const char *result;         /* "applied" | "duplicate" | "rejected" */
    char reason[512];
    int64_t changed_order;      /* order to push after commit, or 0 */
    int64_t changed_seq;        /* the change's seq: commit.c stamps the
                                 * order with its last one, once */
    int fresh_reject;           /* rejected now: record the verdict */
    int wrong_code;             /* rejected for a wrong recipient code:
                                 * count it (commit.c, after the verdict) */
};

/* A co-sign's code hashed before its group commit, on the codes thread
 * (commit.c, codepool.h), with the salt the order had then. */
struct code_hashed {
    uint8_t salt[16];
    uint8_t hash[32];
};

/*
 * Apply one op from the session authenticated as a, in the current
 * transaction; now is the server time of the whole group commit. pre,
 * when not NULL, is the op's code hashed ahead: compared if the order's
 * salt is still the one it was hashed with, else the code is hashed
 * here. Returns 0 with out filled, or WO_EIO / WO_ENOMEM when the
 * transaction itself must be abandoned.
 */
int ops_apply(struct srv *srv, const struct session_auth *a,
              const struct wo_op *op, const struct code_hashed *pre,
              int64_t now, struct apply_out *out);

#endif
