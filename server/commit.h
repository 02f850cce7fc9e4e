/*
 * commit.h - group commit of technicians' ops.
 *
 * handle_ops() queues each received ops frame; within the group-commit
 * window the loop calls commit_flush(), which applies every queued op of
 * every connection in ONE durable transaction, and only after COMMIT has
 * returned sends the acks and the live pushes. An ack is therefore never
 * sent for an op that a crash could lose. If the transaction fails, no ack
 * is sent and each client is told to retry; its outbox still holds the ops.
 */
#ifndef COMMIT_H
#define COMMIT_H

#include <stdint.h>

#include "wo_proto.h"

struct srv;
struct session_auth;

struct commit *commit_create(void);
void commit_destroy(struct commit *c);

/* Queue ops (ownership passes to the queue) from session sid. */
int commit_enqueue(struct srv *srv, uint64_t sid, const struct session_auth *a,
                   struct wo_ops *ops);

/* Apply everything queued in one transaction, then ack and push. */
void commit_flush(struct srv *srv);

/* Result of applying one op inside the open transaction. */
struct apply_out {
    const char *result;         /* "applied" | "duplicate" | "rejected" */
    char reason[512];
    int64_t changed_order;      /* order to push after commit, or 0 */
    int fresh_reject;           /* rejected now: roll back and record it */
};

/*
 * Apply one op in the current transaction (handle_ops.c); now is the
 * server time of the whole group commit. Returns 0 with
 * out filled (a rejection is a result, not an error), or WO_EIO / WO_ENOMEM
 * when the transaction itself must be abandoned.
 */
int ops_apply(struct srv *srv, const struct session_auth *a,
              const struct wo_op *op, int64_t now, struct apply_out *out);

/* Re-verify every signature on o against its device key and o's records;
 * sets sigs[i].verified (handle_ops.c). */
void ops_verify_order(struct srv *srv, struct wo_order *o);

#endif
