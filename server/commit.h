/*
 * commit.h - group commit of technicians' ops.
 *
 * handle_ops() queues each received ops frame; within the group-commit
 * window the loop calls commit_flush(), which applies every queued op of
 * every connection (ops_apply(), ops.h) in ONE durable transaction, and only after COMMIT has
 * returned sends the acks and the live pushes. An ack is therefore never
 * sent for an op that a crash could lose. If the transaction fails, no ack
 * is sent and each client is told to retry; its outbox still holds the ops.
 *
 * A co-sign's code is hashed on the codes thread (codepool.h) as its
 * frame is queued; that frame and its session's later ones wait out the
 * flushes until the hash is back, so a session's ops still apply in the
 * order sent, and nobody else's wait for the PBKDF2 rounds.
 */
#ifndef COMMIT_H
#define COMMIT_H

#include <stdint.h>

#include "wo_proto.h"

struct srv;
struct session_auth;

/* A queue whose first enqueued op calls wake(arg): the loop's owner then
 * runs commit_flush() after the group-commit window. NULL: no memory. */
struct commit *commit_create(void (*wake)(void *arg), void *arg);
void commit_destroy(struct commit *c);

/* Queue ops (ownership passes to the queue) from session sid. 0 or
 * WO_ENOMEM (then the caller still owns ops). */
int commit_enqueue(struct srv *srv, uint64_t sid, const struct session_auth *a,
                   struct wo_ops *ops);

/* Apply everything queued in one transaction, then ack and push; but a
 * co-sign whose code is being hashed on the codes thread (codepool.h),
 * and its session's ops after it, stay queued for a later flush. */
void commit_flush(struct srv *srv);

/* The same for every op queued (a stop): codes not hashed yet are
 * hashed in the transaction, as without the thread. */
void commit_drain(struct srv *srv);

/* Code checks came back from the codes thread (after its wake): the ops
 * they held are ready, and the queue's wake is called for a flush. */
void commit_checked(struct srv *srv);

/* A lazy commit (store_begin_lazy) was made: the next group commit makes
 * it durable (its COMMIT syncs the log), or else commit_settle(), which
 * the loop's owner calls from its desk tick (every 500 ms): a thousand
 * syncs in a storm share one wait for the disk instead of taking one
 * each, and none waits behind a checkpoint. */
void commit_lazy(struct srv *srv);
void commit_settle(struct srv *srv);

#endif
