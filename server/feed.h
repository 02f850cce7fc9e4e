/*
 * feed.h - the activity feed to the office, and presence: events made
 * where the change they tell of is written (in its transaction), pushed
 * live after the commit to every office session subscribed to alerts
 * (docs/protocol.md, "Field data").
 */
#ifndef FEED_H
#define FEED_H

#include <stdint.h>

struct srv;
struct session;
struct wo_op;

/*
 * An event of kind about order wo (0: none) by actor's device, with the
 * order's status now, an outcome and a detail (each may be NULL), at
 * server time now. Call inside the transaction of the change. 0 or a
 * WO_E* code.
 */
int feed_event(struct srv *srv, const char *kind, int64_t wo,
               const char *actor, int64_t device, const char *outcome,
               const char *detail, int64_t now);

/* The event(s) of an applied op (none for notes and parts). */
int feed_op(struct srv *srv, const struct wo_op *op, const char *actor,
            int64_t device, int64_t now);

/* Send the events committed since the last call to the live office
 * sessions. Call after any commit that may have made some. */
void feed_push(struct srv *srv);

/* Session s authenticated / is closing: its device's presence (last
 * seen, online/offline events when it is the device's first / last
 * connection). Kept in memory until feed_presence_flush(). */
void feed_online(struct srv *srv, struct session *s);
void feed_offline(struct srv *srv, struct session *s);

/* Write the presence changes kept so far in one transaction, then push
 * their events. The desk tick calls it, and main once more at shutdown. */
void feed_presence_flush(struct srv *srv);

/* Free what feed keeps in srv (after the last flush). */
void feed_cleanup(struct srv *srv);

#endif
