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
 *     rejected op stays, marked, with the server's reason; an op that can
 *     no longer be decoded stays too, quarantined, with why;
 *   - only `wo enroll` creates the file (mode 0600); a file that is there
 *     and is not a replica is refused and left as it is, never replaced.
 */
#ifndef REPLICA_H
#define REPLICA_H

#include <stddef.h>
#include <stdint.h>

#include "wo_proto.h"

struct replica;

/*
 * Open HOME/replica.db; create it (mode 0600) only when create is set
 * (wo enroll) and nothing is there. WO_ENOTFOUND when it is missing,
 * WO_EEXIST when a file is there that is not a replica (empty, not
 * SQLite: it is left as it is), WO_EPERM when HOME can be written by
 * others, WO_ESCHEMA when it is newer than this program, WO_EIO for
 * damage SQLite met while opening. err says what went wrong.
 */
int replica_open(const char *home, int create, struct replica **out,
                 char *err, size_t errlen);
void replica_close(struct replica *r);

/*
 * Why the replica call that just returned rc failed, in words that say
 * what to do: "disk full: ..." for a full disk, "... is damaged (SQLite:
 * ...)" with what the server still holds for a damaged file, else rc's
 * text with SQLite's. Written to buf (len bytes), which it returns.
 */
const char *replica_why(struct replica *r, int rc, char *buf, size_t len);

/* Tests only (WO_TEST_DISK_FULL): from now on the file may not grow, as
 * on a full disk. 0 or WO_EIO. */
int replica_test_disk_full(struct replica *r);

/* Settings kept in the replica: server, ca, device_id, user, role, cursor.
 * *val is malloc'd, NULL when unset. */
int replica_config_get(struct replica *r, const char *key, char **val);
int replica_config_set(struct replica *r, const char *key, const char *val);
/* Settings kv[0..n) (key, value, key, value...: n pairs) in one
 * transaction: all or none, and one write to the disk, not n. */
int replica_config_set_all(struct replica *r, const char *const *kv,
                           size_t n);
int64_t replica_config_int(struct replica *r, const char *key);

/* Orders in the replica, ids in display order. Caller frees *ids. */
int replica_order_ids(struct replica *r, int64_t **ids, size_t *n);

/* Reads of many orders at once (`wo list`): until replica_read_end()
 * every read sees the replica as of the first, so a sync writing
 * meanwhile cannot show half of its work, and the replica's lock is
 * taken once, not once per query (10,000 orders: 80,000 queries). 0 or
 * WO_EIO. */
int replica_read_begin(struct replica *r);
void replica_read_end(struct replica *r);

/* Load one order with its records (pending ones included). */
int replica_order_load(struct replica *r, int64_t id, struct wo_order *o);

/* Record a local op: effect + outbox row, one transaction. `user` is the
 * technician's name (author of the records). */
int replica_record(struct replica *r, const struct wo_op *op,
                   const char *user, int64_t device);

/* Up to max pending ops after outbox row `after` (0: from the first),
 * oldest first; *last gets the row the read stopped at, where the next
 * read goes on. Caller cleans each with
 * wo_op_cleanup() and frees the array. A row whose op cannot be decoded
 * is quarantined on the way (state 'quarantined', with the reason; never
 * sent), so one damaged row does not hold back the ones behind it. */
int replica_outbox_pending(struct replica *r, int64_t after, size_t max,
                           struct wo_op **ops, size_t *n, int64_t *last);
/* Pending ops (not rejected, not quarantined); -1 when unreadable. */
int64_t replica_outbox_count(struct replica *r);
/* How many outbox rows this process has quarantined so far. */
int64_t replica_quarantined(struct replica *r);

/* Apply acks in one transaction. */
int replica_apply_acks(struct replica *r, const struct wo_acks *acks);

/*
 * Apply a changes frame in one transaction (see invariants above). With
 * hold set, that transaction is left open and the next frame goes into
 * it: a catch-up's frames are then written in a few commits, not one per
 * frame. The frame without hold commits them all; so does any write that
 * takes a transaction of its own (acks, a recorded op, first openings,
 * settings written together), replica_settle() and replica_close(); a
 * single setting or a quarantined outbox row joins the open one. Each
 * frame carries its cursor, so a crash loses whole held frames only, and
 * the next sync asks for them again. A failure rolls back the held frames
 * too. gone, when not NULL, has room for ch->n_revoked flags: gone[i] is
 * set to 1 when revocation i removed an order the replica held (the
 * server may revoke orders this replica never had).
 */
int replica_apply_changes(struct replica *r, const struct wo_changes *ch,
                          const char *user, int64_t device, int hold,
                          char *gone);
/* Commit the frames held open, if any. 0 or a WO_E* code. */
int replica_settle(struct replica *r);

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

/* Every outbox row, oldest first, to fn: state "pending", "rejected"
 * (reason: the server's) or "quarantined" (reason: why it cannot be
 * sent). 0, or WO_EIO when the outbox cannot be read (replica_why). */
typedef void (*replica_outbox_fn)(void *arg, int64_t seq, const char *id,
                                  int64_t order, const char *kind, int64_t at,
                                  const char *state, const char *reason);
int replica_outbox_list(struct replica *r, replica_outbox_fn fn, void *arg);

/* Field data (docs/protocol.md, "Field data") ------------------------- */

/* The technician opened order at device time at: kept if it is the
 * first time (a delivery receipt sent at the next sync). */
int replica_opened_mark(struct replica *r, int64_t order, int64_t at);
/* Up to max first openings not yet sent (wo, at; caller frees *out). */
int replica_opened_unsent(struct replica *r, size_t max,
                          struct wo_receipt **out, size_t *n);
/* These openings reached the server. */
int replica_opened_sent(struct replica *r, const struct wo_receipt *e,
                        size_t n);
/* Device time the oldest pending outbox op was recorded; 0: none. */
int64_t replica_outbox_oldest(struct replica *r);

#endif
