/*
 * replica.h - the technician's offline state: a partial replica of the
 * server's work orders and the outbox of ops, in one SQLite file
 * (HOME/replica.db). The only client file that includes <sqlite3.h>.
 *
 * Invariants:
 *   - recording an op writes its local effect and its outbox row in one
 *     transaction: both or neither, whatever kills the process;
 *   - applying a server batch (orders, revocations, the new cursor) is one
 *     transaction, and pending ops are re-applied on top of it, so the
 *     replica never shows half a batch nor loses a local effect that has
 *     not been acked;
 *   - an op leaves the outbox only when acked applied/duplicate; a
 *     rejected op stays, marked, with the server's reason.
 */
#ifndef REPLICA_H
#define REPLICA_H

#include <stddef.h>
#include <stdint.h>

#include "wo_proto.h"

struct replica;

/* Open or create HOME/replica.db. */
int replica_open(const char *home, struct replica **out, char *err,
                 size_t errlen);
void replica_close(struct replica *r);

/* Settings kept in the replica: server, ca, device_id, user, role, cursor.
 * *val is malloc'd, NULL when unset. */
int replica_config_get(struct replica *r, const char *key, char **val);
int replica_config_set(struct replica *r, const char *key, const char *val);
int64_t replica_config_int(struct replica *r, const char *key);

/* Orders in the replica, ids in display order. Caller frees *ids. */
int replica_order_ids(struct replica *r, int64_t **ids, size_t *n);

/* Load one order with its records (pending ones included). */
int replica_order_load(struct replica *r, int64_t id, struct wo_order *o);

/* Record a local op: effect + outbox row, one transaction. `user` is the
 * technician's name (author of the records). */
int replica_record(struct replica *r, const struct wo_op *op,
                   const char *user, int64_t device);

/* Up to max pending ops, oldest first. Caller cleans each with
 * wo_op_cleanup() and frees the array. */
int replica_outbox_pending(struct replica *r, size_t max, struct wo_op **ops,
                           size_t *n);
int64_t replica_outbox_count(struct replica *r);

/* Apply acks in one transaction. */
int replica_apply_acks(struct replica *r, const struct wo_acks *acks);

/* Apply a changes frame in one transaction (see invariants above). */
int replica_apply_changes(struct replica *r, const struct wo_changes *ch,
                          const char *user, int64_t device);

/* Past resolutions matching an FTS5 query (wo_fts_query), best first, of
 * asset if not NULL. Caller frees each hit's strings and *hits. */
int replica_search(struct replica *r, const char *query, const char *asset,
                   size_t limit, struct wo_hit **hits, size_t *n);
/* How many past resolutions the replica holds. */
int64_t replica_past_count(struct replica *r);

/* The Ed25519 public key the server sent for a device that signed one of
 * the replica's orders. 0, WO_ENOTFOUND or WO_EIO. */
int replica_device_key(struct replica *r, int64_t device, uint8_t pub[32]);

/* Device time of the order's oldest pending op of this kind ("accept"),
 * 0 in *at when there is none. 0 or WO_EIO. */
int replica_pending_op_at(struct replica *r, int64_t order, const char *kind,
                          int64_t *at);

typedef void (*replica_outbox_fn)(void *arg, int64_t seq, const char *id,
                                  int64_t order, const char *kind, int64_t at,
                                  const char *state, const char *reason);
int replica_outbox_list(struct replica *r, replica_outbox_fn fn, void *arg);

#endif
